import { Telegraf } from "telegraf";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeTelegram, parseTelegramHtml, startFakeTelegram } from "../fakes/telegram.js";

describe("fake Telegram Bot API", () => {
  let tg: FakeTelegram | undefined;
  let bot: Telegraf | undefined;
  afterEach(async () => {
    try {
      bot?.stop();
    } catch {
      // not running
    }
    await tg?.close();
  });

  it("serves long polling to telegraf and records replies, edits and the transcript", async () => {
    tg = await startFakeTelegram();
    bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.url } });
    bot.command("hello", async (ctx) => {
      const sent = await ctx.reply("<b>hi</b> &amp; more", { parse_mode: "HTML" });
      await ctx.telegram.editMessageText(ctx.chat.id, sent.message_id, undefined, "bye");
    });
    void bot.launch();
    tg.sendText({ chatId: 7, text: "/hello" });
    const edit = await tg.waitFor((call) => call.method === "editMessageText");
    expect(edit.ok).toBe(true);
    const transcript = tg.chatTranscript(7);
    expect(transcript.map((message) => [message.from, message.text, message.edits])).toEqual([
      ["user", "/hello", 0],
      ["bot", "bye", 1],
    ]);
    expect(tg.callsTo("getMe")).toHaveLength(1);
  });

  it("answers scripted 429 with retry_after and 403 for a blocked chat", async () => {
    tg = await startFakeTelegram();
    bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.url } });
    tg.fail({ method: "sendMessage", code: 429, retryAfter: 3 });
    tg.fail({ method: "sendMessage", chatId: 9, code: 403, times: Number.POSITIVE_INFINITY });
    await expect(bot.telegram.sendMessage(1, "x")).rejects.toMatchObject({
      code: 429,
      parameters: { retry_after: 3 },
    });
    await expect(bot.telegram.sendMessage(9, "x")).rejects.toMatchObject({ code: 403 });
    await expect(bot.telegram.sendMessage(9, "x")).rejects.toMatchObject({ code: 403 });
    await expect(bot.telegram.sendMessage(1, "ok")).resolves.toMatchObject({ text: "ok" });
  });

  it("serves getFile and the file download route", async () => {
    tg = await startFakeTelegram();
    bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.url } });
    const { file_id } = tg.addFile(Buffer.from("hello file"), "a.txt");
    const link = await bot.telegram.getFileLink(file_id);
    const response = await fetch(link);
    expect(await response.text()).toBe("hello file");
    expect(tg.downloads).toHaveLength(1);
  });

  it("rejects HTML Telegram cannot parse", () => {
    expect(parseTelegramHtml('<a href="https://x">a &lt; b</a>')).toBe("a < b");
    expect(() => parseTelegramHtml("<p>x</p>")).toThrow(/can't parse entities/);
    expect(() => parseTelegramHtml("<b>x")).toThrow(/can't parse entities/);
    expect(() => parseTelegramHtml("a & b")).toThrow(/can't parse entities/);
  });
});
