import { describe, expect, it } from "vitest";
import { stripDateline } from "../../src/llm/text.js";
import { splitArticle, splitSentences } from "../../src/text/sentences.js";
import { contentTerms } from "../../src/text/tokens.js";
import { clip, trimAtClause } from "../../src/text/truncate.js";

describe("splitSentences", () => {
  it("splits English at . ! ? but not at abbreviations, initials, decimals or times", () => {
    expect(
      splitSentences(
        'Mr. Smith met Dr. Jones in the U.S. capital on Jan. 5. Growth was 3.5% at 8 p.m. on Friday! Was it? "Yes." J. K. Rowling agreed. The end',
      ),
    ).toEqual([
      "Mr. Smith met Dr. Jones in the U.S. capital on Jan. 5.",
      "Growth was 3.5% at 8 p.m. on Friday!",
      "Was it?",
      '"Yes."',
      "J. K. Rowling agreed.",
      "The end",
    ]);
  });

  it("splits Chinese at 。！？； and keeps closing quotes with their sentence", () => {
    expect(
      splitSentences("国新办举行发布会。罗照辉表示,“中国全力投入。”疫情在全球扩散；中国继续防控！真的吗？完"),
    ).toEqual([
      "国新办举行发布会。",
      "罗照辉表示,“中国全力投入。”",
      "疫情在全球扩散；",
      "中国继续防控！",
      "真的吗？",
      "完",
    ]);
  });

  it("splits Chinese written with ASCII punctuation between Han characters", () => {
    expect(splitSentences("会议在北京举行.他说;工作很好!3.5%的增长")).toEqual([
      "会议在北京举行.",
      "他说;",
      "工作很好!",
      "3.5%的增长",
    ]);
  });

  it("keeps each sentence's paragraph index", () => {
    expect(splitArticle(["One here. Two here.", "Three."])).toEqual([
      { text: "One here.", paragraph: 0 },
      { text: "Two here.", paragraph: 0 },
      { text: "Three.", paragraph: 1 },
    ]);
  });
});

describe("contentTerms", () => {
  it("segments Chinese into words, joins single characters the dictionary missed, drops stop words", () => {
    const terms = contentTerms("中国全力投入疫情防控的工作");
    expect(terms).toEqual(expect.arrayContaining(["中国", "全力", "投入", "疫情", "防控"]));
    expect(terms).not.toContain("的");
  });

  it("lower-cases and lightly stems English, dropping stop words", () => {
    expect(contentTerms("The Rates and the talks")).toEqual(["rate", "talk"]);
  });
});

describe("trimAtClause", () => {
  it("leaves short text alone", () => {
    expect(trimAtClause("Short enough.", 50)).toBe("Short enough.");
  });

  it("cuts at the last clause boundary and adds an ellipsis", () => {
    expect(
      trimAtClause("This is a long sentence, with a clause here, and another clause that goes on and on.", 60),
    ).toBe("This is a long sentence, with a clause here…");
    expect(
      trimAtClause("截至目前,中国已经同世界卫生组织、东盟、非盟、欧盟、加勒比共同体、上合组织以及南太岛国举行会议", 30),
    ).toBe("截至目前,中国已经同世界卫生组织、东盟、非盟、欧盟…");
  });

  it("falls back to a word boundary when there is no clause break", () => {
    const trimmed = trimAtClause("words without any commas at all that keep going well past the limit we set", 40);
    expect(trimmed).toBe("words without any commas at all that…");
  });
});

describe("clip", () => {
  it("keeps text within the limit and cuts longer text to the limit with an ellipsis, by code point", () => {
    expect(clip("short", 5)).toBe("short");
    expect(clip("a longer line ", 10)).toBe("a longer…");
    expect(clip("😀😀😀😀", 3)).toBe("😀😀…");
    expect([...clip("中国人民银行今日宣布", 6)]).toHaveLength(6);
  });
});

describe("stripDateline", () => {
  it("drops agency datelines in English and Chinese, keeping the sentence", () => {
    expect(stripDateline("LONDON (Reuters) - Britain's economy grew faster than expected in the third quarter.")).toBe(
      "Britain's economy grew faster than expected in the third quarter.",
    );
    expect(stripDateline("(Reuters) — The attorney general is investigating the company, people said.")).toBe(
      "The attorney general is investigating the company, people said.",
    );
    expect(stripDateline("WASHINGTON — The Senate passed the bill late on Tuesday after a long debate.")).toBe(
      "The Senate passed the bill late on Tuesday after a long debate.",
    );
    expect(
      stripDateline("新华社北京3月26日电 记者从有关部门获悉，今年春耕备耕工作总体进展顺利，各地农资供应充足。"),
    ).toBe("记者从有关部门获悉，今年春耕备耕工作总体进展顺利，各地农资供应充足。");
    expect(stripDateline("光明网讯(记者 陶媛)3月26日,国新办就中国关于抗击疫情的国际合作情况举行发布会。")).toBe(
      "3月26日,国新办就中国关于抗击疫情的国际合作情况举行发布会。",
    );
  });

  it("leaves ordinary sentences alone", () => {
    for (const sentence of [
      "The UN — and its agencies — met on Monday.",
      "US officials said the talks went well.",
      "中国全力投入疫情防控。",
    ]) {
      expect(stripDateline(sentence)).toBe(sentence);
    }
  });
});
