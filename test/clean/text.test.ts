import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NotAnArticleError } from "../../src/errors.js";
import { cleanPastedText } from "../../src/pipeline/clean/text.js";

const fixtures = new URL("../fixtures/pages/", import.meta.url);
const readFixture = (name: string, file: string) => readFileSync(new URL(`${name}/${file}`, fixtures), "utf8");

// The shared pasted page (copied from ../shared/fixtures/pasted-pages/gmw-2020-03-26.txt); expected.json's
// paragraphs are the gold file's `body`, verbatim.
const GMW = "pasted-gmw-2020-03-26";
const gmwSource = readFixture(GMW, "source.txt");
const gmwGold = JSON.parse(readFixture(GMW, "expected.json")) as {
  title: string;
  siteName: string;
  published: string;
  paragraphs: string[];
};

/** The recommended stories at the foot of the shared page: every line after 推荐阅读 that is not a timestamp. */
const gmwRecommendedBlurbs = gmwSource
  .slice(gmwSource.indexOf("推荐阅读"))
  .split("\n")
  .slice(1)
  .map((line) => line.trim())
  .filter((line) => line.length > 0 && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(line) && line !== "加载更多");

function expectNotAnArticle(text: string): void {
  expect(() => cleanPastedText({ text })).toThrow(NotAnArticleError);
}

describe("cleanPastedText on the shared pasted page (gmw-2020-03-26)", () => {
  const article = cleanPastedText({ text: gmwSource });

  it("returns the five body paragraphs exactly as the gold file has them", () => {
    expect(gmwGold.paragraphs).toHaveLength(5);
    expect(article.paragraphs).toEqual(gmwGold.paragraphs);
  });

  it("recovers the title, the site from 来源: and the date as Beijing time", () => {
    expect(article.title).toBe("中国已同100多个国家和国际组织举行视频会议 提供防疫“中国方案”");
    expect(article.siteName).toBe("光明网");
    expect(article.published).toBe("2020-03-26T11:05:00+08:00");
    expect(article.lang).toBe("zh");
  });

  it("keeps none of the page's boilerplate, caption or recommended stories", () => {
    const text = article.text;
    for (const furniture of [
      "责编",
      "相关阅读",
      "心情",
      "推荐阅读",
      "光明云投",
      "加载更多",
      "朋友圈",
      "正在阅读",
      "调查问题",
    ]) {
      expect(text).not.toContain(furniture);
    }
    expect(article.paragraphs).not.toContain("外交部副部长罗照辉");
    expect(gmwRecommendedBlurbs.length).toBeGreaterThan(15);
    for (const blurb of gmwRecommendedBlurbs) expect(text).not.toContain(blurb);
  });

  it("still leaves the recommended blurbs out when the page's end markers are missing (timestamps give the list away)", () => {
    const withoutMarkers = gmwSource
      .split("\n")
      .filter((line) => !/责编|阅读剩余全文|相关阅读|您此时的心情|视觉焦点|独家策划|推荐阅读|新闻表情排行/.test(line))
      .join("\n");
    const cleaned = cleanPastedText({ text: withoutMarkers });
    expect(cleaned.paragraphs).toEqual(gmwGold.paragraphs);
  });

  it("finds the same article when pasted with Windows line endings and no blank lines", () => {
    const dense = gmwSource.replace(/\n\s*\n/g, "\n").replace(/\n/g, "\r\n");
    expect(cleanPastedText({ text: dense }).paragraphs).toEqual(gmwGold.paragraphs);
  });
});

describe("cleanPastedText on English pages", () => {
  const page = [
    "Skip to content",
    "We use cookies to improve your experience. By continuing to use this site you agree to our cookie policy.",
    "Accept all cookies",
    "Home News Business Climate Sport Culture",
    "World",
    "Ministers agree new rules for river pollution after summer of warnings",
    "By Jane Doe | March 26, 2020",
    "Share this article",
    "Facebook",
    "Twitter",
    "Ministers have agreed tougher rules on sewage discharges into rivers after a summer in which bathing warnings were issued at more than forty sites across the country.",
    "Water companies will have to publish discharge data within an hour and face fines linked to their turnover for repeated spills, the environment department said on Thursday.",
    "Advertisement",
    "Campaigners welcomed the change but said the rules would mean little unless the regulator was given the staff to enforce them.",
    "Sign up for our Morning Briefing",
    "The day's top stories, every weekday at 7am.",
    "Email address",
    "Sign up",
    "The department said the first fines could be issued next spring, once the new monitoring equipment is in place at the largest treatment works.",
    "Most read",
    "1. Storm brings flooding to coastal towns",
    "2. Rail fares to rise in January",
    "Read more",
  ].join("\n");
  const article = cleanPastedText({ text: page });

  it("keeps the body across an advert and a newsletter box, and drops the rest", () => {
    expect(article.paragraphs).toEqual([
      "Ministers have agreed tougher rules on sewage discharges into rivers after a summer in which bathing warnings were issued at more than forty sites across the country.",
      "Water companies will have to publish discharge data within an hour and face fines linked to their turnover for repeated spills, the environment department said on Thursday.",
      "Campaigners welcomed the change but said the rules would mean little unless the regulator was given the staff to enforce them.",
      "The department said the first fines could be issued next spring, once the new monitoring equipment is in place at the largest treatment works.",
    ]);
  });

  it("reads the title above the byline, the byline and the date", () => {
    expect(article.title).toBe("Ministers agree new rules for river pollution after summer of warnings");
    expect(article.byline).toBe("Jane Doe");
    expect(article.published).toBe("2020-03-26");
    expect(article.lang).toBe("en");
  });

  it("reads 'Published 26 March 2020' and a GMT time as UTC", () => {
    const text = [
      "Talks resume on shared fishing quotas",
      "Published 26 March 2020, 10:05 GMT",
      "Negotiators from both countries returned to the table on Thursday, hoping to settle quotas for the coming season before boats leave port in April.",
      "Officials said a deal was close but that the size of the mackerel quota remained the main point of disagreement.",
    ].join("\n");
    const cleaned = cleanPastedText({ text });
    expect(cleaned.title).toBe("Talks resume on shared fishing quotas");
    expect(cleaned.published).toBe("2020-03-26T10:05:00Z");
  });

  it("leaves out a related list whose long blurbs are dated '2 hours ago', even without a list heading", () => {
    const text = [
      "Town hall to get solar roof",
      "By Sam Lee",
      "The town hall will be fitted with solar panels this summer, cutting its electricity bill by about a third, the council said.",
      "The work is expected to take six weeks and the building will stay open throughout, with the car park partly closed.",
      "Councillors approved the plan unanimously after a consultation in which most residents who responded supported it.",
      "Library opening hours to change from next month as the council reviews its budget for the coming financial year and beyond.",
      "2 hours ago",
      "New cycle lanes planned for the high street after a year of campaigning by parents at the two primary schools nearby.",
      "5 hours ago",
      "Bus route 12 to be withdrawn in the autumn, the operator has confirmed, citing falling passenger numbers since the pandemic.",
      "1 day ago",
    ].join("\n");
    const cleaned = cleanPastedText({ text });
    expect(cleaned.paragraphs).toHaveLength(3);
    expect(cleaned.text).not.toMatch(/Library opening hours|cycle lanes|Bus route 12/);
    expect(cleaned.byline).toBe("Sam Lee");
  });
});

