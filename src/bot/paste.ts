import { Composer } from "telegraf";
import { commandOf, repliesTo, textOf } from "./access.js";
import type { BotContext, FeatureKit } from "./context.js";
import type { Clock } from "./jobs.js";
import { queueReading, type ReadTarget, sendPlaceholder, updateJobId } from "./reading.js";

/**
 * Text this long (code points, links left out) without being a reply to the bot is a pasted page,
 * not a question: a question rarely runs past two hundred characters in either language, and the
 * cleaner needs a few paragraphs to find an article anyway.
 */
export const PASTE_MIN_CHARS = 280;

interface Pending {
  pieces: Array<{ messageId: number; text: string }>;
  timer: unknown;
  flush: (text: string) => void;
}

/**
 * Joins the pieces of a pasted page: Telegram splits a long paste into several messages that arrive
 * within a second or two. Pieces from one person in one chat are collected until `joinMs` passes
 * without a new one, then handed over as one text, in message order.
 */
export interface PasteCollector {
  isCollecting(chatId: number, userId: number): boolean;
  /** Starts collecting; `flush` gets the joined text when the person pauses. */
  start(
    chatId: number,
    userId: number,
    piece: { messageId: number; text: string },
    flush: (text: string) => void,
  ): void;
  /** Adds a piece to a collection in progress (and restarts its timer). */
  append(chatId: number, userId: number, piece: { messageId: number; text: string }): void;
  /** Collections in progress. */
  pendingCount(): number;
  /** Drops a collection without flushing it. */
  cancel(chatId: number, userId: number): void;
  /** Flushes everything now (shutdown). */
  flushAll(): void;
}

export function createPasteCollector(clock: Clock, joinMs: number): PasteCollector {
  const pending = new Map<string, Pending>();
  const keyOf = (chatId: number, userId: number) => `${chatId}:${userId}`;
  const fire = (key: string) => {
    const entry = pending.get(key);
    if (!entry) return;
    pending.delete(key);
    clock.clearTimeout(entry.timer);
    const text = [...entry.pieces]
      .sort((a, b) => a.messageId - b.messageId)
      .map((piece) => piece.text)
      .join("\n");
    entry.flush(text);
  };
  const arm = (key: string, entry: Pending) => {
    clock.clearTimeout(entry.timer);
    entry.timer = clock.setTimeout(() => fire(key), joinMs);
  };
  return {
    isCollecting: (chatId, userId) => pending.has(keyOf(chatId, userId)),
    start(chatId, userId, piece, flush) {
      const key = keyOf(chatId, userId);
      const entry: Pending = { pieces: [piece], timer: undefined, flush };
      pending.set(key, entry);
      arm(key, entry);
    },
    append(chatId, userId, piece) {
      const key = keyOf(chatId, userId);
      const entry = pending.get(key);
      if (!entry) return;
      entry.pieces.push(piece);
      arm(key, entry);
    },
    pendingCount: () => pending.size,
    cancel(chatId, userId) {
      const key = keyOf(chatId, userId);
      clock.clearTimeout(pending.get(key)?.timer);
      pending.delete(key);
    },
    flushAll() {
      for (const key of [...pending.keys()]) fire(key);
    },
  };
}

/** Long text without a link (or the next pieces of one) → a pasted page, summarized once the pieces stop. */
export function pastedPages(kit: FeatureKit, paste: PasteCollector) {
  const composer = new Composer<BotContext>();
  composer.on("message", async (ctx, next) => {
    const message = ctx.message;
    if ("document" in message) return next();
    const raw = textOf(message).text;
    if (!raw || raw.startsWith("/") || commandOf(message, ctx.botInfo.username) !== undefined) return next();
    const chatId = ctx.chat.id;
    const userId = ctx.jb.userId;
    // In groups the page is addressed with an @mention; it is not part of the page.
    const text = ctx.jb.isPrivate ? raw : raw.replaceAll(`@${ctx.botInfo.username}`, "").trim();
    const piece = { messageId: message.message_id, text };
    if (paste.isCollecting(chatId, userId)) {
      paste.append(chatId, userId, piece);
      return;
    }
    const repliesToBot = repliesTo(message)?.from?.id === ctx.botInfo.id;
    if (repliesToBot || [...text].length < PASTE_MIN_CHARS) return next();

    // The page's job is named after its first piece's update.
    const jobId = updateJobId(ctx.update, "read");
    const target: ReadTarget = {
      telegram: ctx.telegram,
      chatId,
      replyTo: message.message_id,
      lang: ctx.jb.lang,
      summaryLang: ctx.jb.summaryLang,
      jobId,
    };
    // Start collecting before the first await, so a second piece handled concurrently joins this page.
    let placeholder: Promise<number | undefined> = Promise.resolve(undefined);
    paste.start(chatId, userId, piece, (joined) => {
      void placeholder
        .then((placeholderId) => {
          if (placeholderId !== undefined)
            return queueReading(kit, target, placeholderId, { kind: "text", text: joined });
        })
        .catch((error: unknown) => kit.deps.logger.error("pasted page failed", { chatId, error }));
    });
    // Handled before, up to its job record (see startReading): that job holds the whole page.
    if ((await kit.deps.ledger.has(jobId)) || !(await ctx.jb.spend())) {
      paste.cancel(chatId, userId);
      return;
    }
    placeholder = sendPlaceholder(kit, target, { kind: "text", text });
    await placeholder;
  });
  return composer;
}
