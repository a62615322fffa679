import { Composer } from "telegraf";
import { commandOf, repliesTo, textOf } from "./access.js";
import type { BotContext, FeatureKit } from "./context.js";
import { queueReading, type ReadTarget, sendPlaceholder, updateJobId } from "./reading.js";

/**
 * Text this long (code points, links left out) without being a reply to the bot is a pasted page,
 * not a question: a question rarely runs past two hundred characters in either language, and the
 * cleaner needs a few paragraphs to find an article anyway.
 */
export const PASTE_MIN_CHARS = 280;

/**
 * Long text without a link (or the next pieces of one) → a pasted page: the first long piece gets the placeholder
 * and the read job, whose first step gathers the pieces from the store (paste-pieces.ts).
 */
export function pastedPages(kit: FeatureKit) {
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
    const repliesToBot = repliesTo(message)?.from?.id === ctx.botInfo.id;
    const mayStart = !repliesToBot && [...text].length >= PASTE_MIN_CHARS;
    const added = await kit.pastes.add(chatId, userId, { messageId: message.message_id, text }, mayStart);
    if (added.outcome === "none") return next();
    if (added.outcome === "joined") return;

    const { page } = added;
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
    try {
      // Handled before, up to its job record (see startReading): that job holds the whole page.
      if ((await kit.deps.ledger.has(jobId)) || !(await ctx.jb.spend())) {
        await kit.pastes.drop(page);
        return;
      }
      const placeholderId = await sendPlaceholder(kit, target, page);
      // No placeholder (blocked) or no room in the queue ("busy" said): the page ends here, and so does its lease.
      if (placeholderId === undefined || !(await queueReading(kit, target, placeholderId, page))) {
        await kit.pastes.drop(page);
      }
    } catch (error) {
      // Nothing recorded (the placeholder could not be sent): the person's next message is a message of its own.
      await kit.pastes.drop(page).catch(() => undefined);
      throw error;
    } finally {
      kit.pastes.handedOver(page);
    }
  });
  return composer;
}
