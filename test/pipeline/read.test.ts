import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStats, type Stats } from "../../src/bot/stats.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import {
  articleSourceKey,
  type ReadingDeps,
  readSource,
  rememberChatArticle,
  rememberSummary,
  summarizeArticle,
} from "../../src/pipeline/read.js";
import { records } from "../../src/store/records.js";
import { openStore, type Store } from "../../src/store/store.js";
import type { Summary } from "../../src/types.js";
import { recordingTtls } from "../bot/harness.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { countingCpu } from "../helpers/cpu.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 2, 10, 8);
const PARAGRAPHS = [
  "The harbour council voted on Tuesday to rebuild the old ferry pier, which has been closed since the winter storms damaged its pilings.",
  "Engineers estimate the work will take eighteen months and cost about forty million, shared between the city and the regional government.",
  "Ferry operators welcomed the decision and said they would restore the morning crossings as soon as the first berth reopens next spring.",
  "Residents along the waterfront asked the council to limit night work, and the council promised quiet hours during the whole construction.",
];
const PAGE = `<!doctype html><html lang="en"><head><title>Harbour pier to be rebuilt</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Harbour pier to be rebuilt</h1>${PARAGRAPHS.map((p) => `<p>${p}</p>`).join("")}</article>
<footer>© Harbour Times</footer></body></html>`;
const PASTED = `Harbour pier to be rebuilt\n\n${PARAGRAPHS.join("\n\n")}`;

let site: FakeSite;
let ai: FakeOpenAi;
beforeAll(async () => {
  site = await startSite({ "/pier": { body: PAGE } });
  ai = await startFakeOpenAi();
});
afterAll(async () => {
  await Promise.all([site.close(), ai.close()]);
});

describe("the reading chain (pipeline/read.ts)", () => {
  let store: Store & { ttls: Map<string, number | undefined> };
  let stats: Stats;
  let cpu: ReturnType<typeof countingCpu>;
  let deps: ReadingDeps;
  beforeEach(async () => {
    store = recordingTtls(await openStore("sqlite://:memory:"));
    const clock = { now: () => NOW };
    stats = createStats(store, clock);
    cpu = countingCpu();
    deps = {
      records: records(store),
      cpu,
      clock,
      retentionMs: 3 * DAY_MS,
      stats,
      fetchOptions: { allowPrivate: true, timeoutMs: 3000 },
      maxUploadBytes: 64 * 1024,
    };
  });
  afterEach(async () => {
    await store.close();
  });

  it("reads pasted text into a saved article of that chat and an offline summary, through the CPU stages", async () => {
    const reading = await readSource(
      deps,
      { kind: "text", text: PASTED },
      { lang: "en", from: { kind: "chat", chatId: 5 } },
    );
    expect(reading.article.title).toBe("Harbour pier to be rebuilt");
    expect(reading.summary.mode).toBe("offline");
    expect(cpu.calls).toEqual({ cleanPage: 1, summarizeOffline: 1 });
    expect((await deps.records.articles.get(reading.articleId))?.article.text).toBe(reading.article.text);
    const sourceKey = articleSourceKey(reading.articleId, { kind: "chat", chatId: 5 });
    expect(await deps.records.articleSources.get(sourceKey)).toEqual({ at: new Date(NOW).toISOString() });
    expect(store.ttls.get(`article:${reading.articleId}`)).toBe(3 * DAY_MS);
    expect(store.ttls.get(`articlesrc:${sourceKey}`)).toBe(3 * DAY_MS);
    expect((await stats.report(1)).totals).toMatchObject({ summary: 1, offline: 1, "cache-hit": 0 });
  });

  it("reads a link as a public (web) article with the page's final URL", async () => {
    const reading = await readSource(
      deps,
      { kind: "url", url: `${site.url}/pier` },
      { lang: "auto", from: { kind: "web" } },
    );
    expect(reading.page.url).toBe(`${site.url}/pier`);
    expect(reading.summary.lang).toBe("en");
    expect(await deps.records.articleSources.get(articleSourceKey(reading.articleId, { kind: "web" }))).toBeDefined();
  });

  it("holds pasted text and uploads to the upload cap", async () => {
    const small = { ...deps, maxUploadBytes: 100 };
    const from = { kind: "chat", chatId: 5 } as const;
    await expect(readSource(small, { kind: "text", text: PASTED }, { lang: "en", from })).rejects.toMatchObject({
      code: "FILE_TOO_LARGE",
    });
    await expect(
      readSource(
        small,
        { kind: "upload", bytes: Buffer.from(PAGE), fileName: "pier.html", mimeType: "text/html" },
        { lang: "en", from },
      ),
    ).rejects.toMatchObject({ code: "FILE_TOO_LARGE" });
    expect(cpu.calls.cleanPage).toBe(0);
  });

  it("serves a summary already made (the digest's) as a cache hit: no model call, counted, no new tokens", async () => {
    const llm = createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 3000, maxRetries: 0 });
    const article = (await readSource(deps, { kind: "text", text: PASTED }, { lang: "en", from: { kind: "web" } }))
      .article;
    const known: Summary = {
      headline: "Pier to be rebuilt",
      bullets: ["The council voted to rebuild the pier."],
      sources: [[0]],
      questions: [],
      lang: "en",
      mode: "llm",
      model: "fake-model",
      usage: { prompt_tokens: 900, completion_tokens: 100 },
      cached: false,
    };
    const before = ai.chatRequests().length;
    const summary = await summarizeArticle({ ...deps, llm }, article, { lang: "en", known });
    expect(summary).toMatchObject({ headline: "Pier to be rebuilt", cached: true, usage: { prompt_tokens: 0 } });
    expect(ai.chatRequests().length).toBe(before);
    // The first summary (offline, from readSource) and this one.
    expect((await stats.report(1)).totals).toMatchObject({ summary: 2, "cache-hit": 1, tokens: 0 });
  });

  it("falls back to the CPU stages' offline summary when the model is down", async () => {
    const down = await startFakeOpenAi({ fallback: { status: 503 } });
    try {
      const llm = createOpenAiClient({ baseUrl: down.baseUrl, model: "fake-model", timeoutMs: 3000, maxRetries: 0 });
      const reading = await readSource(
        { ...deps, llm },
        { kind: "text", text: PASTED },
        { lang: "en", from: { kind: "chat", chatId: 5 } },
      );
      expect(down.chatRequests().length).toBeGreaterThan(0);
      expect(reading.summary).toMatchObject({ mode: "offline", notice: "llm-unavailable" });
      expect(cpu.calls.summarizeOffline).toBe(1);
    } finally {
      await down.close();
    }
  });

  it("remembers a summary message and the chat's latest article for as long as articles are kept", async () => {
    await rememberSummary(deps, { chatId: 5, messageId: 40, articleId: "a1" });
    expect(await deps.records.messages.get("5:40")).toEqual({ articleId: "a1", kind: "summary" });
    expect(store.ttls.get("message:5:40")).toBe(3 * DAY_MS);
    await rememberChatArticle(deps, 6, "a2");
    expect(await deps.records.chats.get("6")).toEqual({ articleId: "a2", at: new Date(NOW).toISOString() });
    expect(store.ttls.get("chat:6")).toBe(3 * DAY_MS);
    expect(store.ttls.get("chat:5")).toBe(3 * DAY_MS);
  });
});
