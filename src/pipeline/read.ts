/**
 * The reading chain, written once: source → page → article → saved → summary.
 *
 *   readSource(deps, source, wish)         the whole chain for something a person sent (links, files, pastes):
 *     loadPage(deps, source)               a link (safe fetcher), upload bytes, pasted text, a CLI input, or a page
 *                                          already in hand (a feed item's HTML) → PageInput
 *     → deps.cpu.cleanPage(page)           the article (the worker pool in the bot, inline in tools)
 *     → saveArticle(deps, article, from)   article + its article-source record, kept ARTICLE_RETENTION_DAYS
 *     → summarizeArticle(deps, article, …) summary cache → model, or deps.cpu.summarizeOffline; counted for /stats
 *   cleanSource(deps, source)              loadPage → clean, for callers that save differently or not at all
 *                                          (the CLI prints; the poller falls back from an item's page to its feed HTML)
 *   rememberSummary(deps, …)               "this message is a summary of that article" + the chat's latest article
 *   rememberChatArticle(deps, …)           only the chat's latest article (the digest's "Ask" button)
 *
 * Who calls what: bot/reading.ts (links, files, pastes → readSource, rememberSummary); bot/language.ts
 * (summarizeArticle, rememberSummary); bot/subscriptions.ts, the digest's buttons (summarizeArticle with the
 * digest's summary, rememberSummary, rememberChatArticle); digest/poller.ts (cleanSource, saveArticle,
 * summarizeArticle); cli.ts (cleanSource, summarizeArticle); bot/commands.ts /forget (articleSourceKey).
 * The terminal chat is the bot, so it reads through bot/reading.ts.
 *
 * Nothing here knows Telegram: placeholders, typing and rendering stay in src/bot. I/O comes in as `deps`.
 */

// /stats' event kinds; the counter itself comes in as deps.stats.
import { StatKind, type Stats } from "../bot/stats.js";
import { ErrorCode, JianbaoError } from "../errors.js";
import type { LlmClient } from "../llm/client.js";
import { summarize } from "../llm/summarize.js";
import { articleId as idOf, type Records } from "../store/records.js";
import type { Collection } from "../store/store.js";
import type { Article, Lang, LangChoice, Summary } from "../types.js";
import type { CpuWork } from "../workers/cpu.js";
import type { FetchOptions, fetchPage } from "./fetch.js";
import { pageFromBytes, readInput } from "./input.js";
import type { PageInput } from "./page.js";

/** What the chain needs from the outside world. Each function takes only the part it uses. */
export interface ReadingDeps {
  /** Articles, their sources, and what messages and chats point at. */
  records: Records;
  /** The CPU stages: cleaning and the offline summary (the worker pool in the bot; inlineCpu in tests and tools). */
  cpu: CpuWork;
  clock: { now(): number };
  /** How long articles and the records pointing at them are kept (ARTICLE_RETENTION_DAYS in ms). */
  retentionMs: number;
  /** Unset → offline summaries. */
  llm?: LlmClient;
  /** Model summaries by article, language and model (summarize.ts owns the keys). Unset → no cache. */
  summaryCache?: Collection<Summary>;
  /** LLM_MAX_INPUT_TOKENS. @default summarize.ts's 6000 */
  maxInputTokens?: number;
  /** /stats counters. Unset → nothing counted (the CLI). */
  stats?: Pick<Stats, "record">;
  /** Limits for fetching links (FETCH_*). */
  fetchOptions?: FetchOptions;
  /** Cap for uploads and pasted text (MAX_FILE_BYTES); a CLI file or stdin is held to fetchOptions.maxBytes. @default 5 MB */
  maxUploadBytes?: number;
  /** @default fetchPage (the safe fetcher) */
  fetchPage?: typeof fetchPage;
  /** Reads stdin for the CLI input "-". @default process.stdin */
  readStdin?: (limit: number) => Promise<Uint8Array>;
}

/** Something to read. */
export type ReadSource =
  /** A link someone sent (only validated http(s) URLs reach here): fetched with the safe fetcher. */
  | { kind: "url"; url: string }
  /** The bytes of an uploaded file. */
  | { kind: "upload"; bytes: Uint8Array; fileName: string; mimeType?: string }
  /** Text pasted into a chat (possibly joined from several messages). */
  | { kind: "text"; text: string }
  /** A command-line input: an http(s) URL, a path to an .html/.txt/.md file, or "-" for stdin. */
  | { kind: "input"; input: string }
  /** A page already in hand, e.g. a feed item's own HTML. */
  | { kind: "page"; page: PageInput };

/** Where an article came from: a public link or feed, or text/a file someone sent in a chat (theirs to /forget). */
export type ArticleSource = { kind: "web" } | { kind: "chat"; chatId: number };

/** The summary wanted: `lang` as chosen (auto → the article's zh/en, else `readerLang`). */
export interface SummaryWish {
  lang: LangChoice;
  /** The reader's interface language, for `auto` on an article in neither zh nor en. */
  readerLang?: Lang;
}

/** A source read to the end. */
export interface Reading {
  page: PageInput;
  article: Article;
  articleId: string;
  summary: Summary;
}

const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** The whole chain: load → clean → save (as coming `from` there) → summarize. Throws JianbaoErrors for the person. */
export async function readSource(
  deps: ReadingDeps,
  source: ReadSource,
  wish: SummaryWish & { from: ArticleSource },
): Promise<Reading> {
  const { page, article } = await cleanSource(deps, source);
  const articleId = await saveArticle(deps, article, wish.from);
  const summary = await summarizeArticle(deps, article, wish);
  return { page, article, articleId, summary };
}

