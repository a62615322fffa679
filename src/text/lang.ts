/**
 * The one language detector: how much of a text is Han, and what that means for an article, a
 * person's message and a model's reply. Every threshold is in the block below.
 */
import type { Lang } from "../types.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
export const LANG_THRESHOLDS = {
  /**
   * An article, a sentence or a page is Chinese above this share of Han among letters: Chinese news
   * quotes English names and figures, so well under half its letters may be Han. (v0.1 used 0.3 in both
   * the article detector and the offline summarizer.)
   */
  zhTextShare: 0.3,
  /** Otherwise English when Latin letters are above this share (and the page declares no other language). */
  enLatinShare: 0.6,
  /**
   * A person's message is Chinese above this share with at least `messageMinHan` Han characters, and
   * English with no Han and at least `messageMinLatinWords` Latin words of two letters or more: "ok",
   * a link or a command say nothing. (v0.1: the bot's 0.5/2/3, follow-ups' 0.5/1/2. Two Han characters
   * from the bot; two words from follow-ups, since "who paid?" is a whole English question.)
   */
  messageZhShare: 0.5,
  messageMinHan: 2,
  messageMinLatinWords: 2,
  /**
   * A model's reply reads as Chinese at this share or more and as English at `replyEnMax` or less.
   * (v0.1: answers used 0.3, summaries 0.4; 0.3 wins, since a Chinese summary of an English article
   * names people and firms in Latin letters.)
   */
  replyZhMin: 0.3,
  replyEnMax: 0.2,
  /** Replies with fewer letters than this (a name, a number) are not judged. */
  replyMinLetters: 12,
} as const;

const HAN = /\p{Script=Han}/gu;

/**
 * One Han character carries about as much as 2.5 Latin characters (a word and its space ≈ 2 Han): the cleaners
 * measure lines and blocks in these weighted characters so one threshold serves both languages.
 */
export const HAN_CHAR_WEIGHT = 2.5;

/** Length in weighted characters: Han ×HAN_CHAR_WEIGHT, everything else 1. */
export function weightedLength(text: string): number {
  const han = text.match(HAN)?.length ?? 0;
  return text.length - han + han * HAN_CHAR_WEIGHT;
}
const LETTER = /\p{L}/gu;

/** Share of Han characters among letters: 0 for English, near 1 for Chinese. */
export function hanShare(text: string): number {
  const han = text.match(HAN)?.length ?? 0;
  const letters = text.match(LETTER)?.length ?? 0;
  return letters === 0 ? 0 : han / letters;
}

/** True when the text is Chinese by the article threshold. */
export function isMostlyHan(text: string): boolean {
  return hanShare(text) > LANG_THRESHOLDS.zhTextShare;
}

/** `zh`, `en`, or the page's declared primary language code when neither fits; `und` when unknown. */
export function detectLang(text: string, declared?: string): string {
  const primary = declared?.toLowerCase().split(/[-_]/)[0];
  if (isMostlyHan(text)) return "zh";
  if (primary && primary !== "zh" && primary !== "en") return primary;
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  const letters = text.match(LETTER)?.length ?? 0;
  if (letters > 0 && latin / letters > LANG_THRESHOLDS.enLatinShare)
    return primary === "en" || !primary ? "en" : primary;
  return primary ?? "und";
}

/**
 * The language a message is clearly written in, or undefined (commands, links, numbers, emoji,
 * a word or two of Latin script).
 */
export function langOfText(text: string): Lang | undefined {
  const words = text
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/^\/\S+/, " ")
    .trim();
  const han = words.match(HAN)?.length ?? 0;
  if (han >= LANG_THRESHOLDS.messageMinHan && hanShare(words) > LANG_THRESHOLDS.messageZhShare) return "zh";
  const latinWords = words.match(/\p{Script=Latin}{2,}/gu)?.length ?? 0;
  if (han === 0 && latinWords >= LANG_THRESHOLDS.messageMinLatinWords) return "en";
  return undefined;
}

/** True when a model's reply reads as `lang`, or is too short to tell. */
export function readsAs(text: string, lang: Lang): boolean {
  if ((text.match(LETTER)?.length ?? 0) < LANG_THRESHOLDS.replyMinLetters) return true;
  const share = hanShare(text);
  return lang === "zh" ? share >= LANG_THRESHOLDS.replyZhMin : share <= LANG_THRESHOLDS.replyEnMax;
}
