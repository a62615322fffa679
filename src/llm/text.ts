/**
 * Sentence splitting, word terms and trimming for Chinese and English text: the pieces the offline
 * summarizer ranks and the summary stage tidies. Pure functions, no I/O.
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
/** Clause boundaries where a long sentence may be cut (Chinese and ASCII). */
const CLAUSE_BREAKS = new Set([",", ";", ":", "，", "；", "：", "、", "—", "–"]);
/** Function words that say nothing about the topic. Short on purpose: TF-IDF handles the rest. */
const STOPWORDS = new Set(
  (
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this that these " +
    "those he she they we you i his her their our your them him us me my not no so than then there here which who whom " +
    "what when where why how all any some can could would should will may might must do does did done has have had " +
    "also just more most very about into over after before said says say one two new next last first year years " +
    "week weeks month months day days time times many much other others such like only even well still back make " +
    "made get got take took going" +
    " 的 了 是 在 和 与 及 也 就 都 而 并 或 等 被 对 将 从 把 这 那 有 为 以 上 中 下 个 之 其 于 则 但 又 还 已 让 给 由 向 " +
    "我 你 他 她 它 我们 你们 他们 她们 这个 那个 这些 那些 一个 没有 就是 因为 所以 如果 可以 表示 认为 进行 目前 已经"
  ).split(/\s+/),
);

/** Control, zero-width, bidi-override characters and BOMs (tab and newline kept): never wanted in a chat message, sometimes used to confuse. */
const INVISIBLE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Reasoning models (DeepSeek-R1, Qwen3 via Ollama) put their thinking inside the content; unclosed when cut off. */
const THINKING = /<think>[\s\S]*?(<\/think>|$)/gi;

export interface Sentence {
  readonly text: string;
  /** Index of the paragraph it came from. */
  readonly paragraph: number;
}

/** True when most letters are Han characters. */
export function isMostlyHan(text: string): boolean {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  return letters > 0 && han / letters > 0.3;
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
      const sentence = chars.slice(start, end).join("").trim();
      if (sentence) sentences.push(sentence);
      start = end;
      index = end;
      continue;
    }
    index += 1;
  }
  const rest = chars.slice(start).join("").trim();
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

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string): Intl.Segmenter {
  let found = segmenters.get(locale);
  if (!found) {
    found = new Intl.Segmenter(locale, { granularity: "word" });
    segmenters.set(locale, found);
  }
  return found;
}

/**
 * Content terms of a text, lower-cased, stop words dropped. Chinese goes through `Intl.Segmenter`;
 * runs of single Han characters (words its dictionary missed, e.g. 疫|情) also give their bigrams.
 */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  let singles: string[] = [];
  const flushSingles = () => {
    for (let i = 0; i + 1 < singles.length; i += 1) terms.push(`${singles[i]}${singles[i + 1]}`);
    singles = [];
  };
  for (const { segment, isWordLike } of segmenter("zh").segment(text)) {
    if (!isWordLike) {
      flushSingles();
      continue;
    }
    const word = segment.toLowerCase();
    const han = HAN.test(word);
    if (STOPWORDS.has(word)) {
      flushSingles();
      continue;
    }
    if (han && [...word].length === 1) {
      // One Han character alone says little; pairs of them usually are the word the dictionary missed.
      singles.push(word);
      continue;
    }
    flushSingles();
    if (!han && word.length < 2 && !/\d/.test(word)) continue;
    terms.push(han ? word : stem(word));
  }
  flushSingles();
  return terms;
}

/** Light English stemming so "rates" meets "rate" and "talks" meets "talk". */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

/** News-agency datelines that open a lead sentence: `LONDON (Reuters) -`, `WASHINGTON —`, `新华社北京3月26日电`. */
const DATELINES = [
  /^[\p{Lu}][\p{L} .,'’/-]{0,40}?\s*\((?:Reuters|AP|AFP|Bloomberg|CNN|BBC|UPI|dpa|Xinhua|CNBC)\)\s*[-—–:]+\s*/u,
  /^\((?:Reuters|AP|AFP|Bloomberg|CNN|BBC|UPI|dpa|Xinhua|CNBC)\)\s*[-—–:]+\s*/u,
  /^\p{Lu}[\p{Lu} .,'’-]{2,30}\s+[—–-]{1,2}\s+(?=\p{Lu})/u,
  /^(?:新华社|中新社|中新网|人民网|光明网|央视网|[\p{Script=Han}]{2,6}(?:社|网|报))[\p{Script=Han}\d月日]{0,12}(?:电|讯)\s*(?:[(（]记者[^)）]{0,20}[)）])?\s*/u,
];

/** Drops a news-agency dateline from the start of a sentence; the rest is still a substring of the article. */
export function stripDateline(sentence: string): string {
  for (const pattern of DATELINES) {
    const match = pattern.exec(sentence);
    // Keep the sentence when the "dateline" would be most of it.
    if (match && sentence.length - match[0].length >= 20) return sentence.slice(match[0].length);
  }
  return sentence;
}

/** Removes control, zero-width and bidi-override characters; keeps newlines and tabs. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE_CHARS, "");
}

/** A model's answer without the `<think>…</think>` block a reasoning model may put before it. */
export function stripThinking(answer: string): string {
  return answer.replace(THINKING, "");
}

/** Shortens `text` to at most `maxChars` characters (code points), marking a cut with an ellipsis. */
export function clip(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars
    ? text
    : `${chars
        .slice(0, maxChars - 1)
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
