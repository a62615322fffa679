/**
 * Feeds: parse RSS 2.0, Atom, RDF and JSON Feed (feedsmith) into one item shape,
 * find a site's feed by autodiscovery, and fetch a feed with a conditional request.
 */
import { createHash } from "node:crypto";
import { load } from "cheerio/slim";
import { type AnyFeed, parseFeed } from "feedsmith";
import { ErrorCode, JianbaoError } from "../errors.js";
import { type FetchedPage, type FetchOptions, fetchPage as realFetchPage } from "../pipeline/fetch.js";
import { escapeHtml } from "../pipeline/render.js";
import { toUtcIso } from "../text/dates.js";
import { plainText } from "../text/html.js";
import { parseHtml } from "../text/parse-html.js";

/** Link types autodiscovery accepts, most specific first (a page often lists several). */
const FEED_LINK_TYPES = [
  "application/rss+xml",
  "application/atom+xml",
  "application/rdf+xml",
  "application/feed+json",
  "application/json",
] as const;
/** Autodiscovered candidates tried before giving up: enough for "comments feed first" pages. */
const MAX_DISCOVERED_CANDIDATES = 3;
/** Items kept per parse: a feed with thousands of entries is an archive, not news. */
const MAX_ITEMS_PER_FEED = 100;

/** One feed entry, whatever the format. */
export interface FeedItem {
  /** guid/id when the feed gives one, else the link. */
  readonly guid: string;
  /** Absolute URL of the article ("" when the entry has none). */
  readonly link: string;
  readonly title: string;
  /** ISO 8601 when the feed dates the entry. */
  readonly published?: string;
  /** Full content (content:encoded, Atom content, JSON content_html) when present. */
  readonly contentHtml?: string;
  /** Description / summary as HTML or text. */
  readonly summary?: string;
}

export interface ParsedFeed {
  readonly format: "rss" | "atom" | "rdf" | "json";
  readonly title: string;
  /** The site's home page when the feed says. */
  readonly siteUrl?: string;
  /** Newest first when dated, else in feed order. */
  readonly items: readonly FeedItem[];
}

export type FetchPage = (url: string, options?: FetchOptions) => Promise<FetchedPage>;

/** Parses feed text; throws FeedNotFound when it is not a feed feedsmith recognises. */
export function parseFeedText(text: string, feedUrl: string): ParsedFeed {
  let parsed: AnyFeed<string>;
  try {
    parsed = parseFeed<string>(text.replace(/^\uFEFF/, "").trim(), { maxItems: MAX_ITEMS_PER_FEED });
  } catch (cause) {
    throw new JianbaoError(ErrorCode.FeedNotFound, `${feedUrl} is not an RSS, Atom, RDF or JSON feed`, { cause });
  }
  const abs = (href: string | undefined) => absolute(href, feedUrl);
  const { title, siteUrl, items: all } = feedParts(parsed, abs);
  let items = all;
  items = items.filter((item) => item.guid !== "");
  // Newest first when every item is dated; otherwise trust the feed's own order.
  if (items.every((item) => item.published)) {
    items.sort((a, b) => Date.parse(b.published ?? "") - Date.parse(a.published ?? ""));
  }
  return { format: parsed.format, title: title.trim() || new URL(feedUrl).hostname, siteUrl, items };
}

type FeedOf<F extends AnyFeed<string>["format"]> = Extract<AnyFeed<string>, { format: F }>["feed"];
type Absolute = (href: string | undefined) => string | undefined;
interface FeedParts {
  title: string;
  siteUrl: string | undefined;
  items: FeedItem[];
}

function feedParts(parsed: AnyFeed<string>, abs: Absolute): FeedParts {
  switch (parsed.format) {
    case "rss":
      return rssFeed(parsed.feed, abs);
    case "atom":
      return atomFeed(parsed.feed, abs);
    case "rdf":
      return rdfFeed(parsed.feed, abs);
    case "json":
      return jsonFeed(parsed.feed, abs);
  }
}

