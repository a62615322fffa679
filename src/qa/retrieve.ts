import { countTokens } from "../llm/tokens.js";
import { countWords } from "../pipeline/clean/article.js";
import { sentencePieces } from "../text/sentences.js";
import { searchTerms } from "../text/tokens.js";
import type { Article } from "../types.js";

/**
 * Picks the paragraphs of an article that bear on a question: BM25 over paragraphs, with
 * Chinese words from `Intl.Segmenter` plus Han character bigrams (the segmenter splits names
 * and rare terms into single characters; bigrams still match them) and lowercased, lightly
 * stemmed English words. Pure: same article and question, same passages.
 */

// --- Tunables -------------------------------------------------------------------------------
/** BM25 term-frequency saturation; the usual value for short documents. */
const BM25_K1 = 1.2;
/** BM25 length normalisation; paragraphs differ a lot in length, so keep the standard pull. */
const BM25_B = 0.75;
/** Bigrams overlap the words they come from; weigh them less so a matched word counts most. */
const BIGRAM_WEIGHT = 0.6;
/** Earlier questions and answers steer retrieval for "and the second one?", but less than the question itself. */
const HISTORY_QUESTION_WEIGHT = 0.5;
const HISTORY_ANSWER_WEIGHT = 0.25;
/** Turns of history that feed the query: older turns rarely matter to the next question. */
const HISTORY_TURNS_FOR_QUERY = 2;
/**
 * History may lift a paragraph by at most this share of the best question-only score, so an earlier
 * topic never outranks the paragraph that answers the new question; when the question alone matches
 * nothing ("and the second one?"), history decides.
 */
const HISTORY_MAX_SHARE = 0.5;
/** A paragraph the previous answer quoted gets this share of the best score, so pronoun follow-ups keep their context. */
const PREVIOUS_QUOTE_BONUS = 0.2;
/** The lead is the first paragraph with at least this many words (Han characters count one each): skips bylines and captions. */
const LEAD_MIN_WORDS = 12;
/** A top-ranked paragraph too big for the budget is cut to a window around its best match when at least this much room is left. */
const MIN_WINDOW_TOKENS = 80;
/** Only the best few paragraphs are worth cutting down; the rest are skipped when they do not fit. */
const WINDOW_FOR_TOP_N = 3;
/** Tokens of a line's "[n] " prefix and newline, counted once per passage on top of its text. */
const PASSAGE_OVERHEAD_TOKENS = 4;

function termWeight(term: string): number {
  return term.startsWith("b:") ? BIGRAM_WEIGHT : 1;
}

// --- Ranking -------------------------------------------------------------------------------
/** One earlier question and answer in the same chat about the same article. */
export interface Turn {
  readonly question: string;
  readonly answer: string;
  /** Paragraph indexes the answer relied on. */
  readonly quotes?: readonly number[];
}

export interface RankedParagraph {
  readonly index: number;
  /** BM25 score (0 when nothing matched). */
  readonly score: number;
  /**
   * Share of the question's weight (IDF × term weight) this paragraph matches, 0–1.
   * Comparable across questions, unlike `score`: the offline path uses it as its "is this answered" threshold.
   */
  readonly coverage: number;
}

interface Query {
  /** term → weight in the query (question terms 1, history terms less). */
  readonly weights: ReadonlyMap<string, number>;
  /** Terms of the question alone, for `coverage`. */
  readonly questionTerms: ReadonlySet<string>;
}

function buildQuery(question: string, history: readonly Turn[]): Query {
  const weights = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const term of new Set(searchTerms(text))) weights.set(term, Math.max(weights.get(term) ?? 0, weight));
  };
  for (const turn of history.slice(-HISTORY_TURNS_FOR_QUERY)) {
    add(turn.question, HISTORY_QUESTION_WEIGHT);
    add(turn.answer, HISTORY_ANSWER_WEIGHT);
  }
  const questionTerms = new Set(searchTerms(question));
  for (const term of questionTerms) weights.set(term, 1);
  return { weights, questionTerms };
}

