import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { articleHtml, modelSummary } from "../bot/harness.js";
import { hasRedisServer, startRedis } from "../helpers/redis.js";
import { SECRET, type Service, startService, WEBHOOK_PATH } from "./service.js";

const placeholdersAnswered = (service: Service, chatId: number) =>
  service.tg
    .callsTo("editMessageText")
    .filter((call) => call.ok && call.params.chat_id === chatId)
    .map((call) => call.params.message_id);

describe("webhook mode", () => {
  let service: Service | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  it("tells Telegram the URL, the secret, the updates it handles and the connection limit", async () => {
    service = await startService({ env: { WEBHOOK_MAX_CONNECTIONS: "12" } });
    expect(service.tg.webhook).toMatchObject({
      url: service.hook,
      secret_token: SECRET,
      allowed_updates: ["message", "callback_query", "my_chat_member"],
      max_connections: 12,
    });
    expect(service.tg.callsTo("getUpdates")).toHaveLength(0);
  });

  it("answers 401 to a wrong or missing secret and handles nothing", async () => {
    service = await startService();
    const update = service.tg.textMessage({ chatId: 1, text: "/help" });
    expect((await service.tg.deliver(update, { secret: "wrong", attempts: 1 })).status).toBe(401);
    const bare = await fetch(service.hook, { method: "POST", body: JSON.stringify({ ...update, update_id: 99 }) });
    expect(bare.status).toBe(401);
    await service.app.settled();
    expect(service.tg.callsTo("sendMessage")).toHaveLength(0);
  });

  it("answers 405 to anything but POST and 413 to a body over the cap", async () => {
    service = await startService();
    const get = await fetch(service.hook, { headers: { "x-telegram-bot-api-secret-token": SECRET } });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const huge = service.tg.textMessage({ chatId: 1, text: "x".repeat(5000) });
    expect((await service.tg.deliver(huge, { attempts: 1 })).status).toBe(413);
    await service.app.settled();
    expect(service.tg.callsTo("sendMessage")).toHaveLength(0);
  });

  it("answers 200 before the summary is made, then edits the summary into the placeholder", async () => {
    service = await startService({ site: { "/river": { body: articleHtml() } } });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    service.ai.reply(async () => {
      await held;
      return { content: modelSummary("en") };
    });
    const outcome = await service.tg.deliver(service.tg.textMessage({ chatId: 7, text: `${service.site.url}/river` }));
    expect(outcome).toMatchObject({ status: 200, attempts: 1 });
    await service.ai.whenChatRequests(1);
    // The model has not answered, yet Telegram has its 200 and the person a placeholder.
    expect(service.tg.chatTranscript(7).at(-1)?.text).toMatch(/Reading/);
    expect(placeholdersAnswered(service, 7)).toHaveLength(0);
    release();
    await service.tg.waitFor((call) => call.method === "editMessageText" && call.ok);
    await service.app.settled();
    expect(service.tg.chatTranscript(7).at(-1)?.text).toMatch(/River levels in the north rose sharply/);
  });

  it("handles an update delivered twice once: one placeholder, one answer", async () => {
    service = await startService({ site: { "/river": { body: articleHtml() } } });
    service.ai.setFallback({ content: modelSummary("en") });
    const update = { ...service.tg.textMessage({ chatId: 8, text: `${service.site.url}/river` }), update_id: 500 };
    const [first, second] = await Promise.all([service.tg.deliver(update), service.tg.deliver(update)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await service.tg.waitFor((call) => call.method === "editMessageText" && call.ok);
    await service.app.settled();
    // A third, late re-delivery (Telegram thought the 200 was lost) is dropped too.
    expect((await service.tg.deliver(update)).status).toBe(200);
    await service.app.settled();
    const placeholders = service.tg.callsTo("sendMessage").filter((call) => call.params.chat_id === 8);
    expect(placeholders).toHaveLength(1);
    expect(placeholdersAnswered(service, 8)).toHaveLength(1);
    expect(service.ai.chatRequests()).toHaveLength(1);
  });

  it("says healthy with the store up and not ready with it down", async () => {
    let down = false;
    service = await startService({
      wrapStore: (store): Store =>
        Object.assign(Object.create(store) as Store, {
          ping: async () => {
            if (down) throw new Error("connection lost");
            await store.ping();
          },
        }),
    });
    const up = await fetch(`${service.server.url}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ ok: true, alive: true, store: "up" });
    down = true;
    const notReady = await fetch(`${service.server.url}/healthz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ok: false, alive: true, store: "down" });
    down = false;
    expect((await fetch(`${service.server.url}/healthz`)).status).toBe(200);
  });

  it("exports updates, summaries, model calls, failures and queue depth on /metrics", async () => {
    service = await startService({ site: { "/river": { body: articleHtml() } } });
    service.ai.reply({ content: modelSummary("en"), usage: { prompt_tokens: 900, completion_tokens: 120 } });
    await service.tg.deliver(service.tg.textMessage({ chatId: 9, text: `${service.site.url}/river` }));
    await service.tg.waitFor((call) => call.method === "editMessageText" && call.ok);
    await service.tg.deliver(service.tg.textMessage({ chatId: 9, text: `${service.site.url}/missing` }));
    await service.tg.waitForCount((call) => call.method === "editMessageText" && call.ok, 2);
    await service.app.settled();
    const response = await fetch(`${service.server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toContain('jianbao_updates_total{kind="message",outcome="handled"} 2');
    expect(text).toMatch(/jianbao_summaries_total\{mode="[a-z-]+",cached="false"\} 1/);
    expect(text).toContain('jianbao_model_requests_total{outcome="ok"} 1');
    expect(text).toContain('jianbao_model_tokens_total{kind="prompt"} 900');
    expect(text).toContain('jianbao_model_tokens_total{kind="completion"} 120');
    expect(text).toContain('jianbao_model_latency_seconds_count{outcome="ok"} 1');
    expect(text).toMatch(/jianbao_fetch_failures_total\{code="[A-Z_]+"\} 1/);
    expect(text).toContain("jianbao_job_queue_depth 0");
    expect(text).toContain("jianbao_worker_pool_utilisation");
    expect(text).toContain("jianbao_digest_messages_total 0");
    expect(text).toContain("jianbao_telegram_429_total");
    expect(text).toMatch(/nodejs_eventloop_lag_p99_seconds \d/);
  });

  it("serves the webhook only at the path of WEBHOOK_URL", async () => {
    service = await startService();
    const elsewhere = await fetch(`${service.server.url}${WEBHOOK_PATH}/other`, {
      method: "POST",
      headers: { "x-telegram-bot-api-secret-token": SECRET },
      body: "{}",
    });
    expect(elsewhere.status).toBe(404);
  });
});

describe.runIf(hasRedisServer())("/healthz on Redis", () => {
  it("says not ready while Redis is down and ready again when it is back", async () => {
    let redis = await startRedis();
    const port = Number(new URL(redis.url).port);
    const service = await startService({ env: { STORE_URL: redis.url } });
    try {
      expect((await fetch(`${service.server.url}/healthz`)).status).toBe(200);
      await redis.stop();
      const down = await fetch(`${service.server.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ alive: true, store: "down" });
      redis = await startRedis({ port });
      // The client reconnects with a backoff of at most 2 s; each check waits up to 2 s for the store.
      let status = 0;
      for (let attempt = 0; attempt < 10 && status !== 200; attempt += 1) {
        status = (await fetch(`${service.server.url}/healthz`)).status;
      }
      expect(status).toBe(200);
    } finally {
      await service.stop();
      await redis.stop();
    }
  }, 40_000);
});
