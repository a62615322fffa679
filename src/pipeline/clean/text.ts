/**
 * Pasted page text → the article.
 *
 * A pasted page is a browser's select-all: share prompts, breadcrumbs, survey loaders, the title (often twice),
 * a source/date line, the body, an editor line, then "related" lists, mood polls and recommended stories whose
 * blurbs are as long as real paragraphs. We classify every line (prose, short, boilerplate, end marker,
 * timestamp, header meta…), score it, split the page at end markers, pick the best contiguous run of prose
 * (preferring the run that follows the header and is not behind an end marker), and read title, source,
 * date and byline from the lines around it.
 */

import { NotAnArticleError } from "../../errors.js";
import { MONTH_NAME, monthAndDay, parseDate } from "../../text/dates.js";
import { detectLang } from "../../text/lang.js";
import type { Article } from "../../types.js";
import { makeArticle, tidyParagraph, trimChars } from "./article.js";
import {
  BEHIND_COMMENTS_FACTOR,
  COMMENTS_AFTER_PROSE_UNITS,
  closesPost,
  endsArticle,
  opensComments,
} from "./ending.js";
import { displayWidth, joinWrapped } from "./lines.js";
import { pickHeadline, type TitleLine, withoutCutLead } from "./title.js";

// ───────────────────────────── Tunables ─────────────────────────────
// Sizes are in "units": a Han character counts 1, any other word counts 2 (an English word carries roughly
// what two Chinese characters do), so one threshold serves both languages.
const TUNABLES = {
  /** A line shorter than this is never prose: ~a Chinese clause, ~10 English words (headlines, captions, nav). */
  minProseUnits: 20,
  /**
   * A long line without a final stop is still prose with this many clause marks per unit (about one comma per
   * 15 English words or 30 Han characters); headlines and menus have none.
   */
  minPunctuationShare: 0.03,
  /** A table: at least minTableRows lines in a row of at least minTableCells tab-separated cells; each row scores this. */
  minTableRows: 4,
  minTableCells: 3,
  tableRowScore: 4,
  /** Short non-prose lines inside a body (subheadings, list items) cost a little, so a run of them breaks a block. */
  shortLinePenalty: 8,
  /** Share prompts, cookie banners, nav, editor lines: far outside any article. */
  boilerplatePenalty: 40,
  /** Ads, "Read more:" inserts, newsletter boxes, photo credits: they interrupt an article without ending it. */
  interruptionPenalty: 5,
  /** A date/time-only line that belongs to a list of stories (two or more such lines close together). */
  listTimestampPenalty: 30,
  /** Header lines (title, byline, date): not body, but mild, so a caption between header and lead costs little. */
  headerLinePenalty: 10,
  /** Lines with URLs, e-mail addresses or menu-like word runs. */
  linkPenalty: 20,
  /** A newsletter box: a short header ("Sign up for …") and what belongs to it within the next few lines. */
  maxBoxHeaderUnits: 40,
  maxBoxLines: 5,
  /** Truncated teasers ("…") mark a list only when the page shows at least this many. */
  minTeasers: 2,
  /** A headline glued to its blurb: the glue sits within this many characters, with this many words after it. */
  maxGluedHeadChars: 200,
  minGluedTeasers: 3,
  minGluedBlurbWords: 6,
  /** Timestamps this many lines apart or closer form a list of stories (blurb, time…; headline, author, time, blurb…). */
  listTimestampSpacing: 4,
  /** A block whose nearest header line (title/date/byline) is within this many lines before it gets the bonus. */
  headerWindow: 10,
  /** The block right after the page's header is the article; blocks behind an end marker are lists of others. */
  headedBonus: 1.5,
  behindEndMarkerFactor: 0.3,
  /** This many short lines between an end marker and a block close the marker's list (a sidebar's headlines). */
  closedListItems: 3,
  /**
   * An inline box the article runs around ("Related articles" + a few headlines) spans at most this many lines
   * ("Most read in world news" + six headlines, each under its kicker, is 13).
   */
  maxInsertLines: 14,
  /** Running text this long (units) after a newsletter prompt inside the story is the story resuming. */
  minResumedUnits: 300,
  /**
   * A list the article's last line introduces ("… below:", "如下：") belongs to it: at least this many items, read
   * for at most this many lines (a deals post runs to a hundred lines of product boxes).
   */
  minIntroducedListItems: 3,
  maxIntroducedListLines: 300,
  /** Candidate blocks examined per page: the best few decide; the cap keeps degenerate pastes linear. */
  maxCandidateBlocks: 200,
  /**
   * Honest failure. A block smaller than minArticleUnits (~40 Han characters, ~20 English words) is not an
   * article; below smallArticleUnits it must hold at least minSmallArticleSentences sentences, so "a couple of
   * sentences" pass and a few words, a headline list or a login form do not. Data: the smallest gold body in
   * the extraction bench is 138 units (en) / 144 (zh), median 1090 / 2176, so real articles clear this by far;
   * it is kept low on purpose because a person may paste just a paragraph. Non-articles are refused mainly
   * because their lines never score as prose, not by this size.
   */
  minArticleUnits: 40,
  /**
   * A body this small (~150 English words, ~300 Han characters) followed within paywallWindow lines by a
   * subscription/login prompt is a teaser; a longer one is an article with a prompt at its foot.
   */
  maxPaywallTeaserUnits: 300,
  paywallWindow: 4,
  smallArticleUnits: 80,
  minSmallArticleSentences: 2,
  /** A line shown twice in a row longer than this (~20 English words, 40 Han characters) is a caption, not a headline. */
  maxRepeatedHeadlineUnits: 40,
  /**
   * A story card inside the article ("Business" / "<headline>" printed twice, image link and text link) is followed
   * by its blurb: a paragraph of at most this size (~50 English words, a sentence or two) under the card is the card's.
   */
  maxCardBlurbUnits: 100,
  /** A headline is taken out of the body (with what stands above it) up to this paragraph (title.ts's limit). */
  maxBodyHeadlineParagraph: 2,
  /** A list of other stories at the body's foot: this many title-case headlines in a row… */
  minTailLinks: 3,
  /** …followed by at most this many paragraphs (the author's box). */
  maxAfterTailLinks: 2,
  /** A headline in title case: at least this share of its words of four letters or more are capitalised. */
  storyLinkTitleCaseShare: 0.75,
  /** Titles are heading-sized: at least a few words, at most a long headline. */
  minTitleUnits: 6,
  maxTitleUnits: 100,
  /**
   * Hard-wrapped text: at least minWrappedLines lines followed by another, wrapSizedShare of them at a width in
   * wrapWidth (columns; mail and text files wrap at 72–80) and wrapOpenShare not ending a sentence (a browser
   * paste has one paragraph per line, nearly all ending in a stop)…
   */
  minWrappedLines: 3,
  wrapWidth: { min: 40, max: 130 },
  wrapSizedShare: 0.8,
  wrapOpenShare: 0.5,
  /** Fixed-width wrapping: this many lines (and this share of wrap-sized lines) within this many columns. */
  minFixedWidthLines: 8,
  minFixedWidthShare: 0.3,
  fixedWidthBand: 3,
  /** …and a line shorter than this share of the usual wrapped width ends its paragraph. */
  wrapParagraphEndShare: 0.6,
  /** A title longer than this is not `headline - site name` (site suffixes are stripped only below it). */
  maxSuffixedTitleChars: 300,
  /** Header metadata lines (source/date/byline) are short; a long line with a date is prose, not a header. */
  maxMetaChars: 100,
  /** A byline, a date line or a source field value is a name and a date, not a sentence: at most this many units. */
  maxBylineUnits: 30,
  /** "The End", "未完待续", "Read more" markers are short; a long line that mentions one is prose. */
  maxEndMarkerUnits: 40,
  /** "Advertisement", "Continue reading below": a short interruption of the body, at most this many units. */
  maxInterruptionUnits: 60,
  /** A menu: at least this many parts between separators ("Home | News | Sport")… */
  minMenuParts: 3,
  /** …each a word or two (at most this many units)… */
  maxMenuPartUnits: 8,
  /** …or at least this many bare one-to-four-character Han or Capitalised tokens ("首页 新闻 经济 科技"). */
  minMenuTokens: 4,
  /** After a "Comments" marker, an article byline within this many lines means a share bar, not a comment section. */
  bylineAfterMarkerLines: 4,
  /** Header lines below the body (a footer's source or date) are looked for in this many lines. */
  footerHeaderLines: 3,
} as const;

// ───────────────────────────── Patterns ─────────────────────────────

