import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveFeed } from "../../src/digest/feeds.js";
import { createPoller } from "../../src/digest/poller.js";
import { digestStore } from "../../src/digest/store.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { silentLogger } from "../../src/log.js";
import { articleSourceKey } from "../../src/pipeline/read.js";
import { records } from "../../src/store/records.js";
import { openStore, type Store } from "../../src/store/store.js";
import type { Summary } from "../../src/types.js";
import type { CpuWork } from "../../src/workers/cpu.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { countingCpu } from "../helpers/cpu.js";
import { articlePage, manualClock, rss, summaryReply } from "./helpers.js";

let site: FakeSite;
let ai: FakeOpenAi;
beforeAll(async () => {
  site = await startSite();
  ai = await startFakeOpenAi({
    fallback: async (request) => {
      // A slow model: two items of the same article are both in flight before either is cached.
      await new Promise((resolve) => setTimeout(resolve, 30));
      return summaryReply(request);
    },
  });
});
afterAll(async () => {
  await Promise.all([site.close(), ai.close()]);
});

/** A poller on a fresh in-memory store, with one English reader subscribed to each of `feedPaths`. */
async function pollerFor(feedPaths: readonly string[], options: { llm?: boolean; cpu?: CpuWork } = {}) {
  const store = await openStore("sqlite://:memory:");
  const digests = digestStore(store);
  const clock = manualClock("2026-03-10T00:00:00Z");
  const poller = createPoller({
    store,
    digests,
    defaultLang: "auto",
    pollMinutes: 30,
    articleRetentionMs: 86_400_000,
    clock,
    fetchOptions: { allowPrivate: true },
    ...(options.cpu ? { cpu: options.cpu } : {}),
    ...(options.llm
      ? {
          llm: createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 5000, maxRetries: 0 }),
          summaryCache: store.collection<Summary>("summary"),
        }
      : {}),
  });
  await records(store).users.set("7", { lang: "en", firstSeen: "2026-03-10T00:00:00Z" });
  const feedIds: string[] = [];
  for (const path of feedPaths) {
    const feedId = await poller.addFeed(
      await resolveFeed(`${site.url}${path}`, { fetchOptions: { allowPrivate: true } }),
    );
    await digests.subscribe(feedId, 7, new Date(clock.now()).toISOString());
    feedIds.push(feedId);
  }
  clock.advance(3_600_000);
  return { store, digests, poller, feedIds };
}

