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
import { ErrorCode, isJianbaoError } from "../errors.js";
import { rememberChatArticle, rememberSummary, summarizeArticle } from "../pipeline/read.js";
import { escapeHtml, safeHref } from "../pipeline/render.js";
import type { Lang } from "../types.js";
import type { BotContext, BotFeature, CommandInfo, FeatureKit } from "./context.js";
import { describeError } from "./i18n.js";
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

const STRINGS = {
  usageSubscribe: {
    en: "Send /subscribe followed by a feed or a site address, e.g. /subscribe https://example.com/feed.xml",
    zh: "请在 /subscribe 后面加上订阅源或网站地址，例如 /subscribe https://example.com/feed.xml",
  },
  looking: { en: "Looking for the feed at {url}…", zh: "正在查找 {url} 的订阅源…" },
  subscribed: {
    en: "✅ Subscribed to <b>{title}</b>.{latest}\nYour digest comes every day at {time} ({zone}). Change it with /digest HH:MM and /timezone.",
    zh: "✅ 已订阅 <b>{title}</b>。{latest}\n每天 {time}（{zone}）发送简报。可用 /digest HH:MM 和 /timezone 修改。",
  },
  latest: { en: "\nLatest: {item}", zh: "\n最新：{item}" },
  already: { en: "You already follow <b>{title}</b>.", zh: "你已订阅 <b>{title}</b>。" },
  feedNotFound: {
    en: "I could not find a feed at {url}: it is not RSS/Atom/RDF and the page links to none. Try the site's feed address (often /feed or /rss.xml).",
    zh: "在 {url} 没有找到订阅源：它不是 RSS/Atom/RDF，页面里也没有订阅链接。请试试网站的订阅地址（常见为 /feed 或 /rss.xml）。",
  },
  none: {
    en: "You have no subscriptions yet. Send /subscribe <url>.",
    zh: "你还没有订阅。发送 /subscribe <网址> 订阅。",
  },
  list: {
    en: "Your subscriptions ({count}). Digest: {state}. Tap one to remove it.",
    zh: "你的订阅（{count} 个）。简报：{state}。点击可退订。",
  },
  stateOn: { en: "daily at {time} ({zone})", zh: "每天 {time}（{zone}）" },
  stateOff: { en: "off", zh: "已关闭" },
  usageUnsubscribe: {
    en: "Send /unsubscribe followed by the feed's address, or use /subscriptions.",
    zh: "请在 /unsubscribe 后面加上订阅源地址，或使用 /subscriptions。",
  },
  unsubscribed: { en: "Removed <b>{title}</b>.", zh: "已退订 <b>{title}</b>。" },
  listMore: {
    en: "… and {count} more (remove them with /unsubscribe <url>).",
    zh: "……还有 {count} 个（用 /unsubscribe <网址> 退订）。",
  },
  notSubscribed: { en: "You don't follow {url}. See /subscriptions.", zh: "你没有订阅 {url}。查看 /subscriptions。" },
  digestUsage: {
    en: "Digest: {state}; {empty}; up to {items} items.\n/digest HH:MM — time · /digest on|off · /digest now — send one now · /digest quiet|loud — nothing or a short line when there is no news · /digest 5 — items · /timezone Area/City",
    zh: "简报：{state}；{empty}；最多 {items} 条。\n/digest HH:MM 设定时间 · /digest on|off 开关 · /digest now 立即发送 · /digest quiet|loud 无新文章时不发或发一句提示 · /digest 5 设定条数 · /timezone 地区/城市 设定时区",
  },
  emptyQuiet: { en: "silent when nothing is new", zh: "无新文章时不发送" },
  emptyLoud: { en: "a short line when nothing is new", zh: "无新文章时发一句提示" },
  timeSet: { en: "Your digest now comes at {time} ({zone}).", zh: "简报改为每天 {time}（{zone}）发送。" },
  on: { en: "Digests are on: every day at {time} ({zone}).", zh: "简报已开启：每天 {time}（{zone}）。" },
  off: { en: "Digests are off. /digest on starts them again.", zh: "简报已关闭。发送 /digest on 重新开启。" },
  quiet: { en: "When nothing is new, you'll get no digest.", zh: "没有新文章时将不发送简报。" },
  loud: { en: "When nothing is new, you'll get a short line.", zh: "没有新文章时会发一句提示。" },
  itemsSet: { en: "Digests now list up to {items} items.", zh: "简报每次最多列出 {items} 条。" },
  nowNoSubs: {
    en: "You have no subscriptions yet. Send /subscribe <url> first.",
    zh: "你还没有订阅。请先发送 /subscribe <网址>。",
  },
  nowFailed: {
    en: "I could not send the digest right now; please try again later.",
    zh: "暂时无法发送简报，请稍后再试。",
  },
  timezoneUsage: {
    en: "Your time zone is {zone}. Set it with an IANA name, e.g. /timezone Asia/Shanghai or /timezone Europe/Berlin.",
    zh: "你的时区是 {zone}。用 IANA 名称设定，例如 /timezone Asia/Shanghai 或 /timezone Europe/Berlin。",
  },
  timezoneBad: {
    en: "“{zone}” is not a time zone I know. Use an IANA name like Asia/Shanghai, America/New_York or UTC.",
    zh: "不认识时区“{zone}”。请使用 IANA 名称，如 Asia/Shanghai、America/New_York 或 UTC。",
  },
  timezoneSet: {
    en: "Time zone set to {zone}; your digest comes at {time} there.",
    zh: "时区已设为 {zone}；简报在当地 {time} 发送。",
  },
  gone: { en: "That article is no longer stored.", zh: "这篇文章已不在存储中。" },
  askPrompt: {
    en: "Ask me anything about “{title}” — just type your question.",
    zh: "关于《{title}》，想问什么直接输入问题即可。",
  },
  defaultFeeds: { en: "Suggested feeds — tap to subscribe:", zh: "推荐订阅源，点击即可订阅：" },
  cmdSubscribe: { en: "follow a feed or site (daily digest)", zh: "订阅源或网站（每日简报）" },
  cmdSubscriptions: { en: "list and remove subscriptions", zh: "查看和退订" },
  cmdUnsubscribe: { en: "stop following a feed", zh: "退订" },
  cmdDigest: { en: "digest time, on/off, now, quiet/loud", zh: "简报时间、开关、立即发送" },
  cmdTimezone: { en: "your time zone for digests", zh: "简报使用的时区" },
} as const;

