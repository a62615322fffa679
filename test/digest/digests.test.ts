import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Telegram } from "telegraf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { resolveFeed } from "../../src/digest/feeds.js";
import { createDigests, type Digests, telegramSender } from "../../src/digest/index.js";
import type { DigestPart, DigestSettings } from "../../src/digest/store.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { records } from "../../src/store/records.js";
import { openStore, type Store } from "../../src/store/store.js";
import type { Summary } from "../../src/types.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { articlePage, manualClock, rss, summaryReply, type TestItem } from "./helpers.js";

const HOUR = 3_600_000;

describe("daily digests end to end (fake site, fake model, fake Bot API, manual clock)", () => {
  let dir: string;
  let store: Store;
  let site: FakeSite;
  let ai: FakeOpenAi;
  let tg: FakeTelegram;
  let clock: ReturnType<typeof manualClock>;
  let running: Digests[];
  const config = loadConfig({ FETCH_ALLOW_PRIVATE: "1", DIGEST_GRACE_HOURS: "6", DIGEST_MAX_ITEMS: "10" });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "jianbao-digest-"));
    store = await openStore(`sqlite://${join(dir, "store.sqlite")}`);
    site = await startSite();
    ai = await startFakeOpenAi({ fallback: summaryReply });
    tg = await startFakeTelegram();
    clock = manualClock("2026-03-10T00:00:00Z");
    running = [];
  });
  afterEach(async () => {
    for (const instance of running) instance.stop();
    await Promise.all([site.close(), ai.close(), tg.close()]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(options: { send?: (chatId: number, part: DigestPart) => Promise<number>; leaseMs?: number } = {}) {
    const telegram = new Telegram(tg.token, { apiRoot: tg.url });
    const instance = createDigests({
      config,
      store,
      llm: createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 5000, maxRetries: 0 }),
      summaryCache: store.collection<Summary>("summary"),
      send: options.send ?? telegramSender(telegram),
      clock,
      fetchOptions: { allowPrivate: true, timeoutMs: 5000 },
      // Pacing at 1/100 of real time: the per-chat second becomes 10 ms, retry_after 1 s becomes 10 ms.
      queue: { timeScale: 0.01 },
      leaseMs: options.leaseMs ?? 10 * 60_000,
    });
    running.push(instance);
    return instance;
  }

  function items(prefix: string, count: number, at = "2026-03-09T12:00:00Z"): TestItem[] {
    return Array.from({ length: count }, (_, index) => ({
      id: `${prefix}-${index}`,
      title: `${prefix} story ${index}`,
      link: `${site.url}/${prefix}/${index}.html`,
      published: new Date(Date.parse(at) + index * 60_000).toISOString(),
    }));
  }

  function publish(path: string, title: string, list: TestItem[], version: string, lang: "en" | "zh" = "en") {
    site.route(path, { body: rss(title, list, site.url), type: "application/rss+xml", etag: `"${version}"` });
    for (const item of list) site.route(new URL(item.link).pathname, { body: articlePage(item.title, lang) });
  }

  async function subscribe(
    digests: Digests,
    userId: number,
    feedPath: string,
    settings: Partial<DigestSettings> = {},
    lang?: "zh" | "en",
  ) {
    const resolved = await resolveFeed(`${site.url}${feedPath}`, { fetchOptions: { allowPrivate: true } });
    const feedId = await digests.poller.addFeed(resolved);
    await digests.digests.subscribe(feedId, userId, new Date(clock.now()).toISOString());
    await digests.digests.settings.set(String(userId), {
      chatId: userId,
      time: "08:00",
      timezone: "UTC",
      enabled: true,
      sendEmpty: false,
      ...settings,
    });
    if (lang) await records(store).users.set(String(userId), { lang, firstSeen: new Date(clock.now()).toISOString() });
    return feedId;
  }

  /** Waits until the ledger has recorded `count` sent parts of the person's digest (the write follows the send). */
  async function partsRecorded(digests: Digests, prefix: string, count: number) {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const entries = await digests.digests.ledger.list(prefix);
      if (entries.some((entry) => entry.value.messageIds.length >= count)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the ledger never recorded ${count} part(s) for ${prefix}`);
  }

  const digestTexts = (chatId: number) => tg.chatTranscript(chatId).map((message) => message.text);

  it("summarizes each new item once per language however many people read the feed, and a 304 costs nothing", async () => {
    const digests = start();
    publish("/feed.xml", "City News", items("old", 2), "v1");
    for (let userId = 1; userId <= 30; userId += 1) {
      await subscribe(digests, userId, "/feed.xml", {}, userId % 3 === 0 ? "zh" : "en");
    }
    expect(ai.chatRequests()).toHaveLength(0); // subscribing to items already there costs nothing

    clock.advance(HOUR);
    publish("/feed.xml", "City News", [...items("new", 3, "2026-03-10T00:30:00Z"), ...items("old", 2)], "v2");
    const first = await digests.poller.pollAll({ force: true });
    expect(first).toMatchObject({ polled: 1, notModified: 0, newItems: 3 });
    // 3 new items × 2 languages, for 30 subscribers.
    expect(ai.chatRequests()).toHaveLength(6);
    const zhRequests = ai.chatRequests().filter((request) => request.system.includes("简体中文"));
    expect(zhRequests).toHaveLength(3);
    expect(site.hits("/new/0.html")).toBe(1);

    clock.advance(HOUR);
    const feedHitsBefore = site.hits("/feed.xml");
    const second = await digests.poller.pollAll();
    expect(second).toMatchObject({ polled: 1, notModified: 1, newItems: 0 });
    expect(site.hits("/feed.xml")).toBe(feedHitsBefore + 1);
    const conditional = site.requests.filter((request) => request.path === "/feed.xml").at(-1);
    expect(conditional?.headers["if-none-match"]).toBe('"v2"');
    expect(ai.chatRequests()).toHaveLength(6);
    expect(site.hits("/new/0.html")).toBe(1);
  });

  it("sends the digest at 08:00 local time in Shanghai and in New York, in each person's language", async () => {
    const digests = start();
    clock.set("2026-03-09T12:00:00Z");
    publish("/feed.xml", "City News", [], "v1");
    await subscribe(digests, 11, "/feed.xml", { timezone: "Asia/Shanghai" }, "zh");
    await subscribe(digests, 12, "/feed.xml", { timezone: "America/New_York" }, "en");
    clock.set("2026-03-09T15:00:00Z");
    publish("/feed.xml", "City News", items("a", 2, "2026-03-09T14:00:00Z"), "v2");
    await digests.poller.pollAll({ force: true });

    clock.set("2026-03-09T23:59:00Z"); // 07:59 in Shanghai
    await (await digests.scheduler.tick()).done;
    expect(tg.callsTo("sendMessage")).toHaveLength(0);

    clock.set("2026-03-10T00:00:00Z"); // 08:00 in Shanghai, 20:00 the day before in New York
    const shanghai = await digests.scheduler.tick();
    expect(shanghai.due).toBe(1);
    await shanghai.done;
    expect(digestTexts(11)).toHaveLength(1);
    expect(digestTexts(11)[0]).toContain("2026年3月10日");
    expect(digestTexts(11)[0]).toContain("这篇文章讲的是「a story 1」");
    expect(digestTexts(12)).toHaveLength(0);

    clock.set("2026-03-10T11:59:00Z");
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(12)).toHaveLength(0);
    clock.set("2026-03-10T12:00:00Z"); // 08:00 EDT (DST began on 8 March)
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(12)).toHaveLength(1);
    expect(digestTexts(12)[0]).toContain("Tuesday, 10 March 2026");
    expect(digestTexts(12)[0]).toContain("This article is about “a story 0”.");

    // The next tick sends nothing again.
    clock.advance(60_000);
    await (await digests.scheduler.tick()).done;
    expect(tg.callsTo("sendMessage")).toHaveLength(2);
  });

  it("follows DST changes: New York on 8 March 2026 and Berlin on 29 March 2026", async () => {
    const digests = start();
    publish("/feed.xml", "City News", [], "v1");
    clock.set("2026-03-07T00:00:00Z");
    await subscribe(digests, 21, "/feed.xml", { timezone: "America/New_York", time: "02:30", sendEmpty: true });
    await subscribe(digests, 22, "/feed.xml", { timezone: "Europe/Berlin", time: "08:00", sendEmpty: true });

    // 02:30 does not exist in New York on 8 March: the digest comes at 03:00 EDT = 07:00Z.
    clock.set("2026-03-08T06:59:00Z");
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(21)).toHaveLength(0);
    clock.set("2026-03-08T07:00:00Z");
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(21)).toHaveLength(1);
    expect(digestTexts(21)[0]).toContain("8 March 2026");

    // Berlin switches to CEST on 29 March: 08:00 local is 06:00Z that day (07:00Z the day before).
    clock.set("2026-03-28T07:00:00Z");
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(22).filter((text) => text.includes("28 March 2026"))).toHaveLength(1);
    clock.set("2026-03-29T05:59:00Z");
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(22).filter((text) => text.includes("29 March 2026"))).toHaveLength(0);
    clock.set("2026-03-29T06:00:00Z");
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(22).filter((text) => text.includes("29 March 2026"))).toHaveLength(1);
  });

  it("sends a digest missed by 2 hours while down, and skips one missed by 8 hours", async () => {
    const digests = start();
    publish("/feed.xml", "City News", [], "v1");
    clock.set("2026-03-09T00:00:00Z");
    await subscribe(digests, 31, "/feed.xml", { time: "08:00", sendEmpty: true });
    await subscribe(digests, 32, "/feed.xml", { time: "02:00", sendEmpty: true });
    clock.set("2026-03-10T10:00:00Z"); // back up: 31's 08:00 was 2 h ago, 32's 02:00 was 8 h ago
    const tick = await digests.scheduler.tick();
    expect(tick.due).toBe(1);
    await tick.done;
    expect(digestTexts(31)).toHaveLength(1);
    expect(digestTexts(32)).toHaveLength(0);
  });

  it("waits out a 429 and stops digests for a person who blocked the bot (403)", async () => {
    const digests = start();
    publish("/feed.xml", "City News", [], "v1");
    await subscribe(digests, 41, "/feed.xml", { sendEmpty: true });
    await subscribe(digests, 42, "/feed.xml", { sendEmpty: true });
    tg.fail({ method: "sendMessage", chatId: 41, code: 429, retryAfter: 1 });
    tg.fail({ method: "sendMessage", chatId: 42, code: 403, description: "Forbidden: bot was blocked by the user" });
    clock.set("2026-03-10T08:00:00Z");
    const results = await (await digests.scheduler.tick()).done;
    expect(results.sort()).toEqual(["blocked", "sent"]);
    const to41 = tg.callsTo("sendMessage").filter((call) => call.params.chat_id === 41);
    expect(to41.map((call) => call.ok)).toEqual([false, true]);
    expect(digestTexts(41)).toHaveLength(1);
    expect(digests.queue.stats.rateLimited).toBe(1);
    expect(await digests.digests.settings.get("42")).toMatchObject({ enabled: false, deactivated: "blocked" });
    expect(await digests.digests.ledger.get("42:2026-03-10")).toMatchObject({ state: "dropped" });

    clock.set("2026-03-11T08:00:00Z");
    await (await digests.scheduler.tick()).done;
    expect(tg.callsTo("sendMessage").filter((call) => call.params.chat_id === 42)).toHaveLength(1);
    expect(digestTexts(41)).toHaveLength(2);
  });

  it("resumes a multi-part digest after a crash without sending any part twice or losing one", async () => {
    const telegram = new Telegram(tg.token, { apiRoot: tg.url });
    const real = telegramSender(telegram);
    let crashed = false;
    // The first instance dies right after part 1 is sent: later sends never complete.
    const first = start({
      send: async (chatId, part) => {
        if (crashed) return new Promise<number>(() => {});
        crashed = true;
        return real(chatId, part);
      },
    });
    publish("/feed.xml", "City News", [], "v1");
    await subscribe(first, 51, "/feed.xml", { maxItems: 40 });
    clock.set("2026-03-10T06:00:00Z");
    const longTitles = items("long", 36, "2026-03-10T05:00:00Z").map((item) => ({
      ...item,
      title: `${item.title} ${"with a long headline that takes room ".repeat(3)}`,
    }));
    publish("/feed.xml", "City News", longTitles, "v2");
    await first.poller.pollAll({ force: true });

    clock.set("2026-03-10T08:00:00Z");
    void (await first.scheduler.tick()).done;
    await tg.waitFor((call) => call.method === "sendMessage" && call.ok);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const entry = await first.digests.ledger.get("51:2026-03-10");
    expect(entry?.state).toBe("sending");
    expect(entry?.parts.length).toBeGreaterThanOrEqual(3);
    expect(entry?.messageIds).toHaveLength(1);
    expect((await first.digests.open.list()).map((open) => open.id)).toEqual(["51:2026-03-10"]);
    first.stop();

    // A new instance within the lease leaves it alone; after the lease it sends the remaining parts only.
    const second = start();
    clock.set("2026-03-10T08:05:00Z");
    await (await second.scheduler.tick()).done;
    expect(digestTexts(51)).toHaveLength(1);
    clock.set("2026-03-10T08:11:00Z");
    const tick = await second.scheduler.tick();
    expect(tick.resumed).toBe(1);
    await tick.done;
    const parts = entry?.parts ?? [];
    const sent = tg.chatTranscript(51).map((message) => message.raw);
    expect(sent).toEqual(parts.map((part) => part.text));
    expect(new Set(sent).size).toBe(parts.length);
    expect(await second.digests.ledger.get("51:2026-03-10")).toMatchObject({ state: "sent" });
    expect(await second.digests.open.list()).toEqual([]);
    for (const text of sent) expect(text.length).toBeLessThanOrEqual(4096);
    // All 36 articles arrived, each once.
    const joined = sent.join("\n");
    for (let index = 0; index < 36; index += 1) {
      expect(joined.split(`/long/${index}.html"`).length - 1).toBe(1);
    }
  });

  it("a digest half sent by a replica that died is resumed by another within a lease and a tick, each part once", async () => {
    const real = telegramSender(new Telegram(tg.token, { apiRoot: tg.url }));
    let sentByFirst = 0;
    // The first replica dies after its first part: later sends never complete, its heartbeat stops being renewed.
    const first = start({
      leaseMs: 60_000,
      send: async (chatId, part) => {
        if (sentByFirst > 0) return new Promise<number>(() => {});
        sentByFirst += 1;
        return real(chatId, part);
      },
    });
    await first.delivery.start();
    publish("/feed.xml", "City News", [], "v1");
    await subscribe(first, 52, "/feed.xml", { maxItems: 40 });
    clock.set("2026-03-10T06:00:00Z");
    const longTitles = items("long", 36, "2026-03-10T05:00:00Z").map((item) => ({
      ...item,
      title: `${item.title} ${"with a long headline that takes room ".repeat(3)}`,
    }));
    publish("/feed.xml", "City News", longTitles, "v2");
    await first.poller.pollAll({ force: true });
    clock.set("2026-03-10T08:00:00Z");
    await first.delivery.start();
    void (await first.scheduler.tick()).done;
    await tg.waitFor((call) => call.method === "sendMessage" && call.ok);
    await partsRecorded(first, "52:", 1);

    const second = start({ leaseMs: 60_000 });
    await second.delivery.start();
    // Within the lease (and the first replica's heartbeat): left alone.
    clock.set("2026-03-10T08:00:30Z");
    expect((await second.scheduler.tick()).resumed).toBe(0);
    // The heartbeat was last renewed at 08:00 and the entry is silent since: the next minute's tick resumes it.
    clock.set("2026-03-10T08:01:01Z");
    const tick = await second.scheduler.tick();
    expect(tick.resumed).toBe(1);
    await tick.done;
    const entry = await second.digests.ledger.get("52:2026-03-10");
    expect(entry).toMatchObject({ state: "sent" });
    const sent = tg.chatTranscript(52).map((message) => message.raw);
    expect(sent).toEqual(entry?.parts.map((part) => part.text));
    expect(new Set(sent).size).toBe(sent.length);
  });

  it("/digest now interrupted by a crash is resumed from the ledger: no item lost, no part twice", async () => {
    const real = telegramSender(new Telegram(tg.token, { apiRoot: tg.url }));
    let sentByFirst = 0;
    const first = start({
      leaseMs: 60_000,
      send: async (chatId, part) => {
        if (sentByFirst > 0) return new Promise<number>(() => {});
        sentByFirst += 1;
        return real(chatId, part);
      },
    });
    publish("/feed.xml", "City News", [], "v1");
    await subscribe(first, 53, "/feed.xml", { maxItems: 40 });
    clock.set("2026-03-10T03:00:00Z");
    const longTitles = items("now", 36, "2026-03-10T02:00:00Z").map((item) => ({
      ...item,
      title: `${item.title} ${"with a long headline that takes room ".repeat(3)}`,
    }));
    publish("/feed.xml", "City News", longTitles, "v2");
    await first.poller.pollAll({ force: true });
    void first.scheduler.sendNow(53);
    await tg.waitFor((call) => call.method === "sendMessage" && call.ok);
    await partsRecorded(first, "53:", 1);

    const second = start({ leaseMs: 60_000 });
    clock.set("2026-03-10T03:02:00Z");
    const tick = await second.scheduler.tick();
    expect(tick.resumed).toBe(1);
    await tick.done;
    const joined = tg
      .chatTranscript(53)
      .map((message) => message.raw)
      .join("\n");
    for (let index = 0; index < 36; index += 1) expect(joined.split(`/now/${index}.html"`).length - 1).toBe(1);
  });

  it("uses the feed's own content when an item's page fails, and /forget removes everything digest-related", async () => {
    const digests = start();
    clock.set("2026-03-10T00:00:00Z");
    site.route("/feed.xml", { body: rss("City News", []), type: "application/rss+xml" });
    await subscribe(digests, 81, "/feed.xml", {}, "en");
    clock.set("2026-03-10T03:00:00Z");
    const body = articlePage("Bridge reopens").replace(/^[\s\S]*<article>|<\/article>[\s\S]*$/g, "");
    site.route("/feed.xml", {
      type: "application/rss+xml",
      body: `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>City News</title><link>${site.url}</link><description>d</description>
<item><title>Bridge reopens</title><link>${site.url}/gone.html</link><guid>g1</guid><description>Short teaser.</description><content:encoded><![CDATA[${body}]]></content:encoded></item></channel></rss>`,
    });
    site.route("/gone.html", { status: 404, body: "not here" });
    await digests.poller.pollAll({ force: true });
    expect(site.hits("/gone.html")).toBe(1);
    expect(ai.chatRequests()).toHaveLength(1);
    expect(ai.chatRequests()[0]?.user).toContain("twenty-kilometre line");
    await digests.scheduler.sendNow(81);
    expect(digestTexts(81)[0]).toContain("This article is about “Bridge reopens”.");

    await digests.digests.forget(81);
    expect(await digests.digests.subscriptionsOf(81)).toEqual([]);
    expect(await digests.digests.subs.list()).toEqual([]);
    expect(await digests.digests.settings.get("81")).toBeUndefined();
    expect(await digests.digests.last.get("81")).toBeUndefined();
  });

  it("two replicas ticking at the same minute send one digest, not two", async () => {
    const a = start();
    const b = start();
    publish("/feed.xml", "City News", [], "v1");
    clock.set("2026-03-10T00:00:00Z");
    await subscribe(a, 71, "/feed.xml");
    clock.set("2026-03-10T03:00:00Z");
    publish("/feed.xml", "City News", items("r", 3, "2026-03-10T02:00:00Z"), "v2");
    // Both poll: the second finds the items already seen (and the summaries made) and adds nothing.
    const [pollA, pollB] = await Promise.all([a.poller.pollAll({ force: true }), b.poller.pollAll({ force: true })]);
    expect(pollA.newItems + pollB.newItems).toBe(3);
    expect(ai.chatRequests()).toHaveLength(3);
    clock.set("2026-03-10T08:00:00Z");
    const [tickA, tickB] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    const results = [...(await tickA.done), ...(await tickB.done)];
    expect(results.filter((result) => result === "sent")).toHaveLength(1);
    expect(digestTexts(71)).toHaveLength(1);
  });

  it("live replicas split the people due between them; a stopped replica's share goes to the others at the next tick", async () => {
    const a = start();
    const b = start();
    publish("/feed.xml", "City News", [], "v1");
    for (let userId = 1; userId <= 40; userId += 1) await subscribe(a, userId, "/feed.xml", { sendEmpty: true });
    clock.set("2026-03-10T08:00:00Z");
    // Heartbeats started at the digest minute (the manual clock does not move while their renewals wait).
    await a.delivery.start();
    await b.delivery.start();
    expect(await a.delivery.liveReplicas()).toEqual([a.delivery.replicaId, b.delivery.replicaId].sort());

    // A ticks first and leaves B's share to B: each composes (and holds the records of) only its own people.
    const tickA = await a.scheduler.tick();
    expect(tickA.due).toBeGreaterThan(0);
    expect(tickA.due).toBeLessThan(40);
    await tickA.done;
    const tickB = await b.scheduler.tick();
    expect(tickA.due + tickB.due).toBe(40);
    await tickB.done;
    for (let userId = 1; userId <= 40; userId += 1) expect(digestTexts(userId)).toHaveLength(1);

    // B stops (its heartbeat is handed back): the next day A sends everyone's.
    b.stop();
    await b.delivery.stop();
    expect(await a.delivery.liveReplicas()).toEqual([a.delivery.replicaId]);
    clock.set("2026-03-11T08:00:00Z");
    const alone = await a.scheduler.tick();
    expect(alone.due).toBe(40);
    await alone.done;
    for (let userId = 1; userId <= 40; userId += 1) expect(digestTexts(userId)).toHaveLength(2);
  });

  it("/digest now sends what is new since the last digest, then the next one starts from there", async () => {
    const digests = start();
    publish("/feed.xml", "City News", [], "v1");
    await subscribe(digests, 61, "/feed.xml");
    clock.set("2026-03-10T03:00:00Z");
    publish("/feed.xml", "City News", items("b", 2, "2026-03-10T02:00:00Z"), "v2");
    await digests.poller.pollAll({ force: true });
    const now = await digests.scheduler.sendNow(61);
    expect(now).toMatchObject({ parts: 1, outcome: "sent" });
    expect(digestTexts(61)[0]).toContain("b story 0");

    clock.set("2026-03-10T08:00:00Z"); // nothing new since: quiet by default → no message
    await (await digests.scheduler.tick()).done;
    expect(digestTexts(61)).toHaveLength(1);
    const again = await digests.scheduler.sendNow(61);
    expect(again?.parts).toBe(1);
    expect(digestTexts(61)[1]).toContain("Nothing new");
  });
});
