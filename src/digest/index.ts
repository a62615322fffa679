/**
 * Daily digests, assembled: the poller, the scheduler, the paced delivery queue and the ledger,
 * built from the bot's dependencies. The subscriptions feature (src/bot/subscriptions.ts) creates one
 * and starts it with the bot; benches and tests build one directly.
 */

import type { Telegram } from "telegraf";
import type { Config } from "../config.js";
import type { LlmClient } from "../llm/client.js";
import { type Logger, silentLogger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { ReadingDeps } from "../pipeline/read.js";
import { leaseOwner } from "../store/jobs.js";
import type { Records } from "../store/records.js";
import type { Collection, Store } from "../store/store.js";
import { DAY_MS } from "../text/dates.js";
import type { Summary } from "../types.js";
import type { CpuWork } from "../workers/cpu.js";
import {
  type Clock,
  classifySendError,
  DeliveryQueue,
  type DeliveryQueueOptions,
  DigestDelivery,
  type SendPart,
  systemClock,
} from "./delivery.js";
import type { FetchPage } from "./feeds.js";
import { createPoller, type Poller, type PollerDeps } from "./poller.js";
import { createDigestScheduler, type DigestScheduler } from "./scheduler.js";
import { type DigestStore, digestStore } from "./store.js";

export interface DigestsDeps {
  config: Config;
  store: Store;
  records?: Records;
  llm?: LlmClient;
  summaryCache?: Collection<Summary>;
  /** Sends one digest part; see `telegramSender`. */
  send: SendPart;
  clock?: Clock;
  logger?: Logger;
  fetchPage?: FetchPage;
  fetchOptions?: PollerDeps["fetchOptions"];
  /** The CPU stages for cleaning items and offline summaries. @default inlineCpu */
  cpu?: CpuWork;
  /** /stats counters: the bot's, so the digest's summaries and tokens are counted with everyone's. */
  stats?: ReadingDeps["stats"];
  /** Pacing overrides (benches scale time; tests shorten it). */
  queue?: Omit<DeliveryQueueOptions, "send" | "logger">;
  /** Lease of a digest, a feed poll and a summary claim. @default config.service.jobLeaseMs (JOB_LEASE_MS) */
  leaseMs?: number;
}

export interface Digests {
  digests: DigestStore;
  poller: Poller;
  scheduler: DigestScheduler;
  delivery: DigestDelivery;
  queue: DeliveryQueue;
  /** Starts the per-minute poll and digest ticks. */
  start(): void;
  /** Stops the ticks and the queue (unsent parts stay in the ledger and are resumed on the next start). */
  stop(): void;
}

/** What a digest send reports to the bot's metrics. */
export interface SenderKit {
  metrics?: Pick<Metrics, "digestMessages" | "telegram429">;
}

/**
 * A SendPart over telegraf's API client: HTML, no link previews, one button row per article. The bot's client has
 * the transport under it, so a digest part takes its slot from the same pacer as the replies (one budget, across
 * replicas) and a 429 pauses both; a 429 that outlasts the transport's budget goes to the delivery queue's retry.
 */
export function telegramSender(telegram: Telegram, kit?: SenderKit): SendPart {
  return async (chatId, part) => {
    const message = await telegram
      .sendMessage(chatId, part.text, {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(part.buttons.length > 0
          ? {
              reply_markup: {
                inline_keyboard: part.buttons.map((row) =>
                  row.map((button) => ({ text: button.text, callback_data: button.data })),
                ),
              },
            }
          : {}),
      })
      .catch((error: unknown) => {
        if (classifySendError(error).kind === "rate-limited") kit?.metrics?.telegram429.inc({ source: "digest" });
        throw error;
      });
    kit?.metrics?.digestMessages.inc();
    return message.message_id;
  };
}

/** Builds the digest machinery (nothing runs until `start`). */
export function createDigests(deps: DigestsDeps): Digests {
  const { config, store } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const digests = digestStore(store);
  const graceMs = config.digest.graceHours * 3_600_000;
  // The transport under `send` paces every call against the one shared budget; this queue keeps one replica's
  // digests from queueing faster than that budget allows at all.
  const queue = new DeliveryQueue({
    send: deps.send,
    logger,
    ratePerSecond: config.telegram.maxPerSecond,
    ...deps.queue,
  });
  const leaseMs = deps.leaseMs ?? config.service.jobLeaseMs;
  // One owner per instance (two digest machines in one process, as in tests, must not share leases).
  const replicaId = leaseOwner(config.service.replicaId);
  const delivery = new DigestDelivery({ digests, queue, clock, graceMs, leaseMs, replicaId, logger });
  const poller = createPoller({
    store,
    records: deps.records,
    digests,
    llm: deps.llm,
    summaryCache: deps.summaryCache,
    defaultLang: config.bot.defaultLang,
    pollMinutes: config.digest.pollMinutes,
    articleRetentionMs: config.store.articleRetentionDays * DAY_MS,
    maxInputTokens: config.llm.maxInputTokens,
    // config.fetch holds exactly the fetcher's limits (FETCH_*): feed and item URLs are as hostile as any link.
    fetchOptions: deps.fetchOptions ?? config.fetch,
    fetchPage: deps.fetchPage,
    ...(deps.cpu ? { cpu: deps.cpu } : {}),
    ...(deps.stats ? { stats: deps.stats } : {}),
    clock,
    logger,
    leaseMs,
    replicaId,
  });
  const scheduler = createDigestScheduler({
    digests,
    delivery,
    records: deps.records,
    clock,
    logger,
    maxItems: config.digest.maxItems,
    graceMs,
    tickSeconds: config.digest.tickSeconds,
    defaultLang: config.bot.defaultLang,
  });
  return {
    digests,
    poller,
    scheduler,
    delivery,
    queue,
    start() {
      poller.start();
      scheduler.start();
    },
    stop() {
      poller.stop();
      scheduler.stop();
      queue.stop();
    },
  };
}
