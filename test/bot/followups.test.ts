import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { followups, renderAnswer } from "../../src/bot/followups.js";
import { createBot } from "../../src/bot/index.js";
import { silentLogger } from "../../src/log.js";
import { conversationMemory } from "../../src/qa/memory.js";
import { openStore } from "../../src/store/store.js";
import type { FakeOpenAiRequest, FakeReply } from "../fakes/openai.js";
import { type ApiCall, parseTelegramHtml } from "../fakes/telegram.js";
import { type Harness, manualClock, startHarness } from "./harness.js";

const TITLE = "Kellby harbour gets a new bridge";
/** A short article: every paragraph is about something different, so a question has one right place. */
const PARAGRAPHS = [
  "The regional government presented its plans for the coast of Kellby on Monday, after two years of consultation with residents.",
  "The bridge across the harbour mouth will cost 48 million euros and should open in 2029, the transport minister said.",
  "Fishermen warned that the building work could block the harbour channel during the herring season in early spring.",
  "Local schools will receive three electric buses, paid for from the same coastal fund as the bridge.",
  "The opposition called the timetable unrealistic and asked for an independent audit of the costs.",
];

function pageHtml(title: string, paragraphs: readonly string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta property="og:site_name" content="Coast Courier"></head>
<body><nav><a href="/">Home</a> <a href="/region">Region</a></nav>
<article><h1>${title}</h1>${paragraphs.map((text) => `<p>${text}</p>`).join("\n")}</article>
<footer>© Coast Courier · <a href="/privacy">Privacy</a></footer></body></html>`;
}

/** Forty paragraphs on unrelated subjects around one about the ferry fares. */
const FILLER_TOPICS = [
  "The autumn weather stayed mild and grey across the valley, with light drizzle most afternoons",
  "Volunteers repainted the old lighthouse keeper's cottage and planted lavender along the path",
  "The chess club met in the library basement and played a long tournament that ended after midnight",
  "A choir from the mountains sang folk songs in the town square while children chased pigeons",
  "The bakery on Mill Lane started selling rye loaves with caraway seeds on Saturday mornings",
  "Hikers reported that the trail to the waterfall was muddy but passable after the storms",
  "The museum lent a collection of antique clocks to a gallery in the capital for the winter",
  "A retired teacher published a memoir about growing up on a sheep farm in the northern hills",
];
const LONG_PARAGRAPHS = [
  "The county assembly published its spring report on Tuesday, covering transport, culture and local services in detail.",
  ...Array.from(
    { length: 40 },
    (_, i) => `${FILLER_TOPICS[i % FILLER_TOPICS.length]}, notes item ${i + 1} of the report.`,
  ),
];
LONG_PARAGRAPHS.splice(
  27,
  0,
  "Ferry fares to the islands will rise by eight percent in June because diesel prices went up, the operator said.",
);

const ANSWER_SYSTEM = "You answer a reader's question about one news article";
const isAnswerRequest = (request: FakeOpenAiRequest) => request.system.includes(ANSWER_SYSTEM);

/** A model that writes a summary for summary requests and asks `answer` for answer requests. */
function scriptedModel(answer: (request: FakeOpenAiRequest) => FakeReply) {
  return (request: FakeOpenAiRequest): FakeReply =>
    isAnswerRequest(request)
      ? answer(request)
      : {
          content: JSON.stringify({
            headline: "Kellby plans a harbour bridge",
            bullets: [
              { text: "A 48 million euro bridge should open in 2029", sources: [1] },
              { text: "Fishermen fear the works will block the channel", sources: [2] },
              { text: "The opposition wants an audit", sources: [4] },
            ],
            questions: ["How much will the bridge cost?", "What do the fishermen fear?"],
          }),
        };
}

const answerJson = (answer: string, quotes: number[], notInArticle = false): FakeReply => ({
  content: JSON.stringify({ answer, quotes, not_in_article: notInArticle }),
});

/** Index of the passage starting with `start` in the model's request (as the article block numbers it). */
function passageIndex(request: FakeOpenAiRequest, start: string): number {
  const match = new RegExp(`\\[(\\d+)\\] ${start}`).exec(request.user);
  return Number(match?.[1] ?? -1);
}

const isOkEdit = (call: ApiCall) => call.method === "editMessageText" && call.ok;

/** Sends a link, waits for the summary; returns the summary message id and its edit call. */
async function summarize(h: Harness, chatId: number, path: string, languageCode = "en") {
  const since = h.tg.calls.length;
  h.tg.sendText({ chatId, text: `${h.site.url}${path}`, languageCode });
  const edit = await h.tg.waitFor(isOkEdit, { since });
  await h.app.kit.deps.jobs.idle();
  return { messageId: Number(edit.params.message_id), edit };
}

/** Sends a text (optionally as a reply) and waits for the answer's edit; returns the edit and its placeholder. */
async function ask(h: Harness, chatId: number, text: string, replyTo?: number, languageCode = "en") {
  const since = h.tg.calls.length;
  h.tg.sendText({ chatId, text, languageCode, ...(replyTo === undefined ? {} : { replyTo }) });
  return awaitAnswer(h, since);
}

async function awaitAnswer(h: Harness, since: number) {
  const edit = await h.tg.waitFor(isOkEdit, { since });
  await h.app.kit.deps.jobs.idle();
  const placeholder = h.tg
    .callsTo("sendMessage")
    .find(
      (call) => call.index >= since && (call.result as { message_id?: number }).message_id === edit.params.message_id,
    );
  return { edit, text: String(edit.params.text), placeholder, messageId: Number(edit.params.message_id) };
}

describe("follow-up questions", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("answers a reply to a summary from the article, with the quoted passage", async () => {
    h = await startHarness({
      llm: true,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    h.ai?.setFallback(
      scriptedModel((request) =>
        answerJson("It will cost 48 million euros [1].", [passageIndex(request, "The bridge across")]),
      ),
    );
    const summary = await summarize(h, 10, "/bridge");
    const answer = await ask(h, 10, "How much will the bridge cost?", summary.messageId);

    expect(answer.placeholder?.params.text).toBe("Looking in the article…");
    expect(answer.placeholder?.params.reply_parameters).toMatchObject({ message_id: summary.messageId + 1 });
    expect(answer.text).toContain("It will cost 48 million euros.");
    expect(answer.text).not.toContain("[1]");
    expect(answer.text).toContain("<blockquote>The bridge across the harbour mouth will cost 48 million euros");
    expect(answer.text).not.toContain("About:");
    const request = h.ai?.chatRequests().find(isAnswerRequest);
    expect(request?.user).toContain("<question>\nHow much will the bridge cost?\n</question>");
    const record = await h.app.kit.deps.records.messages.get(`10:${answer.messageId}`);
    expect(record?.kind).toBe("answer");
  });

  it("answers /ask about the chat's latest article and names it", async () => {
    h = await startHarness({
      llm: true,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    h.ai?.setFallback(scriptedModel(() => answerJson("Three electric buses.", [3])));
    await summarize(h, 11, "/bridge");
    const answer = await ask(h, 11, "/ask What will the schools get?");
    expect(answer.text).toContain(`<i>About: ${TITLE}</i>`);
    expect(answer.text).toContain("Three electric buses.");
    expect(h.ai?.chatRequests().find(isAnswerRequest)?.user).toContain("What will the schools get?");
  });

  it("explains /ask without a question, and /ask before any article", async () => {
    h = await startHarness({ features: [followups()] });
    h.tg.sendText({ chatId: 12, text: "/ask", languageCode: "en" });
    const usage = await h.tg.waitFor((call) => call.method === "sendMessage");
    expect(usage.params.text).toContain("Write your question after /ask");
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 12, text: "/ask who paid?", languageCode: "zh-hans" });
    const none = await h.tg.waitFor((call) => call.method === "sendMessage", { since });
    expect(none.params.text).toBe("There's no article to ask about yet. Send a link or a page first.");
  });

  it("takes a plain question in a private chat soon after a summary, and not long after", async () => {
    const clock = manualClock();
    h = await startHarness({
      clock,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    await summarize(h, 13, "/bridge");
    clock.advance(2 * 60 * 1000);
    const soon = await ask(h, 13, "What did the fishermen warn about?");
    expect(soon.text).toContain("📄 <i>An extract from the article (offline mode: no model to write an answer):</i>");
    expect(soon.text).toContain("<blockquote>Fishermen warned that the building work could block the harbour channel");
    expect(soon.text).not.toContain("About:");

    clock.advance(10 * 60 * 1000); // 12 minutes after the summary: still a follow-up, but say which article
    const later = await ask(h, 13, "What did the opposition ask for?");
    expect(later.text).toContain(`About: ${TITLE}`);
    expect(later.text).toContain("independent audit");

    clock.advance(40 * 60 * 1000); // long after: a plain text is no longer taken as a question about it
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 13, text: "What about the buses?", languageCode: "en" });
    const fallback = await h.tg.waitFor((call) => call.method === "sendMessage", { since });
    expect(fallback.params.text).toContain("Send me a link");
  });

  it("takes emoji and thanks after a summary as no question: the usual hint, no answer", async () => {
    h = await startHarness({ site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } }, features: [followups()] });
    await summarize(h, 16, "/bridge");
    for (const text of ["😀😀🎉", "ok thanks", "好的，谢谢！", "?!"]) {
      const since = h.tg.calls.length;
      h.tg.sendText({ chatId: 16, text, languageCode: "en" });
      const reply = await h.tg.waitFor((call) => call.method === "sendMessage", { since });
      expect(reply.params.text, text).toContain("Send me a link");
      await h.app.settled();
      expect(h.tg.calls.slice(since).some((call) => String(call.params.text).includes("Looking in the article"))).toBe(
        false,
      );
    }
  });

  it("answers about an article summarized before a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jianbao-restart-"));
    const storeUrl = `sqlite://${join(dir, "store.sqlite")}`;
    h = await startHarness({
      storeUrl,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    const summary = await summarize(h, 14, "/bridge");
    const first = await ask(h, 14, "When should the bridge open?", summary.messageId);
    expect(first.text).toContain("2029");

    // Restart: stop the bot, close the store, open a new bot over the same SQLite file.
    const old = h;
    h = undefined; // this test cleans up itself: the harness would close the first bot and store
    await old.app.stop("restart", 5000);
    await old.store.close();
    const store = await openStore(storeUrl);
    const app = createBot({ config: old.config, store, logger: silentLogger }, { features: [followups()] });
    await app.launch();
    try {
      const since = old.tg.calls.length;
      old.tg.sendText({ chatId: 14, text: "What did the opposition call unrealistic?", replyTo: summary.messageId });
      const edit = await old.tg.waitFor((call) => isOkEdit(call) && String(call.params.text).includes("audit"), {
        since,
      });
      expect(String(edit.params.text)).toContain("The opposition called the timetable unrealistic");
      // The conversation from before the restart is still there, and continues.
      await app.kit.deps.jobs.idle();
      const articleId = (await app.kit.deps.records.messages.get(`14:${summary.messageId}`))?.articleId ?? "";
      const turns = await conversationMemory(store, { ttlMs: 60_000 }).turns(14, articleId);
      expect(turns.map((turn) => turn.question)).toEqual([
        "When should the bridge open?",
        "What did the opposition call unrealistic?",
      ]);
    } finally {
      await app.stop("test", 5000);
      await store.close();
      await old.tg.close();
      await old.site.close();
      rmSync(old.dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sends only the lead and the relevant paragraph of a long article", async () => {
    h = await startHarness({
      llm: true,
      env: { LLM_MAX_INPUT_TOKENS: "500" },
      site: { "/report": { body: pageHtml("County spring report", LONG_PARAGRAPHS) } },
      features: [followups()],
    });
    h.ai?.setFallback(
      scriptedModel((request) => answerJson("By eight percent, from June.", [passageIndex(request, "Ferry fares")])),
    );
    const summary = await summarize(h, 15, "/report");
    const answer = await ask(h, 15, "How much will ferry fares rise?", summary.messageId);
    expect(answer.text).toContain("By eight percent, from June.");
    const request = h.ai?.chatRequests().find(isAnswerRequest);
    const article = request?.user.slice(request.user.indexOf("<article>"), request.user.indexOf("</article>")) ?? "";
    const sent = [...article.matchAll(/^\[(\d+)\] (.*)$/gm)].map((match) => match[2]);
    expect(sent).toEqual([LONG_PARAGRAPHS[0], LONG_PARAGRAPHS[27]]);
    expect(article).toContain("Title: County spring report");
  });

  it("remembers the conversation: the second question goes with the first answer", async () => {
    h = await startHarness({
      llm: true,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    const replies = [answerJson("Fishermen and the opposition.", [2, 4]), answerJson("An independent audit.", [4])];
    h.ai?.setFallback(scriptedModel(() => replies.shift() ?? { status: 500 }));
    const summary = await summarize(h, 16, "/bridge");
    const first = await ask(h, 16, "Who criticised the plan?", summary.messageId);
    expect(first.text).toContain("Fishermen and the opposition.");
    // Replying to the answer continues the same conversation.
    const second = await ask(h, 16, "And what did the second one want?", first.messageId);
    expect(second.text).toContain("An independent audit.");
    const [, request] = h.ai?.chatRequests().filter(isAnswerRequest) ?? [];
    const history = request?.user.slice(request.user.indexOf("<history>"), request.user.indexOf("</history>"));
    expect(history).toContain("Q: Who criticised the plan?");
    expect(history).toContain("A: Fishermen and the opposition.");
    expect(request?.user).toContain("<question>\nAnd what did the second one want?\n</question>");
  });

  it("says plainly, in the person's language, when the model finds the article does not answer", async () => {
    h = await startHarness({
      llm: true,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    h.ai?.setFallback(scriptedModel(() => answerJson("文章没有提到市长的看法。", [1], true)));
    const summary = await summarize(h, 17, "/bridge", "zh-hans");
    const withModel = await ask(h, 17, "市长怎么看？", summary.messageId, "zh-hans");
    expect(withModel.text).toContain("🤷 这篇文章没有回答这个问题。");
    expect(withModel.text).toContain("文章没有提到市长的看法。");
    expect(withModel.text).not.toContain("blockquote");
    expect(h.ai?.chatRequests().find(isAnswerRequest)?.system).toContain("Answer in Simplified Chinese");
  });

  it("answers offline with a quoted extract, and says when nothing matches", async () => {
    h = await startHarness({ site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } }, features: [followups()] });
    const summary = await summarize(h, 18, "/bridge");
    const found = await ask(h, 18, "How many electric buses will the schools receive?", summary.messageId);
    expect(found.text).toContain("An extract from the article (offline mode");
    expect(found.text).toContain("<blockquote>Local schools will receive three electric buses");
    const missing = await ask(h, 18, "Who won the football match?", summary.messageId);
    expect(missing.text).toContain("🤷 The article doesn't answer that.");
    expect(missing.text).toContain("Offline mode can only look for the article's own words");
  });

  it("falls back to an extract when the model is down", async () => {
    h = await startHarness({
      llm: true,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    h.ai?.setFallback(scriptedModel(() => ({ status: 503 })));
    const summary = await summarize(h, 19, "/bridge");
    const answer = await ask(h, 19, "How much will the bridge cost?", summary.messageId);
    expect(answer.text).toContain("The model is unavailable right now, so here is an extract from the article:");
    expect(answer.text).toContain("48 million euros");
  });

  it("puts suggested questions under the summary; pressing one asks it", async () => {
    h = await startHarness({
      llm: true,
      site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } },
      features: [followups()],
    });
    h.ai?.setFallback(scriptedModel(() => answerJson("They fear the channel will be blocked in herring season.", [2])));
    const summary = await summarize(h, 20, "/bridge");
    const keyboard = (
      summary.edit.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }
    ).inline_keyboard;
    const suggested = keyboard.flat().filter((button) => button.callback_data.startsWith("fu:q:"));
    expect(suggested.map((button) => button.text)).toEqual([
      "❓ How much will the bridge cost?",
      "❓ What do the fishermen fear?",
    ]);
    for (const button of suggested) expect(Buffer.byteLength(button.callback_data)).toBeLessThanOrEqual(64);

    const since = h.tg.calls.length;
    h.tg.pressButton({ chatId: 20, messageId: summary.messageId, data: suggested[1]?.callback_data ?? "" });
    const answer = await awaitAnswer(h, since);
    expect(answer.text).toContain("❓ <b>What do the fishermen fear?</b>");
    expect(answer.text).toContain("They fear the channel will be blocked in herring season.");
    expect(h.ai?.chatRequests().find(isAnswerRequest)?.user).toContain(
      "<question>\nWhat do the fishermen fear?\n</question>",
    );
    expect(h.tg.callsTo("answerCallbackQuery").length).toBeGreaterThan(0);

    // With the stored questions gone, the button's own label is the question.
    const articleId = (await h.app.kit.deps.records.messages.get(`20:${summary.messageId}`))?.articleId ?? "";
    expect(await h.store.collection("suggest").delete(`${articleId}:en`)).toBe(true);
    const sinceLabel = h.tg.calls.length;
    h.tg.pressButton({ chatId: 20, messageId: summary.messageId, data: suggested[0]?.callback_data ?? "" });
    const fromLabel = await awaitAnswer(h, sinceLabel);
    expect(fromLabel.text).toContain("❓ <b>How much will the bridge cost?</b>");
    expect(h.ai?.chatRequests().filter(isAnswerRequest).at(-1)?.user).toContain(
      "<question>\nHow much will the bridge cost?\n</question>",
    );
  });

  it("says the article is gone when its retention expired", async () => {
    h = await startHarness({ site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } }, features: [followups()] });
    const summary = await summarize(h, 21, "/bridge");
    const record = await h.app.kit.deps.records.messages.get(`21:${summary.messageId}`);
    await h.app.kit.deps.records.articles.delete(record?.articleId ?? "");
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 21, text: "Who pays for the buses?", replyTo: summary.messageId, languageCode: "en" });
    const reply = await h.tg.waitFor((call) => call.method === "sendMessage", { since });
    expect(reply.params.text).toBe("I no longer have this article; please send the link again.");
  });

  it("/forget deletes the person's conversation memory", async () => {
    h = await startHarness({ site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } }, features: [followups()] });
    const summary = await summarize(h, 22, "/bridge");
    await ask(h, 22, "When should the bridge open?", summary.messageId);
    const articleId = (await h.app.kit.deps.records.messages.get(`22:${summary.messageId}`))?.articleId ?? "";
    const memory = conversationMemory(h.store, { ttlMs: 60_000 });
    expect(await memory.turns(22, articleId)).toHaveLength(1);
    const since = h.tg.calls.length;
    h.tg.sendText({ chatId: 22, text: "/forget", languageCode: "en" });
    await h.tg.waitFor((call) => call.method === "sendMessage", { since });
    expect(await memory.turns(22, articleId)).toEqual([]);
  });

  it("in a group, answers a reply to the bot's summary but ignores unaddressed questions", async () => {
    h = await startHarness({ site: { "/bridge": { body: pageHtml(TITLE, PARAGRAPHS) } }, features: [followups()] });
    const since0 = h.tg.calls.length;
    h.tg.sendText({ chatId: -500, chatType: "group", userId: 3, text: `/start` });
    await h.tg.waitFor((call) => call.method === "sendMessage", { since: since0 });
    const sinceLink = h.tg.calls.length;
    h.tg.sendText({
      chatId: -500,
      chatType: "group",
      userId: 3,
      text: `@${h.tg.botInfo.username} ${h.site.url}/bridge`,
    });
    const summaryEdit = await h.tg.waitFor(isOkEdit, { since: sinceLink });
    await h.app.kit.deps.jobs.idle();
    const before = h.tg.calls.length;
    h.tg.sendText({ chatId: -500, chatType: "group", userId: 3, text: "When should the bridge open?" });
    const since = h.tg.calls.length;
    h.tg.sendText({
      chatId: -500,
      chatType: "group",
      userId: 3,
      text: "When should the bridge open?",
      replyTo: Number(summaryEdit.params.message_id),
    });
    const answer = await awaitAnswer(h, since);
    expect(answer.text).toContain("2029");
    expect(answer.text).not.toContain("About:");
    // Only one answer: the unaddressed question got nothing.
    expect(h.tg.callsTo("sendMessage").filter((call) => call.index >= before)).toHaveLength(1);

    // A question that mentions the bot is about the group's latest article, and says which.
    const sinceMention = h.tg.calls.length;
    h.tg.sendText({
      chatId: -500,
      chatType: "group",
      userId: 4,
      text: `@${h.tg.botInfo.username} what did the fishermen warn about?`,
    });
    const mentioned = await awaitAnswer(h, sinceMention);
    expect(mentioned.text).toContain(`About: ${TITLE}`);
    expect(mentioned.text).toContain("Fishermen warned that the building work could block the harbour channel");
  });
});