/** RSS 2.0: the link, or a permalink guid. */
function rssFeed(feed: FeedOf<"rss">, abs: Absolute): FeedParts {
  const title = feed.title ?? "";
  const siteUrl = abs(feed.link);
  const items = (feed.items ?? []).map((item) => {
    const link = abs(item.link) ?? (item.guid?.isPermaLink !== false ? abs(item.guid?.value) : undefined) ?? "";
    return makeItem({
      guid: item.guid?.value,
      link,
      title: plainText(item.title ?? ""),
      published: item.pubDate ?? item.dc?.dates?.[0],
      contentHtml: item.content?.encoded,
      summary: item.description,
    });
  });
  return { title, siteUrl, items };
}

/** Atom: the alternate links. */
function atomFeed(feed: FeedOf<"atom">, abs: Absolute): FeedParts {
  const title = textOf(feed.title);
  const siteUrl = abs(alternateLink(feed.links));
  const items = (feed.entries ?? []).map((entry) =>
    makeItem({
      guid: entry.id,
      link: abs(alternateLink(entry.links)) ?? "",
      title: textOf(entry.title),
      published: entry.published ?? entry.updated,
      contentHtml: entry.content?.value,
      summary: textOf(entry.summary) || undefined,
    }),
  );
  return { title, siteUrl, items };
}

/** RSS 1.0 (RDF). */
function rdfFeed(feed: FeedOf<"rdf">, abs: Absolute): FeedParts {
  const title = feed.title ?? "";
  const siteUrl = abs(feed.link);
  const items = (feed.items ?? []).map((item) =>
    makeItem({
      guid: item.rdf?.about,
      link: abs(item.link) ?? "",
      title: plainText(item.title ?? ""),
      published: item.dc?.dates?.[0],
      contentHtml: item.content?.encoded,
      summary: item.description,
    }),
  );
  return { title, siteUrl, items };
}

/** JSON Feed: content_text is escaped into a paragraph. */
function jsonFeed(feed: FeedOf<"json">, abs: Absolute): FeedParts {
  const title = feed.title ?? "";
  const siteUrl = abs(feed.home_page_url);
  const items = (feed.items ?? []).map((item) =>
    makeItem({
      guid: item.id,
      link: abs(item.url ?? item.external_url) ?? "",
      title: plainText(item.title ?? ""),
      published: item.date_published ?? item.date_modified,
      contentHtml: item.content_html ?? (item.content_text ? `<p>${escapeHtml(item.content_text)}</p>` : undefined),
      summary: item.summary,
    }),
  );
  return { title, siteUrl, items };
}

/** A short, stable id for a feed URL (record keys, callback data). */
export function feedIdOf(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 12);
}

/** A short, stable id for an item within its feed: guid, else link. */
export function itemHashOf(item: Pick<FeedItem, "guid" | "link">): string {
  return createHash("sha256")
    .update(item.guid || item.link)
    .digest("hex")
    .slice(0, 16);
}

/** Feed URLs a page advertises with `<link rel="alternate" type="…rss+xml|atom+xml…">`, absolute, best first. */
export function discoverFeedLinks(html: string, pageUrl: string): string[] {
  // The page a person gave to /subscribe: parsed with the nesting capped, as the cleaner parses pages.
  const $ = load(parseHtml(html));
  const base = absolute($("base[href]").attr("href"), pageUrl) ?? pageUrl;
  const found: Array<{ url: string; rank: number }> = [];
  $("link[rel][href]").each((_, element) => {
    const rel = ($(element).attr("rel") ?? "").toLowerCase().split(/\s+/);
    const type = ($(element).attr("type") ?? "").toLowerCase().split(";")[0]?.trim() ?? "";
    const rank = (FEED_LINK_TYPES as readonly string[]).indexOf(type);
    if (!rel.includes("alternate") || rank < 0) return;
    const url = absolute($(element).attr("href"), base);
    if (url && !found.some((entry) => entry.url === url)) found.push({ url, rank });
  });
  // Stable sort keeps document order within a type; comment feeds are usually listed after the main one.
  return found.sort((a, b) => a.rank - b.rank).map((entry) => entry.url);
}

export interface ResolvedFeed {
  /** The feed's own URL (after autodiscovery and redirects). */
  url: string;
  feed: ParsedFeed;
  etag?: string;
  lastModified?: string;
}

