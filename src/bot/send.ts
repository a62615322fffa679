import type { Telegram } from "telegraf";
import { TelegramError } from "telegraf";
import type { InlineKeyboardMarkup, Message } from "telegraf/types";
import type { Logger } from "../log.js";
import { type SharedPace, type Store, sharedPaceFor } from "../store/store.js";
import type { Clock } from "./jobs.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
// Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
// about one message per second in a chat (edits count too) and about 30 per second overall; past them it
// answers 429 with `retry_after`, and a flood can pause the whole bot.
/** Calls to one chat: one per second on average, a short burst of this many allowed (a person sending 3 links). */
const PER_CHAT_INTERVAL_MS = 1000;
const PER_CHAT_BURST = 3;
/** Calls across all chats: 30 per second, a small burst. */
const GLOBAL_INTERVAL_MS = 1000 / 30;
const GLOBAL_BURST = 10;
/**
 * Total `retry_after` one send or edit waits out before its fallback: an edit that keeps getting 429 becomes a
 * new message (with a budget of its own); a send gives up. A finished summary is worth a minute's wait.
 */
export const RATE_LIMIT_BUDGET_MS = 60_000;
/** A 429 for a chat that was quiet this long (or for a second chat within a second) is a global flood. */
const QUIET_CHAT_MS = 2 * PER_CHAT_INTERVAL_MS;
const SECOND_CHAT_WINDOW_MS = 1000;
/** Chats remembered for pacing before idle ones are forgotten. */
const MAX_TRACKED_CHATS = 5000;

export interface Sleeper {
  sleep(ms: number): Promise<void>;
}

/**
 * Paces every interactive Bot API call (sends and edits alike) per chat and overall, and holds back a chat,
 * or everyone, after a 429 until its `retry_after` has passed. One per bot, shared by all its sends.
 */
export interface TelegramPacer {
  /** Waits until a call to `chatId` may go out, and books it. */
  slot(chatId: number, clock: Pick<Clock, "now" | "sleep">): Promise<void>;
  /** Telegram said wait `retryAfterMs` after a call to `chatId`; true when it holds back every chat. */
  rateLimited(chatId: number, retryAfterMs: number, now: number): boolean;
  /** True while `chatId` or everyone is held back (best-effort calls such as typing are skipped). */
  isPaused(chatId: number, now: number): boolean;
}

interface ChatPace {
  /** Theoretical arrival time of the next call (GCRA). */
  tat: number;
  pausedUntil: number;
  /** When the two latest calls were booked. */
  lastAt?: number;
  previousAt?: number;
}

/** A generic cell-rate pacer (GCRA) per chat and overall, with 429 pauses. */
export function createPacer(): TelegramPacer {
  const chats = new Map<number, ChatPace>();
  const global = { tat: 0, pausedUntil: 0 };
  let lastLimit: { chatId: number; at: number } | undefined;

  const pace = (chatId: number, now: number): ChatPace => {
    let chat = chats.get(chatId);
    if (!chat) {
      if (chats.size >= MAX_TRACKED_CHATS) {
        for (const [id, item] of chats) if (item.tat < now && item.pausedUntil < now) chats.delete(id);
      }
      chat = { tat: 0, pausedUntil: 0 };
      chats.set(chatId, chat);
    }
    return chat;
  };

  return {
    async slot(chatId, clock) {
      const now = clock.now();
      const chat = pace(chatId, now);
      const at = Math.max(
        now,
        chat.pausedUntil,
        global.pausedUntil,
        chat.tat - (PER_CHAT_BURST - 1) * PER_CHAT_INTERVAL_MS,
        global.tat - (GLOBAL_BURST - 1) * GLOBAL_INTERVAL_MS,
      );
      chat.tat = Math.max(chat.tat, at) + PER_CHAT_INTERVAL_MS;
      global.tat = Math.max(global.tat, at) + GLOBAL_INTERVAL_MS;
      chat.previousAt = chat.lastAt;
      chat.lastAt = at;
      if (at > now) await clock.sleep(at - now);
    },
    rateLimited(chatId, retryAfterMs, now) {
      const chat = pace(chatId, now);
      const until = now + retryAfterMs;
      chat.pausedUntil = Math.max(chat.pausedUntil, until);
      // Telegram does not say which limit was hit. A chat that was quiet cannot have hit its own limit,
      // and two chats told to wait at once means the bot as a whole is over: hold everyone back.
      const quiet = chat.previousAt === undefined || now - chat.previousAt > QUIET_CHAT_MS;
      const secondChat =
        lastLimit !== undefined && lastLimit.chatId !== chatId && now - lastLimit.at < SECOND_CHAT_WINDOW_MS;
      lastLimit = { chatId, at: now };
      if (quiet || secondChat) global.pausedUntil = Math.max(global.pausedUntil, until);
      return quiet || secondChat;
    },
    isPaused(chatId, now) {
      return global.pausedUntil > now || (chats.get(chatId)?.pausedUntil ?? 0) > now;
    },
  };
}

