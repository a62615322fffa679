import { describe, expect, it } from "vitest";
import { classifySendError, DeliveryQueue, type SendPart } from "../../src/digest/delivery.js";

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

/** A recording sender; `fail` decides per call whether to throw. */
function recorder(fail: (chatId: number, text: string, attempt: number) => Error | undefined = () => undefined) {
  const sent: Array<{ chatId: number; text: string; at: number }> = [];
  const attempts = new Map<string, number>();
  let id = 0;
  const send: SendPart = async (chatId, { text }) => {
    const key = `${chatId}:${text}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const error = fail(chatId, text, attempt);
    if (error) throw error;
    sent.push({ chatId, text, at: performance.now() });
    return ++id;
  };
  return { send, sent, attempts };
}

describe("DeliveryQueue (time scaled ×1/100: 30/s → 3000/s, 1 s per chat → ~10 ms)", () => {
  it("keeps one chat's parts in order and at least the per-chat interval apart", async () => {
    const { send, sent } = recorder();
    const queue = new DeliveryQueue({ send, timeScale: 0.01 });
    const ids: number[] = [];
    const outcome = await queue.enqueue(1, [part("a"), part("b"), part("c")], {
      onPart: (_index, id) => void ids.push(id),
    });
    expect(outcome).toBe("sent");
    expect(sent.map((entry) => entry.text)).toEqual(["a", "b", "c"]);
    expect(ids).toEqual([1, 2, 3]);
    for (let index = 1; index < sent.length; index += 1) {
      expect((sent[index]?.at ?? 0) - (sent[index - 1]?.at ?? 0)).toBeGreaterThanOrEqual(10);
    }
  });

  it("never exceeds the global rate beyond its small burst", async () => {
    const { send, sent } = recorder();
    const queue = new DeliveryQueue({ send, timeScale: 0.1 }); // 300/s
    const started = performance.now();
    await Promise.all(Array.from({ length: 90 }, (_, chat) => queue.enqueue(chat + 1, [part("x")])));
    const elapsed = performance.now() - started;
    // 90 messages at 300/s with a burst of 10: at least (90 - 10) / 300 s.
    expect(elapsed).toBeGreaterThanOrEqual(((90 - 10) / 300) * 1000 - 5);
    expect(sent).toHaveLength(90);
  });

  it("on a 429 for a chat that just sent, waits retry_after for that chat only", async () => {
    const { send, sent } = recorder((chatId, text, attempt) =>
      chatId === 1 && text === "b" && attempt === 1 ? telegramError(429, 5) : undefined,
    );
    const queue = new DeliveryQueue({ send, timeScale: 0.01 });
    const one = queue.enqueue(1, [part("a"), part("b")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const two = queue.enqueue(2, [part("other")]);
    expect(await Promise.all([one, two])).toEqual(["sent", "sent"]);
    expect(queue.stats).toMatchObject({ rateLimited: 1, globalPauses: 0 });
    const b = sent.find((entry) => entry.text === "b");
    const a = sent.find((entry) => entry.text === "a");
    const other = sent.find((entry) => entry.text === "other");
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(50 - 2); // 5 s × 1/100
    expect(other?.at ?? Infinity).toBeLessThan(b?.at ?? 0); // chat 2 was not held up
  });

  it("on a 429 for a chat that had not sent, pauses the whole queue (the flood is global)", async () => {
    let failedAt = 0;
    const { send, sent } = recorder((chatId, _text, attempt) => {
      if (chatId !== 1 || attempt !== 1) return undefined;
      failedAt = performance.now();
      return telegramError(429, 3);
    });
    const queue = new DeliveryQueue({ send, timeScale: 0.01, burst: 1, maxInFlight: 1 });
    const chats = Array.from({ length: 10 }, (_, index) => index + 1);
    const results = await Promise.all(chats.map((chat) => queue.enqueue(chat, [part(`to ${chat}`)])));
    expect(results).toEqual(chats.map(() => "sent"));
    expect(queue.stats.globalPauses).toBe(1);
    // Nothing went out while the queue waited: 3 s × 1/100 after the 429.
    const next = sent.filter((entry) => entry.at > failedAt);
    expect(next).toHaveLength(10);
    for (const entry of next) expect(entry.at - failedAt).toBeGreaterThanOrEqual(30 - 2);
  });

  it("drops a chat that blocked the bot (403) and retries transient errors a bounded number of times", async () => {
    const { send, sent, attempts } = recorder((chatId) =>
      chatId === 1
        ? telegramError(403)
        : chatId === 2
          ? Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
          : undefined,
    );
    const queue = new DeliveryQueue({ send, timeScale: 0.001, maxRetries: 2 });
    const results = await Promise.all([
      queue.enqueue(1, [part("a"), part("b")]),
      queue.enqueue(1, [part("next day")]),
      queue.enqueue(2, [part("c")]),
      queue.enqueue(3, [part("d")]),
    ]);
    expect(results).toEqual(["blocked", "blocked", "failed", "sent"]);
    expect(attempts.get("1:a")).toBe(1);
    expect(attempts.get("1:b")).toBeUndefined();
    expect(attempts.get("2:c")).toBe(3); // first try + 2 retries
    expect(sent.map((entry) => entry.text)).toEqual(["d"]);
  });

  it("skips a part Telegram rejects (400) and goes on with the rest", async () => {
    const { send, sent } = recorder((_chat, text) => (text === "bad" ? telegramError(400) : undefined));
    const queue = new DeliveryQueue({ send, timeScale: 0.001 });
    const ids: number[] = [];
    expect(await queue.enqueue(9, [part("bad"), part("good")], { onPart: (_index, id) => void ids.push(id) })).toBe(
      "sent",
    );
    expect(sent.map((entry) => entry.text)).toEqual(["good"]);
    expect(ids).toEqual([0, 1]);
  });

  it("stops a digest whose ledger cannot be written: no part sent twice or past the end, no hang", async () => {
    const { send, sent, attempts } = recorder((_chat, text) => (text === "bad" ? telegramError(400) : undefined));
    const queue = new DeliveryQueue({ send, timeScale: 0.001 });
    const diskFull = () => {
      throw new Error("disk full");
    };
    // After a sent part…
    expect(await queue.enqueue(3, [part("one"), part("two")], { onPart: diskFull })).toBe("failed");
    // …and after a part Telegram rejected.
    expect(await queue.enqueue(4, [part("bad"), part("three")], { onPart: diskFull })).toBe("failed");
    await queue.idle();
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
