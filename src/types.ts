/** Plain data passed between the pipeline stages. */

export type Lang = "zh" | "en";
export type LangChoice = Lang | "auto";

/** What the cleaning stage promises: the article and nothing else. */
export interface Article {
  readonly title: string;
  readonly siteName?: string;
  readonly byline?: string;
  /** ISO 8601 when known. */
  readonly published?: string;
  /** `zh`, `en`, or another BCP-47 primary code. */
  readonly lang: string;
  readonly url?: string;
  readonly canonicalUrl?: string;
  /** Headings, list items and paragraphs in reading order, text only. */
  readonly paragraphs: readonly string[];
  /** `paragraphs` joined by blank lines. */
  readonly text: string;
  /** Characters of `text` (code points). */
  readonly charCount: number;
  /** Words: Han characters count one each, other letter/digit runs one each. */
  readonly wordCount: number;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** What the summary stage promises. */
export interface Summary {
  readonly headline: string;
  /** 3–5 bullets (fewer for very short articles). */
  readonly bullets: readonly string[];
  /** For each bullet, the indexes into `Article.paragraphs` it comes from. */
  readonly sources: readonly (readonly number[])[];
  /** Two or three follow-up questions a reader might ask (may be empty offline). */
  readonly questions: readonly string[];
  readonly lang: Lang;
  readonly mode: "llm" | "offline";
  readonly model?: string;
  readonly usage: TokenUsage;
  readonly cached: boolean;
  /** Set when the result differs from what was asked, e.g. offline summaries cannot translate. */
  readonly notice?: "offline-no-translation" | "llm-unavailable" | "llm-timeout";
}
