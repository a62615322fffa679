import { afterEach, describe, expect, it } from "vitest";
import { discoverFeedLinks, fetchFeed, parseFeedText, resolveFeed } from "../../src/digest/feeds.js";
import { ErrorCode, JianbaoError } from "../../src/errors.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { rss } from "./helpers.js";

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Night &amp;amp; Day</title>
  <link rel="alternate" href="https://atom.example/"/>
  <id>urn:feed</id><updated>2026-03-02T00:00:00Z</updated>
  <entry>
    <title type="html">Moon &amp;lt;full&amp;gt; tonight</title>
    <id>urn:entry:1</id>
    <link rel="alternate" href="/posts/moon"/>
    <published>2026-03-01T20:00:00+01:00</published><updated>2026-03-01T21:00:00Z</updated>
    <summary>Short.</summary>
    <content type="html">&lt;p&gt;The moon is full.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Older</title><id>urn:entry:0</id><link href="https://atom.example/posts/old"/>
    <updated>2026-02-01T00:00:00Z</updated>
  </entry>
</feed>`;

const RDF = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF News</title><link>https://rdf.example/</link><description>d</description></channel>
  <item rdf:about="https://rdf.example/1"><title>First RDF item</title><link>https://rdf.example/1</link>
    <description>One.</description><dc:date>2026-03-03T08:00:00Z</dc:date></item>
</rdf:RDF>`;

const JSON_FEED = JSON.stringify({
  version: "https://jsonfeed.org/version/1.1",
  title: "JSON Things",
  home_page_url: "https://json.example/",
  items: [
    {
      id: "j1",
      url: "https://json.example/j1",
      title: "A JSON item",
      content_text: "Plain <text>",
      date_published: "2026-03-04T00:00:00Z",
    },
  ],
});

describe("parseFeedText", () => {
  it("reads RSS 2.0: guid, absolute link, date, description", () => {
    const feed = parseFeedText(
      rss("Harbour <News>", [
        {
          id: "g-1",
          title: "Ferries &amp; piers",
          link: "/ferries",
          published: "2026-03-01T10:00:00Z",
          description: "<b>Boats</b>",
        },
      ]),
      "https://rss.example/feed.xml",
    );
    expect(feed.format).toBe("rss");
    expect(feed.title).toBe("Harbour <News>");
    expect(feed.items[0]).toMatchObject({
      guid: "g-1",
      link: "https://rss.example/ferries",
      title: "Ferries & piers",
      published: "2026-03-01T10:00:00.000Z",
      summary: "<b>Boats</b>",
    });
  });

  it("reads Atom: HTML-typed titles as text, the alternate link resolved, newest first", () => {
    const feed = parseFeedText(ATOM, "https://atom.example/feed.atom");
    expect(feed.title).toBe("Night & Day");
    expect(feed.siteUrl).toBe("https://atom.example/");
    expect(feed.items.map((item) => item.title)).toEqual(["Moon <full> tonight", "Older"]);
    expect(feed.items[0]).toMatchObject({
      guid: "urn:entry:1",
      link: "https://atom.example/posts/moon",
      published: "2026-03-01T19:00:00.000Z",
      contentHtml: "<p>The moon is full.</p>",
    });
  });

  it("reads RDF (RSS 1.0) with dc:date, and JSON Feed", () => {
    const rdf = parseFeedText(RDF, "https://rdf.example/index.rdf");
    expect(rdf).toMatchObject({ format: "rdf", title: "RDF News" });
    expect(rdf.items[0]).toMatchObject({
      guid: "https://rdf.example/1",
      title: "First RDF item",
      published: "2026-03-03T08:00:00.000Z",
    });
    const json = parseFeedText(JSON_FEED, "https://json.example/feed.json");
    expect(json).toMatchObject({ format: "json", title: "JSON Things" });
    expect(json.items[0]).toMatchObject({
      guid: "j1",
      link: "https://json.example/j1",
      contentHtml: "<p>Plain &lt;text&gt;</p>",
    });
  });

  it("drops an entry with neither an id nor a link: it could be neither deduplicated nor opened", () => {
    const text = rss("Feed", [{ id: "a", title: "Kept", link: "https://x.example/a" }]).replace(
      "</channel>",
      "<item><title>Orphan</title><description>No id, no link.</description></item></channel>",
    );
    expect(parseFeedText(text, "https://x.example/feed").items.map((item) => item.title)).toEqual(["Kept"]);
  });

  it("refuses an HTML page with FEED_NOT_FOUND", () => {
    expect(() => parseFeedText("<html><body>Hi</body></html>", "https://x.example/")).toThrow(
      expect.objectContaining({ code: ErrorCode.FeedNotFound }),
    );
  });
});

