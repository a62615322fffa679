/**
 * Page metadata for the HTML cleaner: title (without the site's suffix), site name, byline,
 * publication date (ISO 8601), canonical URL and declared language, from `<meta>`, Open Graph,
 * JSON-LD, `<time>` and `<html lang>`. Pure functions over a parsed cheerio document.
 */
import type { CheerioAPI } from "cheerio/slim";
import { LOOSE_DATE, toIsoDate } from "../../text/dates.js";
import { weightedLength } from "../../text/lang.js";
import { trimChars } from "./article.js";

// ---------------------------------------------------------------------------------------------
// Tunables and patterns.

/**
 * Separators between a headline and the site's name: `标题 - 光明网`, `Title | BBC News`, `标题_新浪网`.
 * White space around them is bounded (`\s{1,8}`, not `\s+`): an unbounded run is tried from every start
 * inside a long stretch of spaces, quadratic on hostile titles; the leftover spaces are trimmed anyway.
 */
/** One character of the separators trimmed from the ends of a title part. */
const TITLE_SEPARATOR_CHAR = /[\s|\-–—_:·»｜]/u;
const TITLE_SEPARATOR =
  /\s{1,8}[|\-–—:·»\\/]\s{1,8}|\s{0,8}[|_｜—–]\s{0,8}|\s{0,8}[-－]\s{0,8}(?=\p{Script=Han})|(?<=\p{Script=Han}|[）)》」])\s{0,8}[-－]\s{0,8}/u;
/** A headline part lighter than this (weightedLength: Han ×2.5, others 1) is not trusted on its own. */
const MIN_HEADLINE_WEIGHT = 8;
/** JSON-LD is flattened this deep (`@graph` → array → object → `mainEntity`…); deeper is not the article's. */
const MAX_JSON_LD_DEPTH = 4;
/** The page's first few `<h1>`s are headline candidates; later ones are sections or other stories. */
const MAX_H1_HEADINGS = 3;
const headlineWeight = weightedLength;
/** Site-name parts are short; a trailing part longer than this is probably part of the headline. */
const MAX_SITE_PART_CHARS = 40;
/** Longer bylines are page text that was taken for one. */
const MAX_BYLINE_CHARS = 120;
/** A site name guessed from the title is a short label. */
const MAX_SITE_NAME_CHARS = 24;
/** JSON-LD `@type`s whose headline/author/date describe the page's article. */
const ARTICLE_TYPES =
  /^(?:Article|NewsArticle|BlogPosting|Report|ReportageNews|AnalysisNewsArticle|OpinionNewsArticle|ScholarlyArticle|TechArticle|LiveBlogPosting|SocialMediaPosting|WebPage|Posting|BackgroundNewsArticle|AdvertiserContentArticle|SatiricalArticle|MedicalScholarlyArticle|DiscussionForumPosting)$/i;
/** `<meta>` names/properties that carry the publication date, most specific first. */
const DATE_META = [
  "article:published_time",
  "og:article:published_time",
  "datepublished",
  "publishdate",
  "publish-date",
  "pubdate",
  "publication_date",
  "sailthru.date",
  "parsely-pub-date",
  "dc.date.issued",
  "dc.date",
  "dcterms.created",
  "date",
  "article:modified_time",
];
const AUTHOR_META = ["author", "article:author", "byl", "dc.creator", "parsely-author", "sailthru.author"];
export interface PageMetadata {
  title: string;
  siteName?: string;
  byline?: string;
  published?: string;
  canonicalUrl?: string;
  /** Declared language (`<html lang>`, `content-language`, `og:locale`). */
  lang?: string;
  /** JSON-LD `articleBody`, when the page embeds one (a fallback for the body). */
  jsonLdBody?: string;
}

type JsonObject = Record<string, unknown>;

const text = (value: unknown): string | undefined => {
  if (typeof value === "string") {
    const trimmed = value.replace(/\s+/g, " ").trim();
    return trimmed || undefined;
  }
  return undefined;
};

