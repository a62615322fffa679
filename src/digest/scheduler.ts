/**
 * The digest scheduler: a per-minute tick finds people whose local digest time has come (schedule.ts),
 * composes their digest from items new since their last one (compose.ts), and hands it to delivery
 * through the ledger (delivery.ts). It also resumes digests left half-sent by a crash.
 */
import cron, { type ScheduledTask } from "node-cron";
import PQueue from "p-queue";
import { type Logger, silentLogger } from "../log.js";
import { interfaceLang, records as openRecords, type Records, type UserRecord } from "../store/records.js";
import type { LangChoice, Summary } from "../types.js";
import { composeDigest, type DigestEntry } from "./compose.js";
import {
  type Clock,
  type DeliveryOutcome,
  type DigestDelivery,
  type DigestRunResult,
  systemClock,
} from "./delivery.js";
import { summaryLangFor } from "./poller.js";
import { digestDue, localDate, parseTimeOfDay } from "./schedule.js";
import type {
  DigestPart,
  DigestSettings,
  DigestStore,
  FeedRecord,
  ItemRecord,
  LastDigest,
  SubscriptionRecord,
} from "./store.js";

/**
 * Digests between "due" and "finished" at once. Enough to keep Telegram's 30/s busy even when every digest
 * has several parts (a chat sends one part a second), few enough that 100,000 people due at the same minute
 * do not all sit in memory composed at once.
 */
const DEFAULT_DIGESTS_IN_FLIGHT = 500;
/**
 * Items a feed listed when the person subscribed are not news, but a first digest saying "nothing new" right
 * after "Subscribed… Latest: X" reads as broken: a first digest with nothing new from a feed shows this many of them.
 */
const FIRST_DIGEST_LISTED_ITEMS = 3;

export interface SchedulerDeps {
  /** @default 500 */
  maxDigestsInFlight?: number;
  digests: DigestStore;
  delivery: DigestDelivery;
  /** @default records(digests.store) */
  records?: Records;
  clock?: Clock;
  logger?: Logger;
  /** DIGEST_MAX_ITEMS */
  maxItems: number;
  /** DIGEST_GRACE_HOURS in ms */
  graceMs: number;
  /** DIGEST_TICK_SECONDS: seconds between ticks (1–60). @default 60 */
  tickSeconds?: number;
  /** DEFAULT_LANG */
  defaultLang: LangChoice;
}

export interface TickReport {
  /** People whose digest was due and not yet claimed. */
  due: number;
  /** Half-sent digests taken over. */
  resumed: number;
  /** Resolves when every digest started by this tick is finished or given up. */
  done: Promise<DigestRunResult[]>;
}

/** Per-tick memo: a feed's items and a summary are read once per tick, not once per person. */
interface TickCache {
  /** Everyone's subscriptions by person, loaded with one scan (a prefix scan per person is a table scan each on SQLite). */
  subscriptions?: Map<number, SubscriptionRecord[]>;
  feeds: Map<string, Promise<FeedRecord | undefined>>;
  items: Map<string, Promise<Array<{ id: string; value: ItemRecord }>>>;
  summaries: Map<string, Promise<Summary | undefined>>;
}

export interface DigestScheduler {
  /** Runs one tick at the clock's now. */
  tick(): Promise<TickReport>;
  /** Composes what is new since the person's last digest and sends it now (/digest now); undefined when they have no settings. */
  sendNow(userId: number): Promise<{ parts: number; outcome: DeliveryOutcome } | undefined>;
  /** Composes a person's digest without sending it (previews, tests). */
  compose(
    userId: number,
    settings: DigestSettings,
    options: { localDate: string; sendEmpty: boolean },
  ): Promise<DigestPart[]>;
  start(): void;
  stop(): void;
}

