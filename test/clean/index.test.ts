import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NotAnArticleError } from "../../src/errors.js";
import { cleanPage, looksLikeHtml } from "../../src/pipeline/clean/index.js";

const pasted = readFileSync(new URL("../fixtures/pages/pasted-gmw-2020-03-26/source.txt", import.meta.url), "utf8");

const paragraph = (n: number) =>
  `Paragraph ${n} of the story explains, in full sentences, what happened at the harbour on Tuesday and why it matters to the town. It goes on for a while, with commas, so that it reads like real prose.`;
const htmlPage = `<!doctype html>
<html lang="en"><head><title>Harbour reopens after storm - The Courier</title>
<meta property="og:site_name" content="The Courier"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour reopens after storm</h1>${[1, 2, 3, 4].map((n) => `<p>${paragraph(n)}</p>`).join("")}</article>
<footer>© The Courier</footer></body></html>`;

describe("cleanPage", () => {
  it("cleans pasted text with the pasted-text cleaner", () => {
    const article = cleanPage({ input: "pasted text", text: pasted });
    expect(article.siteName).toBe("光明网");
    expect(article.paragraphs).toHaveLength(5);
  });

  it("cleans HTML with the HTML cleaner and keeps the URL", () => {
    const article = cleanPage({ input: "https://example.com/a", url: "https://example.com/a", html: htmlPage });
    expect(article.paragraphs.join(" ")).toContain("Paragraph 1 of the story");
    expect(article.text).not.toContain("Home");
    expect(article.url).toBe("https://example.com/a");
  });

  it("sends text that is really HTML (a saved page pasted or uploaded as .txt) to the HTML cleaner", () => {
    const article = cleanPage({ input: "page.txt", text: htmlPage });
    expect(article.text).not.toMatch(/<p>|<\/article>/);
    expect(article.paragraphs.join(" ")).toContain("Paragraph 4 of the story");
  });

  it("passes the URL along for pasted text when it is known", () => {
    const article = cleanPage({ input: "x", url: "https://news.gmw.cn/x.htm", text: pasted });
    expect(article.url).toBe("https://news.gmw.cn/x.htm");
  });

  it("throws NotAnArticleError for a page with no article, and when nothing was read", () => {
    expect(() => cleanPage({ input: "pasted text", text: "Home\nNews\nSign in" })).toThrow(NotAnArticleError);
    expect(() => cleanPage({ input: "empty" })).toThrow(NotAnArticleError);
  });
});

describe("looksLikeHtml", () => {
  it("recognises documents and tag-heavy fragments", () => {
    expect(looksLikeHtml(htmlPage)).toBe(true);
    expect(looksLikeHtml("  <html><body><p>Hi</p></body></html>")).toBe(true);
    expect(
      looksLikeHtml(`<div class="post">${[1, 2, 3, 4].map((n) => `<p>${paragraph(n)}</p>`).join("\n")}</div>`),
    ).toBe(true);
  });

  it("leaves prose that mentions a tag or two as text", () => {
    expect(looksLikeHtml(pasted)).toBe(false);
    expect(looksLikeHtml(`Use the <br> tag for a line break and <p> for a paragraph. ${paragraph(1)}`)).toBe(false);
  });
});
