import { describe, expect, it } from "vitest";
import { DAY_MS, monthAndDay, parseDate, toIsoDate, toUtcIso, ZONE_OFFSETS } from "../../src/text/dates.js";
import { detectLang, hanShare, langOfText, readsAs } from "../../src/text/lang.js";
import { sentencePieces, splitSentences } from "../../src/text/sentences.js";
import { contentTerms, STOP_WORDS, searchTerms, stem, tokenize } from "../../src/text/tokens.js";
import { clip, TELEGRAM_MAX_CHARS } from "../../src/text/truncate.js";

describe("the text toolkit", () => {
  it("gives sentence pieces that join back into the paragraph, and trims them as sentences", () => {
    const paragraph = "Mr. Lee spoke first. Then the mayor answered!  会议在北京举行。他说很好";
    const pieces = sentencePieces(paragraph);
    expect(pieces.join("")).toBe(paragraph);
    expect(splitSentences(paragraph)).toEqual([
      "Mr. Lee spoke first.",
      "Then the mayor answered!",
      "会议在北京举行。",
      "他说很好",
    ]);
  });

  it("stems English the same way for the summarizer and the answerer", () => {
    expect(["vaccines", "vaccine"].map(stem)).toEqual(["vaccin", "vaccin"]);
    expect(stem("received")).toBe(stem("receive"));
    expect(stem("rates")).toBe(stem("rate"));
    expect(contentTerms("The rates rose")).toEqual(["rate", "rose"]);
    expect(searchTerms("The rates rose")).toEqual(["w:rate", "w:rose"]);
  });

  it("drops one list of stop words per language, and stop words break Han bigrams", () => {
    expect(STOP_WORDS.en.has("the")).toBe(true);
    expect(STOP_WORDS.zh.has("什么")).toBe(true);
    // 上 stays a word: the segmenter emits it alone inside 上传到.
    expect(STOP_WORDS.zh.has("上")).toBe(false);
    expect(tokenize("the")).toEqual([undefined]);
    expect(searchTerms("疫苗是什么")).toEqual(["w:疫苗", "b:疫苗"]);
  });

  it("tells an article's, a message's and a reply's language with one set of thresholds", () => {
    expect(hanShare("abc")).toBe(0);
    expect(detectLang("国新办举行发布会，介绍 WHO 合作情况")).toBe("zh");
    expect(detectLang("The council met on Tuesday")).toBe("en");
    expect(detectLang("Der Rat tagte am Dienstag", "de-DE")).toBe("de");
    expect(langOfText("who paid?")).toBe("en");
    expect(langOfText("ok")).toBeUndefined();
    expect(langOfText("这是谁说的？")).toBe("zh");
    expect(langOfText("https://example.com/a")).toBeUndefined();
    expect(readsAs("这篇文章讲的是 Apple 和 Google 的新产品发布会。", "zh")).toBe(true);
    expect(readsAs("This article is about the new phones from Apple.", "zh")).toBe(false);
    expect(readsAs("Apple", "zh")).toBe(true);
  });

  it("clips at a code point with an ellipsis, never past the limit, even at zero", () => {
    expect(clip("😀😀😀😀", 3)).toBe("😀😀…");
    expect(clip("abc", 0)).toBe("…");
    expect(TELEGRAM_MAX_CHARS).toBe(4096);
  });

  it("reads dates with one time-zone table: in a line, in metadata (BST too, which Date.parse alone misses) and in feeds", () => {
    expect(ZONE_OFFSETS.BST).toBe("+01:00");
    expect(parseDate("Published 12 March 2026 09:30 BST", false)).toBe("2026-03-12T09:30:00+01:00");
    expect(parseDate("2020年3月26日 11:05", true)).toBe("2020-03-26T11:05:00+08:00");
    expect(toIsoDate("Thu, 12 Mar 2026 09:30:00 BST")).toBe("2026-03-12T08:30:00.000Z");
    expect(toIsoDate("Thu, 12 Mar 2026 09:30:00 EST")).toBe("2026-03-12T14:30:00.000Z");
    expect(toUtcIso("Sun, 01 Mar 2026 10:00:00 GMT")).toBe("2026-03-01T10:00:00.000Z");
    expect(toUtcIso("2026-03-01T10:00:00+08:00")).toBe("2026-03-01T02:00:00.000Z");
    expect(toUtcIso("not a date")).toBeUndefined();
    expect(DAY_MS).toBe(86_400_000);
  });

  it("reads the month and day of a date with or without its year, so one date shown twice is recognised", () => {
    expect(monthAndDay("13 Aug")).toBe("8-13");
    expect(monthAndDay("August 13, 2018")).toBe("8-13");
    expect(monthAndDay("2018-08-13 10:21")).toBe("8-13");
    expect(monthAndDay("Aug. 14")).toBe("8-14");
    expect(monthAndDay("Posted by Vortex")).toBeUndefined();
  });
});
