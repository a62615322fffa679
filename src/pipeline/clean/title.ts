/**
 * The headline of a pasted page, picked among the lines before its body.
 *
 * A browser's select-all puts the headline somewhere above the body, among menus, share buttons, breadcrumbs,
 * section names, member badges and sidebar headlines. We score every heading-sized line in a window above the
 * body on what a reader uses to spot it: what follows it (a byline or date, a standfirst, the body itself), how
 * close it is, its length, whether the page repeats it (a "正在阅读:" line, a breadcrumb, the window title) and
 * whether it reads like a headline (case, no final stop). A line of the body (a first sentence cut with "…")
 * or of page furniture is never a headline; when no line is plausible the title is "" and the summary's own
 * headline stands in.
 */

/** What the pasted-text cleaner knows about a line, reduced to what the headline needs. */
export interface TitleLine {
  readonly text: string;
  /** Size in units: a Han character 1, any other word 2. */
  readonly units: number;
  /** text: prose or short lines; meta: byline/date/source; furniture: menus, share, inserts, lists; end: "Related"… */
  readonly role: "text" | "meta" | "furniture" | "end";
}

// ───────────────────────────── Tunables ─────────────────────────────
const TITLE_TUNABLES = {
  /** Lines above the body searched: a headline sits within a screen of it, past share bars and captions. */
  window: 40,
  /** A label-sized line (one or two words: a brand in a product box) counts this much of the window… */
  labelWindowCost: 0.25,
  /** …which reaches at most this many lines above the body. */
  maxWindowLines: 160,
  /** Heading-sized: "金锺国" (a Wikipedia title, 3 Han characters) up to a long two-clause headline. */
  minUnits: 3,
  /** Lines smaller than this need a byline/date or the body right under them to count (menus are small too). */
  smallUnits: 6,
  maxUnits: 100,
  /** A line this size or larger that begins a body paragraph is that paragraph's sentence, not a headline. */
  minSentenceUnits: 16,
  /** Length counts up to this many units (longer is not more headline-like), at lengthWeight per unit. */
  lengthCap: 40,
  lengthWeight: 0.5,
  /** What follows: a byline/date line; a standfirst (then meta within standfirstMetaWindow lines); the body. */
  followedByMeta: 30,
  followedByStandfirst: 15,
  standfirstMetaWindow: 6,
  followedByBody: 12,
  /** A date this many short lines below the line still counts as its dateline, at shortLineCost per line. */
  shortLinesToMeta: 5,
  shortLineCost: 4,
  /** Furniture lines skipped when looking at what follows (share bars run to a dozen lines). */
  followSkip: 16,
  /** …of which at most this many one- or two-word text lines (kickers, badges): more in a row are a menu. */
  maxSkippedLabels: 4,
  /** A line this small between a heading and the body (a fact box's line, a read count) leaves the body under it. */
  maxLineAboveBodyUnits: 12,
  /** Each text line between the candidate and the body costs this much; furniture and meta lines little. */
  textLineCost: 3,
  otherLineCost: 0.5,
  /** A one- or two-word text line ("Film", "letture", "3.409") is a label or a count, not a paragraph. */
  labelLineCost: 1,
  /** A line inside a run of label-sized lines (a product box's brands): the eye skips the run whole. */
  labelRunLineCost: 0.1,
  /** A "©" line this small above the body is a photo credit ("© REUTERS / POOL"), not the page's footer. */
  maxCreditUnits: 10,
  /**
   * A line whose words (at least minSlugWords, this share of them) make up an address shown above the body is the
   * article's headline spelled out in its URL: worth as much as being shown again, on top of it.
   */
  minSlugWords: 3,
  slugShare: 0.7,
  inSlug: 10,
  /** The page shows the line again (a "正在阅读:" line, breadcrumb, repeated heading). */
  repeated: 10,
  /** English headlines are title case or sentence case; capitalised words ≥ this share earn titleCaseBonus. */
  titleCaseShare: 0.6,
  titleCaseBonus: 5,
  /** A single final full stop is rare in headlines ("They just might be." happens). */
  finalStopPenalty: 10,
  /** A standfirst is a sentence of prose under the headline: a headline is not paragraph-sized prose. */
  standfirstPenalty: 20,
  /** "Adam Clark Estes", "Anna Menin": a byline without "By" sits where a headline would, over the date. */
  nameLikePenalty: 20,
  /** An end marker ("Most popular", 相关阅读) between the line and the body: it is a list's item. */
  behindEndMarkerPenalty: 25,
  /** Headlines rarely run past this many units (~25 words); each unit beyond costs overlongWeight. */
  overlongUnits: 50,
  overlongWeight: 0.5,
  /** A line between two other heading-sized lines with no dateline is one item of a list of other stories. */
  listItemPenalty: 15,
  /** An English line this long with a comma and no stop, not in title case, is a deck (a headline runs shorter). */
  minOpenDeckUnits: 32,
  /** A body at least this share Han characters is Chinese: its headline is the Han line over an English translation. */
  chineseBodyShare: 0.5,
  /** Each half of a Chinese headline split over two lines is at most this size. */
  maxHalfUnits: 30,
  /** An end marker heads a list of at most this many items (its headlines) before something else comes. */
  maxMarkerItems: 8,
  /** The upper of two stacked heading lines over one dateline is the headline unless it looks this much less like one. */
  deckSlack: 3,
  /** …and unless it is shorter than the lower by more than this many units (two words: a deck runs a little longer); … */
  deckSlackUnits: 4,
  /** …with at most this many lines between them (the byline). */
  maxDeckGap: 1,
  /** A heading with its "By …" byline right under it is the headline up to this many lines into the body. */
  maxBodyHeadlineLine: 2,
  /** Below this score no line is the headline. */
  minScore: 12,
  /** Title case is judged on words longer than this ("of", "the", "and" are lower case in title case too). */
  titleCaseMinWordChars: 3,
  /** A standfirst is at least this many units of prose… */
  minStandfirstUnits: 20,
  /** …or, in Chinese, this many in comma-separated clauses with no final stop. */
  minClausedStandfirstUnits: 24,
  /** A byline or date line is at most this many units ("Reuters November 18, 2019 11:03 PM"). */
  maxMetaUnits: 40,
  /** Heading-sized (one item of a list of stories): from smallUnits to this many units. */
  maxHeadingUnits: 40,
  /** Looking for a dateline below: a text line over this many times smallUnits is the body, so stop. */
  bodyLineSmallUnits: 3,
  /** A line repeated inside another at most this many characters longer ("正在阅读:", "<line> - Site"). */
  repeatMaxExtraChars: 80,
  /** A line with "today" in it is a date stamp when it has at most this many words. */
  maxRelativeDateWords: 4,
  /** A short line repeated in a byline within this many lines below it is the author's name. */
  nameRepeatLines: 3,
  /**
   * A menu item or kicker ("Suggest a Fact Check") is at most this many units: over another heading with its
   * dateline, such a line is not that heading's headline (a headline over its deck is longer).
   */
  maxMenuItemUnits: 8,
  /** A name-like line ("Anna Menin") is at most this many units. */
  maxNameUnits: 8,
} as const;

