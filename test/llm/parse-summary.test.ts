import { describe, expect, it } from "vitest";
import { cleanText, parseSummaryAnswer } from "../../src/llm/parse-summary.js";
import { validateSummary } from "../../src/llm/summarize.js";

const RANGE = { min: 3, max: 5, text: "3 to 5" };

describe("parseSummaryAnswer", () => {
  it("reads the JSON shape we ask for", () => {
    const parsed = parseSummaryAnswer(
      '{"headline":"H","bullets":[{"text":"One.","sources":[0]},{"text":"Two.","sources":[1,2]}],"questions":["Q?"]}',
    );
    expect(parsed).toEqual({
      headline: "H",
      bullets: [
        { text: "One.", sources: [0] },
        { text: "Two.", sources: [1, 2] },
      ],
      questions: ["Q?"],
    });
  });

  it("reads bullets given as strings with [n] references, and string indexes", () => {
    const parsed = parseSummaryAnswer(
      '{"headline":"H","bullets":["One [0].","Two【1，2】", {"text":"Three","sources":["3"]}]}',
    );
    expect(parsed?.bullets).toEqual([
      { text: "One.", sources: [0] },
      { text: "Two", sources: [1, 2] },
      { text: "Three", sources: [3] },
    ]);
    expect(parsed?.questions).toEqual([]);
  });

  it("ignores a reasoning model's <think> block", () => {
    const parsed = parseSummaryAnswer('<think>{"bullets": ["not this"]}</think>\n{"headline":"H","bullets":["Real."]}');
    expect(parsed?.bullets).toEqual([{ text: "Real.", sources: [] }]);
  });

  it("reads a Chinese plain list with a questions section", () => {
    const parsed = parseSummaryAnswer(
      "标题：中国分享防疫经验\n\n1、中国同110多个国家举行视频会议。[1]\n2、中国派出7批医疗专家组。（第2段）\n3、中国分享诊疗方案。[3]\n\n延伸问题：\n- 专家组去了哪些国家？\n- 方案如何分享？",
    );
    expect(parsed).toEqual({
      headline: "中国分享防疫经验",
      bullets: [
        { text: "中国同110多个国家举行视频会议。", sources: [1] },
        { text: "中国派出7批医疗专家组。", sources: [2] },
        { text: "中国分享诊疗方案。", sources: [3] },
      ],
      questions: ["专家组去了哪些国家？", "方案如何分享？"],
    });
  });

  it("returns undefined when there is neither JSON nor a list", () => {
    expect(parseSummaryAnswer("I'm sorry, I can't do that.")).toBeUndefined();
    expect(parseSummaryAnswer("")).toBeUndefined();
  });
});

describe("cleanText", () => {
  it("strips control characters, markdown emphasis, code marks and list markers", () => {
    expect(cleanText("- **Bold** and *soft* and `code`\u0007 here\u200b")).toBe("Bold and soft and code here");
    expect(cleanText("snake_case_name stays")).toBe("snake_case_name stays");
    expect(cleanText("  3.  Numbered   item ")).toBe("Numbered item");
  });
});

describe("validateSummary", () => {
  it("drops empty and duplicate bullets and out-of-range indexes, keeps at most five bullets and three questions", () => {
    const checked = validateSummary(
      {
        headline: "H",
        bullets: [
          { text: "A", sources: [0, 7, -1, 1.5] },
          { text: "", sources: [1] },
          { text: "a", sources: [2] },
          { text: "B", sources: [3, 3, 1] },
          { text: "C", sources: [] },
          { text: "D", sources: [4] },
          { text: "E", sources: [4] },
          { text: "F", sources: [4] },
        ],
        questions: ["1?", "2?", "2?", "3?", "4?"],
      },
      5,
      RANGE,
    );
    expect(checked).toEqual({
      headline: "H",
      bullets: [
        { text: "A", sources: [0] },
        { text: "B", sources: [1, 3] },
        { text: "C", sources: [] },
        { text: "D", sources: [4] },
        { text: "E", sources: [4] },
      ],
      questions: ["1?", "2?", "3?"],
    });
  });

  it("reports too few bullets as a problem to re-ask about", () => {
    expect(validateSummary({ headline: "H", bullets: [{ text: "A", sources: [] }], questions: [] }, 5, RANGE)).toEqual({
      problem: "it had 1 usable bullet(s) where 3 to 5 were asked for",
    });
    expect(validateSummary(undefined, 5, RANGE)).toHaveProperty("problem");
  });
});
