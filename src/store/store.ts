import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import KeyvRedis from "@keyv/redis";
import KeyvSqlite from "@keyv/sqlite";
import Keyv from "keyv";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { ErrorCode, JianbaoError } from "../errors.js";

/**
 * Jianbao's storage: keyv records, one per key, grouped in named collections
 * (`user`, `article`, `summary`, `message`, `sub`, `ledger`…).
 * No method rewrites a shared list: lists are prefix scans over one-key-per-record.
 * SQLite is for one process; Redis lets several replicas share state (claims are atomic there).
 */
export interface Store {
  /** A named group of records; keys are `<name>:<id>` underneath. */
  collection<T>(name: string): Collection<T>;
  /**
   * Takes `key` if nobody holds it; true when this caller took it. The claim lapses after `ttlMs`.
   * Atomic across replicas on Redis (SET NX PX); on SQLite, atomic within this process.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim back early. */
  release(key: string): Promise<void>;
  /**
   * Takes or renews the lease `key` for `owner` until `now + ttlMs`: true when it was free, had run out, or was
   * already `owner`'s. Atomic across replicas on Redis (one Lua script); within this process on SQLite. Expiry is
   * judged by the `now` given (the caller's clock), so a manual clock drives takeovers in tests.
   */
  lease(key: string, owner: string, ttlMs: number, now?: number): Promise<boolean>;
  /** Ends `owner`'s lease on `key` at once (another holder's lease is left alone). */
  releaseLease(key: string, owner: string): Promise<void>;
  /** The owner of the lease `key` at `now`, or undefined when it is free or has run out. */
  leaseHolder(key: string, now?: number): Promise<string | undefined>;
  /**
   * Appends `item` to the list `key`, which lapses `ttlMs` after its last append. Atomic across replicas on Redis
   * (RPUSH); within this process on SQLite. Lists are for a few short-lived items (the pieces of a pasted page).
   */
  append(key: string, item: string, ttlMs: number): Promise<void>;
  /** The items of the list `key`, oldest first (none when there is no list). */
  items(key: string): Promise<string[]>;
  /** The items of the list `key`, removed in the same step: nothing appended meanwhile is lost between the two. */
  takeItems(key: string): Promise<string[]>;
  /** Resolves when the backend answers (readiness checks); throws STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Collection<T> {
  get(id: string): Promise<T | undefined>;
  /** Stores `value` under `id`, replacing what was there; expires after `ttlMs` when given. */
  set(id: string, value: T, ttlMs?: number): Promise<void>;
  /** True when something was deleted. */
  delete(id: string): Promise<boolean>;
  /** Every live record whose id starts with `idPrefix` (all when omitted), in no set order. */
  list(idPrefix?: string): Promise<Array<{ id: string; value: T }>>;
}

export interface OpenStoreOptions {
  /** How long the first connection to Redis may take before start-up fails. @default 10000 */
  connectTimeoutMs?: number;
}

export interface RateBudget {
  /** Names the counters (`<keyPrefix>:<key>` in Redis, next to the store's records). */
  keyPrefix: string;
  /** What each key may spend per window. */
  points: number;
  durationSeconds: number;
}

/**
 * A per-key budget (rate-limiter-flexible) whose counters live where the store does: in Redis when the store
 * is Redis, so every replica draws on one budget (one atomic Lua INCRBY+PEXPIRE per take), else in this
 * process's memory (SQLite serves one process).
 */
export function rateLimiterFor(store: Store, budget: RateBudget): RateLimiterAbstract {
  const options = { keyPrefix: budget.keyPrefix, points: budget.points, duration: budget.durationSeconds };
  if (store instanceof KeyvStore && store.redisClient !== undefined) {
    // useRedisPackage: the client is node-redis v5 (what @keyv/redis opens), not ioredis.
    return new RateLimiterRedis({ ...options, storeClient: store.redisClient, useRedisPackage: true });
  }
  return new RateLimiterMemory(options);
}

/** Pacing limits for `sharedPaceFor` (telegram/pacer.ts owns the values: `paceLimits`). */
export interface PaceLimits {
  chatIntervalMs: number;
  chatBurst: number;
  globalIntervalMs: number;
  globalBurst: number;
  /** No more than `sends` let go in any `ms`, counted at sending time (`slackMs`: timer granularity). */
  sendWindow: { sends: number; ms: number; slackMs: number };
}

