/**
 * The HTML cleaner: a page in, its article out (or NotAnArticleError).
 *
 * How it works, in the spirit of mozilla/readability but over cheerio's htmlparser2 tree:
 *  1. read metadata (meta, Open Graph, JSON-LD, <time>) before anything is removed;
 *  2. drop what is never content (scripts, styles, forms' controls, hidden nodes, comments);
 *  3. score every block that holds running text — text length, commas and Chinese punctuation,
 *     link density, class/id hints — and let the scores flow to its ancestors;
 *  4. take the best container (plus siblings that score alike; all chunks of a story split around
 *     ads; only the first of several dated posts) and walk it in reading order, dropping link
 *     lists, share bars, "related" blocks, captions and other boilerplate;
 *  5. drop boilerplate lines (lines.ts: bylines, date lines, prompts, trailing notices), rejoin
 *     fixed-width wrapped text;
 *  6. if that is too little text, retry with the unlikely-looking nodes kept; fall back to
 *     JSON-LD `articleBody`; below the thresholds, refuse honestly.
 */
import { load } from "cheerio/slim";
import type { AnyNode, Element, ParentNode } from "domhandler";
import { NotAnArticleError } from "../../errors.js";
import { findDateInText, findLastDateInText } from "../../text/dates.js";
import { weightedLength } from "../../text/lang.js";
import { parseHtml } from "../../text/parse-html.js";
import type { Article } from "../../types.js";
import { countWords, makeArticle } from "./article.js";
import { keptLineIndexes, reflowFixedWidth } from "./lines.js";
import { extractMetadata, type PageMetadata } from "./metadata.js";

// ---------------------------------------------------------------------------------------------
// Tunables and patterns (one place; each value says why it is what it is).

export const TUNABLES = {
  /** A block needs this much weighted text to vote for its container (readability uses 25 chars). */
  minParagraphWeight: 25,
  /** Score per paragraph: 1 + punctuation marks + one point per this many weighted chars (capped). */
  charsPerPoint: 100,
  maxLengthPoints: 3,
  /** How a paragraph's score flows up: self and parent full, grandparent half, then /(level·3). */
  ancestorLevels: 5,
  /** Class/id hints move a container's score by this much (readability's value). */
  classWeight: 25,
  /** List items with more link text than this share do not vote for their container. */
  maxListItemLinkDensity: 0.3,
  /** Siblings of the best container join it when they score at least this share of it… */
  siblingScoreShare: 0.2,
  /** …or are plain paragraphs longer than this with few links. */
  siblingParagraphChars: 80,
  siblingMaxLinkDensity: 0.25,
  /** Repeated post bodies (blog archives, forum threads) are elements with at least this much text. */
  postMinWeight: 150,
  /** …and make up at least this share of the best container that holds them. */
  postsShareOfContainer: 0.6,
  /** How far before the article to look for its date line (chars). */
  dateSearchChars: 300,
  /** Same-class chunks of one story (split around ads) are joined when they carry few links… */
  chunkMaxLinkDensity: 0.3,
  /** …sit within this many levels below their common ancestor… */
  chunkMaxLevels: 5,
  /** …and make up at least this share of their common ancestor's text. */
  chunksShareOfAncestor: 0.6,
  /** A best container with one child scoring at least this share of it is narrowed to that child. */
  dominantChildShare: 0.9,
  /** The best container is narrowed to a dominant child at most this many times (layout cells nest a few deep). */
  maxNarrowings: 5,
  /** If ≥ this many other candidates score ≥ 75% of the best and share an ancestor, take that ancestor… */
  alternativeShare: 0.75,
  alternativeCount: 3,
  /** …among the runners-up this far down the ranking (readability looks at the top five). */
  alternativesConsidered: 5,
  /** An unlikely-looking node is kept inside a table or code block this many levels up (a layout table's cell). */
  unlikelyKeptUnderLevels: 3,
  /** Inside the article: a block whose text is mostly link text is navigation or a "related" list. */
  maxLinkDensity: 0.5,
  /** A block with a negative hint is dropped at a lower link density. */
  maxLinkDensityNegative: 0.2,
  /** Blocks with this many commas/Chinese punctuation marks are prose: never dropped by the checks. */
  proseMarks: 10,
  /**
   * Honest failure. Bench gold bodies have ≥ 69 words (en) and ≥ 142 words (zh, Han chars count one
   * each), and what we extract from them ≥ 69 and ≥ 120; app shells, login pages and error pages yield
   * 0–30. Below this many words (countWords) there is no article we can stand behind.
   */
  minArticleWords: 50,
  /**
   * A list or index page has only short lines (headlines, teasers). Bench articles all have a paragraph
   * of ≥ 120 weighted chars (en) or a long body of hard-wrapped lines (zh, ≥ 6000 weighted chars in
   * total); a page whose longest paragraph is shorter than this and whose text is under
   * `listPageMaxWeight` is refused.
   */
  minLongestParagraphWeight: 100,
  listPageMaxWeight: 2000,
  /** A teaser shorter than this that mentions a paywall/login wall is not the article. */
  paywallTeaserWords: 220,
  /** Chinese pages give local times without a zone; they are Beijing time. */
  chinaTimeZone: "+08:00",
  /** Retry with unlikely-looking nodes kept when the first pass finds fewer words than this. */
  retryBelowWords: 250,
  /** Use JSON-LD `articleBody` when what we found is shorter than this share of it. */
  jsonLdPreferShare: 0.6,
  /** The relaxed retry (unlikely nodes kept) wins only with this many times the words: extra chrome is cheap. */
  retryWinsBy: 1.5,
  /** A date in the text is looked for in this many first paragraphs (the dateline sits at the top). */
  dateParagraphs: 3,
  /** Siblings must score at least this, however weak the best container (readability's floor). */
  siblingMinScore: 10,
  /** A sibling with the best container's class gets this share of its score as a bonus (readability's value). */
  sameClassBonusShare: 0.2,
  /** A block named like chrome (share bar, related list, caption) goes when under this share of the article… */
  chromeShareOfArticle: 0.3,
  /** …or, when it is not prose, under this share. */
  chromeNotProseShareOfArticle: 0.5,
  /** Figures and captions with less weighted text than this (and any that are not prose) are dropped. */
  figureMinWeight: 400,
  /** A block with a negative class hint, not prose and lighter than this, is dropped. */
  negativeBlockMinWeight: 200,
  /** A non-list block with this many more list items than paragraphs is a list of links when… */
  extraListItems: 3,
  /** …its link density passes this. */
  listLikeMaxLinkDensity: 0.3,
  /** A list (or any block with this many links) whose link density passes `linkListMaxLinkDensity` is navigation… */
  linkListMinItems: 3,
  linkListMaxLinkDensity: 0.35,
  /** …for a block of links, only when lighter than this (a long annotated list is content). */
  linkListMaxWeight: 400,
  /** A post's title is one of this many lines above it… */
  postTitleLookback: 4,
  /** …and no heavier than this (a headline, not a paragraph). */
  postTitleMaxWeight: 120,
} as const;

