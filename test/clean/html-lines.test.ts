import { describe, expect, it } from "vitest";
import { dropBoilerplateLines, isBylineLine, isDateLine, isPromptLine } from "../../src/pipeline/clean/lines.js";

const body = [
  "The council voted on Tuesday to rebuild the sea wall, after two breaches last winter flooded more than forty homes.",
  "Engineers warned in 2022 that the mortar had largely washed out, leaving the structure vulnerable to storms.",
  "Work could begin in September if the design meets national flood standards, the council said in a statement.",
];

describe("line classifiers", () => {
  it.each([
    "2005-04-05 06:40更新 来源：转载文章",
    "发布时间：2022-02-13 04:22:18 来源：云南日报",
    "Updated 1:39 am EST, Wednesday, November 20, 2019",
    "Nov. 20, 2019, 9:28 AM UTC",
    "Posted on March 30, 2015 by Admin",
  ])("date line: %s", (line) => {
    expect(isDateLine(line)).toBe(true);
  });

  it("a sentence that mentions a time is not a date line", () => {
    expect(isDateLine("The meeting began at 10:30 and lasted until well after midnight, members said.")).toBe(false);
  });

  it.each([
    "By Jane Doe",
    "本报记者 王燕平 方云凤",
    "文：眉间尺",
    "（ 责任编辑：魏喆 ）",
    "(Reporting by Will Dunham; Editing by Tom Brown)",
  ])("byline: %s", (line) => {
    expect(isBylineLine(line)).toBe(true);
  });

  it("a news lead that starts with the reporter is prose, not a byline", () => {
    expect(isBylineLine("本报讯（记者 张明）13岁，正是花季的年龄，她却已经辍学两年了。")).toBe(false);
  });

  it.each([
    "Advertisement",
    "分享到：微信 微博",
    "当前位置：首页 > 新闻",
    "第1页/共1页 << 上一页 | 下一页 >>",
    "Share this article",
  ])("prompt: %s", (line) => {
    expect(isPromptLine(line)).toBe(true);
  });
});

describe("dropBoilerplateLines", () => {
  it("drops the title echoed at the top and the byline, keeps the body", () => {
    expect(
      dropBoilerplateLines(["Sea wall to be rebuilt", "By Jane Doe", ...body], { titles: ["Sea wall to be rebuilt"] }),
    ).toEqual(body);
  });

  it("cuts a trailing section after an end marker once most of the text has been seen", () => {
    expect(dropBoilerplateLines([...body, "相关阅读", "Another story that is related", "And one more"])).toEqual(body);
  });

  it("keeps dates in the middle of an article (schedules, discographies)", () => {
    const dates = ["2019年6月1日", "2019年6月9日", "2019年6月22日", "2019年7月6日"];
    const lines = [...body, ...body, ...dates, ...body, ...body];
    expect(dropBoilerplateLines(lines)).toEqual(lines);
  });
});
