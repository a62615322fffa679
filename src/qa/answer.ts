import { ErrorCode, isJianbaoError } from "../errors.js";
import type { CompletionRequest, LlmClient } from "../llm/client.js";
import { sharedDeadline } from "../llm/deadline.js";
import { LANGUAGE_NAMES, neutraliseDelimiters, renderPrompt } from "../llm/prompts.js";
import { askWithReasks } from "../llm/reask.js";
import { stripInvisible, stripThinking } from "../llm/text.js";
import { readsAs } from "../text/lang.js";
import { splitSentences } from "../text/sentences.js";
import { searchTerms } from "../text/tokens.js";
import { clip } from "../text/truncate.js";
import type { Article, Lang, TokenUsage } from "../types.js";
import { leadIndex, rankParagraphs, selectPassages, type Turn } from "./retrieve.js";

/**
 * Answers a question about one article from the article alone: with a model when there is one
 * (only the relevant paragraphs go in, inside delimiters), otherwise — or when the model is down —
 * with the best-matching sentences quoted as an extract. Says plainly when the article has no answer.
 */

// --- Tunables -------------------------------------------------------------------------------
/** Article tokens per question when the caller gives no budget (LLM_MAX_INPUT_TOKENS's default). */
const DEFAULT_MAX_INPUT_TOKENS = 6000;
/** A question is a sentence or two; anything longer is cut (and cannot crowd out the article). */
const MAX_QUESTION_CHARS = 1000;
/** Earlier turns sent with the question: enough for "and the second one?", cheap in tokens. */
const HISTORY_TURNS_IN_PROMPT = 3;
/** Earlier answers are trimmed to this many characters in the prompt. */
const HISTORY_ANSWER_CHARS = 600;
/** Answers are short by instruction; this caps a model that rambles. */
const ANSWER_MAX_TOKENS = 700;
/** Low temperature: answers should restate the article, not invent. */
const ANSWER_TEMPERATURE = 0.2;
/**
 * Offline: the best paragraph must match at least this share of the question's (IDF-weighted) terms
 * to count as an answer. Below it, a single common word matched, which is not an answer.
 */
const OFFLINE_MIN_COVERAGE = 0.34;
/** Offline extracts: at most this many sentences, this many characters in all. */
const OFFLINE_MAX_SENTENCES = 2;
const OFFLINE_MAX_CHARS = 420;
/** Quoted passages shown under an answer: how many, and how long each. */
const MAX_EXCERPTS = 2;
const EXCERPT_MAX_CHARS = 160;

const NOT_IN_ARTICLE_MARK = /^\s*NOT_IN_ARTICLE\b[\s:：,，.。-]*/i;
/**
 * Words that ask about the article as a whole ("what is this about", "summarize it", "这篇文章讲什么", "主要内容").
 * A question with nothing else to search for is answered offline with the lead.
 */
const ABOUT_THE_WHOLE_ARTICLE = new RegExp(
  [
    String.raw`\b(?:about|summary|summari[sz]e|main (?:points?|ideas?)|gist|tl;?\s?dr|happen(?:ed|ing|s)?)\b`,
    "(?:这|本|该|此)?(?:篇|则|条)?(?:文章|文|新闻|报道|消息)?(?:主要)?(?:讲|说|写|谈|报道|介绍)(?:了|的是|的)?(?:什么|啥)",
    "(?:主要)?内容|大意|概要|总结|概括|摘要",
  ].join("|"),
  "giu",
);

export interface Excerpt {
  /** Index into `article.paragraphs`. */
  readonly index: number;
  /** A sentence or two of that paragraph, verbatim (cut with "…" when long). */
  readonly text: string;
}

export interface Answer {
  /** The answer (LLM) or the extract (offline), plain text: the bot escapes it. */
  readonly text: string;
  /** Paragraph indexes the answer relies on. */
  readonly quotes: readonly number[];
  /** Short verbatim passages from the quoted paragraphs, in article order, to show under the answer. */
  readonly excerpts: readonly Excerpt[];
  readonly mode: "llm" | "offline";
  /** The article does not answer the question; `text` says so (LLM) or is empty (offline). */
  readonly notInArticle: boolean;
  readonly usage: TokenUsage;
  readonly model?: string;
  /** Paragraph indexes put in front of the model (LLM), in article order; empty offline. */
  readonly sent: readonly number[];
  /** Set when a model was configured but could not be used, so the answer is an offline extract. */
  readonly notice?: "llm-unavailable" | "llm-timeout";
}

export interface AnswerOptions {
  article: Article;
  question: string;
  /** Earlier turns in this chat about this article, oldest first. */
  history?: readonly Turn[];
  /** The reader's language: the answer is in it whatever the article's. */
  lang: Lang;
  /** No client → offline extract. */
  llm?: LlmClient;
  /** Article tokens allowed in the request. @default 6000 */
  maxInputTokens?: number;
  signal?: AbortSignal;
}

