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

  describe("coverage", () => {
    /** Paragraph index of each bullet. */
    const paragraphsOf = (summary: Summary) => summary.sources.map(([paragraph]) => paragraph as number);

    it("covers the lead and each numbered point of the gmw article (一是…二是…三是…)", () => {
      const { article } = pasted("pasted-gmw-2020-03-26");
      const summary = summarizeOffline({ article, lang: "zh" });
      expectFaithful(summary, article);
      const paragraphs = paragraphsOf(summary);
      expect(new Set(paragraphs).size).toBe(paragraphs.length);
      expect(new Set(paragraphs).size).toBeGreaterThanOrEqual(3);
      expect(paragraphs[0]).toBe(0);
      // The lead's opening sentence (dateline stripped), not a sentence from the middle of the lead.
      expect(article.paragraphs[0]).toMatch(new RegExp(`^光明网讯\\(记者 陶媛\\)${summary.bullets[0]}`));
      for (const point of ["一是", "二是", "三是"]) {
        expect(summary.bullets.some((bullet) => bullet.startsWith(point))).toBe(true);
      }
    });

    it("spreads the bullets over the sections of an article with headings", () => {
      // The first section repeats the article's main words in every sentence, so centrality alone stays there.
      const article = makeArticle({
        title: "City budget 2027",
        paragraphs: [
          "The city council approved a budget of 2.4 billion euros for 2027 on Tuesday, after a council debate of eleven hours on the city budget.",
          "The budget raises city spending by four percent, the council said, and the council budget keeps city debt flat.",
          "Council members said the city budget was the largest budget the council has approved since 2019.",
          "The mayor said the council budget shows the city can invest and keep its budget balanced.",
          "Opposition members of the council voted against the budget, saying the city budget relies on optimistic tax forecasts.",
          "Schools",
          "Schools receive 310 million euros of the budget, most of it for new classrooms in the growing northern districts.",
          "Transport",
          "Two new tram lines will be built by 2030, linking the main station with the airport and the harbour. Bus fares stay frozen for another year.",
          "Housing",
          "A housing fund of 120 million euros will buy land for cooperative flats with capped rents. Landlords' associations announced a legal challenge against the fund.",
          "Climate",
          "Every public building must get solar panels by 2032, and street lighting switches entirely to LEDs. Environmental groups called the plan timid.",
        ],
      });
      const summary = summarizeOffline({ article, lang: "en" });
      expectFaithful(summary, article);
      const headings = [5, 7, 9, 11];
      const sections = new Set(
        paragraphsOf(summary).map((paragraph) => headings.filter((heading) => heading < paragraph).length),
      );
      expect(summary.bullets.length).toBeGreaterThanOrEqual(4);
      expect(sections.size).toBeGreaterThanOrEqual(3);
    });

    it("never picks a sentence that restates part of one already picked", () => {
      // The short sentence is all inside the long one, which has so many more words that TF-IDF cosine stays low.
      const restated =
        "The new bridge over the river will open to traffic in March, the regional transport authority announced on Friday.";
      const article = makeArticle({
        title: "Bridge opening",
        paragraphs: [
          "Engineers finished the steel deck and the towers on Friday, and the new bridge over the river will open to traffic in March, the regional transport authority announced after a final inspection of cables, bearings, joints, drainage, lighting, railings and the asphalt of all four lanes.",
          restated,
          "Ferry operators fear they will lose most of their commuters once cars can cross in four minutes.",
          "The project cost 340 million euros, twenty percent more than planned, mostly because steel prices rose.",
          "Cyclists get a separate lane on the eastern side, protected from cars by a concrete barrier.",
          "A festival with music and food stands is planned on the bridge deck the weekend before it opens.",
          "The regional transport authority expects twenty thousand vehicles a day on the new bridge over the river.",
        ],
      });
      const summary = summarizeOffline({ article, lang: "en" });
      expectFaithful(summary, article);
      expect(summary.bullets.length).toBeGreaterThanOrEqual(3);
      const aboutTheOpening = summary.bullets.filter((bullet) => /open to traffic in March/.test(bullet));
      expect(aboutTheOpening).toHaveLength(1);
    });

    it("gives each point of an English list (First, Second, Third) a bullet", () => {
      const article = makeArticle({
        title: "How the port will cut emissions",
        paragraphs: [
          "The port authority on Monday presented a plan to halve the harbour's carbon emissions by 2035, with three measures. The city's mayor called it the most important decision for the harbour in a generation.",
          "First, ships at berth must plug into shore power. Cranes, pumps and cabin systems on a moored ship today run on diesel generators that burn fuel around the clock, and the harbour's emissions from those generators are larger than those from all its trucks together.",
          "Second, the terminal trucks switch to batteries. The authority will pay for chargers at every terminal gate.",
          "Third, a rail shuttle takes over containers bound for inland depots. The port expects it to replace about four hundred truck trips a day once the second track is finished.",
          "Shipping lines said the plan was ambitious, but that shore power for the largest container ships and the harbour's diesel generators would be costly to replace. They asked for a transition period of five years.",
          "The harbour's diesel generators, the authority said, account for most of the emissions that residents of the port district breathe. A new measuring station will publish the air quality every hour.",
        ],
      });
      const summary = summarizeOffline({ article, lang: "en" });
      expectFaithful(summary, article);
      for (const point of ["First,", "Second,", "Third,"]) {
        expect(summary.bullets.some((bullet) => bullet.startsWith(point))).toBe(true);
      }
    });
  });
});
