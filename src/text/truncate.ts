/**
 * The one truncation: cut at a code point with an ellipsis (`clip`), or at a clause (`trimAtClause`);
 * and Telegram's limit on a message's text, which every sender and renderer measures against.
 */
import { isMostlyHan } from "./lang.js";

/**
 * Telegram rejects a message text longer than this. Callers measure the HTML source, which is never
 * shorter than what Telegram counts after parsing, so a message that fits here fits there.
 */
export const TELEGRAM_MAX_CHARS = 4096;

/** Clause boundaries where a long sentence may be cut (Chinese and ASCII). */
const CLAUSE_BREAKS = new Set([",", ";", ":", "，", "；", "：", "、", "—", "–"]);
/** Shortens `text` to at most `maxChars` characters (code points), marking a cut with an ellipsis. */
export function clip(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars
    ? text
    : `${chars
        .slice(0, Math.max(0, maxChars - 1))
        .join("")
        .trimEnd()}…`;
}

/**
 * Shortens `text` to at most `maxChars` characters, cutting at the last clause boundary that keeps
 * at least half of it (else at a word boundary), and marks the cut with an ellipsis.
 */
export function trimAtClause(text: string, maxChars: number): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  const limit = maxChars - 1;
  const floor = Math.floor(maxChars / 2);
  for (let cut = limit; cut >= floor; cut -= 1) {
    if (CLAUSE_BREAKS.has(chars[cut - 1] as string)) return `${stripTrailing(chars.slice(0, cut - 1).join(""))}…`;
  }
  const head = chars.slice(0, limit).join("");
  if (!isMostlyHan(head)) {
    const space = head.lastIndexOf(" ");
    if (space >= floor) return `${stripTrailing(head.slice(0, space))}…`;
  }
  return `${stripTrailing(head)}…`;
}

function stripTrailing(text: string): string {
  return text.replace(/[\s,，、;；:：—–-]+$/u, "");
}

/**
 * The one splitter of a long text into parts of at most `maxChars` characters (code points): at the last
 * paragraph break, else line break, else space in the second half of a part; hard at `maxChars` otherwise.
 */
export function splitText(text: string, maxChars: number): string[] {
  const parts: string[] = [];
  let rest = [...text];
  while (rest.length > maxChars) {
    const head = rest.slice(0, maxChars).join("");
    const floor = Math.floor(maxChars / 2);
    let cut = head.lastIndexOf("\n\n");
    if (cut < floor) cut = head.lastIndexOf("\n");
    if (cut < floor) cut = head.lastIndexOf(" ");
    const taken = cut < floor ? head : head.slice(0, cut);
    parts.push(taken.trimEnd());
    rest = rest.slice([...taken].length);
    while (rest[0] === "\n" || rest[0] === " ") rest.shift();
  }
  if (rest.length > 0) parts.push(rest.join(""));
  return parts;
}
