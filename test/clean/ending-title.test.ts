import { describe, expect, it } from "vitest";
import { endsArticle } from "../../src/pipeline/clean/ending.js";
import { pickHeadline, type TitleLine } from "../../src/pipeline/clean/title.js";

/** Units as the cleaner counts them: a Han character 1, any other word 2. */
function units(text: string): number {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  return han + 2 * (text.replace(/\p{Script=Han}/gu, " ").match(/[\p{L}\p{N}]+/gu)?.length ?? 0);
}

describe("endsArticle", () => {
  it.each([
    "References",
    "See also",
    "参考文献",
    "参见",
    'Retrieved 12 March 2020 from "https://example.org"',
    "Download our app for breaking news",
    "下载东海财经APP，随时掌握行情动态",
    "Disclaimer: This article is for general information only.",
    "免责声明：本文仅供参考，不构成投资建议。",
    "Thanks for signing up!",
    "About Northwind Robotics",
    "Comments (12)",
    "Stay up to date with Northwind. Subscribe to our newsletter.",
    "ATENÇÃO: Comentários com textos ininteligíveis ou que faltem com respeito ao usuário não serão aprovados pelo moderador.",
    "Have a tip? Anna Menin may be reached at anna@example.com.",
    "Sometimes we include links to online retail stores. If you click on one and make a purchase we may receive a small commission.",
    "More Great WIRED Stories",
    "More stories",
    "Popular on IndieWire",
    "Next Up In Tech",
    "Reporting by Rodrigo Campos; additional reporting by Stephanie Kelly; Editing by Dan Grebler",
    "Associated Press writers Alan Fram and Zeke Miller contributed to this report.",
    "Molly Wood (@mollywood) is an Ideas contributor at WIRED and the host of Marketplace Tech.",
    "Email Tariq Malik at tmalik@example.com or follow him on Twitter.",
    "Note: we are temporarily moderating all comments submitted to deal with a surge in spam.",
    "A Word to Our Loyal Readers",
    "Support Checkwise and make a difference for readers everywhere.",
    `Northwind is a global solutions provider focused on healthcare communication and mobile workflow solutions. ${"The vision of Northwind is to close digital information gaps, allowing for the best possible decisions. ".repeat(3)}`,
    "Acme Robotics (NASDAQ: ACME) is a leading developer of warehouse automation systems.",
  ])("ends the article at %s", (line) => {
    expect(endsArticle(line, units(line))).toBe(true);
  });

  it.each([
    "References to the old plan were removed from the council's report after the vote on Tuesday.",
    "Sign up for our Coast & Climate newsletter",
    "^_^,Pretty Good!",
    "关于我们",
    "参考文献显示，这一做法早在宋代就已出现，并在明清时期广泛流行于江南地区。",
    "Do you rely on Checkwise reporting? Click here to support it.",
    "More stories of this kind are expected as the inquiry goes on.",
    "Reporting by the BBC found that the council had ignored the warnings for two years.",
    "Anna Menin is a nurse at the county hospital and has worked nights for a decade.",
    "Northwind said it is a leading supplier of turbines in Europe and would hire 200 engineers next year.",
  ])("does not end the article at %s", (line) => {
    expect(endsArticle(line, units(line))).toBe(false);
  });

  it("reads a 200 KB line without a heading or prompt as article text", () => {
    const line = "a ".repeat(100_000);
    expect(endsArticle(line, units(line))).toBe(false);
  });
});

describe("pickHeadline", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });
  const body = [
    "Water companies in England will have to publish data on every sewage discharge within an hour, the department said.",
  ];

  it("picks the headline above the standfirst and byline, not the standfirst", () => {
    const lines = [
      line("Menu", "furniture"),
      line("Rivers in England will get real-time sewage alerts"),
      line("Water companies must publish every discharge within an hour, under rules announced on Thursday."),
      line("By Hannah Okafor", "meta"),
      line(body[0]!),
    ];
    expect(pickHeadline({ lines, bodyStart: 4, body })).toBe("Rivers in England will get real-time sewage alerts");
  });

  it("gives no title when only furniture and a cut copy of the lead stand above the body", () => {
    const lines = [
      line("Senior Member"),
      line("Water companies in England will have to publish data on every…"),
      line(body[0]!),
    ];
    expect(pickHeadline({ lines, bodyStart: 2, body })).toBe("");
  });
});

