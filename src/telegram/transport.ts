/**
 * The one transport under every Bot API call the bot makes: replies, edits, buttons, files and digests alike.
 * telegraf sends every method (`ctx.reply` included) through `Telegram#callApi`; the transport wraps it, as
 * grammY's API transformers do (its auto-retry and throttler plugins). For each call:
 *  - pacing: a call that puts something in a chat (a message, an edit, a file) takes its slot from the pacer;
 *  - 429: its `retry_after` is waited out (for that chat, or for everyone when the flood looks global) and the
 *    call retried, until RATE_LIMIT_BUDGET_MS of waiting is spent; then the 429 goes to the caller (an edit
 *    then becomes a new message, see bot/send.ts);
 *  - HTML that Telegram rejects ("can't parse entities"): the same call once more as plain text;
 *  - longer than Telegram's 4096 characters: a message goes out in parts (buttons on the last), an edit is cut;
 *  - best-effort calls (the typing indicator) are skipped while Telegram says wait, and never retried;
 *  - 403 (blocked, kicked, deactivated) goes to the caller at once: there is nothing to retry.
 * Which base call it wraps is a parameter: telegraf's HTTP client in the bot, the terminal chat's screen there.
 */
import type { Telegram } from "telegraf";
import { TelegramError } from "telegraf";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { htmlToText } from "../text/html.js";
import { clip, splitText, TELEGRAM_MAX_CHARS } from "../text/truncate.js";
import type { TelegramPacer } from "./pacer.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
/**
 * Total `retry_after` one call waits out before its 429 goes to the caller: an edit that keeps getting 429
 * becomes a new message (with a budget of its own); a send gives up. A finished summary is worth a minute.
 */
export const RATE_LIMIT_BUDGET_MS = 60_000;
/** Methods that put something in a chat: paced per chat and overall (Telegram counts edits too). */
const PACED_METHODS = new Set([
  "sendMessage",
  "editMessageText",
  "editMessageCaption",
  "editMessageReplyMarkup",
  "sendDocument",
  "sendPhoto",
  "sendMediaGroup",
  "copyMessage",
  "forwardMessage",
]);
/** Worth nothing late: skipped while the chat is paused, a failure is logged and forgotten. */
const BEST_EFFORT_METHODS = new Set(["sendChatAction"]);
/** Methods whose `text` is a message text (HTML fallback and the 4096 limit apply). */
const TEXT_METHODS = new Set(["sendMessage", "editMessageText"]);

/** One Bot API call: telegraf's `callApi` shape. */
export type ApiCall = (
  method: string,
  payload: Record<string, unknown>,
  options?: { signal?: AbortSignal },
) => Promise<unknown>;

export interface TransportOptions {
  /** Shared pacing and 429 pauses (one per bot; through Redis for replicas). Without it only 429s wait. */
  pacer?: TelegramPacer;
  clock: Pick<Clock, "now" | "sleep">;
  logger: Logger;
  /** Told about every 429 (metrics). */
  on429?: (method: string) => void;
}

export interface Transport {
  /** Makes one Bot API call through pacing, 429 waits, the HTML fallback and splitting. */
  call: ApiCall;
  /** Replaces the base call underneath (the terminal chat routes calls to its screen). */
  route(base: ApiCall): void;
}

/** True for Telegram's 403s (blocked by the user, kicked, deactivated): nothing to retry. */
export function isForbidden(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 403;
}

/** True for Telegram's 429 (too many requests). */
export function isRateLimited(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 429;
}

/** True when Telegram rejected the HTML of a message. */
export function isParseError(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /can't parse entities/i.test(error.description);
}

const chatOf = (payload: Record<string, unknown>): number | undefined => {
  const id = Number(payload.chat_id);
  return Number.isFinite(id) ? id : undefined;
};

/** A call nobody waits for (typing…): skipped while the chat is paused, never retried, never throws. */
function bestEffort(
  below: ApiCall,
  options: TransportOptions,
  method: string,
  payload: Record<string, unknown>,
  callOptions: Parameters<ApiCall>[2],
) {
  const { pacer, clock, logger } = options;
  const chatId = chatOf(payload);
  if (chatId !== undefined && pacer?.isPaused(chatId, clock.now())) return true;
  return below(method, payload, callOptions).catch((error: unknown) => {
    if (isRateLimited(error) && chatId !== undefined) {
      pacer?.rateLimited(chatId, ((error as TelegramError).parameters?.retry_after ?? 1) * 1000, clock.now());
    }
    logger.debug("best-effort telegram call failed", { method, chatId, error });
    return true;
  });
}

