/**
 * Line-level boilerplate inside an extracted article: the title repeated, bylines, date/source
 * lines, pagination, share/newsletter prompts, credits, and trailing sections (related lists,
 * copyright notices) that sit inside the same container as the text. Pure functions over the
 * paragraphs the HTML cleaner found.
 */

import { weightedLength } from "../../text/lang.js";

// ---------------------------------------------------------------------------------------------
// Tunables and patterns.

export const LINE_TUNABLES = {
  /** Only lines shorter than this (weighted chars, Han ×2.5) can be boilerplate lines. */
  maxBoilerplateWeight: 160,
  /** Bylines and date lines are short; longer lines with these words are prose. */
  maxMetaLineWeight: 110,
  /** Credit sentences (`Reporting by …; Editing by …`) name many people; they stay under this weight. */
  maxCreditLineWeight: 300,
  /** The title is repeated near the top: look at this many leading paragraphs. */
  titleLookahead: 4,
  /** A trailing-section marker only ends the article once this share of its text has been seen. */
  endMarkerAfterShare: 0.5,
  /** Date and byline lines are dropped only among this many lines at the top and at the bottom. */
  edgeLines: 5,
  /** Hard-wrapped text (old Chinese pages wrap at a fixed column) is rejoined when this many lines… */
  minWrappedLines: 6,
  /** …of one width (display columns, Han = 2, within `wrapBand`) make up this share of the lines… */
  minWrappedShare: 0.4,
  wrapBand: 2,
  /** A line at least this share of the wrap width that stops mid-sentence also continues (first-line indent). */
  indentedLineShare: 0.7,
  /** …and that width lies in this range. */
  wrapWidth: { min: 30, max: 110 },
  /** Header lines (title, author, subtitle) come before the first line of prose: one this heavy with a comma… */
  proseLineWeight: 60,
  /** …looked for among this many leading lines; Chinese header lines are lighter than `headerLineWeight`. */
  headerLines: 6,
  headerLineWeight: 50,
  /** What is left of a date line once dates, times and labels are removed (weighted chars). */
  dateLineResidue: 12,
  /** A line ending like a sentence with this many words is prose even if it mentions a time. */
  sentenceWords: 8,
  /** A Chinese header line is at least this share Han characters. */
  chineseHeaderHanShare: 0.5,
  /** A title echo contained in the title must weigh this much (a bare "新闻" is not an echo)… */
  titleEchoMinWeight: 10,
  /** …or start with a title of at least this many characters and run at most this many past it ("<title> - Site"). */
  titleEchoMinChars: 6,
  titleEchoMaxExtraChars: 12,
} as const;

const HAN = /\p{Script=Han}/gu;
const MONTH =
  "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
/** A date or a time in any of the usual spellings (2005-04-05, 2005年4月5日, 06/02/2022, Nov. 20, 2019, 13:48). */
const DATE_OR_TIME = new RegExp(
  [
    "(?:19|20)\\d{2}\\s*[-/.年]\\s*\\d{1,2}(?:\\s*[-/.月]\\s*\\d{1,2}\\s*日?)?",
    "\\d{1,2}\\s*[-/.]\\s*\\d{1,2}\\s*[-/.]\\s*(?:19|20)\\d{2}",
    `${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+(?:19|20)\\d{2}`,
    `\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH},?\\s+(?:19|20)\\d{2}`,
    "\\d{1,2}[:：]\\d{2}(?:[:：]\\d{2})?\\s*(?:[ap]\\.?m\\.?)?",
    "\\d{1,2}月\\d{1,2}日",
  ].join("|"),
  "giu",
);
/** Words that label a date/source line (or are left over around the date). */
const META_LABEL =
  /来源|來源|稿源|出处|发布|發布|发表|發表|更新|时间|時間|日期|阅读|閱讀|浏览|点击|人气|评论|作者|编辑|責編|责编|记者|字号|updated?|published|posted|modified|first published|last updated|reading time|read time|min(?:ute)?s? read|\bby\b|\bon\b|\bat\b|monday|tuesday|wednesday|thursday|friday|saturday|sunday|星期.|周.|utc|gmt|[ecmp][sd]t|\bet\b|am|pm/giu;
