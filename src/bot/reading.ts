/**
 * Reading for a chat: answer at once with a placeholder, queue the work, and edit the summary in.
 * The chain itself (load → clean → save → summarize) is pipeline/read.ts; this file adds what is
 * Telegram's: the placeholder, "typing…", downloading an upload, rendering, and the failure reply.
 */
import { readFile, stat } from "node:fs/promises";
import type { Telegram } from "telegraf";
import { ErrorCode, isJianbaoError, JianbaoError } from "../errors.js";
import { describeError } from "../i18n/errors.js";
import { t } from "../i18n/index.js";
import { uploadCap } from "../pipeline/input.js";
import { type ReadSource, readSource, rememberSummary } from "../pipeline/read.js";
import type { RunningJob } from "../store/jobs.js";
import type { Article, Lang, LangChoice, Summary } from "../types.js";
import type { FeatureKit } from "./context.js";
import type { PastedPage } from "./paste-pieces.js";
import { buildSummaryKeyboard, renderSummary } from "./render.js";
import { editRich, isForbidden, type SendKit, sendRich, typing } from "./send.js";
import { StatKind } from "./stats.js";

// Telegram shows "typing…" for about 5 s; renew it while a summary is being made.
const TYPING_EVERY_MS = 4500;

/** What the person gave us to read in a chat (an upload is still on Telegram's servers). */
export type ChatSource =
  | { kind: "url"; url: string }
  | { kind: "text"; text: string }
  | { kind: "file"; fileId: string; fileName: string; mimeType?: string }
  /** A pasted page: its pieces are in the store until the job gathers them. */
  | PastedPage;

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
  /** The job's id, derived from the update that asked (`updateJobId`): a second handling of it finds the job. */
  jobId?: string;
}

/**
 * The id of the `index`th job an update starts (a message with three links starts three). Telegram's update ids
 * are unique per bot, so an update handled twice (the webhook gate's sweep after a replica died) names the same
 * jobs, and `startReading` sees that they are recorded already.
 */
export function updateJobId(update: { update_id: number }, kind: string, index = 0): string {
  return `${kind}:u${update.update_id}:${index}`;
}

