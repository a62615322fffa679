/**
 * Subscriptions and daily digests, as a bot feature:
 * /subscribe <url>, /subscriptions (remove buttons), /unsubscribe <url>,
 * /digest HH:MM | on | off | now | quiet | loud | <items>, /timezone <IANA>,
 * and the buttons under digest items (full summary, ask about it).
 * It owns the digest machinery (src/digest) and starts the poller and scheduler with the bot.
 */
import type { Composer } from "telegraf";
import type { InlineKeyboardButton } from "telegraf/types";
import { DIGEST_CALLBACK } from "../digest/compose.js";
import { feedIdOf, resolveFeed } from "../digest/feeds.js";
import { createDigests, type Digests, type DigestsDeps, telegramSender } from "../digest/index.js";
import { summaryLangFor } from "../digest/poller.js";
import { formatTimeOfDay, isValidTimeZone, parseTimeOfDay } from "../digest/schedule.js";
import type { DigestSettings } from "../digest/store.js";
import { ErrorCode, isJianbaoError, JianbaoError } from "../errors.js";
import { describeError } from "../i18n/errors.js";
import { inEachLang, t } from "../i18n/index.js";
import { rememberChatArticle, rememberSummary, summarizeArticle } from "../pipeline/read.js";
import { escapeHtml, safeHref } from "../pipeline/render.js";
import { htmlToText } from "../text/html.js";
import { clip } from "../text/truncate.js";
import type { Lang } from "../types.js";
import type { BotContext, BotFeature, CommandInfo, FeatureKit } from "./context.js";
import { summaryMessage } from "./reading.js";
import { editRich, isForbidden, sendRich } from "./send.js";

/** Items per digest a person may ask for with `/digest <n>`. */
const MAX_ITEMS_CHOICE = 30;
/** /subscriptions: feed titles cut to this; the list stops short of Telegram's 4096 characters (HTML source, so
 * it fits after parsing too); at most this many remove buttons (Telegram allows 100 per message). */
const LIST_TITLE_CHARS = 80;
const LIST_MAX_CHARS = 3900;
const LIST_MAX_BUTTONS = 50;
/** Callback data: `sub:rm:<feedId>` (feed ids are 12 hex characters) and `sub:add:<index>` for DEFAULT_FEEDS. */
const REMOVE_PREFIX = "sub:rm:";
const ADD_DEFAULT_PREFIX = "sub:add:";

const COMMANDS: readonly CommandInfo[] = (
  [
    ["subscribe", "cmdSubscribe"],
    ["subscriptions", "cmdSubscriptions"],
    ["unsubscribe", "cmdUnsubscribe"],
    ["digest", "cmdDigest"],
    ["timezone", "cmdTimezone"],
  ] as const
).map(([command, key]) => ({ command, description: inEachLang(key) }));

export interface SubscriptionsFeature extends BotFeature {
  /** The digest machinery, once the feature is registered. */
  digests(): Digests | undefined;
  /** Button rows offering DEFAULT_FEEDS (for /start); empty when none are configured. */
  defaultFeedButtons(lang: Lang): InlineKeyboardButton[][];
}

/** The subscriptions feature. `overrides` lets tests and benches adjust the digest machinery (pacing, lease). */
export function subscriptionsFeature(
  overrides: Partial<Omit<DigestsDeps, "config" | "store">> = {},
): SubscriptionsFeature {
  let digests: Digests | undefined;
  let defaultFeeds: readonly string[] = [];

  return {
    name: "subscriptions",
    commands: COMMANDS,
    digests: () => digests,
    startButtons(lang) {
      return this.defaultFeedButtons(lang);
    },
    defaultFeedButtons(lang) {
      if (defaultFeeds.length === 0) return [];
      return [
        [{ text: t(lang, "subDefaultFeeds"), callback_data: "sub:noop" }],
        ...defaultFeeds.map((url, index) => [
          { text: `➕ ${hostOf(url)}`, callback_data: `${ADD_DEFAULT_PREFIX}${index}` },
        ]),
      ];
    },
    register(composer, kit) {
      defaultFeeds = kit.deps.config.digest.defaultFeeds;
      digests = createDigests({
        config: kit.deps.config,
        store: kit.deps.store,
        records: kit.deps.records,
        llm: kit.deps.llm,
        summaryCache: kit.deps.summaryCache,
        send: telegramSender(kit.telegram, { metrics: kit.deps.metrics }),
        clock: kit.deps.clock,
        logger: kit.deps.logger,
        fetchOptions: kit.deps.fetchOptions,
        cpu: kit.deps.cpu,
        stats: kit.deps.stats,
        ...overrides,
      });
      registerHandlers(composer, kit, digests, () => defaultFeeds);
    },
    async forget({ userId }) {
      await digests?.digests.forget(userId);
    },
    start() {
      digests?.start();
    },
    stop() {
      digests?.stop();
    },
  };
}

