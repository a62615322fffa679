import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";
import { articleHtml, startHarness } from "./harness.js";

// The same link flow as links.test.ts, with every record in a real Redis (STORE_URL=redis://…).
describe.skipIf(!hasRedisServer())("bot on Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("summarizes a link and keeps article, message and chat records in Redis", async () => {
    const h = await startHarness({ storeUrl: redis.url, site: { "/river": { body: articleHtml() } } });
    try {
      h.tg.sendText({ chatId: 21, text: `${h.site.url}/river`, languageCode: "en" });
      const edit = await h.tg.waitFor((call) => call.method === "editMessageText" && call.ok);
      expect(String(edit.params.text)).toContain("Rivers of the North &lt;Report&gt; &amp; Notes");
      await h.app.kit.deps.jobs.idle();
      const message = await h.app.kit.deps.records.messages.get(`21:${Number(edit.params.message_id)}`);
      expect(message?.kind).toBe("summary");
      expect((await h.app.kit.deps.records.articles.get(message?.articleId ?? ""))?.article.title).toBe(
        "Rivers of the North <Report> & Notes",
      );
      expect((await h.app.kit.deps.records.chats.get("21"))?.articleId).toBe(message?.articleId);
      expect((await h.app.kit.deps.stats.report(1)).totals.summary).toBe(1);
    } finally {
      await h.stop();
    }
  });

  it("two replicas over the same Redis share one rate-limit budget per person", async () => {
    const env = { RATE_LIMIT_PER_MINUTE: "2" };
    const site = { "/river": { body: articleHtml() } };
    const first = await startHarness({ storeUrl: redis.url, env, site });
    const second = await startHarness({ storeUrl: redis.url, env, site });
    try {
      const isEdit = (call: { method: string; ok: boolean }) => call.method === "editMessageText" && call.ok;
      first.tg.sendText({ chatId: 31, text: `${first.site.url}/river?n=1`, languageCode: "en" });
      first.tg.sendText({ chatId: 31, text: `${first.site.url}/river?n=2`, languageCode: "en" });
      await first.tg.waitForCount(isEdit, 2);
      second.tg.sendText({ chatId: 31, text: `${second.site.url}/river?n=3`, languageCode: "en" });
      const note = await second.tg.waitFor(
        (call) => call.method === "sendMessage" && String(call.params.text).startsWith("That's a lot at once"),
      );
      expect(note.params.text).toMatch(/^That's a lot at once: please try again in \d+ s\.$/);
      // Someone else still has their own budget on the second replica.
      second.tg.sendText({ chatId: 32, text: `${second.site.url}/river`, languageCode: "en" });
      await second.tg.waitFor(isEdit);
      expect(second.tg.callsTo("sendMessage").filter((call) => call.params.chat_id === 31)).toHaveLength(1);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