describe("renderAnswer", () => {
  const base = {
    quotes: [1],
    mode: "llm" as const,
    notInArticle: false,
    usage: { prompt_tokens: 1, completion_tokens: 1 },
    sent: [1],
  };

  it("escapes the model's text and quotes, and drops citation marks", () => {
    const rendered = renderAnswer({
      lang: "en",
      aboutTitle: "Tom & Jerry <live>",
      answer: { ...base, text: "It's <b>big</b> & costly [1][2].", excerpts: [{ index: 1, text: "a < b & c" }] },
    });
    expect(rendered.html).toBe(
      "<i>About: Tom &amp; Jerry &lt;live&gt;</i>\n\nIt's &lt;b&gt;big&lt;/b&gt; &amp; costly.\n\n<i>From the article:</i>\n<blockquote>a &lt; b &amp; c</blockquote>",
    );
    expect(rendered.text).toBe(
      "About: Tom & Jerry <live>\n\nIt's <b>big</b> & costly.\n\nFrom the article:\n> a < b & c",
    );
    expect(parseTelegramHtml(rendered.html)).toContain("It's <b>big</b> & costly.");
  });

  it("stays within Telegram's 4096 characters for a rambling model", () => {
    const rendered = renderAnswer({
      lang: "zh",
      question: "问".repeat(1000),
      aboutTitle: "题".repeat(1000),
      answer: { ...base, text: "<&>".repeat(3000), excerpts: [{ index: 1, text: "x".repeat(160) }] },
    });
    expect(parseTelegramHtml(rendered.html).length).toBeLessThanOrEqual(4096);
    expect(rendered.text.length).toBeLessThanOrEqual(4096);
  });
});
