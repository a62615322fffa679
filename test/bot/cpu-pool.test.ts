import { afterEach, describe, expect, it } from "vitest";
import { t } from "../../src/i18n/index.js";
import { type CpuPool, createCpuPool } from "../../src/workers/pool.js";
import type { ApiCall } from "../fakes/telegram.js";
import { SPIN_MARKER } from "../workers/test-worker.js";
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

  it("says the page is too large or complex in English too", () => {
    expect(t("en", "errTooComplex")).toBe(
      "This page is too large or complex to read. Try pasting just the article text.",
    );
  });
});