/** What the handlers share: the feature kit, the digest machinery and how to answer. */
interface Handlers {
  kit: FeatureKit;
  digests: Digests;
  store: Digests["digests"];
  defaultFeeds: () => readonly string[];
  say(ctx: BotContext, html: string, keyboard?: InlineKeyboardButton[][]): Promise<{ message_id: number }>;
  /** Edits the placeholder into `html` (a new message if it is gone). */
  sayIn(ctx: BotContext, placeholderId: number, html: string): Promise<unknown>;
  settingsOf(ctx: BotContext): Promise<DigestSettings>;
  saveSettings(ctx: BotContext, settings: DigestSettings): Promise<unknown>;
}

function registerHandlers(
  composer: Composer<BotContext>,
  kit: FeatureKit,
  digests: Digests,
  defaultFeeds: () => readonly string[],
) {
  const handlers = handlersFor(kit, digests, defaultFeeds);
  registerSubscribe(composer, handlers);
  registerListAndUnsubscribe(composer, handlers);
  registerDigestCommand(composer, handlers);
  registerTimezone(composer, handlers);
  registerButtons(composer, handlers);
}

function handlersFor(kit: FeatureKit, digests: Digests, defaultFeeds: () => readonly string[]): Handlers {
  const { config } = kit.deps;
  const store = digests.digests;
  const outgoing = (html: string, keyboard?: InlineKeyboardButton[][]) => ({
    html,
    text: htmlToText(html),
    ...(keyboard && keyboard.length > 0 ? { keyboard: { inline_keyboard: keyboard } } : {}),
  });
  const say = (ctx: BotContext, html: string, keyboard?: InlineKeyboardButton[][]) =>
    sendRich({ ...kit.send, telegram: ctx.telegram }, ctx.jb.chatId, outgoing(html, keyboard));
  /** Edits the placeholder into `html` (a new message if it is gone). */
  const sayIn = (ctx: BotContext, placeholderId: number, html: string) =>
    editRich({ ...kit.send, telegram: ctx.telegram }, ctx.jb.chatId, placeholderId, outgoing(html));

  const settingsOf = async (ctx: BotContext): Promise<DigestSettings> =>
    (await store.settings.get(String(ctx.jb.userId))) ?? {
      chatId: ctx.jb.chatId,
      time: config.digest.defaultTime,
      timezone: config.digest.defaultTimezone,
      enabled: true,
      sendEmpty: false,
    };
  const saveSettings = (ctx: BotContext, settings: DigestSettings) =>
    store.settings.set(String(ctx.jb.userId), settings);

  return { kit, digests, store, defaultFeeds, say, sayIn, settingsOf, saveSettings };
}

const feedUrlOf = (input: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);

/**
 * Answers at once ("Looking for the feed at …"), then finds, records and subscribes in the job
 * queue (fetching may take seconds) and edits the answer in.
 */
async function startSubscribing(handlers: Handlers, ctx: BotContext, input: string) {
  const { say, sayIn } = handlers;
  const { jobs } = handlers.kit.deps;
  const lang = ctx.jb.lang;
  const placeholder = await say(ctx, escapeHtml(t(lang, "subLooking", { url: feedUrlOf(input) })));
  await ctx.sendChatAction("typing").catch(() => undefined);
  const queued = jobs.add("subscribe", () => subscribeTo(handlers, ctx, input, placeholder.message_id));
  if (!queued) await sayIn(ctx, placeholder.message_id, escapeHtml(describeError(lang, queueFull())));
}

