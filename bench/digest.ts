/**
 * `npm run bench:digest` — daily digests at scale, measured on the product's own processes.
 *
 * The product runs as it does in production: the compiled build (`npm run build`, then `node dist/main.js`, what the
 * Dockerfile runs; `--runner tsx` runs `node --import tsx src/main.ts` instead, what `npm start` runs) in webhook mode, one process on a SQLite file or several replicas on a real Redis. The fakes run in a
 * process of their own (bench/digest-fakes.ts): a website with the feeds and article pages, the fake OpenAI
 * server, and a Bot API that enforces Telegram's limits. So the memory figures are the product's alone.
 *
 * The bench writes feeds, people and subscriptions into the store through the product's own APIs, then the
 * product does the work: its poller fetches the new items and summarizes each once per language its readers need
 * (shared by every replica), and at the digest minute its scheduler composes and sends everyone's digest, paced to
 * TELEGRAM_MAX_PER_SECOND summed over the replicas (booked in Redis).
 *
 * Time is scaled (default ×1/10): the product's TELEGRAM_MAX_PER_SECOND is set to 30/scale and the fake enforces
 * the same, so "30/s" is 300/s here.
 *
 *   npm run bench:digest                                              # 10,000 people, 1 process, SQLite file
 *   npm run bench:digest -- --replicas 3 --store redis --users 100000  # 3 replicas on Redis
 *
 * Anchors printed beside the figures, from the same run: the model requests a per-subscriber design would make,
 * the allowed rate, and an unpaced burst of 1,000 messages at the same fake (how many 429s pacing avoids).
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.js";
import { feedIdOf, resolveFeed } from "../src/digest/feeds.js";
import { createDigests } from "../src/digest/index.js";
import type { DigestSettings } from "../src/digest/store.js";
import { createOpenAiClient } from "../src/llm/openai.js";
import { records } from "../src/store/records.js";
import { openStore } from "../src/store/store.js";
import type { Summary } from "../src/types.js";
import { articlePage, rss, type TestItem } from "../test/digest/helpers.js";
import type { SiteRoute } from "../test/fakes/site.js";
import { freePort, startRedis } from "../test/helpers/redis.js";
import { type BotApiStats, type FakesRequest, textDigest } from "./digest-fakes.js";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    feeds: { type: "string", default: "50" },
    items: { type: "string", default: "200" },
    "feeds-per-user": { type: "string", default: "3" },
    scale: { type: "string", default: "0.1" },
    replicas: { type: "string", default: "1" },
    store: { type: "string", default: "sqlite" },
    lead: { type: "string", default: "3" },
    runner: { type: "string", default: "built" },
  },
});
const USERS = Number(args.users);
const FEEDS = Number(args.feeds);
const ITEMS = Number(args.items);
const FEEDS_PER_USER = Number(args["feeds-per-user"]);
/** Multiplies every duration: 0.1 runs Telegram's 30/s as 300/s. */
const SCALE = Number(args.scale);
const REPLICAS = Number(args.replicas);
const TELEGRAM_RATE = 30;
const ALLOWED_PER_SECOND = Math.round(TELEGRAM_RATE / SCALE);
const TOKEN = "424242:BENCH-token";
const SECRET = "bench-secret";
const ROOT = new URL("..", import.meta.url).pathname;
/** Minutes from the end of setup to the digest minute: the product's poll tick (every minute) comes first. */
const DIGEST_LEAD_MINUTES = Number(args.lead);
/** The fakes' OS priority (negative: ahead of the product, which runs at 0 and its CPU workers at +10). */
const FAKES_PRIORITY = -10;

// ── the fakes' process ────────────────────────────────────────────────────────────────────────────
interface Fakes {
  site: string;
  openai: string;
  botApi: string;
  request(message: FakesRequest): Promise<unknown>;
  /** The fake Bot API's counters; with `texts`, every accepted text too (slow: only for the final count). */
  stats(texts?: boolean): Promise<BotApiStats>;
  child: ChildProcess;
}