/**
 * The same pacing for every replica on one Redis: each slot is booked in Redis (one GCRA script over the chat's
 * and the global limit), and a 429 that looks global pauses every replica (a pause key the script honours).
 * rate-limiter-flexible's fixed windows were the first idea; they let twice the rate through across a window
 * boundary (see digest/delivery.ts on p-queue's intervals), which Telegram answers with 429, so the script
 * keeps the memory pacer's arithmetic instead.
 */
export function createSharedPacer(shared: SharedPace): TelegramPacer {
  // The local half: which chats were recently limited (to tell a chat's limit from a global one) and known pauses.
  const local = createPacer();
  // The latest pause being written: this replica's next slot waits for it, so it is in Redis before we send again.
  let pausing: Promise<void> = Promise.resolve();
  return {
    async slot(chatId, clock) {
      await pausing;
      const now = clock.now();
      const at = await shared.book(chatId, now);
      if (at > now) await clock.sleep(at - now);
    },
    rateLimited(chatId, retryAfterMs, now) {
      const global = local.rateLimited(chatId, retryAfterMs, now);
      pausing = shared.pause(global ? undefined : chatId, now + retryAfterMs, now).catch(() => undefined);
      return global;
    },
    isPaused: (chatId, now) => local.isPaused(chatId, now),
  };
}

/** Telegram's limits as the shared pacer books them (the memory pacer's values). */
export const TELEGRAM_PACE = {
  chatIntervalMs: PER_CHAT_INTERVAL_MS,
  chatBurst: PER_CHAT_BURST,
  globalIntervalMs: GLOBAL_INTERVAL_MS,
  globalBurst: GLOBAL_BURST,
} as const;

/** The pacer for a store: shared through Redis when the store is Redis, in memory for one process on SQLite. */
export function pacerFor(store: Store): TelegramPacer {
  const shared = sharedPaceFor(store, TELEGRAM_PACE);
  return shared ? createSharedPacer(shared) : createPacer();
}

/** A message in both renderings; HTML is tried first, plain text is the fallback. */
export interface OutgoingText {
  html?: string;
  text: string;
  keyboard?: InlineKeyboardMarkup;
  /** Reply to this message id (no error when it is gone). */
  replyTo?: number;
}

export interface SendKit {
  telegram: Telegram;
  logger: Logger;
  clock: Pick<Clock, "now" | "sleep">;
  /** Shared pacing and 429 pauses (one per bot). Without it calls go out at once and only 429s wait. */
  pacer?: TelegramPacer;
  /** Told about every 429 (metrics). */
  on429?: () => void;
}

/** True for Telegram's 403s (blocked by the user, kicked, deactivated): nothing to retry. */
export function isForbidden(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 403;
}

function isParseError(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /can't parse entities/i.test(error.description);
}

function isNotModified(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /message is not modified/i.test(error.description);
}

function isEditTargetGone(error: unknown): boolean {
  return (
    error instanceof TelegramError &&
    error.code === 400 &&
    /message to edit not found|message can't be edited/i.test(error.description)
  );
}

/** True for Telegram's 429 (too many requests). */
export function isRateLimited(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 429;
}

/**
 * Runs a Bot API call to `chatId` in its paced slot, waiting out 429s (`retry_after`, for this chat and,
 * when the flood looks global, for everyone) until RATE_LIMIT_BUDGET_MS of waiting is spent; then the
 * last 429 is thrown for the caller's fallback.
 */
