import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRateLimiter } from "../../src/bot/ratelimit.js";
import { ErrorCode } from "../../src/errors.js";
import { openStore, type Store } from "../../src/store/store.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";

describe("per-person rate limit (in memory, SQLite store)", () => {
  let store: Store;
  beforeEach(async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 15, 8) });
    store = await openStore("sqlite://:memory:");
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
  });

  it("refuses the 11th request within a minute and lets the person in again after it", async () => {
    const limiter = createRateLimiter({ perMinute: 10, store });
    for (let index = 0; index < 10; index += 1) expect((await limiter.take(1)).ok).toBe(true);
    vi.advanceTimersByTime(20_000);
    expect(await limiter.take(1)).toEqual({ ok: false, retryInSeconds: 40, warn: true });
    // Someone else has their own budget.
    expect((await limiter.take(2)).ok).toBe(true);
    vi.advanceTimersByTime(40_000);
    expect(await limiter.take(1)).toEqual({ ok: true, retryInSeconds: 0, warn: false });
  });

  it("warns at most once per 15 s while the person keeps trying", async () => {
    const limiter = createRateLimiter({ perMinute: 1, store });
    await limiter.take(1);
    const warns: boolean[] = [];
    for (const step of [0, 5_000, 9_000, 1_000, 10_000]) {
      vi.advanceTimersByTime(step);
      warns.push((await limiter.take(1)).warn);
    }
    expect(warns).toEqual([true, false, false, true, false]);
  });

  it("a refused costly request does not use up the room left for a smaller one", async () => {
    const limiter = createRateLimiter({ perMinute: 3, store });
    expect((await limiter.take(1, 2)).ok).toBe(true);
    expect((await limiter.take(1, 3)).ok).toBe(false);
    expect((await limiter.take(1, 1)).ok).toBe(true);
    expect((await limiter.take(1, 1)).ok).toBe(false);
  });
});

describe.skipIf(!hasRedisServer())("per-person rate limit on Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("two replicas draw on one budget, and a failing Redis is STORE_UNAVAILABLE, not a pass", async () => {
    const first = await openStore(redis.url);
    const second = await openStore(redis.url);
    try {
      const replicaA = createRateLimiter({ perMinute: 3, store: first });
      const replicaB = createRateLimiter({ perMinute: 3, store: second });
      expect((await replicaA.take(41, 2)).ok).toBe(true);
      expect((await replicaB.take(41)).ok).toBe(true);
      const refused = await replicaB.take(41);
      expect(refused).toMatchObject({ ok: false, warn: true });
      expect(refused.retryInSeconds).toBeGreaterThan(55);
      // The note was given on B: A does not give it again within 15 s.
      expect((await replicaA.take(41)).warn).toBe(false);
    } finally {
      await first.close();
    }
    const closed = createRateLimiter({ perMinute: 3, store: first });
    await expect(closed.take(42)).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    await second.close();
  });
});
