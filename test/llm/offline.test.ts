import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { summarizeOffline } from "../../src/llm/offline.js";
import { makeArticle } from "../../src/pipeline/clean/article.js";
import { cleanPage } from "../../src/pipeline/clean/index.js";
import type { Article, Summary } from "../../src/types.js";

const PAGES = new URL("../fixtures/pages/", import.meta.url);
const ARTICLES = new URL("../fixtures/summarize/", import.meta.url);

function pasted(name: string): { article: Article; source: string; gold: string[] } {
  const source = readFileSync(new URL(`${name}/source.txt`, PAGES), "utf8");
  const gold = JSON.parse(readFileSync(new URL(`${name}/expected.json`, PAGES), "utf8")).paragraphs as string[];
  return { article: cleanPage({ input: "pasted text", text: source }), source, gold };
}

function fixture(name: string): Article {
  const json = JSON.parse(readFileSync(new URL(`${name}.json`, ARTICLES), "utf8"));
  return makeArticle({ title: json.title, paragraphs: json.paragraphs, lang: json.lang });
}

/** A bullet without the ellipsis a trim adds. */
const body = (bullet: string) => bullet.replace(/…$/, "");

/** Every bullet is a piece of the paragraph it cites, bullets follow article order, none repeats. */
function expectFaithful(summary: Summary, article: Article): void {
  expect(new Set(summary.bullets).size).toBe(summary.bullets.length);
  let lastPosition = -1;
  summary.bullets.forEach((bullet, index) => {
    const [paragraph] = summary.sources[index] ?? [];
    expect(paragraph).toBeTypeOf("number");
    expect(article.paragraphs[paragraph as number]).toContain(body(bullet));
    const position = article.text.indexOf(body(bullet));
    expect(position).toBeGreaterThan(lastPosition);
    lastPosition = position;
  });
}

describe("summarizeOffline", () => {
  it("summarizes the pasted Chinese page with real sentences of the article, in order, none from boilerplate", () => {
    const { article, source, gold } = pasted("pasted-gmw-2020-03-26");
    const summary = summarizeOffline({ article, lang: "zh" });

    expect(summary).toMatchObject({ mode: "offline", lang: "zh", cached: false, headline: article.title });
    expect(summary.notice).toBeUndefined();
    expect(summary.bullets.length).toBeGreaterThanOrEqual(3);
    expect(summary.bullets.length).toBeLessThanOrEqual(5);
    expectFaithful(summary, article);
    const goldText = gold.join("\n");
    for (const bullet of summary.bullets) {
      expect(goldText).toContain(body(bullet));
      // Each bullet is one sentence: it ends a sentence or is a trimmed one.
      expect(bullet).toMatch(/[。！？；…]$/);
    }
    // The page around the article has plenty of text that must never be picked.
    expect(source).toContain("点击右上角微信好友");
    expect(summary.bullets.join("")).not.toMatch(/点击右上角|浏览器分享|调查问题|正在阅读/);
  });

  it("summarizes a pasted English news page without its navigation and share links", () => {
    const { article, gold } = pasted("pasted-en-news-nav-share-most-read");
    const summary = summarizeOffline({ article, lang: "en" });
    expect(summary.bullets.length).toBeGreaterThanOrEqual(3);
    expectFaithful(summary, article);
    for (const bullet of summary.bullets) expect(gold.join("\n")).toContain(body(bullet));
  });

  it.each(["en-river-bridge", "en-battery-recycling"])(
    "summarizes the English article %s in 3–5 faithful bullets",
    (name) => {
      const article = fixture(name);
      const summary = summarizeOffline({ article, lang: "en" });
      expect(summary.bullets.length).toBeGreaterThanOrEqual(3);
      expect(summary.bullets.length).toBeLessThanOrEqual(5);
      expectFaithful(summary, article);
      expect(summary.headline).toBe(article.title);
      expect(summary.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0 });
    },
  );

  it("does not split sentences at abbreviations and initials", () => {
    const summary = summarizeOffline({ article: fixture("en-battery-recycling"), lang: "en" });
    for (const bullet of summary.bullets) expect(bullet).not.toMatch(/^(Elin|Martin) /);
  });

  it("picks sentences that do not repeat each other", () => {
    const repeated = "The central bank raised its main interest rate by half a point on Thursday to fight inflation.";
    const article = makeArticle({
      title: "Bank raises rates",
      paragraphs: [
        repeated,
        "The central bank raised its main interest rate by half a point on Thursday, to fight inflation.",
        "Markets had expected a smaller rise of a quarter point, and shares fell after the announcement.",
        "Mortgage lenders said they would pass the increase on to borrowers within weeks.",
        "The governor said further rises could follow if prices kept climbing through the summer.",
        "Unions criticised the decision, saying wages were already falling behind the cost of living.",
        "Economists were divided on whether the rise would push the economy into recession next year.",
        "The bank will publish its next forecast in six weeks, together with the minutes of the meeting.",
      ],
    });
    const summary = summarizeOffline({ article, lang: "en" });
    const aboutTheRise = summary.bullets.filter((bullet) => bullet.startsWith("The central bank raised"));
    expect(aboutTheRise).toHaveLength(1);
  });

  it("gives fewer bullets for a short article", () => {
    const summary = summarizeOffline({ article: fixture("en-short-notice"), lang: "en" });
    expect(summary.bullets.length).toBeGreaterThanOrEqual(1);
    expect(summary.bullets.length).toBeLessThan(3);
  });

  it("still summarizes a text made only of short lines", () => {
    const article = makeArticle({ title: "Notice", paragraphs: ["Office closed today.", "Back on Monday."] });
    expect(summarizeOffline({ article, lang: "en" }).bullets).toEqual(["Office closed today.", "Back on Monday."]);
  });

  it("says translation needs a model when another language is asked, and stays in the article's language", () => {
    const { article } = pasted("pasted-gmw-2020-03-26");
    const summary = summarizeOffline({ article, lang: "en" });
    expect(summary.notice).toBe("offline-no-translation");
    expect(summary.lang).toBe("zh");
    expectFaithful(summary, article);

    const english = summarizeOffline({ article: fixture("en-river-bridge"), lang: "zh" });
    expect(english).toMatchObject({ notice: "offline-no-translation", lang: "en" });
  });

  it("trims a very long sentence at a clause boundary with an ellipsis", () => {
    const clauses = Array.from({ length: 12 }, (_, index) => `the committee also examined point number ${index + 1}`);
    const long = `In a lengthy statement on Monday, ${clauses.join(", ")}.`;
    const article = makeArticle({ title: "Long", paragraphs: [long] });
    const [bullet] = summarizeOffline({ article, lang: "en" }).bullets;
    expect(bullet).toMatch(/…$/);
    expect(bullet?.length).toBeLessThanOrEqual(240);
    expect(long).toContain(`${body(bullet as string)},`);
  });

  it("asks follow-up questions about the article's key terms in the reader's language", () => {
    const article = fixture("en-battery-recycling");
    expect(summarizeOffline({ article, lang: "en" }).questions).toEqual([
      expect.stringMatching(/^What else does the article say about “\w+”\?$/),
      expect.stringMatching(/^What details does the article give about “\w+”\?$/),
    ]);
    const zhReader = summarizeOffline({ article, lang: "zh" }).questions;
    expect(zhReader).toHaveLength(2);
    expect(zhReader[0]).toMatch(/^关于“\w+”，文章还说了什么？$/);
  });
});