describe("pickHeadline past a product box", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });

  it.each([
    {
      headline: "All-new compact sedan is what buyers really wanted",
      date: "November 20, 2019 13:42",
      box: ["Find your next car", "Choose vehicle brand", "Abarth", "Audi", "BMW", "Ford", "Honda", "Kia", "Lexus"],
      control: "Choose model",
      lead: "Crossovers may have become the vehicle of choice for most buyers, but the sedan is still relevant, the maker says.",
    },
    {
      headline: "全新紧凑型轿车正式发布",
      date: "2019年11月20日 13:42",
      box: ["找车", "请选择品牌", "奥迪", "宝马", "本田", "丰田", "大众", "起亚", "雷克萨斯"],
      control: "请选择车型",
      lead: "尽管跨界车已成为多数购车者的首选，但厂商认为轿车依然有其价值，新车在空间和设计上都有明显提升。",
    },
  ])("skims a list of brands and never takes a form control ($control) for the headline", (page) => {
    const lines = [
      line(page.headline),
      line(page.date, "meta"),
      ...page.box.map((text) => line(text)),
      // (A box as long as a real one: over a screen of one-word lines.)
      ...Array.from({ length: 48 }, (_, i) => line(`${page.box[2]} ${i + 1}`)),
      line(page.control),
      line(page.lead),
    ];
    const title = pickHeadline({ lines, bodyStart: lines.length - 1, body: [page.lead] });
    expect(title).toBe(page.headline);
  });
});

describe("pickHeadline among sidebar headlines", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });
  const lead =
    "A group of physicians, alarmed that the administration is denying flu vaccines to people in custody, is urging it to reconsider.";
  const second =
    "In a letter on Tuesday, the doctors pleaded with the agency to allow a volunteer clinic for detained families.";

  it("takes the headline over its byline and date, not a sidebar headline right above the body", () => {
    const lines = [
      line("Doctors offer to give free flu shots to detained migrants, warn of epidemic"),
      line("Suzanne Gamboa"),
      line("1 day ago", "furniture"),
      line("'Comes down to one guy': All eyes turn to the ambassador"),
      line("2 US service members die in helicopter crash"),
      line(lead),
      line(second),
      // (Sidebars show their headlines again in a list further down.)
      line("Most read", "end"),
      line("2 US service members die in helicopter crash"),
    ];
    const title = pickHeadline({ lines, bodyStart: 5, body: [lead, second] });
    expect(title).toBe("Doctors offer to give free flu shots to detained migrants, warn of epidemic");
  });

  it("does not take a menu item for the headline because a date sits under the menu", () => {
    const menu = ["Contact Us", "About Us", "Term of Use", "Privacy", "Home", "News", "Business", "Lifestyle"];
    const headline = "Senate adjourns plenary over deaths of two former lawmakers";
    const lines = [
      ...[...menu, "Politics", "Opinions", "Sport"].map((text) => line(text)),
      line("October 9, 2018 at 4:02 pm", "meta"),
      line("Tweet"),
      line(headline),
      line(lead),
      line(second),
    ];
    expect(pickHeadline({ lines, bodyStart: lines.length - 2, body: [lead, second] })).toBe(headline);
  });
});

describe("pickHeadline on a bilingual page", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });

  it("takes the Chinese headline of a Chinese article over its English translation under it", () => {
    const lead =
      "摘要：本文基于网络购物普及的背景，叙述了电子商务和物流配送的相关理论，并对网店物流配送的现状进行了分析，提出了相应的对策。";
    const lines = [
      line("最新文章"),
      line("网店物流配送存在的问题及对策研究"),
      line("Study on Problems and Countermeasures of Logistics Distribution in Online Shops"),
      line("作者: 赵培：北京物资学院，北京", "meta"),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: 4, body: [lead] })).toBe("网店物流配送存在的问题及对策研究");
  });

  it("keeps an English headline over its Chinese translation on an English article", () => {
    const lead =
      "Online shops depend on couriers whose service quality varies widely, and this paper looks at why delivery costs stay high.";
    const lines = [
      line("Latest articles"),
      line("网店物流配送存在的问题及对策研究"),
      line("Study on Problems and Countermeasures of Logistics Distribution in Online Shops"),
      line("By Pei Zhao", "meta"),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: 4, body: [lead] })).toBe(
      "Study on Problems and Countermeasures of Logistics Distribution in Online Shops",
    );
  });
});

describe("pickHeadline over an author's name", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });

  it("does not take the author's name under the headline for it when the byline below repeats the name", () => {
    const lead =
      "对外宣传，也是他开国之初外交生涯的组成部分。中央人民政府政务院成立后，下设新闻总署，首任署长由他人担任，国际新闻局局长由他兼任。";
    const lines = [
      line("新浪首页 > 读书频道 > 正文", "furniture"),
      line("投身外交(3)"),
      line("罗银胜"),
      line("连载：才情人生 出版社：团结出版社 作者：罗银胜", "meta"),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: 4, body: [lead] })).toBe("投身外交(3)");
  });
});

