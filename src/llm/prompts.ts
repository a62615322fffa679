import { readFileSync } from "node:fs";
import { ErrorCode, JianbaoError } from "../errors.js";
import type { Lang } from "../types.js";

/** Where the plain-text prompt templates live (repo root `prompts/`). */
export const PROMPTS_DIR = new URL("../../prompts/", import.meta.url);

/** `{{name}}` with optional inner spaces; names are letters, digits and underscores. */
const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** How every prompt names the language to write in (`{{lang_name}}`, `{{language}}`). */
export const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = { zh: "Simplified Chinese (简体中文)", en: "English" };

export type PromptVariables = Readonly<Record<string, string | number>>;

/**
 * Fills `{{name}}` placeholders in one pass (so `{{` inside a value is never expanded).
 * Throws PROMPT_VARIABLE when a placeholder has no value or the template holds a `{{` that is not a placeholder.
 */
export function renderTemplate(template: string, variables: PromptVariables, name = "template"): string {
  const missing = new Set<string>();
  const rendered = template.replace(VARIABLE, (placeholder, key: string) => {
    const value = Object.hasOwn(variables, key) ? variables[key] : undefined;
    if (value === undefined) {
      missing.add(key);
      return placeholder;
    }
    return String(value);
  });
  if (missing.size > 0) {
    throw new JianbaoError(ErrorCode.PromptVariable, `Prompt ${name} needs a value for ${[...missing].join(", ")}`);
  }
  const leftover = template.replace(VARIABLE, "").match(/\{\{[^}]{0,40}\}?\}?/);
  if (leftover) {
    throw new JianbaoError(ErrorCode.PromptVariable, `Prompt ${name} holds a malformed placeholder: ${leftover[0]}`);
  }
  return rendered;
}

const cache = new Map<string, string>();

/** The text of `prompts/<file>`, read once. */
export function loadPrompt(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(file, PROMPTS_DIR), "utf8").replace(/\r\n/g, "\n").trimEnd();
    cache.set(file, text);
  }
  return text;
}

/** Renders `prompts/<file>` with `variables` (see renderTemplate). */
export function renderPrompt(file: string, variables: PromptVariables): string {
  return renderTemplate(loadPrompt(file), variables, file);
}

/**
 * Tags our prompts use as delimiters; text inside a value may not open or close them. Spaces around the
 * slash (`< /article>`) and the full-width bracket (`＜/article`) read as the same tag to a model.
 */
const DELIMITER_TAGS = /[<＜]\s*(\/?)\s*(article|title|notes|question|history)\b/gi;

/**
 * Makes untrusted text safe to place between our delimiter tags: any `<article`, `</article`, `<title`…
 * becomes `‹article`, so the text cannot end the data block early and speak as the instructions.
 */
export function neutraliseDelimiters(text: string): string {
  return text.replace(DELIMITER_TAGS, (_match, slash: string, tag: string) => `‹${slash}${tag}`);
}
