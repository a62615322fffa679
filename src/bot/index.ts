/**
 * The Telegram bot: telegraf wiring. One file per feature; this file composes them in order:
 *
 *   access (ALLOWED_USER_IDS; groups only when addressed) → person (user record, languages)
 *   → rate limit (ctx.jb.spend) → commands (/start /help /lang /forget /stats) → summary buttons
 *   → links → files → pasted pages → …extra features (follow-ups, subscriptions) → fallback reply
 *
 * Text routing (see links.ts and paste.ts):
 *   - a command (/…) goes to whoever registered it; unknown ones end in the fallback;
 *   - text whose words are mostly links → one summary per link (links.ts);
 *   - long text, or a piece arriving while a paste is being collected → pasted page (paste.ts);
 *   - anything else (short text without a link, a reply to the bot) → next(): the follow-up feature
 *     takes questions; if nobody does, the fallback says "send me a link or a page".
 *
 * Extension point: `createBot(deps, { features: [followups, subscriptions] })`. A `BotFeature`
 * registers its handlers on a composer that runs after the built-in ones, may add buttons under every
 * summary (`summaryButtons`), list its commands (help text, setMyCommands), delete what it stores
 * on /forget (`forget`), and run background work (`start`/`stop`, e.g. the digest scheduler).
 */

import { Composer, Telegraf } from "telegraf";
import type { UserFromGetMe } from "telegraf/types";
import { describeError } from "../i18n/errors.js";
import { inEachLang, t } from "../i18n/index.js";
import { createMetrics } from "../metrics.js";
import { createJobLedger } from "../store/jobs.js";
import { interfaceLang, langFromTelegram, records as openRecords } from "../store/records.js";
import { paceLimits, pacerFor } from "../telegram/pacer.js";
import { installTransport, type Transport } from "../telegram/transport.js";
import { DAY_MS } from "../text/dates.js";
import { langOfText } from "../text/lang.js";
import type { Lang, Summary } from "../types.js";
import { inlineCpu } from "../workers/cpu.js";
import { accessControl, textOf } from "./access.js";
import { commands } from "./commands.js";
import type {
  BotContext,
  BotDeps,
  BotFeature,
  CommandInfo,
  FeatureKit,
  ResolvedDeps,
  SummaryButtonInput,
} from "./context.js";
import { fileUploads } from "./files.js";
import { createJobQueue, systemClock } from "./jobs.js";
import { languageButtons } from "./language.js";
import { links } from "./links.js";
import { pastedPages } from "./paste.js";
import { type PastePieces, pastePieces } from "./paste-pieces.js";
import { createRateLimiter } from "./ratelimit.js";
import { registerReading } from "./reading.js";
import { type SendKit, sendRich } from "./send.js";
import { createStats } from "./stats.js";

export type {
  BotContext,
  BotDeps,
  BotFeature,
  CommandInfo,
  FeatureKit,
  Person,
  ResolvedDeps,
  SummaryButtonInput,
} from "./context.js";

export interface CreateBotOptions {
  features?: readonly BotFeature[];
  /** Passed to telegraf (apiRoot from config.telegram.apiRoot by default). */
  telegram?: { apiRoot?: string };
  /** Skip getMe (terminal chat, tests). */
  botInfo?: UserFromGetMe;
  /** Token when config has none (terminal chat). */
  token?: string;
}

export interface BotApp {
  bot: Telegraf<BotContext>;
  kit: FeatureKit;
  features: readonly BotFeature[];
  /** The one transport under every Bot API call (the terminal chat routes it to its screen). */
  transport: Transport;
  /** Every command, built-in first. */
  commands: readonly CommandInfo[];
  /**
   * Registers commands, starts features and the job sweep, then takes updates: long polling (not awaited:
   * telegraf's launch resolves only at stop), or with `webhook` setWebhook (the caller serves it, see server.ts).
   */
  launch(options?: { webhook?: WebhookSettings }): Promise<void>;
  /** Starts features' background work without polling (terminal chat). */
  startFeatures(): Promise<void>;
  /** True while long polling runs (health checks). */
  isPolling(): boolean;
  /** Resolves once no pasted page is being collected and no job is queued or running (terminal chat, tests). */
  settled(): Promise<void>;
  /** Stops polling and features, then drains the job queue within `deadlineMs`. */
  stop(reason?: string, deadlineMs?: number): Promise<void>;
}

