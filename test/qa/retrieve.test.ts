import { readFileSync } from "node:fs";
import { countTokens } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { leadIndex, rankParagraphs, selectPassages } from "../../src/qa/retrieve.js";
import { searchTerms as terms } from "../../src/text/tokens.js";

// The cleaned body of the pasted-page fixture (光明网, 2020-03-26).
const gmw = JSON.parse(readFileSync(new URL("./gmw-article.json", import.meta.url), "utf8")) as {
  title: string;
  paragraphs: string[];
};
const zhArticle = { title: gmw.title, paragraphs: gmw.paragraphs };

const enArticle = {
  title: "City council approves new bike lanes",
  paragraphs: [
    "City council approves new bike lanes",
    "By Jane Doe",
    "The city council voted 7 to 2 on Tuesday to build 40 kilometres of protected bike lanes across the centre over the next three years.",
    "The plan will cost 12 million dollars, paid for by a regional transport grant and parking fees.",
    "Shop owners on Main Street worried that removing parking spaces would hurt their business during construction.",
    "Cycling groups welcomed the vote and said the lanes would make commuting safer for children and older riders.",
    "Construction of the first section is expected to begin in the spring, starting near the railway station.",
  ],
};

function topIndex(article: { paragraphs: readonly string[] }, question: string): number | undefined {
  return rankParagraphs({ article, question })[0]?.index;
}

describe("terms", () => {
  it("gives Chinese words and Han bigrams without question words", () => {
    const found = terms("罗照辉是谁？");
    expect(found).toContain("b:罗照");
    expect(found).toContain("b:照辉");
    expect(found.some((term) => term.includes("谁"))).toBe(false);
  });

  it("gives a name the same terms whatever the word order (谁是罗照辉 = 罗照辉是谁)", () => {
    // The segmenter makes 谁是 one word; made of question words only, it must not add terms of its own.
    expect(terms("谁是罗照辉？")).toEqual(terms("罗照辉是谁？"));
    expect(topIndex(zhArticle, "谁是罗照辉？")).toBe(topIndex(zhArticle, "罗照辉是谁？"));
  });

  it("lowercases, stems and drops English stop words", () => {
    expect(terms("What did the Shop owners say about Parking?")).toEqual(["w:shop", "w:owner", "w:park"]);
    expect(terms("received")).toEqual(terms("receive"));
  });
});

describe("rankParagraphs", () => {
  it("ranks the Chinese paragraph that answers first", () => {
    expect(topIndex(zhArticle, "中国向哪些国家派出了医疗专家组？")).toBe(2);
    expect(topIndex(zhArticle, "诊疗方案上传到了哪个网站？")).toBe(3);
    expect(topIndex(zhArticle, "专家视频会议开了多少场？")).toBe(1);
  });

  it("ranks the English paragraph that answers first, across word forms", () => {
    expect(topIndex(enArticle, "How much will the plan cost?")).toBe(3);
    expect(topIndex(enArticle, "What do shop owners think?")).toBe(4);
    expect(topIndex(enArticle, "When does construction start?")).toBe(6);
    expect(topIndex(enArticle, "What did cyclists and cycling groups say?")).toBe(5);
  });

  it("scores nothing for a question the article does not touch", () => {
    const ranking = rankParagraphs({ article: zhArticle, question: "股票市场今天怎么样？" });
    expect(ranking.every((entry) => entry.score === 0 && entry.coverage === 0)).toBe(true);
  });

  it("does not let the previous topic outrank the paragraph that answers a new question", () => {
    const history = [{ question: "What do cycling groups think?", answer: enArticle.paragraphs[5] ?? "", quotes: [5] }];
    const ranking = rankParagraphs({ article: enArticle, question: "How much will the plan cost?", history });
    expect(ranking[0]?.index).toBe(3);
  });

  it("lets the previous turn steer a short follow-up", () => {
    const history = [
      { question: "Who worried about parking?", answer: "Shop owners on Main Street [4].", quotes: [4] },
    ];
    const ranking = rankParagraphs({ article: enArticle, question: "And why?", history });
    expect(ranking[0]?.index).toBe(4);
  });
});