async function subscribeTo(handlers: Handlers, ctx: BotContext, input: string, placeholderId: number) {
  const { kit, digests, store, sayIn, settingsOf, saveSettings } = handlers;
  const { logger } = kit.deps;
  const lang = ctx.jb.lang;
  const url = feedUrlOf(input);
  const say = (_ctx: BotContext, html: string) => sayIn(ctx, placeholderId, html);
  try {
    const resolved = await resolveFeed(url, { fetchOptions: kit.deps.fetchOptions });
    const feedId = await digests.poller.addFeed(resolved);
    const already = (await store.subsOf.get(`${ctx.jb.userId}:${feedId}`)) !== undefined;
    await store.subscribe(feedId, ctx.jb.userId, new Date(kit.deps.clock.now()).toISOString());
    const settings = await settingsOf(ctx);
    await saveSettings(ctx, { ...settings, chatId: settings.chatId ?? ctx.jb.chatId });
    const title = escapeHtml(resolved.feed.title);
    if (already) {
      await say(ctx, t(lang, "subAlready", { title }));
      return;
    }
    const newest = resolved.feed.items[0];
    const href = safeHref(newest?.link);
    const item = newest
      ? href
        ? `<a href="${escapeHtml(href)}">${escapeHtml(newest.title)}</a>`
        : escapeHtml(newest.title)
      : "";
    await say(
      ctx,
      t(lang, "subSubscribed", {
        title,
        latest: item ? t(lang, "subLatest", { item }) : "",
        time: settings.time,
        zone: escapeHtml(settings.timezone),
      }),
    );
  } catch (error) {
    if (isJianbaoError(error) && error.code === ErrorCode.FeedNotFound) {
      await say(ctx, t(lang, "subFeedNotFound", { url: escapeHtml(url) }));
    } else {
      logger.info("subscribe failed", { userId: ctx.jb.userId, code: (error as { code?: unknown }).code });
      await say(ctx, escapeHtml(describeError(lang, error)));
    }
  }
}

async function listMessage(
  handlers: Handlers,
  ctx: BotContext,
): Promise<{ html: string; keyboard: InlineKeyboardButton[][] }> {
  const { store, settingsOf } = handlers;
  const lang = ctx.jb.lang;
  const subs = await store.subscriptionsOf(ctx.jb.userId);
  if (subs.length === 0) return { html: escapeHtml(t(lang, "subNone")), keyboard: [] };
  const settings = await settingsOf(ctx);
  const feeds = await Promise.all(subs.map(async (sub) => ({ sub, feed: await store.feeds.get(sub.feedId) })));
  const state = settings.enabled
    ? t(lang, "digestStateOn", { time: settings.time, zone: settings.timezone })
    : t(lang, "digestStateOff");
  let html = `${escapeHtml(t(lang, "subList", { count: subs.length, state }))}\n`;
  // Many feeds must still fit one message: lines while they fit, then "… N more".
  let shown = 0;
  for (const [index, { feed }] of feeds.entries()) {
    const href = safeHref(feed?.siteUrl ?? feed?.url);
    const title = escapeHtml(clip((feed?.title ?? "?").trim(), LIST_TITLE_CHARS));
    const line = `\n${index + 1}. ${href ? `<a href="${escapeHtml(href)}">${title}</a>` : title}`;
    if (html.length + line.length > LIST_MAX_CHARS) break;
    html += line;
    shown += 1;
  }
  if (shown < feeds.length) html += `\n${escapeHtml(t(lang, "subListMore", { count: feeds.length - shown }))}`;
  return {
    html,
    keyboard: feeds.slice(0, Math.min(shown, LIST_MAX_BUTTONS)).map(({ sub, feed }, index) => [
      {
        text: `✖ ${index + 1}. ${clip((feed?.title ?? "?").trim(), 40)}`,
        callback_data: `${REMOVE_PREFIX}${sub.feedId}`,
      },
    ]),
  };
}

function registerSubscribe(composer: Composer<BotContext>, handlers: Handlers) {
  const { say } = handlers;
  composer.command("subscribe", async (ctx) => {
    const input = ctx.payload.trim().split(/\s+/)[0] ?? "";
    if (!input) {
      await say(ctx, escapeHtml(t(ctx.jb.lang, "subUsage")));
      return;
    }
    await startSubscribing(handlers, ctx, input);
  });
}

