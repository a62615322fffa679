/**
 * `npm run bench:digest` — daily digests at scale, through the real poller, summarizer, composer,
 * scheduler and paced delivery, against loopback fakes:
 *   - a website serving 50 feeds and their article pages (200 new items, half English, half Chinese);
 *   - the fake OpenAI server (counts model requests);
 *   - a Bot API that ENFORCES Telegram's limits (30 messages/s overall, 1/s per chat) and answers 429
 *     with retry_after when they are exceeded.
 * Time is scaled (default ×1/10): the pacer and the fake's limits are scaled together, so "30/s" is 300/s here
 * (at ×1/20 this one process — bot, fakes and SQLite — runs out of CPU before the pacer runs out of rate).
 *
 *   npm run bench:digest                       # 10,000 subscribers, 50 feeds, 200 items
 *   npm run bench:digest -- --users 2000 --scale 0.05 --store sqlite-file
 *
 * Anchors printed beside the figures, from the same run: the per-subscriber cost a naive design would pay,
 * the allowed rate at this scale, and an unpaced burst at the same fake (how many 429s pacing avoids).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { loadConfig } from "../src/config.js";
import type { SendPart } from "../src/digest/delivery.js";
import { feedIdOf, resolveFeed } from "../src/digest/feeds.js";
import { createDigests } from "../src/digest/index.js";
import type { DigestSettings } from "../src/digest/store.js";
import { limitConcurrency } from "../src/llm/limit.js";
import { createOpenAiClient } from "../src/llm/openai.js";
import { records } from "../src/store/records.js";
import { openStore } from "../src/store/store.js";
import type { Summary } from "../src/types.js";
import { articlePage, rss, summaryReply, type TestItem } from "../test/digest/helpers.js";
import { startFakeOpenAi } from "../test/fakes/openai.js";
import { startSite } from "../test/fakes/site.js";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    feeds: { type: "string", default: "50" },
    items: { type: "string", default: "200" },
    "feeds-per-user": { type: "string", default: "3" },
    scale: { type: "string", default: "0.1" },
    store: { type: "string", default: "sqlite-memory" },
  },
});
const USERS = Number(args.users);
const FEEDS = Number(args.feeds);
const ITEMS = Number(args.items);
const FEEDS_PER_USER = Number(args["feeds-per-user"]);
/** Multiplies every duration: 0.1 runs Telegram's 30/s as 300/s and its per-chat 1 s as 100 ms. */
const SCALE = Number(args.scale);
const TELEGRAM_RATE = 30;
const TELEGRAM_PER_CHAT_MS = 1000;
const TOKEN = "123456:BENCH-token";

// ── peak memory ─────────────────────────────────────────────────────────────────────────────────
let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 50);

/** Peak memory per phase (debug only): which stage holds memory. */
function phase(name: string) {
  if (process.env.BENCH_DEBUG)
    console.error(
      `peak after ${name}: rss ${(peakRss / 1048576).toFixed(0)} MB heap ${(peakHeap / 1048576).toFixed(0)} MB`,
    );
}

