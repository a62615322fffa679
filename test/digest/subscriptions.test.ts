import { afterEach, describe, expect, it } from "vitest";
import { createJobQueue } from "../../src/bot/jobs.js";
import { type SubscriptionsFeature, subscriptionsFeature } from "../../src/bot/subscriptions.js";
import { silentLogger } from "../../src/log.js";
import { articleSourceKey } from "../../src/pipeline/read.js";
import { records } from "../../src/store/records.js";
import { type Harness, type HarnessOptions, recordingTtls, startHarness } from "../bot/harness.js";
import { startSite } from "../fakes/site.js";
import { type ApiCall, parseTelegramHtml } from "../fakes/telegram.js";
import { articlePage, rss, summaryReply } from "./helpers.js";

/** /subscribe answers at once with this and edits the outcome into it. */
const LOOKING = /^(Looking for the feed at|正在查找)/;
/** A message the person sees in the chat: sent, or a /subscribe placeholder edited into its outcome. */
const sent = (chatId: number) => (call: ApiCall) =>
  (call.method === "sendMessage" || call.method === "editMessageText") &&
  call.ok &&
  call.params.chat_id === chatId &&
  !LOOKING.test(String(call.params.text));

describe("subscriptions in the bot (fake Bot API, fake site, fake model)", () => {
  let h: Harness | undefined;
  let feature: SubscriptionsFeature;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function start(options: Omit<HarnessOptions, "llm" | "features"> = {}) {
    feature = subscriptionsFeature({ queue: { timeScale: 0.01 } });
    h = await startHarness({ ...options, llm: true, features: [feature] });
    h.ai?.setFallback(summaryReply);
    const base = h.site.url;
    h.site.route("/blog/", {
      body: `<!doctype html><html><head><title>Blog</title><link rel="alternate" type="application/rss+xml" title="Posts" href="../feeds/posts.xml"></head><body><p>Welcome</p></body></html>`,
    });
    h.site.route("/feeds/posts.xml", {
      body: rss(
        "Harbour Blog",
        [{ id: "p1", title: "Ferries return", link: `${base}/posts/1.html`, published: "2026-03-01T10:00:00Z" }],
        base,
      ),
      type: "application/rss+xml",
      etag: '"p1"',
    });
    h.site.route("/posts/1.html", { body: articlePage("Ferries return") });
    h.site.route("/plain", {
      body: "<!doctype html><html><head><title>No feed</title></head><body><p>Nothing</p></body></html>",
    });
    return h;
  }

  it("subscribes through autodiscovery, confirms with the feed's title and latest item, lists and removes", async () => {
    const { tg, site } = await start();
    tg.sendText({ chatId: 7, text: `/subscribe ${site.url}/blog/`, languageCode: "en" });
    const confirm = await tg.waitFor(sent(7));
    // Answered at once, then the outcome edited in.
    const placeholder = tg.callsTo("sendMessage")[0];
    expect(String(placeholder?.params.text)).toBe(`Looking for the feed at ${site.url}/blog/…`);
    expect(confirm.method).toBe("editMessageText");
    expect(confirm.params.message_id).toBe((placeholder?.result as { message_id?: number } | undefined)?.message_id);
    expect(String(confirm.params.text)).toContain("Subscribed to <b>Harbour Blog</b>");
    expect(String(confirm.params.text)).toContain(`<a href="${site.url}/posts/1.html">Ferries return</a>`);
    expect(String(confirm.params.text)).toContain("08:00 (UTC)");

    const since = tg.calls.length;
    tg.sendText({ chatId: 7, text: `/subscribe ${site.url}/plain`, languageCode: "en" });
    const refusal = await tg.waitFor(sent(7), { since });
    expect(String(refusal.params.text)).toContain("could not find a feed");

    const beforeList = tg.calls.length;
    tg.sendText({ chatId: 7, text: "/subscriptions", languageCode: "en" });
    const list = await tg.waitFor(sent(7), { since: beforeList });
    expect(String(list.params.text)).toContain("Harbour Blog");
    const keyboard = (list.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> })
      .inline_keyboard;
    const remove = keyboard[0]?.[0]?.callback_data ?? "";
    expect(remove).toMatch(/^sub:rm:[0-9a-f]{12}$/);

    const messageId = (list.result as { message_id: number }).message_id;
    const beforePress = tg.calls.length;
    tg.pressButton({ chatId: 7, messageId, data: remove });
    const edited = await tg.waitFor((call) => call.method === "editMessageText", { since: beforePress });
    expect(String(edited.params.text)).toContain("no subscriptions");
    expect(await feature.digests()?.digests.subscriptionsOf(7)).toEqual([]);
  });

  it("says it is busy, not that something went wrong, when /subscribe meets a full job queue", async () => {
    const jobs = createJobQueue({ logger: silentLogger, concurrency: 1, maxWaiting: 0 });
    let release: () => void = () => {};
    expect(jobs.add("running", () => new Promise<void>((resolve) => (release = resolve)))).toBe(true);
    const { tg, site } = await start({ jobs });
    tg.sendText({ chatId: 8, text: `/subscribe ${site.url}/blog/`, languageCode: "en" });
    const answer = await tg.waitFor(sent(8));
    expect(answer.method).toBe("editMessageText");
    expect(String(answer.params.text)).toBe(
      "I have too much to read right now. Please send it again in a little while.",
    );
    release();
  });

  it("lists many subscriptions within one Telegram message and at most 50 remove buttons", async () => {
    const { tg } = await start();
    const store = feature.digests()?.digests;
    for (let index = 0; index < 70; index += 1) {
      const feedId = index.toString(16).padStart(12, "0");
      await store?.feeds.set(feedId, {
        url: `https://example.org/feeds/${index}.xml`,
        title: `A very long feed title number ${index} ${"about harbours and ferries ".repeat(8)}`,
      });
      await store?.subscribe(feedId, 12, new Date().toISOString());
    }
    tg.sendText({ chatId: 12, text: "/subscriptions", languageCode: "en" });
    const list = await tg.waitFor(sent(12));
    expect(list.ok).toBe(true);
    const text = String(list.params.text);
    expect(parseTelegramHtml(text).length).toBeLessThanOrEqual(4096);
    expect(text).toMatch(/… and \d+ more \(remove them with \/unsubscribe &lt;url&gt;\)\./);
    const rows = (list.params.reply_markup as { inline_keyboard: unknown[][] }).inline_keyboard;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(50);
  });

  it("offers DEFAULT_FEEDS under /start and subscribes with one tap", async () => {
    const feeds = await startSite({
      "/world.xml": {
        body: rss("World Desk", [{ id: "w1", title: "Summit ends", link: "https://world.example/1" }]),
        type: "application/rss+xml",
      },
    });
    try {
      feature = subscriptionsFeature({ queue: { timeScale: 0.01 } });
      h = await startHarness({ features: [feature], env: { DEFAULT_FEEDS: `${feeds.url}/world.xml` } });
      h.tg.sendText({ chatId: 5, text: "/start", languageCode: "en" });
      const greeting = await h.tg.waitFor(sent(5));
      const rows = (
        greeting.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }
      ).inline_keyboard;
      const add = rows.flat().find((button) => button.callback_data.startsWith("sub:add:"));
      expect(add?.text).toContain("127.0.0.1");
      const mark = h.tg.calls.length;
      h.tg.pressButton({
        chatId: 5,
        messageId: (greeting.result as { message_id: number }).message_id,
        data: add?.callback_data ?? "",
      });
      const confirm = await h.tg.waitFor(sent(5), { since: mark });
      expect(String(confirm.params.text)).toContain("Subscribed to <b>World Desk</b>");
      expect(await feature.digests()?.digests.subscriptionsOf(5)).toHaveLength(1);
    } finally {
      await feeds.close();
    }
  });

  it("/unsubscribe by address, /timezone validates, /digest sets the time", async () => {
    const { tg, site } = await start();
    tg.sendText({ chatId: 8, text: `/subscribe ${site.url}/feeds/posts.xml`, languageCode: "zh" });
    expect(String((await tg.waitFor(sent(8))).params.text)).toContain("已订阅 <b>Harbour Blog</b>");

    let mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: "/timezone Mars/Olympus", languageCode: "zh" });
    expect(String((await tg.waitFor(sent(8), { since: mark })).params.text)).toContain("不认识时区");
    mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: "/timezone asia/shanghai", languageCode: "zh" });
    expect(String((await tg.waitFor(sent(8), { since: mark })).params.text)).toContain("Asia/Shanghai");
    mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: "/digest 7:45", languageCode: "zh" });
    expect(String((await tg.waitFor(sent(8), { since: mark })).params.text)).toContain("07:45");
    expect(await feature.digests()?.digests.settings.get("8")).toMatchObject({
      timezone: "Asia/Shanghai",
      time: "07:45",
      enabled: true,
    });

    mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: `/unsubscribe ${site.url}/feeds/posts.xml/`, languageCode: "zh" });
    expect(String((await tg.waitFor(sent(8), { since: mark })).params.text)).toContain("已退订");
    expect(await feature.digests()?.digests.subscriptionsOf(8)).toEqual([]);

    // /forget removes the digest settings too (and any subscription left).
    mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: `/subscribe ${site.url}/feeds/posts.xml`, languageCode: "zh" });
    await tg.waitFor(sent(8), { since: mark });
    mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: "/forget", languageCode: "zh" });
    await tg.waitFor(sent(8), { since: mark });
    expect(await feature.digests()?.digests.subscriptionsOf(8)).toEqual([]);
    expect(await feature.digests()?.digests.settings.get("8")).toBeUndefined();
  });

  it("/digest now right after /subscribe shows the latest item the confirmation named, not 'Nothing new'", async () => {
    const { tg, site } = await start();
    tg.sendText({ chatId: 8, text: `/subscribe ${site.url}/feeds/posts.xml`, languageCode: "en" });
    await tg.waitFor(sent(8));
    const mark = tg.calls.length;
    tg.sendText({ chatId: 8, text: "/digest now", languageCode: "en" });
    const text = String((await tg.waitFor(sent(8), { since: mark })).params.text);
    expect(text).toContain("Your Jianbao digest");
    expect(text).toContain(`<a href="${site.url}/posts/1.html">Ferries return</a>`);
    expect(text).not.toContain("Nothing new");
  });

  it("/digest now sends new items with buttons: full summary and ask about it", async () => {
    const { tg, site, ai, store } = await start();
    tg.sendText({ chatId: 9, text: `/subscribe ${site.url}/feeds/posts.xml`, languageCode: "en" });
    await tg.waitFor(sent(9));
    site.route("/feeds/posts.xml", {
      body: rss(
        "Harbour Blog",
        [
          { id: "p2", title: "New pier opens", link: `${site.url}/posts/2.html`, published: "2026-03-02T10:00:00Z" },
          { id: "p1", title: "Ferries return", link: `${site.url}/posts/1.html`, published: "2026-03-01T10:00:00Z" },
        ],
        site.url,
      ),
      type: "application/rss+xml",
      etag: '"p2"',
    });
    site.route("/posts/2.html", { body: articlePage("New pier opens") });
    await feature.digests()?.poller.pollAll({ force: true });
    expect(ai?.chatRequests()).toHaveLength(1);

    let mark = tg.calls.length;
    tg.sendText({ chatId: 9, text: "/digest now", languageCode: "en" });
    const digest = await tg.waitFor(sent(9), { since: mark });
    const text = String(digest.params.text);
    expect(text).toContain("Your Jianbao digest");
    expect(text).toContain("<b>Harbour Blog</b>");
    expect(text).toContain("New pier opens");
    expect(text).not.toContain("Ferries return");
    const rows = (digest.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> })
      .inline_keyboard;
    const [summaryButton, askButton] = rows[0] ?? [];
    expect(Buffer.byteLength(summaryButton?.callback_data ?? "")).toBeLessThanOrEqual(64);

    mark = tg.calls.length;
    tg.pressButton({
      chatId: 9,
      messageId: (digest.result as { message_id: number }).message_id,
      data: summaryButton?.callback_data ?? "",
    });
    const full = await tg.waitFor(sent(9), { since: mark });
    expect(String(full.params.text)).toContain("This article is about");
    expect(ai?.chatRequests()).toHaveLength(1); // served from the digest's stored summary

    mark = tg.calls.length;
    tg.pressButton({
      chatId: 9,
      messageId: (digest.result as { message_id: number }).message_id,
      data: askButton?.callback_data ?? "",
    });
    const ask = await tg.waitFor(sent(9), { since: mark });
    expect(String(ask.params.text)).toContain("New pier opens");
    const articleId = (askButton?.callback_data ?? "").slice("dg:q:".length);
    expect((await records(store).chats.get("9"))?.articleId).toBe(articleId);
  });
  /** Subscribes `chatId`, publishes "New pier opens", polls, and returns the digest message with its two buttons. */
  async function digestWithNewItem(harness: Harness, chatId: number) {
    const { tg, site } = harness;
    tg.sendText({ chatId, text: `/subscribe ${site.url}/feeds/posts.xml`, languageCode: "en" });
    await tg.waitFor(sent(chatId));
    site.route("/feeds/posts.xml", {
      body: rss(
        "Harbour Blog",
        [
          { id: "p2", title: "New pier opens", link: `${site.url}/posts/2.html`, published: "2026-03-02T10:00:00Z" },
          { id: "p1", title: "Ferries return", link: `${site.url}/posts/1.html`, published: "2026-03-01T10:00:00Z" },
        ],
        site.url,
      ),
      type: "application/rss+xml",
      etag: '"p2"',
    });
    site.route("/posts/2.html", { body: articlePage("New pier opens") });
    await feature.digests()?.poller.pollAll({ force: true });
    const mark = tg.calls.length;
    tg.sendText({ chatId, text: "/digest now", languageCode: "en" });
    const digest = await tg.waitFor(sent(chatId), { since: mark });
    const rows = (digest.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> })
      .inline_keyboard;
    const [summaryButton, askButton] = rows[0] ?? [];
    const press = async (data: string | undefined) => {
      const since = tg.calls.length;
      tg.pressButton({ chatId, messageId: (digest.result as { message_id: number }).message_id, data: data ?? "" });
      return tg.waitFor(sent(chatId), { since });
    };
    return {
      articleId: (askButton?.callback_data ?? "").slice("dg:q:".length),
      pressSummary: () => press(summaryButton?.callback_data),
      pressAsk: () => press(askButton?.callback_data),
    };
  }

  /** What an admin reads in /stats, as numbers. */
  async function statsOf(harness: Harness, chatId: number) {
    const mark = harness.tg.calls.length;
    harness.tg.sendText({ chatId, text: "/stats", languageCode: "en" });
    const text = String((await harness.tg.waitFor(sent(chatId), { since: mark })).params.text);
    const [, summaries, offline, cacheHits] = /Summaries: (\d+) \(offline (\d+), cache hits (\d+)\)/.exec(text) ?? [];
    const tokens = /Model tokens: (\d+)/.exec(text)?.[1];
    return {
      summaries: Number(summaries),
      offline: Number(offline),
      cacheHits: Number(cacheHits),
      tokens: Number(tokens),
    };
  }

  it("/stats counts the digest's summary button as a summary served from the digest (a cache hit, no new tokens)", async () => {
    const harness = await start({ env: { ADMIN_USER_IDS: "9" } });
    const digest = await digestWithNewItem(harness, 9);
    const before = await statsOf(harness, 9);
    expect(String((await digest.pressSummary()).params.text)).toContain("This article is about");
    const after = await statsOf(harness, 9);
    expect(after).toEqual({
      summaries: before.summaries + 1,
      offline: before.offline,
      cacheHits: before.cacheHits + 1,
      tokens: before.tokens,
    });
    // The poller's summary for the digest went through the same chain: counted once, with the model's tokens.
    expect(before).toMatchObject({ summaries: 1, cacheHits: 0 });
    expect(before.tokens).toBeGreaterThan(0);
  });

  it("the digest's Ask button keeps the chat's latest article only as long as articles are kept", async () => {
    const recorded = { ttls: new Map<string, number | undefined>() };
    const harness = await start({
      wrapStore: (store) => {
        const wrapped = recordingTtls(store);
        recorded.ttls = wrapped.ttls;
        return wrapped;
      },
    });
    const digest = await digestWithNewItem(harness, 9);
    expect(String((await digest.pressAsk()).params.text)).toContain("New pier opens");
    expect((await records(harness.store).chats.get("9"))?.articleId).toBe(digest.articleId);
    const retentionMs = harness.config.store.articleRetentionDays * 24 * 60 * 60 * 1000;
    expect(recorded.ttls.get("chat:9")).toBe(retentionMs);
  });

  it("/forget keeps a digest article that the person also pasted: the feed brought it in too", async () => {
    const harness = await start({ env: { PASTE_JOIN_MS: "50" } });
    const digest = await digestWithNewItem(harness, 9);
    const { articleId } = digest;
    const saved = records(harness.store);
    // The poller's source record is the one every reader writes and /forget reads.
    expect(await saved.articleSources.get(articleSourceKey(articleId, { kind: "web" }))).toBeDefined();
    const article = (await saved.articles.get(articleId))?.article;
    expect(article).toBeDefined();

    // The same text pasted into the chat: a second (chat) source of the same article.
    let mark = harness.tg.calls.length;
    harness.tg.sendText({ chatId: 9, text: `${article?.title}\n\n${article?.text}`, languageCode: "en" });
    await harness.tg.waitFor((call) => call.method === "editMessageText" && call.params.chat_id === 9, { since: mark });
    await harness.app.settled();
    expect(await saved.articleSources.get(articleSourceKey(articleId, { kind: "chat", chatId: 9 }))).toBeDefined();

    mark = harness.tg.calls.length;
    harness.tg.sendText({ chatId: 9, text: "/forget", languageCode: "en" });
    await harness.tg.waitFor(sent(9), { since: mark });
    expect(await saved.articles.get(articleId)).toBeDefined();
    expect(String((await digest.pressSummary()).params.text)).toContain("This article is about");
  });
});
