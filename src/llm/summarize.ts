import { createHash } from "node:crypto";
import { ErrorCode, LlmError } from "../errors.js";
import type { Collection } from "../store/store.js";
import { DAY_MS } from "../text/dates.js";
import { readsAs } from "../text/lang.js";
import { splitArticle, splitSentences } from "../text/sentences.js";
import type { Article, Lang, LangChoice, Summary, TokenUsage } from "../types.js";
import { type CpuWork, inlineCpu } from "../workers/cpu.js";
import type { ChatMessage, LlmClient } from "./client.js";
import { sharedDeadline } from "./deadline.js";
import { type ParsedSummary, parseSummaryAnswer, SUMMARY_JSON_SCHEMA } from "./parse-summary.js";
import { LANGUAGE_NAMES, neutraliseDelimiters, renderPrompt } from "./prompts.js";
import { askWithReasks } from "./reask.js";
import { countTokens } from "./tokens.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
/** Part of every cache key: bump it whenever a prompts/summarize* file or the answer handling changes. */
export const PROMPT_VERSION = "summarize-1";
/** How long a model summary is reused for the same article text, language and model. */
const CACHE_TTL_MS = 30 * DAY_MS;
/** Article tokens per request before chunking (LLM_MAX_INPUT_TOKENS); suits 8k-context small models. */
const DEFAULT_MAX_INPUT_TOKENS = 6000;
/** Room for the answer: five two-sentence bullets and three questions fit in well under this, even in Chinese. */
const MAX_ANSWER_TOKENS = 1200;
/** Low temperature: summaries should be faithful, not creative. */
const TEMPERATURE = 0.2;
/** More parts than this is a book, not an article: summarize extractively rather than send 20+ requests. */
const MAX_CHUNKS = 20;
/** A malformed answer echoed back for the re-ask is cut to this many characters. */
const MAX_ECHOED_ANSWER = 4000;
const MAX_QUESTIONS = 3;
/** Bullets asked of each part of a chunked article; one usable bullet from a thin part is still accepted. */
const PART_BULLET_RANGE = { min: 1, max: 5, text: "2 to 5" } as const;
/** Share of the token budget one piece of an oversized paragraph may take: the rest is for the title and index marks. */
const PIECE_SHARE_OF_BUDGET = 0.9;
/** …but never fewer tokens than this, however small the budget. */
const MIN_PIECE_TOKENS = 50;
/** Characters per token vary across a text; cutting unpunctuated text this much finer keeps every piece within budget. */
const CUT_SAFETY_FACTOR = 1.2;

export interface SummarizeOptions {
  article: Article;
  /** `auto` = the article's language when it is zh or en, else `readerLang`, else English. */
  lang: LangChoice;
  readerLang?: Lang;
  /** The model; undefined → offline extractive summary. */
  llm?: LlmClient;
  /** Model summaries by article hash + language + model + prompt version. */
  cache?: Collection<Summary>;
  /** @default 6000 */
  maxInputTokens?: number;
  signal?: AbortSignal;
  /** The extractive summary without a model: pass the worker pool's (`cpu.summarizeOffline`). @default inlineCpu's */
  summarizeOffline?: CpuWork["summarizeOffline"];
}

/**
 * A headline, 3–5 bullets tied to paragraph indexes, and 2–3 follow-up questions, in the asked language.
 * With a model: one request for a normal article (chunks + one merge above `maxInputTokens`), one re-ask
 * for a malformed answer and one for a wrong-language answer; when the model stays unusable, the offline
 * summary with notice "llm-unavailable" ("llm-timeout" when a call ran past its deadline). Without a model: the offline summary. Same article twice → cache.
 */
