import { describe, expect, it } from "vitest";
import { NotAnArticleError } from "../../src/errors.js";
import { cleanHtml } from "../../src/pipeline/clean/html.js";

const prose = (n: number, lang: "en" | "zh" = "en"): string[] =>
  Array.from({ length: n }, (_, i) =>
    lang === "en"
      ? `Paragraph ${i + 1} tells the story in plain words, with enough detail, commas, and clauses to read as prose rather than a menu or a caption.`
      : `第${i + 1}段讲述了事情的经过，细节充分，句子完整，有逗号、有句号，读起来是正文而不是导航或图片说明。`,
  );

const page = (body: string, head = "<title>A test page</title>"): string =>
  `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;

function expectNotAnArticle(html: string): NotAnArticleError {
  try {
    cleanHtml({ html });
  } catch (error) {
    expect(error).toBeInstanceOf(NotAnArticleError);
    expect((error as NotAnArticleError).code).toBe("NOT_AN_ARTICLE");
    return error as NotAnArticleError;
  }
  throw new Error("expected NotAnArticleError");
}

describe("cleanHtml: the article body", () => {
  it("returns headings, paragraphs and list items in reading order", () => {
    const [a, b, c] = prose(3);
    const article = cleanHtml({
      html: page(
        `<article><h1>Title</h1><p>${a}</p><h2>A section heading</h2><p>${b}</p><ul><li>First point of the list</li><li>Second point of the list</li></ul><p>${c}</p></article>`,
      ),
    });
    expect(article.paragraphs).toEqual([
      a,
      "A section heading",
      b,
      "First point of the list",
      "Second point of the list",
      c,
    ]);
  });

  it("splits bare text separated by <br><br> into paragraphs (old Chinese pages)", () => {
    const [a, b, c] = prose(3, "zh");
    const article = cleanHtml({
      html: page(`<table><tr><td>　　${a}<br><br>　　${b}<br><br>　　${c}</td></tr></table>`),
    });
    expect(article.paragraphs).toEqual([a, b, c]);
    expect(article.lang).toBe("zh");
  });

  it("drops navigation, share bars, related lists, comments, hidden nodes and scripts", () => {
    const body = prose(4);
    const article = cleanHtml({
      html: page(`
        <nav><a href="/">Home</a><a href="/news">News</a></nav>
        <div class="content">
          ${body.map((p) => `<p>${p}</p>`).join("")}
          <div class="share-buttons"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
          <p style="display:none">This hidden paragraph must never reach the reader, it is long enough to count.</p>
          <script>var tracking = "script text must not leak into the article";</script>
          <div class="related-articles"><h3>Related</h3><ul><li><a href="/1">Another story about something</a></li><li><a href="/2">Yet another story</a></li></ul></div>
        </div>
        <div id="comments"><p>First! This comment is long enough to look like a paragraph of prose, with commas, too.</p></div>
        <footer>Copyright 2024 Example Media. All rights reserved.</footer>`),
    });
    expect(article.paragraphs).toEqual(body);
  });

  it("keeps a tweet the story quotes, embedded in a 'social' wrapper", () => {
    const [a, b, c] = prose(3);
    const tweet = "The state spent half a million dollars on this campaign and nobody asked why";
    const article = cleanHtml({
      html: page(
        `<div class="entry-content"><p>${a}</p><div class="social-media-embed"><blockquote class="twitter-tweet"><p>${tweet} <a href="https://t.co/x">pic.twitter.com/x</a></p>— Someone (@someone) <a href="https://twitter.com/s/1">November 18, 2019</a></blockquote></div><p>${b}</p><p>${c}</p></div>`,
      ),
    });
    expect(article.text).toContain(tweet);
  });

  it("drops Chinese portal furniture: 责编, 相关阅读, 分享到", () => {
    const body = prose(3, "zh");
    const article = cleanHtml({
      html: page(
        `<div id="article_content">${body.map((p) => `<p>${p}</p>`).join("")}<p>[ 责编：王芳 ]</p><p>分享到：微信 微博</p></div>
         <div class="xgwz"><h3>相关阅读</h3><ul><li><a href="/1">相关新闻标题一</a></li><li><a href="/2">相关新闻标题二</a></li></ul></div>`,
        "<title>测试文章 - 光明网</title>",
      ),
    });
    expect(article.paragraphs).toEqual(body);
    expect(article.title).toBe("测试文章");
    expect(article.siteName).toBe("光明网");
  });

  it("reads the CleanEval <text> wrapper line: URL and title", () => {
    const body = prose(2, "zh");
    const article = cleanHtml({
      html: `<text id="http://example.cn/a.html" title="包装行里的标题" encoding="gb2312">\n<html><body><div>${body.join("<br><br>")}</div></body></html>`,
    });
    expect(article.title).toBe("包装行里的标题");
    expect(article.url).toBe("http://example.cn/a.html");
    expect(article.paragraphs).toEqual(body);
  });

  it("falls back to JSON-LD articleBody when the page body is empty", () => {
    const body = prose(3);
    const ld = JSON.stringify({ "@type": "NewsArticle", headline: "From JSON-LD", articleBody: body.join("\n") });
    const article = cleanHtml({
      html: page(`<div id="root"></div>`, `<script type="application/ld+json">${ld}</script>`),
    });
    expect(article.title).toBe("From JSON-LD");
    expect(article.paragraphs).toEqual(body);
  });

  it("takes the date line below a forum post when the page has no date metadata", () => {
    const body = prose(3, "zh");
    const article = cleanHtml({
      html: page(
        `<div class="post">${body.map((p) => `<p>${p}</p>`).join("")}</div><div class="foot">发表于 2004年12月27日 12:40 | 阅读(3727)</div>`,
      ),
    });
    expect(article.published).toBe("2004-12-27T12:40:00+08:00");
  });

  it("keeps the URL it was given and resolves the canonical link against it", () => {
    const article = cleanHtml({
      html: page(
        `<article>${prose(3)
          .map((p) => `<p>${p}</p>`)
          .join("")}</article>`,
        '<link rel="canonical" href="/story">',
      ),
      url: "https://news.example.com/story?utm_source=x",
    });
    expect(article.url).toBe("https://news.example.com/story?utm_source=x");
    expect(article.canonicalUrl).toBe("https://news.example.com/story");
  });
});

describe("cleanHtml: honest failure", () => {
  it("refuses a JavaScript app shell", () => {
    expectNotAnArticle(
      page(`<div id="app"></div><noscript>Please enable JavaScript.</noscript><script src="/app.js"></script>`),
    );
  });

  it("refuses a login page", () => {
    expectNotAnArticle(
      page(`<form><label>用户名</label><input name="u"><label>密码</label><input type="password"><button>登录</button></form>
            <p>还没有账号？<a href="/reg">立即注册</a></p>`),
    );
  });

  it("refuses a paywall teaser and says so", () => {
    const error = expectNotAnArticle(
      page(`<article><h1>Headline</h1><p>${prose(1)[0]}</p><p>${prose(2)[1]}</p>
            <div class="paywall"><p>Subscribe to continue reading. Already a subscriber? Sign in.</p></div></article>`),
    );
    expect(error.message).toMatch(/paywall|login/);
  });

  it("refuses a list of headlines", () => {
    const items = Array.from(
      { length: 12 },
      (_, i) => `<li><h3><a href="/s/${i}">Headline number ${i} about the news</a></h3><p>Short teaser ${i}.</p></li>`,
    ).join("");
    expectNotAnArticle(page(`<main><h1>Latest</h1><ul class="story-list">${items}</ul></main>`));
  });

  it("refuses an empty document", () => {
    expectNotAnArticle("");
  });
});

describe("cleanHtml: hostile markup", () => {
  it("reads the article of a page nested tens of thousands of levels deep (flattened past 512, as browsers do)", () => {
    const body = prose(3);
    const html = `<html><body>${"<div>".repeat(50_000)}${body.map((p) => `<p>${p}</p>`).join("")}${"</div>".repeat(50_000)}</body></html>`;
    expect(cleanHtml({ html }).paragraphs).toEqual(body);
  });

  it("keeps text order and paragraphs across the depth cap", () => {
    const [a, b, c] = prose(3) as [string, string, string];
    const deep = `${"<div>".repeat(600)}<p>${a}</p><div><p>${b}</p></div><p>${c}</p>${"</div>".repeat(600)}`;
    expect(cleanHtml({ html: `<html><body>${deep}</body></html>` }).paragraphs).toEqual([a, b, c]);
  });

  it("keeps separate same-width paragraphs apart (only lines split by <br> are rejoined)", () => {
    const items = Array.from(
      { length: 400 },
      (_, n) => `Reading ${String(n).padStart(3, "0")}: the gauge at the river station read high.`,
    );
    const html = `<html><body><article><h1>Gauges</h1>${items.map((p) => `<p>${p}</p>`).join("")}</article></body></html>`;
    expect(cleanHtml({ html }).paragraphs).toEqual(items);
  });

  it("still reads an article nested a few hundred levels deep", () => {
    const body = prose(3);
    const html = `<html><body>${"<div>".repeat(500)}${body.map((p) => `<p>${p}</p>`).join("")}${"</div>".repeat(500)}</body></html>`;
    expect(cleanHtml({ html }).paragraphs).toEqual(body);
  });
});
