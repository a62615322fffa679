import { afterEach, describe, expect, it } from "vitest";
import type { BotFeature } from "../../src/bot/index.js";
import { cleanPage } from "../../src/pipeline/clean/index.js";
import type { Article } from "../../src/types.js";
import type { ApiCall } from "../fakes/telegram.js";
import { articleHtml, type Harness, modelSummary, startHarness } from "./harness.js";

const isEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;
const sentTexts = (h: Harness, chatId: number) =>
  h.tg
    .callsTo("sendMessage")
    .filter((call) => call.params.chat_id === chatId)
    .map((call) => String(call.params.text));

/** The harness's river page, cleaned, with the site's URL. */
async function cleanedRiver(h: Harness): Promise<Article> {
  return cleanPage({ input: "river", url: `${h.site.url}/river`, html: articleHtml() });
}

describe("commands", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("greets on /start and explains on /help in the person's Telegram language", async () => {
    h = await startHarness();
    h.tg.sendText({ chatId: 1, text: "/start", languageCode: "zh-hans" });
    h.tg.sendText({ chatId: 2, text: "/start", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 2);
    expect(sentTexts(h, 1)[0]).toMatch(/^你好！我是简报。/);
    expect(sentTexts(h, 2)[0]).toMatch(/^Hi! I'm Jianbao/);

    h.tg.sendText({ chatId: 1, text: "/help", languageCode: "zh-hans" });
    h.tg.sendText({ chatId: 2, text: "/help", languageCode: "en-US" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 4);
    expect(sentTexts(h, 1)[1]).toContain("发链接（可一次多个，最多 3 个）");
    expect(sentTexts(h, 1)[1]).toContain("/lang — 摘要语言：zh / en / auto");
    expect(sentTexts(h, 2)[1]).toContain("Send links (up to 3 per message)");
    expect(sentTexts(h, 2)[1]).toContain("/forget — Delete everything stored about me");
    // No model here: no language switch under summaries, so /help does not promise one.
    expect(sentTexts(h, 2)[1]).not.toContain("switch between");
    expect(sentTexts(h, 1)[1]).not.toContain("切换中文");
  });

  it("remembers /lang and then answers in that language whatever Telegram says", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 6, text: "/lang en", languageCode: "zh-hans" });
    await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(sentTexts(h, 6)[0]).toBe("Done: summaries will be in English from now on.");
    expect((await h.app.kit.deps.records.users.get("6"))?.lang).toBe("en");

    h.tg.sendText({ chatId: 6, text: "/help", languageCode: "zh-hans" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 2);
    expect(sentTexts(h, 6)[1]).toMatch(/^How to use me:/);

    h.tg.sendText({ chatId: 6, text: "/lang zh", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 3);
    expect(sentTexts(h, 6)[2]).toBe("好的，以后的摘要用中文。");

    h.tg.sendText({ chatId: 6, text: "/lang", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 4);
    expect(sentTexts(h, 6)[3]).toContain("当前摘要语言：中文");
  });

  it("with no language_code (the terminal chat), follows the language the person writes in", async () => {
    h = await startHarness();
    h.tg.sendText({ chatId: 3, text: "/start" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 1);
    expect(sentTexts(h, 3)[0]).toMatch(/^Hi! I'm Jianbao/);
    h.tg.sendText({ chatId: 3, text: "你好，这个机器人能做什么" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 2);
    expect(sentTexts(h, 3)[1]).toMatch(/^发给我一个链接/);
    // Commands, links and emoji say nothing about a language: the last clear one stays.
    h.tg.sendText({ chatId: 3, text: "/help" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 3);
    expect(sentTexts(h, 3)[2]).toMatch(/^用法：/);
    h.tg.sendText({ chatId: 3, text: "what can you do for me" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 4);
    expect(sentTexts(h, 3)[3]).toMatch(/^Send me a link/);
    // Telegram's language_code, when there is one, wins over the text.
    h.tg.sendText({ chatId: 4, text: "你好，这个机器人能做什么", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage" && call.params.chat_id === 4);
    expect(sentTexts(h, 4)[0]).toMatch(/^Send me a link/);
  });

  it("forgets the person on /forget: user record, the chat's messages, and other features' data; a public page stays", async () => {
    const forgotten: Array<{ userId: number; chatId?: number }> = [];
    const feature: BotFeature = {
      name: "probe",
      register: () => {},
      forget: async (who) => {
        forgotten.push(who);
      },
    };
    h = await startHarness({ site: { "/river": { body: articleHtml() } }, features: [feature] });
    h.tg.sendText({ chatId: 9, text: `${h.site.url}/river`, languageCode: "en" });
    const edit = await h.tg.waitFor(isEdit);
    await h.app.kit.deps.jobs.idle();
    const { records } = h.app.kit.deps;
    const key = `9:${Number(edit.params.message_id)}`;
    const articleId = (await records.messages.get(key))?.articleId ?? "";
    expect(await records.users.get("9")).toBeDefined();
    expect(await records.articles.get(articleId)).toBeDefined();

    h.tg.sendText({ chatId: 9, text: "/forget", languageCode: "en" });
    const reply = await h.tg.waitFor(
      (call) => call.method === "sendMessage" && String(call.params.text).startsWith("Deleted"),
    );
    expect(String(reply.params.text)).toContain("(3 records)");
    expect(await records.users.get("9")).toBeUndefined();
    expect(await records.messages.get(key)).toBeUndefined();
    expect(await records.chats.get("9")).toBeUndefined();
    // A page from a link is public, not personal data: others' follow-ups and digests keep it.
    expect(await records.articles.get(articleId)).toBeDefined();
    expect(forgotten).toEqual([{ userId: 9, chatId: 9 }]);
  });

  it("/forget deletes a pasted text (and its summaries) only when no one else sent it", async () => {
    h = await startHarness({ env: { PASTE_JOIN_MS: "50" }, llm: true });
    h.ai?.setFallback({ content: modelSummary("en") });
    const { records, summaryCache } = h.app.kit.deps;
    const paste = Array.from(
      { length: 6 },
      (_unused, index) =>
        `Paragraph ${index + 1} of my private notes: the garden committee met on Thursday and agreed to plant forty apple trees along the north fence before the first frost arrives.`,
    ).join("\n\n");
    const summarized = async (chatId: number) => {
      const since = h?.tg.calls.length ?? 0;
      h?.tg.sendText({ chatId, text: paste, languageCode: "en" });
      const edit = await h?.tg.waitFor(isEdit, { since });
      await h?.app.settled();
      return (await records.messages.get(`${chatId}:${Number(edit?.params.message_id)}`))?.articleId ?? "";
    };
    const articleId = await summarized(31);
    expect(await summarized(32)).toBe(articleId);
    expect(await records.articles.get(articleId)).toBeDefined();
    expect((await summaryCache.list()).length).toBeGreaterThan(0);

    // Person 31 forgets: person 32 sent the same text, so it stays for their follow-ups.
    h.tg.sendText({ chatId: 31, text: "/forget", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage" && String(call.params.text).startsWith("Deleted"));
    expect(await records.articles.get(articleId)).toBeDefined();

    // Person 32 forgets too: nobody holds it any more, so the text and its summaries go.
    h.tg.sendText({ chatId: 32, text: "/forget", languageCode: "en" });
    await h.tg.waitFor(
      (call) =>
        call.method === "sendMessage" && call.params.chat_id === 32 && String(call.params.text).startsWith("Deleted"),
    );
    expect(await records.articles.get(articleId)).toBeUndefined();
    expect(await records.articleSources.list(`${articleId}:`)).toEqual([]);
    expect(await summaryCache.list()).toEqual([]);
  });

  it("/forget keeps an article another source brought in: a link, or an older record with a URL (digests)", async () => {
    h = await startHarness({ site: { "/river": { body: articleHtml() } } });
    const { records } = h.app.kit.deps;
    // A digest item shown in this chat, stored before article sources were recorded.
    const digestArticleId = "d1g35700000000000000000a";
    const article = { ...(await cleanedRiver(h)), title: "Digest item" };
    await records.articles.set(digestArticleId, { id: digestArticleId, article, savedAt: new Date().toISOString() });
    await records.messages.set("33:900", { articleId: digestArticleId, kind: "digest" });
    h.tg.sendText({ chatId: 33, text: "/forget", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage" && String(call.params.text).startsWith("Deleted"));
    expect(await records.articles.get(digestArticleId)).toBeDefined();
    expect(await records.messages.get("33:900")).toBeUndefined();
  });

  it("shows /stats to admins only", async () => {
    h = await startHarness({ env: { ADMIN_USER_IDS: "77" }, site: { "/river": { body: articleHtml() } } });
    h.tg.sendText({ chatId: 77, text: `${h.site.url}/river`, languageCode: "en" });
    await h.tg.waitFor(isEdit);
    await h.app.kit.deps.jobs.idle();
    h.tg.sendText({ chatId: 78, text: "/stats", languageCode: "en" });
    h.tg.sendText({ chatId: 77, text: "/stats", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage" && call.params.chat_id !== 77, 1);
    const stats = await h.tg.waitFor(
      (call) => call.method === "sendMessage" && String(call.params.text).startsWith("Statistics"),
    );
    expect(sentTexts(h, 78)).toEqual(["Only admins can see the statistics."]);
    expect(String(stats.params.text)).toContain("People: 2");
    expect(String(stats.params.text)).toContain("Summaries: 1 (offline 1, cache hits 0)");
  });

  it("lets a feature take short text and commands; otherwise the fallback asks for a link or a page", async () => {
    const feature: BotFeature = {
      name: "echo",
      commands: [{ command: "echo", description: { zh: "回声", en: "Echo" } }],
      register(composer) {
        composer.command("echo", (ctx) => ctx.reply(`echo:${ctx.payload}`));
        composer.on("message", async (ctx, next) => {
          if ("text" in ctx.message && ctx.message.text.endsWith("?")) {
            await ctx.reply(`question:${ctx.message.text}`);
            return;
          }
          await next();
        });
      },
    };
    h = await startHarness({ features: [feature] });
    h.tg.sendText({ chatId: 5, text: "/echo hi", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 1);
    h.tg.sendText({ chatId: 5, text: "who said it?", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 2);
    h.tg.sendText({ chatId: 5, text: "hello", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 3);
    h.tg.sendText({ chatId: 5, text: "/nope", languageCode: "en" });
    await h.tg.waitForCount((call) => call.method === "sendMessage", 4);
    expect(sentTexts(h, 5)).toEqual([
      "echo:hi",
      "question:who said it?",
      "Send me a link, a pasted page or an .html / .txt file and I'll summarize it. Reply to a summary to ask about it.",
      "I don't know that command. /help lists what I can do.",
    ]);
    expect(h.tg.callsTo("setMyCommands")[0]?.params.commands).toContainEqual({ command: "echo", description: "Echo" });
  });
});