describe("createPoller", () => {
  it("summarizes an article two feeds list at once only once per language", async () => {
    site.route("/a.xml", { body: rss("Feed A", []), type: "application/rss+xml" });
    site.route("/b.xml", { body: rss("Feed B", []), type: "application/rss+xml" });
    const { store, poller } = await pollerFor(["/a.xml", "/b.xml"], { llm: true });
    const story = { title: "Shared story", link: `${site.url}/shared.html` };
    site.route("/shared.html", { body: articlePage(story.title) });
    site.route("/a.xml", { body: rss("Feed A", [{ id: "a-1", ...story }]), type: "application/rss+xml" });
    site.route("/b.xml", { body: rss("Feed B", [{ id: "b-1", ...story }]), type: "application/rss+xml" });
    const before = ai.chatRequests().length;
    try {
      const report = await poller.pollAll();
      expect(report).toMatchObject({ polled: 2, newItems: 2, failures: 0 });
      expect(ai.chatRequests().length - before).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("marks a feed article as a public (web) source, so nobody's /forget deletes it from under the digest", async () => {
    site.route("/src.xml", { body: rss("Sources", []), type: "application/rss+xml" });
    const { store, digests, poller, feedIds } = await pollerFor(["/src.xml"]);
    site.route("/public.html", { body: articlePage("Public story") });
    const item = { id: "p-1", title: "Public story", link: `${site.url}/public.html` };
    site.route("/src.xml", { body: rss("Sources", [item]), type: "application/rss+xml" });
    try {
      await poller.pollAll();
      const [stored] = await digests.items.list(`${feedIds[0]}:`);
      const articleId = stored?.value.articleId ?? "";
      expect(articleId).not.toBe("");
      expect(await records(store).articles.get(articleId)).toBeDefined();
      // The key every reader writes (pipeline/read.ts) and /forget reads, not one spelled out here.
      expect(await records(store).articleSources.get(articleSourceKey(articleId, { kind: "web" }))).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it("cleans each new item and summarizes it offline through the CPU stages it was given (the worker pool in the bot)", async () => {
    site.route("/cpu.xml", { body: rss("CPU", []), type: "application/rss+xml" });
    const cpu = countingCpu();
    const { store, digests, poller, feedIds } = await pollerFor(["/cpu.xml"], { cpu });
    site.route("/cpu-1.html", { body: articlePage("First story") });
    site.route("/cpu-2.html", { body: articlePage("Second story") });
    const items = [
      { id: "c-1", title: "First story", link: `${site.url}/cpu-1.html` },
      { id: "c-2", title: "Second story", link: `${site.url}/cpu-2.html` },
    ];
    site.route("/cpu.xml", { body: rss("CPU", items), type: "application/rss+xml" });
    try {
      expect(await poller.pollAll()).toMatchObject({ newItems: 2, summaries: 2, failures: 0 });
      expect(cpu.calls).toEqual({ cleanPage: 2, summarizeOffline: 2 });
      const stored = await digests.items.list(`${feedIds[0]}:`);
      for (const { value } of stored) {
        expect(await digests.summaryOf(value.articleId ?? "", "en")).toMatchObject({ mode: "offline" });
      }
    } finally {
      await store.close();
    }
  });

  it("an entry re-published with a new guid, or moved to a new link, is not news again", async () => {
    const first = { id: "g-1", title: "Story", link: `${site.url}/missing/story.html` };
    site.route("/dedupe.xml", { body: rss("Dedupe", [first]), type: "application/rss+xml" });
    const { store, poller } = await pollerFor(["/dedupe.xml"]);
    const republished = { ...first, id: "g-1-again" };
    const moved = { ...first, link: `${site.url}/missing/story-moved.html` };
    const fresh = { id: "g-2", title: "Fresh", link: `${site.url}/missing/fresh.html` };
    site.route("/dedupe.xml", { body: rss("Dedupe", [republished, moved, fresh]), type: "application/rss+xml" });
    try {
      expect((await poller.pollAll()).newItems).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("takes at most 50 new items from one poll; the rest of a re-published feed are not news", async () => {
    site.route("/big.xml", { body: rss("Big", []), type: "application/rss+xml" });
    const { store, digests, poller, feedIds } = await pollerFor(["/big.xml"]);
    const items = Array.from({ length: 60 }, (_, n) => ({
      id: `big-${n}`,
      title: `Story ${n}`,
      link: `${site.url}/missing/${n}.html`,
      description: `Story ${n} happened on a weekday in the city centre, witnesses said.`,
    }));
    site.route("/big.xml", { body: rss("Big", items), type: "application/rss+xml" });
    try {
      const report = await poller.pollAll();
      expect(report.newItems).toBe(50);
      const stored = await digests.items.list(`${feedIds[0]}:`);
      expect(stored).toHaveLength(60);
      expect(stored.filter(({ value }) => value.baseline)).toHaveLength(10);
      expect(stored.filter(({ value }) => value.articleId)).toHaveLength(50);
    } finally {
      await store.close();
    }
  });

  it("counts a feed whose poll meets a store failure as failed, never an unhandled rejection", async () => {
    const store = await openStore("sqlite://:memory:");
    const digests = digestStore(store);
    await digests.feeds.set("f1", { url: "https://feeds.example/rss", title: "Example" });
    await digests.subscribe("f1", 7, "2026-03-10T07:00:00Z");
    // Redis gone between the subscription scan and the poll lease.
    const failingStore: Store = {
      ...store,
      collection: (name) => store.collection(name),
      release: (key) => store.release(key),
      claim: (key, ttlMs) => store.claim(key, ttlMs),
      releaseLease: (key, owner) => store.releaseLease(key, owner),
      leaseHolder: (key, now) => store.leaseHolder(key, now),
      append: (key, item, ttlMs) => store.append(key, item, ttlMs),
      items: (key) => store.items(key),
      takeItems: (key) => store.takeItems(key),
      ping: () => store.ping(),
      close: () => store.close(),
      lease: async () => {
        throw new Error("connection lost");
      },
    };
    const warnings: string[] = [];
    const fetched: string[] = [];
    const poller = createPoller({
      store: failingStore,
      digests,
      defaultLang: "auto",
      pollMinutes: 30,
      articleRetentionMs: 86_400_000,
      clock: manualClock("2026-03-10T08:00:00Z"),
      logger: { ...silentLogger, warn: (message) => warnings.push(message) },
      fetchPage: async (url) => {
        fetched.push(url);
        throw new Error("not reached");
      },
    });
    try {
      const report = await poller.pollAll();
      expect(report.failures).toBe(1);
      expect(warnings).toContain("feed poll failed");
      expect(fetched).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
