import { afterEach, describe, expect, it, vi } from "vitest";
import { updateJobId } from "../../src/bot/reading.js";
import type { ApiCall } from "../fakes/telegram.js";
import { articleHtml, type Harness, manualClock, modelSummary, startHarness } from "./harness.js";

const isEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;

describe("failures and fairness", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await h?.stop();
    h = undefined;
  });

  it("falls back to an offline summary with a notice when the model is down", async () => {
    h = await startHarness({ llm: true, site: { "/river": { body: articleHtml() } } });
    h.ai?.setFallback({ status: 503 });
    h.tg.sendText({ chatId: 1, text: `${h.site.url}/river`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    expect(h.ai?.chatRequests().length).toBeGreaterThan(0);
    expect(String(edit.params.text)).toContain("📴 the model was unavailable, so this is an offline summary");
    expect(String(edit.params.text)).toMatch(/• Paragraph \d/);
  });

  it.each([
    ["en", "/missing", "The site says this page doesn't exist (404). Please check the link is complete."],
    ["zh-hans", "/missing", "网站说这个页面不存在（404）。请检查链接是否完整。"],
    ["en", "/photo.png", "That isn't a web page (type: image/png)."],
    ["zh-hans", "/photo.png", "这不是网页（类型：image/png）。"],
    ["en", "/paper.pdf", "This PDF is damaged or incomplete, so I can't read it."],
    ["zh-hans", "/paper.pdf", "这个 PDF 文件损坏了或不完整，我读不了。"],
    ["en", "/menu", "I couldn't find an article to summarize there"],
  ])("explains a failed link in the person's language (%s, %s)", async (languageCode, path, expected) => {
    h = await startHarness({
      site: {
        "/paper.pdf": { body: Buffer.from("%PDF-1.4 binary"), type: "application/pdf" },
        "/photo.png": { body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), type: "image/png" },
        "/menu": {
          body: "<html><head><title>Menu</title></head><body><a href='/a'>A</a> <a href='/b'>B</a></body></html>",
        },
      },
    });
    h.tg.sendText({ chatId: 2, text: `${h.site.url}${path}`, languageCode });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toContain(expected);
    expect(edit.params.parse_mode).toBeUndefined();
  });

  it("an update handled again after its job was recorded (its replica died before marking it done) sends no second placeholder", async () => {
    h = await startHarness({ llm: true, site: { "/river": { body: articleHtml() } } });
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    h.ai?.reply(async () => {
      await held;
      return { content: modelSummary("en") };
    });
    const update = h.tg.sendText({ chatId: 44, text: `${h.site.url}/river`, languageCode: "en" });
    // The job is recorded under the update's name before the handler returns.
    const { ledger, jobs } = h.app.kit.deps;
    while (!(await ledger.has(updateJobId(update, "read")))) await new Promise((resolve) => setTimeout(resolve, 5));
    // What the webhook gate's sweep does with an update left `accepted`: handle it again.
    await h.app.bot.handleUpdate(update);
    answer();
    await h.tg.waitFor(isEdit);
    await jobs.idle();
    expect(h.tg.callsTo("sendMessage")).toHaveLength(1);
    expect(h.tg.callsTo("editMessageText").filter((call) => call.ok)).toHaveLength(1);
    expect(h.ai?.chatRequests()).toHaveLength(1);
  });

  it("explains an unreachable site", async () => {
    h = await startHarness();
    const closed = h.site.url.replace(/:\d+$/, ":9");
    h.tg.sendText({ chatId: 2, text: `${closed}/gone`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toMatch(/^I couldn't reach that site/);
  });

  it("resends as plain text when Telegram rejects the HTML", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.fail({
      method: "editMessageText",
      code: 400,
      description: "Bad Request: can't parse entities: Unsupported start tag",
    });
    h.tg.sendText({ chatId: 3, text: `${h.site.url}/river`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    const rejected = h.tg.callsTo("editMessageText")[0];
    expect(rejected?.ok).toBe(false);
    expect(rejected?.params.parse_mode).toBe("HTML");
    expect(edit.params.parse_mode).toBeUndefined();
    // The transport's plain rendering of the same HTML: the title with its link, then the bullets.
    expect(String(edit.params.text)).toMatch(/^Rivers of the North <Report> & Notes \(http:\/\/[^)]+\/river\)\n/);
    expect(h.tg.chatTranscript(3).at(-1)?.text).toContain("• Paragraph");
  });

  it("waits out a 429 retry_after on sendMessage and then answers", async () => {
    const clock = manualClock();
    h = await startHarness({ clock, site: { "/river": { body: articleHtml() } } });
    h.tg.fail({ method: "sendMessage", code: 429, retryAfter: 7 });
    h.tg.sendText({ chatId: 4, text: `${h.site.url}/river`, languageCode: "en" });
    await h.tg.waitFor(isEdit);
    const sends = h.tg.callsTo("sendMessage");
    expect(sends.map((call) => call.error_code ?? "ok")).toEqual([429, "ok"]);
    expect(clock.sleeps).toContain(7000);
  });

  it("waits out a 429 on the too-many-links note and still summarizes the links", async () => {
    const clock = manualClock();
    h = await startHarness({ clock, site: { "/river": { body: articleHtml() } } });
    h.tg.fail({ method: "sendMessage", code: 429, retryAfter: 3 });
    const links = [1, 2, 3, 4].map((n) => `${h?.site.url}/river?n=${n}`).join(" ");
    h.tg.sendText({ chatId: 14, text: links, languageCode: "en" });
    await h.tg.waitForCount(isEdit, 3);
    const sends = h.tg.callsTo("sendMessage").map((call) => String(call.params.text ?? call.error_code));
    expect(sends[0]).toBe("That message has 4 links; I'll summarize the first 3.");
    expect(clock.sleeps).toContain(3000);
  });

  it("drops a chat that blocked the bot and keeps serving everyone else", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.fail({ method: "sendMessage", chatId: 10, code: 403, times: Number.POSITIVE_INFINITY });
    h.tg.sendText({ chatId: 10, text: `${h.site.url}/river`, languageCode: "en" });
    h.tg.sendText({ chatId: 10, text: "/start", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage" && call.error_code === 403, 2);
    h.tg.sendText({ chatId: 11, text: `${h.site.url}/river`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    expect(edit.params.chat_id).toBe(11);
    expect(h.tg.callsTo("sendMessage").filter((call) => call.params.chat_id === 10)).toHaveLength(2);
  });

  it.each([
    ["en", "Storage is unavailable right now. Please try again in a minute."],
    ["zh-hans", "存储暂时不可用，请过一分钟再试。"],
  ])("says storage is unavailable (%s) when the store fails, not a generic error", async (languageCode, expected) => {
    h = await startHarness();
    await h.store.close();
    h.store.close = () => Promise.resolve(); // closed already: the harness's stop must not close it twice
    h.tg.sendText({ chatId: 7, text: "/start", languageCode });
    const reply = await h.tg.waitFor((call) => call.method === "sendMessage" && call.ok);
    expect(reply.params.text).toBe(expected);
  });

  it("rate-limits one person politely and lets them in again after the window", async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: "2" }, site: { "/river": { body: articleHtml() } } });
    for (let index = 0; index < 3; index += 1) {
      h.tg.sendText({ chatId: 5, text: `${h.site.url}/river?n=${index}`, languageCode: "en" });
    }
    const note = await h.tg.waitFor(
      (call) => call.method === "sendMessage" && String(call.params.text).startsWith("That's a lot at once"),
    );
    expect(note.params.text).toBe("That's a lot at once: please try again in 60 s.");
    await h.tg.waitForCount(isEdit, 2);
    // Someone else is not affected.
    h.tg.sendText({ chatId: 6, text: `${h.site.url}/river`, languageCode: "en" });
    await h.tg.waitForCount(isEdit, 3);
    // The limiter's window runs on Date.now: step it a minute ahead (timers stay real for the bot).
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + 60_000);
    h.tg.sendText({ chatId: 5, text: `${h.site.url}/river?n=again`, languageCode: "en" });
    await h.tg.waitForCount(isEdit, 4);
    expect(h.tg.callsTo("sendMessage").filter((call) => call.params.text === "Reading…")).toHaveLength(4);
  });
});

