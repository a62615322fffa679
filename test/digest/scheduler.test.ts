import { describe, expect, it } from "vitest";
import { DeliveryQueue, DigestDelivery } from "../../src/digest/delivery.js";
import { createDigestScheduler } from "../../src/digest/scheduler.js";
import { type DigestStore, digestStore, type LedgerEntry } from "../../src/digest/store.js";
import { silentLogger } from "../../src/log.js";
import { records } from "../../src/store/records.js";
import { openStore } from "../../src/store/store.js";
import { manualClock } from "./helpers.js";

describe("createDigestScheduler", () => {
  it("a half-sent digest whose resume fails is logged and reported failed, never an unhandled rejection", async () => {
    const store = await openStore("sqlite://:memory:");
    const digests = digestStore(store);
    const clock = manualClock("2026-03-10T08:00:00Z");
    const entry: LedgerEntry = {
      state: "sending",
      parts: [{ text: "Part one", buttons: [] }],
      messageIds: [],
      at: "2026-03-10T07:30:00Z",
      createdAt: "2026-03-10T07:30:00Z",
      attempt: 1,
      chatId: 42,
    };
    await digests.ledger.set("7:2026-03-10", entry);
    await digests.open.set("7:2026-03-10", { at: entry.createdAt });
    // The store fails as the resumed digest is written back (Redis gone, disk full).
    const failingLedger: DigestStore = {
      ...digests,
      ledger: {
        ...digests.ledger,
        set: async () => {
          throw new Error("disk full");
        },
      },
    };
    const sent: number[] = [];
    const queue = new DeliveryQueue({
      send: async (chatId) => {
        sent.push(chatId);
        return 1;
      },
    });
    const graceMs = 6 * 3_600_000;
    const delivery = new DigestDelivery({ digests: failingLedger, queue, clock, graceMs, leaseMs: 10 * 60_000 });
    const errors: string[] = [];
    const scheduler = createDigestScheduler({
      digests: failingLedger,
      delivery,
      clock,
      logger: { ...silentLogger, error: (message) => errors.push(message) },
      maxItems: 10,
      graceMs,
      defaultLang: "auto",
    });
    try {
      const report = await scheduler.tick();
      expect(report.resumed).toBe(1);
      await expect(report.done).resolves.toEqual(["failed"]);
      expect(errors).toContain("digest delivery failed");
      expect(sent).toEqual([]);
    } finally {
      queue.stop();
      await store.close();
    }
  });

  it("writes the digest in the language the person writes in when Telegram gave none (as the bot does)", async () => {
    const store = await openStore("sqlite://:memory:");
    const digests = digestStore(store);
    const clock = manualClock("2026-03-10T08:00:00Z");
    const queue = new DeliveryQueue({ send: async () => 1 });
    const delivery = new DigestDelivery({ digests, queue, clock });
    const scheduler = createDigestScheduler({
      digests,
      delivery,
      clock,
      maxItems: 10,
      graceMs: 0,
      defaultLang: "auto",
    });
    try {
      await records(store).users.set("8", { firstSeen: "2026-03-01T00:00:00Z", textLang: "zh" });
      const settings = { chatId: 8, time: "08:00", timezone: "UTC", enabled: true, sendEmpty: true };
      const [part] = await scheduler.compose(8, settings, { localDate: "2026-03-10", sendEmpty: true });
      expect(part?.text).toContain("简报");
      expect(part?.text).toContain("没有新文章");
    } finally {
      queue.stop();
      await store.close();
    }
  });

  it("a first digest with nothing new from a feed shows the 3 latest items it listed at subscription; later ones only news", async () => {
    const store = await openStore("sqlite://:memory:");
    const digests = digestStore(store);
    const clock = manualClock("2026-03-10T08:00:00Z");
    const queue = new DeliveryQueue({ send: async () => 1 });
    const delivery = new DigestDelivery({ digests, queue, clock });
    const scheduler = createDigestScheduler({ digests, delivery, clock, maxItems: 10, graceMs: 0, defaultLang: "en" });
    const subscribedAt = "2026-03-10T07:00:00Z";
    try {
      await digests.feeds.set("f1", { url: "https://news.example/rss", title: "Bike News" });
      for (let n = 1; n <= 5; n += 1) {
        await digests.items.set(`f1:${n}`, {
          guid: `g${n}`,
          link: `https://news.example/${n}`,
          title: `Listed story ${n}`,
          published: `2026-03-0${n}T12:00:00Z`,
          snippet: `What happened in story ${n}.`,
          baseline: true,
          firstSeen: subscribedAt,
        });
      }
      await digests.subscribe("f1", 5, subscribedAt);
      const settings = { chatId: 5, time: "08:00", timezone: "UTC", enabled: true, sendEmpty: true };
      const first = (await scheduler.compose(5, settings, { localDate: "2026-03-10", sendEmpty: true }))
        .map((part) => part.text)
        .join("\n");
      for (const n of [5, 4, 3]) expect(first).toContain(`Listed story ${n}`);
      expect(first).toContain("What happened in story 5.");
      expect(first).not.toContain("Listed story 2");

      await digests.last.set("5", { at: "2026-03-10T07:30:00Z" });
      const later = await scheduler.compose(5, settings, { localDate: "2026-03-10", sendEmpty: true });
      expect(later.map((part) => part.text).join("\n")).not.toContain("Listed story");
    } finally {
      queue.stop();
      await store.close();
    }
  });
});