describe("discoverFeedLinks", () => {
  it("finds RSS and Atom alternates, resolves relative hrefs against <base> or the page, RSS first", () => {
    const html = `<html><head>
      <link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="application/atom+xml" href="atom.xml">
      <link rel="alternate" type="application/rss+xml" title="Comments" href="../comments/feed/">
      <link rel="alternate" hreflang="de" href="/de/">
    </head></html>`;
    expect(discoverFeedLinks(html, "https://blog.example/a/b/page.html")).toEqual([
      "https://blog.example/a/comments/feed/",
      "https://blog.example/a/b/atom.xml",
    ]);
    const withBase = `<html><head><base href="https://cdn.example/x/"><link rel="alternate" type="application/rss+xml" href="rss"></head></html>`;
    expect(discoverFeedLinks(withBase, "https://blog.example/")).toEqual(["https://cdn.example/x/rss"]);
  });
});

describe("resolveFeed and fetchFeed over HTTP (fake site)", () => {
  let site: FakeSite;
  afterEach(async () => {
    await site.close();
  });

  it("follows autodiscovery from a page, says clearly when there is no feed, and sends conditional requests", async () => {
    site = await startSite({
      "/": {
        body: `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Home</body></html>`,
      },
      "/feed.xml": {
        body: rss("Home Feed", [{ id: "1", title: "One", link: "/one" }]),
        type: "application/rss+xml",
        etag: '"e1"',
      },
      "/nofeed": { body: "<html><head><title>Plain</title></head><body>No feed</body></html>" },
    });
    const resolved = await resolveFeed(`${site.url}/`, { fetchOptions: { allowPrivate: true } });
    expect(resolved).toMatchObject({ url: `${site.url}/feed.xml`, etag: '"e1"' });
    expect(resolved.feed.title).toBe("Home Feed");

    const missing = await resolveFeed(`${site.url}/nofeed`, { fetchOptions: { allowPrivate: true } }).catch(
      (error: unknown) => error,
    );
    expect(missing).toBeInstanceOf(JianbaoError);
    expect((missing as JianbaoError).code).toBe(ErrorCode.FeedNotFound);
    expect((missing as JianbaoError).message).toContain(`${site.url}/nofeed`);

    const again = await fetchFeed({ url: `${site.url}/feed.xml`, etag: '"e1"', fetchOptions: { allowPrivate: true } });
    expect(again).toEqual({ notModified: true });
    expect(site.requests.at(-1)?.headers["if-none-match"]).toBe('"e1"');
  });

  it("tries the next advertised feed when the first is broken (a comments feed first, a 404)", async () => {
    const links = ["/gone.xml", "/broken.xml", "/main.xml"]
      .map((href) => `<link rel="alternate" type="application/rss+xml" href="${href}">`)
      .join("");
    site = await startSite({
      "/": { body: `<html><head>${links}</head><body>Home</body></html>` },
      "/broken.xml": { body: "<html><body>Oops</body></html>", type: "application/rss+xml" },
      "/main.xml": { body: rss("Main", [{ id: "1", title: "One", link: "/one" }]), type: "application/rss+xml" },
    });
    const resolved = await resolveFeed(`${site.url}/`, { fetchOptions: { allowPrivate: true } });
    expect(resolved.url).toBe(`${site.url}/main.xml`);
    expect(resolved.feed.title).toBe("Main");
  });
});
