import { RateLimiterRes } from "rate-limiter-flexible";
import { ErrorCode, JianbaoError } from "../errors.js";
import { rateLimiterFor, type Store } from "../store/store.js";

const WINDOW_SECONDS = 60;
// One "please wait" note per person per this long, so a flood does not get a flood of notes back.
const WARN_EVERY_SECONDS = 15;

export interface RateVerdict {
  ok: boolean;
  /** Seconds until the person's budget refills. */
  retryInSeconds: number;
  /** True when the person should be told (at most once per WARN_EVERY_SECONDS). */
  warn: boolean;
}

export interface RateLimiterOptions {
  /** Requests (summaries, questions) per person per window: config.bot.rateLimitPerMinute. */
  perMinute: number;
  /** Where the counters live: Redis (shared by replicas) or this process's memory. */
  store: Store;
  /** @default 60 (tests shorten it) */
  windowSeconds?: number;
}

/**
 * A per-person budget of requests per minute, shared by every replica when the store is Redis.
 * Built on rate-limiter-flexible rather than by hand: its Redis counters are one atomic Lua INCRBY with
 * an expiry (no read-modify-write race between replicas), its memory counters expire on their own, and
 * it is maintained. The window is fixed (it starts at a person's first request), not sliding.
 */
export function createRateLimiter(options: RateLimiterOptions) {
  const budget = rateLimiterFor(options.store, {
    keyPrefix: "ratelimit",
    points: options.perMinute,
    durationSeconds: options.windowSeconds ?? WINDOW_SECONDS,
  });
  // The warn-once bookkeeping is a budget of one note per WARN_EVERY_SECONDS, shared the same way.
  const notes = rateLimiterFor(options.store, {
    keyPrefix: "ratelimit-note",
    points: 1,
    durationSeconds: WARN_EVERY_SECONDS,
  });
  return {
    /** Takes `cost` from the person's budget; a refused take spends nothing. Throws STORE_UNAVAILABLE when Redis fails. */
    async take(userId: number, cost = 1): Promise<RateVerdict> {
      const refused = await counted(() => budget.consume(userId, cost));
      if (!refused) return { ok: true, retryInSeconds: 0, warn: false };
      // consume counts even what it refuses; give it back so a big request (3 links) does not use up
      // the room left for a small one.
      await counted(() => budget.reward(userId, cost));
      const warn = (await counted(() => notes.consume(userId))) === undefined;
      return { ok: false, retryInSeconds: Math.max(1, Math.ceil(refused.msBeforeNext / 1000)), warn };
    },
  };
}

/** Runs a limiter call: undefined when it passed, the limiter's answer when over budget; a backend failure is STORE_UNAVAILABLE. */
async function counted(call: () => Promise<RateLimiterRes>): Promise<RateLimiterRes | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new JianbaoError(ErrorCode.StoreUnavailable, `The rate limit could not be checked: ${reason}`, {
      cause: error,
    });
  }
}