// ── a Bot API that enforces Telegram's rates ──────────────────────────────────────────────────
// It runs in a worker thread: its clock and its HTTP handling do not share the event loop with the code under test,
// so a busy moment in the bot cannot make the fake look more lenient (or stricter) than Telegram.
interface RateLimitedApi {
  url: string;
  /** Counters and accepted texts per chat so far. */
  stats(): Promise<{
    accepted: number;
    rejected429: number;
    byChat: Map<number, string[]>;
    firstAt?: number;
    lastAt?: number;
  }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const BOT_API_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { rate, perChatMs: realPerChatMs, scale } = workerData;
const globalCapacity = rate; // a second's worth, as Telegram allows about 30 a second
const refillPerMs = rate / (1000 * scale);
const perChatMs = realPerChatMs * scale;
let tokens = globalCapacity, refilledAt = performance.now(), nextMessageId = 1;
let lastByChat = new Map(), byChat = new Map(), accepted = 0, rejected429 = 0, firstAt, lastAt;
function json(res, status, body) { res.writeHead(status, { "content-type": "application/json" }); res.end(JSON.stringify(body)); }
function tooMany(res, waitMs) {
  rejected429 += 1;
  const seconds = Math.max(1, Math.ceil(waitMs / scale / 1000));
  json(res, 429, { ok: false, error_code: 429, description: "Too Many Requests: retry after " + seconds, parameters: { retry_after: seconds } });
}
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const method = (req.url || "").split("/").pop();
    if (method !== "sendMessage") return json(res, 200, { ok: true, result: true });
    const params = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const now = performance.now();
    tokens = Math.min(globalCapacity, tokens + (now - refilledAt) * refillPerMs);
    refilledAt = now;
    const chatId = Number(params.chat_id);
    const last = lastByChat.get(chatId);
    if (last !== undefined && now - last < perChatMs) return tooMany(res, perChatMs - (now - last));
    if (tokens < 1) return tooMany(res, (1 - tokens) / refillPerMs);
    tokens -= 1;
    lastByChat.set(chatId, now);
    accepted += 1;
    if (firstAt === undefined) firstAt = now;
    lastAt = now;
    const list = byChat.get(chatId) || [];
    list.push(params.text);
    byChat.set(chatId, list);
    json(res, 200, { ok: true, result: { message_id: nextMessageId++, date: 0, chat: { id: chatId, type: "private" }, text: params.text } });
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ type: "url", url: "http://127.0.0.1:" + server.address().port }));
parentPort.on("message", (message) => {
  if (message === "stats") parentPort.postMessage({ type: "stats", accepted, rejected429, byChat: [...byChat], firstAt, lastAt });
  if (message === "reset") { lastByChat = new Map(); byChat = new Map(); accepted = 0; rejected429 = 0; firstAt = undefined; lastAt = undefined; parentPort.postMessage({ type: "reset" }); }
  if (message === "close") { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
`;

async function startRateLimitedBotApi(scale: number): Promise<RateLimitedApi> {
  const worker = new Worker(BOT_API_WORKER, {
    eval: true,
    workerData: { rate: TELEGRAM_RATE, perChatMs: TELEGRAM_PER_CHAT_MS, scale },
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const listener = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        worker.off("message", listener);
        resolve(message);
      };
      worker.on("message", listener);
    });
  const { url } = (await next("url")) as { url: string };
  return {
    url,
    async stats() {
      const reply = next("stats");
      worker.postMessage("stats");
      const message = (await reply) as {
        accepted: number;
        rejected429: number;
        byChat: Array<[number, string[]]>;
        firstAt?: number;
        lastAt?: number;
      };
      return { ...message, byChat: new Map(message.byChat) };
    },
    async reset() {
      const reply = next("reset");
      worker.postMessage("reset");
      await reply;
    },
    async close() {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("close");
      await exited;
    },
  };
}

// ── the run ───────────────────────────────────────────────────────────────────────────────────
async function main() {
  const dir = mkdtempSync(join(tmpdir(), "jianbao-bench-digest-"));
  const storeUrl = args.store === "sqlite-file" ? `sqlite://${join(dir, "bench.sqlite")}` : "sqlite://:memory:";
  const store = await openStore(storeUrl);
  const site = await startSite();
  const ai = await startFakeOpenAi({ fallback: summaryReply });
  const api = await startRateLimitedBotApi(SCALE);
  const config = loadConfig({ FETCH_ALLOW_PRIVATE: "1", DIGEST_MAX_ITEMS: "10", LLM_MAX_CONCURRENCY: "16" });
  let clockNow = Date.parse("2026-03-10T00:00:00Z");
  const clock = { now: () => clockNow };
  const llm = limitConcurrency(
    createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 30_000, maxRetries: 0 }),
    config.llm.maxConcurrency,
  );
  const digests = createDigests({
    config,
    store,
    llm,
    summaryCache: store.collection<Summary>("summary"),
    send: keepAliveSender(api.url),
    clock,
    fetchOptions: { allowPrivate: true, timeoutMs: 30_000 },
    queue: { timeScale: SCALE, maxInFlight: 128 },
  });
  const t0 = performance.now();

  // Feeds: each starts with one old item (the baseline when the first person subscribes).
  const feedUrl = (index: number) => `${site.url}/feeds/${index}.xml`;
  const feedLang = (index: number): "en" | "zh" => (index % 2 === 0 ? "en" : "zh");
  const oldItem = (index: number): TestItem => ({
    id: `f${index}-old`,
    title: `Feed ${index} archive`,
    link: `${site.url}/a/${index}/old.html`,
    published: "2026-03-01T00:00:00Z",
  });
  for (let index = 0; index < FEEDS; index += 1) {
    site.route(`/feeds/${index}.xml`, {
      body: rss(`Source ${index}`, [oldItem(index)], site.url),
      type: "application/rss+xml",
      etag: '"v1"',
    });
  }
  const feedIds: string[] = [];
  for (let index = 0; index < FEEDS; index += 1) {
    const resolved = await resolveFeed(feedUrl(index), { fetchOptions: { allowPrivate: true } });
    feedIds.push(await digests.poller.addFeed(resolved));
  }

  // People: a third read English summaries, a third Chinese, a third "auto" (the article's own language).
  // Their local 08:00 (or 16:00 in Shanghai, 09:00 in Berlin) all fall on 08:00 UTC on 10 March.
  const zones = [
    { timezone: "UTC", time: "08:00" },
    { timezone: "Asia/Shanghai", time: "16:00" },
    { timezone: "Europe/Berlin", time: "09:00" },
  ];
  const langs = ["en", "zh", "auto"] as const;
  const subscribersByFeed = new Map<number, number[]>();
  const userLang = new Map<number, (typeof langs)[number]>();
  const users = records(store).users;
  const subscribedAt = new Date(clockNow).toISOString();
  const writes: Promise<unknown>[] = [];
  for (let userId = 1; userId <= USERS; userId += 1) {
    const lang = langs[userId % 3] as (typeof langs)[number];
    userLang.set(userId, lang);
    const zone = zones[userId % zones.length] as (typeof zones)[number];
    const settings: DigestSettings = { chatId: userId, ...zone, enabled: true, sendEmpty: false };
    writes.push(users.set(String(userId), { lang, firstSeen: subscribedAt }));
    writes.push(digests.digests.settings.set(String(userId), settings));
    for (let k = 0; k < FEEDS_PER_USER; k += 1) {
      const feed = (userId * 7 + k * 13) % FEEDS;
      const list = subscribersByFeed.get(feed) ?? [];
      if (list.includes(userId)) continue;
      list.push(userId);
      subscribersByFeed.set(feed, list);
      writes.push(digests.digests.subscribe(feedIdOf(feedUrl(feed)), userId, subscribedAt));
    }
    if (writes.length > 2000) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  const setupSeconds = (performance.now() - t0) / 1000;
  phase("setup");

  // News: ITEMS new items spread over the feeds, each with its article page.
  clockNow = Date.parse("2026-03-10T02:00:00Z");
  const itemsByFeed = new Map<number, TestItem[]>();
  for (let n = 0; n < ITEMS; n += 1) {
    const feed = n % FEEDS;
    const item: TestItem = {
      id: `f${feed}-n${n}`,
      title: feedLang(feed) === "zh" ? `第${n}号新闻：城市交通计划` : `Story ${n}: the city transport plan`,
      link: `${site.url}/a/${feed}/${n}.html`,
      published: new Date(Date.parse("2026-03-10T01:00:00Z") + n * 1000).toISOString(),
    };
    itemsByFeed.set(feed, [...(itemsByFeed.get(feed) ?? []), item]);
    site.route(`/a/${feed}/${n}.html`, { body: articlePage(item.title, feedLang(feed)) });
  }
  for (const [feed, list] of itemsByFeed) {
    site.route(`/feeds/${feed}.xml`, {
      body: rss(`Source ${feed}`, [...list, oldItem(feed)], site.url),
      type: "application/rss+xml",
      etag: '"v2"',
    });
  }

  // Expected model requests: per item, the languages its subscribers need (auto → the article's language).
  let expectedRequests = 0;
  let naiveRequests = 0;
  for (const [feed, list] of itemsByFeed) {
    const readers = subscribersByFeed.get(feed) ?? [];
    const needed = new Set(
      readers.map((userId) => {
        const lang = userLang.get(userId);
        return lang === "auto" ? feedLang(feed) : lang;
      }),
    );
    expectedRequests += list.length * needed.size;
    naiveRequests += list.length * readers.length;
  }

  const pollStart = performance.now();
  const poll = await digests.poller.pollAll({ force: true });
  const pollSeconds = (performance.now() - pollStart) / 1000;
  const modelRequests = ai.chatRequests().length;
  phase("poll");

  // A second poll: every feed answers 304.
  clockNow += 31 * 60_000;
  const before304 = ai.chatRequests().length;
  const poll304 = await digests.poller.pollAll();
  const modelRequestsOn304 = ai.chatRequests().length - before304;

  // Digest time: every person is due at once.
  clockNow = Date.parse("2026-03-10T08:00:00Z");
  const deliveryStart = performance.now();
  const tick = await digests.scheduler.tick();
  const results = await tick.done;
  const deliverySeconds = (performance.now() - deliveryStart) / 1000;
  phase("delivery");

  const apiStats = await api.stats();
  // Duplicates and losses, from the ledger (what was composed) against what the fake Bot API accepted.
  let expectedMessages = 0;
  let duplicates = 0;
  let losses = 0;
  let peopleWithDigest = 0;
  for (const { id, value } of await digests.digests.ledger.list()) {
    const userId = Number(id.split(":")[0]);
    const received = apiStats.byChat.get(userId) ?? [];
    expectedMessages += value.parts.length;
    if (received.length > 0) peopleWithDigest += 1;
    const counts = new Map<string, number>();
    for (const text of received) counts.set(text, (counts.get(text) ?? 0) + 1);
    for (const part of value.parts) {
      const count = counts.get(part.text) ?? 0;
      if (count === 0) losses += 1;
      if (count > 1) duplicates += count - 1;
    }
  }
  const delivered = apiStats.accepted;
  const sendWindow = ((apiStats.lastAt ?? 0) - (apiStats.firstAt ?? 0)) / 1000;
  const allowedPerSecond = TELEGRAM_RATE / SCALE;
  const throughput = delivered / (deliverySeconds * allowedPerSecond);
  const throughputSendWindow = (delivered - 1) / (sendWindow * allowedPerSecond);
  const stats = { ...digests.queue.stats };
  const rejectedWhilePaced = apiStats.rejected429;

  // Anchor: the same fake, an unpaced burst of 1,000 messages to 1,000 chats (what pacing avoids).
  await api.reset();
  const send = keepAliveSender(api.url);
  const burstStart = performance.now();
  const burst = await Promise.allSettled(
    Array.from({ length: 1000 }, (_, index) => send(1_000_000 + index, { text: "burst", buttons: [] })),
  );
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const burstOk = burst.filter((result) => result.status === "fulfilled").length;

  digests.stop();
  clearInterval(sampler);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const row = (label: string, value: string, anchor = "") =>
    console.log(`${label.padEnd(34)} ${value.padEnd(22)} ${anchor}`);
  console.log(
    `\nJianbao digest bench — ${USERS} subscribers, ${FEEDS} feeds (${FEEDS_PER_USER} each), ${ITEMS} new items, time ×${SCALE}, store ${args.store}\n`,
  );
  row("", "measured", "anchor (same run)");
  row("setup (people + subscriptions)", `${setupSeconds.toFixed(1)} s`);
  row("poll: feeds fetched / new items", `${poll.polled} / ${poll.newItems}`, `failures ${poll.failures}`);
  row("poll time", `${pollSeconds.toFixed(1)} s`);
  row(
    "model requests",
    String(modelRequests),
    `expected items × languages = ${expectedRequests}; per subscriber would be ${naiveRequests}`,
  );
  row(
    "second poll: 304s / model requests",
    `${poll304.notModified} / ${modelRequestsOn304}`,
    `feeds polled ${poll304.polled}`,
  );
  row("digests due / people reached", `${tick.due} / ${peopleWithDigest}`, `results: ${summarise(results)}`);
  row("messages delivered", String(delivered), `composed parts ${expectedMessages}`);
  row("duplicates", String(duplicates));
  row("losses", String(losses));
  row(
    "delivery time (tick → last message)",
    `${deliverySeconds.toFixed(1)} s`,
    `≙ ${(deliverySeconds / SCALE).toFixed(0)} s at Telegram's real rate`,
  );
  row(
    "throughput / allowed rate",
    `${throughput.toFixed(3)}`,
    `allowed ${allowedPerSecond.toFixed(0)}/s scaled (30/s real); first→last send ${throughputSendWindow.toFixed(3)}`,
  );
  row("429s while paced", `${rejectedWhilePaced}`, `global pauses ${stats.globalPauses}, retries ${stats.retries}`);
  row(
    "unpaced burst of 1,000 (anchor)",
    `${burstOk} accepted`,
    `${1000 - burstOk} got 429 in ${burstSeconds.toFixed(2)} s`,
  );
  row("peak memory (RSS / heap)", `${mb(peakRss)} / ${mb(peakHeap)}`);
  const ok = modelRequests === expectedRequests && duplicates === 0 && losses === 0 && modelRequestsOn304 === 0;
  console.log(
    `\n${ok ? "OK" : "CHECK"}: model requests ${modelRequests === expectedRequests ? "=" : "≠"} items × languages; duplicates ${duplicates}; losses ${losses}; throughput ${throughput >= 0.9 ? "≥" : "<"} 0.9 of the allowed rate`,
  );

  await Promise.all([site.close(), ai.close(), api.close()]);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The bench's SendPart: the same request telegramSender makes, over fetch with kept-alive connections.
 * telegraf drops its keep-alive agent for plain-http API roots (node-fetch then sends `Connection: close`), so
 * against a loopback fake every message would open a new TCP connection — unlike production, where telegraf
 * talks HTTPS to Telegram through a keep-alive agent. Errors carry the fields classifySendError reads.
 */
function keepAliveSender(apiRoot: string): SendPart {
  return async (chatId, part) => {
    const response = await fetch(`${apiRoot}/bot${TOKEN}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        chat_id: chatId,
        text: part.text,
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(part.buttons.length > 0
          ? {
              reply_markup: {
                inline_keyboard: part.buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))),
              },
            }
          : {}),
      }),
    });
    const body = (await response.json()) as {
      ok: boolean;
      result?: { message_id: number };
      error_code?: number;
      description?: string;
      parameters?: { retry_after?: number };
    };
    if (!body.ok || !body.result) {
      throw Object.assign(new Error(body.description ?? `HTTP ${response.status}`), {
        code: body.error_code ?? response.status,
        response: body,
      });
    }
    return body.result.message_id;
  };
}

function summarise(results: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const result of results) counts.set(result, (counts.get(result) ?? 0) + 1);
  return [...counts].map(([key, count]) => `${key} ${count}`).join(", ");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
