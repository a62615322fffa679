import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { BotFeature } from "../../src/bot/index.js";
import { createJobQueue } from "../../src/bot/jobs.js";
import { silentLogger } from "../../src/log.js";
import type { ApiCall } from "../fakes/telegram.js";
import { articleHtml, type Harness, startHarness } from "./harness.js";

const isEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;
const PASTED = readFileSync(new URL("../fixtures/pages/pasted-gmw-2020-03-26/source.txt", import.meta.url), "utf8");

describe("routing and the edge", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("follows a link behind words (text_link) and a link in a forwarded post", async () => {
    h = await startHarness({
      site: {
        "/a": { body: articleHtml({ title: "Behind words" }) },
        "/b": { body: articleHtml({ title: "Forwarded" }) },
      },
    });
    const text = "read this";
    h.tg.sendText({
      chatId: 1,
      text,
      entities: [{ type: "text_link", offset: 0, length: 4, url: `${h.site.url}/a` }],
      languageCode: "en",
    });
    const long = `${"A long channel post about rivers and spring floods. ".repeat(10)}\nMore: ${h.site.url}/b`;
    h.tg.sendText({ chatId: 2, text: long, forwardedFrom: "River Channel", languageCode: "en" });
    const edits = await h.tg.waitForCount(isEdit, 2);
    const byChat = Object.fromEntries(edits.map((edit) => [edit.params.chat_id, String(edit.params.text)]));
    expect(byChat[1]).toContain(`<a href="${h.site.url}/a">Behind words</a>`);
    expect(byChat[2]).toContain(`<a href="${h.site.url}/b">Forwarded</a>`);
  });

  it("treats a long text that merely mentions a link as a pasted page", async () => {
    h = await startHarness({
      env: { PASTE_JOIN_MS: "50" },
      site: { "/x": { body: articleHtml({ title: "Not this" }) } },
    });
    h.tg.sendText({ chatId: 3, text: `${PASTED}\n原文链接：${h.site.url}/x`, languageCode: "zh" });
    const edit = await h.tg.waitFor(isEdit);
    expect(h.tg.callsTo("sendMessage")[0]?.params.text).toBe("正在阅读你粘贴的文字…");
    expect(String(edit.params.text)).toContain("中国已同100多个国家和国际组织举行视频会议");
    expect(h.site.hits("/x")).toBe(0);
  });

  it("survives a handler that throws: logs the update id, answers politely, keeps serving", async () => {
    const logLines: string[] = [];
    const broken: BotFeature = {
      name: "broken",
      register(composer) {
        composer.command("boom", () => {
          throw new Error("kaboom with secret text");
        });
      },
    };
    h = await startHarness({ features: [broken], logLines });
    const update = h.tg.sendText({ chatId: 4, text: "/boom", languageCode: "zh" });
    const apology = await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(apology.params.text).toBe("抱歉，我这边出了点问题。请稍后再试一次。");
    h.tg.sendText({ chatId: 4, text: "/help", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage" && String(call.params.text).startsWith("How to use me"));
    const failure = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === "update failed");
    expect(failure).toMatchObject({ level: "error", updateId: update.update_id, updateType: "message" });
  });

  it("keeps out people not in ALLOWED_USER_IDS", async () => {
    h = await startHarness({ env: { ALLOWED_USER_IDS: "100" }, site: { "/a": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 200, text: `${h.site.url}/a`, languageCode: "en" });
    const refusal = await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(refusal.params.text).toBe("Sorry, this bot is private to invited people.");
    h.tg.sendText({ chatId: 100, text: `${h.site.url}/a`, languageCode: "en" });
    await h.tg.waitFor(isEdit);
    expect(h.site.hits("/a")).toBe(1);
    expect(await h.app.kit.deps.records.users.get("200")).toBeUndefined();
  });

  it("says it is busy when the job queue is full", async () => {
    const jobs = createJobQueue({ logger: silentLogger, concurrency: 1, maxWaiting: 0 });
    let release: () => void = () => {};
    expect(jobs.add("running", () => new Promise<void>((resolve) => (release = resolve)))).toBe(true);
    expect(jobs.add("one too many", async () => {})).toBe(false);
    h = await startHarness({ jobs, site: { "/a": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 5, text: `${h.site.url}/a`, languageCode: "en" });
    const busy = await h.tg.waitFor(
      (call) => isEdit(call) && call.params.text === "I'm busy right now; please send it again in a minute.",
    );
    expect(busy.params.chat_id).toBe(5);
    release();
  });
});