export async function withRetry<T>(
  kit: Pick<SendKit, "logger" | "clock" | "pacer" | "on429">,
  method: string,
  call: () => Promise<T>,
  chatId?: number,
): Promise<T> {
  let waited = 0;
  for (let attempt = 1; ; attempt += 1) {
    if (kit.pacer && chatId !== undefined) await kit.pacer.slot(chatId, kit.clock);
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TelegramError) || error.code !== 429) throw error;
      kit.on429?.();
      const waitMs = Math.max(1, error.parameters?.retry_after ?? 1) * 1000;
      if (waited + waitMs > RATE_LIMIT_BUDGET_MS) {
        kit.logger.warn("telegram rate limit outlasted the budget", { method, chatId, waited, attempt });
        throw error;
      }
      waited += waitMs;
      kit.logger.warn("telegram rate limit, waiting", { method, chatId, waitMs, attempt });
      // With a pacer the next slot waits (for this chat or everyone); without one, wait here.
      if (kit.pacer && chatId !== undefined) kit.pacer.rateLimited(chatId, waitMs, kit.clock.now());
      else await kit.clock.sleep(waitMs);
    }
  }
}

/** Sends a message (HTML, falling back to plain text if Telegram rejects the markup). */
export async function sendRich(kit: SendKit, chatId: number, message: OutgoingText): Promise<Message.TextMessage> {
  const common = {
    ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
    ...(message.replyTo
      ? { reply_parameters: { message_id: message.replyTo, allow_sending_without_reply: true } }
      : {}),
    link_preview_options: { is_disabled: true },
  };
  if (message.html !== undefined) {
    try {
      return await withRetry(
        kit,
        "sendMessage",
        () => kit.telegram.sendMessage(chatId, message.html as string, { ...common, parse_mode: "HTML" }),
        chatId,
      );
    } catch (error) {
      if (!isParseError(error)) throw error;
      kit.logger.warn("telegram rejected our HTML; sending plain text", { chatId, error });
    }
  }
  return withRetry(kit, "sendMessage", () => kit.telegram.sendMessage(chatId, message.text, common), chatId);
}

/**
 * Edits a message the bot sent into `message` (HTML first, plain text if rejected).
 * "Not modified" counts as done; when the message is gone, or the edit keeps hitting 429 past
 * RATE_LIMIT_BUDGET_MS, sends a new one instead.
 */
export async function editRich(
  kit: SendKit,
  chatId: number,
  messageId: number,
  message: OutgoingText,
): Promise<number> {
  const common = {
    ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
    link_preview_options: { is_disabled: true },
  };
  const attempt = async (text: string, html: boolean) => {
    await withRetry(
      kit,
      "editMessageText",
      () =>
        kit.telegram.editMessageText(chatId, messageId, undefined, text, {
          ...common,
          ...(html ? { parse_mode: "HTML" } : {}),
        }),
      chatId,
    );
  };
  try {
    if (message.html !== undefined) {
      try {
        await attempt(message.html, true);
        return messageId;
      } catch (error) {
        if (!isParseError(error)) throw error;
        kit.logger.warn("telegram rejected our HTML; editing as plain text", { chatId, error });
      }
    }
    await attempt(message.text, false);
    return messageId;
  } catch (error) {
    if (isNotModified(error)) return messageId;
    if (isEditTargetGone(error)) return (await sendRich(kit, chatId, message)).message_id;
    if (isRateLimited(error)) {
      // The edit kept hitting 429 for the whole budget: the answer goes out as a new message rather than be
      // lost, and the stale placeholder is removed when Telegram lets us (best effort, no retry).
      kit.logger.warn("edit kept hitting 429; sending the answer as a new message", { chatId, messageId });
      const sent = await sendRich(kit, chatId, message);
      void kit.telegram.deleteMessage(chatId, messageId).catch(() => undefined);
      return sent.message_id;
    }
    throw error;
  }
}

/** Best effort: a typing indicator; failures are not worth a retry, and it is skipped while Telegram says wait. */
export async function typing(kit: SendKit, chatId: number): Promise<void> {
  if (kit.pacer?.isPaused(chatId, kit.clock.now())) return;
  await kit.telegram.sendChatAction(chatId, "typing").catch((error: unknown) => {
    kit.logger.debug("sendChatAction failed", { chatId, error });
  });
}
