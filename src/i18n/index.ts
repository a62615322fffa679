/**
 * The message catalog: every sentence a person reads, one file per language (en.ts defines the keys,
 * each other language `satisfies Messages`), and the one interpolator that fills them in.
 *
 * Placeholders: `{name}` takes `vars.name` (left as written when missing). `{n, plural, =0 {none}
 * one {# item} other {# items}}` picks a branch by `vars.n`: an exact `=N` first, then the category
 * `Intl.PluralRules` gives for the language; `#` in the branch is the number. Branches may hold
 * placeholders of their own.
 *
 * A third language: add `xx.ts` (`export const xx = {…} as const satisfies Messages`) and its line
 * in CATALOGS below.
 */
import type { Lang } from "../types.js";
import { en, type MessageKey, type Messages } from "./en.js";
import { zh } from "./zh.js";

export type { MessageKey, Messages } from "./en.js";

interface Catalog {
  messages: Messages;
  /** BCP 47 locale for Intl (plural rules, dates). */
  locale: string;
}

/** Every language a person can be answered in. */
export const CATALOGS: Readonly<Record<Lang, Catalog>> = {
  en: { messages: en, locale: "en-GB" },
  zh: { messages: zh, locale: "zh-CN" },
};

export type MessageVars = Readonly<Record<string, string | number>>;

/** The sentence `key` in `lang`, with its placeholders filled from `vars`. */
export function t(lang: Lang, key: MessageKey, vars: MessageVars = {}): string {
  const catalog = CATALOGS[lang];
  return interpolate(catalog.messages[key], vars, catalog.locale);
}

/** The sentence `key` in every language (e.g. a command's description for each language's menu). */
export function inEachLang(key: MessageKey, vars: MessageVars = {}): Record<Lang, string> {
  const entries = Object.keys(CATALOGS).map((lang) => [lang, t(lang as Lang, key, vars)] as const);
  return Object.fromEntries(entries) as Record<Lang, string>;
}

/** The Intl locale of `lang` (for dates and numbers). */
export function localeOf(lang: Lang): string {
  return CATALOGS[lang].locale;
}

const pluralRules = new Map<string, Intl.PluralRules>();

function pluralCategory(locale: string, count: number): string {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules.select(count);
}

/** `{name}` and `{name, plural, …}` (see the file comment) filled in `template`; other text as it is. */
export function interpolate(template: string, vars: MessageVars, locale: string): string {
  let out = "";
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf("{", index);
    if (open < 0) break;
    const close = matchingBrace(template, open);
    if (close < 0) break;
    out += template.slice(index, open);
    out += fillPlaceholder(template.slice(open, close + 1), vars, locale);
    index = close + 1;
  }
  return out + template.slice(index);
}

const SIMPLE = /^\{(\w+)\}$/;
const PLURAL = /^\{(\w+)\s*,\s*plural\s*,([\s\S]*)\}$/;
/** One plural branch: `=2 {…}` or `one {…}`; the body is found by brace matching. */
const SELECTOR = /\s*(=\d+|zero|one|two|few|many|other)\s*\{/y;

function fillPlaceholder(placeholder: string, vars: MessageVars, locale: string): string {
  const simple = SIMPLE.exec(placeholder);
  if (simple) {
    const value = vars[simple[1] as string];
    return value === undefined ? placeholder : String(value);
  }
  const plural = PLURAL.exec(placeholder);
  const value = plural ? vars[plural[1] as string] : undefined;
  if (!plural || value === undefined) return placeholder;
  const count = Number(value);
  const branches = pluralBranches(plural[2] as string);
  const branch =
    branches.get(`=${count}`) ?? branches.get(pluralCategory(locale, count)) ?? branches.get("other") ?? "";
  return interpolate(branch.replace(/#/g, String(value)), vars, locale);
}

function pluralBranches(body: string): Map<string, string> {
  const branches = new Map<string, string>();
  let index = 0;
  for (;;) {
    SELECTOR.lastIndex = index;
    const selector = SELECTOR.exec(body);
    if (!selector) return branches;
    const open = SELECTOR.lastIndex - 1;
    const close = matchingBrace(body, open);
    if (close < 0) return branches;
    branches.set(selector[1] as string, body.slice(open + 1, close));
    index = close + 1;
  }
}

/** Index of the `}` that closes the `{` at `open`, or -1. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    if (text[index] === "{") depth += 1;
    else if (text[index] === "}") {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}

/** "1.5 MB", "320 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