/** Loads the source and cleans it to its article (in `deps.cpu`); throws NotAnArticleError when there is none. */
export async function cleanSource(
  deps: Pick<ReadingDeps, "cpu" | "fetchOptions" | "fetchPage" | "maxUploadBytes" | "readStdin">,
  source: ReadSource,
): Promise<{ page: PageInput; article: Article }> {
  const page = await loadPage(deps, source);
  return { page, article: await deps.cpu.cleanPage(page) };
}

/** Reads a source into a PageInput (HTML or plain text); refuses what is too big, empty or not a page. */
export async function loadPage(
  deps: Pick<ReadingDeps, "fetchOptions" | "fetchPage" | "maxUploadBytes" | "readStdin">,
  source: ReadSource,
): Promise<PageInput> {
  const maxBytes = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  switch (source.kind) {
    case "url":
      // Only http(s) links reach here, so readInput takes its URL branch (the safe fetcher).
      return readInput(source.url, {
        fetchOptions: { ...deps.fetchOptions, accept: "document" },
        ...(deps.fetchPage ? { fetch: deps.fetchPage } : {}),
      });
    case "upload":
      return pageFromBytes({ bytes: source.bytes, fileName: source.fileName, contentType: source.mimeType, maxBytes });
    case "text": {
      // A page pasted in many pieces (or piped into the terminal chat) is held to the upload cap.
      const size = Buffer.byteLength(source.text);
      if (size > maxBytes) {
        throw new JianbaoError(ErrorCode.FileTooLarge, `Pasted text is ${size} bytes, over the ${maxBytes}-byte cap`, {
          details: { size, maxBytes, source: "paste" },
        });
      }
      return { input: "pasted text", text: source.text };
    }
    case "input":
      return readInput(source.input, {
        ...(deps.fetchOptions ? { fetchOptions: deps.fetchOptions } : {}),
        ...(deps.fetchPage ? { fetch: deps.fetchPage } : {}),
        ...(deps.readStdin ? { readStdin: deps.readStdin } : {}),
      });
    case "page":
      return source.page;
  }
}

/** The articleSources key of one source of an article: `/forget` finds a person's articles by it. */
export function articleSourceKey(articleId: string, source: ArticleSource): string {
  return source.kind === "web" ? `${articleId}:web` : `${articleId}:chat:${source.chatId}`;
}

/**
 * Saves the article for follow-ups and digests (ARTICLE_RETENTION_DAYS) with where it came from, and
 * returns its id. Articles are stored once per content, so the source is its own record beside it.
 */
export async function saveArticle(
  deps: Pick<ReadingDeps, "records" | "clock" | "retentionMs">,
  article: Article,
  from: ArticleSource,
): Promise<string> {
  const id = idOf(article);
  const at = new Date(deps.clock.now()).toISOString();
  await deps.records.articleSources.set(articleSourceKey(id, from), { at }, deps.retentionMs);
  await deps.records.articles.set(id, { id, article, savedAt: at }, deps.retentionMs);
  return id;
}

/**
 * The summary through the cache (model) or the offline summarizer (in `deps.cpu`), counted for /stats.
 * `known` is a summary already made for this article and language (the digest's): served as a cache hit.
 */
export async function summarizeArticle(
  deps: Pick<ReadingDeps, "cpu" | "llm" | "summaryCache" | "maxInputTokens" | "stats">,
  article: Article,
  wish: SummaryWish & { known?: Summary },
): Promise<Summary> {
  const summary: Summary = wish.known
    ? { ...wish.known, cached: true, usage: { prompt_tokens: 0, completion_tokens: 0 } }
    : await summarize({
        article,
        lang: wish.lang,
        ...(wish.readerLang ? { readerLang: wish.readerLang } : {}),
        ...(deps.llm ? { llm: deps.llm } : {}),
        ...(deps.summaryCache ? { cache: deps.summaryCache } : {}),
        ...(deps.maxInputTokens ? { maxInputTokens: deps.maxInputTokens } : {}),
        summarizeOffline: (options) => deps.cpu.summarizeOffline(options),
      });
  await countSummary(deps.stats, summary);
  return summary;
}

async function countSummary(stats: Pick<Stats, "record"> | undefined, summary: Summary): Promise<void> {
  if (!stats) return;
  await stats.record(StatKind.Summary);
  if (summary.cached) await stats.record(StatKind.CacheHit);
  if (summary.mode === "offline") await stats.record(StatKind.Offline);
  if (!summary.cached)
    await stats.record(StatKind.Tokens, summary.usage.prompt_tokens + summary.usage.completion_tokens);
}

/** Remembers that `messageId` in `chatId` is a summary of `articleId` (replies ask about it), and that it is the chat's latest. */
export async function rememberSummary(
  deps: Pick<ReadingDeps, "records" | "clock" | "retentionMs">,
  message: { chatId: number; messageId: number; articleId: string },
): Promise<void> {
  await deps.records.messages.set(
    `${message.chatId}:${message.messageId}`,
    { articleId: message.articleId, kind: "summary" },
    deps.retentionMs,
  );
  await rememberChatArticle(deps, message.chatId, message.articleId);
}

/** Makes `articleId` the chat's latest article (what `/ask` and plain follow-ups are about), for as long as articles are kept. */
export async function rememberChatArticle(
  deps: Pick<ReadingDeps, "records" | "clock" | "retentionMs">,
  chatId: number,
  articleId: string,
): Promise<void> {
  await deps.records.chats.set(
    String(chatId),
    { articleId, at: new Date(deps.clock.now()).toISOString() },
    deps.retentionMs,
  );
}
