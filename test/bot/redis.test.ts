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
});
