/**
 * The feed poller: fetches each subscribed feed with a conditional request, keeps new items,
 * cleans each new item's page (or the feed's own content), stores the article, and summarizes it
 * once per language its subscribers read — through the summary cache, under a claim, so the cost
 * grows with articles × languages, never with subscribers or replicas.
 */

import cron, { type ScheduledTask } from "node-cron";
import PQueue from "p-queue";
import type { LlmClient } from "../llm/client.js";
import { resolveLang } from "../llm/summarize.js";
import { type Logger, silentLogger } from "../log.js";
import { makeArticle } from "../pipeline/clean/article.js";
import { type FetchOptions, fetchPage as realFetchPage } from "../pipeline/fetch.js";
import { cleanSource, type ReadingDeps, type ReadSource, saveArticle, summarizeArticle } from "../pipeline/read.js";
import { holdLease, leaseClockOf, leaseOwner } from "../store/jobs.js";
import { interfaceLang, records as openRecords, type Records, type UserRecord } from "../store/records.js";
import type { Collection, Store } from "../store/store.js";
import { DAY_MS } from "../text/dates.js";
import { plainText } from "../text/html.js";
import type { Article, Lang, LangChoice, Summary } from "../types.js";
import { type CpuWork, inlineCpu } from "../workers/cpu.js";
import { type Clock, systemClock } from "./delivery.js";
import { type FeedItem, type FetchPage, feedIdOf, fetchFeed, itemHashOf, type ResolvedFeed } from "./feeds.js";
import { type DigestStore, digestStore, type FeedRecord, type ItemRecord } from "./store.js";

/** Tunables. */
const DEFAULTS = {
  /** Feeds fetched at once: polite to the network, quick enough for hundreds of feeds. */
  feedConcurrency: 8,
  /** New items processed at once (page fetch + clean + summaries); the model has its own limit (LLM_MAX_CONCURRENCY). */
  itemConcurrency: 8,
  /**
   * Lease of `poll:<feedId>` and of `summarize:<articleId>:<lang>` (JOB_LEASE_MS): held by one replica, renewed
   * every lease/3 while it works and released after, so a replica that dies mid-poll leaves it to another within a lease.
   */
  leaseMs: 60_000,
  /** Characters of the feed's description kept as the digest's fallback line. */
  snippetChars: 240,
  /** New items taken from one poll of one feed: a feed that suddenly lists 500 "new" entries is re-published, not news. */
  maxNewItemsPerPoll: 50,
  /**
   * How long a seen item is remembered for dedupe. Feeds drop entries within weeks; an entry still listed
   * after half a year would come back as news once, which beats keeping every item of every feed forever.
   */
  itemTtlMs: 180 * DAY_MS,
} as const;

export interface PollerDeps {
  store: Store;
  /** @default records(store) */
  records?: Records;
  /** @default digestStore(store) */
  digests?: DigestStore;
  /** Unset → offline summaries. */
  llm?: LlmClient;
  /** The bot's summary cache (same article + language + model → no model call). */
  summaryCache?: Collection<Summary>;
  /** DEFAULT_LANG: the summary language of people who chose none. */
  defaultLang: LangChoice;
  /** FEED_POLL_MINUTES. */
  pollMinutes: number;
  /** How long articles are kept (ARTICLE_RETENTION_DAYS). */
  articleRetentionMs: number;
  maxInputTokens?: number;
  fetchOptions?: Omit<FetchOptions, "accept" | "headers">;
  fetchPage?: FetchPage;
  /** The CPU stages for cleaning items and offline summaries. @default inlineCpu */
  cpu?: CpuWork;
  /** /stats counters (the bot's): summaries made for digests are counted like any other. Unset → not counted. */
  stats?: ReadingDeps["stats"];
  clock?: Clock;
  logger?: Logger;
  feedConcurrency?: number;
  itemConcurrency?: number;
  /** Lease of a feed poll and of a summary being made, renewed every lease/3 while the work goes on. @default 60 s */
  leaseMs?: number;
  /** REPLICA_ID: the owner named in those leases. @default a random id */
  replicaId?: string;
}

export interface PollReport {
  /** Feeds fetched this run. */
  polled: number;
  /** Of those, answered 304 (nothing parsed, nothing summarized). */
  notModified: number;
  newItems: number;
  /** Summaries this replica produced (cache hits included; see the model server for model calls). */
  summaries: number;
  failures: number;
}

/**
 * The summary language for a person and an article: /lang, else DEFAULT_LANG, else the article's own
 * language when zh or en, else the person's interface language.
 */
export function summaryLangFor(user: UserRecord | undefined, articleLang: string, defaultLang: LangChoice): Lang {
  const choice = user?.lang && user.lang !== "auto" ? user.lang : defaultLang;
  return resolveLang(choice, { lang: articleLang }, interfaceLang(user, defaultLang));
}