describe("groups", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("stays quiet unless addressed: command, @mention or a reply to the bot", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    const group = -100;
    const link = `${h.site.url}/river`;
    const ignored = h.tg.sendText({ chatId: group, chatType: "group", userId: 501, text: link, languageCode: "en" });
    h.tg.sendText({
      chatId: group,
      chatType: "group",
      userId: 501,
      text: "/help@someone_else_bot",
      languageCode: "en",
    });
    const mentioned = h.tg.sendText({
      chatId: group,
      chatType: "group",
      userId: 501,
      text: `@jianbao_test_bot ${link}`,
      languageCode: "en",
    });
    const edit = await h.tg.waitFor(isEdit);
    expect(h.tg.callsTo("sendMessage").map((call) => call.params.reply_parameters)).toEqual([
      {
        message_id: (mentioned as { message?: { message_id: number } }).message?.message_id,
        allow_sending_without_reply: true,
      },
    ]);
    expect((ignored as { message?: { message_id: number } }).message?.message_id).toBeDefined();

    // A reply to the bot is addressed to it.
    const summaryId = Number(edit.params.message_id);
    h.tg.sendText({
      chatId: group,
      chatType: "group",
      userId: 502,
      text: `${link}?again`,
      replyTo: summaryId,
      languageCode: "en",
    });
    await h.tg.waitForCount(isEdit, 2);
    h.tg.sendText({
      chatId: group,
      chatType: "group",
      userId: 502,
      text: "/help@jianbao_test_bot",
      languageCode: "en",
    });
    const help = await h.tg.waitFor(
      (call) => call.method === "sendMessage" && String(call.params.text).startsWith("How to use me"),
    );
    expect(help.params.chat_id).toBe(group);
    expect(h.tg.callsTo("sendMessage")).toHaveLength(3);
  });
});