/** One pacing budget for every replica on a Redis store (see send.ts's createPacer for the same rules in memory). */
export interface SharedPace {
  /** Books the next call to `chatId`: resolves with the time it may go out (≥ now, after any pause). */
  book(chatId: number, now: number): Promise<number>;
  /** Holds back `chatId`, or everyone when undefined, until `until` (Telegram's retry_after), on every replica. */
  pause(chatId: number | undefined, until: number, now: number): Promise<void>;
  /**
   * Counts a send going out now in the one-second window of every replica's sends: 0 when it fits (it is
   * counted), else the milliseconds until it would (nothing counted; ask again then).
   */
  countSend(now: number): Promise<number>;
}

/**
 * GCRA over both limits in one Lua script, so two replicas booking at once cannot both take the last slot.
 * KEYS: chat tat, global tat, chat pause, global pause. ARGV: now, chat interval, chat burst, global interval,
 * global burst. Returns the booked time. Keys expire once they no longer hold anyone back. Times are kept to the
 * microsecond, rounded up: Lua's tostring keeps 14 digits (a tenth of a millisecond at today's epoch), and
 * truncating 1000/12 ms at every booking let 90 slots out 3 ms early.
 */
const BOOK_SCRIPT = `
local now = tonumber(ARGV[1])
local ci, cb, gi, gb = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ctat = tonumber(redis.call('GET', KEYS[1]) or '0')
local gtat = tonumber(redis.call('GET', KEYS[2]) or '0')
local cp = tonumber(redis.call('GET', KEYS[3]) or '0')
local gp = tonumber(redis.call('GET', KEYS[4]) or '0')
local at = math.max(now, cp, gp, ctat - (cb - 1) * ci, gtat - (gb - 1) * gi)
ctat = math.max(ctat, at) + ci
gtat = math.max(gtat, at) + gi
ctat = math.ceil(ctat * 1000) / 1000
gtat = math.ceil(gtat * 1000) / 1000
redis.call('SET', KEYS[1], string.format('%.3f', ctat), 'PX', math.max(1, math.ceil(ctat - now + ci)))
redis.call('SET', KEYS[2], string.format('%.3f', gtat), 'PX', math.max(1, math.ceil(gtat - now + gi)))
return string.format('%.3f', at)`;
/**
 * KEYS[1] a sorted set of send times. ARGV: t (this send's time), sends per window, window ms, slack ms, a unique
 * member. Sends are not counted in time order (a send told to wait is counted later than one booked after it,
 * and replicas' replies interleave), so the check is not "how many in the second before t" but "would any window
 * holding t hold too many": each window that starts at t or at one of the sends before it, reaching up to the
 * sends after it. Counts t and returns '0' when it fits, else the ms after which to ask again. Sends two windows
 * older than t are dropped.
 */
const COUNT_SEND_SCRIPT = `
local t, limit, window, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local span = window - slack
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%.3f', t - 2 * window))
local function scores(from, to)
  local flat = redis.call('ZRANGEBYSCORE', KEYS[1], from, to, 'WITHSCORES')
  local out = {}
  for i = 2, #flat, 2 do out[#out + 1] = tonumber(flat[i]) end
  return out
end
local before = scores(string.format('(%.3f', t - span), string.format('%.3f', t))
local after = scores(string.format('(%.3f', t), string.format('(%.3f', t + span))
local b = #before
local wait = nil
-- x: how many of the sends before t the window starts with (0: it starts at t); y: the sends after t it reaches
-- (fewer as the window starts earlier, so one pass).
local y = #after
for x = 0, b do
  local start = t
  if x > 0 then start = before[b - x + 1] end
  while y > 0 and after[y] >= start + span do y = y - 1 end
  if x + y + 1 > limit then
    -- Full: ask again once the window's first send is a window old (or, starting at t, past the sends after t).
    local free = start + span - t
    if x == 0 then free = (after[y] or t) - t + 1 end
    if wait == nil or free < wait then wait = free end
  end
end
if wait == nil then
  redis.call('ZADD', KEYS[1], string.format('%.3f', t), ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window * 3)
  return '0'
end
return string.format('%.3f', math.max(0.001, wait))`;
/** KEYS[1] pause; ARGV until, now: only ever moved later. */
const PAUSE_SCRIPT = `
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs = math.max(old, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(untilMs), 'PX', math.max(1, math.ceil(untilMs - tonumber(ARGV[2]))))
return 1`;