/**
 * Everyone's language setting, read once per poll: the profile key of each person (all the summary language
 * depends on, see summaryLangFor) and one person's record per key. A feed with thousands of readers then keeps two
 * or three records, not thousands, while its new items are summarized, and the people are read in one scan
 * rather than one read each per feed (with 100,000 people those reads, all in flight at once, held most of a
 * replica's 420–470 MB by the end of bench:digest's poll).
 */
async function readerProfiles(records: Records, defaultLang: LangChoice) {
  const keyOf = (user: UserRecord | undefined) => `${user?.lang ?? ""}|${interfaceLang(user, defaultLang)}`;
  const profileOf = new Map<number, string>();
  const representative = new Map<string, UserRecord | undefined>([[keyOf(undefined), undefined]]);
  for (const { id, value: user } of await records.users.list()) {
    const key = keyOf(user);
    profileOf.set(Number(id), key);
    if (!representative.has(key)) representative.set(key, user);
  }
  /** One record per distinct setting among these readers (undefined: someone with no record, the defaults). */
  return (readers: readonly number[]): Array<UserRecord | undefined> => {
    const keys = new Set(readers.map((userId) => profileOf.get(userId) ?? keyOf(undefined)));
    return [...keys].map((key) => representative.get(key));
  };
}

export interface Poller {
  /** Polls every feed with subscribers whose last poll is older than FEED_POLL_MINUTES (all of them with `force`). */
  pollAll(options?: { force?: boolean }): Promise<PollReport>;
  /**
   * Records a feed a person just subscribed to. A feed seen for the first time keeps its current items
   * as already seen (they are not news), so subscribing costs no summaries. Returns the feed id.
   */
  addFeed(resolved: ResolvedFeed): Promise<string>;
  /** Polls on a per-minute cron tick (each feed every FEED_POLL_MINUTES). */
  start(): void;
  stop(): void;
}

export function createPoller(deps: PollerDeps): Poller {
  let task: ScheduledTask | undefined;
  let running: Promise<PollReport> | undefined;
  const ctx = pollerContext(deps);
  const { logger } = ctx;
  return {
    pollAll: (...args) => pollAll(ctx, ...args),
    addFeed: (...args) => addFeed(ctx, ...args),
    start() {
      // Every minute: pollAll only fetches feeds whose FEED_POLL_MINUTES have passed, so any interval works.
      task ??= cron.schedule("* * * * *", async () => {
        if (running) return;
        running = pollAll(ctx);
        try {
          const report = await running;
          if (report.polled > 0) logger.info("feeds polled", { ...report });
        } catch (error) {
          logger.error("feed poll run failed", { error });
        } finally {
          running = undefined;
        }
      });
    },
    stop() {
      void task?.stop();
      task = undefined;
    },
  };
}

/** What the steps of createPoller share. */
type PollerContext = ReturnType<typeof pollerContext>;

function pollerContext(deps: PollerDeps) {
  const records = deps.records ?? openRecords(deps.store);
  const digests = deps.digests ?? digestStore(deps.store);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const owner = leaseOwner(deps.replicaId ?? "poller");
  let leases = 0;
  // Each poll and each summary is its own owner: two pieces of work in this process exclude each other too.
  const leaseFor = (key: string) => holdLease(deps.store, key, { ...leaseOptions, owner: `${owner}/${++leases}` });
  const leaseOptions = {
    ttlMs: deps.leaseMs ?? DEFAULTS.leaseMs,
    // Expiry by this poller's clock (a manual one in tests); renewals on real timers.
    clock: leaseClockOf(() => clock.now()),
    logger,
  };
  const fetchPage = deps.fetchPage ?? realFetchPage;
  // Items go through the one reading chain (pipeline/read.ts), as public (`web`) articles.
  const reading: ReadingDeps = {
    records,
    cpu: deps.cpu ?? inlineCpu,
    clock,
    retentionMs: deps.articleRetentionMs,
    ...(deps.llm ? { llm: deps.llm } : {}),
    ...(deps.summaryCache ? { summaryCache: deps.summaryCache } : {}),
    ...(deps.maxInputTokens ? { maxInputTokens: deps.maxInputTokens } : {}),
    ...(deps.stats ? { stats: deps.stats } : {}),
    ...(deps.fetchOptions ? { fetchOptions: deps.fetchOptions } : {}),
    fetchPage,
  };
  const nowIso = () => new Date(clock.now()).toISOString();

  return { clock, deps, digests, fetchPage, leaseFor, logger, nowIso, reading, records };
}