export function createDigestScheduler(deps: SchedulerDeps): DigestScheduler {
  let task: ScheduledTask | undefined;
  let ticking = false;
  const ctx = schedulerContext(deps);
  const { clock, delivery, digests, logger, newCache, window } = ctx;
  return {
    tick: () => tick(ctx),
    compose: (userId, settings, options) =>
      composeFor(ctx, userId, settings, { ...options, until: clock.now() }, newCache()),
    async sendNow(userId) {
      const settings = await digests.settings.get(String(userId));
      if (!settings) return undefined;
      const now = clock.now();
      const date = localDate(now, settings.timezone);
      let parts = 0;
      // Through the ledger like every digest: composed and recorded before anything moves, so a crash mid-way
      // resumes the rest (staleEntries) instead of losing the items. Its own ledger id leaves today's scheduled one alone.
      const result = await delivery.deliver({
        userId,
        chatId: settings.chatId,
        localDate: `${date}@${now}`,
        compose: async () => {
          const composed = await composeFor(
            ctx,
            userId,
            settings,
            { localDate: date, sendEmpty: true, until: now },
            newCache(),
          );
          parts = composed.length;
          return composed;
        },
        // Keep the daily mark's date: /digest now does not replace today's scheduled digest, it only moves "since".
        afterCompose: async () => {
          const last = await digests.last.get(String(userId));
          await digests.last.set(String(userId), { ...last, at: new Date(now).toISOString() });
        },
      });
      const outcome: DeliveryOutcome =
        result === "blocked" ? "blocked" : result === "sent" || result === "empty" ? "sent" : "failed";
      return { parts, outcome };
    },
    start() {
      void delivery.start().catch((error: unknown) => logger.warn("digest heartbeat failed to start", { error }));
      const seconds = deps.tickSeconds ?? 60;
      // node-cron's six-field form ticks on seconds; the default is at second 0 of every minute.
      const expression = seconds >= 60 ? "* * * * *" : `*/${seconds} * * * * *`;
      task ??= cron.schedule(expression, async () => {
        if (ticking) return;
        ticking = true;
        try {
          const report = await tick(ctx);
          if (report.due + report.resumed > 0) logger.info("digests due", { due: report.due, resumed: report.resumed });
          // Deliveries finish in the background (report.done never rejects); the next tick skips digests still in progress.
        } catch (error) {
          logger.error("digest tick failed", { error });
        } finally {
          ticking = false;
        }
      });
    },
    stop() {
      void task?.stop();
      task = undefined;
      // Digests not started yet stay unclaimed: the next start (or another replica) sends them within the grace window.
      window.clear();
      ctx.generation.value += 1;
      void delivery.stop();
    },
  };
}

/** What the steps of createDigestScheduler share. */
type SchedulerContext = ReturnType<typeof schedulerContext>;

function schedulerContext(deps: SchedulerDeps) {
  const { digests, delivery } = deps;
  const records = deps.records ?? openRecords(digests.store);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  // One window across ticks: a digest still waiting from an earlier tick is not queued again by the next.
  const window = new PQueue({ concurrency: deps.maxDigestsInFlight ?? DEFAULT_DIGESTS_IN_FLIGHT });
  const queued = new Set<string>();

  // Bumped by stop(): a tick still feeding its due list stops adding to the window.
  const generation = { value: 0 };
  // Due lists being fed into the window now.
  const feeding = { value: 0 };
  const newCache = (): TickCache => ({ feeds: new Map(), items: new Map(), summaries: new Map() });
  const memo = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let value = map.get(key);
    if (!value) {
      value = load();
      map.set(key, value);
    }
    return value;
  };

  return { clock, delivery, deps, digests, feeding, generation, logger, memo, newCache, queued, records, window };
}