const NO_USAGE: TokenUsage = { prompt_tokens: 0, completion_tokens: 0 };

/** Answers `question` from `article` (see the module comment). Never throws for a model failure; aborts rethrow. */
export async function answerQuestion(options: AnswerOptions): Promise<Answer> {
  const question = cleanText(options.question).slice(0, MAX_QUESTION_CHARS).trim();
  const history = options.history ?? [];
  if (!options.llm) return answerOffline({ article: options.article, question, history });
  try {
    return await answerWithModel({ ...options, llm: options.llm, question, history });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (isJianbaoError(error) && (error.code === ErrorCode.LlmUnavailable || error.code === ErrorCode.LlmBadOutput)) {
      return { ...answerOffline({ article: options.article, question, history }), notice: "llm-unavailable" };
    }
    if (isJianbaoError(error) && error.code === ErrorCode.LlmTimeout) {
      return { ...answerOffline({ article: options.article, question, history }), notice: "llm-timeout" };
    }
    throw error;
  }
}

// --- The model path --------------------------------------------------------------------------
const ANSWER_SCHEMA = {
  name: "article_answer",
  schema: {
    type: "object",
    properties: {
      answer: { type: "string", description: "The answer, in the reader's language, from the article only." },
      quotes: { type: "array", items: { type: "integer" }, description: "Numbers of the passages relied on." },
      not_in_article: { type: "boolean", description: "True when the article does not answer the question." },
    },
    required: ["answer", "quotes", "not_in_article"],
    additionalProperties: false,
  },
} as const;

/** The chat request for a question: exported so tests can look at exactly what a model would see. */
export function buildAnswerRequest(options: {
  article: Article;
  question: string;
  history: readonly Turn[];
  lang: Lang;
  maxInputTokens?: number;
}): { request: CompletionRequest; sent: number[] } {
  const selection = selectPassages({
    article: options.article,
    question: options.question,
    history: options.history,
    maxTokens: options.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS,
  });
  const language = LANGUAGE_NAMES[options.lang];
  const passages = selection.passages
    .map((passage) => `[${passage.index}] ${neutraliseDelimiters(passage.text)}`)
    .join("\n\n");
  const historyText =
    options.history
      .slice(-HISTORY_TURNS_IN_PROMPT)
      .map(
        (turn) =>
          `Q: ${neutraliseDelimiters(cleanText(turn.question))}\nA: ${neutraliseDelimiters(clip(cleanText(turn.answer), HISTORY_ANSWER_CHARS))}`,
      )
      .join("\n\n") || "(none)";
  const system = renderPrompt("answer.system.md", { language });
  const user = renderPrompt("answer.user.md", {
    title: neutraliseDelimiters(cleanText(options.article.title)),
    passages,
    history: historyText,
    question: neutraliseDelimiters(options.question),
    language,
  });
  return {
    request: {
      messages: [
        { role: "system", content: system },
        { role: "user", content: user },
      ],
      jsonSchema: { name: ANSWER_SCHEMA.name, schema: ANSWER_SCHEMA.schema },
      maxTokens: ANSWER_MAX_TOKENS,
      temperature: ANSWER_TEMPERATURE,
    },
    sent: selection.passages.map((passage) => passage.index),
  };
}

async function answerWithModel(options: AnswerOptions & { llm: LlmClient; history: readonly Turn[] }): Promise<Answer> {
  // The question and its re-ask share one deadline: the person waits LLM_TIMEOUT_MS at most.
  const llm = sharedDeadline(options.llm);
  const { request, sent } = buildAnswerRequest({
    article: options.article,
    question: options.question,
    history: options.history,
    lang: options.lang,
    maxInputTokens: options.maxInputTokens,
  });
  let usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0 };
  const { value: parsed, result } = await askWithReasks<NonNullable<ReturnType<typeof parseModelAnswer>>>({
    llm,
    request: { ...request, ...(options.signal ? { signal: options.signal } : {}) },
    // One re-ask for the language; if the second answer is no better, keep whichever parsed.
    keepFallbackOnError: true,
    onResult(answer) {
      usage = addUsage(usage, answer.usage);
    },
    check(answer) {
      const parsed = parseModelAnswer(answer.text);
      if (!parsed) {
        return { kind: "format", failure: `The model ${answer.model} sent an empty or unreadable answer` };
      }
      if (readsAs(parsed.text, options.lang)) return { ok: parsed };
      return {
        kind: "language",
        fix: renderPrompt("answer-fix-language.md", { language: LANGUAGE_NAMES[options.lang] }),
        fallback: parsed,
        failure: "unreachable: a wrong-language answer is its own fallback",
      };
    },
  });
  const allowed = new Set(sent);
  const quotes = parsed.notInArticle ? [] : [...new Set(parsed.quotes.filter((index) => allowed.has(index)))];
  return {
    text: parsed.text,
    quotes,
    excerpts: excerptsFor(options.article, quotes, `${options.question}\n${parsed.text}`),
    mode: "llm",
    notInArticle: parsed.notInArticle,
    usage,
    model: result.model,
    sent,
  };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
  };
}

