/**
 * Faults never cost an answer: a model that stalls mid-body, Telegram 429 storms, special-token strings
 * in articles and questions, and a huge single-token upload while someone else asks for /help.
 * Everything runs against the loopback fakes; assertions are on the calls they received and their order.
 */
import { afterEach, describe, expect, it } from "vitest";
import { followups } from "../../src/bot/followups.js";
import type { Clock } from "../../src/bot/jobs.js";
import { t } from "../../src/i18n/index.js";
import { type CpuPool, createCpuPool } from "../../src/workers/pool.js";
import type { ApiCall } from "../fakes/telegram.js";
import { articleHtml, type Harness, modelSummary, startHarness } from "./harness.js";

const isOkEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;
const chatOf = (call: ApiCall) => Number(call.params.chat_id);
const TIMEOUT_NOTICE_EN = "the model did not answer in time, so this is an offline summary";

/**
 * Telegram's seconds, `scale` times faster: the bot's clock and the fake's rate-limit windows share it, so
 * retry_after and pacing are honoured exactly as in production while the test takes a fraction of the time.
 */
function fastClock(scale: number): Clock {
  const start = Date.now();
  return {
    now: () => start + (Date.now() - start) * scale,
    setTimeout: (callback, ms) => setTimeout(callback, ms / scale),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / scale)),
  };
}