export async function summarize(options: SummarizeOptions): Promise<Summary> {
  const { article, llm, cache, signal } = options;
  const summarizeOffline = options.summarizeOffline ?? inlineCpu.summarizeOffline;
  const lang = resolveLang(options.lang, article, options.readerLang);
  if (!llm) return summarizeOffline({ article, lang });

  const key = cacheKey(article, lang, llm.model);
  const hit = await readCache(cache, key);
  if (hit) return { ...hit, cached: true, usage: { prompt_tokens: 0, completion_tokens: 0 } };

  const usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0 };
  try {
    // The request, its re-asks, and for long articles the chunks and the merge: LLM_TIMEOUT_MS in all.
    const model = sharedDeadline(llm);
    const summary = await summarizeWithModel(article, lang, model, options.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS, {
      usage,
      signal,
    });
    await writeCache(cache, key, summary);
    return summary;
  } catch (error) {
    if (signal?.aborted || !(error instanceof LlmError)) throw error;
    const notice = error.code === ErrorCode.LlmTimeout ? "llm-timeout" : "llm-unavailable";
    return { ...(await summarizeOffline({ article, lang })), usage, notice };
  }
}

/** The summary language for a choice: auto → the article's zh/en, else the reader's, else English. */
export function resolveLang(choice: LangChoice, article: Pick<Article, "lang">, readerLang?: Lang): Lang {
  if (choice !== "auto") return choice;
  if (article.lang === "zh" || article.lang === "en") return article.lang;
  return readerLang ?? "en";
}

/** sha256 of title + text, then language, model and prompt version: what makes two summaries the same. */
export function cacheKey(article: Article, lang: Lang, model: string): string {
  const hash = createHash("sha256").update(`${article.title}\n\n${article.text}`).digest("hex");
  return `${hash}:${lang}:${model}:${PROMPT_VERSION}`;
}

/** The messages of the single-request summary (what a normal article costs); also used by the benchmark. */
export function summaryMessages(article: Article, lang: Lang): ChatMessage[] {
  const range = bulletRange(article);
  const lines = article.paragraphs.map((text, index) => ({ index, text }));
  return [
    { role: "system", content: systemPrompt(lang, range) },
    {
      role: "user",
      content: renderPrompt("summarize.user.md", {
        ...common(article, lang, range),
        article: numbered(lines),
      }),
    },
  ];
}

// ── The model path ────────────────────────────────────────────────────────────────────────────────

interface BulletRange {
  min: number;
  max: number;
  /** As the prompt says it: "3 to 5". */
  text: string;
}

interface Line {
  index: number;
  text: string;
}

interface Run {
  usage: TokenUsage;
  signal?: AbortSignal;
  model?: string;
}

async function summarizeWithModel(
  article: Article,
  lang: Lang,
  llm: LlmClient,
  maxInputTokens: number,
  run: Run,
): Promise<Summary> {
  const range = bulletRange(article);
  const chunks = planChunks(article, maxInputTokens);
  if (chunks.length > MAX_CHUNKS) {
    throw new LlmError(
      ErrorCode.LlmUnavailable,
      `Text too long for the model: ${chunks.length} parts of ${maxInputTokens} tokens`,
    );
  }
  const paragraphCount = article.paragraphs.length;
  let result: ParsedSummary;
  if (chunks.length === 1) {
    result = await askForSummary(llm, run, {
      messages: summaryMessages(article, lang),
      range,
      lang,
      checkLanguage: true,
      paragraphCount,
    });
  } else {
    result = await summarizeInParts(article, lang, llm, run, chunks);
  }
  return {
    headline: result.headline || article.title,
    bullets: result.bullets.map((bullet) => bullet.text),
    sources: result.bullets.map((bullet) => bullet.sources),
    questions: result.questions.slice(0, MAX_QUESTIONS),
    lang,
    mode: "llm",
    model: run.model ?? llm.model,
    usage: run.usage,
    cached: false,
  };
}