async function entriesFor(
  ctx: SchedulerContext,
  userId: number,
  user: UserRecord | undefined,
  since: number,
  until: number,
  cache: TickCache,
) {
  const { deps, digests, memo } = ctx;
  const entries: DigestEntry[] = [];
  const subscriptions = cache.subscriptions
    ? (cache.subscriptions.get(userId) ?? [])
    : await digests.subscriptionsOf(userId);
  for (const sub of subscriptions) {
    const feed = await memo(cache.feeds, sub.feedId, () => digests.feeds.get(sub.feedId));
    if (!feed) continue;
    const subscribedAt = Date.parse(sub.since);
    const from = Math.max(since, subscribedAt);
    const items = await memo(cache.items, sub.feedId, () => digests.items.list(`${sub.feedId}:`));
    const entryFor = async (item: ItemRecord): Promise<DigestEntry> => {
      let summary: Summary | undefined;
      if (item.articleId) {
        const key = `${item.articleId}:${summaryLangFor(user, item.lang ?? "und", deps.defaultLang)}`;
        summary = await memo(cache.summaries, key, () => digests.summaries.get(key));
      }
      return {
        feedTitle: feed.title,
        title: item.title,
        link: item.link,
        bullets: summary?.bullets ?? (item.snippet ? [item.snippet] : []),
        ...(item.articleId ? { articleId: item.articleId } : {}),
        published: item.published ?? item.firstSeen,
      };
    };
    const listedAtSubscription: ItemRecord[] = [];
    let news = 0;
    for (const { value: item } of items) {
      const seen = Date.parse(item.firstSeen);
      if (seen > until) continue;
      if (item.baseline || seen <= from) {
        if (seen <= subscribedAt || item.baseline) listedAtSubscription.push(item);
        continue;
      }
      entries.push(await entryFor(item));
      news += 1;
    }
    // No digest since this subscription and nothing new yet: show what the feed listed then, newest first.
    if (since < subscribedAt && news === 0) {
      const newest = listedAtSubscription
        .sort((a, b) => Date.parse(b.published ?? b.firstSeen) - Date.parse(a.published ?? a.firstSeen))
        .slice(0, FIRST_DIGEST_LISTED_ITEMS);
      for (const item of newest) entries.push(await entryFor(item));
    }
  }
  return entries;
}

async function composeFor(
  ctx: SchedulerContext,
  userId: number,
  settings: DigestSettings,
  options: { localDate: string; sendEmpty: boolean; until: number; last?: LastDigest },
  cache: TickCache,
): Promise<DigestPart[]> {
  const { deps, digests, records } = ctx;
  const user = await records.users.get(String(userId));
  const last = options.last ?? (await digests.last.get(String(userId)));
  const since = last ? Date.parse(last.at) : 0;
  const entries = await entriesFor(ctx, userId, user, since, options.until, cache);
  return composeDigest({
    lang: interfaceLang(user, deps.defaultLang),
    localDate: options.localDate,
    entries,
    maxItems: settings.maxItems ?? deps.maxItems,
    sendEmpty: options.sendEmpty,
  });
}

async function tick(ctx: SchedulerContext): Promise<TickReport> {
  const { clock, delivery, digests, logger, newCache, queued } = ctx;
  const now = clock.now();
  const cache = newCache();
  const runs: Promise<DigestRunResult>[] = [];
  let resumed = 0;

  // A digest that fails (store down mid-delivery) is logged and reported, never left to reject unhandled.
  const guarded = (userId: number, run: Promise<DigestRunResult>) =>
    run.catch((error: unknown) => {
      logger.error("digest delivery failed", { userId, error });
      return "failed" as const;
    });

  for (const stale of await delivery.staleEntries()) {
    resumed += 1;
    runs.push(
      guarded(
        stale.userId,
        delivery.deliver({
          userId: stale.userId,
          chatId: stale.entry.chatId,
          localDate: stale.localDate,
          compose: async () => stale.entry.parts,
        }),
      ),
    );
  }

  // Still feeding an earlier tick's due list: reading everyone's settings again now (100,000 records a minute per
  // replica, while those same digests go out) is what held the sends back. Anyone due since waits for the next tick
  // after the list is fed, well within the grace window; half-sent digests above are resumed either way.
  if (ctx.feeding.value > 0) return { due: 0, resumed, done: Promise.all(runs) };
  const replicas = await delivery.liveReplicas();
  const mine = (userId: string) => digestReplica(userId, replicas) === delivery.replicaId;
  const dueNow = await findDue(ctx, now, mine);
  // Most minute ticks find nobody due: then the subscriptions are not read at all.
  if (dueNow.length > 0) {
    cache.subscriptions = new Map();
    const dueIds = new Set(dueNow.map((digest) => Number(digest.id)));
    for (const { value: sub } of await digests.subsOf.list()) {
      if (!dueIds.has(sub.userId)) continue;
      const list = cache.subscriptions.get(sub.userId) ?? [];
      list.push(sub);
      cache.subscriptions.set(sub.userId, list);
    }
  }
  for (const { id, localDate } of dueNow) queued.add(`${id}:${localDate}`);
  const feeding = feedWindow(ctx, dueNow, (digest) => {
    const userId = Number(digest.id);
    const { settings, last, localDate } = digest;
    return guarded(
      userId,
      delivery.deliver({
        userId,
        chatId: settings.chatId,
        localDate,
        compose: () =>
          composeFor(ctx, userId, settings, { localDate, sendEmpty: settings.sendEmpty, until: now, last }, cache),
        afterCompose: () => digests.last.set(digest.id, { at: new Date(now).toISOString(), localDate }),
      }),
    );
  });
  const done = Promise.all([Promise.all(runs), feeding]).then(([resumedRuns, dueRuns]) => [...resumedRuns, ...dueRuns]);
  return { due: dueNow.length, resumed, done };
}