/** Short credit/byline lines: `By Jane Doe`, `本报记者 王燕平`, `文：眉间尺`, `(Reporting by …)`. */
const BYLINE =
  /^[(（[【]?\s*(?:by\s+\p{Lu}|by\s+(?:admin|staff)\b|written by|words by|photos? by|reporting by|additional reporting|editing by|compiled by|本报(?:记者|实习生|通讯员|特约)|新华社记者|[^\s，。]{0,10}记者\s*[\p{Script=Han}]{2,4}(?:\s|$)|通讯员|实习生|特约(?:记者|撰稿)|文\s*[/:：|丨]|图\s*[/:：|丨]|译\s*[/:：]|编译\s*[:：]|执笔人?\s*[:：]|撰文\s*[:：]?|作者\s*[:：]|摄影?\s*[:：]|责任编辑|责编|编辑\s*[:：]|审核\s*[:：]|校对\s*[:：])/iu;
/** Credit sentences at the end of news stories. */
const CREDIT_LINE =
  /^[(（]?(?:reporting by|additional reporting by|editing by|writing by)|contributed (?:reporting|to this report)|^[(（]\s*[\p{Script=Han}\s]{2,12}\s*[)）]$|^[(（]?\s*(?:责任编辑|责编|编辑|来源)\s*[:：]/iu;
/** Prompts around the article: share, follow, subscribe, ads, comments, read more. */
const PROMPT_LINE = [
  /^(?:©.*|\d+ of \d+|advert(?:isement|ising)?|sponsored(?: content)?|ad|iklan|publicidade|anzeige|story continues below(?: advertisement)?|continue reading(?: below)?|read more|read next|see also|more:|more\b.{0,30}:$|related(?: articles| stories| coverage| content| posts?| reading| roundup.*)?:?|recommended(?: for you)?|you (?:may|might) (?:also )?like.*|most (?:read|popular).*|popular (?:on|this|now).*|recent (?:articles|posts)|don'?t miss|trending(?: now)?|share(?: this)?(?: article| story| post| page)?:?|share (?:on|via) \w+|tweet|email|print|comments?|\d+ comments?|leave a (?:comment|reply)|image(?: copyright| caption| source)?:?.*|photo(?:graph)?:.*|getty images|\(?photo credit.*|click here.*|this slideshow requires javascript\.?|tell us what you think.*|filed under:.*|tags?:.*|categories?:.*|chevron_\w+.*)\W*$/iu,
  /^(?:sign up (?:for|to) (?:our|the|free)|subscribe (?:to|now|today)|get the latest|download (?:our|the) app|like us on facebook|join our .{0,30} (?:forum|community)|follow (?:us|me|\p{Lu}\S* \p{Lu}\S*) on)|newsletters?\b.{0,60}$|(?:twitter|facebook|instagram)\.?$/iu,
  /^(?:分享(?:到|至)?\s*[:：]?.*|打印(?:本页|此文)?|关闭(?:窗口|本页)?|返回(?:顶部|首页|列表|上一页)?|收藏(?:本文)?|扫一扫.*|扫描二维码.*|点击(?:进入|查看|阅读|这里).*|(?:网友|我要|发表)评论.*|正在阅读.*|字号[:：].*|【?字体[:：].*|[[【]\s*[大中小]\s*[\]】].*|原标题[:：].*|本文来源.*|\(?完\)?|【\s*纠错\s*】.*|当前位置[:：].*|您的位置[:：].*|位置[:：].*首页.*|首页\s*[>»/-].*|.*[>»]\s*正文$|下载.*客户端.*|发送.{0,20}到\d+.*|关注.{0,20}(?:微信|微博|公众号).*|.*(?:trackback|引用通告|本文引用).*|.*已被(?:阅读|浏览)\s*\d+\s*次.*|[（(]?\s*(?:阅读|浏览|评论|点击)\s*[:：(（]?\s*\d+.*)$/iu,
  /第\s*\d+\s*页.*(?:上一页|下一页)|^(?:<<\s*)?(?:上一页|下一页|上一篇|下一篇)|^(?:previous|next)(?: post| article| page)?\s*[:»›]?$/iu,
];
/** A line that starts a trailing section which is not the article: everything from here on goes. */
const END_MARKER =
  /^(?:反侵权公告|郑\s*重\s*声\s*明|免责声明|版权声明|声明\s*[:：]|特别声明|相关(?:阅读|新闻|文章|链接|报道|推荐|专题)|推荐阅读|延伸阅读|热门(?:推荐|文章|新闻)|猜你喜欢|更多(?:精彩|新闻|阅读)|网友评论|精彩评论|related(?: articles| stories| coverage| posts| content| reading)?:?$|you (?:may|might) (?:also )?like|more (?:great )?\w+ stories|more from |popular on |recommended(?: for you)?:?$|recent (?:articles|posts)$|read (?:more|next):?$|copyright ©|© ?(?:19|20)\d{2}|all rights reserved)/iu;

const weighted = weightedLength;
const normalize = (text: string): string =>
  text
    .normalize("NFKC")
    .replace(/[\s\p{P}\p{S}]+/gu, "")
    .toLowerCase();

/** A short line that is only a date/time with labels (`2005-04-05 06:40更新 来源：转载文章`, `Updated 1:39 am EST, …`). */
export function isDateLine(line: string): boolean {
  if (weighted(line) > LINE_TUNABLES.maxMetaLineWeight) return false;
  // A sentence that mentions a time (`This story was updated at 5:45 p.m. to include …`) is prose.
  if (/[.。!?！？]$/.test(line) && line.split(/\s+/).length >= LINE_TUNABLES.sentenceWords) return false;
  DATE_OR_TIME.lastIndex = 0;
  if (!DATE_OR_TIME.test(line)) return false;
  const residue = line
    .replace(DATE_OR_TIME, " ")
    .replace(META_LABEL, " ")
    .replace(/[\s\p{P}\p{S}\d]+/gu, "");
  if (weighted(residue) <= LINE_TUNABLES.dateLineResidue) return true;
  // A labelled line (`来源：千龙新闻网`, `Posted on … by Admin`) with a date is metadata even with a name in it.
  return (
    /来源|來源|发布|發布|发表|更新|阅读|作者|posted|published|updated|\bby\b/i.test(line) && !/[。！？]/.test(line)
  );
}

/** A short byline or credit line. */
export function isBylineLine(line: string): boolean {
  // Credit sentences list several names (`Associated Press writers A, B, C … contributed to this report.`).
  if (CREDIT_LINE.test(line) && weighted(line) <= LINE_TUNABLES.maxCreditLineWeight) return true;
  if (weighted(line) > LINE_TUNABLES.maxMetaLineWeight) return false;
  if (/[。！？]$/.test(line) && !CREDIT_LINE.test(line)) return false;
  return BYLINE.test(line) || CREDIT_LINE.test(line);
}

/** Prompts, share bars, pagination, breadcrumbs and other chrome that is one short line. */
export function isPromptLine(line: string): boolean {
  if (weighted(line) > LINE_TUNABLES.maxBoilerplateWeight) return false;
  return PROMPT_LINE.some((re) => re.test(line));
}

export interface BoilerplateOptions {
  titles?: readonly (string | undefined)[];
  byline?: string;
}

/** Drops line-level boilerplate from the paragraphs of an extracted article. */
export function dropBoilerplateLines(paragraphs: readonly string[], options: BoilerplateOptions = {}): string[] {
  return keptLineIndexes(paragraphs, options).map((index) => paragraphs[index]!);
}

/** The indexes of the paragraphs that are not line-level boilerplate, in order. */
export function keptLineIndexes(paragraphs: readonly string[], options: BoilerplateOptions = {}): number[] {
  const titles = (options.titles ?? [])
    .filter((t): t is string => !!t)
    .map(normalize)
    .filter((t) => t.length >= 2);
  const byline = options.byline ? normalize(options.byline) : "";
  const total = paragraphs.reduce((sum, p) => sum + weighted(p), 0);
  const out: number[] = [];
  let seen = 0;
  const proseIndex = paragraphs.findIndex((p) => weighted(p) >= LINE_TUNABLES.proseLineWeight && /[，。,.]/.test(p));
  const firstProse = proseIndex < 0 ? 0 : Math.min(proseIndex, LINE_TUNABLES.headerLines);
  for (const [index, line] of paragraphs.entries()) {
    const share = total > 0 ? seen / total : 0;
    seen += weighted(line);
    const norm = normalize(line);
    if (!norm) continue;
    if (
      weighted(line) <= LINE_TUNABLES.maxBoilerplateWeight &&
      END_MARKER.test(line) &&
      share >= LINE_TUNABLES.endMarkerAfterShare
    ) {
      break;
    }
    if (index < LINE_TUNABLES.titleLookahead && isTitleEcho(norm, titles)) continue;
    if (byline && norm === byline) continue;
    if (index < firstProse && isChineseHeaderLine(line)) continue;
    // Dates and bylines are metadata in the header or the footer of an article; in its middle they are
    // schedules, discographies and tables.
    const atEdge = index < LINE_TUNABLES.edgeLines || index >= paragraphs.length - LINE_TUNABLES.edgeLines;
    if ((atEdge && (isDateLine(line) || isBylineLine(line))) || isPromptLine(line)) continue;
    out.push(index);
  }
  return out;
}

/** Columns a line takes in a fixed-width layout: Han and full-width characters take two. */
export function displayWidth(line: string): number {
  let width = 0;
  for (const char of line) width += /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u.test(char) ? 2 : 1;
  return width;
}

/** A list item or numbered heading starts its own paragraph even inside wrapped text. */
const OWN_LINE = /^(?:[-*•·]\s|\d+[.)、]\s?|[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）)/u;

/**
 * Rejoins text hard-wrapped at a fixed width (2005-era Chinese pages put `<br>` after every ~38 Han
 * characters): a line at the wrap width continues into the next; a shorter line ends its paragraph.
 *
 * `softBreaks[i]` says whether line i was ended by a `<br>` in the page (rather than by the end of a
 * block). Given, only such breaks are rejoined: separate `<p>`s of one width (a list of 60,000 short
 * readings) are separate paragraphs, and v0.1's joining them into a hundred was wrong.
 */
export function reflowFixedWidth(paragraphs: readonly string[], softBreaks?: readonly boolean[]): string[] {
  const widths = paragraphs.map(displayWidth);
  const counts = new Map<number, number>();
  for (const width of widths) {
    if (width >= LINE_TUNABLES.wrapWidth.min && width <= LINE_TUNABLES.wrapWidth.max)
      counts.set(width, (counts.get(width) ?? 0) + 1);
  }
  let wrapAt = 0;
  let atWidth = 0;
  for (const width of counts.keys()) {
    let count = 0;
    for (let d = 0; d <= LINE_TUNABLES.wrapBand; d++) count += counts.get(width - d) ?? 0;
    if (count > atWidth || (count === atWidth && width > wrapAt)) [wrapAt, atWidth] = [width, count];
  }
  if (atWidth < LINE_TUNABLES.minWrappedLines || atWidth / paragraphs.length < LINE_TUNABLES.minWrappedShare)
    return [...paragraphs];
  const joiner = new LineJoiner();
  let continues = false;
  paragraphs.forEach((line, i) => {
    if (continues && !OWN_LINE.test(line)) joiner.continueWith(line);
    else joiner.start(line);
    const width = widths[i]!;
    // An indented first line is shorter than the wrap width; one that stops mid-sentence still continues.
    continues =
      (softBreaks?.[i] ?? true) &&
      ((width <= wrapAt && width >= wrapAt - LINE_TUNABLES.wrapBand) ||
        (width >= wrapAt * LINE_TUNABLES.indentedLineShare &&
          width <= wrapAt &&
          !/[。！？!?.…:：”」』)）]$/u.test(line)));
  });
  return joiner.finish();
}

/**
 * Builds paragraphs out of wrapped lines. Each paragraph's lines are kept in an array and joined once:
 * testing the end of an ever-growing concatenated string (`/-$/`) flattens it every time, which made
 * rejoining quadratic in the paragraph.
 */
export class LineJoiner {
  private readonly paragraphs: string[] = [];
  private parts: string[] = [];

  /** Ends the open paragraph (if any) and opens one with `line`. */
  start(line: string): void {
    this.end();
    this.parts.push(line);
  }

  /** Continues the open paragraph with `line` across a wrap (or opens one). */
  continueWith(line: string): void {
    const last = this.parts[this.parts.length - 1];
    if (last === undefined) this.parts.push(line);
    else this.parts.push(wrapSeparator(last, line), line);
  }

  /** Ends the open paragraph. */
  end(): void {
    if (this.parts.length > 0) this.paragraphs.push(this.parts.join(""));
    this.parts = [];
  }

  /** Ends the open paragraph and returns them all. */
  finish(): string[] {
    this.end();
    return this.paragraphs;
  }
}

/** Chinese closes up across a wrap; other text gets a space (a hyphen at the break closes up). */
export function joinWrapped(current: string, next: string): string {
  return current + wrapSeparator(current, next) + next;
}

/** What goes between a wrapped line and the next: nothing after Han or a hyphenated word, else a space. */
function wrapSeparator(before: string, next: string): string {
  // Only the end of `before` matters; looking at its last two characters keeps this O(1).
  const end = before.slice(-2);
  const tight =
    (/[\p{Script=Han}\u3000-\u303f\uff00-\uffef]$/u.test(end) || /\p{L}-$/u.test(end)) &&
    /^[\p{Script=Han}\u3000-\u303f\uff00-\uffef\p{Ll}]/u.test(next);
  return tight ? "" : " ";
}

/**
 * Above the first paragraph of prose, Chinese articles print their title, subtitle (`——论…`), author
 * name and source on short lines of their own; numbered section headings (`四、…`) stay.
 */
function isChineseHeaderLine(line: string): boolean {
  const han = line.match(HAN)?.length ?? 0;
  return (
    han >= 2 &&
    han / [...line].length >= LINE_TUNABLES.chineseHeaderHanShare &&
    weighted(line) < LINE_TUNABLES.headerLineWeight &&
    !/[。！？]$/.test(line) &&
    !OWN_LINE.test(line) &&
    !/^[\d一二三四五六七八九十]+[、.．]/.test(line)
  );
}

function isTitleEcho(norm: string, titles: string[]): boolean {
  return titles.some(
    (t) =>
      norm === t ||
      (weighted(norm) >= LINE_TUNABLES.titleEchoMinWeight && t.includes(norm)) ||
      (t.length >= LINE_TUNABLES.titleEchoMinChars &&
        norm.startsWith(t) &&
        norm.length <= t.length + LINE_TUNABLES.titleEchoMaxExtraChars),
  );
}
