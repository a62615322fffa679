import { readFile, stat } from "node:fs/promises";
import type { Telegram } from "telegraf";
import { ErrorCode, isJianbaoError, JianbaoError } from "../errors.js";
import { cleanPageAsync } from "../pipeline/clean/index.js";
import { type PageInput, pageFromBytes, readInput, uploadCap } from "../pipeline/input.js";
import { summarize } from "../pipeline/summarize.js";
import { articleId as idOf } from "../store/records.js";
import type { Article, Lang, LangChoice, Summary } from "../types.js";
import { describeError, t } from "./i18n.js";
import type { FeatureKit } from "./index.js";
import { buildSummaryKeyboard, renderSummary } from "./render.js";
import { editRich, isForbidden, type SendKit, sendRich, typing } from "./send.js";
import { StatKind } from "./stats.js";

const DAY_MS = 24 * 60 * 60 * 1000;
// Telegram shows "typing…" for about 5 s; renew it while a summary is being made.
const TYPING_EVERY_MS = 4500;

/** What the person gave us to read. */
export type ReadSource =
  | { kind: "url"; url: string }
  | { kind: "text"; text: string }
  | { kind: "file"; fileId: string; fileName: string; mimeType?: string };

/** Where the answer goes and in which languages. */
export interface ReadTarget {
  telegram: Telegram;
  chatId: number;
  /** The person's message, to reply to. */
  replyTo?: number;
  /** Interface language (placeholder, errors, footer). */
  lang: Lang;
  /** Summary language choice. */
  summaryLang: LangChoice;
}

function placeholderText(lang: Lang, source: ReadSource): string {
  if (source.kind === "text") return t(lang, "readingPaste");
  if (source.kind === "file") return t(lang, "readingFile", { name: source.fileName });
  return t(lang, "reading");
}

/**
 * Answers at once with a placeholder (and a typing action), queues the slow work, and returns.
 * Returns the placeholder's message id, or undefined when nothing could be sent (e.g. blocked).
 */
export async function sendPlaceholder(
  kit: FeatureKit,
  target: ReadTarget,
  source: ReadSource,
): Promise<number | undefined> {
  const send: SendKit = { ...kit.send, telegram: target.telegram };
  try {
    const placeholder = await sendRich(send, target.chatId, {
      text: placeholderText(target.lang, source),
      replyTo: target.replyTo,
    });
    await typing(send, target.chatId);
    return placeholder.message_id;
  } catch (error) {
    if (!isForbidden(error)) throw error;
    kit.deps.logger.info("chat blocked the bot; dropping", { chatId: target.chatId });
    return undefined;
  }
}

/** Queues the reading of `source` into the placeholder message; tells the person when the queue is full. */
export async function queueReading(
  kit: FeatureKit,
  target: ReadTarget,
  placeholderId: number,
  source: ReadSource,
): Promise<void> {
  const send: SendKit = { ...kit.send, telegram: target.telegram };
  const accepted = kit.deps.jobs.add(`read-${source.kind}`, () => readIntoMessage(kit, target, placeholderId, source));
  if (!accepted) {
    await editRich(send, target.chatId, placeholderId, { text: t(target.lang, "busy") });
  }
}

/** sendPlaceholder + queueReading: the whole "reply now, work later" step for links and files. */
export async function startReading(kit: FeatureKit, target: ReadTarget, source: ReadSource): Promise<void> {
  const placeholderId = await sendPlaceholder(kit, target, source);
  if (placeholderId !== undefined) await queueReading(kit, target, placeholderId, source);
}