/** Lines that end the article: what follows is lists of other stories, comments, polls or footers. */
const END_MARKERS: readonly RegExp[] = [
  /^(相关阅读|相关新闻|相关文章|相关链接|相关报道|相关推荐|延伸阅读|推荐阅读|热门推荐|热点推荐|精彩推荐|猜你喜欢|为你推荐|热门文章|热点新闻|最新新闻|更多新闻|今日推荐|往期推荐|往期回顾|视觉焦点|独家策划|图片新闻|热门评论|最新评论|网友评论|全部评论|评论|精选留言|写留言|留言|发表评论|我要评论|喜欢此内容的人还喜欢|阅读原文|轻触阅读原文|继续滑动看下一个)\s*[:：>》]*$/,
  /^(您此时的心情|新闻表情排行|阅读剩余全文|加载更多|点击加载更多|查看更多|返回顶部|返回首页|版权所有|版权声明|免责声明)/,
  /^已有\s*\d+\s*人(参与|评论)/,
  /^-*\s*(END|完)\s*-*$/,
  /^(related( (articles?|stories|content|topics|coverage|reading|links|news|posts))?|most (read|popular|viewed|shared|commented)( in [a-z &'’-]{1,30})?|more (from|on|stories|in|like this|to explore|news)\b.{0,40}|read next|what to read next|recommended( for you| stories| reading)?|you (may|might) (also )?(like|enjoy)|also read|top stories|trending( now| stories)?|popular( now| stories)?|latest( news| stories)?|more stories|(from )?around the (web|site)|editor'?s picks|comments?|view comments|show comments|leave a (reply|comment)|post a comment|add a comment|write a comment|(top|top rated|reader|readers'?|all|latest|newest|most (liked|recent)) comments|\d+ (responses|replies|thoughts) (to|on) .{1,80}|join the (conversation|discussion)|topics|tags|about the author|more about (this|these) topics?|explore (more|further)|in other news)\s*:?$/i,
  // "Leave a comment" and comment-section headings in the other languages the bench's pages use.
  /^(lascia un commento|deixe (um|o seu|seu) comentário|deja (un|tu) comentario|laisser un commentaire|kommentar (hinterlassen|schreiben)|добавить (отзыв|комментарий)|оставить (отзыв|комментарий)|комментарии)\s*:?$/i,
  /^(copyright|©)/i,
];

/** Lines that are never article text and sit outside it (share widgets, nav, loaders, polls, editor lines). */
const BOILERPLATE: readonly RegExp[] = [
  // zh share prompts and page furniture
  /^(点击右上角|分享到|分享至|分享[:：]?$|微信好友$|朋友圈$|新浪微博$|QQ空间$|QQ好友$|微博$|微信$|请使用浏览器分享功能|复制链接|扫一扫|扫描二维码|手机看|手机阅读|打印$|【?打印】?$|【?关闭】?$|关闭窗口|字号|【?字体[:：])/,
  /^(正在阅读|当前阅读)[:：]/,
  /^(调查问题加载中|若长时间无响应|加载中|正在加载)/,
  /^[[【(（]?\s*(责编|责任编辑|编辑|审核|校对|监制|策划|值班编辑|终审|初审|复审|编审)\s*[:：|｜]/,
  /^(首页|当前位置|您的位置|所在位置|位置)\s*[:：>›»]/,
  /^(点击上方|点击蓝字|长按(识别)?二维码|关注我们|关注公众号|微信扫一扫|预览时标签不可点|转载请注明|未经授权|本文系|本文转载自|欢迎(转发|分享)|在看$|点赞$|赞赏$|分享$|推荐$|收藏$|阅读\s*[\d.]+万?$|修改于|收录于|光明云投$)/,
  /^(开心|难过|点赞|飘过|震惊|愤怒|搞笑|无聊|感动|同情)\s*\d*$/,
  /^\d+$/,
  // en page furniture
  /^(skip to (main )?(content|navigation|search)|jump to|back to top|main menu|menu|search|navigation|close( menu)?|open menu)$/i,
  /^(share( this| the)?( article| story| page| post)?|share on \w+|facebook|twitter|x|linkedin|whatsapp|email|e-mail|copy link|link copied|print|save|save article|saved|reddit|pinterest|messenger|flipboard|gift( this)? article)$/i,
  /^(sign in|log in|login|log out|register|create (an |a free )?account|subscribe( now| today)?|already (a subscriber|have an account)\??|forgot( your)? password\??|remember me|password|username|email address|continue with (google|apple|facebook))$/i,
  /(we use cookies|use of cookies|cookie (policy|settings|preferences|notice)|accept (all )?cookies|manage (cookies|preferences|consent)|reject all|accept all|privacy (policy|settings)|terms (of (use|service)|and conditions)|by (continuing|using) (to (use|browse) )?(this|our) (site|website)|(this|our) (web)?site uses cookies|cookies (that are )?categori[sz]ed as|opt[- ]out of (these )?cookies)/i,
  /^(privacy overview|necessary cookies|non-necessary|functional cookies|analytics cookies|performance cookies|advertisement cookies|cookie consent)$/i,
  /^(listen to this article|\d+ min(ute)?s? read|this article is more than .* old|updated \d+ (seconds?|minutes?|hours?|days?) ago|\d+ (seconds?|minutes?|hours?|days?) ago)$/i,
  /^follow( us)?( on \w+)?$/i,
  // Affiliate notices above the article: "Live Science is supported by its audience. When you purchase through…".
  /^.{0,40}\bis supported by its (audience|readers)\b|^when you (buy|purchase) (something )?through (the )?links on our site/i,
  /^(\d+\s+comments?|no comments( yet)?|like this:?|like loading\.*|loading\.*)$/i,
  // Comment headers: "Alex on September 17, 2018 at 6:34 am said:", "评论人:…", "3楼", "回复".
  // ("House Hitler was born in will become a police station, Austria says" is a headline: no colon, many words.)
  /^.{1,80}\b(said|says|wrote|replied|commented)\s{0,4}:$|^\S{1,30}(?:\s\S{1,30}){0,3}\s(said|says|wrote|replied|commented)$/i,
  /^(reply|回复|举报|引用|支持|反对|\d+\s*楼|沙发|板凳|楼主)$/i,
];

/** A paywall: the page shows a teaser and asks for a subscription or login for the rest. */
const PAYWALL =
  /^(you have reached (your|the) (limit|free article)|subscribe (now )?to (continue|read|unlock)|(to|sign in to|log in to) continue reading|this (content|article|story) is (only )?(for|available to|reserved for) (subscribers|members)|already a subscriber\?? (sign|log) in|become a (member|subscriber) to (read|continue)|订阅后(阅读|查看)|付费(阅读|内容)|(登录|开通会员|购买)后(阅读|查看)(全文|更多)?|本文为付费内容|剩余\d+%?内容(需|请))/i;

/** Lines that interrupt an article (ads, inserts, credits, newsletter boxes) but do not end it. */
const INTERRUPTIONS: readonly RegExp[] = [
  /^(advertisement|skip advertisement|advert|ad|sponsored|广告|推广)$/i,
  /^(story|article) continues (below|after)/i,
  /^continue reading( below| the main story)?$/i,
  /^(read more|see also|related|also read|read also|more|recommended|watch|listen|延伸阅读|相关链接|相关)\s*[:：]/i,
  /^(image|photo|picture|video) (source|caption|credit)s?\b/i,
  /^(photograph|photo|picture|credit|image|illustration)\s*[:：]/i,
  /^[(（]?(getty images|reuters|ap photo|afp|epa|shutterstock|alamy)[^.。]{0,40}[)）]?$/i,
  /^[▲△▼↑]|^(图片来源|图源|来源：网络|图\s*[|｜/])/,
  /^(视频|图片|配图)[:：]/,
  // Captions that end in their credit: "… (Image: Getty)", "… Photograph: Jane Doe/Reuters", "新华社记者 张三 摄".
  /[(（](image|photo|picture|pic|credit|source|图|图片|摄影)\s*[:：][^)）]{1,60}[)）]$/i,
  /\b(photograph|photo|picture|illustration|credit)\s*:\s*[^.]{1,60}$/i,
  /[(（]?(getty images|shutterstock|alamy|afp via getty images|reuters|ap photo)[)）]?$/i,
  /\s摄[)）]?$|^[(（]?(图片来源|资料图|摄影)[:：]/,
  /^image copyright\b/i,
  // An app or site prompt a paragraph or two before the end: "CLICK HERE TO GET THE FOX NEWS APP", "READ MORE … BY CLICKING HERE".
  /^click here to (get|download) (the )?[a-z0-9 ]{1,30} app$|^get [a-z0-9 ]{1,30} on the go\b|\bby clicking here$/i,
  // A gallery's furniture: "Image 1 of 9", "1 / 9", "Back to Gallery", "Caption".
  /^((image|photo|picture|slide)\s{0,2})?\d{1,3}\s{0,2}(of|\/)\s{0,2}\/?\s{0,2}\d{1,3}$|^(back to gallery|view gallery|caption|enlarge( this)? image)$/i,
  // Links to the site's other stories set inside the article: "On HoustonChronicle.com: …", "SEE MORE: …".
  /^(also )?on [a-z0-9-]{2,40}\.(com|org|net|co\.uk|[a-z]{2})\s{0,2}:?\s|^see more\s{0,2}:/i,
  // Photo credits under a picture: "Doug Mills/The New York Times", "Michael Conroy, AP", "Photo by David Dyer-Bennet",
  // "Courtesy of Andrew Vaughan", "… via AP", "Christopher Battin Submitted photo", "личный архив Олеси Куприн".
  /^\p{Lu}[\p{L}.'’-]{1,20}(?:\s\p{Lu}[\p{L}.'’-]{0,20}){1,3}\s?\/\s?[\p{L}\p{N} .&-]{2,40}$|^\p{Lu}[\p{L}.'’-]{1,20}(?:\s\p{Lu}[\p{L}.'’-]{0,20}){1,3},\s(?:AP|AFP|EPA|Reuters|Getty Images)$/u,
  /^(?:(?:photo|photograph|image|illustration)s?\s(?:by|courtesy of)|courtesy of)\s\p{Lu}[\p{L}.'’ -]{1,40}$|\svia (?:AP|AFP|Reuters|Getty Images)$|\ssubmitted photo$|^личный архив\s/iu,
  // Links to other stories set inside the article: "[Related: …]", "Related post: …", "DON'T MISS", a headline
  // tagged "[INSIGHT]" or "[VIDEO]" (a headline in capitals: CAPITALS_LINK).
  /^\[related\s{0,2}:.{1,160}\]$|^related (?:post|article|story|content|reading)s?\s{0,2}:|^don[’']?t miss$/i,
  /\s\[\p{Lu}{3,12}\]\s{0,2}\|?$/u,
  // A reader-support appeal set inside the article: "Do you rely on Snopes reporting? Click here to support it."
  /^do you (rely on|value|appreciate|enjoy) [\p{L}\p{N}.'’ -]{1,40}\? (click here|please|consider) .{0,30}\b(support|donate|contribute)\b/iu,
];

/**
 * A link to another story set in capitals inside the article: "LAUREN ALAINA SAYS 'DWTS' HAS HELPED HER LOSE 25
 * POUNDS", nine words or more (a subheading in capitals, "HOW TO USE A WATER BATH CANNER", is shorter), no lower-case
 * letter and no Chinese, Japanese or Korean (which have no case). Checked after the header lines, so "PUBLISHED WED,
 * NOV 20 2019 4:29 AM EST UPDATED AN HOUR AGO" stays a dateline.
 */
const CAPITALS_LINK =
  /^(?=(?:\S+\s+){8})(?=.*\p{Lu}{2})[^\p{Ll}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]{20,160}$/u;

/**
 * A photo credit set as "© Name caption…" inside the story: a name, not a year, after the sign and no rights
 * notice, unlike a copyright footer ("© 2019 Example Media. All rights reserved."), which shares the sign.
 */
const PHOTO_CREDIT = /^©\s*(?!.*(?:rights|reserved|版权所有))\p{L}/iu;

/**
 * A wire photo's caption, however long: "In this Dec. 12, 2006, file photo, made available by NASA, …", "In this
 * Sunday, Nov. 10, 2019, photograph, …". The article's own sentences do not point at a photo.
 */
const WIRE_CAPTION =
  /^in this (?:[\w.]{1,12},?\s){0,5}(?:file |handout |undated |aerial )?(?:photo|photograph|image|picture|frame grab)\b/i;
/**
 * A caption that ends in its photo's credit, however long: "… near the Nogales Port of Entry in Nogales, Ariz. (AP)",
 * "… in Hialeah, Fla. (AP Photo/Alan Diaz)", "The first global geologic map of Titan. (NASA/JPL-Caltech/ASU)",
 * "… La Paz, Bolivia, November 19, 2019. © Reuters / Manuel Claure", "… in Braunau am Inn, Austria.Leonhard Foeger /
 * Reuters file", "FILE PHOTO: Traders work on the floor…".
 * A story's sentence ends in its stop, or in a note that is not a credit.
 */
const CREDITED_CAPTION =
  /[.!?]["”’]?\s{0,2}(?:[(（]\s{0,2}(?:AP|AFP|EPA|Reuters|Getty Images|AP Photo\/[^()]{1,40}|\p{Lu}[\p{L}.&-]{1,20}(?:\s?\/\s?[\p{L}.&-]{1,30}){1,3})\s{0,2}[)）]|©\s{0,2}\p{Lu}[^.©]{1,60})$|\s\/\s(?:AP|AFP|EPA|Reuters|Getty Images)(?: file)?$|^(?:FILE PHOTO|File photo|File Photo)\s{0,2}:/u;

/**
 * Newsletter and sign-up boxes: the header line ("Breaking News Emails", "Let our news meet your inbox."), then up
 * to a few lines of the box ("Get breaking news alerts …, delivered weekday mornings.", "Sign Up").
 */
const BOX_START =
  /^(sign up (for|to)|get (our|the) .{0,40}newsletter|subscribe to (our|the) .{0,40}newsletter|newsletter|[\p{L} ]{1,30}\semails$|.{0,40}\b(meet|hit|in|to) your inbox\b|订阅|关注我们)/iu;
const BOX_PART =
  /(sign up|subscribe|e-?mail address|enter your email|privacy (notice|policy)|newsletter|thank you for|unsubscribe|terms|news alerts|delivered (weekday|every|each|daily)|订阅|二维码)/i;

/** A line that introduces a list: it ends in a colon, or in "below"/"following"/如下/以下. */
const INTRODUCES_LIST = /(?:[:：]|\b(?:below|following)[.:]?|(?:如下|以下)[。:：]?)\s*$/i;

/** Title quoted by the page itself ("正在阅读:<title>"). */
const NOW_READING = /^(?:正在阅读|当前阅读|now reading|you are reading)\s*[:：]\s*(.+)$/i;
/**
 * A forum post's title under its label ("主题: 【…】【…】", "标  题：…"). (An e-mail's "Subject: Weekly digest" is not:
 * a newsletter's subject names the issue, not the story in it.)
 */
const TITLE_LABEL = /^(?:主\s{0,6}题|标\s{0,6}题)\s{0,6}[:：]\s{0,6}(.{1,200})$/;
/** An encyclopedia's tagline, printed right under the article's title (a class of furniture: wiki skins). */
const ENCYCLOPEDIA_TAGLINE =
  /^(?:from wikipedia, the free encyclopedia|维基百科，自由的百科全书|維基百科，自由的百科全書)$/i;

const SOURCE = /(?:来源|來源|稿源|出处|出處|source)\s*[:：]\s*(.+)$/i;
const BYLINE_EN = /^by\s+([A-Z\p{Lu}].+)$/iu;
/** "Posted on September 8, 2023 by Hannah Okafor": a name after "by" inside a header line. */
const BYLINE_EN_INLINE = /\bby\s+(\p{Lu}[\p{L}'.-]+(?:\s+(?:\p{Lu}[\p{L}'.-]+|de|van|von|and))*)/u;
/** "作者:沈一帆", "文/林晓舟", "记者 陶媛", also inside a meta line ("… 来源:东海科技网 作者:沈一帆"). */
const BYLINE_ZH = /(?:^|\s)(?:作者|撰文|文|记者|采写|编译)\s*[:：|｜/\s]\s*(.+)$/;
const WECHAT_HEADER = /^原创\s+(\S+)\s+(\S+)/;

const WEEKDAY =
  "(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\\.?,?\\s+|(?:星期|周)[一二三四五六日天]\\s*)?";
/** A line that is only a date and/or time (list timestamps, or a bare date under a title). */
const TIMESTAMP_ONLY = new RegExp(
  `^${WEEKDAY}(?:\\d{4}\\s*[-/.年]\\s*\\d{1,2}\\s*[-/.月]\\s*\\d{1,2}\\s*日?|\\d{1,2}[-/]\\d{1,2}|\\d{1,2}\\s+${MONTH_NAME}\\.?,?(?:\\s+\\d{4})?|${MONTH_NAME}\\.?\\s+\\d{1,2}(?:,?\\s+\\d{4})?)?\\s*(?:\\d{1,2}:\\d{2}(?::\\d{2})?\\s*(?:am|pm)?)?$`,
  "i",
);
/** Function words: an English line of capitalised words without any of these is a menu, not a headline. */
const FUNCTION_WORDS = /\b(the|a|an|of|to|in|on|for|and|or|with|at|by|from|as|is|are|was|after|over|into|says?)\b/i;
const SENTENCE_END = /[。！？!?…]+["”’」』）)]*|\.["”’)]*(?=\s|$)/g;
const ENDS_LIKE_SENTENCE = /(?:[。！？!?…]|\.)["”’」』）)]*$/;
const CLAUSE_PUNCTUATION = /[，。！？；：、,.;:!?]/g;

// ───────────────────────────── Line model ─────────────────────────────

const Kind = {
  Prose: "prose",
  Short: "short",
  Boilerplate: "boilerplate",
  Interruption: "interruption",
  EndMarker: "end",
  ListTimestamp: "list-timestamp",
  Blurb: "blurb",
  Header: "header",
  Title: "title",
  Link: "link",
  TableRow: "table-row",
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Line {
  readonly text: string;
  readonly units: number;
  kind: Kind;
  /** A row of a table (tab-separated cells). */
  readonly tableRow?: boolean;
}

interface Block {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
  readonly score: number;
  /** Inclusive line ranges inside the block that are not article (a "Related" box the article runs around). */
  readonly skipped?: readonly (readonly [number, number])[];
}

const HAN = /\p{Script=Han}/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const HAS_WORD = /[\p{L}\p{N}]/u;

/** Size of a text in units: Han characters one each, other words two each. */
function units(text: string): number {
  const han = text.match(HAN)?.length ?? 0;
  const others = text.replace(HAN, " ").match(WORD)?.length ?? 0;
  return han + 2 * others;
}

function countSentences(text: string): number {
  return text.match(SENTENCE_END)?.length ?? 0;
}

function matchesAny(text: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((pattern) => pattern.test(text));
}

/** Markdown heading marks, quote marks and list bullets are layout, not text. */
function stripMarkup(text: string): string {
  return text
    .replace(/^#{1,6}\s+/, "")
    .replace(/^>\s+/, "")
    .replace(/^[•·▪●◦‣*-]\s*/, "");
}

function isProse(text: string, size: number): boolean {
  if (size < TUNABLES.minProseUnits) return false;
  if (ENDS_LIKE_SENTENCE.test(text) || countSentences(text) >= 2) return true;
  // Long lines that read like prose but lost their final stop (truncated pastes).
  const punctuation = text.match(CLAUSE_PUNCTUATION)?.length ?? 0;
  return size >= 2 * TUNABLES.minProseUnits && punctuation / size >= TUNABLES.minPunctuationShare;
}

/** Menus: "Home | News | Sport", "首页 新闻 经济 科技", "Home News Sport Business Culture". */
function isNavigation(text: string): boolean {
  const parts = text
    .split(/\s{0,8}[|｜·•/>›»]\s{0,8}/)
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length >= TUNABLES.minMenuParts && parts.every((part) => units(part) <= TUNABLES.maxMenuPartUnits))
    return true;
  const tokens = text.split(/\s+/);
  if (tokens.length >= TUNABLES.minMenuTokens && tokens.every((token) => /^\p{Script=Han}{1,4}$/u.test(token)))
    return true;
  return (
    tokens.length >= TUNABLES.minMenuTokens &&
    !/[,.;:!?]/.test(text) &&
    tokens.every((token) => /^[A-Z0-9&]/.test(token)) &&
    !FUNCTION_WORDS.test(text)
  );
}

/**
 * A URL or an e-mail address. The address starts at a word start and its parts are bounded (RFC 5321:
 * 64 before the @, 255 after): `\S+@\S+\.\w+` backtracked over every start of a long unbroken token,
 * 3.1 s on 80,000 characters.
 */
const LINK_LIKE = /https?:\/\/|www\.|(?:^|\s)[^\s@]{1,64}@[^\s@]{1,255}\.\w/;

function isLinkLike(text: string): boolean {
  return LINK_LIKE.test(text);
}

function classify(text: string): Kind {
  const size = units(text);
  if ((matchesAny(text, END_MARKERS) && size <= TUNABLES.maxEndMarkerUnits) || endsArticle(text, size)) {
    return Kind.EndMarker;
  }
  if (matchesAny(text, BOILERPLATE) || PAYWALL.test(text)) return Kind.Boilerplate;
  if (matchesAny(text, INTERRUPTIONS) && size <= TUNABLES.maxInterruptionUnits) return Kind.Interruption;
  if (WIRE_CAPTION.test(text) || CREDITED_CAPTION.test(text)) return Kind.Interruption;
  if (TIMESTAMP_ONLY.test(text) && /\d/.test(text)) return Kind.Header;
  if (text.length <= TUNABLES.maxMetaChars && isHeaderMeta(text)) return Kind.Header;
  if (CAPITALS_LINK.test(text)) return Kind.Interruption;
  const prose = isProse(text, size);
  if (!prose && isLinkLike(text)) return Kind.Link;
  if (!prose && isNavigation(text)) return Kind.Link;
  return prose ? Kind.Prose : Kind.Short;
}

function isHeaderMeta(text: string): boolean {
  if (SOURCE.test(text) || WECHAT_HEADER.test(text)) return true;
  // (A byline ending in a time's "a.m." does not end a sentence: "By Louis Jacobson on Monday, … at 11:04 a.m.")
  const bylineEnd = text.replace(/\b[ap]\.m\.$/i, "");
  if (BYLINE_EN.test(text) && units(text) <= TUNABLES.maxBylineUnits && !ENDS_LIKE_SENTENCE.test(bylineEnd))
    return true;
  if (BYLINE_ZH.test(text) && units(text) <= TUNABLES.maxBylineUnits) return true;
  if (/^(published|updated|last updated|posted|发布时间|发布于|时间|日期|更新时间)\b/i.test(text)) return true;
  // A short line with a date and no sentence in it: "2020-03-26 11:05 来源:…", "March 26, 2020 | 3 min read",
  // "Nov. 19, 2019 8:03 am ET" (a month's abbreviation ends no sentence).
  const undotted = text.replace(MONTH_ABBREVIATION_DOT, "$1");
  return (
    parseDate(text, false) !== undefined && countSentences(undotted) === 0 && units(text) <= TUNABLES.maxBylineUnits
  );
}

/** "Nov." in a dateline. */
const MONTH_ABBREVIATION_DOT = new RegExp(`\\b${MONTH_NAME}\\.`, "gi");

/** "3 hours ago", "2天前", "昨天 10:21": how story lists date their items. */
const RELATIVE_TIME =
  /^(?:\d+\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago|\d+\s*(?:秒|分钟|小时|天|周)前|刚刚|(?:今天|昨天|前天)\s*\d{1,2}:\d{2}|yesterday|just now)(?:\s+at\s+\d{1,2}:\d{2}\s*(?:am|pm)?)?$/i;

function isTimestampOnly(text: string): boolean {
  return (TIMESTAMP_ONLY.test(text) && /\d/.test(text)) || RELATIVE_TIME.test(text);
}

// ───────────────────────────── Steps ─────────────────────────────

function splitRaw(text: string): string[] {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u200b-\u200d\ufeff]/g, "")
    .split("\n");
}

/**
 * Rows of a table as the browser copies them: cells separated by tabs. Keyed by the tidy line (tabs become
 * spaces there), valued by the number of non-empty cells; only lines of at least minTableCells cells.
 */
function tableRows(text: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const raw of splitRaw(text)) {
    if (!raw.includes("\t")) continue;
    const cells = raw.split("\t").filter((cell) => cell.trim().length > 0).length;
    if (cells >= TUNABLES.minTableCells) rows.set(tidyParagraph(raw), cells);
  }
  return rows;
}

/** Splits into tidy, non-empty lines (zero-width characters and ideographic indents removed, wrapped text rejoined). */
function toLines(text: string): string[] {
  const lines = splitRaw(text).map((line) => tidyParagraph(line));
  const unwrapped = unwrapHardWrapped(lines);
  return (unwrapped.length === lines.length ? unwrapFixedWidth(lines) : unwrapped).filter((line) => line.length > 0);
}

/**
 * Fixed-width wrapping: Chinese text files and old pages wrap at an exact column count (often with a blank
 * line after every line), so many lines share one width to within a couple of columns. A line at that width
 * continues into the next non-blank line; a shorter one ends its paragraph.
 */
function unwrapFixedWidth(lines: readonly string[]): string[] {
  const widths = lines.map(displayWidth);
  const counts = new Map<number, number>();
  let sized = 0;
  for (const width of widths) {
    if (width < TUNABLES.wrapWidth.min || width > TUNABLES.wrapWidth.max) continue;
    counts.set(width, (counts.get(width) ?? 0) + 1);
    sized++;
  }
  let wrapAt = 0;
  let atWidth = 0;
  for (const width of counts.keys()) {
    let count = 0;
    for (let d = 0; d <= TUNABLES.fixedWidthBand; d++) count += counts.get(width - d) ?? 0;
    if (count > atWidth) [wrapAt, atWidth] = [width, count];
  }
  if (atWidth < TUNABLES.minFixedWidthLines || atWidth / sized < TUNABLES.minFixedWidthShare) return [...lines];
  const out: string[] = [];
  let current = "";
  let continues = false;
  lines.forEach((line, i) => {
    if (line === "") {
      if (continues) return;
      if (current) out.push(current);
      out.push("");
      current = "";
      return;
    }
    // (A line shown twice in a row is a repeated heading, not a wrapped one: "<headline>" / "<headline>".)
    if (continues && current && !standsAlone(line) && line !== lines[i - 1]) current = joinWrapped(current, line);
    else {
      if (current) out.push(current);
      current = line;
    }
    const width = widths[i]!;
    continues = !standsAlone(line) && width <= wrapAt && width >= wrapAt - TUNABLES.fixedWidthBand;
  });
  if (current) out.push(current);
  return out;
}

/** Markdown headings, list items and quotes start a new paragraph even inside a wrapped block. */
const STARTS_OWN_LINE = /^(#{1,6}\s|[-*•]\s|\d+[.)]\s|>)/;
/** Kinds of line that are never part of a wrapped paragraph (menus, credits, bylines, end markers). */
const NEVER_WRAPPED: ReadonlySet<Kind> = new Set([
  Kind.EndMarker,
  Kind.Boilerplate,
  Kind.Link,
  Kind.Header,
  Kind.Interruption,
]);

function standsAlone(line: string): boolean {
  return STARTS_OWN_LINE.test(line) || NEVER_WRAPPED.has(classify(line));
}

/**
 * Plain-text files and e-mails wrap paragraphs at a fixed width (72–80 columns), which would make every line
 * look like a short fragment. When most lines followed by another line are wrap-sized and do not end a
 * sentence, rejoin them: a line shorter than most of the wrapped ones ends its paragraph. Browser pastes have
 * one paragraph per line and never qualify.
 */
function unwrapHardWrapped(lines: readonly string[]): string[] {
  const inner = lines.filter((line, i) => line !== "" && (lines[i + 1] ?? "") !== "");
  if (inner.length < TUNABLES.minWrappedLines) return [...lines];
  const wrapSized = inner.filter((line) => {
    const width = displayWidth(line);
    return width >= TUNABLES.wrapWidth.min && width <= TUNABLES.wrapWidth.max;
  });
  const open = inner.filter((line) => !ENDS_LIKE_SENTENCE.test(line));
  if (
    wrapSized.length / inner.length < TUNABLES.wrapSizedShare ||
    open.length / inner.length < TUNABLES.wrapOpenShare
  ) {
    return [...lines];
  }
  const widths = wrapSized.map(displayWidth).sort((a, b) => a - b);
  const paragraphEnd = TUNABLES.wrapParagraphEndShare * widths[Math.floor(widths.length / 2)]!;
  const out: string[] = [];
  let current = "";
  let currentEnded = true;
  for (const line of lines) {
    if (line === "" || standsAlone(line) || currentEnded) {
      if (current) out.push(current);
      if (line === "") out.push("");
      current = line;
    } else {
      current = joinWrapped(current, line);
    }
    currentEnded = line === "" || displayWidth(line) < paragraphEnd || standsAlone(line);
  }
  if (current) out.push(current);
  return out;
}

/**
 * Lists of stories alternate text with timestamps (blurb, 2025-10-24 10:21, blurb, …). Two or more timestamp
 * lines at most `listTimestampSpacing` apart form such a list: the timestamps and the lines between them (and
 * the item before the first) are other stories, however long.
 */
function markStoryLists(lines: Line[]): void {
  const stamps = lines.flatMap((line, index) => (isTimestampOnly(line.text) ? [index] : []));
  let runStart = 0;
  for (let i = 1; i <= stamps.length; i++) {
    const previous = stamps[i - 1]!;
    const current = stamps[i];
    if (current !== undefined && current - previous <= TUNABLES.listTimestampSpacing) continue;
    const run = stamps.slice(runStart, i);
    runStart = i;
    if (run.length < 2 || isOneDateTwice(lines, run)) continue;
    // The first item starts up to one item's length before the first timestamp: each line there belongs to
    // it if it looks like its counterpart before the second timestamp (prose or not), but beyond the line
    // next to the timestamp never inside running text (two prose lines in a row: the article the list follows).
    const spacing = Math.round(Math.max(1, (run[run.length - 1]! - run[0]!) / (run.length - 1) - 1));
    let from = run[0]!;
    for (let k = 1; k <= spacing && from > 0; k++) {
      const line = lines[run[0]! - k]!;
      const counterpart = lines[run[1]! - k]!;
      if (isTimestampOnly(counterpart.text) || (line.kind === Kind.Prose) !== (counterpart.kind === Kind.Prose)) break;
      if (k > 1 && line.kind === Kind.Prose && lines[run[0]! - k - 1]?.kind === Kind.Prose) break;
      from = run[0]! - k;
    }
    for (let index = from; index <= run[run.length - 1]!; index++) {
      const line = lines[index]!;
      if (line.kind === Kind.EndMarker) continue;
      line.kind = isTimestampOnly(line.text) ? Kind.ListTimestamp : Kind.Blurb;
    }
  }
}

/**
 * Two stamps naming the same day ("13 Aug" over the headline, "August 13, 2018" under it) are one post's date shown
 * twice, a calendar badge and the dateline, not the items of a list.
 */
function isOneDateTwice(lines: readonly Line[], run: readonly number[]): boolean {
  if (run.length !== 2) return false;
  const [first, second] = run.map((index) => monthAndDay(lines[index]!.text));
  return first !== undefined && first === second;
}

/** A teaser cut short by the site: "… the new rules will…", "Read more ...". Chinese prose's own "……" is not one. */
const TRUNCATED = /(?:[^.…]\.\.\.|[^…]…)\s*(?:read more|more|»|›|>)?$/i;

/** A lower-case letter or digit run straight into a capitalised word: "…Student-AthleteA 24-year-old woman…". */
const GLUE = /[\p{Ll}\d][’'”"]?(?=\p{Lu}\p{Ll})/gu;

/**
 * A headline glued to its blurb (a portal's menu of stories loses the line break between them): a title-case
 * head of a few words, then a sentence with no space before it. "McDonald" inside prose is not one: the head is
 * not title case.
 */
function isGluedTeaser(text: string): boolean {
  for (const match of text.slice(0, TUNABLES.maxGluedHeadChars).matchAll(GLUE)) {
    const head = text.slice(0, match.index + match[0].length).split(" ");
    const tail = text.slice(match.index + match[0].length).split(" ");
    if (head.length < 3 || tail.length < TUNABLES.minGluedBlurbWords) continue;
    // The glued word's own start: "SteakhouseA", "250,000The"; not "iPad", "McKinley", "9to5Toys".
    const word = head[head.length - 1]!.replace(/^[‘“'"(]/u, "");
    if (!/^\p{Lu}\p{Ll}{2,}[’'”"]?$|^[\d,.]{2,}$/u.test(word) || word === "Mac") continue;
    const long = head.filter((word) => /\p{L}{4}/u.test(word));
    const capitalised = long.filter((word) => /^[‘“'"(]?\p{Lu}/u.test(word)).length;
    if (long.length >= 2 && capitalised / long.length >= 0.75) return true;
  }
  return false;
}

/**
 * Teasers of other stories: a page showing several truncated blurbs (or headlines glued to their blurbs) is
 * showing a list, so each is a blurb.
 */
function markTeasers(lines: Line[]): void {
  const tests = [
    { test: (text: string) => TRUNCATED.test(text), min: TUNABLES.minTeasers },
    { test: isGluedTeaser, min: TUNABLES.minGluedTeasers },
  ];
  for (const { test, min } of tests) {
    const teasers = lines.filter((line) => line.kind === Kind.Prose && test(line.text));
    if (teasers.length < min) continue;
    for (const line of teasers) line.kind = Kind.Blurb;
  }
}

/**
 * A data table in the article (standings, a schedule, a discography): a run of at least minTableRows rows in a row.
 * Its short rows are the article's, not furniture: they cost nothing, so the article runs across and into them.
 */
function markTables(lines: Line[]): void {
  let runStart = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]!.tableRow) continue;
    if (i - runStart >= TUNABLES.minTableRows) {
      for (let k = runStart; k < i; k++) {
        const line = lines[k]!;
        if (line.kind === Kind.Short || line.kind === Kind.Link || line.kind === Kind.Header) line.kind = Kind.TableRow;
      }
    }
    runStart = i + 1;
  }
}

/**
 * A photo credit ("© Jane Doe Detainees at …") with the story going on under it interrupts the article; the same
 * sign at the foot of the page, with no prose after it, stays the end.
 */
function markPhotoCredits(lines: Line[]): void {
  lines.forEach((line, i) => {
    if (line.kind === Kind.EndMarker && PHOTO_CREDIT.test(line.text) && lines[i + 1]?.kind === Kind.Prose) {
      line.kind = Kind.Interruption;
    }
  });
}

/**
 * Captions as galleries copy: the same caption twice in a row (the slide and its caption panel). Writers never
 * repeat a paragraph-sized line straight after itself; a repeated headline is shorter and stays a candidate title.
 */
function markRepeatedCaptions(lines: Line[]): void {
  lines.forEach((line, i) => {
    const next = lines[i + 1];
    // (Exactly twice: a paragraph pasted over and over is the person's text, not a gallery.)
    const pair = next?.text === line.text && lines[i - 1]?.text !== line.text && lines[i + 2]?.text !== line.text;
    if (next && pair && line.units > TUNABLES.maxRepeatedHeadlineUnits && line.kind === Kind.Prose) {
      line.kind = Kind.Interruption;
      next.kind = Kind.Interruption;
    }
  });
}

/**
 * A card for another story set inside the article, printed twice as pages link both its picture and its text:
 * "Business" / "<headline>" / "Business" / "<headline>", then its one-paragraph blurb. A writer never repeats a
 * pair of lines; the card and its blurb interrupt the article.
 */
function markStoryCards(lines: Line[]): void {
  for (let i = 0; i + 3 < lines.length; i++) {
    const [label, headline, labelAgain, headlineAgain] = lines.slice(i, i + 4) as [Line, Line, Line, Line];
    if (label.text === headline.text || label.text !== labelAgain.text || headline.text !== headlineAgain.text)
      continue;
    if (headline.units < TUNABLES.minTitleUnits || headline.units > TUNABLES.maxRepeatedHeadlineUnits) continue;
    for (const line of [label, headline, labelAgain, headlineAgain]) line.kind = Kind.Interruption;
    const blurb = lines[i + 4];
    if (blurb?.kind === Kind.Prose && blurb.units <= TUNABLES.maxCardBlurbUnits) blurb.kind = Kind.Interruption;
  }
}

/** Marks a newsletter box (its header and the few lines that belong to it) as an interruption. */
function markBoxes(lines: Line[]): void {
  for (let i = 0; i < lines.length; i++) {
    if (!BOX_START.test(lines[i]!.text) || lines[i]!.units > TUNABLES.maxBoxHeaderUnits) continue;
    let last = i;
    for (let j = i + 1; j <= Math.min(lines.length - 1, i + TUNABLES.maxBoxLines); j++) {
      if (BOX_PART.test(lines[j]!.text)) last = j;
    }
    for (let j = i; j <= last; j++) {
      const line = lines[j]!;
      if (line.kind !== Kind.EndMarker) line.kind = Kind.Interruption;
    }
  }
}

/**
 * A title the page states outright: "正在阅读:<title>", a labelled "主题: <title>", the line over an encyclopedia's
 * tagline, or a Markdown "# title".
 */
function findStatedTitle(lines: readonly Line[], rawLines: readonly string[]): string | undefined {
  for (const [i, line] of lines.entries()) {
    const title = (NOW_READING.exec(line.text) ?? TITLE_LABEL.exec(line.text))?.[1]?.trim();
    if (title && HAS_WORD.test(title)) return title;
    const above = lines[i - 1];
    if (ENCYCLOPEDIA_TAGLINE.test(line.text) && above && above.units <= TUNABLES.maxTitleUnits) return above.text;
  }
  const markdown = rawLines.find((line) => /^#\s+\S/.test(line) && HAS_WORD.test(stripMarkup(line)));
  return markdown ? stripMarkup(markdown) : undefined;
}

/**
 * A heading-sized line shown twice (the headline, then again above the lead) with one showing right at the
 * header: next to the byline/date line or between it and the lead. Topic tags and menu items repeat too,
 * but further away.
 */
function findRepeatedTitle(lines: readonly Line[], bodyStart: number): string | undefined {
  const counts = new Map<string, number>();
  for (const line of lines) if (isHeadingLike(line)) counts.set(line.text, (counts.get(line.text) ?? 0) + 1);
  let from = Math.max(0, bodyStart - TUNABLES.headerWindow);
  for (let i = bodyStart - 1; i >= from; i--) {
    if (lines[i]!.kind === Kind.EndMarker) {
      from = i + 1;
      break;
    }
  }
  const firstMeta = lines.findIndex((line, i) => i >= from && i < bodyStart && line.kind === Kind.Header);
  if (firstMeta >= 0) from = Math.max(from, firstMeta - 2);
  for (let i = bodyStart - 1; i >= from; i--) {
    if ((counts.get(lines[i]!.text) ?? 0) >= 2) return lines[i]!.text;
  }
  return undefined;
}

function isHeadingLike(line: Line): boolean {
  if (line.kind !== Kind.Short && line.kind !== Kind.Prose && line.kind !== Kind.Title) return false;
  if (line.units < TUNABLES.minTitleUnits || line.units > TUNABLES.maxTitleUnits) return false;
  return !/[。.]["”’」』）)]*$/.test(line.text);
}

function scoreOf(line: Line): number {
  switch (line.kind) {
    case Kind.Prose:
      return line.units;
    case Kind.Short:
      return -TUNABLES.shortLinePenalty;
    case Kind.TableRow:
      return TUNABLES.tableRowScore;
    case Kind.Interruption:
      return -TUNABLES.interruptionPenalty;
    case Kind.Header:
    case Kind.Title:
      return -TUNABLES.headerLinePenalty;
    case Kind.Link:
      return -TUNABLES.linkPenalty;
    case Kind.ListTimestamp:
      return -TUNABLES.listTimestampPenalty;
    case Kind.Blurb:
      return -Math.max(line.units, TUNABLES.minProseUnits);
    case Kind.Boilerplate:
      return -TUNABLES.boilerplatePenalty;
    case Kind.EndMarker:
      return Number.NEGATIVE_INFINITY;
  }
}

/** The best positive-sum run of `scores[from..to]` (maximum-subarray), if any. */
function bestRun(scores: readonly number[], from: number, to: number): Block | undefined {
  let best: Block | undefined;
  let sum = 0;
  let start = from;
  for (let i = from; i <= to; i++) {
    if (sum <= 0) {
      sum = 0;
      start = i;
    }
    sum += scores[i]!;
    if (sum > 0 && (!best || sum > best.score)) best = { start, end: i, score: sum };
  }
  return best;
}

/**
 * Disjoint positive-sum runs: each stretch's best, then the best of what is left on either side, and so on
 * (breadth first, so every stretch's best is found before any second-best), up to maxCandidateBlocks.
 */
function candidateBlocks(scores: readonly number[], stretches: readonly [number, number][]): Block[] {
  const queue = [...stretches];
  const blocks: Block[] = [];
  for (let next = 0; next < queue.length && blocks.length < TUNABLES.maxCandidateBlocks; next++) {
    const [from, to] = queue[next]!;
    const best = from <= to ? bestRun(scores, from, to) : undefined;
    if (!best) continue;
    blocks.push(best);
    queue.push([from, best.start - 1], [best.end + 1, to]);
  }
  return blocks;
}

/**
 * How much a block's place on the page says it is the article: right under a header (title, byline, date) is
 * best; straight behind an end marker ("Related", "Comments", 推荐阅读) is a list of other stories or comments.
 * A marker followed by a run of short items (a sidebar's headlines) is a closed list: what follows it is not
 * part of that list. Computed for every line in one pass: factors[i] applies to a block starting at line i.
 */
function placeFactors(lines: readonly Line[]): number[] {
  const factors: number[] = [];
  let last: { kind: "none" | "end" | "header"; index: number } = { kind: "none", index: -1 };
  let shortItems = 0;
  let prose = 0;
  let comments = false;
  lines.forEach((line, i) => {
    if (comments) {
      factors.push(BEHIND_COMMENTS_FACTOR);
    } else if (last.kind === "end") {
      factors.push(shortItems >= TUNABLES.closedListItems ? 1 : TUNABLES.behindEndMarkerFactor);
    } else if (last.kind === "header") {
      factors.push(i - last.index <= TUNABLES.headerWindow ? TUNABLES.headedBonus : 1);
    } else {
      factors.push(1);
    }
    // Prose since a header line (title, byline, date), once it is article-sized: a header's legal lines do not
    // count, and a "Posted in … | 10 Comments" line after the article does not reset it.
    if (line.kind === Kind.Prose) prose += line.units;
    else if ((line.kind === Kind.Header || line.kind === Kind.Title) && prose < COMMENTS_AFTER_PROSE_UNITS) prose = 0;
    if (line.kind === Kind.EndMarker) {
      last = { kind: "end", index: i };
      shortItems = 0;
      // Readers' comments after an article are never the article, however long they run (ending.ts).
      // A share bar's "Comments" button has the article's byline right under it; a comment section has only the
      // comments' own headers ("November 19, 2019 at 6:34 am", "# re: <title> 2004-12-27 12:46 flyingbirds").
      const bylineSoon = lines
        .slice(i + 1, i + 1 + TUNABLES.bylineAfterMarkerLines)
        .some(
          (next) =>
            next.kind === Kind.Header &&
            !isTimestampOnly(next.text) &&
            !/\bat\s\d{1,2}:\d{2}|^(?:re|回复)\s{0,2}[:：]/i.test(next.text),
        );
      comments ||= prose >= COMMENTS_AFTER_PROSE_UNITS && !bylineSoon && opensComments(line.text);
      // Older posts under a blog post's footer weigh like comments: the page was pasted for the first post.
      comments ||= prose >= TUNABLES.minArticleUnits && closesPost(line.text);
    } else if (line.kind === Kind.Header || line.kind === Kind.Title) {
      last = { kind: "header", index: i };
    } else if (line.kind === Kind.Short || line.kind === Kind.Link) {
      shortItems++;
    }
  });
  return factors;
}

function chooseBlock(lines: readonly Line[]): Block | undefined {
  const scores = lines.map(scoreOf);
  const stretches: [number, number][] = [];
  let stretchStart = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]!.kind !== Kind.EndMarker) continue;
    stretches.push([stretchStart, i - 1]);
    stretchStart = i + 1;
  }
  const factors = placeFactors(lines);
  const candidates = candidateBlocks(scores, stretches);
  let best: { block: Block; weight: number } | undefined;
  for (const block of candidates) {
    const weight = block.score * factors[block.start]!;
    if (!best || weight > best.weight) best = { block, weight };
  }
  if (!best) return undefined;
  const chosen = continueAcrossInserts(lines, best.block, candidates, factors);
  // A block starts and ends on prose: leading captions and trailing credits go.
  let { start, end } = chosen;
  while (start < end && lines[start]!.kind !== Kind.Prose) start++;
  while (end > start && lines[end]!.kind !== Kind.Prose && lines[end]!.kind !== Kind.TableRow) end--;
  return { ...chosen, start, end: introducedListEnd(lines, end) };
}

/** A label that heads page furniture, not the article's list: "Share this:", "Related coverage from …:", "分享到：". */
const FURNITURE_HEADING =
  /^(?:share|related|more|follow|also|see|read|recommended|trending|popular|tags?|topics?|filed under|分享|相关|更多|推荐|热门|标签)/i;

/** What a list inside an article is made of: items, their links, prose descriptions, ads between them. */
const LIST_PART_KINDS: ReadonlySet<Kind> = new Set([
  Kind.Short,
  Kind.Link,
  Kind.Prose,
  Kind.TableRow,
  Kind.Interruption,
]);

/**
 * An article that ends by introducing a list ("… deals on Apple products below.", "Ecco le offerte:", "清单如下：")
 * goes on into it: the items are short lines (product names, prices, numbered entries) that score as furniture,
 * so the best run stops at the introduction. The list runs to the next end marker, header or page furniture.
 * Returns the last line of the list, or `end` when the block's last line introduces none.
 */
function introducedListEnd(lines: readonly Line[], end: number): number {
  // (The introduction may be a short line of its own under the last paragraph: "具体清单如下：", "Our picks:".)
  const next = lines[end + 1];
  const introduction =
    INTRODUCES_LIST.test(lines[end]!.text) || (next?.kind === Kind.Short && /[:：]$/.test(next.text));
  if (!introduction || (next && FURNITURE_HEADING.test(next.text))) return end;
  let last = end;
  let items = 0;
  for (let i = end + 1; i < lines.length && i <= end + TUNABLES.maxIntroducedListLines; i++) {
    const line = lines[i]!;
    if (!LIST_PART_KINDS.has(line.kind)) break;
    if (line.kind === Kind.Short || line.kind === Kind.Prose || line.kind === Kind.TableRow) {
      last = i;
      items++;
    }
  }
  return items >= TUNABLES.minIntroducedListItems ? last : end;
}

/** Lines after which the article never resumes: comment sections, the editor's sign-off, copyright. */
const ARTICLE_OVER =
  /comment|coment|kommentar|коммент|отзыв|评论|留言|回复|repl(y|ies)|responses|discussion|conversation|责编|编辑|copyright|©|版权/i;

/**
 * Articles run around inline boxes ("Related articles" plus two headlines, then the story goes on). The next
 * block joins when only a short box with an end marker separates them and it reads as running text (two
 * prose lines in a row); a list of other stories alternates headline and blurb and never has two in a row.
 */
function continueAcrossInserts(
  lines: readonly Line[],
  block: Block,
  candidates: readonly Block[],
  factors: readonly number[],
): Block {
  let merged = block;
  const skipped: [number, number][] = [];
  // Forward: the story goes on after the box (a stray line before the box, cut off by a "Close" button, goes with it).
  for (;;) {
    const end = merged.end;
    const next = candidates
      .filter((candidate) => candidate.start > end && candidate.start - end <= TUNABLES.maxInsertLines + 1)
      .sort((a, b) => a.start - b.start)
      .find((candidate) => joinsAcross(lines, [end + 1, candidate.start], candidate));
    if (!next) break;
    skipped.push([merged.end + 1, next.start - 1]);
    merged = { start: merged.start, end: next.end, score: merged.score + next.score };
  }
  // Backward: the story's lead sits right under the header, above a box ("Trending News" + four headlines) the
  // rest runs below. (A gallery's captions above the story are not under a header.)
  for (;;) {
    const previous = candidates
      .filter((candidate) => candidate.end < merged.start)
      .reduce<Block | undefined>(
        (nearest, candidate) => (!nearest || candidate.end > nearest.end ? candidate : nearest),
        undefined,
      );
    // (Headed anywhere: the run may start at a line above the header, the headline itself read as prose.)
    const headed = previous !== undefined && factors.slice(previous.start, previous.end + 1).some((f) => f > 1);
    if (!previous || !headed || !joinsAcross(lines, [previous.end + 1, merged.start], previous)) break;
    skipped.push([previous.end + 1, merged.start - 1]);
    merged = { start: previous.start, end: merged.end, score: merged.score + previous.score };
  }
  return skipped.length > 0 ? { ...merged, skipped } : merged;
}

/**
 * Whether `other` joins the article across the gap (lines from `from` up to, not including, `to`): a short box
 * with an end marker, no header and nothing that ends an article, and `other` reads as running text (two prose
 * lines in a row).
 */
function joinsAcross(lines: readonly Line[], [from, to]: readonly [number, number], other: Block): boolean {
  const gap = lines.slice(from, to);
  if (gap.length > TUNABLES.maxInsertLines || !gap.some((line) => line.kind === Kind.EndMarker)) return false;
  // A newsletter or app prompt ends a short story, but a long stretch of running text after it is the story going on.
  const long = other.score >= TUNABLES.minResumedUnits;
  const over = (line: Line) => ARTICLE_OVER.test(line.text) || (!long && endsArticle(line.text, line.units));
  if (gap.some((line) => line.kind === Kind.Header || line.kind === Kind.Title || over(line))) return false;
  const range = lines.slice(other.start, other.end + 1);
  return range.some((line, i) => line.kind === Kind.Prose && range[i + 1]?.kind === Kind.Prose);
}

/** Drops a trailing site name (" - 光明网", " | BBC News") from a title. */
function stripSiteSuffix(title: string, siteName: string | undefined): string {
  // Titles are short; a long line is not "headline - site" (and the lazy match below is quadratic in it).
  if (title.length > TUNABLES.maxSuffixedTitleChars) return title;
  const match = /^(.+?)\s*[-–—|_｜]\s*([^-–—|_｜]{2,30})$/.exec(title);
  if (!match) return title;
  const [, head, tail] = match as unknown as [string, string, string];
  const looksLikeSite =
    tail === siteName || /(网|报|新闻|频道|日报|晚报|news|times|post|journal|online|bbc|cnn)$/i.test(tail);
  return looksLikeSite && units(head) >= TUNABLES.minTitleUnits ? head : title;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Text before the next field on a source/byline line ("光明网2020-03-26 11:05" → "光明网"). */
function fieldValue(value: string): string | undefined {
  const field = value
    .split(/\s*[|｜]\s*|\s+(?=来源|作者|编辑|责编|记者|时间|发布)|\s{2,}/)[0]!
    .replace(/\d{4}\s*[-/.年].*$/, "")
    .replace(new RegExp(`,?\\s*(\\d{1,2}\\s+${MONTH_NAME}|${MONTH_NAME}\\s+\\d{1,2}).*$`, "i"), "");
  const cut = trimChars(field, /[,，;；\s]/u, "end").trim();
  return cut.length > 0 && units(cut) <= TUNABLES.maxBylineUnits ? cut : undefined;
}

interface HeaderFields {
  siteName?: string;
  byline?: string;
  published?: string;
}

/** Site, byline and date from the header lines above the body (and a few lines below it, for footers). */
function readHeader(lines: readonly Line[], block: Block, chinese: boolean): HeaderFields {
  let from = Math.max(0, block.start - 2 * TUNABLES.headerWindow);
  for (let i = block.start - 1; i >= from; i--) {
    if (lines[i]!.kind === Kind.EndMarker) {
      from = i + 1;
      break;
    }
  }
  // Only lines classified as header meta: a caption's "Photo by …" or a blurb's date is not the article's.
  const headerTexts = (slice: readonly Line[]) =>
    slice.filter((line) => line.kind === Kind.Header).map((line) => line.text);
  const above = headerTexts(lines.slice(from, block.start));
  const below = headerTexts(lines.slice(block.end + 1, block.end + 1 + TUNABLES.footerHeaderLines));
  const fields: HeaderFields = {};
  for (const text of [...above, ...below]) {
    const wechat = WECHAT_HEADER.exec(text);
    if (wechat) {
      fields.byline ??= wechat[1];
      fields.siteName ??= wechat[2];
    }
    const source = SOURCE.exec(text)?.[1];
    if (source) fields.siteName ??= fieldValue(source);
    const byline = BYLINE_EN.exec(text)?.[1] ?? BYLINE_ZH.exec(text)?.[1] ?? BYLINE_EN_INLINE.exec(text)?.[1];
    if (byline && !ENDS_LIKE_SENTENCE.test(text)) fields.byline ??= fieldValue(byline);
  }
  const dated = [...above, ...below];
  const preferred = dated.find((text) => /(来源|发布|published|posted|^\d{4})/i.test(text) && parseDate(text, chinese));
  const any = preferred ?? dated.find((text) => parseDate(text, chinese));
  if (any) fields.published = parseDate(any, chinese);
  if (!fields.siteName) {
    const copyright = lines
      .map((line) => /^(?:copyright\s*)?©\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?([^.|,，。]{2,40})/i.exec(line.text)?.[1])
      .find(Boolean);
    if (copyright) fields.siteName = copyright.replace(/\s*(all rights reserved|版权所有).*$/i, "").trim() || undefined;
  }
  if (fields.byline && fields.siteName) {
    // "By Anna Cooper, CNN": the outlet is the site, not part of the name.
    const outlet = new RegExp(`\\s*[,，/]\\s*${escapeRegExp(fields.siteName)}$`, "i");
    fields.byline = fields.byline.replace(outlet, "") || fields.byline;
  }
  return fields;
}

/** The block's paragraphs: prose and short lines (subheadings, list items), without inserts or the title. */
function bodyOf(lines: readonly Line[], block: Block, title: string | undefined): string[] {
  const body: string[] = [];
  for (let i = block.start; i <= block.end; i++) {
    if (block.skipped?.some(([from, to]) => i >= from && i <= to)) continue;
    const line = lines[i]!;
    const text = line.kind === Kind.Prose || line.kind === Kind.Short || line.kind === Kind.TableRow;
    if (text && line.text !== title) body.push(line.text);
  }
  return body;
}

/**
 * A standfirst the page shows above its byline block and again as the body's first line (the page's summary
 * printed twice): the reader has it as the deck, and it is not the story's own first paragraph.
 */
function withoutRepeatedStandfirst(lines: readonly Line[], block: Block, body: string[]): string[] {
  const [first] = body;
  if (first === undefined || body.length < 2) return body;
  const above = lines.slice(Math.max(0, block.start - TUNABLES.headerWindow), block.start);
  const at = above.findIndex((line) => line.text === first);
  // (Between the two copies, the byline block: a header line.)
  return at >= 0 && above.slice(at + 1).some((line) => line.kind === Kind.Header) ? body.slice(1) : body;
}

/**
 * The body's first line with the byline block under it before the next ("<deck>" / "By …" / "Nov. 19, 2019" / lead):
 * the standfirst under the headline, which the reader has as the deck, not the story's first paragraph.
 */
function withoutDeckAboveByline(lines: readonly Line[], block: Block, body: string[]): string[] {
  const [first] = body;
  if (first === undefined || body.length < 3) return body;
  const isBody = (line: Line) => line.kind === Kind.Prose || line.kind === Kind.Short || line.kind === Kind.TableRow;
  const at = lines.findIndex((line, i) => i >= block.start && i <= block.end && line.text === first);
  if (at < 0) return body;
  let next = at + 1;
  while (next <= block.end && !isBody(lines[next]!)) next++;
  return lines.slice(at + 1, next).some((line) => line.kind === Kind.Header) ? body.slice(1) : body;
}

/**
 * A line of a list of other stories: headline-sized, in title case, with no stop or comma at its end. (A table's
 * row or a list of dates has its numbers: "13 Kurt Busch 2237 1 0 6 18", "June 2 Mountain View, CA".)
 */
function isStoryLink(text: string): boolean {
  const size = units(text);
  if (size < TUNABLES.minTitleUnits || size > TUNABLES.maxRepeatedHeadlineUnits || /[.!?,;:。！？]["”’]?$/.test(text))
    return false;
  if (/^\d|\d.*\s\d/.test(text)) return false;
  const words = text.split(/\s+/).filter((word) => /^\p{L}{4}/u.test(word));
  const capitalised = words.filter((word) => /^\p{Lu}/u.test(word)).length;
  return words.length >= 2 && capitalised / words.length >= TUNABLES.storyLinkTitleCaseShare;
}

/**
 * The body without a list of other stories at its foot: a run of at least minTailLinks title-case headlines with at
 * most maxAfterTailLinks paragraphs after it (the author's promotion: "Mike Wall's book … is out now.").
 */
function withoutTrailingStoryLinks(body: string[]): string[] {
  for (let after = 0; after <= TUNABLES.maxAfterTailLinks && after < body.length; after++) {
    let start = body.length - after;
    while (start > 0 && isStoryLink(body[start - 1]!)) start--;
    // (After "… tour dates:" the list is the article's.)
    const introduced = INTRODUCES_LIST.test(body[start - 1] ?? "");
    if (body.length - after - start >= TUNABLES.minTailLinks && start > 0 && !introduced) return body.slice(0, start);
  }
  return body;
}

/** The block's paragraphs without the page's furniture around the story: deck, standfirst, a list at its foot. */
function articleBody(lines: readonly Line[], block: Block, repeatedTitle: string | undefined): string[] {
  const body = withoutRepeatedStandfirst(lines, block, bodyOf(lines, block, repeatedTitle));
  return withoutTrailingStoryLinks(withoutDeckAboveByline(lines, block, body));
}

/**
 * A headline the cleaner read as one of the body's first lines ("Is An 'Oxygen Bar' … For Rs 300?", or under a fact
 * check's claim) leaves the body, with what stands above it.
 */
function withoutShownTitle(body: readonly string[], shownTitle: string): readonly string[] {
  const at = body.indexOf(shownTitle);
  return at >= 0 && at <= TUNABLES.maxBodyHeadlineParagraph && body.length > at + 1 ? body.slice(at + 1) : body;
}

function toTitleLine(line: Line): TitleLine {
  const role =
    line.kind === Kind.Prose || line.kind === Kind.Short || line.kind === Kind.Title
      ? "text"
      : line.kind === Kind.Header
        ? "meta"
        : line.kind === Kind.EndMarker
          ? "end"
          : "furniture";
  return { text: line.text, units: line.units, role };
}

// ───────────────────────────── Entry point ─────────────────────────────

/** Finds the article in text pasted from a web page (or a plain-text file); throws NotAnArticleError when none. */
export function cleanPastedText({ text }: { text: string }): Article {
  const rawLines = toLines(text);
  const rows = tableRows(text);
  const lines: Line[] = rawLines.map((raw) => {
    const line = stripMarkup(raw);
    return { text: line, units: units(line), kind: classify(line), tableRow: rows.has(raw) };
  });
  markTables(lines);
  markPhotoCredits(lines);
  markRepeatedCaptions(lines);
  markStoryCards(lines);
  markStoryLists(lines);
  markBoxes(lines);
  markTeasers(lines);

  const statedTitle = findStatedTitle(lines, rawLines);
  if (statedTitle) {
    const shown = new Set([statedTitle, stripSiteSuffix(statedTitle, undefined)]);
    for (const line of lines) if (shown.has(line.text)) line.kind = Kind.Title;
  }

  const block = chooseBlock(lines);
  const repeatedTitle = block ? findRepeatedTitle(lines, block.start) : undefined;
  const body = block ? articleBody(lines, block, repeatedTitle) : [];
  const bodyUnits = body.reduce((sum, paragraph) => sum + units(paragraph), 0);
  const sentences = body.reduce((sum, paragraph) => sum + countSentences(paragraph), 0);
  if (
    !block ||
    bodyUnits < TUNABLES.minArticleUnits ||
    (bodyUnits < TUNABLES.smallArticleUnits && sentences < TUNABLES.minSmallArticleSentences)
  ) {
    throw new NotAnArticleError(
      bodyUnits === 0
        ? "The pasted text has no article in it: no paragraph of prose, only short lines, lists or page furniture."
        : `The pasted text has too little article in it (${bodyUnits} units, ${sentences} sentences).`,
      { details: { units: bodyUnits, sentences } },
    );
  }

  // A teaser above a paywall is the start of an article we cannot read: refuse rather than summarize a fragment.
  const paywalled = lines
    .slice(block.end + 1, block.end + 1 + TUNABLES.paywallWindow)
    .some((line) => PAYWALL.test(line.text));
  if (paywalled && bodyUnits < TUNABLES.maxPaywallTeaserUnits) {
    throw new NotAnArticleError(
      "The pasted text is a paywall teaser: the article stops at a subscription or login prompt.",
      {
        details: { units: bodyUnits, reason: "paywall" },
      },
    );
  }

  const chinese = detectLang(body.join("\n")) === "zh";
  const header = readHeader(lines, block, chinese);
  // No plausible headline → "": the summary's own headline stands in (bot/render.ts), never a body sentence.
  // A stated title counts when the page shows it above the body ("# re: …" further down is a comment's).
  const stated = lines.slice(0, block.start + 1).some((line) => statedTitle && line.text.endsWith(statedTitle));
  const shownTitle =
    (stated ? statedTitle : undefined) ?? pickHeadline({ lines: lines.map(toTitleLine), bodyStart: block.start, body });
  const title = shownTitle ? stripSiteSuffix(shownTitle, header.siteName) : "";
  const paragraphs = withoutCutLead(withoutShownTitle(body, shownTitle));
  return makeArticle({
    title,
    ...(header.siteName ? { siteName: header.siteName } : {}),
    ...(header.byline ? { byline: header.byline } : {}),
    ...(header.published ? { published: header.published } : {}),
    paragraphs,
  });
}