/** What setWebhook is told (WEBHOOK_*). */
export interface WebhookSettings {
  url: string;
  secret: string;
  maxConnections: number;
}

/** The updates the bot handles; Telegram sends no others (setWebhook's and getUpdates' allowed_updates). */
export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

export const BUILT_IN_COMMANDS: readonly CommandInfo[] = [
  { command: "start", description: inEachLang("cmdStart") },
  { command: "help", description: inEachLang("cmdHelp") },
  { command: "lang", description: inEachLang("cmdLang") },
  { command: "forget", description: inEachLang("cmdForget") },
  { command: "stats", description: inEachLang("cmdStats") },
];

function resolveDeps(deps: BotDeps): ResolvedDeps {
  const { config } = deps;
  const records = deps.records ?? openRecords(deps.store);
  const clock = deps.clock ?? systemClock;
  const fetchOptions = deps.fetchOptions ?? {
    allowPrivate: config.fetch.allowPrivate,
    timeoutMs: config.fetch.timeoutMs,
    maxBytes: config.fetch.maxBytes,
    maxRedirects: config.fetch.maxRedirects,
  };
  const cpu = deps.cpu ?? inlineCpu;
  const summaryCache = deps.store.collection<Summary>("summary");
  const stats = createStats(deps.store, clock);
  const jobs = deps.jobs ?? createJobQueue({ logger: deps.logger });
  const metrics = deps.metrics ?? createMetrics();
  return {
    ...deps,
    records,
    clock,
    fetchOptions,
    jobs,
    metrics,
    pacer: deps.pacer ?? pacerFor(deps.store, paceLimits(config.telegram.maxPerSecond)),
    ledger:
      deps.ledger ??
      createJobLedger({
        store: deps.store,
        queue: jobs,
        replicaId: config.service.replicaId,
        leaseMs: config.service.jobLeaseMs,
        clock,
        logger: deps.logger,
        onTakeover: () => metrics.jobTakeovers.inc(),
      }),
    fetch: deps.fetch ?? globalThis.fetch,
    cpu,
    summaryCache,
    stats,
    reading: {
      records,
      cpu,
      clock,
      retentionMs: config.store.articleRetentionDays * DAY_MS,
      ...(deps.llm ? { llm: deps.llm } : {}),
      summaryCache,
      maxInputTokens: config.llm.maxInputTokens,
      stats,
      fetchOptions,
      maxUploadBytes: config.bot.maxFileBytes,
    },
  };
}

/** Loads the person's record (creating it on first contact) and their languages. */
function personMiddleware(deps: ResolvedDeps, spend: (ctx: BotContext, cost: number) => Promise<boolean>) {
  return async (ctx: BotContext, next: () => Promise<void>) => {
    const from = ctx.from;
    const chat = ctx.chat;
    if (!from) return;
    const userKey = String(from.id);
    let user = await deps.records.users.get(userKey);
    const telegramLang = from.language_code;
    // Without a language_code (the terminal chat under a C locale), follow the language they write in.
    const message = ctx.message;
    const textLang = telegramLang || !message ? undefined : langOfText(textOf(message).text);
    if (!user || (telegramLang && user.telegramLang !== telegramLang) || (textLang && user.textLang !== textLang)) {
      user = {
        ...(user ?? { firstSeen: new Date(deps.clock.now()).toISOString() }),
        telegramLang,
        ...(textLang ? { textLang } : {}),
      };
      await deps.records.users.set(userKey, user);
    }
    const defaultLang = deps.config.bot.defaultLang;
    const lang: Lang = interfaceLang(user, defaultLang);
    ctx.jb = {
      userId: from.id,
      chatId: chat?.id ?? from.id,
      isPrivate: (chat?.type ?? "private") === "private",
      lang,
      summaryLang: user.lang ?? defaultLang,
      user,
      spend: (cost = 1) => spend(ctx, cost),
    };
    await next();
  };
}