async function addFeed(ctx: PollerContext, resolved: ResolvedFeed): Promise<string> {
  const { digests, nowIso } = ctx;
  const feedId = feedIdOf(resolved.url);
  const at = nowIso();
  const known = (await digests.feeds.get(feedId)) !== undefined;
  // A new feed, or a known one nobody read since its last poll: what it lists now is not news to the person subscribing.
  if (!known || (await digests.subscribersOf(feedId)).length === 0) {
    for (const item of resolved.feed.items) {
      const key = `${feedId}:${itemHashOf(item)}`;
      if (known && (await digests.items.get(key))) continue;
      await digests.items.set(key, { ...itemRecord(item, at), baseline: true }, DEFAULTS.itemTtlMs);
    }
  }
  if (known) return feedId;
  await digests.feeds.set(feedId, {
    url: resolved.url,
    title: resolved.feed.title,
    ...(resolved.feed.siteUrl ? { siteUrl: resolved.feed.siteUrl } : {}),
    ...(resolved.etag ? { etag: resolved.etag } : {}),
    ...(resolved.lastModified ? { lastModified: resolved.lastModified } : {}),
    lastPolledAt: at,
  });
  return feedId;
}

async function pollAll(ctx: PollerContext, options: { force?: boolean } = {}): Promise<PollReport> {
  const { clock, deps, digests, logger, nowIso, records } = ctx;
  const report: PollReport = { polled: 0, notModified: 0, newItems: 0, summaries: 0, failures: 0 };
  const now = clock.now();
  const feedQueue = new PQueue({ concurrency: deps.feedConcurrency ?? DEFAULTS.feedConcurrency });
  const itemQueue = new PQueue({ concurrency: deps.itemConcurrency ?? DEFAULTS.itemConcurrency });
  const itemJobs: Promise<void>[] = [];
  const dueFeeds = (await digests.feeds.list()).filter(
    ({ value: feed }) =>
      options.force || !feed.lastPolledAt || now - Date.parse(feed.lastPolledAt) >= deps.pollMinutes * 60_000,
  );
  // Most minute ticks find nothing due: then the subscriptions are not read at all.
  if (dueFeeds.length === 0) return report;
  // Everyone's subscriptions in one scan, grouped by feed (a prefix scan per feed is a table scan each on SQLite).
  const readersByFeed = new Map<string, number[]>();
  for (const { value: sub } of await digests.subs.list()) {
    const readers = readersByFeed.get(sub.feedId) ?? [];
    readers.push(sub.userId);
    readersByFeed.set(sub.feedId, readers);
  }
  // Read once, and only when a feed has news to summarize.
  let profilesRead: ReturnType<typeof readerProfiles> | undefined;
  const profiles = () => {
    profilesRead ??= readerProfiles(records, deps.defaultLang);
    return profilesRead;
  };
  for (const { id: feedId, value: feed } of dueFeeds) {
    const failed = (error: unknown) => {
      report.failures += 1;
      logger.warn("feed poll failed", { feedId, error });
    };
    const job = feedQueue.add(async () => {
      const subscribers = readersByFeed.get(feedId) ?? [];
      if (subscribers.length === 0) return;
      // One replica polls a feed at a time, under a lease renewed while it fetches; released after, and
      // lastPolledAt spaces the polls. A replica that dies mid-poll stops renewing: another takes the feed within a lease.
      const lease = await ctx.leaseFor(`poll:${feedId}`);
      if (!lease) return;
      try {
        const fresh = await pollFeed(ctx, feedId, feed, report);
        if (fresh.length === 0) return;
        const users = (await profiles())(subscribers);
        for (const item of fresh) {
          itemJobs.push(
            itemQueue.add(() =>
              processItem(ctx, feedId, item, users).then(
                (made) => {
                  report.summaries += made;
                },
                (error: unknown) => {
                  report.failures += 1;
                  logger.warn("digest item failed", { feedId, error });
                },
              ),
            ),
          );
        }
      } catch (error) {
        failed(error);
        await digests.feeds.set(feedId, {
          ...feed,
          lastPolledAt: nowIso(),
          lastError: String((error as Error).message ?? error),
        });
      } finally {
        await lease.release();
      }
    });
    // The store itself failing (claim, release, recording the error) is a failed poll too, not an unhandled rejection.
    void job.catch(failed);
  }
  await feedQueue.onIdle();
  await Promise.all(itemJobs);
  return report;
}

