/**
 * What features send: a message in both renderings, sent or edited into a placeholder. Pacing, 429s, the HTML
 * fallback and Telegram's length limit are the transport's (telegram/transport.ts), under every call.
 */
import type { Telegram } from "telegraf";
import { TelegramError } from "telegraf";
import type { InlineKeyboardMarkup, Message } from "telegraf/types";
import type { Logger } from "../log.js";
import { isRateLimited } from "../telegram/transport.js";

export { isForbidden, isRateLimited } from "../telegram/transport.js";

/** A message in both renderings; HTML is tried first, plain text is the fallback. */
export interface OutgoingText {
  html?: string;
  text: string;
  keyboard?: InlineKeyboardMarkup;
  /** Reply to this message id (no error when it is gone). */
  replyTo?: number;
}

export interface SendKit {
  /** The bot's client: every call goes through the transport (telegram/transport.ts) installed under it. */
  telegram: Telegram;
  logger: Logger;
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

/** Sends a message: HTML when there is some (the transport falls back to plain text if Telegram rejects it). */
export async function sendRich(kit: SendKit, chatId: number, message: OutgoingText): Promise<Message.TextMessage> {
  return kit.telegram.sendMessage(chatId, message.html ?? message.text, {
    ...(message.html !== undefined ? { parse_mode: "HTML" as const } : {}),
    ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
    ...(message.replyTo
      ? { reply_parameters: { message_id: message.replyTo, allow_sending_without_reply: true } }
      : {}),
    link_preview_options: { is_disabled: true },
  });
}

/**
 * Edits a message the bot sent into `message`. "Not modified" counts as done; when the message is gone, or the
 * edit kept hitting 429 past the transport's budget, the answer goes out as a new message instead.
 */
export async function editRich(
  kit: SendKit,
  chatId: number,
  messageId: number,
  message: OutgoingText,
): Promise<number> {
  try {
    await kit.telegram.editMessageText(chatId, messageId, undefined, message.html ?? message.text, {
      ...(message.html !== undefined ? { parse_mode: "HTML" as const } : {}),
      ...(message.keyboard ? { reply_markup: message.keyboard } : {}),
      link_preview_options: { is_disabled: true },
    });
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

/** Best effort: a typing indicator (the transport skips it while Telegram says wait, and swallows failures). */
export async function typing(kit: SendKit, chatId: number): Promise<void> {
  await kit.telegram.sendChatAction(chatId, "typing").catch((error: unknown) => {
    kit.logger.debug("sendChatAction failed", { chatId, error });
  });
}