async function startFakes(): Promise<Fakes> {
  const child = fork(join(ROOT, "bench/digest-fakes.ts"), [String(SCALE)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const listener = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        child.off("message", listener);
        resolve(message);
      };
      child.on("message", listener);
    });
  // The fakes stand in for Telegram's servers, which do not share our cores: ahead of the product's processes
  // in the scheduler, so that they timestamp arrivals when they come (needs root or CAP_SYS_NICE; else as is).
  try {
    setPriority(child.pid ?? 0, FAKES_PRIORITY);
  } catch {
    // not permitted: the fakes run at the same priority, and their loop-delay figure says how much it cost
  }
  const ready = (await next("ready")) as unknown as { site: string; openai: string; botApi: string };
  // One request at a time: replies are matched by type.
  let chain: Promise<unknown> = Promise.resolve();
  const request = (message: FakesRequest) => {
    const reply = chain.then(() => {
      const answer = next(message.type === "stats" ? "stats" : `${message.type}:done`);
      child.send(message);
      return answer;
    });
    chain = reply.catch(() => undefined);
    return reply;
  };
  return {
    ...ready,
    child,
    request,
    stats: async (texts = false) => ((await request({ type: "stats", texts })) as { stats: BotApiStats }).stats,
  };
}

// ── the product's processes ──────────────────────────────────────────────────────────────────────
interface Product {
  name: string;
  child: ChildProcess;
  port: number;
  /** Largest VmRSS seen by sampling (MB). */
  sampledPeakMb: number;
  logs: string;
}

function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

