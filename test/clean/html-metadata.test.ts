import { load } from "cheerio/slim";
import { describe, expect, it } from "vitest";
import { cleanByline, extractMetadata, siteFromTitle, stripTitleSuffix } from "../../src/pipeline/clean/metadata.js";
import { findDateInText, findLastDateInText, toIsoDate } from "../../src/text/dates.js";

describe("stripTitleSuffix", () => {
  it.each([
    ["中国已同100多个国家举行视频会议 - 光明网", "光明网", "中国已同100多个国家举行视频会议"],
    ["Harbour town votes to rebuild its sea wall | BBC News", "BBC News", "Harbour town votes to rebuild its sea wall"],
    ["山区学校用上了空中课堂_国内新闻_新浪网", undefined, "山区学校用上了空中课堂"],
    ["Why I Switched Back to Paper Notebooks – Slow Desk", undefined, "Why I Switched Back to Paper Notebooks"],
    ["江南的雨季-老张的博客", undefined, "江南的雨季"],
  ])("%s → headline", (title, siteName, expected) => {
    expect(stripTitleSuffix(title, { siteName })).toBe(expected);
  });

  it("removes a site name that leads the title", () => {
    expect(stripTitleSuffix("BBC News | Harbour town votes to rebuild its sea wall", { siteName: "BBC News" })).toBe(
      "Harbour town votes to rebuild its sea wall",
    );
  });

  it("keeps hyphens that belong to the headline", () => {
    expect(stripTitleSuffix("COVID-19 cases fall for a third week")).toBe("COVID-19 cases fall for a third week");
    expect(stripTitleSuffix("Self-driving cars get a test track - The Verge", { siteName: "The Verge" })).toBe(
      "Self-driving cars get a test track",
    );
  });

  it("trusts the page's h1 when the title starts with it", () => {
    expect(
      stripTitleSuffix("Rates held at 5% - what it means for you | Money | Ledger", {
        headings: ["Rates held at 5% - what it means for you"],
      }),
    ).toBe("Rates held at 5% - what it means for you");
  });
});

describe("siteFromTitle", () => {
  it("reads the site name beside the headline", () => {
    expect(siteFromTitle("山区学校用上了空中课堂_国内新闻_新浪网", "山区学校用上了空中课堂")).toBe("新浪网");
    expect(siteFromTitle("Ledger | Rates held", "Rates held")).toBe("Ledger");
    expect(siteFromTitle("Just a headline", "Just a headline")).toBeUndefined();
  });
});

describe("toIsoDate", () => {
  it.each([
    ["2024-03-05T09:12:00Z", "2024-03-05T09:12:00Z"],
    ["2023-04-11T08:00:00-04:00", "2023-04-11T08:00:00-04:00"],
    ["2022-11-20T18:04:33.123+0000", "2022-11-20T18:04:33+00:00"],
    ["2023-06-18 10:32", "2023-06-18T10:32"],
    ["2020年3月26日 11:05", "2020-03-26T11:05:00"],
    ["2020年3月26日", "2020-03-26"],
    ["Tue, 19 Nov 2019 14:30:00 GMT", "2019-11-19T14:30:00.000Z"],
  ])("%s → %s", (raw, iso) => {
    expect(toIsoDate(raw)).toBe(iso);
  });

  it("returns undefined for text that is no date, or an impossible one", () => {
    expect(toIsoDate("2020-13-45")).toBeUndefined();
    expect(toIsoDate("2020-00-10T10:00:00Z")).toBeUndefined();
    expect(toIsoDate("yesterday-ish")).toBeUndefined();
    expect(toIsoDate("")).toBeUndefined();
  });
});

describe("extractMetadata", () => {
  it("prefers Open Graph and JSON-LD and strips the site from the title", () => {
    const $ = load(`<html lang="en-GB"><head>
      <title>Sea wall vote - Harbour Times</title>
      <meta property="og:site_name" content="Harbour Times">
      <link rel="canonical" href="/news/sea-wall">
      <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle",
        "headline":"Sea wall vote","author":[{"@type":"Person","name":"Jane Holloway"},{"@type":"Person","name":"Tom Reed"}],
        "datePublished":"2024-03-05T09:12:00+00:00","articleBody":"Body text."}]}</script>
      </head><body><h1>Sea wall vote</h1></body></html>`);
    const meta = extractMetadata($, { url: "https://harbour.example/x" });
    expect(meta).toMatchObject({
      title: "Sea wall vote",
      siteName: "Harbour Times",
      byline: "Jane Holloway, Tom Reed",
      published: "2024-03-05T09:12:00+00:00",
      canonicalUrl: "https://harbour.example/news/sea-wall",
      lang: "en-GB",
      jsonLdBody: "Body text.",
    });
  });

  it("falls back to <meta name=author>, <time datetime> and the title tag", () => {
    const $ = load(`<html><head><title>标题在这里_新闻中心_某某网</title><meta name="author" content="李明"></head>
      <body><time datetime="2021-09-10 08:30">9月10日</time></body></html>`);
    expect(extractMetadata($)).toMatchObject({
      title: "标题在这里",
      siteName: "某某网",
      byline: "李明",
      published: "2021-09-10T08:30",
    });
  });

  it("ignores an author given as a profile URL and survives broken JSON-LD", () => {
    const $ = load(`<html><head><title>A title that is long enough</title>
      <meta property="article:author" content="https://facebook.com/someone">
      <script type="application/ld+json">{ not json </script></head><body></body></html>`);
    const meta = extractMetadata($);
    expect(meta.byline).toBeUndefined();
    expect(meta.title).toBe("A title that is long enough");
  });
});

describe("dates written in the page", () => {
  it("finds the first and the last date in a stretch of text", () => {
    const text = "首页 2006-08-10 公告\n周末去爬山 2005-06-14 09:20:31";
    expect(findDateInText(text)).toBe("2006-08-10");
    expect(findLastDateInText(text)).toBe("2005-06-14T09:20:31");
    expect(findLastDateInText("no dates here")).toBeUndefined();
  });
});

describe("cleanByline", () => {
  it("keeps the names and cuts what the page prints beside them", () => {
    expect(cleanByline("Madeline Fry | November 18, 2019 12:01 PM Print this article")).toBe("Madeline Fry");
    expect(cleanByline("Jane Holloway, Tom Reed")).toBe("Jane Holloway, Tom Reed");
    expect(cleanByline("  ")).toBeUndefined();
  });
});