/** Class/id words that make a node unlikely to be content (dropped in the first pass). */
const UNLIKELY =
  /-ad-|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|share|recommend|newsletter|subscribe|signup|cookie|consent|toolbar|navbar|topbar|crumb|copyright|modal|overlay|outbrain|taboola|promo|hot-?news|rank|tags?-?list|login|register|daohang|dh_|bottom|nav\b|xgwz|xgxw|tuijian|redian|paihang|fenxiang|pinglun/i;
/** …unless they also say this. */
const MAYBE_CANDIDATE =
  /and|article|body|column|content|main|mathjax|shadow|text|story|entry|post|detail|zhengwen|正文|wenzhang/i;
/** Hints that raise a container's score. */
const POSITIVE =
  /article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|detail|zhengwen|正文|wenzhang|neirong|artibody|article_?con|con_?text|read/i;
/** Hints that lower a container's score. */
const NEGATIVE =
  /-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|recommend|newsletter|subscribe|byline|author|dateline|caption|credit|breadcrumb|nav|menu|copyright|hot|rank|login|xgwz|xgxw|tuijian|fenxiang|pinglun|editor|zebian/i;
/** Inside the chosen article these are dropped whatever their link density (when not prose). */
const BOILERPLATE_BLOCK =
  /share|social|related|recommend|newsletter|subscribe|signup|sign-up|promo|advert|\bads?\b|ad-?(?:slot|unit|container|wrapper)|sponsor|outbrain|taboola|comment|byline|author-?(?:info|bio|box)|dateline|timestamp|caption|credit|breadcrumb|tags|toolbar|print|read-?more|more-?stories|newsletter|disclaimer|copyright|editor|zebian|xgwz|xgxw|tuijian|fenxiang|pinglun|bdshare|jiathis|\bcta\b|-cta\b|cta-/i;
/** A post quoted in the article (an embedded tweet): the story quotes it, so it is content. */
const EMBEDDED_POST =
  /twitter-tweet|instagram-media|tiktok-embed|social-(?:media-)?embed|embed-(?:twitter|tweet)|tweet-embed/i;
/** ARIA roles of chrome, never content. */
const CHROME_ROLES = /^(?:menu|menubar|complementary|navigation|alert|alertdialog|dialog|banner|contentinfo|search)$/i;
/** Pages that say this and show only a little text are paywall or login teasers. */
const PAYWALL =
  /subscribe to (?:continue|read)|subscribers? only|already a subscriber|to continue reading|log ?in to (?:continue|read)|sign in to (?:continue|read)|create a free account|paywall|订阅后(?:阅读|查看)|付费(?:阅读|内容)|登录后(?:阅读|查看)|会员专享|开通会员/i;