interface ParsedAnswer {
  text: string;
  quotes: number[];
  notInArticle: boolean;
}

/**
 * Reads the model's reply: the JSON object asked for (bare or in a ```json fence), or — since many
 * compatible servers ignore `response_format` — plain text with [n] citations and an optional NOT_IN_ARTICLE mark.
 * Undefined when there is no usable answer text.
 */
export function parseModelAnswer(raw: string): ParsedAnswer | undefined {
  const text = cleanText(stripThinking(raw)).trim();
  if (!text) return undefined;
  const json = parseJsonObject(text);
  if (json && typeof json.answer === "string") {
    const answer = cleanText(json.answer).trim();
    const notInArticle = json.not_in_article === true || json.notInArticle === true;
    if (!answer && !notInArticle) return undefined;
    const quotes = Array.isArray(json.quotes)
      ? json.quotes.map((value) => Number(value)).filter((value) => Number.isInteger(value) && value >= 0)
      : [];
    return { text: answer, quotes, notInArticle };
  }
  if (json) return undefined; // JSON, but not our shape: treat as unreadable rather than show raw JSON
  const notInArticle = NOT_IN_ARTICLE_MARK.test(text);
  const answer = text.replace(NOT_IN_ARTICLE_MARK, "").trim();
  if (!answer && !notInArticle) return undefined;
  const quotes = [...answer.matchAll(/\[(\d{1,4})\]/g)].map((match) => Number(match[1]));
  return { text: answer, quotes, notInArticle };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  const candidate = (fenced ?? text).trim();
  const start = candidate.indexOf("{");
  const end = candidate.lastIndexOf("}");
  if (start !== 0 && fenced === undefined) return undefined; // plain prose that merely contains braces
  if (start < 0 || end <= start) return undefined;
  try {
    const value: unknown = JSON.parse(candidate.slice(start, end + 1));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// --- The offline path ------------------------------------------------------------------------
/** Term weights for scoring sentences: rarer in the article → worth more (IDF over sentences). */
function sentenceWeights(article: Article, wanted: ReadonlySet<string>): Map<string, number> {
  const sentences = article.paragraphs.flatMap(splitSentences).map((sentence) => new Set(searchTerms(sentence)));
  const weights = new Map<string, number>();
  for (const term of wanted) {
    const n = sentences.filter((have) => have.has(term)).length;
    weights.set(term, Math.log(1 + (sentences.length - n + 0.5) / (n + 0.5)));
  }
  return weights;
}

/** Weighted share of the wanted terms found in `text` (0–1). */
function overlap(weights: ReadonlyMap<string, number>, text: string): number {
  let total = 0;
  let hits = 0;
  const have = new Set(searchTerms(text));
  for (const [term, weight] of weights) {
    total += weight;
    if (have.has(term)) hits += weight;
  }
  return total > 0 ? hits / total : 0;
}

/** True for a question about the article as a whole: take out the words asking for the gist and nothing is left. */
export function asksForTheGist(question: string): boolean {
  const rest = question.replace(ABOUT_THE_WHOLE_ARTICLE, " ");
  return rest !== question && searchTerms(rest).length === 0;
}

/**
 * The best-matching sentences, quoted verbatim; the lead for a question about the whole article;
 * `notInArticle` when nothing matches well enough.
 */
export function answerOffline(options: { article: Article; question: string; history?: readonly Turn[] }): Answer {
  const { article, question } = options;
  // Only paragraphs that match the question itself can answer it; history just orders them.
  const ranking = rankParagraphs({ article, question, history: options.history ?? [] }).filter(
    (entry) => entry.score > 0 && entry.coverage >= OFFLINE_MIN_COVERAGE,
  );
  const best = ranking[0];
  const empty: Answer = {
    text: "",
    quotes: [],
    excerpts: [],
    mode: "offline",
    notInArticle: true,
    usage: NO_USAGE,
    sent: [],
  };
  if (asksForTheGist(question)) return leadExtract(article) ?? empty;
  if (!best) return empty;

  const weights = sentenceWeights(article, new Set(searchTerms(question)));
  type Candidate = { index: number; order: number; text: string; terms: Set<string>; rank: number };
  const candidates: Candidate[] = [];
  // The best paragraph, and the runner-up when it also answers well (e.g. a list spread over two paragraphs).
  for (const [rank, entry] of ranking.slice(0, 2).entries()) {
    splitSentences(article.paragraphs[entry.index] ?? "").forEach((text, order) => {
      candidates.push({ index: entry.index, order, text, terms: new Set(searchTerms(text)), rank });
    });
  }
  // Greedy coverage: each pick is the sentence adding the most question weight not yet covered, so a
  // second sentence brings the part of the question the first left open (诊疗方案 … 上传到哪里), not a restatement.
  const picked: Candidate[] = [];
  const covered = new Set<string>();
  let chars = 0;
  while (picked.length < OFFLINE_MAX_SENTENCES) {
    let best: { candidate: Candidate; gain: number } | undefined;
    for (const candidate of candidates) {
      if (picked.includes(candidate)) continue;
      const length = [...candidate.text].length;
      if (picked.length > 0 && chars + length > OFFLINE_MAX_CHARS) continue;
      // New weight counts fully; weight already covered a little, so when the question is fully
      // covered the next pick is the sentence that matches it best (more on the same subject).
      let gain = 0;
      for (const [term, weight] of weights) {
        if (candidate.terms.has(term)) gain += covered.has(term) ? weight * 0.01 : weight;
      }
      // The better paragraph wins ties.
      gain -= candidate.rank * 1e-6;
      if (!best || gain > best.gain) best = { candidate, gain };
    }
    if (!best || (picked.length > 0 && best.gain <= 0)) break;
    picked.push(best.candidate);
    chars += [...best.candidate.text].length;
    for (const term of best.candidate.terms) covered.add(term);
  }
  picked.sort((a, b) => a.index - b.index || a.order - b.order);
  const excerpts = mergeExcerpts(picked, OFFLINE_MAX_CHARS);
  return {
    ...empty,
    text: excerpts.map((excerpt) => excerpt.text).join("\n"),
    quotes: [...new Set(excerpts.map((excerpt) => excerpt.index))],
    excerpts,
    notInArticle: false,
  };
}

/** The lead's opening sentences as an offline answer (news states its point first); undefined without a lead. */
function leadExtract(article: Article): Answer | undefined {
  const lead = leadIndex(article);
  if (lead === undefined) return undefined;
  const opening: Array<{ index: number; order: number; text: string }> = [];
  let length = 0;
  for (const [order, text] of splitSentences(article.paragraphs[lead] ?? "").entries()) {
    const size = [...text].length;
    if (opening.length >= OFFLINE_MAX_SENTENCES || (opening.length > 0 && length + size > OFFLINE_MAX_CHARS)) break;
    opening.push({ index: lead, order, text });
    length += size;
  }
  const excerpts = mergeExcerpts(opening, OFFLINE_MAX_CHARS);
  return {
    text: excerpts.map((excerpt) => excerpt.text).join("\n"),
    quotes: [lead],
    excerpts,
    mode: "offline",
    notInArticle: false,
    usage: NO_USAGE,
    sent: [],
  };
}

/**
 * Joins sentences from the same paragraph into one excerpt (with "…" where sentences were skipped);
 * clips each to `maxChars`.
 */
function mergeExcerpts(
  parts: ReadonlyArray<{ index: number; order: number; text: string }>,
  maxChars: number,
): Excerpt[] {
  const merged: Array<{ index: number; order: number; text: string }> = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (last && last.index === part.index) {
      const han = /[\p{Script=Han}。！？]$/u.test(last.text);
      const joiner = part.order === last.order + 1 ? (han ? "" : " ") : han ? "……" : " … ";
      merged[merged.length - 1] = { index: last.index, order: part.order, text: `${last.text}${joiner}${part.text}` };
    } else merged.push({ ...part });
  }
  return merged.map((excerpt) => ({ index: excerpt.index, text: clip(excerpt.text, maxChars) }));
}

/** For each quoted paragraph (first `MAX_EXCERPTS`), its sentence that best matches `about`, clipped. */
export function excerptsFor(article: Article, quotes: readonly number[], about: string): Excerpt[] {
  const weights = sentenceWeights(article, new Set(searchTerms(about)));
  return [...quotes]
    .sort((a, b) => a - b)
    .slice(0, MAX_EXCERPTS)
    .flatMap((index) => {
      const paragraph = article.paragraphs[index];
      if (paragraph === undefined) return [];
      const sentences = splitSentences(paragraph);
      let best = sentences[0] ?? paragraph;
      let bestScore = -1;
      for (const sentence of sentences) {
        const score = overlap(weights, sentence);
        if (score > bestScore) {
          best = sentence;
          bestScore = score;
        }
      }
      return [{ index, text: clip(best, EXCERPT_MAX_CHARS) }];
    });
}

// --- Text hygiene ----------------------------------------------------------------------------
/** Unix newlines; no control, zero-width or bidi-override characters. */
function cleanText(text: string): string {
  return stripInvisible(text.replace(/\r\n?/g, "\n"));
}