describe("selectPassages", () => {
  const long = {
    title: "A long report",
    paragraphs: [
      "A long report",
      "The lead paragraph says the committee met on Monday to review the annual budget and hiring plans.",
      ...Array.from(
        { length: 40 },
        (_, i) => `Filler paragraph ${i} talks about weather, traffic and the general mood in town at some length.`,
      ),
      "The hospital will open a new cancer ward in March with forty beds and twelve specialist nurses.",
      ...Array.from({ length: 20 }, (_, i) => `More filler ${i} about sports results and the weekend market stalls.`),
    ],
  };
  const wardIndex = 42;

  it("always includes the title and the lead, and skips a heading that repeats the title", () => {
    expect(leadIndex(long)).toBe(1);
    const selection = selectPassages({
      article: long,
      question: "How many beds will the cancer ward have?",
      maxTokens: 200,
    });
    expect(selection.title).toBe("A long report");
    expect(selection.passages.map((passage) => passage.index)).toEqual([1, wardIndex]);
    expect(selection.passages.map((passage) => passage.reason)).toEqual(["lead", "relevant"]);
  });

  it("keeps the lead even when nothing matches", () => {
    const selection = selectPassages({ article: zhArticle, question: "股票市场今天怎么样？", maxTokens: 300 });
    expect(selection.passages[0]).toMatchObject({ index: 0, reason: "lead" });
  });

  it("respects the token budget and returns passages in article order", () => {
    for (const maxTokens of [120, 300, 600, 900]) {
      const selection = selectPassages({ article: long, question: "filler weather traffic market sports", maxTokens });
      const counted =
        countTokens(long.title) + selection.passages.reduce((sum, passage) => sum + countTokens(passage.text), 0);
      expect(counted).toBeLessThanOrEqual(maxTokens);
      expect(selection.tokens).toBeLessThanOrEqual(maxTokens);
      const indexes = selection.passages.map((passage) => passage.index);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      expect(selection.whole).toBe(false);
    }
  });

  it("sends the whole article when it fits", () => {
    const selection = selectPassages({ article: enArticle, question: "How much will it cost?", maxTokens: 6000 });
    expect(selection.whole).toBe(true);
    expect(selection.passages.map((passage) => passage.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("picks the relevant Chinese paragraphs under a tight budget", () => {
    const selection = selectPassages({ article: zhArticle, question: "诊疗方案上传到了哪个网站？", maxTokens: 450 });
    const indexes = selection.passages.map((passage) => passage.index);
    expect(indexes).toContain(0);
    expect(indexes).toContain(3);
    expect(indexes).not.toContain(2);
  });

  it("cuts a relevant paragraph too big for the budget to the sentences around its match", () => {
    const filler = Array.from({ length: 120 }, (_, i) => `Sentence ${i} is about nothing in particular at all.`);
    filler.splice(80, 0, "The harbour bridge will cost 48 million euros.");
    const giant = {
      title: "T",
      paragraphs: ["A short lead paragraph that sets the scene for the report here.", filler.join(" ")],
    };
    const selection = selectPassages({
      article: giant,
      question: "How much will the harbour bridge cost?",
      maxTokens: 300,
    });
    const window = selection.passages.find((passage) => passage.index === 1);
    expect(window?.text).toContain("The harbour bridge will cost 48 million euros.");
    expect(window?.text.startsWith("…")).toBe(true);
    expect(window?.text.endsWith("…")).toBe(true);
    expect(selection.tokens).toBeLessThanOrEqual(300);
    expect(
      countTokens(giant.title) + selection.passages.reduce((sum, p) => sum + countTokens(p.text), 0),
    ).toBeLessThanOrEqual(300);
  });

  it("cuts a lead larger than the whole budget instead of dropping it", () => {
    const huge = { title: "T", paragraphs: [`${"word ".repeat(3000)}end`, "short tail paragraph about cats"] };
    const selection = selectPassages({ article: huge, question: "cats", maxTokens: 200 });
    expect(selection.passages[0]?.index).toBe(0);
    expect(selection.passages[0]?.text.endsWith("…")).toBe(true);
    expect(countTokens(selection.passages[0]?.text ?? "")).toBeLessThan(200);
  });
});
