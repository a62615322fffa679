import { describe, expect, it } from "vitest";
import {
  classifySendError,
  DeliveryQueue,
  type DeliveryQueueOptions,
  type SendPart,
} from "../../src/digest/delivery.js";
import { type VirtualClock, virtualClock } from "../helpers/virtual-clock.js";

const part = (text: string) => ({ text, buttons: [] });
const telegramError = (code: number, retryAfter?: number) =>
  Object.assign(new Error(`error ${code}`), {
    code,
    response: {
      ok: false,
      error_code: code,
      description: `error ${code}`,
      ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
    },
  });

/** A queue on virtual time: Telegram's real intervals, asserted exactly, in no wall-clock time. */
function queueOn(clock: VirtualClock, options: Omit<DeliveryQueueOptions, "now" | "timers">): DeliveryQueue {
  return new DeliveryQueue({ ...options, now: clock.now, timers: clock });
}

/** A recording sender (times on `clock`); `fail` decides per call whether to throw. */
function recorder(
  clock: VirtualClock,
  fail: (chatId: number, text: string, attempt: number) => Error | undefined = () => undefined,
) {
  const sent: Array<{ chatId: number; text: string; at: number }> = [];
  const attempts = new Map<string, number>();
  let id = 0;
  const send: SendPart = async (chatId, { text }) => {
    const key = `${chatId}:${text}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const error = fail(chatId, text, attempt);
    if (error) throw error;
    sent.push({ chatId, text, at: clock.now() });
    return ++id;
  };
  return { send, sent, attempts };
}

describe("DeliveryQueue (on a virtual clock: Telegram's real 30/s and ~1/s per chat)", () => {
  it("keeps one chat's parts in order and at least the per-chat interval apart", async () => {
    const clock = virtualClock();
    const { send, sent } = recorder(clock);
    const queue = queueOn(clock, { send, perChatIntervalMs: 1050 });
    const ids: number[] = [];
    const outcome = await clock.run(
      queue.enqueue(1, [part("a"), part("b"), part("c")], {
        onPart: (_index, id) => void ids.push(id),
      }),
    );
    expect(outcome).toBe("sent");
    expect(sent.map((entry) => entry.text)).toEqual(["a", "b", "c"]);
    expect(ids).toEqual([1, 2, 3]);
    for (let index = 1; index < sent.length; index += 1) {
      expect((sent[index]?.at ?? 0) - (sent[index - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1050);
    }
  });

  it("never exceeds the global rate beyond its small burst", async () => {
    const clock = virtualClock();
    const { send, sent } = recorder(clock);
    const queue = queueOn(clock, { send, ratePerSecond: 30, burst: 10 });
    await clock.run(Promise.all(Array.from({ length: 90 }, (_, chat) => queue.enqueue(chat + 1, [part("x")]))));
    expect(sent).toHaveLength(90);
    // 90 messages at 30/s with a burst of 10: the last goes out no sooner than (90 - 10) / 30 s after the first,
    // and no one-second window holds more than 30 + the burst.
    expect((sent.at(-1)?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(((90 - 10) / 30) * 1000 - 1);
    for (const entry of sent) {
      expect(sent.filter((other) => other.at >= entry.at && other.at < entry.at + 1000).length).toBeLessThanOrEqual(40);
    }
  });

  it("on a 429 for a chat that just sent, waits retry_after for that chat only", async () => {
    const clock = virtualClock();
    const { send, sent } = recorder(clock, (chatId, text, attempt) =>
      chatId === 1 && text === "b" && attempt === 1 ? telegramError(429, 5) : undefined,
    );
    const queue = queueOn(clock, { send });
    const one = queue.enqueue(1, [part("a"), part("b")]);
    // Chat 1 has sent "a" (so its 429 on "b" is its own limit) before chat 2 writes.
    await clock.runUntil(() => sent.length === 1);
    const two = queue.enqueue(2, [part("other")]);
    expect(await clock.run(Promise.all([one, two]))).toEqual(["sent", "sent"]);
    expect(queue.stats).toMatchObject({ rateLimited: 1, globalPauses: 0 });
    const b = sent.find((entry) => entry.text === "b");
    const a = sent.find((entry) => entry.text === "a");
    const other = sent.find((entry) => entry.text === "other");
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(5000);
    expect(other?.at ?? Infinity).toBeLessThan(b?.at ?? 0); // chat 2 was not held up
  });

  it("on a 429 for a chat that had not sent, pauses the whole queue (the flood is global)", async () => {
    const clock = virtualClock();
    let failedAt = 0;
    const { send, sent } = recorder(clock, (chatId, _text, attempt) => {
      if (chatId !== 1 || attempt !== 1) return undefined;
      failedAt = clock.now();
      return telegramError(429, 3);
    });
    const queue = queueOn(clock, { send, burst: 1, maxInFlight: 1 });
    const chats = Array.from({ length: 10 }, (_, index) => index + 1);
    const results = await clock.run(Promise.all(chats.map((chat) => queue.enqueue(chat, [part(`to ${chat}`)]))));
    expect(results).toEqual(chats.map(() => "sent"));
    expect(queue.stats.globalPauses).toBe(1);
    // Nothing went out while the queue waited: 3 s after the 429.
    const next = sent.filter((entry) => entry.at >= failedAt);
    expect(next).toHaveLength(10);
    for (const entry of next) expect(entry.at - failedAt).toBeGreaterThanOrEqual(3000);
  });

  it("drops a chat that blocked the bot (403) and retries transient errors a bounded number of times", async () => {
    const clock = virtualClock();
    const { send, sent, attempts } = recorder(clock, (chatId) =>
      chatId === 1
        ? telegramError(403)
        : chatId === 2
          ? Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
          : undefined,
    );
    const queue = queueOn(clock, { send, maxRetries: 2 });
    const results = await clock.run(
      Promise.all([
        queue.enqueue(1, [part("a"), part("b")]),
        queue.enqueue(1, [part("next day")]),
        queue.enqueue(2, [part("c")]),
        queue.enqueue(3, [part("d")]),
      ]),
    );
    expect(results).toEqual(["blocked", "blocked", "failed", "sent"]);
    expect(attempts.get("1:a")).toBe(1);
    expect(attempts.get("1:b")).toBeUndefined();
    expect(attempts.get("2:c")).toBe(3); // first try + 2 retries
    expect(sent.map((entry) => entry.text)).toEqual(["d"]);
  });

  it("skips a part Telegram rejects (400) and goes on with the rest", async () => {
    const clock = virtualClock();
    const { send, sent } = recorder(clock, (_chat, text) => (text === "bad" ? telegramError(400) : undefined));
    const queue = queueOn(clock, { send });
    const ids: number[] = [];
    expect(
      await clock.run(queue.enqueue(9, [part("bad"), part("good")], { onPart: (_index, id) => void ids.push(id) })),
    ).toBe("sent");
    expect(sent.map((entry) => entry.text)).toEqual(["good"]);
    expect(ids).toEqual([0, 1]);
  });

  it("stops a digest whose ledger cannot be written: no part sent twice or past the end, no hang", async () => {
    const clock = virtualClock();
    const { send, sent, attempts } = recorder(clock, (_chat, text) =>
      text === "bad" ? telegramError(400) : undefined,
    );
    const queue = queueOn(clock, { send });
    const diskFull = () => {
      throw new Error("disk full");
    };
    // After a sent part…
    expect(await clock.run(queue.enqueue(3, [part("one"), part("two")], { onPart: diskFull }))).toBe("failed");
    // …and after a part Telegram rejected.
    expect(await clock.run(queue.enqueue(4, [part("bad"), part("three")], { onPart: diskFull }))).toBe("failed");
    await clock.run(queue.idle());
    expect(sent.map((entry) => entry.text)).toEqual(["one"]);
    expect([...attempts.values()]).toEqual([1, 1]);
  });

  it("reads telegraf errors and network errors", () => {
    expect(classifySendError(telegramError(429, 7))).toEqual({ kind: "rate-limited", retryAfterMs: 7000 });
    expect(classifySendError(telegramError(403)).kind).toBe("blocked");
    expect(classifySendError(telegramError(400)).kind).toBe("rejected");
    expect(classifySendError(telegramError(502)).kind).toBe("transient");
    expect(classifySendError(new Error("ECONNREFUSED")).kind).toBe("transient");
  });
});
