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
/** Keys read per getMany in `list`: keeps one SQL statement (SQLite's variable limit) or MGET bounded. */
const LIST_PAGE_SIZE = 500;
/** How long a SQLite write waits for another connection's lock before failing (a second process, a backup). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Keys per Redis SCAN step: large enough for few round trips, small enough not to block Redis. */
const REDIS_SCAN_COUNT = 1000;
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
    private readonly scanKeys: (prefix: string) => Promise<string[]>,
    private readonly claimKey: (key: string, ttlMs: number) => Promise<boolean>,
    private readonly closeBackend: () => Promise<void>,
    /** The node-redis client under a Redis store (for rateLimiterFor); undefined on SQLite. */
    readonly redisClient?: unknown,
  ) {}

  collection<T>(name: string): Collection<T> {
    const { keyv } = this;
    const full = (id: string) => `${name}:${id}`;
    return {
      get: (id) => storeCall(`read ${full(id)}`, async () => (await keyv.get<T>(full(id))) ?? undefined),
      set: (id, value, ttlMs) =>
        storeCall(`write ${full(id)}`, async () => {
          await keyv.set(full(id), value, ttlMs);
        }),
      delete: (id) => storeCall(`delete ${full(id)}`, () => keyv.delete(full(id))),
      list: (idPrefix = "") => storeCall(`list ${full(idPrefix)}*`, () => this.listRecords<T>(name, full(idPrefix))),
    };
  }

  private async listRecords<T>(name: string, prefix: string): Promise<Array<{ id: string; value: T }>> {
    const keys = await this.scanKeys(prefix);
    const out: Array<{ id: string; value: T }> = [];
    for (let start = 0; start < keys.length; start += LIST_PAGE_SIZE) {
      const page = keys.slice(start, start + LIST_PAGE_SIZE);
      const values = await this.keyv.getMany<T>(page);
      page.forEach((key, index) => {
        const value = values[index];
        if (value !== undefined && value !== null) out.push({ id: key.slice(name.length + 1), value });
      });
    }
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
  return new KeyvStore(keyv, scanKeys, claimKey, () => keyv.disconnect());
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
    scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string | string[]>;
  };
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
    const pattern = `${prefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}*`;
    // node-redis 5 yields pages of keys; 4 yielded single keys.
    for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: REDIS_SCAN_COUNT })) {
      if (Array.isArray(batch)) keys.push(...batch);
      else keys.push(batch);
    }
    return keys;
  };
  return new KeyvStore(keyv, scanKeys, claimKey, () => adapter.disconnect(), client);
}
