/**
 * Shared set-up for the bot's end-to-end tests: the fake Bot API, a fake website, optionally the
 * fake OpenAI server, a throwaway SQLite (or Redis) store, and the real bot long polling the fake.
 *
 * ```ts
 * const h = await startHarness({ site: { "/a": { body: html } }, llm: true, env: { PASTE_JOIN_MS: "100" } });
 * h.tg.sendText({ chatId: 1, text: `${h.site.url}/a` });
 * const edit = await h.tg.waitFor((call) => call.method === "editMessageText");
 * await h.stop();
 * ```
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BotApp, type BotFeature, createBot } from "../../src/bot/index.js";
import type { Clock, JobQueue } from "../../src/bot/jobs.js";
import { type Config, loadConfig } from "../../src/config.js";
import { limitConcurrency } from "../../src/llm/limit.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { createLogger, type Logger, silentLogger } from "../../src/log.js";
import { openStore, type Store } from "../../src/store/store.js";
import { type CpuWork, inlineCpu } from "../../src/workers/cpu.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, type SiteRoutes, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";

export interface Harness {
  tg: FakeTelegram;
  site: FakeSite;
  ai?: FakeOpenAi;
  app: BotApp;
  store: Store;
  config: Config;
  dataDir: string;
  /** Stops polling, drains jobs, closes everything. */
  stop(): Promise<void>;
}

export interface HarnessOptions {
  site?: SiteRoutes;
  /** Start the fake OpenAI server and give the bot a model client. */
  llm?: boolean;
  env?: Record<string, string>;
  storeUrl?: string;
  clock?: Clock;
  features?: BotFeature[];
  /** Replace the bot's job queue (e.g. a full one). */
  jobs?: JobQueue;
  /** Options for the fake Bot API (e.g. its clock for rate limits). */
  telegram?: Parameters<typeof startFakeTelegram>[0];
  /** Log lines collected here when given. */
  logLines?: string[];
  /** The CPU stages. @default inlineCpu */
  cpu?: CpuWork;
  /** Wraps the opened store before the bot gets it (e.g. `recordingTtls`). */
  wrapStore?: (store: Store) => Store;
}