/** A person whose digest is due this tick, with what composing it needs. */
interface DueDigest {
  id: string;
  settings: DigestSettings;
  last?: LastDigest;
  localDate: string;
}

/**
 * Which live replica composes and sends a person's digests: the one with the highest hash of (person, replica),
 * i.e. rendezvous hashing. Every replica computes the same answer from the same list, each takes about 1/N of
 * the people (and holds only their records while sending), and when a replica joins or dies only its own share
 * moves. Replicas that briefly disagree on the list (one just died or started) both try a digest or leave it
 * for the next tick; the ledger's claim sends it once either way.
 */
export function digestReplica(userId: string, replicas: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestHash = -1;
  for (const replica of replicas) {
    const hash = fnv1a(`${userId}\u0000${replica}`);
    if (hash > bestHash) {
      best = replica;
      bestHash = hash;
    }
  }
  return best;
}

/**
 * FNV-1a, 32 bits, with murmur3's final mix: replica ids differ in their last characters ("bench-1",
 * "bench-2"), which plain FNV-1a spreads poorly. Fast; nothing here needs a cryptographic hash.
 */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Everyone of this replica's share (`mine`) whose digest time has come (in their own time zone) and who is not
 * queued here already.
 */
async function findDue(ctx: SchedulerContext, now: number, mine: (userId: string) => boolean): Promise<DueDigest[]> {
  const { deps, digests, queued } = ctx;
  const lastById = new Map<string, LastDigest>();
  for (const { id, value } of await digests.last.list()) if (mine(id)) lastById.set(id, value);
  const dueNow: DueDigest[] = [];
  for (const { id, value: settings } of await digests.settings.list()) {
    if (!settings.enabled || !mine(id)) continue;
    const minutes = parseTimeOfDay(settings.time);
    if (minutes === undefined) continue;
    const last = lastById.get(id);
    const verdict = digestDue({
      now,
      timeZone: settings.timezone,
      minutes,
      lastDate: last?.localDate,
      graceMs: deps.graceMs,
    });
    if (verdict.status !== "due" || queued.has(`${id}:${verdict.localDate}`)) continue;
    dueNow.push({ id, settings, ...(last ? { last } : {}), localDate: verdict.localDate });
  }
  return dueNow;
}

/**
 * Runs `deliver` for every due digest through the shared window, adding them a window's worth at a time rather
 * than all at once: 100,000 people due at one minute would otherwise be 100,000 queued closures and promise
 * chains held for the whole delivery (measured: the largest part of a replica's heap). Replicas start at a
 * random place in the list, so that they claim different people instead of racing for the same ones in step.
 * Resolves with every result once all are finished; a scheduler stopped meanwhile adds no more (they stay
 * unclaimed for the next start or another replica).
 */
async function feedWindow(
  ctx: SchedulerContext,
  dueNow: DueDigest[],
  deliver: (digest: DueDigest) => Promise<DigestRunResult>,
): Promise<DigestRunResult[]> {
  const { window, queued } = ctx;
  const results: Promise<DigestRunResult>[] = [];
  const generation = ctx.generation.value;
  const offset = Math.floor(Math.random() * dueNow.length);
  const backlog = window.concurrency;
  ctx.feeding.value += 1;
  try {
    for (let index = 0; index < dueNow.length; index += 1) {
      const digest = dueNow[(offset + index) % dueNow.length] as DueDigest;
      const ledgerId = `${digest.id}:${digest.localDate}`;
      if (window.size >= backlog) await window.onSizeLessThan(backlog);
      if (ctx.generation.value !== generation) {
        queued.delete(ledgerId);
        continue;
      }
      const run = window.add(() => deliver(digest)) as Promise<DigestRunResult>;
      results.push(run.finally(() => queued.delete(ledgerId)));
    }
  } finally {
    ctx.feeding.value -= 1;
  }
  return Promise.all(results);
}
