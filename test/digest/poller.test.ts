import { describe, expect, it } from "vitest";
import { createPoller } from "../../src/digest/poller.js";
import { digestStore } from "../../src/digest/store.js";
import { silentLogger } from "../../src/log.js";
import { openStore, type Store } from "../../src/store/store.js";
import { manualClock } from "./helpers.js";

describe("createPoller", () => {
  it("counts a feed whose poll meets a store failure as failed, never an unhandled rejection", async () => {
    const store = await openStore("sqlite://:memory:");
    const digests = digestStore(store);
    await digests.feeds.set("f1", { url: "https://feeds.example/rss", title: "Example" });
    await digests.subscribe("f1", 7, "2026-03-10T07:00:00Z");
    // Redis gone between the subscription scan and the poll claim.
    const failingStore: Store = {
      ...store,
      collection: (name) => store.collection(name),
      release: (key) => store.release(key),
      close: () => store.close(),
      claim: async () => {
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