/** Every paragraph's BM25 score and question coverage, best first (ties in article order). */
export function rankParagraphs(options: {
  article: Pick<Article, "paragraphs">;
  question: string;
  history?: readonly Turn[];
}): RankedParagraph[] {
  const { paragraphs } = options.article;
  const history = options.history ?? [];
  const query = buildQuery(options.question, history);
  const docs = paragraphs.map((paragraph) => {
    const counts = new Map<string, number>();
    const all = searchTerms(paragraph);
    for (const term of all) counts.set(term, (counts.get(term) ?? 0) + 1);
    return { counts, length: all.length };
  });
  const total = docs.length;
  const averageLength = docs.reduce((sum, doc) => sum + doc.length, 0) / Math.max(1, total);
  const documentFrequency = new Map<string, number>();
  for (const term of query.weights.keys()) {
    documentFrequency.set(term, docs.filter((doc) => doc.counts.has(term)).length);
  }
  // BM25's IDF with +1 inside the log keeps it positive for terms found in most paragraphs.
  const idf = (term: string) => {
    const n = documentFrequency.get(term) ?? 0;
    return Math.log(1 + (total - n + 0.5) / (n + 0.5));
  };
  let questionMass = 0;
  for (const term of query.questionTerms) questionMass += idf(term) * termWeight(term);

  const scored = docs.map((doc, index) => {
    let questionScore = 0;
    let historyScore = 0;
    let matchedMass = 0;
    for (const [term, queryWeight] of query.weights) {
      const tf = doc.counts.get(term) ?? 0;
      if (tf === 0) continue;
      const norm = tf + BM25_K1 * (1 - BM25_B + (BM25_B * doc.length) / Math.max(1, averageLength));
      const termScore = queryWeight * termWeight(term) * idf(term) * ((tf * (BM25_K1 + 1)) / norm);
      if (query.questionTerms.has(term)) {
        questionScore += termScore;
        matchedMass += idf(term) * termWeight(term);
      } else historyScore += termScore;
    }
    return { index, questionScore, historyScore, coverage: questionMass > 0 ? matchedMass / questionMass : 0 };
  });
  const bestQuestion = Math.max(0, ...scored.map((entry) => entry.questionScore));
  const bestHistory = Math.max(0, ...scored.map((entry) => entry.historyScore));
  const historyScale =
    bestQuestion > 0 && bestHistory > 0 ? Math.min(1, (HISTORY_MAX_SHARE * bestQuestion) / bestHistory) : 1;
  const ranked = scored.map((entry) => ({
    index: entry.index,
    score: entry.questionScore + entry.historyScore * historyScale,
    coverage: entry.coverage,
  }));

  const previousQuotes = new Set(history.at(-1)?.quotes ?? []);
  if (previousQuotes.size > 0) {
    const best = Math.max(0, ...ranked.map((entry) => entry.score));
    const bonus = best > 0 ? best * PREVIOUS_QUOTE_BONUS : 1;
    for (const entry of ranked) if (previousQuotes.has(entry.index)) entry.score += bonus;
  }
  return ranked.sort((a, b) => b.score - a.score || a.index - b.index);
}

// --- Selection -----------------------------------------------------------------------------
export interface Passage {
  /** Index into `article.paragraphs` (what answers cite). */
  readonly index: number;
  readonly text: string;
  /**
   * Why it was sent: the lead, relevance to the question, because the whole article fits, or — when
   * no paragraph shares a word with the question (e.g. asked in another language) — the article's opening.
   */
  readonly reason: "lead" | "relevant" | "whole" | "opening";
  readonly score: number;
}

export interface PassageSelection {
  readonly title: string;
  /** In article order. */
  readonly passages: readonly Passage[];
  /** Tokens of the title and passages as `formatPassages` lays them out (roughly). */
  readonly tokens: number;
  /** True when every paragraph fit in the budget and was sent. */
  readonly whole: boolean;
  /** The ranking behind the choice, best first. */
  readonly ranking: readonly RankedParagraph[];
}

/** Index of the lead paragraph: the first real paragraph that is not the title repeated, a byline or a caption. */
export function leadIndex(article: Pick<Article, "title" | "paragraphs">): number | undefined {
  const title = article.title.trim();
  let fallback: number | undefined;
  for (const [index, paragraph] of article.paragraphs.entries()) {
    if (paragraph.trim() === title) continue;
    fallback ??= index;
    if (countWords(paragraph) >= LEAD_MIN_WORDS) return index;
  }
  return fallback;
}

function passageTokens(index: number, text: string): number {
  return countTokens(text) + String(index).length + PASSAGE_OVERHEAD_TOKENS;
}

/** Cuts `text` to at most `maxTokens` tokens, at a character boundary, with an ellipsis. */
function truncateToTokens(text: string, maxTokens: number): string {
  if (countTokens(text) <= maxTokens) return text;
  const chars = [...text];
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (countTokens(`${chars.slice(0, middle).join("")}…`) <= maxTokens) low = middle;
    else high = middle - 1;
  }
  return `${chars.slice(0, low).join("")}…`;
}

/**
 * The sentences of `text` around the one matching most of `wanted`, grown on both sides while they fit
 * in `maxTokens`; "…" marks what was cut. Undefined when not even the best sentence fits.
 */