function registerListAndUnsubscribe(composer: Composer<BotContext>, handlers: Handlers) {
  const { say, store } = handlers;
  composer.command("subscriptions", async (ctx) => {
    const { html, keyboard } = await listMessage(handlers, ctx);
    await say(ctx, html, keyboard);
  });

  composer.command("unsubscribe", async (ctx) => {
    const lang = ctx.jb.lang;
    const input = ctx.payload.trim();
    if (!input) {
      await say(ctx, escapeHtml(t(lang, "unsubUsage")));
      return;
    }
    const wanted = normaliseUrl(input);
    const subs = await store.subscriptionsOf(ctx.jb.userId);
    for (const sub of subs) {
      const feed = await store.feeds.get(sub.feedId);
      const matches =
        sub.feedId === feedIdOf(input) ||
        (feed && [feed.url, feed.siteUrl].some((candidate) => candidate && normaliseUrl(candidate) === wanted));
      if (!matches) continue;
      await store.unsubscribe(sub.feedId, ctx.jb.userId);
      await say(ctx, t(lang, "subUnsubscribed", { title: escapeHtml(feed?.title ?? input) }));
      return;
    }
    await say(ctx, t(lang, "subNotSubscribed", { url: escapeHtml(input) }));
  });
}

function registerDigestCommand(composer: Composer<BotContext>, handlers: Handlers) {
  const { digests, store, say, settingsOf, saveSettings } = handlers;
  const { config, jobs } = handlers.kit.deps;
  composer.command("digest", async (ctx) => {
    const lang = ctx.jb.lang;
    const arg = ctx.payload.trim().toLowerCase();
    const settings = await settingsOf(ctx);
    const zone = escapeHtml(settings.timezone);
    const minutes = parseTimeOfDay(arg);
    if (minutes !== undefined) {
      const time = formatTimeOfDay(minutes);
      await saveSettings(ctx, { ...settings, time, enabled: true });
      await say(ctx, escapeHtml(t(lang, "digestTimeSet", { time, zone: settings.timezone })));
      return;
    }
    switch (arg) {
      case "on":
        await saveSettings(ctx, { ...settings, enabled: true, deactivated: undefined, chatId: ctx.jb.chatId });
        await say(ctx, t(lang, "digestOn", { time: settings.time, zone }));
        return;
      case "off":
        await saveSettings(ctx, { ...settings, enabled: false });
        await say(ctx, escapeHtml(t(lang, "digestOff")));
        return;
      case "quiet":
      case "loud":
        await saveSettings(ctx, { ...settings, sendEmpty: arg === "loud" });
        await say(ctx, escapeHtml(t(lang, arg === "loud" ? "digestLoud" : "digestQuiet")));
        return;
      case "now": {
        if ((await store.subscriptionsOf(ctx.jb.userId)).length === 0) {
          await say(ctx, escapeHtml(t(lang, "digestNowNoSubs")));
          return;
        }
        if (!(await store.settings.get(String(ctx.jb.userId)))) await saveSettings(ctx, settings);
        if (!(await ctx.jb.spend())) return;
        const queued = jobs.add("digest-now", async () => {
          const result = await digests.scheduler.sendNow(ctx.jb.userId);
          if (!result || result.outcome === "failed") await say(ctx, escapeHtml(t(lang, "digestNowFailed")));
        });
        if (!queued) await say(ctx, escapeHtml(t(lang, "digestNowFailed")));
        return;
      }
    }
    if (/^\d{1,2}$/.test(arg)) {
      const items = Math.min(MAX_ITEMS_CHOICE, Math.max(1, Number(arg)));
      await saveSettings(ctx, { ...settings, maxItems: items });
      await say(ctx, escapeHtml(t(lang, "digestItemsSet", { items })));
      return;
    }
    const state = settings.enabled
      ? t(lang, "digestStateOn", { time: settings.time, zone: settings.timezone })
      : t(lang, "digestStateOff");
    await say(
      ctx,
      escapeHtml(
        t(lang, "digestUsage", {
          state,
          empty: t(lang, settings.sendEmpty ? "digestEmptyLoud" : "digestEmptyQuiet"),
          items: settings.maxItems ?? config.digest.maxItems,
        }),
      ),
    );
  });
}

function registerTimezone(composer: Composer<BotContext>, handlers: Handlers) {
  const { say, settingsOf, saveSettings } = handlers;
  composer.command("timezone", async (ctx) => {
    const lang = ctx.jb.lang;
    const arg = ctx.payload.trim();
    const settings = await settingsOf(ctx);
    if (!arg) {
      await say(ctx, escapeHtml(t(lang, "timezoneUsage", { zone: settings.timezone })));
      return;
    }
    // Intl accepts any letter case and links (Asia/Calcutta); store its canonical spelling.
    if (!/^[A-Za-z_+\-/0-9]+$/.test(arg) || !isValidTimeZone(arg)) {
      await say(ctx, escapeHtml(t(lang, "timezoneBad", { zone: arg })));
      return;
    }
    const zone = new Intl.DateTimeFormat("en", { timeZone: arg }).resolvedOptions().timeZone;
    await saveSettings(ctx, { ...settings, timezone: zone });
    await say(ctx, escapeHtml(t(lang, "timezoneSet", { zone, time: settings.time })));
  });
}