async function downloadTelegramFile(
  kit: FeatureKit,
  telegram: Telegram,
  fileId: string,
  maxBytes: number,
): Promise<Buffer> {
  const link = await telegram.getFileLink(fileId);
  const tooBig = (size: number) =>
    new JianbaoError(ErrorCode.FileTooLarge, `Uploaded file is ${size} bytes, over the ${maxBytes}-byte cap`, {
      details: { size, maxBytes },
    });
  // A self-hosted Bot API server in --local mode (and the terminal chat) hands out paths on this disk.
  if (link.protocol === "file:") {
    // telegraf puts the API host into these URLs (file://127.0.0.1/…), which fileURLToPath refuses.
    const path = decodeURIComponent(link.pathname);
    const size = (await stat(path)).size;
    if (size > maxBytes) throw tooBig(size);
    return readFile(path);
  }
  const response = await kit.deps.fetch(link, { signal: AbortSignal.timeout(kit.deps.config.fetch.timeoutMs) });
  if (!response.ok || !response.body) {
    throw new JianbaoError(ErrorCode.Unreachable, `Telegram file download failed with HTTP ${response.status}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooBig(total);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

async function loadPage(kit: FeatureKit, target: ReadTarget, source: ReadSource): Promise<PageInput> {
  if (source.kind === "text") {
    // A page pasted in many pieces (or piped into the terminal chat) is held to the upload cap.
    const size = Buffer.byteLength(source.text);
    const maxBytes = kit.deps.config.bot.maxFileBytes;
    if (size > maxBytes) {
      throw new JianbaoError(ErrorCode.FileTooLarge, `Pasted text is ${size} bytes, over the ${maxBytes}-byte cap`, {
        details: { size, maxBytes, source: "paste" },
      });
    }
    return { input: "pasted text", text: source.text };
  }
  if (source.kind === "file") {
    // PDFs have their own, larger cap (PDF_LIMITS.maxBytes).
    const maxBytes = uploadCap(source.fileName, source.mimeType, kit.deps.config.bot.maxFileBytes);
    const bytes = await downloadTelegramFile(kit, target.telegram, source.fileId, maxBytes);
    return pageFromBytes({ bytes, fileName: source.fileName, contentType: source.mimeType, maxBytes });
  }
  // Only validated http(s) links reach here, so readInput takes its URL branch (the safe fetcher).
  return readInput(source.url, { fetchOptions: { ...kit.deps.fetchOptions, accept: "document" } });
}

/** Where an article came from: a public link, or text/a file someone sent in a chat (theirs to /forget). */
export type ArticleSource = { kind: "web" } | { kind: "chat"; chatId: number };

/** The articleSources key of one source of an article. */
export function articleSourceKey(articleId: string, source: ArticleSource): string {
  return source.kind === "web" ? `${articleId}:web` : `${articleId}:chat:${source.chatId}`;
}

/**
 * Saves the article for follow-ups (ARTICLE_RETENTION_DAYS) with where it came from, and returns
 * its id. Articles are stored once per content, so the source is its own record beside it.
 */
export async function saveArticle(kit: FeatureKit, article: Article, source: ArticleSource): Promise<string> {
  const id = idOf(article);
  const ttl = kit.deps.config.store.articleRetentionDays * DAY_MS;
  const at = new Date(kit.deps.clock.now()).toISOString();
  await kit.deps.records.articleSources.set(articleSourceKey(id, source), { at }, ttl);
  await kit.deps.records.articles.set(id, { id, article, savedAt: at }, ttl);
  return id;
}

/** Summarizes through the cache and counts it for /stats. */
export async function summarizeArticle(
  kit: FeatureKit,
  article: Article,
  lang: LangChoice,
  readerLang: Lang,
): Promise<Summary> {
  const { deps } = kit;
  const summary = await summarize({
    article,
    lang,
    readerLang,
    llm: deps.llm,
    cache: deps.summaryCache,
    maxInputTokens: deps.config.llm.maxInputTokens,
  });
  await deps.stats.record(StatKind.Summary);
  if (summary.cached) await deps.stats.record(StatKind.CacheHit);
  if (summary.mode === "offline") await deps.stats.record(StatKind.Offline);
  if (!summary.cached)
    await deps.stats.record(StatKind.Tokens, summary.usage.prompt_tokens + summary.usage.completion_tokens);
  return summary;
}

/** Renders a summary message (HTML + plain text + buttons) for an article. */
export function summaryMessage(
  kit: FeatureKit,
  input: { summary: Summary; article: Article; articleId: string; chatId: number; lang: Lang; sourceUrl?: string },
) {
  const rendered = renderSummary({
    summary: input.summary,
    article: input.article,
    sourceUrl: input.sourceUrl,
    uiLang: input.lang,
  });
  const extraRows = kit.summaryButtons({
    summary: input.summary,
    articleId: input.articleId,
    chatId: input.chatId,
    lang: input.lang,
  });
  return {
    html: rendered.html,
    text: rendered.text,
    keyboard: buildSummaryKeyboard(input.summary, input.articleId, {
      uiLang: input.lang,
      extraRows,
      canTranslate: kit.deps.llm !== undefined,
    }),
  };
}

/** Remembers that `messageId` in `chatId` is a summary of `articleId`, and that it is the chat's latest article. */
export async function rememberSummaryMessage(kit: FeatureKit, chatId: number, messageId: number, articleId: string) {
  const ttl = kit.deps.config.store.articleRetentionDays * DAY_MS;
  await kit.deps.records.messages.set(`${chatId}:${messageId}`, { articleId, kind: "summary" }, ttl);
  await kit.deps.records.chats.set(
    String(chatId),
    { articleId, at: new Date(kit.deps.clock.now()).toISOString() },
    ttl,
  );
}

/** The background job: fetch/download → clean → save → summarize → edit the placeholder. */
async function readIntoMessage(kit: FeatureKit, target: ReadTarget, placeholderId: number, source: ReadSource) {
  const { logger } = kit.deps;
  const send: SendKit = { ...kit.send, telegram: target.telegram };
  const startedAt = kit.deps.clock.now();
  const { clock } = kit.deps;
  let typingTimer: unknown;
  const renewTyping = () => {
    typingTimer = clock.setTimeout(() => {
      void typing(send, target.chatId);
      renewTyping();
    }, TYPING_EVERY_MS);
  };
  renewTyping();
  try {
    const page = await loadPage(kit, target, source);
    const article = await cleanPageAsync(page);
    const articleId = await saveArticle(
      kit,
      article,
      source.kind === "url" ? { kind: "web" } : { kind: "chat", chatId: target.chatId },
    );
    const summary = await summarizeArticle(kit, article, target.summaryLang, target.lang);
    const message = summaryMessage(kit, {
      summary,
      article,
      articleId,
      chatId: target.chatId,
      lang: target.lang,
      sourceUrl: source.kind === "url" ? (page.url ?? source.url) : undefined,
    });
    const messageId = await editRich(send, target.chatId, placeholderId, message);
    await rememberSummaryMessage(kit, target.chatId, messageId, articleId);
    logger.info("summary sent", {
      chatId: target.chatId,
      source: source.kind,
      mode: summary.mode,
      cached: summary.cached,
      ms: kit.deps.clock.now() - startedAt,
    });
  } catch (error) {
    if (isForbidden(error)) {
      logger.info("chat blocked the bot; dropping", { chatId: target.chatId });
      return;
    }
    await kit.deps.stats.record(StatKind.Failure).catch(() => undefined);
    // Error messages can quote the person's URL: at info level only the code goes out.
    if (isJianbaoError(error)) {
      logger.info("reading failed", { chatId: target.chatId, source: source.kind, code: error.code });
      logger.debug("reading failed (detail)", { chatId: target.chatId, error });
    } else {
      logger.error("reading failed", { chatId: target.chatId, source: source.kind, error });
    }
    await editRich(send, target.chatId, placeholderId, { text: describeError(target.lang, error) }).catch(
      (sendError: unknown) => logger.warn("could not report a failure", { chatId: target.chatId, error: sendError }),
    );
  } finally {
    clock.clearTimeout(typingTimer);
  }
}