/** All JSON-LD objects of the page, `@graph`s and arrays flattened; broken blocks skipped. */
export function jsonLdObjects($: CheerioAPI): JsonObject[] {
  const out: JsonObject[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > MAX_JSON_LD_DEPTH || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const object = value as JsonObject;
    out.push(object);
    if (object["@graph"]) visit(object["@graph"], depth + 1);
  };
  $('script[type="application/ld+json"]').each((_, el) => {
    const raw = $(el).text().trim();
    if (!raw) return;
    try {
      // Control characters inside strings are common in hand-written JSON-LD and make JSON.parse throw.
      visit(JSON.parse(raw.replace(/[\u0000-\u001f]+/g, " ")), 0);
    } catch {
      // Not our problem: a broken block simply gives no metadata.
    }
  });
  return out;
}

const typesOf = (object: JsonObject): string[] => {
  const type = object["@type"];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === "string");
};

function names(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(names);
  if (value && typeof value === "object") {
    const name = (value as JsonObject).name;
    return typeof name === "string" ? [name] : [];
  }
  return [];
}

/** The page's title without a trailing (or leading) site name. */
export function stripTitleSuffix(title: string, options: { siteName?: string; headings?: string[] } = {}): string {
  const clean = title.replace(/\s+/g, " ").trim();
  if (!clean) return clean;
  // A heading on the page that the title starts or ends with is the best evidence of the headline.
  for (const heading of options.headings ?? []) {
    const h = heading.replace(/\s+/g, " ").trim();
    if (headlineWeight(h) >= MIN_HEADLINE_WEIGHT && h !== clean && (clean.startsWith(h) || clean.endsWith(h))) {
      const rest = clean.startsWith(h) ? clean.slice(h.length) : clean.slice(0, clean.length - h.length);
      if (TITLE_SEPARATOR.test(rest) || /^\s*[|\-–—_:·»｜]/.test(rest) || /[|\-–—_:·»｜]\s*$/.test(rest)) return h;
    }
  }
  const parts = splitTitle(clean);
  if (parts.length < 2) return clean;
  const site = options.siteName?.toLowerCase().replace(/\s+/g, "");
  const isSite = (part: string): boolean => {
    const p = part.toLowerCase().replace(/\s+/g, "");
    return !!site && (p === site || p.includes(site) || site.includes(p));
  };
  // Drop parts naming the site, from either end.
  const kept = [...parts];
  while (kept.length > 1 && isSite(kept[kept.length - 1]!)) kept.pop();
  while (kept.length > 1 && isSite(kept[0]!)) kept.shift();
  if (kept.length < parts.length) return kept.join(" ").trim() === "" ? clean : joinKept(clean, kept);
  // No known site name: keep the first part when it is long enough and the rest looks like
  // site/section names (short parts), as `标题_国内新闻_新闻中心_新浪网` or `Title | Section | Site`.
  const first = parts[0]!;
  const rest = parts.slice(1);
  if (headlineWeight(first) >= MIN_HEADLINE_WEIGHT && rest.every((p) => [...p].length <= MAX_SITE_PART_CHARS)) {
    // `Site | Headline` is rarer but real: prefer the longest part when the first is much shorter.
    const chars = (s: string): number => [...s].length;
    const longest = parts.reduce((a, b) => (chars(b) > chars(a) ? b : a));
    if ([...longest].length > 2 * [...first].length && longest !== first) return longest;
    return first;
  }
  return clean;
}

/** The site's name as the title tag shows it beside the headline (`标题_国内新闻_新浪网` → 新浪网). */
export function siteFromTitle(titleTag: string, headline: string): string | undefined {
  const parts = splitTitle(titleTag.replace(/\s+/g, " ").trim());
  if (parts.length < 2 || !headline) return undefined;
  const site = parts[0] === headline || !parts.includes(headline) ? parts[parts.length - 1]! : parts[0]!;
  if (site === headline || [...site].length > MAX_SITE_NAME_CHARS || LOOSE_DATE.test(site) || /\d{4}年/.test(site))
    return undefined;
  return site;
}