/** Too long for one message: as plain text (markup cannot be cut safely), an edit cut, a message in parts. */
async function sendTooLong(
  send: (method: string, payload: Record<string, unknown>) => Promise<unknown>,
  method: string,
  payload: Record<string, unknown>,
  plain: string,
) {
  const { parse_mode: _html, reply_markup: keyboard, ...rest } = payload;
  if (method === "editMessageText") {
    return send(method, {
      ...rest,
      text: clip(plain, TELEGRAM_MAX_CHARS),
      ...(keyboard ? { reply_markup: keyboard } : {}),
    });
  }
  const parts = splitText(plain, TELEGRAM_MAX_CHARS);
  let last: unknown;
  for (const [index, part] of parts.entries()) {
    const isLast = index === parts.length - 1;
    last = await send(method, { ...rest, text: part, ...(isLast && keyboard ? { reply_markup: keyboard } : {}) });
  }
  return last;
}

/** The transport over `base`. */
export function createTransport(base: ApiCall, options: TransportOptions): Transport {
  let below = base;
  const { pacer, clock, logger } = options;

  /** Paced, with 429s waited out within the budget. */
  const withRetry = async (method: string, payload: Record<string, unknown>, signal?: AbortSignal) => {
    const chatId = chatOf(payload);
    const paced = pacer !== undefined && chatId !== undefined && PACED_METHODS.has(method);
    let waited = 0;
    for (let attempt = 1; ; attempt += 1) {
      if (paced) await pacer.slot(chatId, clock);
      try {
        return await below(method, payload, signal ? { signal } : {});
      } catch (error) {
        if (!isRateLimited(error)) throw error;
        options.on429?.(method);
        const waitMs = Math.max(1, (error as TelegramError).parameters?.retry_after ?? 1) * 1000;
        if (waited + waitMs > RATE_LIMIT_BUDGET_MS) {
          logger.warn("telegram rate limit outlasted the budget", { method, chatId, waited, attempt });
          throw error;
        }
        waited += waitMs;
        logger.warn("telegram rate limit, waiting", { method, chatId, waitMs, attempt });
        // With a pacer the next slot waits (for this chat or everyone); without one, wait here.
        if (pacer && chatId !== undefined) pacer.rateLimited(chatId, waitMs, clock.now());
        if (!paced) await clock.sleep(waitMs);
      }
    }
  };

  /** HTML first; when Telegram rejects it, the same text as plain text. */
  const withPlainFallback = async (method: string, payload: Record<string, unknown>, signal?: AbortSignal) => {
    try {
      return await withRetry(method, payload, signal);
    } catch (error) {
      if (!isParseError(error) || payload.parse_mode !== "HTML" || !TEXT_METHODS.has(method)) throw error;
      logger.warn("telegram rejected our HTML; sending plain text", { method, chatId: payload.chat_id, error });
      const { parse_mode: _html, ...plain } = payload;
      return withRetry(method, { ...plain, text: htmlToText(String(payload.text ?? "")) }, signal);
    }
  };

  const call: ApiCall = async (method, payload = {}, callOptions = {}) => {
    const { signal } = callOptions;
    if (BEST_EFFORT_METHODS.has(method)) return bestEffort(below, options, method, payload, callOptions);
    if (!TEXT_METHODS.has(method) || typeof payload.text !== "string") return withRetry(method, payload, signal);
    const text = payload.text;
    const plain = payload.parse_mode === "HTML" ? htmlToText(text) : text;
    if ([...plain].length <= TELEGRAM_MAX_CHARS) return withPlainFallback(method, payload, signal);
    return sendTooLong((m, p) => withRetry(m, p, signal), method, payload, plain);
  };

  return {
    call,
    route(next) {
      below = next;
    },
  };
}

/**
 * Puts the transport under every call of `telegram` and of every update's context (telegraf otherwise builds a
 * fresh client per update, which would go around it).
 */
export function installTransport(bot: { telegram: Telegram; context: object }, options: TransportOptions): Transport {
  const client = bot.telegram as unknown as { callApi: ApiCall };
  const transport = createTransport(client.callApi.bind(bot.telegram), options);
  client.callApi = transport.call;
  (bot.context as { telegram?: Telegram }).telegram = bot.telegram;
  return transport;
}
