import { describe, expect, it } from "vitest";
import { buildSummaryKeyboard, renderSummary } from "../../src/bot/render.js";
import { makeArticle } from "../../src/pipeline/clean/article.js";
import { escapeHtml, safeHref } from "../../src/pipeline/render.js";
import { htmlToText } from "../../src/text/html.js";
import type { Summary } from "../../src/types.js";
import { parseTelegramHtml } from "../fakes/telegram.js";

const article = makeArticle({
  title: 'Tom & Jerry <script>alert("x")</script>',
  siteName: "Cartoon News",
  published: "2026-01-02T10:00:00Z",
  url: "https://example.com/a?x=1&y=2",
  paragraphs: Array.from(
    { length: 10 },
    (_unused, index) => `Paragraph ${index} about cats and mice and more words here.`,
  ),
});

function summaryOf(bullets: string[], extra: Partial<Summary> = {}): Summary {
  return {
    headline: "Cats chase mice",
    bullets,
    sources: bullets.map(() => [0]),
    questions: [],
    lang: "en",
    mode: "llm",
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    cached: false,
    ...extra,
  };
}

describe("render", () => {
  it("escapes every text and links the title only to http(s)", () => {
    const { html, text } = renderSummary({ summary: summaryOf(["a < b & c > d", 'say "hi"']), article });
    expect(html).toContain(
      '<b><a href="https://example.com/a?x=1&amp;y=2">Tom &amp; Jerry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a></b>',
    );
    expect(html).toContain("• a &lt; b &amp; c &gt; d");
    expect(html).toContain("<i>Cats chase mice</i>");
    expect(html).toContain("<i>Cartoon News · 2026-01-02 · 1 min read</i>");
    expect(parseTelegramHtml(html)).toContain('Tom & Jerry <script>alert("x")</script>');
    expect(text).toContain("• a < b & c > d");
    expect(text.split("\n")[1]).toBe("https://example.com/a?x=1&y=2");

    const unsafe = renderSummary({ summary: summaryOf(["x"]), article: { ...article, url: "javascript:alert(1)" } });
    expect(unsafe.html).not.toContain("<a ");
    expect(safeHref("tg://resolve?domain=x")).toBeUndefined();
    expect(safeHref("http://example.com/")).toBe("http://example.com/");
  });

  it("shows the offline badge and notices", () => {
    const offline = renderSummary({
      summary: summaryOf(["x"], { mode: "offline", notice: "offline-no-translation", lang: "zh" }),
      article,
      uiLang: "zh",
    });
    expect(offline.html).toContain("📴 离线摘要 · 离线摘要无法翻译，按原文语言给出");
  });

  it("never exceeds 4096 characters: drops trailing bullets, then shortens text, never cutting a tag", () => {
    const long = "<&>".repeat(600);
    const rendered = renderSummary({ summary: summaryOf([long, long, long, long, long]), article });
    expect(rendered.html.length).toBeLessThanOrEqual(4096);
    expect(() => parseTelegramHtml(rendered.html)).not.toThrow();
    expect(rendered.html.match(/^• /gm)?.length).toBeGreaterThanOrEqual(1);
    expect(rendered.html).toMatch(/<\/i>$/);
    expect(rendered.text.length).toBeLessThanOrEqual(4096);

    const single = renderSummary({ summary: summaryOf(["&".repeat(5000)]), article });
    expect(single.html.length).toBeLessThanOrEqual(4096);
    expect(() => parseTelegramHtml(single.html)).not.toThrow();
    expect(single.html).toContain("…");
  });

  it("fits tight limits for every field without breaking markup", () => {
    for (const max of [200, 300, 500, 1000]) {
      const rendered = renderSummary(
        { summary: summaryOf(["x".repeat(400), "y".repeat(400)], { headline: "h".repeat(300) }), article },
        { maxChars: max },
      );
      expect(rendered.html.length).toBeLessThanOrEqual(max);
      expect(() => parseTelegramHtml(rendered.html)).not.toThrow();
    }
  });

  it("builds the summary buttons with room for extra rows", () => {
    const keyboard = buildSummaryKeyboard({ lang: "zh" }, "abcdef0123456789abcdef01", {
      uiLang: "zh",
      extraRows: [[{ text: "Q1", callback_data: "qa:1" }]],
    });
    expect(keyboard.inline_keyboard).toEqual([
      [
        { text: "English", callback_data: "jb:sl:en:abcdef0123456789abcdef01" },
        { text: "💬 如何提问", callback_data: "jb:ask" },
      ],
      [{ text: "Q1", callback_data: "qa:1" }],
    ]);
  });

  it("turns Telegram HTML into readable text", () => {
    expect(htmlToText('<b><a href="https://x.org/?a=1&amp;b=2">T &lt;1&gt;</a></b>\n• a &amp; b')).toBe(
      "T <1> (https://x.org/?a=1&b=2)\n• a & b",
    );
    expect(escapeHtml('<a href="x">&')).toBe("&lt;a href=&quot;x&quot;&gt;&amp;");
  });
});