function placeholderText(lang: Lang, source: ChatSource): string {
  if (source.kind === "text" || source.kind === "paste") return t(lang, "readingPaste");
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
  source: ChatSource,
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

/** A read job as recorded (store/jobs.ts): everything needed to finish it from any replica, into the same placeholder. */
interface ReadJob {
  chatId: number;
  replyTo?: number;
  lang: Lang;
  summaryLang: LangChoice;
  placeholderId: number;
  source: ChatSource;
}

/** Lets the job ledger run (and take over) read jobs: called once by createBot. */
export function registerReading(kit: FeatureKit): void {
  kit.deps.ledger.register<ReadJob>(
    "read",
    (job, running) =>
      readIntoMessage(
        kit,
        {
          telegram: kit.telegram,
          chatId: job.chatId,
          replyTo: job.replyTo,
          lang: job.lang,
          summaryLang: job.summaryLang,
        },
        job.placeholderId,
        job.source,
        running,
      ),
    (job) => tellJobGivenUp(kit, job),
  );
}

/**
 * A job that every replica died on (started JobLedger's maxAttempts times): its placeholder says what went wrong,
 * so the person still gets their one answer.
 */
export async function tellJobGivenUp(
  kit: FeatureKit,
  job: { chatId: number; placeholderId: number; lang: Lang },
): Promise<void> {
  const failure = new JianbaoError(ErrorCode.WorkerFailed, "the job was given up after repeated takeovers");
  await editRich({ ...kit.send, telegram: kit.telegram }, job.chatId, job.placeholderId, {
    text: describeError(job.lang, failure),
  });
}

/**
 * Records the reading of `source` into the placeholder message as a job; tells the person when the queue is full.
 * False when the job was refused.
 */
export async function queueReading(
  kit: FeatureKit,
  target: ReadTarget,
  placeholderId: number,
  source: ChatSource,
): Promise<boolean> {
  const send: SendKit = { ...kit.send, telegram: target.telegram };
  const job: ReadJob = {
    chatId: target.chatId,
    ...(target.replyTo !== undefined ? { replyTo: target.replyTo } : {}),
    lang: target.lang,
    summaryLang: target.summaryLang,
    placeholderId,
    source,
  };
  const accepted = await kit.deps.ledger.submit("read", job, target.jobId ? { id: target.jobId } : {});
  if (!accepted) {
    await editRich(send, target.chatId, placeholderId, { text: t(target.lang, "busy") });
  }
  return accepted;
}

/** sendPlaceholder + queueReading: the whole "reply now, work later" step for links and files. */
export async function startReading(kit: FeatureKit, target: ReadTarget, source: ChatSource): Promise<void> {
  // Handled before, up to its job record: the job has its placeholder and its own takeover.
  if (target.jobId && (await kit.deps.ledger.has(target.jobId))) return;
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

/** The person's source as the pipeline reads it: an upload is downloaded from Telegram first, a paste gathered. */
async function pipelineSource(kit: FeatureKit, target: ReadTarget, source: ChatSource): Promise<ReadSource> {
  if (source.kind === "paste") return { kind: "text", text: await kit.pastes.gather(source) };
  if (source.kind !== "file") return source;
  // PDFs have their own, larger cap (PDF_LIMITS.maxBytes).
  const maxBytes = uploadCap(source.fileName, source.mimeType, kit.deps.config.bot.maxFileBytes);
  const bytes = await downloadTelegramFile(kit, target.telegram, source.fileId, maxBytes);
  return {
    kind: "upload",
    bytes,
    fileName: source.fileName,
    ...(source.mimeType ? { mimeType: source.mimeType } : {}),
  };
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

/** The background job: download (uploads) → readSource (fetch → clean → save → summarize) → edit the placeholder. */
async function readIntoMessage(
  kit: FeatureKit,
  target: ReadTarget,
  placeholderId: number,
  source: ChatSource,
  job: Pick<RunningJob, "stillOurs">,
) {
  const { logger } = kit.deps;
  const send: SendKit = { ...kit.send, telegram: target.telegram };
  const startedAt = kit.deps.clock.now();
  const stopTyping = keepTyping(kit.deps.clock, send, target.chatId);
  // Once a summary exists, no error text may take its place (a 429 storm, a store write after the edit).
  let summaryMade = false;
  try {
    const { page, article, articleId, summary } = await readSource(
      kit.deps.reading,
      await pipelineSource(kit, target, source),
      {
        lang: target.summaryLang,
        readerLang: target.lang,
        from: source.kind === "url" ? { kind: "web" } : { kind: "chat", chatId: target.chatId },
      },
    );
    const message = summaryMessage(kit, {
      summary,
      article,
      articleId,
      chatId: target.chatId,
      lang: target.lang,
      sourceUrl: source.kind === "url" ? (page.url ?? source.url) : undefined,
    });
    summaryMade = true;
    // Only the job's holder answers: a replica whose lease was taken over stays silent (one answer per placeholder).
    if (!(await job.stillOurs())) {
      logger.warn("read job was taken over; not answering", { chatId: target.chatId });
      return;
    }
    const messageId = await editRich(send, target.chatId, placeholderId, message);
    kit.deps.metrics.summaries.inc({ mode: summary.mode, cached: String(summary.cached === true) });
    await rememberSummary(kit.deps.reading, { chatId: target.chatId, messageId, articleId });
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
    if (summaryMade) {
      logger.warn("summary made but not delivered or not remembered", { chatId: target.chatId, error });
      return;
    }
    await reportReadFailure(kit, send, { target, placeholderId, source, job }, error);
  } finally {
    stopTyping();
  }
}

/** Keeps "typing…" showing until the returned function is called. */
function keepTyping(clock: FeatureKit["deps"]["clock"], send: SendKit, chatId: number): () => void {
  let typingTimer: unknown;
  const renewTyping = () => {
    typingTimer = clock.setTimeout(() => {
      void typing(send, chatId);
      renewTyping();
    }, TYPING_EVERY_MS);
  };
  renewTyping();
  return () => clock.clearTimeout(typingTimer);
}

/** Counts the failure and, if the job is still ours, puts the person-readable reason in the placeholder. */
async function reportReadFailure(
  kit: FeatureKit,
  send: SendKit,
  read: { target: ReadTarget; placeholderId: number; source: ChatSource; job: Pick<RunningJob, "stillOurs"> },
  error: unknown,
) {
  const { logger } = kit.deps;
  const { target, placeholderId, source, job } = read;
  await kit.deps.stats.record(StatKind.Failure).catch(() => undefined);
  kit.deps.metrics.fetchFailures.inc({ code: isJianbaoError(error) ? error.code : "INTERNAL" });
  if (!(await job.stillOurs().catch(() => false))) return;
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
}
