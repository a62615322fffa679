import type { Message, MessageEntity } from "telegraf/types";
import type { Config } from "../config.js";
import { t } from "../i18n/index.js";
import type { Logger } from "../log.js";
import { langFromTelegram } from "../store/records.js";
import type { BotContext } from "./context.js";

/** Text and entities of a message, whether it is a text message or a captioned document. */
export function textOf(message: Message | undefined): { text: string; entities: readonly MessageEntity[] } {
  if (!message) return { text: "", entities: [] };
  if ("text" in message) return { text: message.text, entities: message.entities ?? [] };
  if ("caption" in message && message.caption)
    return { text: message.caption, entities: message.caption_entities ?? [] };
  return { text: "", entities: [] };
}

/** The command name when the message starts with one addressed to us (`/help`, `/help@our_bot`). */
export function commandOf(message: Message | undefined, botUsername: string): string | undefined {
  const { text, entities } = textOf(message);
  const first = entities[0];
  if (first?.type !== "bot_command" || first.offset !== 0) return undefined;
  const [name, target] = text.slice(1, first.length).split("@");
  if (target && target.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return name?.toLowerCase();
}

/** The message this one replies to, if any. */
export function repliesTo(message: Message): Message | undefined {
  return "reply_to_message" in message ? (message.reply_to_message as Message | undefined) : undefined;
}

/** True when a group message is meant for the bot: a command, an @mention, or a reply to the bot. */
export function isAddressed(message: Message, botId: number, botUsername: string): boolean {
  if (commandOf(message, botUsername) !== undefined) return true;
  if (repliesTo(message)?.from?.id === botId) return true;
  const { text, entities } = textOf(message);
  const mention = `@${botUsername}`.toLowerCase();
  return entities.some(
    (entity) =>
      (entity.type === "mention" &&
        text.slice(entity.offset, entity.offset + entity.length).toLowerCase() === mention) ||
      (entity.type === "text_mention" && entity.user.id === botId),
  );
}

/**
 * First gate: updates without a person are ignored; ALLOWED_USER_IDS, when set, keeps everyone
 * else out (a short note in private chats, silence in groups); in groups the bot acts only when addressed.
 */
export function accessControl(options: {
  config: Config;
  logger: Logger;
  /** A person still sending the pieces of a pasted page is addressing us even without a mention. */
  isCollectingPaste: (chatId: number, userId: number) => Promise<boolean>;
}) {
  const allowed = new Set(options.config.bot.allowedUserIds);
  return async (ctx: BotContext, next: () => Promise<void>) => {
    const from = ctx.from;
    if (!from || from.is_bot) return;
    const isPrivate = ctx.chat?.type === "private";
    if (allowed.size > 0 && !allowed.has(from.id)) {
      options.logger.info("not allowed", { userId: from.id });
      if (isPrivate && ctx.message) {
        await ctx.reply(t(langFromTelegram(from.language_code) ?? "en", "notAllowed"));
      } else if (ctx.callbackQuery) {
        await ctx.answerCbQuery(t(langFromTelegram(from.language_code) ?? "en", "notAllowed"));
      }
      return;
    }
    const message = ctx.message;
    if (message && !isPrivate && ctx.chat) {
      const addressed =
        isAddressed(message, ctx.botInfo.id, ctx.botInfo.username) ||
        (await options.isCollectingPaste(ctx.chat.id, from.id));
      if (!addressed) return;
    }
    await next();
  };
}
