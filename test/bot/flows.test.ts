import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiCall } from "../fakes/telegram.js";
import { countingCpu } from "../helpers/cpu.js";
import { articleHtml, type Harness, manualClock, modelSummary, startHarness } from "./harness.js";

const isEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;
const PASTED = readFileSync(new URL("../fixtures/pages/pasted-gmw-2020-03-26/source.txt", import.meta.url), "utf8");

/** Splits the page at a line break inside the article, as a long paste arrives in two messages. */
function splitInTwo(text: string, before: string): [string, string] {
  const at = text.lastIndexOf("\n", text.indexOf(before));
  return [text.slice(0, at), text.slice(at + 1)];
}

describe("bot flows", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("summarizes several links in one message, each in its own message, capped with a note", async () => {
    h = await startHarness({
      env: { MAX_LINKS_PER_MESSAGE: "2" },
      site: {
        "/a": { body: articleHtml({ title: "First river report" }) },
        "/b": { body: articleHtml({ title: "Second river report" }) },
        "/c": { body: articleHtml({ title: "Third river report" }) },
      },
    });
    const base = h.site.url;
    h.tg.sendText({ chatId: 3, text: `${base}/a\n${base}/b\n${base}/c`, languageCode: "en" });
    const edits = await h.tg.waitForCount(isEdit, 2);
    const titles = edits.map((edit) => /<a href="[^"]+">([^<]+)<\/a>/.exec(String(edit.params.text))?.[1]).sort();
    expect(titles).toEqual(["First river report", "Second river report"]);
    const texts = h.tg.callsTo("sendMessage").map((call) => call.params.text);
    expect(texts).toContain("That message has 3 links; I'll summarize the first 2.");
    expect(texts.filter((text) => text === "Reading…")).toHaveLength(2);
    expect(h.site.hits("/c")).toBe(0);
  });

  it("joins a pasted page that arrives as two messages and summarizes it once", async () => {
    const clock = manualClock();
    h = await startHarness({ clock, env: { PASTE_JOIN_MS: "1500" } });
    const [first, second] = splitInTwo(PASTED, "三是积极分享疫情防控和诊疗方案");
    h.tg.sendText({ chatId: 8, text: first, languageCode: "zh-hans" });
    await h.tg.waitFor((call) => call.method === "sendMessage");
    const update = h.tg.sendText({ chatId: 8, text: second, languageCode: "zh-hans" });
    // Polling asks past this update only once its handler has finished.
    await h.tg.waitFor((call) => call.method === "getUpdates" && Number(call.params.offset) > update.update_id);
    expect(h.tg.callsTo("editMessageText")).toHaveLength(0);
    clock.advance(1500);

    const edit = await h.tg.waitFor(isEdit);
    expect(h.tg.callsTo("sendMessage").map((call) => call.params.text)).toEqual(["正在阅读你粘贴的文字…"]);
    const html = String(edit.params.text);
    expect(html).toContain("<b>中国已同100多个国家和国际组织举行视频会议 提供防疫“中国方案”</b>");
    expect(html).toContain("离线摘要");
    expect(html.match(/^• /gm)?.length).toBeGreaterThanOrEqual(3);
    await h.app.kit.deps.jobs.idle();
    const record = await h.app.kit.deps.records.messages.get(`8:${Number(edit.params.message_id)}`);
    const saved = await h.app.kit.deps.records.articles.get(record?.articleId ?? "");
    // Paragraphs from both pieces made it into one article.
    expect(saved?.article.text).toContain("二是应邀向疫情严重国家派出医疗专家组");
    expect(saved?.article.text).toContain("三是积极分享疫情防控和诊疗方案");
    expect(saved?.article.text).toContain("罗照辉表示,中国将继续秉持人类命运共同体理念");
  });

  it("holds a pasted page to the upload cap, with a clear note", async () => {
    h = await startHarness({ env: { MAX_FILE_BYTES: "2048", PASTE_JOIN_MS: "50" } });
    const piece = (index: number) =>
      `Part ${index}: ${"The council met again on Thursday evening and argued about the harbour budget for hours. ".repeat(18)}`;
    h.tg.sendText({ chatId: 8, text: piece(1), languageCode: "en" });
    h.tg.sendText({ chatId: 8, text: piece(2), languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toBe(
      "That's too much text (3 KB); I read up to 2 KB. Please paste just the article.",
    );
  });

  it("reads an uploaded .html file through getFile and the file download route", async () => {
    h = await startHarness();
    h.tg.sendDocument({
      chatId: 4,
      fileName: "river.html",
      mimeType: "text/html",
      bytes: Buffer.from(articleHtml({ title: "Uploaded river page" })),
      languageCode: "en",
    });
    const edit = await h.tg.waitFor(isEdit);
    expect(h.tg.callsTo("getFile")).toHaveLength(1);
    expect(h.tg.downloads).toHaveLength(1);
    expect(h.tg.callsTo("sendMessage")[0]?.params.text).toBe("Reading the file river.html…");
    expect(String(edit.params.text)).toContain("<b>Uploaded river page</b>");
  });

  it("refuses a file over MAX_FILE_BYTES before downloading it", async () => {
    h = await startHarness({ env: { MAX_FILE_BYTES: "2048" } });
    h.tg.sendDocument({
      chatId: 4,
      fileName: "huge.html",
      bytes: Buffer.from("<p>x</p>"),
      fileSize: 10 * 1024 * 1024,
      languageCode: "en",
    });
    const reply = await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(reply.params.text).toBe(
      "That file is too big (10 MB); I read files up to 2 KB. Try sending just the article text, or paste it.",
    );
    expect(h.tg.callsTo("getFile")).toHaveLength(0);
    expect(h.tg.downloads).toHaveLength(0);
  });

  it("says which files it reads when sent a Word document", async () => {
    h = await startHarness();
    h.tg.sendDocument({
      chatId: 4,
      fileName: "paper.docx",
      mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      bytes: Buffer.from("PK\u0003\u0004"),
      languageCode: "zh-hans",
    });
    const reply = await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(String(reply.params.text)).toContain(".html、.htm、.txt、.md 和 .pdf");
    expect(h.tg.callsTo("getFile")).toHaveLength(0);
  });

  it("tells a .txt upload that holds no text what it got, not which extensions it reads", async () => {
    h = await startHarness();
    h.tg.sendDocument({
      chatId: 5,
      fileName: "notes.txt",
      mimeType: "text/plain",
      bytes: Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 9, 0, 1, 2]),
      languageCode: "en",
    });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toBe(
      "That file doesn't hold text (it looks like a binary file). I read web pages, PDFs and plain text; paste the article's text instead.",
    );
  });

  it("says an empty (0-byte) upload is empty, before downloading it", async () => {
    h = await startHarness();
    h.tg.sendDocument({
      chatId: 5,
      fileName: "blank.html",
      mimeType: "text/html",
      bytes: Buffer.alloc(0),
      languageCode: "en",
    });
    const reply = await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(reply.params.text).toBe("That file is empty. Send a file with the article in it, or paste its text.");
    expect(h.tg.downloads).toHaveLength(0);
  });

  it("says an upload of only whitespace is empty, not that it holds no article (zh)", async () => {
    h = await startHarness();
    h.tg.sendDocument({
      chatId: 5,
      fileName: "notes.txt",
      mimeType: "text/plain",
      bytes: Buffer.from("\uFEFF  \n\t\r\n   \n"),
      languageCode: "zh-hans",
    });
    const edit = await h.tg.waitFor(isEdit);
    expect(h.tg.downloads).toHaveLength(1);
    expect(edit.params.text).toBe("这个文件是空的。请发一个有内容的文件，或者直接把正文粘贴过来。");
  });

  it("cleans and summarizes links, uploads and pasted pages through the bot's CPU stages (deps.cpu)", async () => {
    const cpu = countingCpu();
    h = await startHarness({ cpu, env: { PASTE_JOIN_MS: "50" }, site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 13, text: `${h.site.url}/river`, languageCode: "en" });
    await h.tg.waitFor(isEdit);
    expect(cpu.calls).toEqual({ cleanPage: 1, summarizeOffline: 1 });

    let mark = h.tg.calls.length;
    h.tg.sendDocument({
      chatId: 13,
      fileName: "lake.html",
      mimeType: "text/html",
      bytes: Buffer.from(articleHtml({ title: "Uploaded lake page" })),
      languageCode: "en",
    });
    await h.tg.waitFor(isEdit, { since: mark });
    expect(cpu.calls).toEqual({ cleanPage: 2, summarizeOffline: 2 });

    mark = h.tg.calls.length;
    h.tg.sendText({ chatId: 13, text: PASTED, languageCode: "zh-hans" });
    await h.tg.waitFor(isEdit, { since: mark });
    expect(cpu.calls).toEqual({ cleanPage: 3, summarizeOffline: 3 });
  });

  it("offers no language switch without a model (it would bring back the same summary)", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 6, text: `${h.site.url}/river`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    const keyboard = (edit.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data?: string }>> })
      .inline_keyboard;
    expect(keyboard.flat().map((button) => button.callback_data)).toEqual(["jb:ask"]);
  });

  it("switches the summary's language with the button, and serves a second switch from the cache", async () => {
    h = await startHarness({ llm: true, site: { "/river": { body: articleHtml() } } });
    h.ai?.reply({ content: modelSummary("en") }, { content: modelSummary("zh") });
    h.tg.sendText({ chatId: 11, text: `${h.site.url}/river`, languageCode: "en" });
    const first = await h.tg.waitFor(isEdit);
    const messageId = Number(first.params.message_id);
    const buttons = (first.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> })
      .inline_keyboard[0];
    const toChinese = buttons?.[0]?.callback_data ?? "";
    expect(toChinese).toMatch(/^jb:sl:zh:/);

    h.tg.pressButton({ chatId: 11, messageId, data: toChinese, languageCode: "en" });
    const chinese = await h.tg.waitFor((call) => isEdit(call) && String(call.params.text).includes("北方河流"), {
      since: first.index + 1,
    });
    expect(h.tg.callsTo("answerCallbackQuery").at(-1)?.params.text).toBe("正在换成中文…");
    expect(chinese.params.message_id).toBe(messageId);
    const toEnglish =
      (chinese.params.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> })
        .inline_keyboard[0]?.[0]?.callback_data ?? "";
    expect(toEnglish).toMatch(/^jb:sl:en:/);

    h.tg.pressButton({ chatId: 11, messageId, data: toEnglish, languageCode: "en" });
    const english = await h.tg.waitFor(
      (call) => isEdit(call) && String(call.params.text).includes("Three gauging stations"),
      { since: chinese.index + 1 },
    );
    expect(english.params.message_id).toBe(messageId);
    h.tg.pressButton({ chatId: 11, messageId, data: toChinese, languageCode: "en" });
    await h.tg.waitFor((call) => isEdit(call) && String(call.params.text).includes("北方河流"), {
      since: english.index + 1,
    });
    // en once, zh once; every later switch came from the summary cache.
    expect(h.ai?.chatRequests()).toHaveLength(2);
    expect(h.tg.chatTranscript(11).at(-1)?.text).toContain("北方河流今年春天水位明显上升");
  });

  it("answers the ask button with how to ask", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 12, text: `${h.site.url}/river`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    h.tg.pressButton({ chatId: 12, messageId: Number(edit.params.message_id), data: "jb:ask", languageCode: "en" });
    const answer = await h.tg.waitFor((call) => call.method === "answerCallbackQuery");
    expect(answer.params).toMatchObject({ text: "Reply to this message to ask about the article.", show_alert: true });
  });
});
