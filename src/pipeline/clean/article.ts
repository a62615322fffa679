import { detectLang } from "../../text/lang.js";
import type { Article } from "../../types.js";

const HAN = /\p{Script=Han}/gu;
const WORD = /[\p{L}\p{N}]+/gu;

/** Counts Han characters one each and other letter/digit runs one each (the benchmark's tokens). */
export function countWords(text: string): number {
  const han = text.match(HAN)?.length ?? 0;
  const others = text.replace(HAN, " ").match(WORD)?.length ?? 0;
  return han + others;
}

/** Normalises a paragraph: collapses white space (keeps CJK text intact), trims. */
export function tidyParagraph(text: string): string {
  return (
    text
      .replace(/[\u00a0\u3000\t ]+/g, " ")
      // A run of white space with a line break in it becomes one space (`\s*\n\s*` retried every start of a long run).
      .replace(/\s+/g, (run) => (run.includes("\n") ? " " : run))
      .trim()
  );
}

/**
 * Trims the characters `char` matches (a one-character pattern) from both ends, or only the end. A loop,
 * not `/[…]+$/`: that pattern is retried from every start of a long run that is not at the end.
 */
export function trimChars(value: string, char: RegExp, ends: "both" | "end" = "both"): string {
  let start = 0;
  let end = value.length;
  if (ends === "both") while (start < end && char.test(value[start]!)) start++;
  while (end > start && char.test(value[end - 1]!)) end--;
  return value.slice(start, end);
}

/** Builds an `Article`, deriving text, counts and language from the paragraphs. */
export function makeArticle(
  fields: Omit<Article, "text" | "charCount" | "wordCount" | "lang"> & { lang?: string },
): Article {
  const paragraphs = fields.paragraphs.map(tidyParagraph).filter(Boolean);
  const text = paragraphs.join("\n\n");
  return {
    ...fields,
    paragraphs,
    text,
    lang: detectLang(text, fields.lang),
    charCount: [...text].length,
    wordCount: countWords(text),
  };
}
