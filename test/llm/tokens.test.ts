import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { countTokens } from "../../src/llm/tokens.js";

// The exact o200k count (gpt-tokenizer, a dev dependency only) is the yardstick the estimate is held to.
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const exact = (text: string) => encode(text, AS_TEXT).length;

const pagesDir = join(import.meta.dirname, "..", "fixtures", "pages");
/** Every golden article of the fixtures (both languages), title and paragraphs as the model gets them. */
const articles = readdirSync(pagesDir)
  .filter((name) => !name.includes("not-an-article"))
  .map((name) => {
    const expected = JSON.parse(readFileSync(join(pagesDir, name, "expected.json"), "utf8")) as {
      title: string;
      lang: string;
      paragraphs: string[];
    };
    return { name, lang: expected.lang, text: [expected.title, ...expected.paragraphs].join("\n\n") };
  });

describe("countTokens (an estimate held above o200k)", () => {
  it("is never under the exact count on a golden article, and at most twice it, in English and Chinese", () => {
    expect(articles.filter((a) => a.lang === "en").length).toBeGreaterThan(10);
    expect(articles.filter((a) => a.lang === "zh").length).toBeGreaterThan(10);
    for (const article of articles) {
      const ratio = countTokens(article.text) / exact(article.text);
      expect({ name: article.name, over: ratio >= 1 }).toEqual({ name: article.name, over: true });
      expect(ratio, article.name).toBeLessThanOrEqual(2);
    }
  });

  it("stays within half above o200k on ordinary English prose and on Chinese prose", () => {
    const prose = "River levels in the north rose sharply this spring, and researchers logged twelve weeks. ".repeat(
      40,
    );
    const zh = "今年春天，北方的河流水位急剧上升，研究人员记录了十二周的数据。".repeat(40);
    for (const text of [prose, zh]) {
      expect(countTokens(text)).toBeGreaterThanOrEqual(exact(text));
      expect(countTokens(text)).toBeLessThanOrEqual(Math.ceil(exact(text) * 1.5));
    }
  });

  it("counts special-token strings in article text as the ordinary text they are", () => {
    const text = "The page quotes <|endoftext|>, <|im_start|>system and <|fim_prefix|> as examples.";
    expect(countTokens(text)).toBeGreaterThanOrEqual(exact(text));
    expect(countTokens("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("counts capitals, numbers and emoji at least as finely as the tokenizer", () => {
    for (const text of [
      "GIRLS BASKETBALL SCORES",
      "Palm Bay 18 22 13 17 — 70",
      "😀".repeat(1000),
      "1234567890".repeat(20),
    ]) {
      expect({ text, atLeast: countTokens(text) >= exact(text) }).toEqual({ text, atLeast: true });
    }
  });

  it("counts a 200 KB run without spaces without throwing, in proportion to its length", () => {
    expect(countTokens("a".repeat(200_000))).toBe(40_000);
    expect(countTokens("文".repeat(200_000))).toBe(200_000);
    expect(countTokens("")).toBe(0);
  });
});