describe("cleanPastedText titles and metadata", () => {
  const lead =
    "　　本报讯 记者从市教育局获悉,今年全市将新建和改扩建中小学、幼儿园30所,新增学位2.5万个,进一步缓解部分区域入学压力。";
  const second = "　　据介绍,新建学校将优先布局在人口增长较快的新城区,并同步建设运动场地和食堂等配套设施。";

  it("takes the title from 正在阅读: and strips a site suffix", () => {
    const text = ["正在阅读:全市今年新增学位2.5万个 - 东海新闻网", "首页 > 教育 > 正文", lead, second].join("\n");
    expect(cleanPastedText({ text }).title).toBe("全市今年新增学位2.5万个");
  });

  it("takes the title from a Markdown heading and drops the heading marks", () => {
    const text = ["# 全市今年新增学位2.5万个", "", lead, "", second].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe("全市今年新增学位2.5万个");
    expect(article.paragraphs[0]).toMatch(/^本报讯/);
  });

  it("reads 2020年3月26日 11:05 as Beijing time and the 作者 on the same line", () => {
    const text = ["全市今年新增学位2.5万个", "2020年3月26日 11:05 来源:东海日报 作者:王小明", lead, second].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe("全市今年新增学位2.5万个");
    expect(article.published).toBe("2020-03-26T11:05:00+08:00");
    expect(article.siteName).toBe("东海日报");
    expect(article.byline).toBe("王小明");
  });

  it.each([
    ["Published 2020-03-26T11:05:00Z", "2020-03-26T11:05:00Z"],
    ["Posted 2020-03-26 11:05 UTC+8", "2020-03-26T11:05:00+08:00"],
    ["March 26, 2020 11:05 GMT+0530", "2020-03-26T11:05:00+05:30"],
    ["2020-03-26 11:05 +0100", "2020-03-26T11:05:00+01:00"],
    ["Mar 26, 2020 9:15 pm", "2020-03-26T21:15:00"],
    ["26 March 2020 11:05", "2020-03-26T11:05:00"],
  ])("reads the date line %j as %s", (dateLine, iso) => {
    const body =
      "The council approved plans for three new protected cycle lanes on Tuesday, after a year of consultation.\nWork on the first lane, along the river, will begin in March and take four months.";
    expect(cleanPastedText({ text: `Cycle lanes approved\n${dateLine}\n${body}` }).published).toBe(iso);
  });

  it("takes a date-only header as a plain ISO date", () => {
    const text = ["全市今年新增学位2.5万个", "2020-03-26", lead, second].join("\n");
    expect(cleanPastedText({ text }).published).toBe("2020-03-26");
  });

  it("has no title (not the lead's first sentence) when the page shows no headline", () => {
    const article = cleanPastedText({ text: [lead, second].join("\n") });
    expect(article.title).toBe("");
    expect(article.published).toBeUndefined();
    expect(article.siteName).toBeUndefined();
  });

  it("keeps a subheading between body paragraphs", () => {
    const text = [lead, "配套设施同步建设", second].join("\n");
    expect(cleanPastedText({ text }).paragraphs).toHaveLength(3);
  });
});