/** Too long for one request: a few notes per part, then one summary merged from the notes. */
async function summarizeInParts(
  article: Article,
  lang: Lang,
  llm: LlmClient,
  run: Run,
  chunks: ReturnType<typeof planChunks>,
): Promise<ParsedSummary> {
  const range = bulletRange(article);
  const paragraphCount = article.paragraphs.length;
  const partRange: BulletRange = PART_BULLET_RANGE;
  const parts = await Promise.all(
    chunks.map((lines, part) =>
      askForSummary(llm, run, {
        messages: [
          { role: "system", content: systemPrompt(lang, partRange) },
          {
            role: "user",
            content: renderPrompt("summarize-chunk.user.md", {
              ...common(article, lang, partRange),
              part: part + 1,
              parts: chunks.length,
              first_index: lines[0]?.index ?? 0,
              last_index: lines.at(-1)?.index ?? 0,
              article: numbered(lines),
            }),
          },
        ],
        range: partRange,
        lang,
        checkLanguage: false,
        paragraphCount,
      }),
    ),
  );
  const notes = parts
    .flatMap((part) => part.bullets)
    .map((bullet) => `- ${neutraliseDelimiters(bullet.text)} [${bullet.sources.join(", ")}]`)
    .join("\n");
  return askForSummary(llm, run, {
    messages: [
      { role: "system", content: systemPrompt(lang, range) },
      {
        role: "user",
        content: renderPrompt("summarize-merge.user.md", {
          ...common(article, lang, range),
          parts: chunks.length,
          notes,
        }),
      },
    ],
    range,
    lang,
    checkLanguage: true,
    paragraphCount,
  });
}

interface Ask {
  messages: ChatMessage[];
  range: BulletRange;
  lang: Lang;
  checkLanguage: boolean;
  paragraphCount: number;
}

/**
 * One summary step: a request, then at most one re-ask for a malformed answer and one for a wrong-language
 * answer. Throws LLM_BAD_OUTPUT when no usable answer came; a still-wrong language after its re-ask is accepted
 * (offline could not translate either).
 */
async function askForSummary(llm: LlmClient, run: Run, ask: Ask): Promise<ParsedSummary> {
  const vars = { lang_name: LANGUAGE_NAMES[ask.lang], bullet_range: ask.range.text };
  const { value } = await askWithReasks<ParsedSummary>({
    llm,
    request: {
      messages: ask.messages,
      jsonSchema: SUMMARY_JSON_SCHEMA,
      maxTokens: MAX_ANSWER_TOKENS,
      temperature: TEMPERATURE,
      signal: run.signal,
    },
    echoChars: MAX_ECHOED_ANSWER,
    onResult(result) {
      run.usage.prompt_tokens += result.usage.prompt_tokens;
      run.usage.completion_tokens += result.usage.completion_tokens;
      run.model = result.model;
    },
    check(result) {
      const checked = validateSummary(parseSummaryAnswer(result.text), ask.paragraphCount, ask.range);
      if ("problem" in checked) {
        return {
          kind: "format",
          fix: renderPrompt("summarize-fix-format.md", { ...vars, problem: checked.problem }),
          failure: `The model's summary was unusable twice: ${checked.problem}`,
        };
      }
      if (ask.checkLanguage && !isInLanguage(checked, ask.lang)) {
        return {
          kind: "language",
          fix: renderPrompt("summarize-fix-language.md", vars),
          fallback: checked,
          failure: "unreachable: a wrong-language summary is its own fallback",
        };
      }
      return { ok: checked };
    },
  });
  return value;
}

/**
 * Checks a parsed answer against the article: enough non-empty, distinct bullets (extra ones dropped),
 * paragraph indexes inside the article (invalid ones dropped, not fatal), at most three questions.
 */