export function windowAroundMatch(text: string, wanted: ReadonlySet<string>, maxTokens: number): string | undefined {
  const sentences = sentencePieces(text);
  let best = 0;
  let bestHits = -1;
  sentences.forEach((sentence, index) => {
    const hits = new Set(searchTerms(sentence).filter((term) => wanted.has(term))).size;
    if (hits > bestHits) {
      best = index;
      bestHits = hits;
    }
  });
  const render = (from: number, to: number) =>
    `${from > 0 ? "…" : ""}${sentences
      .slice(from, to + 1)
      .join("")
      .trim()}${to < sentences.length - 1 ? "…" : ""}`;
  let from = best;
  let to = best;
  if (countTokens(render(from, to)) > maxTokens) return undefined;
  for (let grew = true; grew; ) {
    grew = false;
    if (to + 1 < sentences.length && countTokens(render(from, to + 1)) <= maxTokens) {
      to += 1;
      grew = true;
    }
    if (from > 0 && countTokens(render(from - 1, to)) <= maxTokens) {
      from -= 1;
      grew = true;
    }
  }
  return render(from, to);
}

/**
 * The paragraphs to put in front of the model for `question`, within `maxTokens`:
 * the title and the lead always; then the whole article if it fits, otherwise the paragraphs
 * that match the question, best first, as many as fit. Returned in article order with their indexes.
 */
export function selectPassages(options: {
  article: Pick<Article, "title" | "paragraphs">;
  question: string;
  history?: readonly Turn[];
  maxTokens: number;
}): PassageSelection {
  const { article, maxTokens } = options;
  const ranking = rankParagraphs(options);
  const scoreOf = new Map(ranking.map((entry) => [entry.index, entry.score]));
  const titleTokens = countTokens(article.title) + PASSAGE_OVERHEAD_TOKENS;
  const costs = article.paragraphs.map((text, index) => passageTokens(index, text));
  const wholeTokens = titleTokens + costs.reduce((sum, cost) => sum + cost, 0);

  if (wholeTokens <= maxTokens) {
    return {
      title: article.title,
      passages: article.paragraphs.map((text, index) => ({
        index,
        text,
        reason: "whole" as const,
        score: scoreOf.get(index) ?? 0,
      })),
      tokens: wholeTokens,
      whole: true,
      ranking,
    };
  }

  const chosen = new Map<number, Passage>();
  let used = titleTokens;
  const lead = leadIndex(article);
  if (lead !== undefined) {
    const leadText = article.paragraphs[lead] ?? "";
    // The lead goes in whatever the budget; a lead larger than the budget is cut to fit.
    const room = Math.max(16, maxTokens - used - String(lead).length - PASSAGE_OVERHEAD_TOKENS);
    const text = truncateToTokens(leadText, room);
    chosen.set(lead, { index: lead, text, reason: "lead", score: scoreOf.get(lead) ?? 0 });
    used += passageTokens(lead, text);
  }
  let wanted: ReadonlySet<string> | undefined;
  for (const [rank, entry] of ranking.entries()) {
    if (entry.score <= 0) break;
    if (chosen.has(entry.index)) continue;
    const text = article.paragraphs[entry.index] ?? "";
    const cost = costs[entry.index] ?? 0;
    if (used + cost <= maxTokens) {
      chosen.set(entry.index, { index: entry.index, text, reason: "relevant", score: entry.score });
      used += cost;
      continue;
    }
    // Too big for what is left. One of the best few still goes in, cut to the sentences around its
    // best match (badly cleaned pages have paragraphs of thousands of tokens); others are skipped,
    // and the loop keeps looking for shorter relevant paragraphs that fit.
    const room = maxTokens - used - String(entry.index).length - PASSAGE_OVERHEAD_TOKENS;
    if (rank >= WINDOW_FOR_TOP_N || room < MIN_WINDOW_TOKENS) continue;
    wanted ??= new Set(searchTerms(options.question));
    const window = windowAroundMatch(text, wanted, room);
    if (!window) continue;
    chosen.set(entry.index, { index: entry.index, text: window, reason: "relevant", score: entry.score });
    used += passageTokens(entry.index, window);
  }
  // Nothing matched (often a question in another language than the article's): a model can still
  // answer across languages, so give it the article's opening as far as the budget goes.
  if (!ranking.some((entry) => entry.score > 0)) {
    for (const [index, text] of article.paragraphs.entries()) {
      const cost = costs[index] ?? 0;
      if (chosen.has(index)) continue;
      if (used + cost > maxTokens) break;
      chosen.set(index, { index, text, reason: "opening", score: 0 });
      used += cost;
    }
  }
  return {
    title: article.title,
    passages: [...chosen.values()].sort((a, b) => a.index - b.index),
    tokens: used,
    whole: false,
    ranking,
  };
}