/** A clock whose timers fire only when the test says so; sleeps are recorded and return at once. */
export function manualClock(start = Date.UTC(2026, 0, 15, 8)): Clock & {
  advance(ms: number): void;
  sleeps: number[];
} {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const sleeps: number[] = [];
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    sleep(ms) {
      sleeps.push(ms);
      return Promise.resolve();
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now) {
          timers.delete(id);
          timer.callback();
        }
      }
    },
    sleeps,
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "jianbao-bot-"));
  const tg = await startFakeTelegram(options.telegram);
  const site = await startSite(options.site ?? {});
  const ai = options.llm ? await startFakeOpenAi() : undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.url,
    FETCH_ALLOW_PRIVATE: "1",
    FETCH_TIMEOUT_MS: "3000",
    ...(ai ? { OPENAI_BASE_URL: ai.baseUrl, OPENAI_MODEL: "fake-model", LLM_MAX_RETRIES: "0" } : {}),
    ...(options.storeUrl ? { STORE_URL: options.storeUrl } : {}),
    ...options.env,
  });
  const opened = await openStore(config.store.url);
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const logger: Logger = options.logLines
    ? createLogger("debug", (line) => options.logLines?.push(line))
    : silentLogger;
  const llm = ai
    ? limitConcurrency(
        createOpenAiClient({
          baseUrl: config.llm.baseUrl,
          apiKey: "test",
          model: config.llm.model,
          // Small in tests that set LLM_TIMEOUT_MS (stalled models); 5 s otherwise, so a broken fake fails fast.
          timeoutMs: options.env?.LLM_TIMEOUT_MS ? config.llm.timeoutMs : 5000,
          maxRetries: 0,
        }),
        config.llm.maxConcurrency,
        { timeoutMs: options.env?.LLM_TIMEOUT_MS ? config.llm.timeoutMs : 5000 },
      )
    : undefined;
  const app = createBot(
    { config, store, llm, logger, clock: options.clock, jobs: options.jobs, cpu: options.cpu ?? inlineCpu },
    { features: options.features ?? [] },
  );
  await app.launch();
  return {
    tg,
    site,
    ai,
    app,
    store,
    config,
    dataDir,
    async stop() {
      await app.stop("test", 5000);
      await tg.close();
      await site.close();
      await ai?.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The store with every write's TTL noted, by `<collection>:<id>` (undefined: kept forever): keyv expires records by
 * the wall clock, so tests check the TTL each record was given rather than wait for it.
 */
export function recordingTtls(store: Store): Store & { ttls: Map<string, number | undefined> } {
  const ttls = new Map<string, number | undefined>();
  return {
    ttls,
    collection<T>(name: string) {
      const collection = store.collection<T>(name);
      return {
        ...collection,
        set: (id: string, value: T, ttlMs?: number) => {
          ttls.set(`${name}:${id}`, ttlMs);
          return collection.set(id, value, ttlMs);
        },
      };
    },
    claim: (key, ttlMs) => store.claim(key, ttlMs),
    release: (key) => store.release(key),
    lease: (key, owner, ttlMs, now) => store.lease(key, owner, ttlMs, now),
    releaseLease: (key, owner) => store.releaseLease(key, owner),
    leaseHolder: (key, now) => store.leaseHolder(key, now),
    append: (key, item, ttlMs) => {
      ttls.set(`list:${key}`, ttlMs);
      return store.append(key, item, ttlMs);
    },
    items: (key) => store.items(key),
    takeItems: (key) => store.takeItems(key),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** An article page long enough for the cleaner, with a title and a site name. */
export function articleHtml(options: { title?: string; paragraphs?: number; lang?: "en" | "zh" } = {}): string {
  const title = options.title ?? "Rivers of the North <Report> & Notes";
  const zh = options.lang === "zh";
  const paragraph = (index: number) =>
    zh
      ? `第${index + 1}段：北方河流的水位今年春天明显上升，研究人员在三个观测站记录了连续十二周的数据，并认为融雪提前是主要原因。当地居民说，渡口比往年早了两周开放。`
      : `Paragraph ${index + 1}: river levels in the north rose sharply this spring, and researchers at three gauging stations logged twelve weeks of readings. They say early snowmelt is the main cause, and ferry crossings opened two weeks sooner than usual.`;
  const body = Array.from({ length: options.paragraphs ?? 8 }, (_unused, index) => `<p>${paragraph(index)}</p>`).join(
    "\n",
  );
  const escaped = title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<!doctype html><html lang="${zh ? "zh-CN" : "en"}"><head><meta charset="utf-8"><title>${escaped}</title>
<meta property="og:site_name" content="North Daily"><meta property="og:title" content="${escaped.replace(/"/g, "&quot;")}">
<meta property="article:published_time" content="2026-01-10T08:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>${escaped}</h1>${body}</article>
<footer>© North Daily · <a href="/privacy">Privacy</a></footer></body></html>`;
}

/** A JSON summary the fake model returns (the schema summarize.ts asks for). */
export function modelSummary(lang: "en" | "zh", tag = ""): string {
  return lang === "zh"
    ? JSON.stringify({
        headline: `北方河流水位上升${tag}`,
        bullets: [
          { text: `北方河流今年春天水位明显上升${tag}`, sources: [0] },
          { text: "三个观测站记录了十二周的数据", sources: [0] },
          { text: "研究人员认为融雪提前是主因，渡口提前两周开放", sources: [1] },
        ],
        questions: ["水位上升了多少？", "哪些观测站？"],
      })
    : JSON.stringify({
        headline: `River levels in the north rose sharply${tag}`,
        bullets: [
          { text: `River levels rose sharply this spring <fast> & high${tag}`, sources: [0] },
          { text: "Three gauging stations logged twelve weeks of readings", sources: [0] },
          { text: "Early snowmelt is the main cause; ferries opened two weeks sooner", sources: [1] },
        ],
        questions: ["How much did the levels rise?", "Which stations?"],
      });
}