describe("cleanPastedText honest failure", () => {
  it("refuses empty text and a few words", () => {
    expectNotAnArticle("");
    expectNotAnArticle("   \n\n  ");
    expectNotAnArticle("hello there");
    expectNotAnArticle("今天天气很好。");
  });

  it("refuses a list of headlines with times", () => {
    expectNotAnArticle(readFixture("pasted-not-an-article-headline-list", "source.txt"));
  });

  it("refuses a login page", () => {
    expectNotAnArticle(readFixture("pasted-not-an-article-login", "source.txt"));
  });

  it("refuses a cookie banner and menu with nothing else", () => {
    expectNotAnArticle(
      [
        "We use cookies to personalise content and ads. By continuing to use this site you agree to our use of cookies.",
        "Accept all",
        "Reject all",
        "Home | News | Sport | Weather",
      ].join("\n"),
    );
  });

  it("refuses a single sentence too short to summarize", () => {
    expectNotAnArticle("The library reopens on Monday.");
  });

  it("refuses a paywall teaser, in English and in Chinese", () => {
    expectNotAnArticle(readFixture("pasted-not-an-article-paywall-teaser", "source.txt"));
    expectNotAnArticle(
      [
        "央行释放流动性信号 债市迎来新一轮上涨",
        "2023-11-14 09:30 来源:东海财经",
        "　　多家机构认为,随着央行近期通过多种工具释放流动性,市场利率有望进一步下行,债券市场或将迎来新一轮上涨行情。",
        "开通会员后阅读全文",
      ].join("\n"),
    );
  });

  it("keeps a full article that merely ends with a subscription prompt", () => {
    const paragraph =
      "Bond investors are preparing for a long period of high interest rates after central banks in Europe and the US signalled that they were in no hurry to cut, despite signs that inflation is easing.";
    const text = [
      "Bond investors brace for a long winter",
      ...Array(6).fill(paragraph),
      "Subscribe to continue reading",
    ];
    expect(cleanPastedText({ text: text.join("\n") }).paragraphs).toHaveLength(6);
  });

  it("says what it found in the error", () => {
    try {
      cleanPastedText({ text: "Home\nNews\nSport" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NotAnArticleError);
      expect((error as NotAnArticleError).code).toBe("NOT_AN_ARTICLE");
      expect((error as Error).message).toMatch(/no article/);
    }
  });

  it("accepts a couple of sentences as a small article", () => {
    const article = cleanPastedText({ text: readFixture("pasted-en-short-snippet", "source.txt") });
    expect(article.paragraphs).toHaveLength(1);
    expect(article.title).toBe("");
    const zh = cleanPastedText({ text: readFixture("pasted-zh-short-snippet", "source.txt") });
    expect(zh.lang).toBe("zh");
    expect(zh.paragraphs[0]).toMatch(/^记者从市交通运输局获悉/);
  });
});

describe("cleanPastedText on plain-text files and awkward layouts", () => {
  it("rejoins hard-wrapped English paragraphs and keeps list items apart", () => {
    const text = [
      "Notes from the county planning meeting",
      "",
      "The planning committee met on Tuesday evening to consider the application",
      "for forty new homes on the former dairy site at the edge of the village. The",
      "developer has reduced the number of homes from sixty after objections at the",
      "first hearing last year.",
      "",
      "Residents raised concerns about traffic on the lane, which has no pavement",
      "for most of its length, and about the capacity of the primary school.",
      "",
      "- Decision deferred to March",
      "- Site visit to be arranged",
      "",
      "The committee will meet again on 14 March, when a decision is expected.",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe("Notes from the county planning meeting");
    expect(article.paragraphs).toEqual([
      "The planning committee met on Tuesday evening to consider the application for forty new homes on the former dairy site at the edge of the village. The developer has reduced the number of homes from sixty after objections at the first hearing last year.",
      "Residents raised concerns about traffic on the lane, which has no pavement for most of its length, and about the capacity of the primary school.",
      "Decision deferred to March",
      "Site visit to be arranged",
      "The committee will meet again on 14 March, when a decision is expected.",
    ]);
  });

  it("rejoins hard-wrapped Chinese without inserting spaces", () => {
    const text = [
      "今年以来,我市持续推进老旧小区改造工作,累计完成改造项目",
      "一百二十余个,惠及居民四万多户。改造内容包括加装电梯、",
      "雨污分流、外墙保温和停车设施建设等多个方面。",
      "",
      "市住建局有关负责人表示,下一步将重点解决居民反映集中的",
      "停车难和适老化设施不足等问题,让改造成果更加惠及民生。",
    ].join("\n");
    expect(cleanPastedText({ text }).paragraphs).toEqual([
      "今年以来,我市持续推进老旧小区改造工作,累计完成改造项目一百二十余个,惠及居民四万多户。改造内容包括加装电梯、雨污分流、外墙保温和停车设施建设等多个方面。",
      "市住建局有关负责人表示,下一步将重点解决居民反映集中的停车难和适老化设施不足等问题,让改造成果更加惠及民生。",
    ]);
  });

  it("rejoins fixed-width Chinese text that has a blank line after every wrapped line", () => {
    const paragraph1 =
      "文化革命是一场有着极为广泛的群众参与的政治运动。因此,如何理解这种广泛的群众参与,就成为理解文革的一个重要内容。本文试图从政治心理学的角度,对文革中的群众参与给出解释。在我看来,群众参加文化革命的基本动机是为了争取承认,为了争取声望,为了证明自己革命。";
    const paragraph2 =
      "这当然不是说,在文革中,群众的思想和行为都是一模一样的。这只是说,各种不同的思想行为大致都可归之于一个相同的心理动机。由于人们的处境不同,性格不同,对革命的理解不同以及诸如此类,因此他们的思想行为会表现出颇为不同的形式。";
    // Wrap at 24 characters, as old text files and pages do.
    const wrap = (p: string) => p.match(/.{1,24}/gu)!;
    const text = [
      "比赛革命的革命",
      "",
      ...[...wrap(paragraph1), "　", ...wrap(paragraph2)].flatMap((line) => [line, ""]),
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toEqual([paragraph1, paragraph2]);
  });

  it("keeps a headline shown twice as one headline on a fixed-width page", () => {
    const headline = "全市老旧小区改造工程今年累计完成一百二十余个项目";
    const paragraph1 =
      "文化革命是一场有着极为广泛的群众参与的政治运动。因此,如何理解这种广泛的群众参与,就成为理解文革的一个重要内容。本文试图从政治心理学的角度,对文革中的群众参与给出解释。在我看来,群众参加文化革命的基本动机是为了争取承认,为了争取声望,为了证明自己革命。";
    const paragraph2 =
      "这当然不是说,在文革中,群众的思想和行为都是一模一样的。这只是说,各种不同的思想行为大致都可归之于一个相同的心理动机。由于人们的处境不同,性格不同,对革命的理解不同以及诸如此类,因此他们的思想行为会表现出颇为不同的形式。";
    const wrap = (p: string) => p.match(/.{1,24}/gu)!;
    // The headline is as wide as the wrapped lines and the page shows it twice (the heading and a share card).
    const text = [
      headline,
      headline,
      "2019年11月20日 08:00 来源：人民网",
      "",
      ...[...wrap(paragraph1), "　", ...wrap(paragraph2)].flatMap((line) => [line, ""]),
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe(headline);
    expect(article.paragraphs).toEqual([paragraph1, paragraph2]);
  });

  it("finds the article below a sidebar of hot stories and above long reader comments", () => {
    const text = [
      "首页 时政 国际 财经 科技 教育",
      "热点新闻",
      "1 多地发布高温预警 电力部门全力保供",
      "2 暑期文旅消费持续升温 博物馆一票难求",
      "3 全国铁路暑运累计发送旅客突破5亿人次",
      "4 今年上半年我国货物贸易进出口同比增长",
      "关于近期部分城市暴雨灾害的调查报告发布",
      "2024年07月28日08:12 来源：人民网－人民日报",
      "人民网北京7月27日电 应急管理部27日发布近期部分城市暴雨灾害调查报告。报告指出,今年入汛以来,我国南方多地遭遇极端强降雨,部分城市出现严重内涝。",
      "报告认为,一些城市地下空间和低洼地区的防涝措施不到位,地铁站、地下车库等场所在暴雨来临时未能及时关闭,导致人员被困。",
      "【纠错】 【责任编辑：李明】",
      "网友评论",
      "评论人:山城小王 我们这边每次下大雨地下车库都会进水,希望这次真的能够好好整改,不要再等到出了事才想办法,老百姓的财产安全也很重要。",
      "评论人:江南雨 报告写得很详细,关键还是要落实。排水管网建设是百年大计,不能只看表面工程,地下的事情看不见但最要紧,希望有关部门多听听居民意见。",
      "评论人:路过 支持,希望各地都能认真对照检查,把预警和响应机制真正建立起来,而不是停留在文件上。",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe("关于近期部分城市暴雨灾害的调查报告发布");
    expect(article.siteName).toBe("人民网－人民日报");
    expect(article.published).toBe("2024-07-28T08:12:00+08:00");
    expect(article.paragraphs).toHaveLength(2);
    expect(article.text).not.toMatch(/评论|责任编辑|高温预警/);
  });

  it("takes the article that follows a sidebar's headline list, and not the comments behind 'Comments'", () => {
    const text = [
      "Most Popular",
      "Fire damages historic club downtown",
      "Best pizza in the region, as voted by readers",
      "Photos: the mall through the years",
      "SAN FRANCISCO — The utility began shutting off power on Wednesday to some 375,000 people in 18 counties as the region faces extreme fire weather.",
      "A virtually rainless autumn has left brush bone-dry, and forecasts called for low humidity and strong winds through Thursday.",
      "Comments",
      "Pat on November 20, 2019 at 4:47 pm said:",
      "We lost power for two days last month and nobody told us when it would come back. The food in our freezer was ruined and we had to throw most of it away, and my mother, who needs oxygen at night, had to stay with my sister across town until the lights came back on. This keeps happening every autumn and the company never seems to learn anything from it.",
      "Reply",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toHaveLength(2);
    expect(article.paragraphs[0]).toMatch(/^SAN FRANCISCO/);
    expect(article.text).not.toMatch(/freezer|Fire damages/);
  });

  it("keeps every article paragraph when a list of headline, author, weekday date and blurb follows it", () => {
    const article = [
      "The harbour wall that collapsed in last winter's storms will be rebuilt in stone, the port authority said on Monday.",
      "Engineers had considered a concrete replacement but decided that stone would last longer in the exposed position.",
      "Work will start in April and is expected to take two summers, with the harbour staying open throughout.",
    ];
    const list = [1, 2, 3].flatMap((n) => [
      `Other story number ${n} from the same newsroom`,
      "Jane Writer",
      `Wednesday November ${n + 10}, 2019`,
      `This is the blurb of other story number ${n}, long enough to read like a paragraph of prose on its own page.`,
    ]);
    const cleaned = cleanPastedText({
      text: ["Harbour wall to be rebuilt", "By Sam Lee", ...article, ...list].join("\n"),
    });
    expect(cleaned.paragraphs).toEqual(article);
  });

  it("leaves out truncated teasers of other stories, and comment threads dated '2 days ago at 07:52 am'", () => {
    const text = [
      "Council approves new cycle lanes",
      "By Sam Lee",
      "The council approved plans for three new protected cycle lanes on Tuesday, after a year of consultation with residents and businesses.",
      "Work on the first lane, along the river, will begin in March and is expected to take four months to complete.",
      "Bus operators welcome the change, the new timetable will bring more frequent services to the northern estates and...",
      "Parking charges to rise in April as the council tries to close a budget gap of more than two million pounds…",
      "Top Comments",
      "Woyzeck",
      "2 days ago at 07:52 am",
      "Good to see the council finally doing something about the traffic on the river road, which has been dangerous for years now.",
      "Nick A",
      "2 days ago at 07:47 am",
      "I cycle along the river every day and I will believe it when I see it. They promised the same thing five years ago and nothing happened at all.",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toHaveLength(2);
    expect(article.text).not.toMatch(/Bus operators|Parking charges|Woyzeck|believe it/);
  });

  it("follows the article around an inline 'Related articles' box, leaving the box out", () => {
    const text = [
      "Harbour wall to be rebuilt",
      "By Sam Lee",
      "The harbour wall that collapsed in last winter's storms will be rebuilt in stone, the port authority said on Monday.",
      "Engineers had considered a concrete replacement but decided that stone would last longer in the exposed position.",
      "Related articles",
      "Storm damage bill passes ten million",
      "Fishing fleet moves to temporary moorings",
      "Work will start in April and is expected to take two summers, with the harbour staying open throughout.",
      "The fishing fleet, which moved to temporary moorings after the collapse, will return once the first section is complete.",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toHaveLength(4);
    expect(article.paragraphs[3]).toMatch(/^The fishing fleet/);
    expect(article.text).not.toMatch(/Related articles|Storm damage bill/);
  });

  it("drops photo captions that end in their credit from inside the body", () => {
    const text = [
      "The harbour wall that collapsed in last winter's storms will be rebuilt in stone, the port authority said on Monday.",
      "The old wall after the storm in January (Image: Getty)",
      "Engineers had considered a concrete replacement but decided that stone would last longer in the exposed position.",
      "Fishing boats moored in the outer harbour. Photograph: Jane Doe/Reuters",
      "Work will start in April and is expected to take two summers, with the harbour staying open throughout.",
      "5月1日,游客在港口参观。 新华社记者 张三 摄",
      "The fishing fleet will return once the first section is complete, the authority said.",
    ].join("\n");
    const cleaned = cleanPastedText({ text });
    expect(cleaned.paragraphs).toHaveLength(4);
    expect(cleaned.text).not.toMatch(/Getty|Photograph|摄/);
  });

  it("reads a US time zone and keeps the outlet out of the byline", () => {
    const text = [
      "Fed holds rates steady, signals two cuts later this year",
      "By Anna Cooper, CNN",
      "Updated: 2:15 PM EDT, Wed June 12, 2024",
      "Source: CNN",
      "The Federal Reserve left interest rates unchanged on Wednesday but signalled that it expects to cut them twice before the end of the year.",
      "Image caption, Fed chair speaking at a press conference in Washington.",
      "The central bank's benchmark rate will stay in a range of 5.25% to 5.5%, where it has been since last July.",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.byline).toBe("Anna Cooper");
    expect(article.siteName).toBe("CNN");
    expect(article.published).toBe("2024-06-12T14:15:00-04:00");
    expect(article.text).not.toContain("Image caption");
  });
});

describe("cleanPastedText headline choice", () => {
  const body = [
    "Europe is warming faster than any other continent, and the heatwaves that have struck it in recent summers are becoming more intense.",
    "Temperatures in parts of southern Europe passed 45C last July, and hospital admissions for heat-related illness rose sharply.",
  ];

  it("takes the longest heading above the date over a byline without 'By', and reads 06.00 BST", () => {
    const text = [
      "Climate crisis",
      "Analysis",
      "Europe's heatwaves are getting worse faster than anywhere else",
      "Fiona Harvey Environment editor",
      "Wed 12 Jun 2024 06.00 BST",
      "Share",
      ...body,
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe("Europe's heatwaves are getting worse faster than anywhere else");
    expect(article.published).toBe("2024-06-12T06:00:00+01:00");
  });

  it("does not take a topic tag shown twice (menu and footer) for the title", () => {
    const text = [
      "Cost of living crisis explained",
      "Home",
      "Prices climb again as energy bills rise",
      "Published 3 May 2024",
      ...body,
      "Topics",
      "Cost of living crisis explained",
    ].join("\n");
    expect(cleanPastedText({ text }).title).toBe("Prices climb again as energy bills rise");
  });
});

describe("cleanPastedText headline over a standfirst and a byline block", () => {
  it.each([
    {
      headline: "Council approves new cycle lanes for the city centre",
      lines: [
        "The scheme adds twelve kilometres of protected lanes by the end of next year.",
        "Jane Smith",
        "Transport reporter",
        "Wednesday 20 November 2019 11:42, UK",
        "Why you can trust Example News",
      ],
      body: [
        "The city council approved a plan on Tuesday to build protected cycle lanes on every main street in the centre, after two years of consultation.",
        "Work on the first section will start in the spring, and the council expects the whole network to be open by the end of next year.",
      ],
    },
    {
      headline: "市议会批准在市中心新建自行车道",
      lines: [
        "该计划将在明年年底前新增十二公里受保护的自行车道，覆盖主要商业街区。",
        "张晓明",
        "交通记者",
        "2019年11月20日 11:42",
        "我们为何值得信赖",
      ],
      body: [
        "市议会周二批准了一项计划，将在市中心每条主干道上修建受保护的自行车道，此前已经进行了两年的意见征集。",
        "第一段工程将于明年春天开工，市议会预计整个路网将在明年年底前全部开通，届时骑行通勤时间有望大幅缩短。",
      ],
    },
  ])("takes the headline above its standfirst, not a line right above the body ($headline)", (page) => {
    const text = ["Watch Live", page.headline, ...page.lines, ...page.body].join("\n");
    expect(cleanPastedText({ text }).title).toBe(page.headline);
  });
});

describe("cleanPastedText headline over a deck", () => {
  const body = [
    "The carmaker showed the new sedan at the Los Angeles motor show on Wednesday, with a longer wheelbase and a lower roof than the model it replaces.",
    "Local sales will start early next year, the company said, with three trims and a choice of two engines.",
  ];

  it("takes the upper of two heading lines over one dateline (headline, byline, deck, date) on an English page", () => {
    const text = [
      "Auto News",
      "All-new 2020 sedan is what we really want from the maker",
      "Marcus De GuzmanView More Articles",
      "Next-generation sedan makes global debut in Los Angeles",
      "November 20, 2019 13:42",
      ...body,
    ].join("\n");
    expect(cleanPastedText({ text }).title).toBe("All-new 2020 sedan is what we really want from the maker");
  });

  it("takes the main headline under a Chinese lead-in line (引题), not the lead-in", () => {
    const text = [
      "新闻中心",
      "聚焦全国汽车产业高质量发展大会",
      "新款轿车在洛杉矶车展全球首发",
      "2019年11月20日 13:42",
      "这家汽车厂商周三在洛杉矶车展上发布了新款轿车，轴距比上一代更长，车顶更低，内饰也进行了全面升级。",
      "公司表示，新车将于明年年初在国内上市，提供三种配置和两种动力可供选择，售价将在近期公布。",
    ].join("\n");
    // (Both lines are Han headline halves without a stop, so the cleaner may join them; the lead-in alone is wrong.)
    const { title } = cleanPastedText({ text });
    expect(title.endsWith("新款轿车在洛杉矶车展全球首发")).toBe(true);
  });
});

describe("cleanPastedText headline of two sentences", () => {
  it.each([
    {
      headline: "Retail Stock Is Falling After Its Earnings Release. Why You Shouldn’t Worry.",
      meta: "By Al Root Updated Nov. 19, 2019 8:21 am ET",
      body: [
        "Shares of the home-improvement retailer fell on Tuesday after it cut its sales forecast for the year, citing the timing of a new inventory system.",
        "Analysts said the problems looked temporary, and several kept their ratings on the stock, which is still up by a fifth this year.",
      ],
    },
    {
      headline: "房价连涨三个月。专家：不必恐慌。",
      meta: "2019年11月19日 08:21 来源：东海日报",
      body: [
        "国家统计局周二公布的数据显示，七十个大中城市新建商品住宅价格已连续三个月环比上涨，其中一线城市涨幅最大。",
        "多位专家表示，本轮上涨主要受季节因素和改善型需求带动，随着供应增加，房价有望在明年上半年趋于平稳。",
      ],
    },
  ])("takes a heading-sized line with its byline or date right under it for the headline ($headline)", (page) => {
    const text = ["Subscribe", "CONSUMER", page.headline, page.meta, ...page.body].join("\n");
    const article = cleanPastedText({ text });
    expect(article.title).toBe(page.headline);
    expect(article.paragraphs).toEqual(page.body);
  });
});

describe("cleanPastedText headline with a relative date word", () => {
  const body = [
    "Good morning! This is the tech news you need to know this Tuesday, from a layoff at a co-working company to a new phone.",
    "The company told staff on Monday that the cuts would start at once, and that more would follow in the new year.",
  ];

  it("takes a headline ending in a lower-case 'today' over its byline naming USA TODAY", () => {
    const headline = "10 things in tech you need to know today";
    const text = ["Tech", headline, "Charlie Wood, USA TODAY", "19.11.2019, 08:57", ...body].join("\n");
    expect(cleanPastedText({ text }).title).toBe(headline);
  });
});

describe("cleanPastedText on an article that ends in a list it introduces", () => {
  it.each([
    {
      lead: [
        "Black Friday is still a week away, but several retailers have already cut the prices of their most popular headphones and watches.",
        "We went through hundreds of offers and kept only the ones at their lowest price this year. Check out our picks below.",
      ],
      items: ["Wireless Earbuds Pro", "$139.00", "Available from Amazon", "Buy Now", "Smart Watch with GPS", "$169.99"],
      after: ["Related Articles", "Amazon cuts prices on chargers today only"],
    },
    {
      lead: [
        "距离年终促销还有一周，但多家电商平台已经提前下调了热门耳机和手表的价格，部分商品降幅超过三成。",
        "我们比对了数百条优惠信息，只保留了今年最低价的商品，具体清单如下：",
      ],
      items: ["无线降噪耳机", "售价：899元", "前往购买", "智能手表三代", "售价：1299元", "前往购买"],
      after: ["相关阅读", "电商平台今日限时下调充电器价格"],
    },
  ])("keeps the list items in the body and stops at the end marker ($items.0)", (page) => {
    const text = ["Deals", ...page.lead, ...page.items, ...page.after].join("\n");
    const { paragraphs } = cleanPastedText({ text });
    expect(paragraphs).toEqual([...page.lead, ...page.items]);
  });

  it.each([
    {
      label: "Share this:",
      buttons: [
        "Click to share on Facebook (Opens in new window)",
        "Click to print (Opens in new window)",
        "Permalink 34 Comments Feed for comments",
      ],
    },
  ])("does not take a share bar under the last paragraph ($label) for a list", ({ label, buttons }) => {
    const lead = [
      "The council met on Tuesday to discuss the budget, and agreed to raise spending on roads and schools next year.",
      "Members said the rise would be paid for by cuts elsewhere, and that council tax would not go up this time.",
    ];
    const text = ["News", ...lead, label, ...buttons].join("\n");
    expect(cleanPastedText({ text }).paragraphs).toEqual(lead);
  });
});

describe("cleanPastedText on odd input", () => {
  /** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pieces = [
    "。",
    "，",
    ".",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "\u3000\u3000",
    "\u200b",
    "2025-10-24 10:21",
    "来源:",
    "By ",
    "Related",
    "相关阅读",
    "# ",
    "- ",
    "…",
    "...",
    "<p>",
    "😀",
    "中国",
    "words",
    "https://example.com/x",
    "\ud800",
    "Subscribe to continue reading",
  ];

  it("returns an article or throws NotAnArticleError for any mix of page fragments, never anything else", () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      const text = Array.from(
        { length: Math.floor(next() * 400) },
        () => pieces[Math.floor(next() * pieces.length)],
      ).join("");
      try {
        const article = cleanPastedText({ text });
        expect(article.paragraphs.length).toBeGreaterThan(0);
      } catch (error) {
        expect(error).toBeInstanceOf(NotAnArticleError);
      }
    }
  });

  it("handles a single enormous line without line breaks", () => {
    const sentence = "The council met on Tuesday to discuss the budget, and agreed to raise spending on roads. ";
    const article = cleanPastedText({ text: sentence.repeat(20_000) });
    expect(article.paragraphs).toHaveLength(1);
    expect(article.title).toBe("");
  });
});

describe("cleanPastedText: blog footers, glued teasers, tables and split headlines (issue 11)", () => {
  const lead =
    "市教育局昨天公布，今年全市新增中小学学位两万五千个，其中新建学校十二所，改扩建学校二十所，主要分布在新城区和城乡结合部。";
  const second =
    "教育局有关负责人表示，新学校将在九月一日前完工并投入使用，配套的道路、公交线路和食堂也将同步建设，确保学生按时入学。";

  it("joins a Chinese headline split over two lines", () => {
    const text = [
      "当前位置：首页/要闻",
      "全市今年新增学位2.5万个",
      "新建学校十二所",
      "发布日期：2022-02-11 08:52",
      lead,
      second,
    ].join("\n");
    expect(cleanPastedText({ text }).title).toBe("全市今年新增学位2.5万个新建学校十二所");
  });

  it("keeps the first post of a blog page: older posts under its footer are not the article", () => {
    const older =
      "这是很久以前的一篇文章，讲的是我去海边旅行的经历，那天风很大，我们在沙滩上走了很久，晚上才回到旅馆休息。";
    const text = [
      "新学位的好消息\t2005-03-21 01:20:44",
      lead,
      second,
      "由海姑娘张贴 @ 2005-03-21 01:20:44 (359) 共 3 篇评论 发表评论 >>>",
      "海边旅行\t2005-03-18 01:58:01",
      ...Array.from({ length: 6 }, () => older),
    ].join("\n");
    expect(cleanPastedText({ text }).paragraphs).toEqual([lead, second]);
  });

  it("keeps a data table under the article's prose", () => {
    const intro =
      "The standings after the final race of the season show how close the championship was this year, with four drivers within fifteen points.";
    const rows = ["Pos.\tDriver\tPoints", "1\tKyle Busch\t5040", "2\tMartin Truex Jr.\t5035", "3\tKevin Harvick\t5033"];
    const text = ["Standings", intro, ...rows, "Share this on WhatsApp"].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toEqual([
      intro,
      "Pos. Driver Points",
      "1 Kyle Busch 5040",
      "2 Martin Truex Jr. 5035",
      "3 Kevin Harvick 5033",
    ]);
  });

  it("does not take a portal's menu of headlines glued to their blurbs for the article", () => {
    const menu = [
      "Police Arrest Two After Student DiesThe 24-year-old woman and a 28-year-old man have been arrested in connection with the death.",
      "Customers Leave Without Paying Their BillSix diners left the steakhouse without paying their bill after a fight in the restaurant.",
      "State To Mail Redistricting ApplicationsThe state will mail 250,000 applications encouraging voters to apply to serve on a new panel.",
    ];
    const body = [
      "ST. JOSEPH, Mich. (AP) — Michigan health authorities are reporting a sixth death linked to the mosquito-borne virus this year.",
      "County health officials said Monday the victim was one of two people who contracted the virus in the county this summer.",
    ];
    const text = [
      "Latest Headlines",
      ...menu,
      "Weather",
      "Michigan Officials Report Sixth Death",
      "November 19, 2019 at 9:45 am",
      ...body,
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toEqual(body);
  });
  it('reads on past a photo credit set as "© Name caption" in the middle of the story', () => {
    const body = [
      "A group of physicians, alarmed that the administration is denying flu vaccines to people in custody, is urging it to reconsider.",
      "In a letter on Tuesday, the doctors pleaded with the agency to allow a volunteer clinic to vaccinate detained families for free.",
      "The agency did not accept the offer, a spokesperson said, citing the short-term nature of its holding facilities and logistics.",
      "Health care providers have protested longer detention periods, warning that children in particular would face serious risks.",
    ];
    const text = [
      "Doctors offer to give free flu shots to detained families",
      "November 19, 2019",
      body[0],
      body[1],
      "© Jane Doe Detainees at an immigration detention center in San Diego, Calif., on May 18, 2018.",
      body[2],
      body[3],
      "© 2019 Example Media. All rights reserved.",
      "More stories from the newsroom are waiting for you on the front page, updated every hour of the day.",
    ].join("\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs).toEqual(body);
    expect(article.title).toBe("Doctors offer to give free flu shots to detained families");
  });

  it('reads on past a Chinese photo credit set as "© 姓名 图说" in the middle of the story', () => {
    const body = [
      "市卫生部门周二表示，今年入冬以来全市流感病例明显增多，各社区卫生服务中心已经开设了免费接种点，方便老人和儿童就近接种。",
      "据介绍，接种点每天上午八点开放，居民携带身份证即可登记，无需提前预约，疫苗数量充足，预计可以满足全市需求。",
      "卫生部门同时提醒，出现发热、咳嗽等症状的市民应当及时就医，避免前往人员密集的场所，并注意勤洗手、多通风。",
    ];
    const text = [
      "全市开设免费流感疫苗接种点",
      "2019-11-19 10:21 来源：本地新闻网",
      body[0],
      "© 张三 市民在社区卫生服务中心排队登记接种流感疫苗",
      body[1],
      body[2],
    ].join("\n");
    expect(cleanPastedText({ text }).paragraphs).toEqual(body);
  });
  describe("furniture inside and under the article", () => {
    const paragraphs = [
      "Health officials in the region confirmed on Tuesday that a hunter had been diagnosed with the disease after eating a rabbit.",
      "The man was taken to hospital in the provincial capital, where he is being treated in isolation, the officials said.",
      "Twenty-eight people who had been in contact with him have been placed in quarantine and are being monitored, they added.",
      "The disease can be fatal in up to 90 per cent of people infected if it is not treated promptly, experts have warned.",
      "The last major outbreak in the country was ten years ago, when several people died in a town that was sealed off.",
    ];
    const header = ["Hunter diagnosed with plague after eating a rabbit", "November 19, 2019"];

    it('runs past a "Most read in …" box of six kickers and headlines inside the article', () => {
      const box = ["Most read in world news"];
      for (let i = 1; i <= 6; i++) box.push(`KICKER ${i}`, `Headline number ${i} of the sidebar about something else`);
      const text = [...header, ...paragraphs.slice(0, 3), ...box, ...paragraphs.slice(3)].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it("leaves out a gallery's counters and links to the site's other stories", () => {
      const text = [
        ...header,
        "Image 1 of 9",
        "Caption",
        "Back to Gallery",
        paragraphs[0],
        paragraphs[1],
        "On ExampleChronicle.com: Car sales plunge nearly 17 percent in August",
        paragraphs[2],
        "SEE MORE: Hunters warned after a second case in the region",
        paragraphs[3],
        paragraphs[4],
      ].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it("keeps the lead above an inline box when the headline over its dateline reads as prose", () => {
      const text = [
        "Latest",
        "Video",
        "Photos",
        "Podcasts",
        'Video shows dramatic rescue of kidnapped girl: "We got her!"',
        "Updated on: November 19, 2019 / 10:07 AM / Example News",
        ...paragraphs.slice(0, 2),
        "Related stories",
        "Man arrested after seven victims found in car: Police",
        "Jail guards charged with falsifying records",
        "Safety officials urge planemaker to redesign part",
        ...paragraphs.slice(2),
      ].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it('leaves out wire photo captions and credits, and ends at "Explore further"', () => {
      const text = [
        ...header,
        "In this Dec. 12, 2006, file photo, made available by NASA, two astronauts work on the International Space Station during a spacewalk, as the station orbits the Earth over New Zealand, far below.",
        paragraphs[0],
        paragraphs[1],
        "A reference habitation module for a crewed mission compared to its hibernation-based equivalent. Credit: ESA",
        ...paragraphs.slice(2),
        "Explore further",
        "Unravelling the neural network of torpor",
        "More information: the study appeared in the journal on Tuesday, and the researchers plan further work on the subject next year.",
        "Provided by European Space Agency",
      ].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it("reads a byline ending in a time's \"a.m.\" as the byline, not the body's first sentence", () => {
      const byline = "By Louis Jacobson on Monday, November 18th, 2019 at 11:04 a.m.";
      const text = [header[0], byline, ...paragraphs].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it("leaves out a standfirst shown above the byline block and again as the body's first line", () => {
      const standfirst =
        "Our top picks for events, competitions and fun for the month of October, from shows to symposiums.";
      const text = [
        "4 Things to Do in October",
        standfirst,
        "Author:",
        "Editorial Staff",
        "Publish date:",
        "Oct 4, 2018",
        standfirst,
        ...paragraphs,
      ].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it("leaves out a gallery caption shown twice in a row", () => {
      const caption =
        "Former Gov. Deval Patrick, left, speaks with a business owner during a campaign stop at a diner, Tuesday, Nov. 19, 2019, in Orangeburg, S.C.";
      const text = [...header, caption, caption, "Photo: Jane Doe, AP", ...paragraphs].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it("reads the last paragraphs under an app prompt", () => {
      const text = [
        ...header,
        ...paragraphs.slice(0, 3),
        "CLICK HERE TO GET THE EXAMPLE NEWS APP",
        ...paragraphs.slice(3),
        "READ MORE ON EXAMPLE NEWS BY CLICKING HERE",
      ].join("\n");
      expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
    });

    it.each(["Lascia un commento", "Deixe um comentário", "Добавить отзыв"])(
      "ends the article at a comment section headed %s",
      (heading) => {
        const comments = [
          "Grazie per questo articolo, davvero molto interessante e scritto bene, lo condividerò con tutti i miei amici.",
          "Non sono d'accordo con quasi niente di quello che è scritto qui, ma apprezzo comunque lo sforzo fatto dall'autore.",
        ];
        const text = [...header, ...paragraphs, heading, ...comments, ...comments, ...comments].join("\n");
        expect(cleanPastedText({ text }).paragraphs).toEqual(paragraphs);
      },
    );
  });
});