/** The shared pacing budget when the store is Redis; undefined on SQLite (one process: the memory pacer does). */
export function sharedPaceFor(store: Store, limits: PaceLimits): SharedPace | undefined {
  if (!(store instanceof KeyvStore) || store.redisClient === undefined) return undefined;
  const client = store.redisClient as {
    eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  };
  // Members of the send window must be unique across replicas: this process's random prefix and a counter.
  const sender = randomUUID();
  let sends = 0;
  return {
    countSend: async (now) => {
      sends += 1;
      const member = `${sender}:${sends}`;
      return Number(
        await storeCall("count a Telegram send", () =>
          client.eval(COUNT_SEND_SCRIPT, {
            keys: ["tgpace:sent"],
            arguments: [
              String(now),
              String(limits.sendWindow.sends),
              String(limits.sendWindow.ms),
              String(limits.sendWindow.slackMs),
              member,
            ],
          }),
        ),
      );
    },
    book: async (chatId, now) =>
      Number(
        await storeCall("book a Telegram slot", () =>
          client.eval(BOOK_SCRIPT, {
            keys: [`tgpace:chat:${chatId}`, "tgpace:global", `tgpause:chat:${chatId}`, "tgpause:global"],
            // Intervals rounded up to the microsecond: rounding 1000/30 down let 31 slots into one second.
            arguments: [
              String(now),
              String(Math.ceil(limits.chatIntervalMs * 1000) / 1000),
              String(limits.chatBurst),
              String(Math.ceil(limits.globalIntervalMs * 1000) / 1000),
              String(limits.globalBurst),
            ],
          }),
        ),
      ),
    pause: async (chatId, until, now) => {
      await storeCall("pause Telegram sends", () =>
        client.eval(PAUSE_SCRIPT, {
          keys: [chatId === undefined ? "tgpause:global" : `tgpause:chat:${chatId}`],
          arguments: [String(Math.round(until)), String(Math.round(now))],
        }),
      );
    },
  };
}

/**
 * Opens the store named by a `sqlite://path` or `redis://host:port` URL. An unreachable Redis fails
 * with STORE_UNAVAILABLE and its reason (never waits forever); once connected, outages are retried.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (url.startsWith("redis://") || url.startsWith("rediss://")) {
    return openRedisStore(url, options.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS);
  }
  return openSqliteStore(url);
}

const CLAIM_PREFIX = "claim:";
const LEASE_PREFIX = "lease:";
const LIST_PREFIX = "list:";
/**
 * A lease record outlives its expiry by this much before the backend deletes it: expiry itself is judged from the
 * record's `until` against the caller's clock; the backend's TTL only collects the garbage.
 */
const LEASE_GARBAGE_MS = 10 * 60_000;

/** "<owner>|<until ms>": the one encoding of a lease, on both backends. */
function encodeLease(owner: string, until: number): string {
  return `${owner}|${Math.round(until)}`;
}

function decodeLease(raw: unknown): { owner: string; until: number } | undefined {
  if (typeof raw !== "string") return undefined;
  const bar = raw.lastIndexOf("|");
  if (bar < 0) return undefined;
  return { owner: raw.slice(0, bar), until: Number(raw.slice(bar + 1)) };
}

/** How a backend finds a collection's keys. */
interface KeyIndex {
  /** The keys (`<name>:<id>`) of the records of `name` whose id starts with `idPrefix`. */
  keys(name: string, idPrefix: string): Promise<string[]>;
  /** A record was written (with its time to live, if any): for backends that keep an index of their own. */
  added?(name: string, id: string, ttlMs?: number): Promise<void>;
  /** Records were deleted or found gone. */
  removed?(name: string, ids: string[]): Promise<void>;
}

/** The backend half of lists (raw keys, already prefixed). */
interface ListBackend {
  append(key: string, item: string, ttlMs: number): Promise<void>;
  read(key: string): Promise<string[]>;
  take(key: string): Promise<string[]>;
}