/** The buttons every feature adds under a summary; a feature that throws adds none. */
function summaryButtonsOf(features: readonly BotFeature[], input: SummaryButtonInput, logger: ResolvedDeps["logger"]) {
  return features.flatMap((feature) => {
    try {
      return feature.summaryButtons?.(input) ?? [];
    } catch (error) {
      logger.warn("summaryButtons failed", { feature: feature.name, error });
      return [];
    }
  });
}

/** `ctx.jb.spend`: takes from the person's rate-limit budget; the first refusal in a window says when to retry. */
function rateLimitSpender(deps: ResolvedDeps) {
  const limiter = createRateLimiter({ perMinute: deps.config.bot.rateLimitPerMinute, store: deps.store });
  return async (ctx: BotContext, cost: number) => {
    const verdict = await limiter.take(ctx.jb.userId, cost);
    if (verdict.ok) return true;
    if (verdict.warn) {
      await ctx.reply(t(ctx.jb.lang, "rateLimited", { seconds: verdict.retryInSeconds })).catch((error: unknown) => {
        deps.logger.warn("could not send the rate-limit note", { chatId: ctx.chat?.id, error });
      });
    }
    deps.logger.info("rate limited", { userId: ctx.jb.userId });
    return false;
  };
}

/** Nobody took it: a short hint (commands we don't know, short text, stickers…); buttons nobody handled stop spinning. */
function useFallbacks(bot: Telegraf<BotContext>, send: SendKit) {
  bot.on("message", async (ctx) => {
    const text = "text" in ctx.message ? ctx.message.text : "";
    const key = text.startsWith("/") ? "unknownCommand" : "sendSomething";
    await sendRich(send, ctx.chat.id, { text: t(ctx.jb.lang, key) });
  });
  bot.on("callback_query", async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
  });
}

/** Catch once, at the edge: log ids and codes (no message text), answer politely, keep polling. */
function catchAtTheEdge(bot: Telegraf<BotContext>, send: SendKit) {
  const { logger } = send;
  bot.catch(async (error, ctx) => {
    const code = (error as { code?: unknown }).code;
    logger.error("update failed", { updateId: ctx.update.update_id, updateType: ctx.updateType, code, error });
    const chatId = ctx.chat?.id;
    if (chatId === undefined || (error as { code?: unknown }).code === 403) return;
    const lang = ctx.jb?.lang ?? langFromTelegram(ctx.from?.language_code) ?? "en";
    await sendRich(send, chatId, { text: describeError(lang, error) }).catch((sendError: unknown) => {
      logger.warn("could not tell the person about a failure", { chatId, error: sendError });
    });
  });
}

/** Resolves when no paste is being collected, no job is being recorded and the queue is empty. */
async function settled(deps: ResolvedDeps, pastes: PastePieces) {
  for (;;) {
    // A page started and not yet handed to its job (the placeholder is on its way): setImmediate, as below.
    while (pastes.pending > 0) await new Promise((resolve) => setImmediate(resolve));
    // A job being recorded (ledger.submit) is not on the queue yet: wait for it to get there.
    // (setImmediate, not the clock: a manual clock's sleep would spin without letting the store answer.)
    while (deps.ledger.submitting > 0) await new Promise((resolve) => setImmediate(resolve));
    await deps.jobs.idle();
    if (pastes.pending === 0 && deps.ledger.submitting === 0 && deps.jobs.load === 0) return;
  }
}

/** The command menu in each language (setMyCommands); a failure is logged, not fatal. */
async function publishCommands(
  bot: Telegraf<BotContext>,
  allCommands: readonly CommandInfo[],
  logger: ResolvedDeps["logger"],
) {
  for (const lang of ["en", "zh"] as const) {
    await bot.telegram
      .setMyCommands(
        allCommands.map((item) => ({ command: item.command, description: item.description[lang] })),
        lang === "zh" ? { language_code: "zh" } : {},
      )
      .catch((error: unknown) => logger.warn("setMyCommands failed", { error }));
  }
}

