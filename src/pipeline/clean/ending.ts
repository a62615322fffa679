/**
 * Where a pasted article ends. After the last paragraph a page goes on with what is not the article: the
 * reference list and "See also" of an encyclopedia, "Retrieved …" lines, newsletter sign-ups and app
 * promotions, the portal's legal disclaimer, the comment section, "more stories" blocks, the reporter's
 * credit line. A line that opens one of those ends the body, in Chinese and English.
 *
 * The pasted-text cleaner (text.ts) treats a line for which `endsArticle` is true as an end marker: the
 * article's block never runs past it, and what follows it counts as a list of other things.
 */

// ───────────────────────────── Tunables ─────────────────────────────
// Every pattern is linear: anchored, with bounded quantifiers and no nested unbounded repetition, so a
// 200 KB single-line paste costs one pass per pattern.
const ENDING_TUNABLES = {
  /**
   * A section heading ("References", "参考文献") is short: a line this size or smaller may be one. A long line
   * starting with "References" is a sentence of the article.
   */
  maxHeadingUnits: 16,
  /** Prompts and disclaimers ("Subscribe to WIRED and stay smart…", "免责声明：本文…") run to a paragraph. */
  maxPromptUnits: 120,
  /**
   * A comments heading ends the article for good once this much prose (units) came before it: whatever follows
   * is readers' comments, however long. Less prose before it, and the heading is a share bar's "Comments" button
   * above the body. (~40 English words: GiveWell's two-paragraph open thread is the smallest gold article.)
   */
  minProseBeforeComments: 80,
  /**
   * What a block behind a comments heading weighs against the article (text.ts multiplies its score by this):
   * comment threads run to ten times the article, so the usual 0.3 for "behind an end marker" is not enough.
   */
  behindCommentsFactor: 0.02,
} as const;

export const COMMENTS_AFTER_PROSE_UNITS = ENDING_TUNABLES.minProseBeforeComments;
export const BEHIND_COMMENTS_FACTOR = ENDING_TUNABLES.behindCommentsFactor;