describe("faults never cost an answer", () => {
  let h: Harness | undefined;
  let pool: CpuPool | undefined;
  afterEach(async () => {
    await h?.stop();
    await pool?.close();
    h = undefined;
    pool = undefined;
  });

  it("four people whose model replies stall mid-body, then a fifth: all five get an offline summary with a notice", async () => {
    const site = Object.fromEntries(
      Array.from({ length: 6 }, (_unused, index) => [`/a${index}`, { body: articleHtml({ title: `Story ${index}` }) }]),
    );
    h = await startHarness({ llm: true, site, env: { LLM_TIMEOUT_MS: "1000", LLM_MAX_CONCURRENCY: "4" } });
    const ai = h.ai;
    if (!ai) throw new Error("no fake model");
    ai.setFallback({ stallAfterHeaders: true });
    for (let chatId = 1; chatId <= 4; chatId += 1) {
      h.tg.sendText({ chatId, text: `${h.site.url}/a${chatId}`, languageCode: "en" });
    }
    // All four slots are held by replies that sent their headers and then nothing.
    await ai.whenChatRequests(4);
    h.tg.sendText({ chatId: 5, text: `${h.site.url}/a5`, languageCode: "en" });

    const edits = await h.tg.waitForCount(isOkEdit, 5, { timeoutMs: 15_000 });
    expect(edits.map(chatOf).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const edit of edits) {
      expect(String(edit.params.text)).toContain(`📴 ${TIMEOUT_NOTICE_EN}`);
      expect(String(edit.params.text)).toMatch(/• Paragraph \d/);
    }
    // The fifth was queued behind the stalled four, so it is answered last.
    expect(chatOf(edits[4] as ApiCall)).toBe(5);
    // The stalled requests were aborted (the fake saw them closed), so their slots are free again:
    await ai.whenAbandoned(4);
    ai.setFallback({ content: modelSummary("en") });
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 6, text: `${h.site.url}/a0`, languageCode: "en" });
    const next = await h.tg.waitFor(isOkEdit, { since, timeoutMs: 10_000 });
    expect(String(next.params.text)).toContain("River levels in the north rose sharply");
    expect(String(next.params.text)).not.toContain("📴");
  });

  it.each([
    [
      "en",
      "Is early snowmelt the main cause?",
      "The model did not answer in time, so here is an extract from the article:",
    ],
    ["zh-hans", "融雪是主要原因吗？", "模型没有及时回答，以下是原文摘录："],
  ])(
    "a follow-up whose model call stalls says the model did not answer in time (%s)",
    async (languageCode, question, said) => {
      h = await startHarness({
        llm: true,
        site: { "/river": { body: articleHtml() } },
        env: { LLM_TIMEOUT_MS: "1000" },
        features: [followups()],
      });
      h.ai?.reply({ content: modelSummary("en") });
      h.ai?.setFallback({ stallAfterHeaders: true });
      h.tg.sendText({ chatId: 7, text: `${h.site.url}/river`, languageCode });
      const summary = await h.tg.waitFor(isOkEdit);
      await h.app.kit.deps.jobs.idle();
      const since = h.tg.calls.length;
      h.tg.sendText({
        chatId: 7,
        text: question,
        languageCode,
        replyTo: Number(summary.params.message_id),
      });
      const answer = await h.tg.waitFor(isOkEdit, { since, timeoutMs: 10_000 });
      expect(String(answer.params.text)).toContain(said);
      expect(h.ai?.chatRequests().at(-1)?.user).toContain(question);
    },
  );

  it("strict Telegram limits (edits count per chat, global pauses): twelve people × five links, every one summarized", async () => {
    const clock = fastClock(10);
    const site = Object.fromEntries(
      Array.from({ length: 5 }, (_unused, index) => [`/s${index}`, { body: articleHtml({ title: `Item ${index}` }) }]),
    );
    h = await startHarness({ clock, site, telegram: { now: clock.now } });
    h.tg.limit({ perChat: { calls: 1, perMs: 1000 }, global: { calls: 10, perMs: 1000 }, globalPauseMs: 3000 });
    const people = Array.from({ length: 12 }, (_unused, index) => 100 + index);
    for (let item = 0; item < 5; item += 1) {
      for (const chatId of people) h.tg.sendText({ chatId, text: `${h.site.url}/s${item}`, languageCode: "en" });
    }
    const isSummary = (call: ApiCall) =>
      (call.method === "editMessageText" || call.method === "sendMessage") &&
      call.ok &&
      /• Paragraph \d/.test(String(call.params.text));
    await h.tg.waitForCount(isSummary, 60, { timeoutMs: 60_000 });
    await h.app.settled();

    // Telegram really did say "wait", per chat and for everyone.
    expect(h.tg.limitHits.perChat).toBeGreaterThan(0);
    expect(h.tg.limitHits.global).toBeGreaterThan(0);
    for (const chatId of people) {
      const botMessages = h.tg.chatTranscript(chatId).filter((message) => message.from === "bot");
      const titles = botMessages.map((message) => /^Item \d/.exec(message.text)?.[0]).sort();
      expect(titles, `chat ${chatId}`).toEqual(["Item 0", "Item 1", "Item 2", "Item 3", "Item 4"]);
      for (const message of botMessages) {
        expect(message.text).not.toMatch(/went wrong|Reading…/);
      }
    }
  }, 90_000);

  it.each([["<|endoftext|>"], ["<|im_start|>"], ["<|fim_prefix|>"]])(
    "an article quoting %s gets a model request with it as ordinary text",
    async (token) => {
      const html = articleHtml({ title: `Tokens ${token}` }).replace(
        "<p>Paragraph 2:",
        `<p>Tokenizers mark the end of a document with ${token.replace("<", "&lt;").replace(">", "&gt;")} in training data. Paragraph 2:`,
      );
      h = await startHarness({ llm: true, site: { "/tokens": { body: html } }, features: [followups()] });
      h.ai?.setFallback((request) =>
        request.system.includes("You answer a reader's question")
          ? {
              content: JSON.stringify({
                answer: "It marks the end of a document.",
                quotes: [1],
                not_in_article: false,
              }),
            }
          : { content: modelSummary("en") },
      );
      h.tg.sendText({ chatId: 8, text: `${h.site.url}/tokens`, languageCode: "en" });
      const summary = await h.tg.waitFor(isOkEdit);
      expect(String(summary.params.text)).toContain("River levels in the north rose sharply");
      expect(h.ai?.chatRequests()[0]?.user).toContain(`with ${token} in training data`);
      await h.app.kit.deps.jobs.idle();

      const since = h.tg.calls.length;
      h.tg.sendText({
        chatId: 8,
        text: `What does ${token} mean here?`,
        languageCode: "en",
        replyTo: Number(summary.params.message_id),
      });
      const answer = await h.tg.waitFor(isOkEdit, { since });
      expect(String(answer.params.text)).toContain("It marks the end of a document.");
      expect(h.ai?.chatRequests().at(-1)?.user).toContain(`What does ${token} mean here?`);
    },
  );

  // v0.1 took 144 s to clean a 200 KB text that is one unbroken token (an e-mail pattern backtracked over
  // every start) and did it on the event loop. Now the cleaner is linear and runs in the worker pool: /help
  // is answered while the upload is read (within the wait's 10 s; v0.1 answered after minutes), and the
  // upload gets one clear answer. Which of the two comes first is a race of milliseconds, so it is not asserted.
  it("a 200 KB single-token upload does not keep another person's /help waiting", async () => {
    pool = createCpuPool({ threads: 2, budgetMs: 60_000 });
    h = await startHarness({ cpu: pool });
    h.tg.sendDocument({ chatId: 20, fileName: "one-token.txt", bytes: Buffer.from("a".repeat(200_000)) });
    await h.tg.waitFor((call) => call.method === "getFile");
    await new Promise<void>((resolve) => {
      const check = () => (h?.tg.downloads.length ? resolve() : setImmediate(check));
      check();
    });
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 21, text: "/help", languageCode: "en" });
    const help = await h.tg.waitFor((call) => call.method === "sendMessage" && chatOf(call) === 21 && call.ok, {
      since,
      timeoutMs: 10_000,
    });
    expect(String(help.params.text)).toContain("How to use me");
    const uploadAnswer = await h.tg.waitFor((call) => isOkEdit(call) && chatOf(call) === 20, { timeoutMs: 60_000 });
    // One token is no article: the person is told so, in one edit of the placeholder.
    expect(String(uploadAnswer.params.text)).toBe(t("en", "errNotArticle"));
    expect(h.tg.calls.filter((call) => isOkEdit(call) && chatOf(call) === 20)).toHaveLength(1);
    expect(h.tg.calls.filter((call) => call.method === "sendMessage" && chatOf(call) === 21 && call.ok)).toHaveLength(
      1,
    );
  }, 90_000);
});
