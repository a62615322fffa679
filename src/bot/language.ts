import { Composer } from "telegraf";
import { describeError } from "../i18n/errors.js";
import { t } from "../i18n/index.js";
import { rememberSummary, summarizeArticle } from "../pipeline/read.js";
import type { Lang } from "../types.js";
import type { BotContext, FeatureKit } from "./context.js";
import { summaryMessage } from "./reading.js";
import { CallbackData, SWITCH_LANG_PATTERN } from "./render.js";
import { editRich, type SendKit } from "./send.js";

/**
 * The buttons under a summary: "中文 / English" re-renders the same message in the other language
 * (from the summary cache when that language was made before), "ask" explains how to ask a question.
 */
export function languageButtons(kit: FeatureKit) {
  const composer = new Composer<BotContext>();
  composer.action(CallbackData.askHint, async (ctx) => {
    await ctx.answerCbQuery(t(ctx.jb.lang, "askHint"), { show_alert: true });
  });
  composer.action(SWITCH_LANG_PATTERN, async (ctx) => {
    const [, lang, articleId] = ctx.match as unknown as [string, Lang, string];
    const message = ctx.callbackQuery.message;
    const chatId = message?.chat.id;
    const record = await kit.deps.records.articles.get(articleId);
    if (!record || !message || chatId === undefined) {
      await ctx.answerCbQuery(t(ctx.jb.lang, "expired"), { show_alert: true });
      return;
    }
    if (!(await ctx.jb.spend())) {
      await ctx.answerCbQuery();
      return;
    }
    await ctx.answerCbQuery(t(lang, "translating"));
    const send: SendKit = { ...kit.send, telegram: ctx.telegram };
    const uiLang = ctx.jb.lang;
    const accepted = kit.deps.jobs.add("switch-lang", async () => {
      try {
        const summary = await summarizeArticle(kit.deps.reading, record.article, { lang, readerLang: lang });
        const rendered = summaryMessage(kit, { summary, article: record.article, articleId, chatId, lang: uiLang });
        const messageId = await editRich(send, chatId, message.message_id, rendered);
        await rememberSummary(kit.deps.reading, { chatId, messageId, articleId });
      } catch (error) {
        kit.deps.logger.info("language switch failed", { chatId, code: (error as { code?: unknown }).code });
        await send.telegram.sendMessage(chatId, describeError(uiLang, error)).catch(() => undefined);
      }
    });
    if (!accepted) await send.telegram.sendMessage(chatId, t(uiLang, "busy")).catch(() => undefined);
  });
  return composer;
}