/** The backend half of leases (raw keys, already prefixed). */
interface LeaseBackend {
  take(key: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  read(key: string): Promise<string | undefined>;
  ping(): Promise<void>;
}
/** Keys read per getMany in `list`: keeps one SQL statement (SQLite's variable limit) or MGET bounded. */
const LIST_PAGE_SIZE = 500;
/** How long a SQLite write waits for another connection's lock before failing (a second process, a backup). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/**
 * Keys (or index members) per Redis SCAN/ZSCAN step: few round trips, and a step stays about a millisecond of Redis
 * time. (SCAN over a million keys for one collection: 713–793 ms at 1,000 a step, 590–607 ms at 10,000; walking
 * the whole keyspace was the cost, hence the index per collection below.)
 */
const REDIS_SCAN_COUNT = 10_000;
/** The first connection to Redis: a wrong STORE_URL fails start-up within this, with its reason. */
const REDIS_CONNECT_TIMEOUT_MS = 10_000;
/** Reconnect backoff once connected (an outage): 0.1 s doubling to at most 2 s, as node-redis suggests. */
const REDIS_RECONNECT_BASE_MS = 100;
const REDIS_RECONNECT_MAX_MS = 2000;

/**
 * Runs the work given for one key strictly one after another within this process, so a read-modify-write
 * of one record never clobbers another (a failed run does not stop the next). Keys with nothing pending cost nothing.
 */
export function serialisePerKey(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const chains = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (chains.get(key) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return run;
  };
}

class KeyvStore implements Store {
  constructor(
    protected readonly keyv: Keyv,
    private readonly index: KeyIndex,
    private readonly claimKey: (key: string, ttlMs: number) => Promise<boolean>,
    private readonly closeBackend: () => Promise<void>,
    private readonly leases: LeaseBackend,
    private readonly lists: ListBackend,
    /** The node-redis client under a Redis store (for rateLimiterFor); undefined on SQLite. */
    readonly redisClient?: unknown,
  ) {}

  collection<T>(name: string): Collection<T> {
    const { keyv } = this;
    const full = (id: string) => `${name}:${id}`;
    return {
      get: (id) => storeCall(`read ${full(id)}`, async () => (await keyv.get<T>(full(id))) ?? undefined),
      // The record and its index entry in parallel (one round trip's wait, not two): an entry whose record is
      // missing is pruned by the next list, and either failing fails the write.
      set: (id, value, ttlMs) =>
        storeCall(`write ${full(id)}`, async () => {
          await Promise.all([keyv.set(full(id), value, ttlMs), this.index.added?.(name, id, ttlMs)]);
        }),
      delete: (id) =>
        storeCall(`delete ${full(id)}`, async () => {
          const [deleted] = await Promise.all([keyv.delete(full(id)), this.index.removed?.(name, [id])]);
          return deleted;
        }),
      list: (idPrefix = "") => storeCall(`list ${full(idPrefix)}*`, () => this.listRecords<T>(name, idPrefix)),
    };
  }

  private async listRecords<T>(name: string, idPrefix: string): Promise<Array<{ id: string; value: T }>> {
    const keys = await this.index.keys(name, idPrefix);
    const out: Array<{ id: string; value: T }> = [];
    const gone: string[] = [];
    for (let start = 0; start < keys.length; start += LIST_PAGE_SIZE) {
      const page = keys.slice(start, start + LIST_PAGE_SIZE);
      const values = await this.keyv.getMany<T>(page);
      page.forEach((key, index) => {
        const value = values[index];
        const id = key.slice(name.length + 1);
        if (value !== undefined && value !== null) out.push({ id, value });
        else gone.push(id);
      });
    }
    // Indexed but gone (expired, or deleted by a version that kept no index): out of the index too.
    if (gone.length > 0) await this.index.removed?.(name, gone);
    return out;
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    return storeCall(`claim ${key}`, () => this.claimKey(CLAIM_PREFIX + key, ttlMs));
  }

  release(key: string): Promise<void> {
    return storeCall(`release ${key}`, async () => {
      await this.keyv.delete(CLAIM_PREFIX + key);
    });
  }

  lease(key: string, owner: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    return storeCall(`lease ${key}`, () => this.leases.take(LEASE_PREFIX + key, owner, ttlMs, now));
  }

