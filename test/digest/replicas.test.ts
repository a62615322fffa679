import { Telegram } from "telegraf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { resolveFeed } from "../../src/digest/feeds.js";
import { createDigests, type Digests, telegramSender } from "../../src/digest/index.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { records } from "../../src/store/records.js";
import { openStore, type Store } from "../../src/store/store.js";
import type { Summary } from "../../src/types.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";
import { articlePage, manualClock, rss, summaryReply } from "./helpers.js";

// Two replicas = two processes' worth of state: separate Redis connections, separate digest machinery.
describe.skipIf(!hasRedisServer())("two replicas sharing Redis", () => {
  let redis: RedisServer;
  let stores: Store[];
  let site: FakeSite;
  let ai: FakeOpenAi;
  let tg: FakeTelegram;
  let replicas: Digests[];
  const clock = manualClock("2026-03-10T00:00:00Z");
  const config = loadConfig({ FETCH_ALLOW_PRIVATE: "1" });

  beforeAll(async () => {
    redis = await startRedis();
    stores = [await openStore(redis.url), await openStore(redis.url)];
    site = await startSite();
    ai = await startFakeOpenAi({
      fallback: async (request) => {
        // A slow model widens the window in which both replicas could summarize the same item.
        await new Promise((resolve) => setTimeout(resolve, 30));
        return summaryReply(request);
      },
    });
    tg = await startFakeTelegram();
    replicas = stores.map((store) =>
      createDigests({
        config,
        store,
        llm: createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 5000, maxRetries: 0 }),
        summaryCache: store.collection<Summary>("summary"),
        send: telegramSender(new Telegram(tg.token, { apiRoot: tg.url })),
        clock,
        fetchOptions: { allowPrivate: true },
        queue: { timeScale: 0.01 },
      }),
    );
  });
  afterAll(async () => {
    for (const replica of replicas) replica.stop();
    await Promise.all([site.close(), ai.close(), tg.close()]);
    for (const store of stores) await store.close();
    await redis.stop();
  });

  it("summarizes each item once per language and sends each person one digest", async () => {
    const [a, b] = replicas as [Digests, Digests];
    site.route("/feed.xml", { body: rss("Shared", []), type: "application/rss+xml" });
    const resolved = await resolveFeed(`${site.url}/feed.xml`, { fetchOptions: { allowPrivate: true } });
    const feedId = await a.poller.addFeed(resolved);
    for (let userId = 1; userId <= 20; userId += 1) {
      await a.digests.subscribe(feedId, userId, new Date(clock.now()).toISOString());
      await a.digests.settings.set(String(userId), {
        chatId: userId,
        time: "08:00",
        timezone: "UTC",
        enabled: true,
        sendEmpty: false,
      });
      await records(stores[0] as Store).users.set(String(userId), {
        lang: userId % 2 ? "zh" : "en",
        firstSeen: "2026-03-10T00:00:00Z",
      });
    }
    clock.set("2026-03-10T03:00:00Z");
    const items = [1, 2, 3].map((n) => ({ id: `s${n}`, title: `Shared story ${n}`, link: `${site.url}/s/${n}.html` }));
    site.route("/feed.xml", { body: rss("Shared", items), type: "application/rss+xml" });
    for (const item of items) site.route(new URL(item.link).pathname, { body: articlePage(item.title) });

    await Promise.all([a.poller.pollAll({ force: true }), b.poller.pollAll({ force: true })]);
    expect(ai.chatRequests()).toHaveLength(6); // 3 items × 2 languages, whichever replica made them

    clock.set("2026-03-10T08:00:00Z");
    const [tickA, tickB] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    const results = [...(await tickA.done), ...(await tickB.done)];
    expect(results.filter((result) => result === "sent")).toHaveLength(20);
    for (let userId = 1; userId <= 20; userId += 1) expect(tg.chatTranscript(userId)).toHaveLength(1);
  });
});