/** Builds the bot. Nothing is sent to Telegram until `launch()` (or the first update). */
export function createBot(deps: BotDeps, options: CreateBotOptions = {}): BotApp {
  const resolved = resolveDeps(deps);
  const { config, logger } = resolved;
  const features = options.features ?? [];
  const token = config.telegram.token ?? options.token ?? "0:terminal";
  const bot = new Telegraf<BotContext>(token, {
    telegram: { apiRoot: options.telegram?.apiRoot ?? config.telegram.apiRoot },
    // Handlers only queue work, so a handler that runs this long is stuck; let the next update through.
    handlerTimeout: 30_000,
  });
  if (options.botInfo) bot.botInfo = options.botInfo;

  // Every Bot API call, replies and digests alike, goes through the one transport: pacing, 429s, HTML fallback, 4096.
  const transport = installTransport(bot, {
    pacer: resolved.pacer,
    clock: resolved.clock,
    logger,
    on429: () => resolved.metrics.telegram429.inc({ source: "reply" }),
  });
  const send: SendKit = { telegram: bot.telegram, logger };
  const kit: FeatureKit = {
    deps: resolved,
    telegram: bot.telegram,
    send,
    summaryButtons: (input) => summaryButtonsOf(features, input, logger),
    botUsername: () => bot.botInfo?.username ?? "",
    pastes: pastePieces({
      store: resolved.store,
      clock: resolved.clock,
      joinMs: config.bot.pasteJoinMs,
      leaseMs: config.service.jobLeaseMs,
      replicaId: config.service.replicaId,
    }),
  };
  registerReading(kit);
  resolved.metrics.watch({ jobQueueDepth: () => resolved.jobs.load });
  const allCommands = [...BUILT_IN_COMMANDS, ...features.flatMap((feature) => feature.commands ?? [])];

  const spend = rateLimitSpender(resolved);

  bot.use((ctx, next) => {
    resolved.metrics.updates.inc({ kind: ctx.updateType, outcome: "handled" });
    return next();
  });
  bot.use(accessControl({ config, logger, isCollectingPaste: kit.pastes.isCollecting }));
  bot.use(personMiddleware(resolved, spend));
  bot.use(commands({ kit, features, commands: allCommands }));
  bot.use(languageButtons(kit));
  bot.use(links(kit));
  bot.use(fileUploads(kit));
  bot.use(pastedPages(kit));
  for (const feature of features) {
    const composer = new Composer<BotContext>();
    feature.register(composer, kit);
    bot.use(composer);
  }
  useFallbacks(bot, send);
  catchAtTheEdge(bot, send);

  let polling = false;
  let featuresStarted = false;
  const startFeatures = async () => {
    if (featuresStarted) return;
    featuresStarted = true;
    for (const feature of features) await feature.start?.(kit);
  };

  return {
    bot,
    kit,
    features,
    transport,
    commands: allCommands,
    startFeatures,
    isPolling: () => polling,
    settled: () => settled(resolved, kit.pastes),
    async launch(launchOptions = {}) {
      bot.botInfo ??= await bot.telegram.getMe();
      await publishCommands(bot, allCommands, logger);
      const { webhook } = launchOptions;
      if (webhook) {
        // Replaces any earlier webhook (and ends long polling elsewhere): Telegram now posts to our server.
        await bot.telegram.setWebhook(webhook.url, {
          secret_token: webhook.secret,
          allowed_updates: [...ALLOWED_UPDATES],
          max_connections: webhook.maxConnections,
        });
      } else {
        polling = true;
        void bot.launch({ dropPendingUpdates: false, allowedUpdates: [...ALLOWED_UPDATES] }).catch((error: unknown) => {
          polling = false;
          logger.error("long polling stopped with an error", { error });
        });
      }
      resolved.ledger.start();
      await startFeatures();
      logger.info("bot started", { username: bot.botInfo.username, features: features.map((feature) => feature.name) });
    },
    async stop(reason = "stop", deadlineMs = 10_000) {
      resolved.ledger.stop();
      if (polling) {
        polling = false;
        try {
          bot.stop(reason);
        } catch {
          // not running
        }
      }
      for (const feature of features) {
        await Promise.resolve(feature.stop?.()).catch((error: unknown) =>
          logger.warn("feature stop failed", { feature: feature.name, error }),
        );
      }
      const drained = await resolved.jobs.drain(deadlineMs);
      if (!drained) {
        // Hand the rest back: their leases end now, so another replica (or the next start) finishes them at once.
        const handedBack = await resolved.ledger.handBack().catch(() => 0);
        logger.warn("stopped with jobs still running; handed back", { load: resolved.jobs.load, handedBack });
      }
    },
  };
}
