import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LlmError } from "../../src/errors.js";
import type { LlmClient } from "../../src/llm/client.js";
import { limitConcurrency } from "../../src/llm/limit.js";
import { createOpenAiClient, retryAfterMs } from "../../src/llm/openai.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";

const SCHEMA = { name: "thing", schema: { type: "object", properties: { a: { type: "string" } } } };
const ASK = { messages: [{ role: "user" as const, content: "hello" }] };

describe("createOpenAiClient against the fake OpenAI server", () => {
  let ai: FakeOpenAi;
  let waits: number[];
  const client = (overrides: Partial<Parameters<typeof createOpenAiClient>[0]> = {}): LlmClient =>
    createOpenAiClient({
      baseUrl: ai.baseUrl,
      model: "fake-model",
      timeoutMs: 5000,
      maxRetries: 0,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...overrides,
    });

  beforeEach(async () => {
    ai = await startFakeOpenAi();
    waits = [];
  });
  afterEach(async () => {
    await ai.close();
  });

  it("sends the messages and returns the text, model and token usage", async () => {
    ai.reply({ content: "hi there", usage: { prompt_tokens: 11, completion_tokens: 3 }, model: "fake-model-2024" });
    const seen: number[] = [];
    const llm = client({ onUsage: (usage) => seen.push(usage.prompt_tokens) });
    const result = await llm.complete({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hello" },
      ],
      maxTokens: 50,
    });
    expect(result).toEqual({
      text: "hi there",
      usage: { prompt_tokens: 11, completion_tokens: 3 },
      model: "fake-model-2024",
    });
    expect(seen).toEqual([11]);
    const [request] = ai.chatRequests();
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.system).toBe("be brief");
    expect(request?.user).toBe("hello");
    expect(request?.body.model).toBe("fake-model");
    expect(request?.body.max_tokens).toBe(50);
    expect(request?.body.response_format).toBeUndefined();
  });

  it("works with a base URL and no key (local servers), sending a placeholder key", async () => {
    ai.reply({ content: "ok" });
    await client().complete(ASK);
    expect(ai.requests[0]?.headers.authorization).toBe("Bearer not-needed");
  });

  it("sends the API key when given", async () => {
    ai.reply({ content: "ok" });
    await client({ apiKey: "sk-test-123" }).complete(ASK);
    expect(ai.requests[0]?.headers.authorization).toBe("Bearer sk-test-123");
  });

  it("estimates usage when the server reports none", async () => {
    ai.reply({ content: "a short answer", usage: null });
    const result = await client().complete(ASK);
    expect(result.usage.prompt_tokens).toBeGreaterThan(0);
    expect(result.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("asks for json_schema output when a schema is given", async () => {
    ai.reply({ content: '{"a":"x"}' });
    await client().complete({ ...ASK, jsonSchema: SCHEMA });
    expect(ai.chatRequests()[0]?.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "thing", schema: SCHEMA.schema },
    });
  });

  it("asks again without response_format when the server rejects it, and stops sending it", async () => {
    ai.reply(
      { status: 400, body: { error: { message: "response_format not supported" } } },
      { content: "a" },
      { content: "b" },
    );
    const llm = client();
    expect((await llm.complete({ ...ASK, jsonSchema: SCHEMA })).text).toBe("a");
    expect((await llm.complete({ ...ASK, jsonSchema: SCHEMA })).text).toBe("b");
    const formats = ai.chatRequests().map((request) => request.body.response_format?.type);
    expect(formats).toEqual(["json_schema", undefined, undefined]);
  });

  it("switches to max_completion_tokens and drops temperature when a reasoning model refuses them", async () => {
    ai.reply(
      {
        status: 400,
        body: {
          error: {
            message:
              "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          },
        },
      },
      {
        status: 400,
        body: { error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model." } },
      },
      { content: "ok" },
      { content: "again" },
    );
    const llm = client();
    const ask = { ...ASK, maxTokens: 100, temperature: 0.2, jsonSchema: SCHEMA };
    expect((await llm.complete(ask)).text).toBe("ok");
    expect((await llm.complete(ask)).text).toBe("again");
    const bodies = ai.chatRequests().map((request) => request.body);
    expect(bodies.map((body) => [body.max_tokens, body.max_completion_tokens, body.temperature])).toEqual([
      [100, undefined, 0.2],
      [undefined, 100, 0.2],
      [undefined, 100, undefined],
      [undefined, 100, undefined],
    ]);
    // The schema was never the problem: still sent.
    expect(bodies.every((body) => body.response_format?.type === "json_schema")).toBe(true);
  });

  it("gives up on a 400 once there is nothing left to drop", async () => {
    ai.setFallback({ status: 400, body: { error: { message: "bad request" } } });
    await expect(client({ maxRetries: 2 }).complete({ ...ASK, jsonSchema: SCHEMA })).rejects.toMatchObject({
      code: "LLM_UNAVAILABLE",
      details: { status: 400 },
    });
    expect(ai.chatRequests()).toHaveLength(2);
  });

  it("retries a 429 after the time retry-after asks for", async () => {
    ai.reply({ status: 429, headers: { "retry-after": "2" } }, { content: "done" });
    const result = await client({ maxRetries: 2 }).complete(ASK);
    expect(result.text).toBe("done");
    expect(ai.chatRequests()).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it("really waits for retry-after with the default timer", async () => {
    ai.reply({ status: 429, headers: { "retry-after-ms": "150" } }, { content: "done" });
    const llm = createOpenAiClient({ baseUrl: ai.baseUrl, model: "m", timeoutMs: 5000, maxRetries: 1 });
    const started = Date.now();
    expect((await llm.complete(ASK)).text).toBe("done");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("gives up after maxRetries on 5xx with LLM_UNAVAILABLE and the status", async () => {
    ai.setFallback({ status: 503 });
    const error = await client({ maxRetries: 2 })
      .complete(ASK)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: "LLM_UNAVAILABLE", details: { status: 503 } });
    expect(ai.chatRequests()).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it("does not retry a 401", async () => {
    ai.setFallback({ status: 401, body: { error: { message: "bad key" } } });
    await expect(client({ maxRetries: 3 }).complete(ASK)).rejects.toMatchObject({ code: "LLM_UNAVAILABLE" });
    expect(ai.chatRequests()).toHaveLength(1);
  });

  it("retries a dropped connection", async () => {
    ai.reply({ drop: true }, { content: "back" });
    expect((await client({ maxRetries: 1 }).complete(ASK)).text).toBe("back");
    expect(ai.chatRequests()).toHaveLength(2);
  });

  it("refuses a retry-after too long to wait for", async () => {
    ai.reply({ status: 429, headers: { "retry-after": "3600" } }, { content: "never" });
    await expect(client({ maxRetries: 2 }).complete(ASK)).rejects.toThrow(/asked to wait 3600 s/);
    expect(waits).toEqual([]);
  });

  it("gives up with LLM_TIMEOUT when the headers do not come within timeoutMs", async () => {
    ai.reply({ content: "late", delayMs: 2000 });
    await expect(client({ timeoutMs: 1000, maxRetries: 2 }).complete(ASK)).rejects.toMatchObject({
      code: "LLM_TIMEOUT",
      message: expect.stringMatching(/did not answer in time \(1 s\)/),
    });
  });

  it("gives up with LLM_TIMEOUT and closes the connection when the body stalls after the headers", async () => {
    ai.reply({ stallAfterHeaders: true });
    await expect(client({ timeoutMs: 1000, maxRetries: 2 }).complete(ASK)).rejects.toMatchObject({
      code: "LLM_TIMEOUT",
    });
    await ai.whenAbandoned(1);
    expect(ai.stalls()).toEqual({ open: 0, abandoned: 1 });
    expect(ai.chatRequests()).toHaveLength(1);
  });

  it("a request deadline earlier than timeoutMs wins", async () => {
    ai.reply({ stallAfterHeaders: true });
    const llm = client({ timeoutMs: 60_000 });
    await expect(llm.complete({ ...ASK, deadline: Date.now() + 300 })).rejects.toMatchObject({ code: "LLM_TIMEOUT" });
    await ai.whenAbandoned(1);
  });

  it("rethrows the caller's abort instead of an LlmError", async () => {
    ai.reply({ content: "late", delayMs: 1000 });
    const controller = new AbortController();
    const pending = client().complete({ ...ASK, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("person went away")), 50);
    await expect(pending).rejects.toThrow("person went away");
  });

  it("limitConcurrency keeps at most n calls in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const slow: LlmClient = {
      model: "m",
      complete: async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        return { text: "x", usage: { prompt_tokens: 1, completion_tokens: 1 }, model: "m" };
      },
    };
    const limited = limitConcurrency(slow, 2);
    await Promise.all(Array.from({ length: 6 }, () => limited.complete(ASK)));
    expect(peak).toBe(2);
  });

  it("limitConcurrency drops a waiting call whose signal aborts, without running it", async () => {
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const blocking: LlmClient = {
      model: "m",
      complete: async () => {
        calls += 1;
        await gate;
        return { text: "x", usage: { prompt_tokens: 1, completion_tokens: 1 }, model: "m" };
      },
    };
    const limited = limitConcurrency(blocking, 1);
    const first = limited.complete(ASK);
    const controller = new AbortController();
    const waiting = limited.complete({ ...ASK, signal: controller.signal });
    controller.abort(new Error("gave up waiting"));
    await expect(waiting).rejects.toThrow();
    release();
    await first;
    expect(calls).toBe(1);
  });
});

describe("limitConcurrency with a deadline", () => {
  let ai: FakeOpenAi;
  beforeEach(async () => {
    ai = await startFakeOpenAi();
  });
  afterEach(async () => {
    await ai.close();
  });

  it("frees the slots of stalled calls at their deadline and serves the queue in arrival order", async () => {
    const stalling = createOpenAiClient({ baseUrl: ai.baseUrl, model: "m", timeoutMs: 1000, maxRetries: 0 });
    const limited = limitConcurrency(stalling, 2, { timeoutMs: 4000 });
    for (let stall = 0; stall < 2; stall += 1) ai.reply({ stallAfterHeaders: true });
    const stalled = [limited.complete(ASK), limited.complete(ASK)];
    // Two more behind them: the first of them gets its answer after the stalls time out, in order.
    const order: string[] = [];
    ai.setFallback((request) => ({ content: `answer to ${request.user}` }));
    const queued = ["third", "fourth"].map((name) =>
      limited.complete({ messages: [{ role: "user", content: name }] }).then((result) => order.push(result.text)),
    );
    for (const call of stalled) await expect(call).rejects.toMatchObject({ code: "LLM_TIMEOUT" });
    await Promise.all(queued);
    expect(order).toEqual(["answer to third", "answer to fourth"]);
    await ai.whenAbandoned(2);
    expect(ai.chatRequests().map((request) => request.user)).toEqual(["hello", "hello", "third", "fourth"]);
  });

  it("a call queued behind stalled ones rejects with LLM_TIMEOUT at its own deadline, never sent", async () => {
    // The inner client has no deadline worth the name: only the limiter's, counted from the call, applies.
    const stalling = createOpenAiClient({ baseUrl: ai.baseUrl, model: "m", timeoutMs: 600_000, maxRetries: 0 });
    const limited = limitConcurrency(stalling, 1, { timeoutMs: 1000 });
    ai.reply({ stallAfterHeaders: true });
    const first = limited.complete(ASK);
    const second = limited.complete({ messages: [{ role: "user", content: "second" }] });
    await expect(first).rejects.toMatchObject({ code: "LLM_TIMEOUT" });
    await expect(second).rejects.toMatchObject({ code: "LLM_TIMEOUT" });
    await ai.whenAbandoned(1);
    expect(limited.queue.pending + limited.queue.size).toBe(0);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds, milliseconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});