/** Fetches one feed; returns its new items (already recorded as seen). */
async function pollFeed(ctx: PollerContext, feedId: string, feed: FeedRecord, report: PollReport): Promise<FeedItem[]> {
  const { deps, digests, fetchPage, nowIso } = ctx;
  report.polled += 1;
  const result = await fetchFeed({
    url: feed.url,
    etag: feed.etag,
    lastModified: feed.lastModified,
    fetchPage,
    fetchOptions: deps.fetchOptions,
  });
  const at = nowIso();
  if (result.notModified) {
    report.notModified += 1;
    await digests.feeds.set(feedId, { ...feed, lastPolledAt: at, lastError: undefined });
    return [];
  }
  // Known guids and links of this feed: dedupe by either (a re-published entry keeps its link, a moved one its guid).
  const known = new Set<string>();
  for (const { id, value } of await digests.items.list(`${feedId}:`)) {
    known.add(id.slice(feedId.length + 1));
    if (value.link) known.add(value.link);
    known.add(value.guid);
  }
  const fresh: FeedItem[] = [];
  for (const item of result.feed.items) {
    const hash = itemHashOf(item);
    if (known.has(hash) || known.has(item.guid) || (item.link && known.has(item.link))) continue;
    known.add(hash);
    known.add(item.guid);
    if (item.link) known.add(item.link);
    fresh.push(item);
  }
  const taken = fresh.slice(0, DEFAULTS.maxNewItemsPerPoll);
  for (const item of fresh) {
    await digests.items.set(
      `${feedId}:${itemHashOf(item)}`,
      { ...itemRecord(item, at), ...(taken.includes(item) ? {} : { baseline: true }) },
      DEFAULTS.itemTtlMs,
    );
  }
  await digests.feeds.set(feedId, {
    ...feed,
    title: result.feed.title || feed.title,
    etag: result.etag,
    lastModified: result.lastModified,
    lastPolledAt: at,
    lastError: undefined,
  });
  report.newItems += taken.length;
  return taken;
}

/** Cleans, stores and summarizes one new item; returns how many summaries this call produced. */
async function processItem(
  ctx: PollerContext,
  feedId: string,
  item: FeedItem,
  users: Array<UserRecord | undefined>,
): Promise<number> {
  const { deps, digests, logger, nowIso, reading } = ctx;
  const article = await articleFor(ctx, item);
  if (!article) return 0;
  // A feed item is a public page: its `web` source keeps it when someone who uploaded the same text uses /forget.
  const id = await saveArticle(reading, article, { kind: "web" });
  const itemKey = `${feedId}:${itemHashOf(item)}`;
  const current = await digests.items.get(itemKey);
  await digests.items.set(
    itemKey,
    { ...(current ?? itemRecord(item, nowIso())), articleId: id, lang: article.lang },
    DEFAULTS.itemTtlMs,
  );

  const langs = new Set(users.map((user) => summaryLangFor(user, article.lang, deps.defaultLang)));
  let made = 0;
  for (const lang of langs) {
    const summaryKey = `${id}:${lang}`;
    if (await digests.summaries.get(summaryKey)) continue;
    // Another replica (or another feed listing the same article) may be on it already.
    const lease = await ctx.leaseFor(`summarize:${summaryKey}`);
    if (!lease) continue;
    try {
      const summary = await summarizeArticle(reading, article, { lang, readerLang: lang });
      await digests.summaries.set(summaryKey, summary, deps.articleRetentionMs);
      made += 1;
    } catch (error) {
      logger.warn("digest summary failed; the digest will use the feed's own line", { feedId, lang, error });
    } finally {
      await lease.release();
    }
  }
  return made;
}

/** The item's page cleaned; else the feed's own content; else its description; undefined when nothing is there. */
async function articleFor(ctx: PollerContext, item: FeedItem): Promise<Article | undefined> {
  const { logger, reading } = ctx;
  const sources: ReadSource[] = [
    ...(item.link ? [{ kind: "url", url: item.link } as const] : []),
    ...(item.contentHtml
      ? [{ kind: "page", page: { input: item.link, url: item.link || undefined, html: item.contentHtml } } as const]
      : []),
  ];
  for (const source of sources) {
    try {
      return (await cleanSource(reading, source)).article;
    } catch (error) {
      // The page failed or is too short to pass as an article: try the feed's content, then its plain text.
      logger.debug("item source failed; trying the next", { link: item.link, source: source.kind, error });
    }
  }
  // plainText collapses whitespace, so the feed's line is one paragraph.
  const text = plainText(item.contentHtml ?? item.summary ?? "");
  if (!text) return undefined;
  return makeArticle({
    title: item.title,
    paragraphs: [text],
    ...(item.link ? { url: item.link } : {}),
  });
}

function itemRecord(item: FeedItem, firstSeen: string): ItemRecord {
  const snippet = plainText(item.summary ?? item.contentHtml ?? "").slice(0, DEFAULTS.snippetChars);
  return {
    guid: item.guid,
    link: item.link,
    title: item.title,
    ...(item.published ? { published: item.published } : {}),
    ...(snippet ? { snippet } : {}),
    firstSeen,
  };
}
