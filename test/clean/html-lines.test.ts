import { describe, expect, it } from "vitest";
import {
  dropBoilerplateLines,
  isBylineLine,
  isDateLine,
  isPromptLine,
  reflowFixedWidth,
} from "../../src/pipeline/clean/lines.js";

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

  it("a long credit sentence at the foot of a story is a credit line", () => {
    expect(
      isBylineLine(
        "Associated Press writers Alan Fram, Zeke Miller, Laurie Kellman, Colleen Long, Eric Tucker and Jill Colvin contributed to this report.",
      ),
    ).toBe(true);
  });

  it.each([
    "© Lucy Nicholson Detainees at a detention center in San Diego.",
    "1 of 6",
    "Follow me on Twitter or LinkedIn.",
  ])("caption, gallery counter or promo: %s", (line) => {
    expect(isPromptLine(line)).toBe(true);
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

describe("Chinese header lines", () => {
  it("drops the author and subtitle lines above the first paragraph, keeps a numbered section heading", () => {
    const prose =
      "我们知道，还在奥尔森的理论提出之前，不少西方学者已经对相关的问题进行过不同的研究，提出过不同的理论解释了。";
    expect(dropBoilerplateLines(["胡平", "——论争取自由的方式", "四、规范理论与结构理论", prose, prose, prose])).toEqual(
      ["四、规范理论与结构理论", prose, prose, prose],
    );
  });
});

describe("reflowFixedWidth", () => {
  // 30 Han characters per line (60 columns), as 2005-era pages wrapped their text with <br>.
  const text =
    "一九八九年四月，我在湖南张家界开一个全省教学研究会议。按照惯例，会议安排了一天时间，让与会者去风景点游玩观赏。那一天正好是四月十五日，后来我们才知道，这是在中国历史上刻下深深痕迹的一天。张家界的春天，美得让人眩目。长期过著从家门到校门的机械生活，一下子置身于翠绿欲滴的森林，看不完的奇山异峰，山涧涓流，名花异草。";
  const long = text + text;
  const wrapped = [...long.matchAll(/.{1,30}/gu)].map((m) => m[0]);

  it("rejoins lines wrapped at a fixed width into one paragraph without spaces", () => {
    expect(wrapped.length).toBeGreaterThanOrEqual(6);
    expect(reflowFixedWidth([...wrapped, "下一段很短。"])).toEqual([long, "下一段很短。"]);
  });

  it("leaves ordinary paragraphs of varied length alone", () => {
    const paragraphs = [
      "The council voted on Tuesday to rebuild the sea wall.",
      "Engineers warned in 2022 that the mortar had largely washed out, leaving the structure vulnerable to storms.",
      "Work could begin in September.",
    ];
    expect(reflowFixedWidth(paragraphs)).toEqual(paragraphs);
  });
});