  releaseLease(key: string, owner: string): Promise<void> {
    return storeCall(`release lease ${key}`, () => this.leases.release(LEASE_PREFIX + key, owner));
  }

  leaseHolder(key: string, now = Date.now()): Promise<string | undefined> {
    return storeCall(`read lease ${key}`, async () => {
      const lease = decodeLease(await this.leases.read(LEASE_PREFIX + key));
      return lease && lease.until > now ? lease.owner : undefined;
    });
  }

  append(key: string, item: string, ttlMs: number): Promise<void> {
    return storeCall(`append to ${key}`, () => this.lists.append(LIST_PREFIX + key, item, ttlMs));
  }

  items(key: string): Promise<string[]> {
    return storeCall(`read the list ${key}`, () => this.lists.read(LIST_PREFIX + key));
  }

  takeItems(key: string): Promise<string[]> {
    return storeCall(`take the list ${key}`, () => this.lists.take(LIST_PREFIX + key));
  }

  ping(): Promise<void> {
    return storeCall("answer a ping", () => this.leases.ping());
  }

  close(): Promise<void> {
    return this.closeBackend();
  }
}

/** Runs one backend operation; a failure (Redis gone, disk full, database closed) becomes STORE_UNAVAILABLE. */
async function storeCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new JianbaoError(ErrorCode.StoreUnavailable, `The store could not ${what}: ${reason}`, { cause });
  }
}

/** The URL without its password, for messages and logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return "the Redis URL";
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

async function openSqliteStore(url: string): Promise<Store> {
  const path = url.replace(/^sqlite:\/\//, "");
  if (path && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const adapter = new KeyvSqlite({ uri: `sqlite://${path || ":memory:"}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  const keyv = new Keyv({ store: adapter, namespace: "", useKeyPrefix: false, throwOnErrors: true });
  // throwOnErrors: a failing backend rejects (storeCall maps it) instead of reading as "no record" and losing writes;
  // the listener keeps keyv's error event from throwing as well.
  keyv.on("error", () => {});
  const query = adapter.query as (sql: string, params?: unknown) => Promise<Array<Record<string, string>>>;
  await query("PRAGMA journal_mode=WAL");
  // Claims on SQLite: one check-then-set at a time per key makes them atomic within this process.
  const serialised = serialisePerKey();
  const claimKey = (key: string, ttlMs: number): Promise<boolean> =>
    serialised(key, async () => {
      if ((await keyv.get(key)) !== undefined) return false;
      await keyv.set(key, Date.now(), ttlMs);
      return true;
    });
  const scanKeys = async (prefix: string) => {
    const rows = await query("SELECT key FROM keyv WHERE key LIKE ? ESCAPE '\\'", [`${escapeLike(prefix)}%`]);
    return rows.map((row) => String(row.key));
  };
  const leases: LeaseBackend = {
    take: (key, owner, ttlMs, now) =>
      serialised(key, async () => {
        const held = decodeLease(await keyv.get(key));
        if (held && held.owner !== owner && held.until > now) return false;
        await keyv.set(key, encodeLease(owner, now + ttlMs), ttlMs + LEASE_GARBAGE_MS);
        return true;
      }),
    release: (key, owner) =>
      serialised(key, async () => {
        if (decodeLease(await keyv.get(key))?.owner === owner) await keyv.delete(key);
      }),
    read: async (key) => {
      const raw = await keyv.get(key);
      return typeof raw === "string" ? raw : undefined;
    },
    ping: async () => {
      await query("SELECT 1");
    },
  };
  const listOf = async (key: string) => {
    const raw = await keyv.get(key);
    return Array.isArray(raw) ? (raw as string[]) : [];
  };
  const lists: ListBackend = {
    append: (key, item, ttlMs) =>
      serialised(key, async () => {
        await keyv.set(key, [...(await listOf(key)), item], ttlMs);
      }),
    read: listOf,
    take: (key) =>
      serialised(key, async () => {
        const items = await listOf(key);
        await keyv.delete(key);
        return items;
      }),
  };
  // The primary key's index answers a prefix query: no index of our own.
  const index: KeyIndex = { keys: (name, idPrefix) => scanKeys(`${name}:${idPrefix}`) };
  return new KeyvStore(keyv, index, claimKey, () => keyv.disconnect(), leases, lists);
}

/**
 * KEYS[1] lease; ARGV owner, now, new value, garbage TTL. Free, run out, or ours → set and 1; else 0.
 * The value is "<owner>|<until>" (encodeLease); the owner may itself contain "|", so the last one splits.
 */
