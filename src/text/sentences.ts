/**
 * The one sentence splitter, for Chinese and English: after 。！？； always; after . ! ? when a new
 * sentence follows, not after abbreviations. Pure.
 */

// ── Tunables and patterns ─────────────────────────────────────────────────────────────────────────
/** Always end a sentence (full-width Chinese punctuation). */
const HARD_STOPS = new Set(["。", "！", "？", "；", "‼", "⁇"]);
/** End a sentence when what follows looks like a new one (ASCII; `;` only ends one in Chinese text). */
const SOFT_STOPS = new Set([".", "!", "?", ";"]);
/** Closing quotes and brackets that belong to the sentence they follow. */
const CLOSERS = new Set(['"', "'", "”", "’", "」", "』", "）", ")", "]", "】", "》"]);
const HAN = /\p{Script=Han}/u;
/**
 * Words before a full stop that do not end a sentence. Lower case, without the dot.
 * Titles, months, corporate suffixes and Latin shorthands common in news text.
 */
const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "dr",
  "prof",
  "sr",
  "jr",
  "st",
  "mt",
  "gen",
  "col",
  "lt",
  "sgt",
  "capt",
  "cmdr",
  "adm",
  "gov",
  "sen",
  "rep",
  "rev",
  "hon",
  "pres",
  "inc",
  "ltd",
  "co",
  "corp",
  "llc",
  "plc",
  "bros",
  "no",
  "nos",
  "vol",
  "fig",
  "pp",
  "approx",
  "dept",
  "est",
  "vs",
  "etc",
  "al",
  "cf",
  "ca",
  "jan",
  "feb",
  "mar",
  "apr",
  "jun",
  "jul",
  "aug",
  "sep",
  "sept",
  "oct",
  "nov",
  "dec",
  "mon",
  "tue",
  "wed",
  "thu",
  "fri",
  "sat",
  "sun",
]);
export interface Sentence {
  readonly text: string;
  /** Index of the paragraph it came from. */
  readonly paragraph: number;
}

/** Splits every paragraph into sentences, keeping each sentence's paragraph index. */
export function splitArticle(paragraphs: readonly string[]): Sentence[] {
  return paragraphs.flatMap((paragraph, index) =>
    splitSentences(paragraph).map((text) => ({ text, paragraph: index })),
  );
}

/**
 * Splits one paragraph into sentences: after 。！？； always; after . ! ? when a new sentence follows
 * (space then a capital, digit, quote or Han character), not after abbreviations (Mr., U.S., J.) or in 3.5.
 */
export function splitSentences(paragraph: string): string[] {
  return sentencePieces(paragraph)
    .map((piece) => piece.trim())
    .filter(Boolean);
}

/**
 * The sentences of `paragraph` as `splitSentences` finds them, untrimmed: joined they give the
 * paragraph back (white space between sentences opens the next piece).
 */
export function sentencePieces(paragraph: string): string[] {
  const chars = [...paragraph];
  const sentences: string[] = [];
  let start = 0;
  let index = 0;
  while (index < chars.length) {
    const char = chars[index] as string;
    if (HARD_STOPS.has(char) || (SOFT_STOPS.has(char) && endsSentence(chars, index))) {
      let end = index + 1;
      while (end < chars.length && (HARD_STOPS.has(chars[end] as string) || SOFT_STOPS.has(chars[end] as string))) {
        end += 1;
      }
      while (end < chars.length && CLOSERS.has(chars[end] as string)) end += 1;
      const sentence = chars.slice(start, end).join("");
      if (sentence) sentences.push(sentence);
      start = end;
      index = end;
      continue;
    }
    index += 1;
  }
  const rest = chars.slice(start).join("");
  if (rest) sentences.push(rest);
  return sentences;
}

function endsSentence(chars: readonly string[], at: number): boolean {
  const char = chars[at] as string;
  let next = at + 1;
  while (next < chars.length && (SOFT_STOPS.has(chars[next] as string) || CLOSERS.has(chars[next] as string)))
    next += 1;
  if (next >= chars.length) return true;
  const before = chars[at - 1] ?? "";
  const following = chars[next] as string;
  // Chinese written with ASCII punctuation: 工作.他说 / 工作;他说
  if (HAN.test(before) && (HAN.test(following) || char === "!" || char === "?")) return true;
  if (char === ";") return false;
  if (!/\s/.test(following)) return false;
  let after = next;
  while (after < chars.length && /\s/.test(chars[after] as string)) after += 1;
  const starter = chars[after] ?? "";
  if (!/[\p{Lu}\p{N}"'“‘(「\p{Script=Han}]/u.test(starter)) return false;
  if (char !== ".") return true;
  const word = wordBefore(chars, at);
  if (ABBREVIATIONS.has(word.toLowerCase())) return false;
  // Initials (J. K. Rowling) and dotted shorthands (U.S., e.g.) end a sentence only at the paragraph's end.
  if (/^\p{Lu}$/u.test(word)) return false;
  if (/^(\p{L}\.)+\p{L}$/u.test(word)) return false;
  return true;
}

function wordBefore(chars: readonly string[], at: number): string {
  let start = at;
  while (start > 0 && /[\p{L}.]/u.test(chars[start - 1] as string)) start -= 1;
  return chars.slice(start, at).join("");
}