async function startProduct(name: string, env: Record<string, string>): Promise<Product> {
  const port = await freePort();
  const entry = args.runner === "tsx" ? ["--import", "tsx", "src/main.ts"] : ["dist/main.js"];
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: String(port),
      REPLICA_ID: name,
      WEBHOOK_URL: `http://127.0.0.1:${port}/tg/hook`,
      WEBHOOK_SECRET: SECRET,
      // As the Dockerfile sets it (fewer glibc malloc arenas across the worker threads).
      MALLOC_ARENA_MAX: "2",
      ...env,
      ...Object.fromEntries(
        (process.env.BENCH_PRODUCT_ENV ?? "")
          .split(",")
          .filter(Boolean)
          // Split at the first "=" only: NODE_OPTIONS=--max-semi-space-size=4 keeps its value whole.
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
      ),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const product: Product = { name, child, port, sampledPeakMb: 0, logs: "" };
  child.stderr?.on("data", (chunk: Buffer) => {
    product.logs = (product.logs + chunk.toString()).slice(-20_000);
  });
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${product.logs}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return product;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not become ready: ${product.logs}`);
}

/** Where the product's memory is, from its /metrics (prom-client's nodejs_* gauges), MB. */
interface HeapFigures {
  used: number;
  /** The heap V8 has committed (young and old generations), used or not: part of the RSS. */
  committed: number;
  /** Buffers and other memory outside the heap that V8 is told about. */
  external: number;
}

async function heapFigures(product: Product): Promise<HeapFigures> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${product.port}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}\\s+(\\S+)`, "m").exec(text)?.[1] ?? 0) / 1048576;
    return {
      used: gauge("nodejs_heap_size_used_bytes"),
      committed: gauge("nodejs_heap_size_total_bytes"),
      external: gauge("nodejs_external_memory_bytes"),
    };
  } catch {
    return { used: 0, committed: 0, external: 0 };
  }
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
const cleanups: Array<() => Promise<unknown> | unknown> = [];
async function cleanUp() {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.on("SIGINT", () => void cleanUp().then(() => process.exit(130)));

async function main() {
  // The compiled build is what the Docker image runs; build it from the current sources first.
  if (args.runner !== "tsx") execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "jianbao-bench-digest-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const fakes = await startFakes();
  cleanups.push(async () => {
    const exited = new Promise((resolve) => fakes.child.once("exit", resolve));
    fakes.child.send({ type: "close" });
    await exited;
  });
  let storeUrl = `sqlite://${join(dir, "bench.sqlite")}`;
  if (args.store === "redis") {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    storeUrl = redis.url;
  }
  const t0 = performance.now();
  // The bench's own handle on the store: it seeds through the product's APIs and reads the ledger after.
  const store = await openStore(storeUrl);
  cleanups.push(() => store.close());
  const config = loadConfig({ FETCH_ALLOW_PRIVATE: "1" });
  const seeder = createDigests({
    config,
    store,
    // Never called: the bench seeds; the product's processes poll and summarize.
    llm: createOpenAiClient({ baseUrl: fakes.openai, model: "fake-model", timeoutMs: 30_000, maxRetries: 0 }),
    summaryCache: store.collection<Summary>("summary"),
    send: async () => Promise.reject(new Error("the bench does not send")),
    fetchOptions: { allowPrivate: true },
  });

  // Feeds: each starts with one old item (the baseline when it is added).
  const route = (path: string, routeSpec: SiteRoute) => fakes.request({ type: "route", path, route: routeSpec });
  const feedUrl = (index: number) => `${fakes.site}/feeds/${index}.xml`;
  const feedLang = (index: number): "en" | "zh" => (index % 2 === 0 ? "en" : "zh");
  const oldItem = (index: number): TestItem => ({
    id: `f${index}-old`,
    title: `Feed ${index} archive`,
    link: `${fakes.site}/a/${index}/old.html`,
    published: "2026-03-01T00:00:00Z",
  });
  for (let index = 0; index < FEEDS; index += 1) {
    await route(`/feeds/${index}.xml`, {
      body: rss(`Source ${index}`, [oldItem(index)], fakes.site),
      type: "application/rss+xml",
      etag: '"v1"',
    });
    await seeder.poller.addFeed(await resolveFeed(feedUrl(index), { fetchOptions: { allowPrivate: true } }));
  }

  // People: a third read English summaries, a third Chinese, a third "auto" (the article's own language), in
  // three time zones; all subscribed an hour ago.
  const zones = [
    { timezone: "UTC", offsetMinutes: 0 },
    { timezone: "Asia/Shanghai", offsetMinutes: 8 * 60 },
    { timezone: "Asia/Kolkata", offsetMinutes: 5 * 60 + 30 },
  ];
  const langs = ["en", "zh", "auto"] as const;
  const subscribersByFeed = new Map<number, number[]>();
  const userLang = new Map<number, (typeof langs)[number]>();
  const users = records(store).users;
  const subscribedAt = new Date(Date.now() - 3_600_000).toISOString();
  let writes: Promise<unknown>[] = [];
  const flush = async (limit: number) => {
    if (writes.length < limit) return;
    await Promise.all(writes);
    writes = [];
  };
  for (let userId = 1; userId <= USERS; userId += 1) {
    const lang = langs[userId % 3] as (typeof langs)[number];
    userLang.set(userId, lang);
    writes.push(users.set(String(userId), { lang, firstSeen: subscribedAt }));
    for (let k = 0; k < FEEDS_PER_USER; k += 1) {
      const feed = (userId * 7 + k * 13) % FEEDS;
      const list = subscribersByFeed.get(feed) ?? [];
      if (list.includes(userId)) continue;
      list.push(userId);
      subscribersByFeed.set(feed, list);
      writes.push(seeder.digests.subscribe(feedIdOf(feedUrl(feed)), userId, subscribedAt));
    }
    await flush(2000);
  }
  await flush(0);

  // News: ITEMS new items spread over the feeds, each with its article page.
  const itemsByFeed = new Map<number, TestItem[]>();
  for (let n = 0; n < ITEMS; n += 1) {
    const feed = n % FEEDS;
    const item: TestItem = {
      id: `f${feed}-n${n}`,
      title: feedLang(feed) === "zh" ? `第${n}号新闻：城市交通计划` : `Story ${n}: the city transport plan`,
      link: `${fakes.site}/a/${feed}/${n}.html`,
      published: new Date(Date.now() - 600_000 + n * 1000).toISOString(),
    };
    itemsByFeed.set(feed, [...(itemsByFeed.get(feed) ?? []), item]);
    await route(`/a/${feed}/${n}.html`, { body: articlePage(item.title, feedLang(feed)) });
  }
  for (const [feed, list] of itemsByFeed) {
    await route(`/feeds/${feed}.xml`, {
      body: rss(`Source ${feed}`, [...list, oldItem(feed)], fakes.site),
      type: "application/rss+xml",
      etag: '"v2"',
    });
  }
  // The feeds were last polled long enough ago that the product's first poll tick polls them all.
  for (const { id, value } of await seeder.digests.feeds.list()) {
    await seeder.digests.feeds.set(id, { ...value, lastPolledAt: new Date(Date.now() - 3_600_000).toISOString() });
  }

  // Everyone's digest minute: DIGEST_LEAD_MINUTES from now, in each person's zone.
  const digestAt = Math.ceil((Date.now() + DIGEST_LEAD_MINUTES * 60_000) / 60_000) * 60_000;
  const localTime = (offsetMinutes: number) => {
    const local = new Date(digestAt + offsetMinutes * 60_000);
    return `${String(local.getUTCHours()).padStart(2, "0")}:${String(local.getUTCMinutes()).padStart(2, "0")}`;
  };
  for (let userId = 1; userId <= USERS; userId += 1) {
    const zone = zones[userId % zones.length] as (typeof zones)[number];
    const settings: DigestSettings = {
      chatId: userId,
      timezone: zone.timezone,
      time: localTime(zone.offsetMinutes),
      enabled: true,
      sendEmpty: false,
    };
    writes.push(seeder.digests.settings.set(String(userId), settings));
    await flush(2000);
  }
  await flush(0);

  // Expected model requests: per item, the languages its subscribers need (auto → the article's language).
  let expectedRequests = 0;
  let naiveRequests = 0;
  for (const [feed, list] of itemsByFeed) {
    const readers = subscribersByFeed.get(feed) ?? [];
    const needed = new Set(
      readers.map((userId) => (userLang.get(userId) === "auto" ? feedLang(feed) : userLang.get(userId))),
    );
    expectedRequests += list.length * needed.size;
    naiveRequests += list.length * readers.length;
  }
  const setupSeconds = (performance.now() - t0) / 1000;

  // The product.
  const env = {
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: fakes.botApi,
    OPENAI_BASE_URL: fakes.openai,
    OPENAI_MODEL: "fake-model",
    FETCH_ALLOW_PRIVATE: "1",
    STORE_URL: storeUrl,
    DATA_DIR: dir,
    TELEGRAM_MAX_PER_SECOND: String(ALLOWED_PER_SECOND),
    FEED_POLL_MINUTES: "30",
    DIGEST_MAX_ITEMS: "10",
    LLM_MAX_CONCURRENCY: "16",
    // Scaled like every other duration: the product's one-minute idle exit of CPU workers is 6 s at ×0.1.
    CPU_IDLE_SECONDS: String(Math.max(1, Math.round(60 * SCALE))),
  };
  const products: Product[] = [];
  for (let index = 1; index <= REPLICAS; index += 1) {
    const product = await startProduct(`bench-${index}`, env);
    products.push(product);
    cleanups.push(async () => {
      if (product.child.exitCode !== null) return;
      const exited = new Promise((resolve) => product.child.once("exit", resolve));
      product.child.kill("SIGTERM");
      await exited;
    });
  }
  const sampler = setInterval(() => {
    for (const product of products) {
      product.sampledPeakMb = Math.max(product.sampledPeakMb, procStatusMb(product.child.pid ?? 0, "VmRSS"));
    }
  }, 100);
  cleanups.push(() => clearInterval(sampler));
  const peakHeapMb = new Map<string, HeapFigures>();
  const heapSampler = setInterval(async () => {
    for (const product of products) {
      const now = await heapFigures(product);
      const peak = peakHeapMb.get(product.name) ?? { used: 0, committed: 0, external: 0 };
      peakHeapMb.set(product.name, {
        used: Math.max(peak.used, now.used),
        committed: Math.max(peak.committed, now.committed),
        external: Math.max(peak.external, now.external),
      });
    }
  }, 1000);
  cleanups.push(() => clearInterval(heapSampler));

  // The poll: the product's first poll tick (at a minute boundary) fetches every feed and summarizes the news.
  let stats = await fakes.stats();
  const pollStart = performance.now();
  while (stats.modelRequests < expectedRequests && Date.now() < digestAt) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    stats = await fakes.stats();
  }
  const pollDone = Date.now();
  // Which phase holds the memory: the peak so far is the poll's (fetching, cleaning in the pool, summarizing).
  const peakAfterPoll = new Map(products.map((product) => [product.name, product.sampledPeakMb]));
  const pollSeconds = (performance.now() - pollStart) / 1000;
  const summariesBeforeDigest = stats.modelRequests;

  // The digest minute: wait until every composed part has been accepted, or nothing moves for 2 minutes.
  const expectedParts = async () => {
    let parts = 0;
    let entries = 0;
    for (const { value } of await seeder.digests.ledger.list()) {
      parts += value.parts.length;
      entries += 1;
    }
    return { parts, entries };
  };
  let lastProgressAt = Date.now();
  let lastAccepted = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stats = await fakes.stats();
    if (stats.accepted !== lastAccepted) {
      lastAccepted = stats.accepted;
      lastProgressAt = Date.now();
    }
    // Before the first message the tick reads everyone's settings and composes: that is not "no progress".
    if (stats.accepted === 0) lastProgressAt = Math.max(lastProgressAt, digestAt);
    if (Date.now() < digestAt + 5000) continue;
    if (stats.accepted > 0 && Date.now() - lastProgressAt > 5000) {
      const { entries, parts } = await expectedParts();
      if (entries >= USERS && stats.accepted >= parts) break;
    }
    if (Date.now() - lastProgressAt > 120_000) break;
  }
  const deliverySeconds = ((stats.lastAt ?? 0) - (stats.firstAt ?? 0)) / 1000;

  // Memory, the product's alone: peak resident set (the kernel's high-water mark) and sampled heap.
  const memory = products.map((product) => ({
    name: product.name,
    hwm: procStatusMb(product.child.pid ?? 0, "VmHWM"),
    sampled: product.sampledPeakMb,
    heap: peakHeapMb.get(product.name) ?? { used: 0, committed: 0, external: 0 },
  }));

  // Duplicates and losses: the ledger (what was composed) against what the fake Bot API accepted.
  const byChat = new Map((await fakes.stats(true)).byChat);
  let composedParts = 0;
  let duplicates = 0;
  let losses = 0;
  let peopleWithDigest = 0;
  const ledger = await seeder.digests.ledger.list();
  for (const { id, value } of ledger) {
    const userId = Number(id.split(":")[0]);
    const received = byChat.get(userId) ?? [];
    composedParts += value.parts.length;
    if (received.length > 0) peopleWithDigest += 1;
    const counts = new Map<string, number>();
    for (const text of received) counts.set(text, (counts.get(text) ?? 0) + 1);
    for (const part of value.parts) {
      const count = counts.get(textDigest(part.text)) ?? 0;
      if (count === 0) losses += 1;
      if (count > 1) duplicates += count - 1;
    }
  }
  const delivered = stats.accepted;
  const throughput = (delivered - 1) / (deliverySeconds * ALLOWED_PER_SECOND);
  const rejectedWhilePaced = stats.rejected429;
  const busiestSecond = stats.busiestSecond;
  // How even the delivery was: whole seconds between the first and the last (the last one is partial).
  const fullSeconds = stats.perSecond.slice(0, -1).sort((a, b) => a - b);
  const secondAt = (fraction: number) => fullSeconds[Math.floor(fraction * (fullSeconds.length - 1))] ?? 0;
  const belowHalf = fullSeconds.filter((count) => count < ALLOWED_PER_SECOND / 2).length;
  // Where they were: runs of such seconds, counted from the first message ("12–14" = seconds 12 to 14).
  const slowRuns: string[] = [];
  stats.perSecond.slice(0, -1).forEach((count, second, all) => {
    if (count >= ALLOWED_PER_SECOND / 2) return;
    if (second > 0 && (all[second - 1] ?? 0) < ALLOWED_PER_SECOND / 2) {
      const last = slowRuns.pop() ?? String(second);
      slowRuns.push(`${last.split("–")[0]}–${second}`);
    } else slowRuns.push(String(second));
  });
  const modelRequests = stats.modelRequests;

  // Anchor: the same fake, an unpaced burst of 1,000 messages to 1,000 chats (what pacing avoids).
  await fakes.request({ type: "reset" });
  const burstStart = performance.now();
  const burst = await Promise.allSettled(
    Array.from({ length: 1000 }, async (_, index) => {
      const response = await fetch(`${fakes.botApi}/bot${TOKEN}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: 1_000_000 + index, text: "burst" }),
      });
      if (response.status !== 200) throw new Error(String(response.status));
    }),
  );
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const burstOk = burst.filter((result) => result.status === "fulfilled").length;

  const row = (label: string, value: string, anchor = "") =>
    console.log(`${label.padEnd(38)} ${value.padEnd(24)} ${anchor}`);
  console.log(
    `\nJianbao digest bench — ${USERS} people, ${FEEDS} feeds (${FEEDS_PER_USER} each), ${ITEMS} new items, ` +
      `${REPLICAS} product process${REPLICAS > 1 ? "es" : ""} (${args.runner === "tsx" ? "tsx src/main.ts" : "node dist/main.js"}) on ${args.store}, time ×${SCALE}\n`,
  );
  row("", "measured", "anchor (same run)");
  row("setup (people, subscriptions, settings)", `${setupSeconds.toFixed(1)} s`);
  row(
    "model requests (the product's poll)",
    String(modelRequests),
    `expected items × languages = ${expectedRequests}; per subscriber would be ${naiveRequests}`,
  );
  row(
    "poll done before the digest minute",
    pollDone < digestAt ? "yes" : "NO",
    `waited ${pollSeconds.toFixed(1)} s for the poll tick and ${summariesBeforeDigest} summaries`,
  );
  row("digests composed / people reached", `${ledger.length} / ${peopleWithDigest}`, `people ${USERS}`);
  row("messages delivered", String(delivered), `composed parts ${composedParts}`);
  row("duplicates", String(duplicates));
  row("losses", String(losses));
  row(
    "delivery time (first → last message)",
    `${deliverySeconds.toFixed(1)} s`,
    `≙ ${(deliverySeconds / SCALE).toFixed(0)} s at Telegram's real rate`,
  );
  row(
    "throughput / allowed rate",
    throughput.toFixed(3),
    `allowed ${ALLOWED_PER_SECOND}/s scaled (30/s real), summed over ${REPLICAS} process(es)`,
  );
  row(
    "busiest one second",
    `${busiestSecond} messages`,
    `allowed ${ALLOWED_PER_SECOND}; the fakes' event loop lagged up to ${stats.loopDelayMaxMs.toFixed(0)} ms (p99 ${stats.loopDelayP99Ms.toFixed(0)} ms)`,
  );
  row(
    "messages per whole second",
    `min ${secondAt(0)}, p10 ${secondAt(0.1)}, median ${secondAt(0.5)}`,
    `${fullSeconds.length} seconds, ${belowHalf} of them under half the allowed rate${
      slowRuns.length > 0 ? ` (s ${slowRuns.slice(0, 10).join(", ")}${slowRuns.length > 10 ? ", …" : ""})` : ""
    }`,
  );
  row("429s while paced", String(rejectedWhilePaced));
  row(
    "unpaced burst of 1,000 (anchor)",
    `${burstOk} accepted`,
    `${1000 - burstOk} got 429 in ${burstSeconds.toFixed(2)} s`,
  );
  for (const m of memory) {
    row(
      `peak RSS ${m.name} (VmHWM / sampled)`,
      `${m.hwm.toFixed(0)} MB / ${m.sampled.toFixed(0)} MB`,
      `heap peak used ${m.heap.used.toFixed(0)} / committed ${m.heap.committed.toFixed(0)} MB, external ${m.heap.external.toFixed(0)} MB (/metrics); peak by the end of the poll ${(peakAfterPoll.get(m.name) ?? 0).toFixed(0)} MB`,
    );
  }
  // The memory goal is the 10,000-person run's (one process); larger runs print their figures without a goal.
  const rssOk = memory.every((m) => m.hwm <= 200);
  const rssCheck = [[`peak RSS ${rssOk ? "≤" : ">"} 200 MB per process`, rssOk]] as const;
  const checks = [
    [
      `model requests ${modelRequests === expectedRequests ? "=" : "≠"} items × languages`,
      modelRequests === expectedRequests,
    ],
    [`duplicates ${duplicates}`, duplicates === 0],
    [`losses ${losses}`, losses === 0 && peopleWithDigest === USERS],
    [`throughput ${throughput >= 0.9 ? "≥" : "<"} 0.9`, throughput >= 0.9],
    [
      `busiest second ${busiestSecond} ${busiestSecond <= ALLOWED_PER_SECOND ? "≤" : ">"} allowed`,
      busiestSecond <= ALLOWED_PER_SECOND,
    ],
    ...(USERS <= 10_000 ? rssCheck : []),
  ] as const;
  console.log(`\n${checks.every(([, ok]) => ok) ? "OK" : "CHECK"}: ${checks.map(([text]) => text).join("; ")}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