export function validateSummary(
  parsed: ParsedSummary | undefined,
  paragraphCount: number,
  range: { min: number; max: number; text: string },
): ParsedSummary | { problem: string } {
  if (!parsed) return { problem: "it held neither the JSON object nor a bullet list" };
  const seen = new Set<string>();
  const bullets = parsed.bullets
    .filter((bullet) => {
      const key = bullet.text.replace(/\s+/g, "").toLowerCase();
      if (!key || seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((bullet) => ({
      text: bullet.text,
      sources: [...new Set(bullet.sources)]
        .filter((index) => Number.isInteger(index) && index >= 0 && index < paragraphCount)
        .sort((a, b) => a - b),
    }));
  if (bullets.length < range.min) {
    return { problem: `it had ${bullets.length} usable bullet(s) where ${range.text} were asked for` };
  }
  const questions = [...new Set(parsed.questions.filter(Boolean))].slice(0, MAX_QUESTIONS);
  return { headline: parsed.headline, bullets: bullets.slice(0, range.max), questions };
}

function isInLanguage(summary: ParsedSummary, lang: Lang): boolean {
  return readsAs([summary.headline, ...summary.bullets.map((bullet) => bullet.text)].join(" "), lang);
}

/** 3–5 bullets for an article; fewer for one of a few sentences, never padded. */
export function bulletRange(article: Article): BulletRange {
  const sentences = splitArticle(article.paragraphs).length;
  if (sentences <= 2) return { min: 1, max: 2, text: "1 or 2" };
  if (sentences <= 6) return { min: 1, max: 3, text: "2 or 3" };
  return { min: 3, max: 5, text: "3 to 5" };
}

function systemPrompt(lang: Lang, range: BulletRange): string {
  return renderPrompt("summarize.system.md", { lang_name: LANGUAGE_NAMES[lang], bullet_range: range.text });
}

function common(article: Article, lang: Lang, range: BulletRange) {
  return {
    lang_name: LANGUAGE_NAMES[lang],
    bullet_range: range.text,
    title: neutraliseDelimiters(article.title),
    last_index: Math.max(0, article.paragraphs.length - 1),
  };
}

/** `[3] paragraph text` lines, blank-line separated, with delimiter tags in the text neutralised. */
function numbered(lines: readonly Line[]): string {
  return lines.map((line) => `[${line.index}] ${neutraliseDelimiters(line.text)}`).join("\n\n");
}

/**
 * Splits the article on paragraph boundaries into parts of at most `budget` tokens; a paragraph larger than
 * the budget is split by sentences (then by length), each piece keeping the paragraph's index.
 */
export function planChunks(article: Article, budget: number): Line[][] {
  const lines = article.paragraphs.flatMap((text, index) => splitOversized({ index, text }, budget));
  const chunks: Line[][] = [];
  let current: Line[] = [];
  let used = countTokens(article.title);
  for (const line of lines) {
    const cost = lineTokens(line);
    if (current.length > 0 && used + cost > budget) {
      chunks.push(current);
      current = [];
      used = countTokens(article.title);
    }
    current.push(line);
    used += cost;
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  return chunks;
}

function lineTokens(line: Line): number {
  return countTokens(`[${line.index}] ${line.text}`) + 1;
}

function splitOversized(line: Line, budget: number): Line[] {
  // Leave room for the title and the index mark in the part that holds this piece.
  const room = Math.max(MIN_PIECE_TOKENS, Math.floor(budget * PIECE_SHARE_OF_BUDGET));
  if (lineTokens(line) <= room) return [line];
  const pieces: Line[] = [];
  let current = "";
  const joiner = /\p{Script=Han}/u.test(line.text) ? "" : " ";
  for (const sentence of splitSentences(line.text).flatMap((s) => splitByLength(s, room))) {
    const candidate = current ? `${current}${joiner}${sentence}` : sentence;
    if (current && lineTokens({ index: line.index, text: candidate }) > room) {
      pieces.push({ index: line.index, text: current });
      current = sentence;
    } else {
      current = candidate;
    }
  }
  if (current) pieces.push({ index: line.index, text: current });
  return pieces;
}

/** A sentence still over the budget (no punctuation for pages) is cut into equal pieces that fit. */
function splitByLength(sentence: string, room: number): string[] {
  const tokens = countTokens(sentence);
  if (tokens <= room) return [sentence];
  const chars = [...sentence];
  const size = Math.max(1, Math.floor((chars.length * room) / tokens / CUT_SAFETY_FACTOR));
  const pieces: string[] = [];
  for (let start = 0; start < chars.length; start += size) pieces.push(chars.slice(start, start + size).join(""));
  return pieces;
}

// ── Cache ─────────────────────────────────────────────────────────────────────────────────────────
// A cache that fails (store down, bad record) must not cost the person their summary: read and write
// failures count as a miss.

async function readCache(cache: Collection<Summary> | undefined, key: string): Promise<Summary | undefined> {
  if (!cache) return undefined;
  try {
    const value = await cache.get(key);
    return value && Array.isArray(value.bullets) && value.mode === "llm" ? value : undefined;
  } catch {
    return undefined;
  }
}

async function writeCache(cache: Collection<Summary> | undefined, key: string, summary: Summary): Promise<void> {
  if (!cache) return;
  try {
    await cache.set(key, summary, CACHE_TTL_MS);
  } catch {
    // see above: a cache write failure only costs a future request
  }
}
