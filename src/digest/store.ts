/**
 * Digest records, one per key, so no two writers ever rewrite a shared list:
 * - `feed:<feedId>`                 a polled feed and its validators (ETag / Last-Modified)
 * - `sub:<feedId>:<userId>`         who reads a feed (the poller scans by feed)
 * - `subof:<userId>:<feedId>`       what a person reads (/subscriptions scans by person)
 * - `item:<feedId>:<itemHash>`      an entry the poller has seen
 * - `isum:<articleId>:<lang>`       the digest's copy of an item's summary in one language
 * - `digestcfg:<userId>`            a person's digest settings (written only by the person's commands)
 * - `digestlast:<userId>`           when the last digest was composed (written only by the scheduler)
 * - `ledger:<userId>:<localDate>`   one day's digest: parts, progress, state
 * - `dopen:<userId>:<localDate>`    present while that digest is `sending`: crash recovery scans these few keys,
 *                                   not every day's ledger
 * - `replicas:<replicaId>`          a replica that sends digests; alive while its heartbeat lease `replica:<id>` is
 */
import type { Collection, Store } from "../store/store.js";
import type { Lang, Summary } from "../types.js";

export interface FeedRecord {
  url: string;
  title: string;
  siteUrl?: string;
  etag?: string;
  lastModified?: string;
  lastPolledAt?: string;
  /** Set by a poll that failed, cleared by the next success. */
  lastError?: string;
}

export interface SubscriptionRecord {
  feedId: string;
  userId: number;
  /** Items first seen before this are not news to this person. */
  since: string;
}

export interface ItemRecord {
  guid: string;
  link: string;
  title: string;
  published?: string;
  /** Set once the page (or the feed's own content) was cleaned and stored in `records.articles`. */
  articleId?: string;
  /** The article's language (picks the summary for people whose summary language is auto). */
  lang?: string;
  /** Seen when the feed was first added: kept for dedupe, never news. */
  baseline?: boolean;
  /** A line from the feed's description, the digest's fallback when no summary exists. */
  snippet?: string;
  firstSeen: string;
}

export interface DigestSettings {
  /** Chat the digest goes to (the private chat with the person). */
  chatId: number;
  /** Local time of day, HH:MM. */
  time: string;
  /** IANA zone. */
  timezone: string;
  enabled: boolean;
  /** Items per digest; unset → DIGEST_MAX_ITEMS. */
  maxItems?: number;
  /** Nothing new → send a short line (true) or nothing (false). */
  sendEmpty: boolean;
  /** Why digests stopped on their own (403 from Telegram). */
  deactivated?: "blocked";
}

export interface LastDigest {
  /** Instant the last digest was composed: items first seen after it are new. */
  at: string;
  localDate?: string;
}

/** One part of a digest as composed, ready to send. */
export interface DigestPart {
  text: string;
  buttons: Array<Array<{ text: string; data: string }>>;
}

export interface LedgerEntry {
  /** `sending` from the claim until the last part; `dropped` when Telegram refused the chat for good. */
  state: "sending" | "sent" | "dropped" | "failed";
  parts: DigestPart[];
  /** Message ids of parts sent so far, in order: part i is sent iff i < messageIds.length. */
  messageIds: number[];
  /** Last progress (claim, part sent): a `sending` entry silent for longer than the lease is resumed. */
  at: string;
  /** When the digest was first claimed. */
  createdAt: string;
  /** Attempts so far; each attempt takes the claim `digest:<userId>:<date>:<attempt>`. */
  attempt: number;
  chatId: number;
  /** REPLICA_ID of the replica sending it: while that replica's heartbeat lease lives, nobody else resumes it. */
  owner?: string;
}

/** Typed access to the digest collections. */
export interface DigestStore {
  feeds: Collection<FeedRecord>;
  subs: Collection<SubscriptionRecord>;
  subsOf: Collection<SubscriptionRecord>;
  items: Collection<ItemRecord>;
  summaries: Collection<Summary>;
  settings: Collection<DigestSettings>;
  last: Collection<LastDigest>;
  ledger: Collection<LedgerEntry>;
  /** Ledger ids of digests being sent (value: when sending began). */
  open: Collection<{ at: string }>;
  /** Replicas sending digests (value: when each last listed itself); the heartbeat lease says which are alive. */
  replicas: Collection<{ at: string }>;
  store: Store;

  /** Subscribes a person (both directions; idempotent). */
  subscribe(feedId: string, userId: number, at: string): Promise<void>;
  /** True when the person was subscribed. */
  unsubscribe(feedId: string, userId: number): Promise<boolean>;
  /** Ids of the people reading a feed. */
  subscribersOf(feedId: string): Promise<number[]>;
  /** The person's subscriptions. */
  subscriptionsOf(userId: number): Promise<SubscriptionRecord[]>;
  /** Summary the poller made for an item in one language. */
  summaryOf(articleId: string, lang: Lang): Promise<Summary | undefined>;
  /** Deletes everything digest-related about a person (/forget). */
  forget(userId: number): Promise<void>;
}

export function digestStore(store: Store): DigestStore {
  const c = <T>(name: string) => store.collection<T>(name);
  const subs = c<SubscriptionRecord>("sub");
  const subsOf = c<SubscriptionRecord>("subof");
  const summaries = c<Summary>("isum");
  const settings = c<DigestSettings>("digestcfg");
  const last = c<LastDigest>("digestlast");
  const ledger = c<LedgerEntry>("ledger");
  const open = c<{ at: string }>("dopen");
  return {
    feeds: c<FeedRecord>("feed"),
    subs,
    subsOf,
    items: c<ItemRecord>("item"),
    summaries,
    settings,
    last,
    ledger,
    open,
    replicas: c<{ at: string }>("replicas"),
    store,
    async subscribe(feedId, userId, at) {
      const existing = await subsOf.get(`${userId}:${feedId}`);
      const record: SubscriptionRecord = { feedId, userId, since: existing?.since ?? at };
      await subs.set(`${feedId}:${userId}`, record);
      await subsOf.set(`${userId}:${feedId}`, record);
    },
    async unsubscribe(feedId, userId) {
      const a = await subs.delete(`${feedId}:${userId}`);
      const b = await subsOf.delete(`${userId}:${feedId}`);
      return a || b;
    },
    async subscribersOf(feedId) {
      return (await subs.list(`${feedId}:`)).map((entry) => entry.value.userId);
    },
    async subscriptionsOf(userId) {
      return (await subsOf.list(`${userId}:`)).map((entry) => entry.value);
    },
    summaryOf: (articleId, lang) => summaries.get(`${articleId}:${lang}`),
    async forget(userId) {
      for (const sub of await subsOf.list(`${userId}:`)) {
        await subs.delete(`${sub.value.feedId}:${userId}`);
        await subsOf.delete(sub.id);
      }
      for (const entry of await ledger.list(`${userId}:`)) await ledger.delete(entry.id);
      for (const entry of await open.list(`${userId}:`)) await open.delete(entry.id);
      await settings.delete(String(userId));
      await last.delete(String(userId));
    },
  };
}
