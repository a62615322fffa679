/**
 * The one transport under every Bot API call: pacing, 429 waits, the plain-text fallback, Telegram's 4096
 * limit, best-effort typing, 403s. Over a recording base call and a manual clock (no wall-clock time).
 */
import { TelegramError } from "telegraf";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { createPacer, paceLimits } from "../../src/telegram/pacer.js";
import { type ApiCall, createTransport, RATE_LIMIT_BUDGET_MS } from "../../src/telegram/transport.js";

const apiError = (code: number, description: string, retryAfter?: number) =>
  new TelegramError({
    error_code: code,
    description,
    ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
  });

/** A clock whose sleeps pass at once and are recorded. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** A base call answering from a script of failures (then success), recording every call. */
function scriptedBase(failures: Error[] = []) {
  const calls: { method: string; payload: Record<string, unknown> }[] = [];
  const call: ApiCall = async (method, payload) => {
    calls.push({ method, payload });
    const failure = failures.shift();
    if (failure) throw failure;
    return { message_id: calls.length, method };
  };
  return { calls, call };
}

describe("the Telegram transport", () => {
  it("waits out a 429's retry_after and sends again", async () => {
    const clock = fakeClock();
    const base = scriptedBase([apiError(429, "Too Many Requests: retry after 7", 7)]);
    const transport = createTransport(base.call, { pacer: createPacer(), clock, logger: silentLogger });
    await transport.call("sendMessage", { chat_id: 5, text: "hello" });
    expect(base.calls.map((call) => call.method)).toEqual(["sendMessage", "sendMessage"]);
    expect(clock.sleeps).toContain(7000);
  });

  it("gives the 429 to the caller once the waits would pass the budget", async () => {
    const clock = fakeClock();
    const retryAfter = RATE_LIMIT_BUDGET_MS / 1000 / 2 + 1;
    const base = scriptedBase([1, 2, 3].map(() => apiError(429, "Too Many Requests", retryAfter)));
    const transport = createTransport(base.call, { clock, logger: silentLogger });
    await expect(transport.call("editMessageText", { chat_id: 5, message_id: 1, text: "x" })).rejects.toMatchObject({
      code: 429,
    });
    expect(base.calls).toHaveLength(2);
  });

  it("sends rejected HTML again as plain text", async () => {
    const base = scriptedBase([apiError(400, "Bad Request: can't parse entities: Unsupported start tag")]);
    const transport = createTransport(base.call, { clock: fakeClock(), logger: silentLogger });
    await transport.call("sendMessage", { chat_id: 5, text: "<b>Rivers</b> &amp; <i>lakes</i>", parse_mode: "HTML" });
    expect(base.calls[1]?.payload).toEqual({ chat_id: 5, text: "Rivers & lakes" });
  });

  it("sends a text over 4096 characters in parts, the buttons under the last", async () => {
    const base = scriptedBase();
    const transport = createTransport(base.call, { clock: fakeClock(), logger: silentLogger });
    const paragraph = `${"word ".repeat(300).trim()}.`;
    const text = Array.from({ length: 6 }, () => paragraph).join("\n\n");
    const keyboard = { inline_keyboard: [[{ text: "Ask", callback_data: "ask" }]] };
    await transport.call("sendMessage", { chat_id: 5, text, reply_markup: keyboard });
    const parts = base.calls.map((call) => call.payload);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect([...String(part.text)].length).toBeLessThanOrEqual(4096);
    expect(parts.map((part) => part.text).join("\n\n")).toBe(text);
    expect(parts.at(-1)?.reply_markup).toEqual(keyboard);
    expect(parts.slice(0, -1).every((part) => part.reply_markup === undefined)).toBe(true);
  });

  it("cuts an edit over 4096 characters", async () => {
    const base = scriptedBase();
    const transport = createTransport(base.call, { clock: fakeClock(), logger: silentLogger });
    await transport.call("editMessageText", { chat_id: 5, message_id: 9, text: "x".repeat(5000) });
    expect([...String(base.calls[0]?.payload.text)]).toHaveLength(4096);
  });

  it("paces calls to one chat: a burst of three (spaced at the overall 30 a second), then one a second", async () => {
    const clock = fakeClock();
    const base = scriptedBase();
    const transport = createTransport(base.call, { pacer: createPacer(), clock, logger: silentLogger });
    for (let n = 0; n < 5; n++) await transport.call("sendMessage", { chat_id: 5, text: `m${n}` });
    const spacing = paceLimits().globalIntervalMs;
    expect(clock.sleeps).toEqual([spacing, spacing, 1000 - 2 * spacing, 1000]);
  });

  it("skips typing while the chat is paused, and swallows its failures", async () => {
    const clock = fakeClock();
    const pacer = createPacer();
    const base = scriptedBase([apiError(500, "Internal Server Error")]);
    const transport = createTransport(base.call, { pacer, clock, logger: silentLogger });
    await expect(transport.call("sendChatAction", { chat_id: 5, action: "typing" })).resolves.toBe(true);
    pacer.rateLimited(5, 10_000, clock.now());
    await transport.call("sendChatAction", { chat_id: 5, action: "typing" });
    expect(base.calls).toHaveLength(1);
  });

  it("gives a 403 to the caller at once", async () => {
    const base = scriptedBase([apiError(403, "Forbidden: bot was blocked by the user")]);
    const transport = createTransport(base.call, { clock: fakeClock(), logger: silentLogger });
    await expect(transport.call("sendMessage", { chat_id: 5, text: "hi" })).rejects.toMatchObject({ code: 403 });
    expect(base.calls).toHaveLength(1);
  });

  it("routes to a new base call (the terminal chat's screen)", async () => {
    const first = scriptedBase();
    const second = scriptedBase();
    const transport = createTransport(first.call, { clock: fakeClock(), logger: silentLogger });
    transport.route(second.call);
    await transport.call("sendMessage", { chat_id: 5, text: "hi" });
    expect([first.calls.length, second.calls.length]).toEqual([0, 1]);
  });
});
