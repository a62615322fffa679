/**
 * One Telegram budget for every replica: two bots' pacers on one Redis book their slots from the same limits,
 * and a 429 met by one holds back the other. Time is a manual clock: the pacers' sleeps are recorded, not slept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/store.js";
import { ARRIVAL_MARGIN_MS, createPacer, paceLimits, pacerFor, type TelegramPacer } from "../../src/telegram/pacer.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";
import { busiestWindow } from "../helpers/windows.js";

/** A clock that stands still; each sleep is recorded as the delay a slot was given. */
function stillClock(now: number) {
  const sleeps: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void sleeps.push(ms), sleeps };
}

/** Books `count` slots for each chat from `pacer`; resolves with each slot's delay from now. */
async function book(pacer: TelegramPacer, chats: readonly number[], count: number, now: number): Promise<number[]> {
  const delays: number[] = [];
  for (let index = 0; index < count; index += 1) {
    for (const chatId of chats) {
      const clock = stillClock(now);
      await pacer.slot(chatId, clock);
      delays.push(clock.sleeps[0] ?? 0);
    }
  }
  return delays;
}

describe.runIf(hasRedisServer())("the Telegram budget on Redis", () => {
  let redis: RedisServer;
  const stores: Store[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await redis?.stop();
  });
  const twoReplicas = async () => {
    const [a, b] = [await openStore(redis.url), await openStore(redis.url)];
    stores.push(a, b);
    return [pacerFor(a), pacerFor(b)] as const;
  };
  let base = Date.UTC(2026, 0, 15, 8);
  const nextStart = () => {
    base += 3_600_000;
    return base;
  };

  it("one chat: two replicas together send about one message a second after a burst of three", async () => {
    const [a, b] = await twoReplicas();
    const now = nextStart();
    const delays = [...(await book(a, [1], 5, now)), ...(await book(b, [1], 5, now))].sort((x, y) => x - y);
    // The burst of three is spaced by the overall pace (1/30 s), then the chat's one a second.
    const spacing = paceLimits().globalIntervalMs;
    const expected = [0, spacing, 2 * spacing, 1000, 2000, 3000, 4000, 5000, 6000, 7000];
    for (const [index, delay] of delays.entries()) expect(delay).toBeCloseTo(expected[index] as number, 2);
    // Alone, each replica's own pacer would have let three out at once, six together.
    const alone = [...(await book(createPacer(), [1], 5, now)), ...(await book(createPacer(), [1], 5, now))];
    expect(alone.filter((delay) => delay < 100)).toHaveLength(6);
  });

  it("many chats: the sum stays within 30 a second", async () => {
    const [a, b] = await twoReplicas();
    const now = nextStart();
    const chats = Array.from({ length: 60 }, (_unused, index) => 1000 + index);
    const [fromA, fromB] = await Promise.all([book(a, chats, 1, now), book(b, chats, 1, now)]);
    const all = [...fromA, ...fromB];
    expect(all).toHaveLength(120);
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(30);
    // …and the budget is used, not wasted: 120 messages go out within 120 spacings (4.16 s).
    expect(Math.max(...all)).toBeLessThan(120 * paceLimits().globalIntervalMs);
  });

  it("TELEGRAM_MAX_PER_SECOND=12: the sum of three replicas stays within 12 a second", async () => {
    const limits = paceLimits(12);
    // Spaced so that 12 fit in a second plus the arrival margin (see pacer.ts).
    expect(limits).toMatchObject({ globalIntervalMs: (1000 + ARRIVAL_MARGIN_MS) / 12, globalBurst: 1 });
    const opened = [await openStore(redis.url), await openStore(redis.url), await openStore(redis.url)];
    stores.push(...opened);
    const pacers = opened.map((store) => pacerFor(store, limits));
    const now = nextStart();
    const chats = Array.from({ length: 30 }, (_unused, index) => 5000 + index);
    const all = (await Promise.all(pacers.map((pacer) => book(pacer, chats, 1, now)))).flat();
    expect(all).toHaveLength(90);
    expect(busiestWindow(all, 1000)).toBeLessThanOrEqual(12);
    // Evenly spaced at the rate: the 90th slot is booked 89 spacings out.
    expect(Math.max(...all)).toBeCloseTo(89 * limits.globalIntervalMs, 0);
  });

  it("timers that fire late on two replicas still leave no second over 30 (sends counted in Redis)", async () => {
    const [a, b] = await twoReplicas();
    const start = nextStart();
    const stallUntil = start + 500;
    // Each send's own clock: it stands at `start` until the send sleeps, and a sleep that would end before
    // start + 500 ms ends then (both event loops were blocked till then). Sends alternate between the replicas.
    const sent: number[] = [];
    for (let index = 0; index < 90; index += 1) {
      let now = start;
      const clock = {
        now: () => now,
        sleep: async (ms: number) => {
          now = Math.max(now + ms, stallUntil);
        },
      };
      sent.push((await (index % 2 === 0 ? a : b).slot(9000 + index, clock)) - start);
    }
    // Only the very first send went out at once; the slots booked before 500 ms were let go at its end or later…
    expect(sent.filter((at) => at < 500)).toEqual([0]);
    expect(sent.filter((at) => at === 500).length).toBeGreaterThan(10);
    // …and were counted there, so the ones booked after them waited: no window of a second holds more than 30.
    expect(busiestWindow(sent, 999)).toBeLessThanOrEqual(30);
    expect(sent).toHaveLength(90);
  });

  it("a 429 that holds back everyone on one replica pauses the other too", async () => {
    const [a, b] = await twoReplicas();
    const now = nextStart();
    // A quiet chat told to wait: Telegram's global flood limit (see createPacer).
    expect(a.rateLimited(7, 5000, now)).toBe(true);
    // a's own next send waits for it (and for the pause to be written), and so does b's, in another chat.
    expect(await book(a, [7], 1, now)).toEqual([5000]);
    const [fromB] = await book(b, [8], 1, now);
    expect(fromB).toBeCloseTo(5000 + paceLimits().globalIntervalMs, 2);
  });
});