const TAKE_LEASE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v then
  local owner, untilMs = string.match(v, '^(.*)|(%d+)$')
  if owner and owner ~= ARGV[1] and tonumber(untilMs) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1`;
/** KEYS[1] lease; ARGV[1] owner: deleted only when that owner holds it. */
const RELEASE_LEASE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and string.match(v, '^(.*)|%d+$') == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

// ── Redis: an index per collection ──────────────────────────────────────────────────────────────────
/**
 * Listing a collection by SCAN MATCH walks the whole keyspace: with a million keys one list took Redis 0.6–0.8 s,
 * and a replica lists several collections every minute (feeds, half-sent digests) and five at the digest minute.
 * So each collection keeps a sorted set of its ids, scored by when the record expires (+inf: never), pruned of
 * expired ids on every write; a list walks only its own collection's ids.
 */
const INDEX_PREFIX = "index:";
/** Present once a collection's keys written before the index existed have been added to it. */
const INDEX_BUILT_PREFIX = "indexed:";
/** An expired record's id stays this much longer (clocks of replicas and Redis differ a little). */
const INDEX_EXPIRY_GRACE_MS = 60_000;
/** Ids per ZADD/ZREM script call (a Lua call takes a bounded number of arguments). */
const INDEX_BATCH = 1000;
/** KEYS[1] index; ARGV id, score (expiry ms or +inf), now ms: add the id, drop the ids of expired records. */
const INDEX_ADD_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
return 1`;
/** KEYS[1] index; ARGV ids: added with no expiry (keys found by the one-time SCAN). */
const INDEX_ADD_MANY_SCRIPT = `
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], '+inf', ARGV[i]) end
return #ARGV`;
const INDEX_REMOVE_SCRIPT = `return redis.call('ZREM', KEYS[1], unpack(ARGV))`;
const INDEX_PRUNE_SCRIPT = `return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])`;

interface RedisIndexClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  zScanIterator(key: string, options: { MATCH: string; COUNT: number }): AsyncIterable<Array<{ value: string }>>;
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

function redisIndex(client: RedisIndexClient, scanKeys: (prefix: string) => Promise<string[]>): KeyIndex {
  const built = new Map<string, Promise<void>>();
  const inBatches = async (ids: string[], script: string, name: string) => {
    for (let start = 0; start < ids.length; start += INDEX_BATCH) {
      await client.eval(script, { keys: [INDEX_PREFIX + name], arguments: ids.slice(start, start + INDEX_BATCH) });
    }
  };
  // Once per collection and process: keys written before the index existed (an upgrade) join it.
  const build = (name: string) => {
    let done = built.get(name);
    if (!done) {
      done = (async () => {
        if ((await client.get(INDEX_BUILT_PREFIX + name)) !== null) return;
        const ids = (await scanKeys(`${name}:`)).map((key) => key.slice(name.length + 1));
        await inBatches(ids, INDEX_ADD_MANY_SCRIPT, name);
        await client.set(INDEX_BUILT_PREFIX + name, "1");
      })();
      built.set(name, done);
      done.catch(() => built.delete(name));
    }
    return done;
  };
  return {
    async keys(name, idPrefix) {
      await build(name);
      await client.eval(INDEX_PRUNE_SCRIPT, { keys: [INDEX_PREFIX + name], arguments: [String(Date.now())] });
      const keys: string[] = [];
      const options = { MATCH: `${globEscape(idPrefix)}*`, COUNT: REDIS_SCAN_COUNT };
      for await (const members of client.zScanIterator(INDEX_PREFIX + name, options)) {
        for (const member of members) keys.push(`${name}:${member.value}`);
      }
      return keys;
    },
    async added(name, id, ttlMs) {
      const score = ttlMs === undefined ? "+inf" : String(Date.now() + ttlMs + INDEX_EXPIRY_GRACE_MS);
      await client.eval(INDEX_ADD_SCRIPT, { keys: [INDEX_PREFIX + name], arguments: [id, score, String(Date.now())] });
    },
    removed: (name, ids) => inBatches(ids, INDEX_REMOVE_SCRIPT, name),
  };
}

