import { afterEach, describe, expect, it } from "vitest";
import { t } from "../../src/i18n/index.js";
import type { CpuWork } from "../../src/workers/cpu.js";
import { type CpuPool, createCpuPool } from "../../src/workers/pool.js";
import type { ApiCall } from "../fakes/telegram.js";
import { EXIT_MARKER, SPIN_MARKER } from "../workers/test-worker.js";
import { articleHtml, type Harness, startHarness } from "./harness.js";

const TEST_WORKER = new URL("../workers/test-worker.ts", import.meta.url);
const editIn = (chatId: number) => (call: ApiCall) =>
  call.method === "editMessageText" && call.ok && call.params.chat_id === chatId;

describe("the bot on the CPU pool", () => {
  let h: Harness | undefined;
  let pool: CpuPool | undefined;
  afterEach(async () => {
    await h?.stop();
    await pool?.close();
    h = undefined;
    pool = undefined;
  });

  it("answers a page over its budget politely in the person's language, and keeps answering others", async () => {
    // The test worker spins on pages with the marker: a page the cleaner would never finish.
    pool = createCpuPool({ threads: 2, budgetMs: 1500, workerFile: TEST_WORKER });
    h = await startHarness({
      cpu: pool,
      site: {
        "/heavy": { body: articleHtml({ lang: "zh" }).replace("<article>", `<article>${SPIN_MARKER}`) },
        "/river": { body: articleHtml() },
      },
    });

    h.tg.sendText({ chatId: 71, text: `${h.site.url}/heavy`, languageCode: "zh-hans" });
    h.tg.sendText({ chatId: 72, text: `${h.site.url}/river`, languageCode: "en" });

    const tooComplex = await h.tg.waitFor(editIn(71), { timeoutMs: 20_000 });
    expect(tooComplex.params.text).toBe(t("zh", "errTooComplex"));
    expect(String(tooComplex.params.text)).toContain("太大或太复杂");
    const summary = await h.tg.waitFor(editIn(72), { timeoutMs: 20_000 });
    expect(String(summary.params.text)).toContain("Rivers of the North");

    // The worker that spun was replaced: the same person's next page is read.
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 71, text: `${h.site.url}/river`, languageCode: "zh-hans" });
    const next = await h.tg.waitFor(editIn(71), { timeoutMs: 20_000, since });
    expect(String(next.params.text)).toContain("Rivers of the North");
    expect(h.tg.chatTranscript(71).filter((message) => message.from === "bot")).toHaveLength(2);
  });

  it("answers a page whose worker crashes with a typed reply, replaces the worker and reads the next page", async () => {
    pool = createCpuPool({ threads: 1, budgetMs: 60_000, workerFile: TEST_WORKER });
    h = await startHarness({
      cpu: pool,
      site: {
        "/crash": { body: articleHtml().replace("<article>", `<article>${EXIT_MARKER}`) },
        "/river": { body: articleHtml() },
      },
    });
    h.tg.sendText({ chatId: 73, text: `${h.site.url}/crash`, languageCode: "en" });
    const failed = await h.tg.waitFor(editIn(73), { timeoutMs: 20_000 });
    expect(failed.params.text).toBe(t("en", "errWorkerFailed"));
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 74, text: `${h.site.url}/river`, languageCode: "en" });
    const next = await h.tg.waitFor(editIn(74), { timeoutMs: 20_000, since });
    expect(String(next.params.text)).toContain("Rivers of the North");
    expect(pool.threadCount).toBe(1);
  });

  it("tells the person the bot is busy when the pool is full, and reads again once it drains", async () => {
    // One thread, no queue: while a page spins on the thread, the next one is refused with BUSY.
    const busyPool = createCpuPool({ threads: 1, maxQueue: 0, budgetMs: 3000, workerFile: TEST_WORKER });
    pool = busyPool;
    let heavyStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      heavyStarted = resolve;
    });
    const cpu: CpuWork = {
      cleanPage: (page) => {
        const running = busyPool.cleanPage(page);
        if (page.html?.includes(SPIN_MARKER)) heavyStarted();
        return running;
      },
      summarizeOffline: (options) => busyPool.summarizeOffline(options),
      close: () => busyPool.close(),
    };
    h = await startHarness({
      cpu,
      site: {
        "/heavy": { body: articleHtml().replace("<article>", `<article>${SPIN_MARKER}`) },
        "/river": { body: articleHtml() },
      },
    });
    h.tg.sendText({ chatId: 75, text: `${h.site.url}/heavy`, languageCode: "en" });
    await started;
    h.tg.sendText({ chatId: 76, text: `${h.site.url}/river`, languageCode: "zh-hans" });
    const busy = await h.tg.waitFor(editIn(76), { timeoutMs: 20_000 });
    expect(busy.params.text).toBe(t("zh", "errBusy"));
    const tooComplex = await h.tg.waitFor(editIn(75), { timeoutMs: 20_000 });
    expect(tooComplex.params.text).toBe(t("en", "errTooComplex"));
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 76, text: `${h.site.url}/river`, languageCode: "zh-hans" });
    const next = await h.tg.waitFor(editIn(76), { timeoutMs: 20_000, since });
    expect(String(next.params.text)).toContain("Rivers of the North");
  });

  it("answers a second person's /help and link while a 4 MB page of 60,000 paragraphs is read", async () => {
    // The real cleaner in real workers: the huge page takes seconds of CPU, on another thread.
    pool = createCpuPool({ threads: 2, budgetMs: 120_000 });
    const paragraphs = Array.from(
      { length: 60_000 },
      (_, n) => `<p>Reading ${n}: the gauge at station ${n % 97} read ${(n * 7) % 300} cm this morning.</p>`,
    ).join("\n");
    const huge = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sixty thousand readings</title></head><body><article><h1>Sixty thousand readings</h1>${paragraphs}</article></body></html>`;
    expect(huge.length).toBeGreaterThan(4_000_000);
    h = await startHarness({ cpu: pool, site: { "/huge": { body: huge }, "/river": { body: articleHtml() } } });

    h.tg.sendText({ chatId: 81, text: `${h.site.url}/huge`, languageCode: "en" });
    // The huge page is fetched (its placeholder is up) before the others write.
    await h.tg.waitFor((call) => call.method === "sendMessage" && call.params.chat_id === 81);
    h.tg.sendText({ chatId: 82, text: "/help", languageCode: "en" });
    h.tg.sendText({ chatId: 83, text: `${h.site.url}/river`, languageCode: "en" });

    const help = await h.tg.waitFor((call) => call.method === "sendMessage" && call.params.chat_id === 82 && call.ok);
    expect(String(help.params.text)).toContain("How to use me");
    const river = await h.tg.waitFor(editIn(83), { timeoutMs: 30_000 });
    expect(String(river.params.text)).toContain("Rivers of the North");
    const hugeAnswer = await h.tg.waitFor(editIn(81), { timeoutMs: 90_000 });
    expect(String(hugeAnswer.params.text)).toContain("Sixty thousand readings");
    // Order, from the fake's log: the others were answered while the huge page was still being read.
    expect(help.index).toBeLessThan(hugeAnswer.index);
    expect(river.index).toBeLessThan(hugeAnswer.index);
  }, 120_000);

  it("says the page is too large or complex in English too", () => {
    expect(t("en", "errTooComplex")).toBe(
      "This page is too large or complex to read. Try pasting just the article text.",
    );
  });
});
