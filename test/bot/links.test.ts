import { afterEach, describe, expect, it } from "vitest";
import type { ApiCall } from "../fakes/telegram.js";
import { articleHtml, type Harness, manualClock, modelSummary, startHarness } from "./harness.js";

const isEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;

describe("links → summaries", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("answers a link with a placeholder, then edits it into the model summary with an escaped, linked title", async () => {
    h = await startHarness({ llm: true, site: { "/river": { body: articleHtml() } } });
    h.ai?.reply({ content: modelSummary("en") });
    const url = `${h.site.url}/river`;
    h.tg.sendText({ chatId: 42, text: `look ${url}`, languageCode: "en" });

    const edit = await h.tg.waitFor(isEdit);
    const placeholder = h.tg.callsTo("sendMessage")[0];
    expect(placeholder?.params.text).toBe("Reading…");
    expect(h.tg.callsTo("sendChatAction")[0]?.params).toMatchObject({ chat_id: 42, action: "typing" });
    expect(placeholder?.index).toBeLessThan(edit.index);
    const html = String(edit.params.text);
    expect(edit.params.parse_mode).toBe("HTML");
    expect(edit.params.message_id).toBe((placeholder?.result as { message_id?: number } | undefined)?.message_id);
    expect(html).toContain(`<a href="${url}">Rivers of the North &lt;Report&gt; &amp; Notes</a>`);
    expect(html).toContain("• River levels rose sharply this spring &lt;fast&gt; &amp; high");
    expect(html).toContain("North Daily · 2026-01-10");
    expect(html).not.toContain("offline");
    const keyboard = (edit.params.reply_markup as { inline_keyboard: Array<Array<{ text: string }>> }).inline_keyboard;
    expect(keyboard[0]?.map((button) => button.text)).toEqual(["中文", "💬 Ask a question"]);
    // The person sees the final summary in place of the placeholder.
    const [, summary] = h.tg.chatTranscript(42);
    expect(summary?.text).toContain("Three gauging stations logged twelve weeks of readings");
    expect(summary?.edits).toBe(1);
    expect(h.ai?.chatRequests()).toHaveLength(1);
  });

  it("keeps the typing indicator alive while the model works, and stops once the summary is in", async () => {
    const clock = manualClock();
    h = await startHarness({ clock, llm: true, site: { "/river": { body: articleHtml() } } });
    let modelCalled: () => void = () => {};
    const called = new Promise<void>((resolve) => (modelCalled = resolve));
    let answer: () => void = () => {};
    const gate = new Promise<void>((resolve) => (answer = resolve));
    h.ai?.reply(async () => {
      modelCalled();
      await gate;
      return { content: modelSummary("en") };
    });
    h.tg.sendText({ chatId: 43, text: `${h.site.url}/river`, languageCode: "en" });
    await called;
    expect(h.tg.callsTo("sendChatAction")).toHaveLength(1);
    clock.advance(4500);
    await h.tg.waitForCount((call) => call.method === "sendChatAction", 2);
    answer();
    await h.tg.waitFor(isEdit);
    await h.app.kit.deps.jobs.idle();
    clock.advance(20_000);
    // A round trip through the bot, so a typing call the advance might have caused would be recorded by now.
    h.tg.sendText({ chatId: 43, text: "/help", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage" && String(call.params.text).startsWith("How to use me"));
    expect(h.tg.callsTo("sendChatAction")).toHaveLength(2);
  });

  it("stores the article, the summary message and the chat's last article", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 7, text: `${h.site.url}/river` });
    const edit = await h.tg.waitFor(isEdit);
    await h.app.kit.deps.jobs.idle();
    const messageId = Number(edit.params.message_id);
    const message = await h.app.kit.deps.records.messages.get(`7:${messageId}`);
    expect(message?.kind).toBe("summary");
    const article = await h.app.kit.deps.records.articles.get(message?.articleId ?? "");
    expect(article?.article.title).toBe("Rivers of the North <Report> & Notes");
    expect((await h.app.kit.deps.records.chats.get("7"))?.articleId).toBe(message?.articleId);
  });

  it("summarizes offline with a badge when no model is configured", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 5, text: `${h.site.url}/river`, languageCode: "zh-hans" });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toContain("📴 离线摘要");
    expect(String(edit.params.text)).toMatch(/• Paragraph \d|• .*river/i);
    expect(h.tg.callsTo("sendMessage")[0]?.params.text).toBe("正在阅读…");
  });
});