describe("pickHeadline on a short title-case headline", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });
  const lead =
    "House Intelligence Committee chairman Adam Schiff spoke during a media briefing after a closed-door deposition on Tuesday.";

  it("takes a name-like headline with its byline right under it for the headline", () => {
    const lines = [
      line("More articles"),
      line("White House"),
      line("The Impeachment Clock"),
      line("By VICTOR DAVIS HANSON", "meta"),
      line("November 19, 2019 6:30 AM", "meta"),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: 5, body: [lead] })).toBe("The Impeachment Clock");
  });

  it("does not take a button in title case over the byline for the headline", () => {
    const headline = "With shattered dreams, deportees return home from abroad";
    const lines = [
      line(headline),
      line("November 20", "meta"),
      line("Print This Article"),
      line("Share it With Friends"),
      line("by India Post News Weekly", "meta"),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: 5, body: [lead] })).toBe(headline);
  });
});

describe("pickHeadline with the page's address", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });
  const lead =
    "Brock Nelson's second goal of the game 2:55 into overtime capped a frantic comeback to lift the New York Islanders on Tuesday.";

  it("takes the line the address's slug spells out over a deck nearer the dateline", () => {
    const lines = [
      line("Lowe’s 2019 Black Friday ad is up"),
      line("MenuSections"),
      line("https://www.example-union.com/sports/article/Nelson-s-OT-goal-lifts-Isles-14848099.php", "furniture"),
      line("Nelson's OT goal lifts Isles"),
      line("N.Y. completes frantic comeback to extend unbeaten streak to 15"),
      line("Associated Press"),
      line("Published 11:26 pm EST, Tuesday, November 19, 2019", "meta"),
      line(lead),
      // (The page lists its own headline again among the section's stories.)
      line("Nelson's OT goal lifts Isles"),
    ];
    expect(pickHeadline({ lines, bodyStart: 7, body: [lead] })).toBe("Nelson's OT goal lifts Isles");
  });
});

describe("pickHeadline over a longer deck", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });
  const lead =
    "The Steelers spent Monday trying to distance themselves from Thursday night's fight that led to multiple suspensions.";

  it("takes the headline the page prints twice over the longer deck under it", () => {
    const headline = "Browns player on Rudolph's role in fight with Garrett: He asked for it";
    const lines = [
      line("Organize / See All Teams Help"),
      line("Up next:"),
      line(headline),
      line(headline),
      line("One member of the Browns' defense didn't hold back on Monday when asked about Thursday night's fight"),
      line("by Bryan DeArdo", "meta"),
      line("Nov 18, 2019 at 9:24 pm ET • 2 min read", "meta"),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: 7, body: [lead] })).toBe(headline);
  });
});

describe("pickHeadline far above the body", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });
  const lead =
    "Earlier this year, the maker revealed the convertible concept, essentially an open-top version of its flagship coupe.";

  it("takes the headline over its byline and deck even when a long box separates them from the body", () => {
    const headline = "Lexus wants you to go topless with 2020 LC500 Convertible";
    const lines = [
      line("Auto News"),
      line(headline),
      line("Jose AltoverosView More Articles", "furniture"),
      line("The LC 500 looks good even with the roof chopped off"),
      line("Brent Co November 20, 2019 12:32", "meta"),
      line("Choose vehicle brand"),
      ...["Abarth", "Audi", "BMW", "Ford", "Honda", "Kia", "Lexus", "Mazda"].map((brand) => line(brand)),
      ...Array.from({ length: 6 }, (_, i) => line(`Another story about a new car, number ${i + 1}.`)),
      line(lead),
    ];
    expect(pickHeadline({ lines, bodyStart: lines.length - 1, body: [lead] })).toBe(headline);
  });
});

describe("pickHeadline over a chapter's numbered sections", () => {
  const line = (text: string, role: TitleLine["role"] = "text"): TitleLine => ({ text, units: units(text), role });

  it.each([
    {
      chapter: "二十三、感赞",
      first: "一、法官试验凡事谢恩",
      lead: "有一个法官，因为听见一位传道人常常说要凡事谢恩，就想试试他。一天，法官藉故把他捉到牢里，晚上去听他的动静。",
      second: "二、被抢钱包应当感谢神",
    },
    {
      chapter: "Chapter 23: Gratitude",
      first: "1. The judge who tested a preacher",
      lead: "A judge once heard a preacher say that one should give thanks in all things, and decided to put him to the test.",
      second: "2. Thanks for a stolen purse",
    },
  ])("takes the chapter's heading over its first section ($first)", ({ chapter, first, lead, second }) => {
    const lines = [line(chapter), line(first), line(lead), line(second)];
    expect(pickHeadline({ lines, bodyStart: 2, body: [lead, second] })).toBe(chapter);
  });
});