/** KEYS[1] list; ARGV item, TTL ms: append and restart the TTL in one step. */
const APPEND_SCRIPT = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;
const READ_LIST_SCRIPT = `return redis.call('LRANGE', KEYS[1], 0, -1)`;
/** The items and the delete in one step: an append cannot land between them. */
const TAKE_LIST_SCRIPT = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return items`;

/** Lists on Redis: one Redis list per key, each step one script. */
function redisLists(client: Pick<RedisIndexClient, "eval">): ListBackend {
  return {
    append: async (key, item, ttlMs) => {
      await client.eval(APPEND_SCRIPT, { keys: [key], arguments: [item, String(Math.max(1, Math.round(ttlMs)))] });
    },
    read: async (key) => (await client.eval(READ_LIST_SCRIPT, { keys: [key], arguments: [] })) as string[],
    take: async (key) => (await client.eval(TAKE_LIST_SCRIPT, { keys: [key], arguments: [] })) as string[],
  };
}

async function openRedisStore(url: string, connectTimeoutMs: number): Promise<Store> {
  let connected = false;
  let lastError: unknown;
  const adapter = new KeyvRedis(
    {
      url,
      socket: {
        connectTimeout: connectTimeoutMs,
        // Before the first connection a failure is final: node-redis would otherwise retry forever and
        // openStore would never settle. Afterwards an outage is retried with a capped backoff.
        reconnectStrategy: (retries: number, cause: Error) => {
          lastError = cause;
          return connected ? Math.min(REDIS_RECONNECT_BASE_MS * 2 ** retries, REDIS_RECONNECT_MAX_MS) : cause;
        },
      },
    },
    { throwOnConnectError: true, connectionTimeout: connectTimeoutMs },
  );
  adapter.on("error", (error: unknown) => {
    lastError ??= error;
  });
  let client: {
    set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
    get(key: string): Promise<string | null>;
    eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
    ping(): Promise<string>;
    scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string | string[]>;
  } & RedisIndexClient;
  try {
    client = (await adapter.getClient()) as unknown as typeof client;
  } catch (cause) {
    const reason = lastError instanceof Error ? lastError.message : `no answer within ${connectTimeoutMs} ms`;
    throw new JianbaoError(ErrorCode.StoreUnavailable, `Could not connect to ${redactUrl(url)}: ${reason}`, {
      cause: lastError ?? cause,
    });
  }
  connected = true;
  const keyv = new Keyv({ store: adapter, namespace: "", useKeyPrefix: false, throwOnErrors: true });
  keyv.on("error", () => {});
  const claimKey = async (key: string, ttlMs: number) =>
    (await client.set(key, JSON.stringify({ value: Date.now() }), { NX: true, PX: Math.max(1, Math.round(ttlMs)) })) ===
    "OK";
  const scanKeys = async (prefix: string) => {
    const keys: string[] = [];
    const pattern = `${globEscape(prefix)}*`;
    // node-redis 5 yields pages of keys; 4 yielded single keys.
    for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: REDIS_SCAN_COUNT })) {
      if (Array.isArray(batch)) keys.push(...batch);
      else keys.push(batch);
    }
    return keys;
  };
  const leases: LeaseBackend = {
    take: async (key, owner, ttlMs, now) =>
      Number(
        await client.eval(TAKE_LEASE_SCRIPT, {
          keys: [key],
          arguments: [
            owner,
            String(Math.round(now)),
            encodeLease(owner, now + ttlMs),
            String(Math.round(ttlMs + LEASE_GARBAGE_MS)),
          ],
        }),
      ) === 1,
    release: async (key, owner) => {
      await client.eval(RELEASE_LEASE_SCRIPT, { keys: [key], arguments: [owner] });
    },
    read: async (key) => (await client.get(key)) ?? undefined,
    ping: async () => {
      await client.ping();
    },
  };
  const index = redisIndex(client, scanKeys);
  return new KeyvStore(keyv, index, claimKey, () => adapter.disconnect(), leases, redisLists(client), client);
}
