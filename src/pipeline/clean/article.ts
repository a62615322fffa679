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
  return text
    .replace(/[\u00a0\u3000\t ]+/g, " ")
    .replace(/\s*\n\s*/g, " ")
    .trim();
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
