import type { Lang } from "../types.js";

/**
 * The language a message is clearly written in, or undefined (commands, links, numbers, emoji,
 * a word or two of Latin script): mostly Han characters → zh; only Latin words, at least three → en.
 */
export function langOfText(text: string): Lang | undefined {
  const words = text
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/^\/\S+/, " ")
    .trim();
  const han = words.match(/\p{Script=Han}/gu)?.length ?? 0;
  const letters = words.match(/\p{L}/gu)?.length ?? 0;
  if (han >= 2 && han / letters > 0.5) return "zh";
  if (han === 0 && (words.match(/\p{Script=Latin}{2,}/gu)?.length ?? 0) >= 3) return "en";
  return undefined;
}
