import { Composer } from "telegraf";
import { formatBytes, t } from "../i18n/index.js";
import { cacheKey } from "../llm/summarize.js";
import { articleSourceKey } from "../pipeline/read.js";
import type { Article, LangChoice } from "../types.js";
import type { BotContext, BotFeature, CommandInfo, FeatureKit } from "./context.js";
import { sendRich } from "./send.js";

const LANG_CHOICES: readonly LangChoice[] = ["zh", "en", "auto"];

/**
 * Deletes an article of the person's private chat when it is theirs alone: text they pasted or a
 * file they uploaded there that no other chat sent and no link brought in. Pages from links and
 * feeds are public, not personal data, and stay for everyone else's follow-ups and digests.
 * Articles saved before sources were recorded count as public when they have a URL.
 */
async function forgetArticleIfPrivate(
  kit: FeatureKit,
  features: readonly BotFeature[],
  articleId: string,
  chatId: number,
): Promise<boolean> {
  const { records, summaryCache } = kit.deps;
  const wasOurs = await records.articleSources.delete(articleSourceKey(articleId, { kind: "chat", chatId }));
  if ((await records.articleSources.list(`${articleId}:`)).length > 0) return false;
  const record = await records.articles.get(articleId);
  if (!record || (!wasOurs && record.article.url)) return false;
  await records.articles.delete(articleId);
  // Summaries of the text are as personal as the text: every language and model (same hash prefix).
  for (const summary of await summaryCache.list(`${summaryPrefix(record.article)}:`)) {
    await summaryCache.delete(summary.id);
  }
  for (const feature of features) await feature.forgetArticle?.(articleId);
  return true;
}

function summaryPrefix(article: Article): string {
  return cacheKey(article, "en", "-").split(":")[0] ?? "";
}

/** Deletes what the bot keeps about a person; returns how many records went. */
export async function forgetPerson(
  kit: FeatureKit,
  features: readonly BotFeature[],
  who: { userId: number; privateChatId?: number },
): Promise<number> {
  const { records, logger } = kit.deps;
  let count = 0;
  if (await records.users.delete(String(who.userId))) count += 1;
  if (who.privateChatId !== undefined) {
    const chatId = who.privateChatId;
    const chatKey = String(chatId);
    const messages = await records.messages.list(`${chatKey}:`);
    const articleIds = new Set(messages.map((message) => message.value.articleId));
    for (const message of messages) if (await records.messages.delete(message.id)) count += 1;
    for (const articleId of articleIds) {
      try {
        if (await forgetArticleIfPrivate(kit, features, articleId, chatId)) count += 1;
      } catch (error) {
        logger.error("forgetting an article failed", { chatId, error });
      }
    }
    if (await records.chats.delete(chatKey)) count += 1;
  }
  for (const feature of features) {
    if (!feature.forget) continue;
    try {
      await feature.forget({ userId: who.userId, chatId: who.privateChatId });
    } catch (error) {
      logger.error("feature forget failed", { feature: feature.name, error });
    }
  }
  return count;
}

/** /start, /help, /lang, /forget, /stats. */
export function commands(options: {
  kit: FeatureKit;
  features: readonly BotFeature[];
  commands: readonly CommandInfo[];
}) {
  const { kit, features } = options;
  const { config } = kit.deps;
  const composer = new Composer<BotContext>();
  const say = (ctx: BotContext, text: string) =>
    sendRich({ ...kit.send, telegram: ctx.telegram }, ctx.jb.chatId, { text });

  composer.start(async (ctx) => {
    const lang = ctx.jb.lang;
    const rows = features.flatMap((feature) => feature.startButtons?.(lang) ?? []);
    await sendRich({ ...kit.send, telegram: ctx.telegram }, ctx.jb.chatId, {
      text: t(lang, "start"),
      ...(rows.length > 0 ? { keyboard: { inline_keyboard: rows } } : {}),
    });
  });

  composer.help(async (ctx) => {
    const lang = ctx.jb.lang;
    const list = options.commands.map((item) => `/${item.command} — ${item.description[lang]}`).join("\n");
    await say(
      ctx,
      t(lang, "help", {
        maxLinks: config.bot.maxLinksPerMessage,
        maxFile: formatBytes(config.bot.maxFileBytes),
        // Without a model there is no language switch under summaries (it could not translate).
        switchLine: kit.deps.llm ? t(lang, "helpSwitchLine") : "",
        commands: list,
      }),
    );
  });

  composer.command("lang", async (ctx) => {
    const arg = ctx.payload.trim().toLowerCase() as LangChoice;
    const current = ctx.jb.user.lang ?? config.bot.defaultLang;
    if (!LANG_CHOICES.includes(arg)) {
      await say(ctx, t(ctx.jb.lang, "langUsage", { current: t(ctx.jb.lang, `langName_${current}`) }));
      return;
    }
    const user = { ...ctx.jb.user, lang: arg };
    await kit.deps.records.users.set(String(ctx.jb.userId), user);
    // Answer in the language just chosen (auto → keep the interface language).
    const lang = arg === "auto" ? ctx.jb.lang : arg;
    await say(ctx, t(lang, "langSet", { choice: t(lang, `langName_${arg}`) }));
  });

  composer.command("forget", async (ctx) => {
    const count = await forgetPerson(kit, features, {
      userId: ctx.jb.userId,
      privateChatId: ctx.jb.isPrivate ? ctx.jb.chatId : undefined,
    });
    kit.deps.logger.info("forgot a person", { userId: ctx.jb.userId, records: count });
    await say(ctx, t(ctx.jb.lang, "forgotten", { count }));
  });

  composer.command("stats", (ctx) => sendStats(kit, ctx, say));
  return composer;
}

/** /stats for admins: the last week's totals. */
async function sendStats(kit: FeatureKit, ctx: BotContext, say: (ctx: BotContext, text: string) => Promise<unknown>) {
  const lang = ctx.jb.lang;
  if (!kit.deps.config.bot.adminUserIds.includes(ctx.jb.userId)) {
    await say(ctx, t(lang, "statsDenied"));
    return;
  }
  const report = await kit.deps.stats.report(7);
  const people = (await kit.deps.records.users.list()).length;
  await say(
    ctx,
    t(lang, "stats", {
      days: report.days,
      people,
      summaries: report.totals.summary,
      offline: report.totals.offline,
      cacheHits: report.totals["cache-hit"],
      tokens: report.totals.tokens,
      failures: report.totals.failure,
    }),
  );
}