/** The heading of a comment section: "Comments", "34 responses to “…”", "网友评论". */
const COMMENTS_HEADING =
  /^(?:comments?|\d{1,6}\s{1,2}comments?|\d{1,6}\s{1,2}(?:responses|replies|thoughts)\s{1,2}(?:to|on)\s.{1,120}|leave a (?:reply|comment)|(?:reader|readers'?|top|top rated|most liked|latest|newest|all)\s{1,2}comments|\[\s{0,2}\d{1,6}\s{1,2}comments?\s{0,2}\]|评论|网友评论|最新评论|热门评论|全部评论|精选留言|发表评论|我要评论|写留言|留言|[|｜]?\s{0,2}(?:回复线索|相关回复|回复列表|全部回复|所有回复)|[\p{L}\p{N}_]{1,20}的评论)\s{0,3}[:：]?$/iu;

/**
 * A blog page's post footer: "由海姑娘张贴 @ 2005-03-21 01:20:44 (359) 共 3 篇评论", "Posted by Ann at 9:14 PM 3 comments".
 * On a page of several posts, what follows the first footer is older posts, never the one pasted for.
 */
const POST_FOOTER =
  /^由\s{0,2}\S{1,20}\s{0,2}(?:张贴|發表|发表|发布|發佈)\s{0,3}(?:@|于|於)|^posted by .{1,40}\bat\s{1,2}\d{1,2}:\d{2}.{0,20}\bcomments?\b/i;

/** True when the line closes a blog post on a page of posts (checked only on lines already classed as end markers). */
export function closesPost(text: string): boolean {
  return POST_FOOTER.test(text);
}

/** True when the line heads a comment section (checked only on lines already classed as end markers). */
export function opensComments(text: string): boolean {
  return COMMENTS_HEADING.test(text);
}

/** Section headings that close an article: references, notes, see also, comments, more stories. */
const ENDING_HEADINGS: readonly RegExp[] = [
  // Reference lists and related sections (encyclopedias, papers, blogs).
  /^(?:references?|notes(?: and references)?|footnotes|sources|citations|bibliography|works cited|further reading|external links|see also|related pages|notes & references)\s{0,3}(?:\[edit\]|\[编辑\])?\s{0,3}:?$/i,
  /^(?:参考文献|参考资料|参考来源|参考书目|注释|脚注|注解|资料来源|外部链接|外部連結|参见|參見|另见|另見|相关条目|相關條目|扩展阅读|延伸閱讀)\s{0,3}(?:\[编辑\]|\[編輯\])?\s{0,3}[:：]?$/,
  // Comment sections and "more stories".
  /^(?:read all comments|show all comments|more (?:great |top |recent |related )?(?:[\p{L}\p{N}.'’&-]{1,20}\s){0,2}(?:stories|articles|reads)|\[\s{0,2}read all comments\s{0,2}\]|trending(?: news| now)?|featured video|more videos|watch next|up next|you might also like|more from [\p{L} .'’&-]{1,40}|around the web|sponsored (?:stories|links|content)|promoted stories|(?:\d{1,6}\s{1,2})?comments?\s{0,2}\(\d{1,6}\)|\[\s{0,2}\d{1,6}\s{1,2}comments?\s{0,2}\])$/iu,
  /^(?:[\p{L}\p{N}_]{1,20}的评论|网友评论|评论区|全部评论|热门跟帖|我来说两句|更多精彩|更多新闻|更多阅读|更多推荐|大家都在看|热门阅读|点击排行|排行榜|今日热点|本周热点|相关专题)\s{0,3}[:：>]{0,3}$/u,
  // Author boxes that close a blog post: "About Carlos Nadalim", "Sobre Carlos Nadalim", "关于作者".
  /^(?:[Aa]bout|[Ss]obre|[Üü]ber|[Àà] propos de)\s{1,3}(?!Us$)\p{Lu}[\p{L}'’.-]{1,20}(?:\s{1,2}\p{Lu}[\p{L}'’.-]{1,20}){0,3}$|^关于(?!我们)\p{Script=Han}{2,8}$|^作者简介[:：]?$/u,
  // A site's list of its other stories: "Popular on IndieWire", "Next Up In Tech". ("Most read in Business" is a box
  // that sites also set inside the article: text.ts runs past it.)
  /^(?:popular|trending) on [\p{L}\p{N} .'’&-]{1,30}$|^next up in [\p{L}\p{N} &-]{1,20}$/iu,
  // A newsletter's box title: "Pick Six Newsletter", "The Morning Briefing newsletter".
  // ("Sign up for our Coast & Climate newsletter" opens a box inside the article: text.ts's BOX_START.)
  /^(?!sign up|subscribe|get |join )[\p{L}\p{N} '’&-]{1,40}\snewsletters?$/iu,
];

/** Lines that close an article whatever their length: prompts, disclaimers, credits, "Retrieved …". */
const ENDING_LINES: readonly RegExp[] = [
  // Wikipedia's citation tails and the page footer.
  /^(?:retrieved|archived from the original)\b.{0,20}\d/i,
  /^\^\s{1,3}\S/, // "^ Smith, J. (2009)…" (a space after the caret: "^_^" is a smiley)
  /^(?:this page was last (?:edited|modified)|本页面最后修订于|此页面最后编辑于)/i,
  // Newsletter and app prompts.
  // (A sign-up box inside the article, "Sign up for our Morning Briefing", only interrupts it: text.ts's BOX_START.)
  /^(?:subscribe to \p{Lu}{2,}\b|see all newsletters|thanks for signing up|please check the opt-in box|i agree that .{1,60} can send me|want more (?:stories|news) like this|never miss a (?:story|thing))/iu,
  /^(?:stay (?:up to date|informed|in touch|connected|in the loop) with [\p{L}\p{N} '’&.-]{1,40}[.!]?(?:\s{1,2}(?:subscribe|sign up)\b.{0,60})?$|have a (?:news )?tip\?\s)/iu,
  /^(?:need more [\p{L} ]{1,20}\? subscribe|get [\p{L}\p{N} ]{1,40} delivered (?:to|through)|download (?:our|the) [\p{L}\p{N} ]{0,30}app\b|get the [\p{L}\p{N} ]{0,30}app\b|open in (?:the )?app\b|follow [\p{L}\p{N} ]{1,40} on (?:facebook|twitter|instagram))/iu,
  /^(?:下载|打开)\s{0,2}(?:[\p{Script=Han}A-Za-z]{0,10}\s{0,2})?(?:app|APP|客户端)|^扫码下载|^扫描二维码下载|^更多精彩内容[,，]?请(?:下载|关注)|^(?:欢迎)?关注(?:我们的)?(?:微信)?公众号/u,
  // A reader-support appeal after the story: "A Word to Our Loyal Readers", "Support Snopes and make a difference…".
  // (An appeal inside the story, "Do you rely on Snopes reporting? Click here to support it.", only interrupts it.)
  /^(?:a (?:word|note|letter|message) to our (?:loyal |valued )?readers$|support [\p{L}\p{N}.'’ -]{1,30} (?:and make a difference|so (?:that )?we (?:can )?continue)\b)/iu,
  // Legal disclaimers and portal notices.
  /^(?:disclaimer|legal notice|important notice)\s{0,2}[:：]|^(?:the views (?:and opinions )?expressed|this (?:article|content|material) is (?:for|provided for) (?:general )?information(?:al)? purposes|nothing (?:in|on) this (?:article|site) (?:constitutes|is) (?:investment|financial|legal) advice|if you buy something through (?:this|our) post|we may earn (?:a )?commission)/i,
  // An affiliate notice: "Sometimes we include links to online retail stores. If you click on one … a small commission."
  /^.{0,160}\bwe (?:may|might) (?:earn|receive|get) (?:a )?(?:small )?(?:share of (?:the )?sales|commission)/i,
  /^(?:免责声明|郑重声明|特别声明|风险提示|反侵权公告|版权与免责声明|声明\s{0,2}[:：])|^\S{1,12}(?:版权与免责声明|免责声明)[:：]|^(?:本文仅代表作者(?:个人)?观点|本网站?所刊载|以上内容(?:仅)?代表|投资有风险|市场有风险|不构成投资建议)/,
  // A comment section's house rules: "ATENÇÃO: Comentários com textos ininteligíveis … não serão aprovados".
  /^(?:atenção|atención|attention|achtung|note)\s{0,2}[:：]\s{0,2}(?:os |los |les |die )?(?:comentários|comentarios|commentaires|kommentare|comments)\b/iu,
  // Credit lines that close a report: "(Reporting by …; Editing by …)", "Reporting by …; additional reporting by …",
  // "Associated Press writers Alan Fram, Zeke Miller … contributed to this report."
  /^[(（]\s{0,2}(?:reporting|additional reporting|writing|editing) by\b/i,
  /^(?:reporting|writing) by\s.{1,200};\s{0,2}(?:additional reporting|editing|writing) by\b|^(?:associated press|ap|reuters|afp|bloomberg) (?:writers?|reporters?|correspondents?)\s.{1,200}\bcontributed\b/i,
  // The author's box under the story: "Molly Wood (@mollywood) is an Ideas contributor at WIRED…", "Louise Matsakis is a
  // Staff Writer at WIRED…", "Email Tariq Malik at tmalik@space.com or follow him…".
  /^\p{Lu}[\p{L}.'’-]{1,20}(?:\s\p{Lu}[\p{L}.'’-]{0,20}){1,3}(?:\s\([^()]{1,60}\))? is (?:a|an|the) (?:[\p{L}'’-]{1,20}\s){0,4}(?:writer|reporter|editor|contributor|correspondent|columnist|curator|producer|host)\b.{0,40}\b(?:at|for|of)\b/u,
  /^(?:[Ee]-?mail|[Cc]ontact) \p{Lu}[\p{L}.'’ -]{1,40} at [^\s@]{1,64}@[^\s@]{1,255}/u,
  // A comment section's notice: "Note: we are temporarily moderating all comments submitted to deal with…".
  /^(?:note\s{0,2}:\s{0,2})?we are (?:temporarily )?moderating (?:all )?comments\b/i,
  // Forum and blog post footers: "本贴由大卫于…发表", "(本文发表于…, 已被阅读178次)", "Trackback".
  /^(?:本贴由|本帖由|本帖最后由|[(（]本文发表于|本文通告引用|引用通告|trackback\b)/i,
  POST_FOOTER,
  // A forum post's foot and its reply tree: "您是本文第 154 个阅览者", "| 回复线索：".
  /^您是本文第\s{0,2}\d{1,9}\s{0,2}个(?:阅览|阅读|读)者|^[|｜]?\s{0,2}(?:回复线索|相关回复|回复列表|全部回复|所有回复)\s{0,2}[:：]?$/,
];

/**
 * A press release's company boilerplate, however long its paragraph: "Ascom is a global solutions provider focused
 * on healthcare ICT…", "Acme Corp. (NASDAQ: ACME) is a leading developer of…". A story introduces a company inside
 * a sentence ("Northwind said it is a leading supplier…"); the release's last paragraphs open with its capitalised
 * name, "is a" and a superlative.
 */
const COMPANY_BOILERPLATE =
  /^\p{Lu}[\p{L}\p{N}&.'’-]{0,20}(?:\s(?:\p{Lu}[\p{L}\p{N}&.'’-]{0,20}|&)){0,4}\s(?:\([^()]{1,40}\)\s)?is (?:a|an|the) (?:(?:leading|global|world'?s?|worldwide|international|premier|pioneering|largest|fast-growing|innovative|independent)[ -]){1,3}.{0,80}\b(?:provider|company|manufacturer|developer|supplier|leader|platform|firm|specialist|group)\b/u;

/** True when the line (of `size` units: Han characters 1, other words 2) opens what follows an article. */
export function endsArticle(text: string, size: number): boolean {
  if (size <= ENDING_TUNABLES.maxHeadingUnits && ENDING_HEADINGS.some((pattern) => pattern.test(text))) return true;
  if (COMPANY_BOILERPLATE.test(text)) return true;
  return size <= ENDING_TUNABLES.maxPromptUnits && ENDING_LINES.some((pattern) => pattern.test(text));
}