function splitTitle(title: string): string[] {
  const parts: string[] = [];
  let rest = title;
  for (let guard = 0; guard < 8; guard++) {
    const match = TITLE_SEPARATOR.exec(rest);
    if (!match || match.index === 0) break;
    parts.push(rest.slice(0, match.index).trim());
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push(rest.trim());
  return parts.filter(Boolean);
}

/** Rebuilds the kept parts from the original title so inner separators survive (`A - B | Site` → `A - B`). */
function joinKept(clean: string, kept: string[]): string {
  const start = clean.indexOf(kept[0]!);
  const last = kept[kept.length - 1]!;
  const end = clean.lastIndexOf(last) + last.length;
  return start >= 0 && end > start ? clean.slice(start, end).trim() : kept.join(" ");
}

/** Drops separators left at either end (`China-Pub blog-`, `-雅虎新闻`). */
function trimSeparators(value: string): string {
  return trimChars(value, TITLE_SEPARATOR_CHAR);
}

/** A byline is names: cut what pages print beside them (`Jane Doe | November 18, 2019 Print this article`). */
export function cleanByline(value: string | undefined): string | undefined {
  const names = value
    ?.split(/\s{1,8}[|｜]\s{1,8}/)[0]
    ?.replace(LOOSE_DATE, " ")
    .replace(/\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}.*$/i, "")
    .replace(/\s+/g, " ")
    .trim();
  return names ? names.slice(0, MAX_BYLINE_CHARS) : undefined;
}

const isUrl = (value: string): boolean => /^https?:\/\//i.test(value);

/** Reads every metadata source of the page; call before the page is pruned. */
export function extractMetadata($: CheerioAPI, options: { url?: string; fallbackTitle?: string } = {}): PageMetadata {
  const metas = new Map<string, string>();
  $("meta").each((_, el) => {
    const key = (el.attribs.property ?? el.attribs.name ?? el.attribs.itemprop ?? el.attribs["http-equiv"])
      ?.trim()
      .toLowerCase();
    const value = text(el.attribs.content);
    if (key && value && !metas.has(key)) metas.set(key, value);
  });
  const meta = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = metas.get(key);
      if (value) return value;
    }
    return undefined;
  };

  const ld = jsonLdObjects($);
  const articleLd =
    ld.find((o) => typesOf(o).some((t) => ARTICLE_TYPES.test(t) && t !== "WebPage")) ??
    ld.find((o) => typesOf(o).some((t) => ARTICLE_TYPES.test(t)));
  const orgLd = ld.find((o) => typesOf(o).some((t) => /^(?:Organization|NewsMediaOrganization|WebSite)$/.test(t)));

  const siteName =
    meta("og:site_name", "application-name", "twitter:app:name:iphone") ??
    names(articleLd?.publisher)[0] ??
    text(orgLd?.name);

  const headings = $("h1")
    .slice(0, MAX_H1_HEADINGS)
    .map((_, el) => $(el).text().replace(/\s+/g, " ").trim())
    .get()
    .filter(Boolean);
  const rawTitle =
    meta("og:title", "twitter:title") ??
    text(articleLd?.headline) ??
    text($("title").first().text()) ??
    headings[0] ??
    options.fallbackTitle ??
    "";
  const title = trimSeparators(stripTitleSuffix(rawTitle, { siteName, headings }));
  const titleTag = text($("title").first().text());

  const ldAuthors = names(articleLd?.author)
    .map((n) => n.trim())
    .filter((n) => n && !isUrl(n));
  const metaAuthor = AUTHOR_META.map((k) => metas.get(k)).find((v) => v && !isUrl(v));
  const relAuthor = text(
    $('[rel="author"], [itemprop="author"] [itemprop="name"], [itemprop="author"]').first().text(),
  );
  const byline = ldAuthors.length ? ldAuthors.join(", ") : (metaAuthor ?? relAuthor);

  const published =
    toIsoDate(text(articleLd?.datePublished) ?? text(articleLd?.dateCreated)) ??
    toIsoDate(meta(...DATE_META)) ??
    toIsoDate($("time[datetime]").first().attr("datetime")) ??
    toIsoDate($("[itemprop=datePublished]").first().attr("content"));

  const canonical = $('link[rel="canonical"]').attr("href") ?? meta("og:url");
  const canonicalUrl = canonical ? absoluteUrl(canonical, options.url) : undefined;

  const lang =
    text($("html").attr("lang")) ??
    text($("html").attr("xml:lang")) ??
    meta("content-language", "og:locale", "language", "dc.language");

  const jsonLdBody = ld.map((o) => o.articleBody).find((b): b is string => typeof b === "string" && b.trim() !== "");

  return {
    title,
    siteName: trimSeparators(siteName ?? (titleTag ? siteFromTitle(titleTag, title) : undefined) ?? "") || undefined,
    byline: cleanByline(byline),
    published,
    canonicalUrl,
    lang,
    jsonLdBody,
  };
}

function absoluteUrl(href: string, base: string | undefined): string | undefined {
  try {
    const url = new URL(href, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