export interface ResolveFeedOptions {
  fetchPage?: FetchPage;
  fetchOptions?: Omit<FetchOptions, "accept" | "headers">;
}

/**
 * Turns what a person typed (a feed URL or a site/page URL) into a parsed feed.
 * Throws FeedNotFound with a message naming the URL when neither the page nor its advertised feeds parse.
 */
export async function resolveFeed(url: string, options: ResolveFeedOptions = {}): Promise<ResolvedFeed> {
  const fetchPage = options.fetchPage ?? realFetchPage;
  const page = await fetchPage(url, { ...options.fetchOptions, accept: "feed" });
  const direct = tryParse(page);
  if (direct) return direct;
  const candidates = looksLikeHtml(page) ? discoverFeedLinks(page.text, page.url) : [];
  for (const candidate of candidates.slice(0, MAX_DISCOVERED_CANDIDATES)) {
    try {
      const feedPage = await fetchPage(candidate, { ...options.fetchOptions, accept: "feed" });
      const resolved = tryParse(feedPage);
      if (resolved) return resolved;
    } catch {
      // A broken advertised feed: try the next one, then report FeedNotFound for the page.
    }
  }
  throw new JianbaoError(
    ErrorCode.FeedNotFound,
    candidates.length === 0
      ? `No feed at ${url}: it is not RSS/Atom/RDF/JSON Feed and the page advertises no <link rel="alternate"> feed`
      : `No working feed at ${url}: the ${candidates.length} feed link(s) it advertises did not parse`,
    { details: { url } },
  );
}

export type FeedFetchResult =
  | { notModified: true }
  | { notModified: false; url: string; feed: ParsedFeed; etag?: string; lastModified?: string };

/**
 * Fetches a known feed with If-None-Match / If-Modified-Since. A 304 returns `{ notModified: true }`
 * without touching the body, so an unchanged feed costs one small request and nothing else.
 */
export async function fetchFeed(options: {
  url: string;
  etag?: string;
  lastModified?: string;
  fetchPage?: FetchPage;
  fetchOptions?: Omit<FetchOptions, "accept" | "headers">;
}): Promise<FeedFetchResult> {
  const fetchPage = options.fetchPage ?? realFetchPage;
  const headers: Record<string, string> = {};
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  const page = await fetchPage(options.url, { ...options.fetchOptions, accept: "feed", headers });
  if (page.notModified) return { notModified: true };
  const feed = parseFeedText(page.text, page.url);
  return { notModified: false, url: page.url, feed, ...validators(page) };
}

function tryParse(page: FetchedPage): ResolvedFeed | undefined {
  try {
    return { url: page.url, feed: parseFeedText(page.text, page.url), ...validators(page) };
  } catch {
    return undefined;
  }
}

function validators(page: FetchedPage): { etag?: string; lastModified?: string } {
  const etag = page.headers.etag;
  const lastModified = page.headers["last-modified"];
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

function looksLikeHtml(page: FetchedPage): boolean {
  return /html/i.test(page.contentType) || /<html[\s>]|<head[\s>]|<link\s/i.test(page.text.slice(0, 4096));
}

function makeItem(fields: {
  guid?: string;
  link: string;
  title?: string;
  published?: string;
  contentHtml?: string;
  summary?: string;
}): FeedItem {
  const published = toUtcIso(fields.published);
  const title = (fields.title ?? "").trim() || fields.link;
  return {
    guid: (fields.guid ?? "").trim() || fields.link,
    link: fields.link,
    title,
    ...(published ? { published } : {}),
    ...(fields.contentHtml?.trim() ? { contentHtml: fields.contentHtml } : {}),
    ...(fields.summary?.trim() ? { summary: fields.summary } : {}),
  };
}

function textOf(text: { value?: string; type?: string } | undefined): string {
  if (!text?.value) return "";
  return text.type === "html" || text.type === "xhtml" ? plainText(text.value) : text.value.trim();
}

function alternateLink(links: ReadonlyArray<{ href?: string; rel?: string }> | undefined): string | undefined {
  return (links?.find((link) => !link.rel || link.rel === "alternate") ?? links?.[0])?.href;
}

function absolute(href: string | undefined, base: string): string | undefined {
  if (!href?.trim()) return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