type Key = keyof typeof STRINGS;

function s(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  return STRINGS[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) =>
    vars[name] === undefined ? whole : String(vars[name]),
  );
}

const COMMANDS: readonly CommandInfo[] = (
  [
    ["subscribe", "cmdSubscribe"],
    ["subscriptions", "cmdSubscriptions"],
    ["unsubscribe", "cmdUnsubscribe"],
    ["digest", "cmdDigest"],
    ["timezone", "cmdTimezone"],
  ] as const
).map(([command, key]) => ({ command, description: { en: STRINGS[key].en, zh: STRINGS[key].zh } }));

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
        [{ text: s(lang, "defaultFeeds"), callback_data: "sub:noop" }],
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
        send: telegramSender(kit.telegram, {
          pacer: kit.deps.pacer,
          clock: kit.deps.clock,
          metrics: kit.deps.metrics,
        }),
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

function registerHandlers(
  composer: Composer<BotContext>,
  kit: FeatureKit,
  digests: Digests,
  defaultFeeds: () => readonly string[],
) {
  const { config, records, jobs, logger } = kit.deps;
  const store = digests.digests;
  const outgoing = (html: string, keyboard?: InlineKeyboardButton[][]) => ({
    html,
    text: html
      .replace(/<[^>]+>/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&"),
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

  const feedUrlOf = (input: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);

  /**
   * Answers at once ("Looking for the feed at …"), then finds, records and subscribes in the job
   * queue (fetching may take seconds) and edits the answer in.
   */
  const startSubscribing = async (ctx: BotContext, input: string) => {
    const lang = ctx.jb.lang;
    const placeholder = await say(ctx, escapeHtml(s(lang, "looking", { url: feedUrlOf(input) })));
    await ctx.sendChatAction("typing").catch(() => undefined);
    const queued = jobs.add("subscribe", () => subscribeTo(ctx, input, placeholder.message_id));
    if (!queued) await sayIn(ctx, placeholder.message_id, escapeHtml(describeError(lang, new Error("busy"))));
  };

  const subscribeTo = async (ctx: BotContext, input: string, placeholderId: number) => {
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
        await say(ctx, s(lang, "already", { title }));
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
        s(lang, "subscribed", {
          title,
          latest: item ? s(lang, "latest", { item }) : "",
          time: settings.time,
          zone: escapeHtml(settings.timezone),
        }),
      );
    } catch (error) {
      if (isJianbaoError(error) && error.code === ErrorCode.FeedNotFound) {
        await say(ctx, s(lang, "feedNotFound", { url: escapeHtml(url) }));
      } else {
        logger.info("subscribe failed", { userId: ctx.jb.userId, code: (error as { code?: unknown }).code });
        await say(ctx, escapeHtml(describeError(lang, error)));
      }
    }
  };

  composer.command("subscribe", async (ctx) => {
    const input = ctx.payload.trim().split(/\s+/)[0] ?? "";
    if (!input) {
      await say(ctx, escapeHtml(s(ctx.jb.lang, "usageSubscribe")));
      return;
    }
    await startSubscribing(ctx, input);
  });

  const listMessage = async (ctx: BotContext): Promise<{ html: string; keyboard: InlineKeyboardButton[][] }> => {
    const lang = ctx.jb.lang;
    const subs = await store.subscriptionsOf(ctx.jb.userId);
    if (subs.length === 0) return { html: escapeHtml(s(lang, "none")), keyboard: [] };
    const settings = await settingsOf(ctx);
    const feeds = await Promise.all(subs.map(async (sub) => ({ sub, feed: await store.feeds.get(sub.feedId) })));
    const state = settings.enabled
      ? s(lang, "stateOn", { time: settings.time, zone: settings.timezone })
      : s(lang, "stateOff");
    let html = `${escapeHtml(s(lang, "list", { count: subs.length, state }))}\n`;
    // Many feeds must still fit one message: lines while they fit, then "… N more".
    let shown = 0;
    for (const [index, { feed }] of feeds.entries()) {
      const href = safeHref(feed?.siteUrl ?? feed?.url);
      const title = escapeHtml(clipTitle(feed?.title ?? "?", LIST_TITLE_CHARS));
      const line = `\n${index + 1}. ${href ? `<a href="${escapeHtml(href)}">${title}</a>` : title}`;
      if (html.length + line.length > LIST_MAX_CHARS) break;
      html += line;
      shown += 1;
    }
    if (shown < feeds.length) html += `\n${escapeHtml(s(lang, "listMore", { count: feeds.length - shown }))}`;
    return {
      html,
      keyboard: feeds.slice(0, Math.min(shown, LIST_MAX_BUTTONS)).map(({ sub, feed }, index) => [
        {
          text: `✖ ${index + 1}. ${clipTitle(feed?.title ?? "?", 40)}`,
          callback_data: `${REMOVE_PREFIX}${sub.feedId}`,
        },
      ]),
    };
  };

  composer.command("subscriptions", async (ctx) => {
    const { html, keyboard } = await listMessage(ctx);
    await say(ctx, html, keyboard);
  });

  composer.command("unsubscribe", async (ctx) => {
    const lang = ctx.jb.lang;
    const input = ctx.payload.trim();
    if (!input) {
      await say(ctx, escapeHtml(s(lang, "usageUnsubscribe")));
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
      await say(ctx, s(lang, "unsubscribed", { title: escapeHtml(feed?.title ?? input) }));
      return;
    }
    await say(ctx, s(lang, "notSubscribed", { url: escapeHtml(input) }));
  });

  composer.command("digest", async (ctx) => {
    const lang = ctx.jb.lang;
    const arg = ctx.payload.trim().toLowerCase();
    const settings = await settingsOf(ctx);
    const zone = escapeHtml(settings.timezone);
    const minutes = parseTimeOfDay(arg);
    if (minutes !== undefined) {
      const time = formatTimeOfDay(minutes);
      await saveSettings(ctx, { ...settings, time, enabled: true });
      await say(ctx, escapeHtml(s(lang, "timeSet", { time, zone: settings.timezone })));
      return;
    }
    switch (arg) {
      case "on":
        await saveSettings(ctx, { ...settings, enabled: true, deactivated: undefined, chatId: ctx.jb.chatId });
        await say(ctx, s(lang, "on", { time: settings.time, zone }));
        return;
      case "off":
        await saveSettings(ctx, { ...settings, enabled: false });
        await say(ctx, escapeHtml(s(lang, "off")));
        return;
      case "quiet":
      case "loud":
        await saveSettings(ctx, { ...settings, sendEmpty: arg === "loud" });
        await say(ctx, escapeHtml(s(lang, arg)));
        return;
      case "now": {
        if ((await store.subscriptionsOf(ctx.jb.userId)).length === 0) {
          await say(ctx, escapeHtml(s(lang, "nowNoSubs")));
          return;
        }
        if (!(await store.settings.get(String(ctx.jb.userId)))) await saveSettings(ctx, settings);
        if (!(await ctx.jb.spend())) return;
        const queued = jobs.add("digest-now", async () => {
          const result = await digests.scheduler.sendNow(ctx.jb.userId);
          if (!result || result.outcome === "failed") await say(ctx, escapeHtml(s(lang, "nowFailed")));
        });
        if (!queued) await say(ctx, escapeHtml(s(lang, "nowFailed")));
        return;
      }
    }
    if (/^\d{1,2}$/.test(arg)) {
      const items = Math.min(MAX_ITEMS_CHOICE, Math.max(1, Number(arg)));
      await saveSettings(ctx, { ...settings, maxItems: items });
      await say(ctx, escapeHtml(s(lang, "itemsSet", { items })));
      return;
    }
    const state = settings.enabled
      ? s(lang, "stateOn", { time: settings.time, zone: settings.timezone })
      : s(lang, "stateOff");
    await say(
      ctx,
      escapeHtml(
        s(lang, "digestUsage", {
          state,
          empty: s(lang, settings.sendEmpty ? "emptyLoud" : "emptyQuiet"),
          items: settings.maxItems ?? config.digest.maxItems,
        }),
      ),
    );
  });

  composer.command("timezone", async (ctx) => {
    const lang = ctx.jb.lang;
    const arg = ctx.payload.trim();
    const settings = await settingsOf(ctx);
    if (!arg) {
      await say(ctx, escapeHtml(s(lang, "timezoneUsage", { zone: settings.timezone })));
      return;
    }
    // Intl accepts any letter case and links (Asia/Calcutta); store its canonical spelling.
    if (!/^[A-Za-z_+\-/0-9]+$/.test(arg) || !isValidTimeZone(arg)) {
      await say(ctx, escapeHtml(s(lang, "timezoneBad", { zone: arg })));
      return;
    }
    const zone = new Intl.DateTimeFormat("en", { timeZone: arg }).resolvedOptions().timeZone;
    await saveSettings(ctx, { ...settings, timezone: zone });
    await say(ctx, escapeHtml(s(lang, "timezoneSet", { zone, time: settings.time })));
  });

  composer.on("callback_query", async (ctx, next) => {
    const data = "data" in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
    if (!data) return next();
    const lang = ctx.jb.lang;
    if (data.startsWith(REMOVE_PREFIX)) {
      const feedId = data.slice(REMOVE_PREFIX.length);
      const feed = await store.feeds.get(feedId);
      await store.unsubscribe(feedId, ctx.jb.userId);
      await ctx
        .answerCbQuery(s(lang, "unsubscribed", { title: feed?.title ?? "" }).replace(/<[^>]+>/g, ""))
        .catch(() => undefined);
      const { html, keyboard } = await listMessage(ctx);
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
      if (url) await startSubscribing(ctx, url);
      return;
    }
    if (data.startsWith(DIGEST_CALLBACK.summary) || data.startsWith(DIGEST_CALLBACK.ask)) {
      const isSummary = data.startsWith(DIGEST_CALLBACK.summary);
      const articleId = data.slice(DIGEST_CALLBACK.summary.length);
      await ctx.answerCbQuery().catch(() => undefined);
      const stored = await records.articles.get(articleId);
      if (!stored) {
        await say(ctx, escapeHtml(s(lang, "gone")));
        return;
      }
      if (!isSummary) {
        await rememberChatArticle(kit.deps.reading, ctx.jb.chatId, articleId);
        await say(ctx, escapeHtml(s(lang, "askPrompt", { title: stored.article.title })));
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
      if (!queued) await say(ctx, escapeHtml(describeError(lang, new Error("busy"))));
      return;
    }
    return next();
  });
}

function clipTitle(title: string, chars: number): string {
  const points = [...title.trim()];
  return points.length <= chars ? title.trim() : `${points.slice(0, chars - 1).join("")}…`;
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
