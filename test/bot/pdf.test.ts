import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { followups } from "../../src/bot/followups.js";
import type { ApiCall } from "../fakes/telegram.js";
import { type Harness, startHarness } from "./harness.js";

const isEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;
const FIXTURES = new URL("../fixtures/pdf/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const CASES = JSON.parse(readFileSync(new URL("cases.json", FIXTURES), "utf8")) as Record<string, { title: string }>;

describe("PDFs in the bot", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("summarizes an uploaded PDF, and /forget deletes it with the person's data", async () => {
    h = await startHarness();
    h.tg.sendDocument({
      chatId: 41,
      fileName: "banking.pdf",
      mimeType: "application/pdf",
      bytes: fixture("en-two-columns.pdf"),
      languageCode: "en",
    });
    const edit = await h.tg.waitFor(isEdit);
    expect(h.tg.callsTo("sendMessage")[0]?.params.text).toBe("Reading the file banking.pdf…");
    const html = String(edit.params.text);
    expect(html).toContain(`<b>${CASES["en-two-columns"]?.title}</b>`);
    expect(html.match(/^• /gm)?.length).toBeGreaterThanOrEqual(3);
    await h.app.settled();

    const { records } = h.app.kit.deps;
    const articleId = (await records.messages.get(`41:${Number(edit.params.message_id)}`))?.articleId ?? "";
    expect((await records.articles.get(articleId))?.article.text).toContain("neo-banks");
    h.tg.sendText({ chatId: 41, text: "/forget", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage" && String(call.params.text).startsWith("Deleted"));
    expect(await records.articles.get(articleId)).toBeUndefined();
  });

  it("answers a follow-up question about an uploaded PDF from its text", async () => {
    h = await startHarness({ features: [followups()] });
    h.tg.sendDocument({
      chatId: 45,
      fileName: "banking.pdf",
      mimeType: "application/pdf",
      bytes: fixture("en-two-columns.pdf"),
      languageCode: "en",
    });
    const summary = await h.tg.waitFor(isEdit);
    await h.app.settled();
    const since = h.tg.calls.length;
    h.tg.sendText({
      chatId: 45,
      text: "How many Americans live paycheck to paycheck?",
      languageCode: "en",
      replyTo: Number(summary.params.message_id),
    });
    const answer = await h.tg.waitFor(isEdit, { since });
    expect(String(answer.params.text)).toContain("Seventy-eight percent of Americans live paycheck to paycheck");
  });

  it("summarizes a PDF link (application/pdf) from a website, in Chinese", async () => {
    h = await startHarness({
      site: { "/docs/advice.pdf": { body: fixture("zh-one-column.pdf"), type: "application/pdf" } },
    });
    h.tg.sendText({ chatId: 42, text: `${h.site.url}/docs/advice.pdf`, languageCode: "zh-hans" });
    const edit = await h.tg.waitFor(isEdit);
    const html = String(edit.params.text);
    expect(html).toContain(CASES["zh-one-column"]?.title);
    expect(html).toContain("离线摘要");
    expect(h.site.hits("/docs/advice.pdf")).toBe(1);
  });

  it.each([
    ["scanned.pdf", "en", "This PDF is images only; I can't read scanned pages."],
    ["scanned.pdf", "zh-hans", "这个 PDF 只有图片，没有文字层；扫描的页面我读不了。"],
    ["encrypted.pdf", "en", "This PDF is password-protected"],
    ["corrupt.pdf", "zh-hans", "这个 PDF 文件损坏了或不完整"],
    ["too-many-pages.pdf", "en", "This PDF is too big (301 pages); I read PDFs up to 300 pages."],
  ])("answers an uploaded %s with its own reply (%s)", async (name, languageCode, expected) => {
    h = await startHarness();
    h.tg.sendDocument({ chatId: 43, fileName: name, mimeType: "application/pdf", bytes: fixture(name), languageCode });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toContain(expected);
  });

  it("takes a PDF over MAX_FILE_BYTES (PDFs have their own cap)", async () => {
    h = await startHarness({ env: { MAX_FILE_BYTES: "2048" } });
    h.tg.sendDocument({
      chatId: 44,
      fileName: "advice.pdf",
      mimeType: "application/pdf",
      bytes: fixture("zh-one-column.pdf"),
      languageCode: "zh-hans",
    });
    const edit = await h.tg.waitFor(isEdit);
    expect(String(edit.params.text)).toContain(CASES["zh-one-column"]?.title);
  });
});