// ───────────────────────────── Patterns ─────────────────────────────

/** A forum post's stamp after its title: "从原子弹爆炸原理想开去 2005-09-11 18:04:42 楼主". */
const POST_STAMP = /\s{1,6}\d{4}-\d{1,2}-\d{1,2}(?:\s{1,3}\d{1,2}:\d{2}(?::\d{2})?)?(?:\s{1,6}(?:楼主|作者|原创))?$/;

/** Labels in front of a headline that are not part of it: "主题: …", "标  题：…", "Title: …". */
const LABEL_PREFIX = /^(?:主\s{0,6}题|标\s{0,6}题|题\s{0,6}目|title|subject|topic)\s{0,6}[:：]\s{0,6}/i;

/** A sentence cut by the site ("… the new rules will…", "最新研究显示…"): the body's first line, or a teaser. */
const CUT = /(?:…|\.\.\.)\s{0,3}$/;

/** Lines that are never a headline: page furniture of forums, Q&A sites, press releases, portals. */
const FURNITURE: readonly RegExp[] = [
  // Forum member badges and post meta: "高级会员", "Senior Member", "Posts: 1,234", "振威将军(从一品)".
  /^(?:注册会员|高级会员|中级会员|初级会员|正式会员|新手上路|论坛元老|金牌会员|版主|超级版主|管理员|楼主|积分|帖子|精华|威望|金钱|贡献|注册时间|最后登录|在线时间|能力值|UID|使用宝物|楼层)(?:\s{0,3}[:：]|$|\s)/,
  /^(?:(?:senior|junior|full|new|active|gold|silver|platinum|premium|verified|registered)\s{1,3})?(?:member|moderator|administrator|admin|newbie|veteran|contributor|user)(?:\s{1,3}since\b.{0,30})?$/i,
  /^(?:joined|member since|registered)\s{0,3}[:：]?\s{0,3}[\p{L}\p{N} ,.]{0,20}$/iu,
  /^(?:joined|posts|reputation|karma|rep|likes received|messages|threads|points|badges?)\s{0,3}[:：]?\s{0,3}[\d,.]{0,12}$/i,
  /[(（][^()（）]{1,4}品[)）]$/,
  // Press releases: the company's name line, the wire's credit.
  /^[\p{L}\p{N}&.,'’ -]{1,60}\s(?:inc|ltd|llc|plc|corp|corporation|limited|gmbh|ag|s\.a|n\.v|co\.,? ltd|group|holdings)\.?$/iu,
  /^\S{2,30}(?:股份有限公司|有限责任公司|有限公司|集团)$/,
  /^(?:news provided by|press release|for immediate release|media contact|新闻稿|新闻发布)\b/i,
  /[(（]\s{0,2}(?:nasdaq|nyse|tsx|lse|hkex|sse|szse|otcqb|otc)\s{0,2}[:：]/i,
  // Q&A sites and portals: buttons and their counts.
  /^(?:follow|following|unfollow|answer|write an answer|ask (?:a )?question|add (?:a )?comment|improve this (?:question|answer)|upvote|downvote|request|[\d,.]{1,9}k?\s{0,2}(?:answers?|votes?|views?|followers?|comments?|shares?|likes?|reads?))$/i,
  /^(?:asked|answered|modified|viewed|active)\s.{0,40}(?:ago|times|\d{4})$/i,
  /^(?:关注问题|写回答|邀请回答|好问题|添加评论|查看全部\s{0,2}\d+\s{0,2}个回答|\d+\s{0,2}个回答|被浏览|关注者|默认排序|按时间排序|收起|展开阅读全文)/,
  // Button bars: "【我来说两句】【推荐】【打印】", "Follow · Answer · Share".
  /【[^】]{1,12}】.{0,40}【[^】]{1,12}】/,
  /^(?:follow|answer|share|save|report|edit|flag|reply|关注|回答|分享|收藏|举报|评论|点赞)(?:\s{0,3}[·|｜•]\s{0,3}(?:follow|answer|share|save|report|edit|flag|reply|关注|回答|分享|收藏|举报|评论|点赞)){1,8}$/i,
  // Portal furniture that is heading-sized.
  /^(?:skip to|jump to|back to|return to|zurück|retour)\b/i,
  // Form controls: "Choose model", "Select your region", "Sort by date".
  /^(?:choose|select|pick|sort by|filter by)\s{1,2}\S{1,20}(?:\s{1,2}\S{1,20}){0,2}$|^请选择\S{0,8}$/i,
  /^(?:support (?:independent|our) journalism|watch .{1,20} live|copy link|share (?:to|on|it|this)\b|rating\s{0,3}:)/i,
  /^(?:您所在的位置|您的位置|当前位置|所在位置|当前您在|位置)\s{0,3}[:：>]?/,
  /(?:频道|栏目|专栏|板块)$/,
  /^(?:re|回复|答复)\s{0,3}[:：]/i,
  /^(?:doi|isbn|issn|关键词|摘要|地\s{0,4}点|时\s{0,4}间|主持人)\s{0,3}[:：]/i,
  /[:：]$/,
  /^(?:learn more|read more|see more|view more|subscribe\b|sign up\b|share\b|browse\b|courtesy\b|staff reports?$|you are here|tempo de leitura|reading time|\d+\s{0,2}min(?:ute)?s? read)/i,
  /(?:wire services|staff writer|contributor|correspondent|editor)$/i,
  /^[(（[].{0,80}[)）\]]$/,
  /^(?:chevron|arrow|icon)_/i,
  // Social handles ("News reporter @TomGillespie1"), account links, player and link notices.
  /(?:^|\s)@[\w.]{2,30}(?:\s|$)|sign (?:in|out)$|^edit profile|^you are (?:signed|logged) in/i,
  /^(?:media playback is unsupported|these are external links|this video can ?not be played|your browser does not support)/i,
  // Share bars, captions and labels that are heading-sized ("Show more sharing options", "Media caption…").
  /^(?:show more sharing|close share|x share|share via)|\sshare via$|sharing options$|share panel$|policy$|\bcomments?$|^nessun commento$|^\d{1,6} commenti$/i,
  // Buttons in title case, which look like a name: "Print This Article", "Email This Story".
  /^(?:print|e-?mail|save|share) this (?:article|story|page|post)$/i,
  /^(?:media caption|image caption|read\s{1,2}["“])|^(?:latest|top|more|trending) (?:headlines|news|stories)$/i,
  /^(?:текст|фото|автор|text|foto)\s{0,2}[:：]|^[\p{L} ]{2,20}\sby\s{0,2}:/iu,
  /[.!?]["”’]{0,2}\s{0,2}[(（][^()（）]{2,60}(?:[)）]|$)|\b(?:pictured|seen here|this image|file photo|in this photo)\b/i,
  // A subtitle led by a dash ("——热烈祝贺市政协五届一次会议开幕"), an author list ("赵延东、风笑天"), a contents entry.
  // (A chapter's number before its "、" is not a name: "二十三、感赞".)
  /^(?:——|--|—)|^(?![一二三四五六七八九十百零]{1,4}、)\p{Script=Han}{2,4}(?:、\p{Script=Han}{2,4}){1,3}$|^\d{1,2}(?:\.\d{1,2}){0,2}\s{1,2}\S{1,12}$/u,
  /^from wikipedia\b|^(?:维基百科|維基百科)[,，]\s{0,2}自由的百科全(?:书|書)$/i,
  // Credits and bylines: "Meg Kinnard and Errin Haines, Associated Press", "Amy K. Dragoo/AIMMEDIA", "PTI, Washington,".
  /,\s{0,2}(?:associated press|business insider|reuters|afp|ap|pti|cnn|bbc|ians|xinhua)\b.{0,40}$|writer$|^\p{Lu}[\p{L}. ]{2,30}\/\p{Lu}{2,20}$|,$/iu,
  /^\S{0,12}(?:记者|实习生|通讯员|特约撰稿人|特约记者)\s|^(?:译|文|图|摄影|作者)\s{0,2}[:：/]/,
  // Menus and link rows: "搜狐首页 - 新闻 - 体育 - 娱乐", "A | B | C", "更多精彩图片>>", "简介[编辑]", "© FMM".
  /(?:\s[-|｜»>›·]\s.{0,40}){2}|>>|\[(?:编辑|edit)\]|©/i,
];

/** A date or time in a line: a dateline or a list's timestamp, never a headline ("Nov. 20, 2019, 9:28 AM"). */
const DATEISH =
  /\b\d{1,2}:\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{4}\b|\b\d{4}-\d{1,2}-\d{1,2}\b|\d{4}\s{0,2}年\s{0,2}\d{1,2}\s{0,2}月\s{0,2}\d{1,2}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s{1,3}\d{1,2},?\s{1,3}\d{4}\b|\b\d{1,2}\s{1,3}(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?,?\s{1,3}\d{4}\b/i;
/** Relative dates: "2 hours ago", "Yesterday" (and outlets named after them: "USA TODAY"). */
const RELATIVE_DATE = /\b(?:ago|yesterday|Yesterday|YESTERDAY|TODAY)\b/;
/** Day, month name in any language, year: "02 Ago 2017", "13 août 2018". */
const DAY_MONTH_YEAR = /\b\d{1,2}\s{1,3}\p{L}{3,10}\.?,?\s{1,3}(?:19|20)\d{2}\b/u;
/**
 * "Today" is a stamp only in a line of a few words: "… you need to know today" and "Toobin: Today was a graveyard
 * for GOP talking points" are headlines ("Today 12:01 AM" is dated by its time).
 */
const TODAY = /\b[Tt]oday\b/;

function isDateish(text: string): boolean {
  if (DATEISH.test(text) || RELATIVE_DATE.test(text) || DAY_MONTH_YEAR.test(text)) return true;
  return TODAY.test(text) && text.split(/\s+/).length <= TITLE_TUNABLES.maxRelativeDateWords;
}
/** A byline: "By …", "文/…", "记者 …". */
const BYLINE = /^(?:by|von|por|par)\s|^(?:作者|记者|文|撰文|编辑)\s{0,3}[:：/｜|\s]/i;
/** Two to four capitalised words and nothing else: a name. */
const NAME_LIKE = /^\p{Lu}[\p{L}'’.-]{0,20}(?:\s{1,2}\p{Lu}[\p{L}'’.-]{0,20}){1,3}$/u;

const FINAL_STOP = /[.。]["”’」』）)]{0,3}$/;
const SENTENCE_STOPS = /[。！？!?]|\.(?=\s|$)/g;
const LATIN_WORD = /\p{L}[\p{L}'’-]{0,40}/gu;
const HAN = /\p{Script=Han}/u;
const HAN_ALL = /\p{Script=Han}/gu;
/** A line of Chinese from its first to its last character (digits and Latin inside are fine). */
const HAN_LINE = /^\p{Script=Han}.{0,60}[\p{Script=Han}\d]$/u;
/** A headline has a word in it: a Han character or two letters in a row ("3.409", "+", "–" are counts and icons). */
const WORDISH = /\p{Script=Han}|\p{L}{2}/u;

// ───────────────────────────── Scoring ─────────────────────────────

/** A line that may be shown as a title: heading-sized, not cut, not furniture, not two sentences. */
function isPlausible(text: string, units: number, datelined = false): boolean {
  if (units < TITLE_TUNABLES.minUnits || units > TITLE_TUNABLES.maxUnits) return false;
  if (CUT.test(text) || isFurniture(text) || !WORDISH.test(text)) return false;
  const stops = text.match(SENTENCE_STOPS)?.length ?? 0;
  // Two sentences are prose, unless a headline-sized line has its byline or date right under it ("Meth. We're on
  // it.", "… Festival’! To the Actual Scene!").
  const headed = datelined && units <= TITLE_TUNABLES.overlongUnits;
  if (stops >= 2 && (FINAL_STOP.test(text) || units > TITLE_TUNABLES.lengthCap) && !headed) return false;
  const words = text.match(LATIN_WORD) ?? [];
  // "SKIP TO SITE INDEX", "TECH PERSONAL TECHNOLOGY: REVIEW": capitals-only lines are section labels.
  if (!HAN.test(text) && words.length > 0 && words.every((word) => word === word.toUpperCase())) return false;
  return !isDateish(text) && !BYLINE.test(text);
}

function titleCased(text: string): boolean {
  const words = (text.match(LATIN_WORD) ?? []).filter((word) => word.length > TITLE_TUNABLES.titleCaseMinWordChars);
  if (words.length < 2) return false;
  const capitalised = words.filter((word) => /^\p{Lu}/u.test(word)).length;
  return capitalised / words.length >= TITLE_TUNABLES.titleCaseShare;
}

/**
 * Is the line a standfirst: paragraph-sized prose that ends like a sentence, or a Chinese deck (副题) in clauses
 * ("居民分类投放可兑换生活用品，试点小区参与率已超过八成"), which often has no final stop.
 */
function isStandfirst(line: TitleLine): boolean {
  if (line.role !== "text" || line.units < TITLE_TUNABLES.minStandfirstUnits) return false;
  if (
    /[.。!?！？]["”’」』）)]{0,3}$/.test(line.text) ||
    (line.units >= TITLE_TUNABLES.minClausedStandfirstUnits && line.text.includes("，"))
  )
    return true;
  // An English deck without its stop: "Officials say the risk of an outbreak is low, but many are concerned that…".
  return line.units >= TITLE_TUNABLES.minOpenDeckUnits && line.text.includes(",") && !titleCased(line.text);
}

/** Prose rather than a headline: paragraph-sized, with clauses, ending like a sentence, not title case. */
function isProseLike(line: TitleLine, text: string): boolean {
  if (titleCased(text)) return false;
  const clauses = /[，,；;]/.test(text);
  // A question or exclamation without clauses is a headline ("脂溢性脱发：爱出油快秃顶？你知道什么该吃什么不该吃吗？").
  if (!clauses && /[?？!！]["”’」』）)]{0,3}$/.test(text)) return false;
  return (
    isStandfirst(line) && (FINAL_STOP.test(text) || clauses || line.units >= TITLE_TUNABLES.minClausedStandfirstUnits)
  );
}

/** A byline or date line, whether or not the cleaner classed it as one ("Reuters November 18, 2019 11:03 PM"). */
function isMeta(line: TitleLine): boolean {
  // A forum post's title with its stamp is the headline, not a dateline under another one.
  if (/楼主$/.test(line.text) && POST_STAMP.test(line.text)) return false;
  return (
    line.role === "meta" ||
    (line.units <= TITLE_TUNABLES.maxMetaUnits && (isDateish(line.text) || BYLINE.test(line.text)))
  );
}

/** Lines passed over when looking at what follows a headline: page furniture, badges, buttons. */
function isSkippable(line: TitleLine): boolean {
  if (isMeta(line)) return false;
  // A one-word kicker between headline and deck ("Editorial", "NEWS") is a label, not what follows.
  if (line.role === "text" && line.units <= 2) return true;
  return line.role === "furniture" || (line.role === "text" && isFurniture(line.text));
}

function isFurniture(text: string): boolean {
  return FURNITURE.some((pattern) => pattern.test(text));
}

/** A heading-sized line with no final stop: what lists of other stories are made of. */
function isHeadingSized(line: TitleLine | undefined): boolean {
  return (
    line !== undefined &&
    line.role === "text" &&
    line.units >= TITLE_TUNABLES.smallUnits &&
    line.units <= TITLE_TUNABLES.maxHeadingUnits &&
    !FINAL_STOP.test(line.text)
  );
}

/** Line i sits between two heading-sized lines (furniture skipped): one item of a list of headlines. */
function isListItem(lines: readonly TitleLine[], i: number): boolean {
  const limit = TITLE_TUNABLES.followSkip;
  let before = i - 1;
  while (before >= 0 && before > i - limit && isSkippable(lines[before]!)) before--;
  let after = i + 1;
  while (after < lines.length && after < i + limit && isSkippable(lines[after]!)) after++;
  return isHeadingSized(lines[before]) && isHeadingSized(lines[after]);
}

/**
 * Line i is the last of at least three heading-sized lines in a row (furniture skipped): a list of other stories.
 * (One heading-sized link above a headline, "Visit our partner site", is a menu's, not a list.)
 */
function endsList(lines: readonly TitleLine[], i: number): boolean {
  let before = i - 1;
  while (before >= 0 && before > i - TITLE_TUNABLES.followSkip && isSkippable(lines[before]!)) before--;
  return isListItem(lines, i) && isListItem(lines, before);
}

/** Line i is an item of the list an end marker heads: only heading-sized lines between them, a few at most. */
function isMarkerItem(lines: readonly TitleLine[], i: number): boolean {
  for (let k = i - 1; k >= 0 && k >= i - TITLE_TUNABLES.maxMarkerItems; k--) {
    const line = lines[k]!;
    if (line.role === "end") return !isCredit(line);
    if (!isHeadingSized(line) && !isSkippable(line)) return false;
  }
  return false;
}

/**
 * A byline without "By": a name-like line ("Anna Menin"), or a short line the byline block under it repeats
 * ("罗银胜" over "连载：… 作者：罗银胜").
 */
function isAuthorName(lines: readonly TitleLine[], i: number, text: string, units: number): boolean {
  if (units > TITLE_TUNABLES.maxNameUnits) return false;
  if (NAME_LIKE.test(text)) {
    // (A name-like headline, "The Impeachment Clock", has the real byline right under it, past a photo credit, a
    // kicker or a time stamp: a name is not followed by another byline.)
    let next = nextShown(lines, i);
    while (lines[next] && isCredit(lines[next]!)) next = nextShown(lines, next);
    if (lines[next] && isDateish(lines[next]!.text) && !BYLINE.test(lines[next]!.text)) next++;
    return !(lines[next] && BYLINE.test(lines[next]!.text));
  }
  return lines
    .slice(i + 1, i + 1 + TITLE_TUNABLES.nameRepeatLines)
    .some(
      (line) => isMeta(line) && new RegExp(`(?:^|[:：\\s])${escapeRegExp(text)}(?:$|[\\s,，;；|｜])`).test(line.text),
    );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The first line after line i a reader looks at: furniture, badges and buttons passed over. */
function nextShown(lines: readonly TitleLine[], i: number): number {
  let j = i + 1;
  let labels = 0;
  while (j < lines.length && j <= i + TITLE_TUNABLES.followSkip && isSkippable(lines[j]!)) {
    // (A kicker or two, yes; a run of one-word lines is a menu, and what follows it is not the line's.)
    const label = lines[j]!.role === "text" && !isFurniture(lines[j]!.text);
    if (label && ++labels > TITLE_TUNABLES.maxSkippedLabels) break;
    j++;
  }
  return j;
}

/** Score of what follows line i: a byline/date, a standfirst, the body. */
function followScore(lines: readonly TitleLine[], i: number, bodyStart: number): number {
  const j = nextShown(lines, i);
  const next = lines[j];
  if (!next) return 0;
  if (isMeta(next)) return TITLE_TUNABLES.followedByMeta;
  // A byline without "By" ("Rodrigo Campos") with the body or the date right under it.
  if (next.role === "text" && next.units <= TITLE_TUNABLES.smallUnits + 2 && NAME_LIKE.test(next.text)) {
    let after = j + 1;
    // (Skipping furniture and the name shown again: "Anna Menin" / "Anna Menin" / "Share".)
    while (after < bodyStart && (isSkippable(lines[after]!) || lines[after]!.text === next.text)) after++;
    if (after >= bodyStart || (lines[after] && isMeta(lines[after]!))) {
      return TITLE_TUNABLES.followedByMeta - TITLE_TUNABLES.shortLineCost;
    }
  }
  // A byline without "By", a kicker, a read count: a few short lines between the headline and its date.
  // (One short line between it and the body, a fact box's line or a read count, still leaves the body right under it.)
  const shortLineThenBody =
    j === bodyStart - 1 &&
    next.role === "text" &&
    next.units <= TITLE_TUNABLES.maxLineAboveBodyUnits &&
    isHeadingSized(lines[i]);
  let score =
    j >= bodyStart
      ? TITLE_TUNABLES.followedByBody
      : shortLineThenBody
        ? TITLE_TUNABLES.followedByBody - TITLE_TUNABLES.shortLineCost
        : 0;
  // (A label-sized line over a heading that is not a name is a menu item or a kicker: the date is the heading's.
  // A longer line over one is a headline over its deck, and the date under the deck is the headline's too.)
  const overHeading =
    lines[i]!.units <= TITLE_TUNABLES.maxMenuItemUnits &&
    isHeadingSized(next) &&
    !NAME_LIKE.test(next.text) &&
    isPlausible(next.text, next.units);
  for (
    let k = j + 1, step = 1;
    !overHeading && k < lines.length && step <= TITLE_TUNABLES.shortLinesToMeta;
    k++, step++
  ) {
    const line = lines[k]!;
    if (isMeta(line)) {
      score = Math.max(score, TITLE_TUNABLES.followedByMeta - TITLE_TUNABLES.shortLineCost * step);
      break;
    }
    if (line.role === "text" && line.units > TITLE_TUNABLES.smallUnits * TITLE_TUNABLES.bodyLineSmallUnits) break;
  }
  // (The body's own first paragraph is not a standfirst: a sidebar headline right above the body earns nothing by it.)
  if (j < bodyStart && isStandfirst(next)) {
    // (Meta under the body's own first line is the body's, not a headline's dateline.)
    const metaSoon = j < bodyStart && lines.slice(j + 1, j + 1 + TITLE_TUNABLES.standfirstMetaWindow).some(isMeta);
    // (The better of the two readings: a standfirst with its byline block under it beats a date 3 lines down.)
    score = Math.max(score, TITLE_TUNABLES.followedByStandfirst * (metaSoon ? 2 : 1));
  }
  return score;
}

/** The page shows the line elsewhere: a repeat, "正在阅读:<line>", "Home News <line>", "<line> - Site". */
function isRepeated(lines: readonly TitleLine[], i: number, text: string): boolean {
  return lines.some(
    (line, k) =>
      k !== i && line.text.length < text.length + TITLE_TUNABLES.repeatMaxExtraChars && line.text.includes(text),
  );
}

/** The words of each address shown above the body ("…/article/Nelson-s-OT-goal-lifts-Isles-14848099.php"). */
function urlSlugs(lines: readonly TitleLine[]): Set<string>[] {
  const slugs: Set<string>[] = [];
  for (const line of lines) {
    for (const url of line.text.match(/https?:\/\/\S{1,300}/g) ?? []) {
      const path = url.replace(/^https?:\/\/[^/]*/, "").toLowerCase();
      slugs.push(new Set(path.split(/[^\p{L}\p{N}]+/u).filter(Boolean)));
    }
  }
  return slugs;
}

/** The page's own address spells the line out: an article's slug is its headline, word by word. */
function inSlug(slugs: readonly Set<string>[], text: string): boolean {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1);
  if (words.length < TITLE_TUNABLES.minSlugWords) return false;
  return slugs.some((slug) => words.filter((word) => slug.has(word)).length >= TITLE_TUNABLES.slugShare * words.length);
}

/** What a line between a candidate and the body costs: prose and headlines much, labels and furniture little. */
function lineCost(line: TitleLine): number {
  if (line.role !== "text" || isFurniture(line.text)) return TITLE_TUNABLES.otherLineCost;
  return line.units < TITLE_TUNABLES.smallUnits ? TITLE_TUNABLES.labelLineCost : TITLE_TUNABLES.textLineCost;
}

/** Line i is one of a run of label-sized lines (a product box's brands, a tag cloud): skimmed as one. */
function isInLabelRun(lines: readonly TitleLine[], i: number): boolean {
  const label = (line: TitleLine | undefined) => line !== undefined && line.units < TITLE_TUNABLES.smallUnits;
  return label(lines[i - 1]) && label(lines[i]) && label(lines[i + 1]);
}

/** A photo credit under the headline ("© REUTERS / POOL"): an end marker by its ©, but not the page's end. */
function isCredit(line: TitleLine): boolean {
  return line.units <= TITLE_TUNABLES.maxCreditUnits && /^(?:©|copyright\b)/i.test(line.text);
}

/** Size in units (a Han character 1, any other word 2), for a line shortened here. */
function unitsOf(text: string): number {
  const han = text.match(HAN_ALL)?.length ?? 0;
  return han + 2 * (text.replace(HAN_ALL, " ").match(/[\p{L}\p{N}]+/gu)?.length ?? 0);
}

/** Drops a label ("主题:") in front of a headline. */
function withoutLabel(text: string): string {
  return text.replace(LABEL_PREFIX, "").trim();
}

/**
 * Where the search for the headline starts: `window` lines above the body, where a run of label-sized lines (a
 * product box's list of car brands, a tag cloud) counts as a few lines, since a reader's eye skips it whole.
 */
function windowStart(lines: readonly TitleLine[], bodyStart: number): number {
  let seen = 0;
  let i = bodyStart;
  while (i > 0 && bodyStart - i < TITLE_TUNABLES.maxWindowLines && seen < TITLE_TUNABLES.window) {
    i--;
    seen += lines[i]!.units < TITLE_TUNABLES.smallUnits ? TITLE_TUNABLES.labelWindowCost : 1;
  }
  return i;
}

/**
 * The page's headline among the lines before `bodyStart`, or "" when none is plausible. `body` is the article's
 * paragraphs: a line that begins one of them is the body's own sentence, never the title.
 */
export function pickHeadline(options: {
  lines: readonly TitleLine[];
  bodyStart: number;
  body: readonly string[];
}): string {
  const { lines, bodyStart, body } = options;
  const from = windowStart(lines, bodyStart);
  const slugs = urlSlugs(lines.slice(from, bodyStart));
  let best: Candidate | undefined;
  const candidates: Candidate[] = [];
  let distance = 0;
  let behindEndMarker = false;
  // The body's first line is a candidate too: a headline that ends in "?" or "!" reads as prose to the cleaner.
  // (So is one with its byline or date right under it: "Home Depot Stock Is Falling. Why You Shouldn't Worry.")
  const datelined = (i: number) => {
    const next = lines[nextShown(lines, i)];
    return next !== undefined && isMeta(next);
  };
  const opensBody = bodyStart < lines.length && (!FINAL_STOP.test(lines[bodyStart]!.text) || datelined(bodyStart));
  const first = bylinedInBody(lines, bodyStart) ?? (opensBody ? bodyStart : bodyStart - 1);
  for (let i = first; i >= from; i--) {
    const line = lines[i]!;
    if (line.role === "end" && !isCredit(line)) behindEndMarker = true;
    // A forum post's title line carries its stamp (a date, 楼主): the title is what comes before it.
    if (line.role === "text" || (line.role === "meta" && POST_STAMP.test(line.text))) {
      const text = withoutLabel(line.text).replace(POST_STAMP, "");
      const units = text === line.text ? line.units : unitsOf(text);
      // The body's first sentence shown above it; a short line a paragraph starts with is a subject ("Tidal power").
      const bodyLine =
        units >= TITLE_TUNABLES.minSentenceUnits &&
        body.some((paragraph) => paragraph !== text && paragraph.startsWith(text.replace(CUT, "")));
      if (isPlausible(text, units, datelined(i)) && !bodyLine && !isInLabelRun(lines, i)) {
        const follows = followScore(lines, i, bodyStart);
        const small = units < TITLE_TUNABLES.smallUnits;
        if (!small || follows >= TITLE_TUNABLES.followedByBody) {
          const score =
            TITLE_TUNABLES.lengthWeight * Math.min(units, TITLE_TUNABLES.lengthCap) +
            follows -
            distance +
            (isRepeated(lines, i, text) ? TITLE_TUNABLES.repeated : 0) +
            (inSlug(slugs, text) ? TITLE_TUNABLES.inSlug : 0) +
            (titleCased(text) ? TITLE_TUNABLES.titleCaseBonus : 0) -
            (FINAL_STOP.test(text) ? TITLE_TUNABLES.finalStopPenalty : 0) -
            (isProseLike(line, text) ? TITLE_TUNABLES.standfirstPenalty : 0) -
            (isAuthorName(lines, i, text, units) ? TITLE_TUNABLES.nameLikePenalty : 0) -
            TITLE_TUNABLES.overlongWeight * Math.max(0, units - TITLE_TUNABLES.overlongUnits) -
            (follows < TITLE_TUNABLES.followedByMeta / 2 && isListItem(lines, i) ? TITLE_TUNABLES.listItemPenalty : 0) -
            // Behind an end marker, unless the line's own dateline says it is the article's headline; or one of
            // the marker's own items ("MOST POPULAR", then four headlines).
            ((behindEndMarker && follows < TITLE_TUNABLES.followedByMeta / 2) || isMarkerItem(lines, i)
              ? TITLE_TUNABLES.behindEndMarkerPenalty
              : 0);
          const candidate = { text, score, index: i, units, follows, intrinsic: score - follows + distance };
          candidates.push(candidate);
          if (score >= TITLE_TUNABLES.minScore && (!best || score > best.score)) best = candidate;
        }
      }
    }
    // A list of other stories between headline and body (a video playlist) is passed over like furniture.
    distance += isInLabelRun(lines, i)
      ? TITLE_TUNABLES.labelRunLineCost
      : isHeadingSized(line) && isListItem(lines, i)
        ? TITLE_TUNABLES.otherLineCost
        : lineCost(line);
  }
  if (!best) return "";
  best = headlineOverDeck(lines, bodyStart, candidates, best);
  best = originalOverTranslation(candidates, best, body);
  best = mainOverSubtitle(lines, candidates, best, bodyStart);
  const chapter = chapterOverFirstSection(lines, best, body);
  if (chapter !== undefined) return chapter;
  const head = lines[best.index - 1];
  return head && isFirstHalf(lines, best.index - 1, best.text) ? `${withoutLabel(head.text)}${best.text}` : best.text;
}

/**
 * A heading among the body's first lines with its "By …" byline right under it: the headline, with what the cleaner
 * took for the body's start above it (a fact check's claim and who made it), heading-sized lines only. (Under a
 * paragraph of the story, a headline with its byline is a sidebar's.) Undefined when there is none.
 */
function bylinedInBody(lines: readonly TitleLine[], bodyStart: number): number | undefined {
  for (let i = bodyStart + 1; i <= bodyStart + TITLE_TUNABLES.maxBodyHeadlineLine && i + 1 < lines.length; i++) {
    if (lines[i - 1]!.units > TITLE_TUNABLES.maxHeadingUnits) return undefined;
    const line = lines[i]!;
    const byline = lines[i + 1]!;
    if (isHeadingSized(line) && isPlausible(line.text, line.units) && isMeta(byline) && BYLINE.test(byline.text))
      return i;
  }
  return undefined;
}

interface Candidate {
  readonly text: string;
  readonly score: number;
  readonly index: number;
  readonly units: number;
  /** What follows the line (followScore). */
  readonly follows: number;
  /** The score without what follows and without the distance to the body: what the line itself looks like. */
  readonly intrinsic: number;
}

/**
 * Two heading-sized lines stacked over one dateline ("<headline>" / "<byline>" / "<deck>" / "<date>"): the lower
 * wins on being nearer its date and the body, but a reader of an English page takes the upper for the headline and
 * the lower for its deck, when the upper looks as much like a headline and is not the last of a list of stories. A line the page shows again below the body is a topic tag
 * (in the menu and in the footer's "Topics"), not a headline over a deck.
 */
function headlineOverDeck(
  lines: readonly TitleLine[],
  bodyStart: number,
  candidates: readonly Candidate[],
  best: Candidate,
): Candidate {
  // (Chinese pages put a 引题, the lead-in, above the main headline: there the lower line is the headline.)
  if (best.follows < TITLE_TUNABLES.followedByMeta / 2 || HAN.test(best.text)) return best;
  const upper = candidates.find(
    (candidate) =>
      candidate.index < best.index &&
      best.index - candidate.index <= TITLE_TUNABLES.maxDeckGap + 1 &&
      nextShown(lines, candidate.index) === best.index,
  );
  // (The upper line's own dateline is the one under the lower line, a line or two below it.)
  const datedBelow = TITLE_TUNABLES.followedByMeta - TITLE_TUNABLES.maxDeckGap * TITLE_TUNABLES.shortLineCost;
  // (No floor on the upper line's own score: far above the body both lines lose the same distance, and the lower
  // one has already passed; how much each looks like a headline is compared below.)
  if (!upper || upper.follows < datedBelow) return best;
  // (The upper line printed twice in a row, as a page prints its headline, is neither a list's item nor a kicker.)
  const shownTwice = lines[upper.index - 1]?.text === lines[upper.index]!.text;
  // (The upper line ending a list of other stories is that list's last item.)
  if (!shownTwice && endsList(lines, upper.index)) return best;
  // (A section name or kicker above a headline is shorter than it; a headline is about as long as its deck.)
  if (!shownTwice && upper.units < best.units - TITLE_TUNABLES.deckSlackUnits) return best;
  if (upper.intrinsic < best.intrinsic - TITLE_TUNABLES.deckSlack) return best;
  const shownBelow = lines.slice(bodyStart + 1).some((line) => line.text === lines[upper.index]!.text);
  return shownBelow ? best : upper;
}

/**
 * A Chinese article's headline with its English translation right under it (a journal's paper, a bilingual
 * site): the translation wins on sitting nearer the byline, but the headline is the one in the article's language.
 */
function originalOverTranslation(
  candidates: readonly Candidate[],
  best: Candidate,
  body: readonly string[],
): Candidate {
  if (HAN.test(best.text)) return best;
  const text = body.join("");
  const han = text.match(HAN_ALL)?.length ?? 0;
  if (han < TITLE_TUNABLES.chineseBodyShare * text.replace(/\s/g, "").length) return best;
  const original = candidates.find((candidate) => candidate.index === best.index - 1);
  return original && HAN.test(original.text) && !FINAL_STOP.test(original.text) ? original : best;
}

/**
 * A Chinese main headline with its subtitle (副题) under it and the body straight after ("“厕所革命”改善农牧区人居环境" /
 * "去年改造户用卫生厕所4.66万座" / lead): the subtitle wins on sitting against the body, but with no dateline under the
 * pair the upper line is the headline. (With a dateline under the pair, it is one headline wrapped over two lines,
 * joined by isFirstHalf; a lead-in (引题) sits over a headline that has its dateline.)
 */
function mainOverSubtitle(
  lines: readonly TitleLine[],
  candidates: readonly Candidate[],
  best: Candidate,
  bodyStart: number,
): Candidate {
  if (!HAN.test(best.text) || best.index !== bodyStart - 1 || best.follows > TITLE_TUNABLES.followedByBody) return best;
  const main = candidates.find((candidate) => candidate.index === best.index - 1);
  if (!main || !HAN.test(main.text) || FINAL_STOP.test(main.text) || main.units < TITLE_TUNABLES.smallUnits)
    return best;
  // (A headline has no spaces or labels in it: "我收藏的：图片 音乐" is a blog's sidebar; over a list of other
  // headlines, the pair is that list's last two items.)
  if (/[\s:：|｜]/.test(main.text)) return best;
  return isHeadingSized(lines[main.index - 1]) ? best : main;
}

/** A section number: "一、", "1.", "（一）", "第一节". */
const FIRST_SECTION = /^(?:一\s{0,2}[、.．]|1\s{0,2}[、.．](?!\d)|[(（]\s{0,2}[一1]\s{0,2}[)）]|第一[节章部分])/u;
const SECOND_SECTION = /^(?:二\s{0,2}[、.．]|2\s{0,2}[、.．](?!\d)|[(（]\s{0,2}[二2]\s{0,2}[)）]|第二[节章部分])/u;

/**
 * A chapter whose sections are numbered ("二十三、感赞" / "一、法官试验凡事谢恩" / … / "二、…" in the body): the line
 * numbered one with its second section in the body is the first section's heading, and the chapter's title is
 * the heading-sized line right above it. Undefined when that is not the case.
 */
function chapterOverFirstSection(
  lines: readonly TitleLine[],
  best: Candidate,
  body: readonly string[],
): string | undefined {
  if (!FIRST_SECTION.test(best.text) || !body.some((paragraph) => SECOND_SECTION.test(paragraph))) return undefined;
  const above = lines[best.index - 1];
  if (above?.role !== "text" || FIRST_SECTION.test(above.text) || FINAL_STOP.test(above.text)) return undefined;
  return isPlausible(above.text, above.units) ? withoutLabel(above.text) : undefined;
}

/**
 * A Chinese headline split over two lines ("内蒙古延续部分到期税收优惠政策助企纾困" / "预计4年为纳税人减负180亿元"): the
 * line right above the picked one is its first half when both are Han headline-sized lines without a stop and the
 * line above the pair is not another headline (a list of stories).
 */
function isFirstHalf(lines: readonly TitleLine[], i: number, second: string): boolean {
  const line = lines[i]!;
  const han = (text: string) => HAN_LINE.test(text);
  if (line.role !== "text" || !han(line.text) || !han(second)) return false;
  if (line.units < TITLE_TUNABLES.smallUnits || line.units > TITLE_TUNABLES.maxHalfUnits) return false;
  if (!isPlausible(line.text, line.units) || FINAL_STOP.test(line.text) || /[?？!！]$/.test(line.text)) return false;
  // A headline's half has no spaces or labels in it ("全球股市行情： 代码查询 使用说明" is a menu).
  if (/[\s:：|｜]/.test(line.text)) return false;
  if (second.length > TITLE_TUNABLES.maxHalfUnits) return false;
  return !isHeadingSized(lines[i - 1]) && !isRepeated(lines, i, line.text);
}

/**
 * The body without a leading cut copy of its first sentence ("… will reopen on Monday after a…" shown above the
 * paragraph it teases): the page's teaser of its own lead is neither title nor body.
 */
export function withoutCutLead(body: readonly string[]): readonly string[] {
  const [first, second] = body;
  if (first === undefined || second === undefined || !CUT.test(first)) return body;
  return second.startsWith(first.replace(CUT, "").trimEnd()) ? body.slice(1) : body;
}
