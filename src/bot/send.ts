import type { Telegram } from "telegraf";
import { TelegramError } from "telegraf";
import type { InlineKeyboardMarkup, Message } from "telegraf/types";
import type { Logger } from "../log.js";

// 429s: wait what Telegram asks, but not forever and not too often.
const MAX_RETRIES_ON_429 = 3;
const MAX_RETRY_AFTER_MS = 60_000;

export interface Sleeper {
  sleep(ms: number): Promise<void>;
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
  clock: Sleeper;
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

/** Runs a Bot API call, waiting out 429 `retry_after` a bounded number of times. */
export async function withRetry<T>(
  kit: Pick<SendKit, "logger" | "clock">,
  method: string,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TelegramError) || error.code !== 429 || attempt >= MAX_RETRIES_ON_429) throw error;
      const waitMs = Math.min(MAX_RETRY_AFTER_MS, Math.max(1, error.parameters?.retry_after ?? 1) * 1000);
      kit.logger.warn("telegram rate limit, waiting", { method, waitMs, attempt: attempt + 1 });
      await kit.clock.sleep(waitMs);
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
      return await withRetry(kit, "sendMessage", () =>
        kit.telegram.sendMessage(chatId, message.html as string, { ...common, parse_mode: "HTML" }),
      );
    } catch (error) {
      if (!isParseError(error)) throw error;
      kit.logger.warn("telegram rejected our HTML; sending plain text", { chatId, error });
    }
  }
  return withRetry(kit, "sendMessage", () => kit.telegram.sendMessage(chatId, message.text, common));
}

/**
 * Edits a message the bot sent into `message` (HTML first, plain text if rejected).
 * "Not modified" counts as done; when the message is gone, sends a new one instead.
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
    await withRetry(kit, "editMessageText", () =>
      kit.telegram.editMessageText(chatId, messageId, undefined, text, {
        ...common,
        ...(html ? { parse_mode: "HTML" } : {}),
      }),
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
    throw error;
  }
}

/** Best effort: a typing indicator; failures are not worth a retry. */
export async function typing(kit: SendKit, chatId: number): Promise<void> {
  await kit.telegram.sendChatAction(chatId, "typing").catch((error: unknown) => {
    kit.logger.debug("sendChatAction failed", { chatId, error });
  });
}