function registerButtons(composer: Composer<BotContext>, handlers: Handlers) {
  const { kit, store, say, defaultFeeds } = handlers;
  const { config, records, jobs, logger } = kit.deps;
  composer.on("callback_query", async (ctx, next) => {
    const data = "data" in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
    if (!data) return next();
    const lang = ctx.jb.lang;
    if (data.startsWith(REMOVE_PREFIX)) {
      const feedId = data.slice(REMOVE_PREFIX.length);
      const feed = await store.feeds.get(feedId);
      await store.unsubscribe(feedId, ctx.jb.userId);
      await ctx
        .answerCbQuery(htmlToText(t(lang, "subUnsubscribed", { title: escapeHtml(feed?.title ?? "") })))
        .catch(() => undefined);
      const { html, keyboard } = await listMessage(handlers, ctx);
      await ctx
        .editMessageText(html, {
          parse_mode: "HTML",
          reply_markup: { inline_keyboard: keyboard },
          link_preview_options: { is_disabled: true },
        })
        .catch(() => undefined);
      return;
    }
    if (data.startsWith(ADD_DEFAULT_PREFIX)) {
      const url = defaultFeeds()[Number(data.slice(ADD_DEFAULT_PREFIX.length))];
      await ctx.answerCbQuery().catch(() => undefined);
      if (url) await startSubscribing(handlers, ctx, url);
      return;
    }
    if (data.startsWith(DIGEST_CALLBACK.summary) || data.startsWith(DIGEST_CALLBACK.ask)) {
      const isSummary = data.startsWith(DIGEST_CALLBACK.summary);
      const articleId = data.slice(DIGEST_CALLBACK.summary.length);
      await ctx.answerCbQuery().catch(() => undefined);
      const stored = await records.articles.get(articleId);
      if (!stored) {
        await say(ctx, escapeHtml(t(lang, "digestItemGone")));
        return;
      }
      if (!isSummary) {
        await rememberChatArticle(kit.deps.reading, ctx.jb.chatId, articleId);
        await say(ctx, escapeHtml(t(lang, "digestAskPrompt", { title: stored.article.title })));
        return;
      }
      const user = await records.users.get(String(ctx.jb.userId));
      const summaryLang = summaryLangFor(user, stored.article.lang, config.bot.defaultLang);
      if (!(await ctx.jb.spend())) return;
      const queued = jobs.add("digest-summary", async () => {
        try {
          // The digest made this summary already (poller.ts); summarizeArticle serves it as a cache hit.
          const known = await store.summaryOf(articleId, summaryLang);
          const summary = await summarizeArticle(kit.deps.reading, stored.article, {
            lang: summaryLang,
            readerLang: lang,
            ...(known ? { known } : {}),
          });
          const chatId = ctx.jb.chatId;
          const rendered = summaryMessage(kit, { summary, article: stored.article, articleId, chatId, lang });
          const message = await sendRich({ ...kit.send, telegram: ctx.telegram }, chatId, rendered);
          await rememberSummary(kit.deps.reading, { chatId, messageId: message.message_id, articleId });
        } catch (error) {
          if (isForbidden(error)) return;
          logger.warn("digest item summary failed", {
            chatId: ctx.jb.chatId,
            code: (error as { code?: unknown }).code,
          });
          await say(ctx, escapeHtml(describeError(lang, error))).catch(() => undefined);
        }
      });
      if (!queued) await say(ctx, escapeHtml(describeError(lang, queueFull())));
      return;
    }
    return next();
  });
}

/** What the job queue's refusal means to the person: busy, try again shortly. */
function queueFull(): JianbaoError {
  return new JianbaoError(ErrorCode.Busy, "The job queue is full; the command was not taken");
}

function normaliseUrl(url: string): string {
  return url
    .trim()
    .replace(/^https?:\/\//i, "")
    .replace(/^www\./i, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return url;
  }
}