/** Never content: removed before scoring. */
const JUNK_TAGS = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "link",
  "meta",
  "iframe",
  "object",
  "embed",
  "svg",
  "canvas",
  "video",
  "audio",
  "map",
  "input",
  "select",
  "textarea",
  "button",
  "option",
  "dialog",
  "head",
  "title",
  "nav",
  "aside",
]);
/** Inline (phrasing) elements: their text belongs to the enclosing block. */
const INLINE_TAGS = new Set([
  "a",
  "abbr",
  "acronym",
  "b",
  "bdi",
  "bdo",
  "big",
  "br",
  "cite",
  "code",
  "data",
  "del",
  "dfn",
  "em",
  "font",
  "i",
  "img",
  "ins",
  "kbd",
  "label",
  "mark",
  "nobr",
  "q",
  "s",
  "samp",
  "small",
  "span",
  "strike",
  "strong",
  "sub",
  "sup",
  "time",
  "tt",
  "u",
  "var",
  "wbr",
]);
/** Elements that may contain the article (readability scores these as containers). */
const CONTAINER_TAGS = new Set([
  "div",
  "article",
  "section",
  "main",
  "body",
  "td",
  "tr",
  "tbody",
  "table",
  "blockquote",
  "pre",
  "center",
  "form",
  "font",
  "span",
  "dd",
  "li",
  "ul",
  "ol",
]);
const TAG_BASE_SCORE: Record<string, number> = {
  div: 5,
  article: 5,
  main: 5,
  pre: 3,
  td: 3,
  blockquote: 3,
  address: -3,
  ol: -3,
  ul: -3,
  dl: -3,
  dd: -3,
  dt: -3,
  li: -3,
  form: -3,
  h1: -5,
  h2: -5,
  h3: -5,
  h4: -5,
  h5: -5,
  h6: -5,
  th: -5,
};
/** Blocks checked (and maybe dropped) when walking the chosen article, as readability's cleanConditionally. */
const CONDITIONAL_TAGS = new Set([
  "div",
  "section",
  "table",
  "ul",
  "ol",
  "dl",
  "form",
  "fieldset",
  "aside",
  "figure",
  "header",
  "footer",
  "center",
  "p",
  "span",
  "font",
  "li",
  "blockquote",
  "td",
  "tr",
  "tbody",
]);
/** A post's date line (between two posts of a blog archive or a forum thread). */
const POST_DATE = /(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}|\b\d{1,2}[:：]\d{2}\b/;
/** Marks that signal running prose: commas and Chinese punctuation. */
const PROSE_MARKS = /[,，。、；：“”！？;]/g;
const SENTENCE_END = /[.!?。！？」”"')）…]\s*$/u;

// ---------------------------------------------------------------------------------------------

export interface CleanHtmlOptions {
  html: string;
  /** The page's URL (final, after redirects), when known. */
  url?: string;
}

/** Cleans an HTML page to its article; throws NotAnArticleError when the page holds none. */
export function cleanHtml(options: CleanHtmlOptions): Article {
  try {
    return cleanParsedHtml(options);
  } catch (error) {
    // Pathological nesting (tens of thousands of unclosed tags) exhausts the stack of the tree walks.
    if (error instanceof RangeError) {
      throw new NotAnArticleError("The page is nested too deeply to read.", { cause: error });
    }
    throw error;
  }
}

function cleanParsedHtml({ html, url }: CleanHtmlOptions): Article {
  const wrapper = unwrapTextLine(html);
  const $ = load(parseHtml(wrapper.html));
  const meta = extractMetadata($, { url: url ?? wrapper.url, fallbackTitle: wrapper.title });
  const title = meta.title || wrapper.title || "";
  const titles = [
    title,
    wrapper.title,
    $("title").first().text(),
    ...$("h1")
      .map((_, el) => $(el).text())
      .get(),
  ];
  const root = $.root()[0] as unknown as ParentNode;
  removeJunk(root);
  const body = findBody(root);

  let found = extractParagraphs(body, { dropUnlikely: true });
  if (countWords(found.paragraphs.join("\n")) < TUNABLES.retryBelowWords) {
    const relaxed = extractParagraphs(body, { dropUnlikely: false });
    if (countWords(relaxed.paragraphs.join("\n")) > countWords(found.paragraphs.join("\n")) * TUNABLES.retryWinsBy)
      found = relaxed;
  }
  if (found.postTitle) titles.push(found.postTitle);
  const kept = keptLineIndexes(found.paragraphs, { titles, byline: meta.byline });
  // A break is rejoinable only between two kept lines that were neighbours across a `<br>`.
  const softBreaks = kept.map((index, k) => found.softBreaks[index] === true && kept[k + 1] === index + 1);
  let paragraphs = reflowFixedWidth(
    kept.map((index) => found.paragraphs[index]!),
    softBreaks,
  );
  paragraphs = preferJsonLdBody(paragraphs, meta);

  refuseNonArticles(paragraphs, $.text());

  const article = makeArticle({
    title: found.postTitle ?? title,
    siteName: meta.siteName,
    byline: meta.byline?.replace(/^(?:by|von|par|por)\s+/i, ""),
    // No date in the metadata: the page's own date line nearest above the article, in its first lines,
    // or just below it (blogs and forums: `发表于 2004年12月27日 12:40`).
    published:
      meta.published ??
      findLastDateInText(found.textBefore) ??
      findDateInText(found.paragraphs.slice(0, TUNABLES.dateParagraphs).join("\n")) ??
      findDateInText(found.textAfter),
    url: url ?? wrapper.url,
    canonicalUrl: meta.canonicalUrl,
    lang: meta.lang,
    paragraphs,
  });
  return withChinaTimeZone(article);
}

/** A Chinese page's date with a time but no zone is Beijing time (as the pasted-text cleaner assumes). */
function withChinaTimeZone(article: Article): Article {
  const published = article.published;
  if (article.lang !== "zh" || !published || !/T\d{2}:\d{2}(?::\d{2})?$/.test(published)) return article;
  return {
    ...article,
    published: `${published}${published.length === "YYYY-MM-DDTHH:MM".length ? ":00" : ""}${TUNABLES.chinaTimeZone}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Input quirks.

/**
 * CleanEval-style dumps start with a non-HTML `<text id="URL" title="…" encoding="…">` line; read its
 * URL and title and hand the rest to the parser.
 */
function unwrapTextLine(html: string): { html: string; url?: string; title?: string } {
  const match = /^\s*<text\b([^>]*)>/i.exec(html.slice(0, 4096));
  if (!match || /<html/i.test(match[0])) return { html };
  const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, "i").exec(match[1] ?? "")?.[1]?.trim();
  const rest = html.slice(match[0].length).replace(/<\/text>\s*$/i, "");
  const id = attr("id");
  return { html: rest, url: id && /^https?:\/\//i.test(id) ? id : undefined, title: attr("title") || undefined };
}

// ---------------------------------------------------------------------------------------------
// Tree helpers (domhandler nodes: fast, no cheerio wrapper objects in the hot loops).

const isElement = (node: AnyNode): node is Element =>
  node.type === "tag" || node.type === "script" || node.type === "style";

function removeJunk(node: ParentNode): void {
  const kept: AnyNode[] = [];
  for (const child of node.children) {
    if (child.type === "comment" || child.type === "directive" || child.type === "cdata") continue;
    if (isElement(child)) {
      const name = child.name.toLowerCase();
      if (JUNK_TAGS.has(name) || isHidden(child)) continue;
      removeJunk(child);
    }
    kept.push(child);
  }
  if (kept.length !== node.children.length) {
    for (let i = 0; i < kept.length; i++) {
      const child = kept[i]!;
      child.prev = kept[i - 1] ?? null;
      child.next = kept[i + 1] ?? null;
    }
    node.children = kept;
  }
}

function isHidden(el: Element): boolean {
  const a = el.attribs;
  if ("hidden" in a || a["aria-hidden"] === "true") return true;
  const style = a.style;
  return !!style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

function findBody(root: ParentNode): Element | ParentNode {
  const stack: AnyNode[] = [...root.children];
  while (stack.length) {
    const node = stack.shift()!;
    if (isElement(node)) {
      if (node.name === "body") return node;
      if (node.name === "html") stack.unshift(...node.children);
    }
  }
  return root;
}

const hintOf = (el: Element): string => `${el.attribs.class ?? ""} ${el.attribs.id ?? ""}`;

function classWeight(el: Element): number {
  const hint = hintOf(el);
  let weight = 0;
  if (hint.trim()) {
    if (NEGATIVE.test(hint)) weight -= TUNABLES.classWeight;
    if (POSITIVE.test(hint)) weight += TUNABLES.classWeight;
  }
  if (el.attribs.itemprop === "articleBody") weight += TUNABLES.classWeight;
  return weight;
}

function isUnlikely(el: Element): boolean {
  const name = el.name;
  if (name === "body" || name === "html" || name === "article" || name === "main" || name === "a") return false;
  if (el.attribs.role && CHROME_ROLES.test(el.attribs.role)) return true;
  if (name === "footer" || name === "header" || name === "menu") return true;
  const hint = hintOf(el);
  if (EMBEDDED_POST.test(hint)) return false;
  return (
    UNLIKELY.test(hint) &&
    !MAYBE_CANDIDATE.test(hint) &&
    !hasAncestor(el, (a) => a.name === "table" || a.name === "code")
  );
}

function hasAncestor(el: Element, test: (a: Element) => boolean, levels = TUNABLES.unlikelyKeptUnderLevels): boolean {
  let node = el.parent;
  for (let i = 0; node && i < levels; i++, node = node.parent) {
    if (isElement(node) && test(node)) return true;
  }
  return false;
}

/** Collapses white space; drops a line break between two CJK characters (hard-wrapped Chinese). */
function squash(text: string): string {
  return text
    .replace(/([\p{Script=Han}，。、；：！？”“）])[ \t\r]*\n\s*(?=[\p{Script=Han}，。、；：！？”“（])/gu, "$1")
    .replace(/[\s\u00a0]+/g, " ");
}

const proseMarks = (text: string): number => text.match(PROSE_MARKS)?.length ?? 0;

// ---------------------------------------------------------------------------------------------
// Per-node statistics.

interface NodeStats {
  /** Weighted length of all visible text below. */
  weight: number;
  /** Weighted length of text inside links. */
  linkWeight: number;
  marks: number;
}

interface Pass {
  dropUnlikely: boolean;
  skipped: Set<Element>;
  stats: Map<Element, NodeStats>;
  scores: Map<Element, number>;
}

function computeStats(node: ParentNode, pass: Pass, inLink: boolean): NodeStats {
  const total: NodeStats = { weight: 0, linkWeight: 0, marks: 0 };
  for (const child of node.children) {
    if (child.type === "text") {
      const t = child.data;
      if (!/\S/.test(t)) continue;
      const w = weightedLength(t.trim());
      total.weight += w;
      if (inLink) total.linkWeight += w;
      total.marks += proseMarks(t);
    } else if (isElement(child)) {
      if (pass.skipped.has(child)) continue;
      const s = computeStats(child, pass, inLink || child.name === "a");
      total.weight += s.weight;
      total.linkWeight += s.linkWeight;
      total.marks += s.marks;
    }
  }
  if (isElement(node as AnyNode)) pass.stats.set(node as Element, total);
  return total;
}

const linkDensity = (pass: Pass, el: Element): number => {
  const s = pass.stats.get(el);
  return s && s.weight > 0 ? s.linkWeight / s.weight : 0;
};

function markUnlikely(node: ParentNode, pass: Pass): void {
  for (const child of node.children) {
    if (!isElement(child)) continue;
    if (pass.dropUnlikely && isUnlikely(child)) {
      pass.skipped.add(child);
      continue;
    }
    markUnlikely(child, pass);
  }
}

/** Text of a block's own inline content (text nodes and inline descendants, not nested blocks). */
function inlineText(el: Element, pass: Pass): string {
  let out = "";
  const visit = (node: ParentNode) => {
    for (const child of node.children) {
      if (child.type === "text") out += child.data;
      else if (isElement(child) && !pass.skipped.has(child) && INLINE_TAGS.has(child.name)) {
        if (child.name === "br") out += "\n";
        else visit(child);
      }
    }
  };
  visit(el);
  return out;
}

function scoreParagraphs(node: ParentNode, pass: Pass): void {
  for (const child of node.children) {
    if (!isElement(child) || pass.skipped.has(child)) continue;
    scoreParagraphs(child, pass);
    if (INLINE_TAGS.has(child.name) && child.name !== "font" && child.name !== "span") continue;
    const text = squash(inlineText(child, pass)).trim();
    const weight = weightedLength(text);
    if (weight < TUNABLES.minParagraphWeight) continue;
    // A list item that is mostly links (a forum's reply tree, a "more stories" list) is not a paragraph: scored,
    // hundreds of them outvote the short post above them.
    if (child.name === "li" && linkDensity(pass, child) > TUNABLES.maxListItemLinkDensity) continue;
    const score =
      1 + proseMarks(text) + Math.min(Math.floor(weight / TUNABLES.charsPerPoint), TUNABLES.maxLengthPoints);
    let ancestor: ParentNode | null = CONTAINER_TAGS.has(child.name) ? child : child.parent;
    for (let level = 0; ancestor && isElement(ancestor as AnyNode) && level < TUNABLES.ancestorLevels; level++) {
      const el = ancestor as Element;
      if (!pass.scores.has(el)) pass.scores.set(el, (TAG_BASE_SCORE[el.name] ?? 0) + classWeight(el));
      const divider = level <= 1 ? 1 : level === 2 ? 2 : level * 3;
      pass.scores.set(el, pass.scores.get(el)! + score / divider);
      ancestor = el.parent;
    }
  }
}

function depthOf(el: Element): number {
  let depth = 0;
  for (let node = el.parent; node; node = node.parent) depth++;
  return depth;
}

function pickTopCandidate(pass: Pass): Element | undefined {
  const ranked: { el: Element; score: number; depth: number }[] = [];
  for (const [el, raw] of pass.scores) {
    if (!CONTAINER_TAGS.has(el.name) && el.name !== "p") continue;
    ranked.push({ el, score: raw * (1 - linkDensity(pass, el)), depth: depthOf(el) });
  }
  // Equal scores: the deeper node (the parent only repeats its one child's score plus its noise).
  ranked.sort((a, b) => b.score - a.score || b.depth - a.depth);
  const best = ranked[0];
  if (!best) return undefined;
  for (const r of ranked) pass.scores.set(r.el, r.score);

  let top = best.el;
  // A container whose score comes almost all from one child (a layout cell beside a small info cell):
  // the child is the article.
  for (let narrowed = 0; narrowed < TUNABLES.maxNarrowings; narrowed++) {
    const dominant = top.children.find(
      (c): c is Element =>
        isElement(c) &&
        CONTAINER_TAGS.has(c.name) &&
        (pass.scores.get(c) ?? 0) >= (pass.scores.get(top) ?? 0) * TUNABLES.dominantChildShare,
    );
    if (!dominant) break;
    top = dominant;
  }
  // Several strong candidates under one ancestor: the article is split into parts (readability's rule).
  const alternatives = ranked
    .slice(1, 1 + TUNABLES.alternativesConsidered)
    .filter((r) => r.score >= best.score * TUNABLES.alternativeShare && !contains(r.el, top) && !contains(top, r.el));
  if (alternatives.length >= TUNABLES.alternativeCount) {
    let ancestor = top.parent;
    while (ancestor && isElement(ancestor as AnyNode) && (ancestor as Element).name !== "body") {
      const a = ancestor as Element;
      const holding = alternatives.filter((r) => contains(a, r.el)).length;
      if (holding >= TUNABLES.alternativeCount) {
        top = a;
        break;
      }
      ancestor = a.parent;
    }
  }
  // An only child carries no more than its parent: climb.
  while (top.parent && isElement(top.parent as AnyNode) && (top.parent as Element).name !== "body") {
    const siblings = top.parent.children.filter((c) => isElement(c) && !pass.skipped.has(c));
    if (siblings.length !== 1) break;
    top = top.parent as Element;
  }
  return top;
}

function closest(el: Element, test: (a: Element) => boolean): Element | undefined {
  for (let node = el.parent; node; node = node.parent)
    if (isElement(node as AnyNode) && test(node as Element)) return node as Element;
  return undefined;
}

function contains(ancestor: Element, node: Element): boolean {
  for (let p = node.parent; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

/** The best container plus its siblings that look like more of the same article. */
function gatherArticle(top: Element, pass: Pass): Element[] {
  const parent = top.parent;
  if (!parent || !isElement(parent as AnyNode)) return [top];
  const topScore = pass.scores.get(top) ?? 0;
  const threshold = Math.max(TUNABLES.siblingMinScore, topScore * TUNABLES.siblingScoreShare);
  const topClass = top.attribs.class ?? "";
  const out: Element[] = [];
  for (const sibling of parent.children) {
    if (!isElement(sibling) || pass.skipped.has(sibling)) continue;
    if (sibling === top) {
      out.push(sibling);
      continue;
    }
    let bonus = 0;
    if (topClass && sibling.attribs.class === topClass) bonus += topScore * TUNABLES.sameClassBonusShare;
    const score = pass.scores.get(sibling);
    if (score !== undefined && score + bonus >= threshold) {
      out.push(sibling);
      continue;
    }
    if (sibling.name === "p" || (sibling.name === "div" && !hasBlockChild(sibling))) {
      const text = squash(inlineText(sibling, pass)).trim();
      const density = linkDensity(pass, sibling);
      const weight = weightedLength(text);
      if (weight > TUNABLES.siblingParagraphChars && density < TUNABLES.siblingMaxLinkDensity) out.push(sibling);
      else if (weight > 0 && weight <= TUNABLES.siblingParagraphChars && density === 0 && SENTENCE_END.test(text))
        out.push(sibling);
    }
  }
  return out;
}

function hasBlockChild(el: Element): boolean {
  return el.children.some((c) => isElement(c) && !INLINE_TAGS.has(c.name));
}

/**
 * Blog front pages, monthly archives and forum threads show several full posts, each body in an element
 * of the same class, each introduced by its own date line. The person sent the first (the newest post,
 * or the thread's opening post): take it alone. Split articles (one story in several same-class chunks)
 * are told apart by the dates: chunks of one story have no date between them.
 */
function firstOfRepeatedPosts(body: Element | ParentNode, best: Element, pass: Pass): Element | undefined {
  const groups = new Map<string, Element[]>();
  const offsets = new Map<Element, [number, number]>();
  let text = "";
  const walk = (node: ParentNode) => {
    for (const child of node.children) {
      if (child.type === "text") text += child.data;
      else if (isElement(child) && !pass.skipped.has(child)) {
        const start = text.length;
        walk(child);
        const cls = child.attribs.class?.trim();
        if (cls && CONTAINER_TAGS.has(child.name) && (pass.stats.get(child)?.weight ?? 0) >= TUNABLES.postMinWeight) {
          offsets.set(child, [start, text.length]);
          const key = `${child.name}.${cls}`;
          const group = groups.get(key);
          if (group) group.push(child);
          else groups.set(key, [child]);
        }
      }
    }
  };
  walk(body);
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const [first, second] = members as [Element, Element];
    if (contains(first, second) || first.parent === second.parent) continue;
    // Posts are prose, and when the best container holds them, they are most of it (not tables in an article).
    if ((pass.stats.get(first)?.marks ?? 0) < TUNABLES.proseMarks) continue;
    const inside = members.filter((m) => contains(best, m));
    const holds =
      inside.length > 0 &&
      inside.reduce((sum, m) => sum + (pass.stats.get(m)?.weight ?? 0), 0) >=
        (pass.stats.get(best)?.weight ?? 0) * TUNABLES.postsShareOfContainer;
    if (!holds && !members.some((m) => m === best || contains(m, best))) continue;
    const between = text.slice(offsets.get(first)![1], offsets.get(second)![0]);
    if (POST_DATE.test(between)) return first;
  }
  return undefined;
}

/**
 * One story split into chunks of the same class, each in its own wrapper between ad rails or
 * promos (`div.article__chunks > div.grid > div.article__body`): the chunks' nearest common
 * ancestor is the article, provided the chunks are most of its text.
 */
function joinSplitChunks(body: Element | ParentNode, best: Element, pass: Pass): Element | undefined {
  const cls = best.attribs.class?.trim();
  if (!cls) return undefined;
  const chunks: Element[] = [];
  const walk = (node: ParentNode) => {
    for (const child of node.children) {
      if (!isElement(child) || pass.skipped.has(child)) continue;
      if (child.name === best.name && child.attribs.class?.trim() === cls) {
        const stats = pass.stats.get(child);
        if (
          stats &&
          stats.weight >= TUNABLES.minParagraphWeight &&
          linkDensity(pass, child) < TUNABLES.chunkMaxLinkDensity
        )
          chunks.push(child);
        continue;
      }
      walk(child);
    }
  };
  walk(body);
  if (chunks.length < 2 || !chunks.includes(best)) return undefined;
  // Chunks of one story stay inside its <article>; a same-class block in another <article> is another story.
  const story = closest(best, (a) => a.name === "article");
  if (story && !chunks.every((c) => contains(story, c))) return undefined;
  let ancestor = best.parent;
  let levels = 1;
  while (ancestor && isElement(ancestor as AnyNode) && !chunks.every((c) => contains(ancestor as Element, c))) {
    ancestor = ancestor.parent;
    levels++;
  }
  if (levels > TUNABLES.chunkMaxLevels) return undefined;
  if (!ancestor || !isElement(ancestor as AnyNode)) return undefined;
  const common = ancestor as Element;
  if (common.name === "body" || common.name === "html") return undefined;
  const chunkWeight = chunks.reduce((sum, c) => sum + (pass.stats.get(c)?.weight ?? 0), 0);
  return chunkWeight >= (pass.stats.get(common)?.weight ?? 0) * TUNABLES.chunksShareOfAncestor ? common : undefined;
}

// ---------------------------------------------------------------------------------------------
// Walking the article out.

function countTags(el: Element, pass: Pass, names: Set<string>): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (node: ParentNode) => {
    for (const c of node.children) {
      if (!isElement(c) || pass.skipped.has(c)) continue;
      if (names.has(c.name)) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
      visit(c);
    }
  };
  visit(el);
  return counts;
}

const COUNTED = new Set(["p", "img", "li", "a", "h2", "h3", "h4", "br"]);

/** Readability's cleanConditionally, adapted: should this block inside the article be dropped? */
function isBoilerplateBlock(el: Element, pass: Pass, top: Element): boolean {
  const name = el.name;
  if (el === top) return false;
  const stats = pass.stats.get(el);
  if (!stats || stats.weight === 0) return name !== "img";
  const hint = hintOf(el);
  if (EMBEDDED_POST.test(hint)) return false;
  const density = linkDensity(pass, el);
  const prose = stats.marks >= TUNABLES.proseMarks;
  const topWeight = pass.stats.get(top)?.weight ?? stats.weight;
  // A block named like chrome (share bar, related list, byline, caption) that is a small part of the article.
  if (
    hint.trim() &&
    BOILERPLATE_BLOCK.test(hint) &&
    !MAYBE_CANDIDATE.test(hint) &&
    stats.weight < topWeight * TUNABLES.chromeShareOfArticle
  )
    return true;
  if (
    hint.trim() &&
    BOILERPLATE_BLOCK.test(hint) &&
    !prose &&
    stats.weight < topWeight * TUNABLES.chromeNotProseShareOfArticle
  )
    return true;
  if (name === "figure" || name === "figcaption") return !prose || stats.weight < TUNABLES.figureMinWeight;
  if (!CONDITIONAL_TAGS.has(name)) return false;
  const weight = classWeight(el);
  if (weight < 0 && density > TUNABLES.maxLinkDensityNegative) return true;
  if (prose && density < TUNABLES.maxLinkDensity) return false;
  if (density > TUNABLES.maxLinkDensity) return true;
  if (weight < 0 && !prose && stats.weight < TUNABLES.negativeBlockMinWeight) return true;
  if (name === "p" || name === "span" || name === "font") return false;
  const counts = countTags(el, pass, COUNTED);
  const p = counts.get("p") ?? 0;
  const li = counts.get("li") ?? 0;
  const links = counts.get("a") ?? 0;
  const isList = name === "ul" || name === "ol";
  if (!isList && li > p + TUNABLES.extraListItems && density > TUNABLES.listLikeMaxLinkDensity) return true;
  if (isList && li >= TUNABLES.linkListMinItems && density > TUNABLES.linkListMaxLinkDensity) return true;
  if (
    links >= TUNABLES.linkListMinItems &&
    density > TUNABLES.linkListMaxLinkDensity &&
    stats.weight < TUNABLES.linkListMaxWeight
  )
    return true;
  return false;
}

interface Emitter {
  paragraphs: string[];
  /** Per paragraph: whether a `<br>` ended it (a line of a hard-wrapped text may continue after it). */
  softBreaks: boolean[];
  current: string;
}

function flush(out: Emitter, atLineBreak = false): void {
  const text = squash(out.current).trim();
  out.current = "";
  if (text) {
    out.paragraphs.push(text);
    out.softBreaks.push(atLineBreak);
  } else if (out.softBreaks.length > 0) {
    // An empty line (`<br><br>`) or the end of a block: the paragraph before it has ended.
    out.softBreaks[out.softBreaks.length - 1] = false;
  }
}

function emit(node: ParentNode, pass: Pass, top: Element, out: Emitter): void {
  for (const child of node.children) {
    if (child.type === "text") {
      out.current += child.data;
      continue;
    }
    if (!isElement(child) || pass.skipped.has(child)) continue;
    const name = child.name;
    if (name === "br") {
      // `<br>` separates lines; in old pages it separates paragraphs. Keep each line as its own paragraph
      // (reflowFixedWidth rejoins the lines of hard-wrapped text).
      flush(out, true);
      continue;
    }
    if (name === "img" || name === "figcaption") continue;
    if (name === "h1") {
      flush(out);
      continue;
    }
    const inline = INLINE_TAGS.has(name);
    if (!inline && isBoilerplateBlock(child, pass, top)) {
      flush(out);
      continue;
    }
    if (inline) {
      emit(child, pass, top, out);
      continue;
    }
    flush(out);
    emit(child, pass, top, out);
    flush(out);
  }
}

interface Extraction {
  paragraphs: string[];
  /** Per paragraph: whether a `<br>` ended it. */
  softBreaks: boolean[];
  top?: Element;
  /** The post's own title when a blog archive or forum thread was narrowed to its first post. */
  postTitle?: string;
  /** The last stretch of page text before the article (where its date line usually is). */
  textBefore: string;
  /** The first stretch of page text after it (blogs and forums date a post below it). */
  textAfter: string;
}

function extractParagraphs(body: Element | ParentNode, options: { dropUnlikely: boolean }): Extraction {
  const pass: Pass = {
    ...options,
    skipped: new Set(),
    stats: new Map(),
    scores: new Map(),
  };
  markUnlikely(body, pass);
  computeStats(body, pass, false);
  scoreParagraphs(body, pass);
  const best = pickTopCandidate(pass);
  if (!best) return { paragraphs: [], softBreaks: [], textBefore: "", textAfter: "" };
  const firstPost = firstOfRepeatedPosts(body, best, pass);
  const chunks = firstPost ? undefined : joinSplitChunks(body, best, pass);
  const top = firstPost ?? chunks ?? best;
  const parts = firstPost || chunks ? [top] : gatherArticle(top, pass);
  const out: Emitter = { paragraphs: [], softBreaks: [], current: "" };
  for (const part of parts) {
    flush(out);
    if (part === top) emit(part, pass, top, out);
    else if (!isBoilerplateBlock(part, pass, top)) emit(part, pass, top, out);
    flush(out);
  }
  const { before, after } = textAround(body, top, pass, TUNABLES.dateSearchChars);
  return {
    paragraphs: out.paragraphs,
    softBreaks: out.softBreaks,
    top,
    textBefore: before.slice(-TUNABLES.dateSearchChars),
    textAfter: after.slice(0, TUNABLES.dateSearchChars),
    postTitle: firstPost ? postTitleBefore(before) : undefined,
  };
}

/** Page text (squashed, one line per block) before `target` and, up to `afterChars`, after it. */
function textAround(
  body: Element | ParentNode,
  target: Element,
  pass: Pass,
  afterChars: number,
): { before: string; after: string } {
  const before: string[] = [];
  const after: string[] = [];
  let lines = before;
  let afterLength = 0;
  let current = "";
  let state: "before" | "inside" | "after" | "done" = "before";
  const push = () => {
    const line = squash(current).trim();
    current = "";
    if (!line || state === "inside" || state === "done") return;
    lines.push(line);
    if (state === "after") {
      afterLength += line.length;
      if (afterLength >= afterChars) state = "done";
    }
  };
  const walk = (node: ParentNode) => {
    for (const child of node.children) {
      if (state === "done") return;
      if (child.type === "text") {
        if (state !== "inside") current += child.data;
      } else if (isElement(child) && !pass.skipped.has(child)) {
        const block = !INLINE_TAGS.has(child.name) || child.name === "br";
        if (block) push();
        if (child === target) {
          state = "inside";
          walk(child);
          state = "after";
          lines = after;
          continue;
        }
        walk(child);
        if (block) push();
      }
    }
  };
  walk(body);
  push();
  return { before: before.join("\n"), after: after.join("\n") };
}

/** The nearest short line above a post that is not its date: the post's title. */
function postTitleBefore(before: string): string | undefined {
  const lines = before.split("\n").slice(-TUNABLES.postTitleLookback).reverse();
  return lines.find((l) => !POST_DATE.test(l) && l.length >= 2 && weightedLength(l) <= TUNABLES.postTitleMaxWeight);
}

// ---------------------------------------------------------------------------------------------
// Fallbacks and honest failure.

function preferJsonLdBody(paragraphs: string[], meta: PageMetadata): string[] {
  const body = meta.jsonLdBody;
  if (!body) return paragraphs;
  const ldWords = countWords(body);
  const ourWords = countWords(paragraphs.join("\n"));
  if (ldWords >= TUNABLES.minArticleWords && ourWords < ldWords * TUNABLES.jsonLdPreferShare) {
    // articleBody is sometimes HTML-escaped markup; strip tags, split on blank lines or line breaks.
    // `[^<>]`, not `[^>]`: an unclosed `<` then scans only to the next `<`, not to the end of the text.
    const plain = body.replace(/<[^<>]+>/g, "\n");
    return plain
      .split(/\n+/)
      .map((p) => p.trim())
      .filter(Boolean);
  }
  return paragraphs;
}

function refuseNonArticles(paragraphs: string[], pageText: string): void {
  const words = countWords(paragraphs.join("\n"));
  if (words < TUNABLES.minArticleWords) {
    throw new NotAnArticleError(`Found no article text on the page (${words} words of running text).`, {
      details: { words },
    });
  }
  const weights = paragraphs.map(weightedLength);
  const longest = Math.max(0, ...weights);
  const total = weights.reduce((a, b) => a + b, 0);
  if (longest < TUNABLES.minLongestParagraphWeight && total < TUNABLES.listPageMaxWeight) {
    throw new NotAnArticleError(
      `The page has only short lines (headlines or links, the longest ${Math.round(longest)} chars): a list page, not an article.`,
      { details: { words } },
    );
  }
  if (words < TUNABLES.paywallTeaserWords && PAYWALL.test(pageText)) {
    throw new NotAnArticleError(`The page shows only a ${words}-word teaser behind a paywall or login.`, {
      details: { words },
    });
  }
}
