import { ErrorCode, isJianbaoError } from "../errors.js";
import type { Lang } from "../types.js";

/**
 * Every sentence the bot says, in Chinese and English. Keys are shared; `{name}` placeholders are
 * filled by `t()`. Texts here are plain (no HTML): callers escape when they send HTML.
 */
const STRINGS = {
  reading: { zh: "正在阅读…", en: "Reading…" },
  readingPaste: { zh: "正在阅读你粘贴的文字…", en: "Reading the text you pasted…" },
  readingFile: { zh: "正在阅读文件 {name}…", en: "Reading the file {name}…" },
  translating: { zh: "正在换成中文…", en: "Switching to English…" },
  start: {
    zh: "你好！我是简报。\n\n发给我一个链接、一段粘贴的网页文字，或者一个 .html / .txt / .md 文件，我会整理出正文，用 3–5 条要点总结。\n回复摘要消息就可以就文章提问。\n\n/help 查看全部用法。",
    en: "Hi! I'm Jianbao (简报).\n\nSend me a link, a pasted page, or an .html / .txt / .md file and I'll clean it to the article and sum it up in 3–5 bullets.\nReply to a summary to ask about the article.\n\n/help shows everything I can do.",
  },
  help: {
    zh: "用法：\n• 发链接（可一次多个，最多 {maxLinks} 个）→ 每个链接一份摘要\n• 粘贴网页文字（长文分几条发也可以，我会拼起来）\n• 发送 .html / .htm / .txt / .md 文件（最大 {maxFile}）\n{switchLine}• 回复摘要消息可以就文章提问\n\n命令：\n{commands}",
    en: "How to use me:\n• Send links (up to {maxLinks} per message) → one summary each\n• Paste a page's text (a long page can come in several messages; I join them)\n• Send an .html / .htm / .txt / .md file (up to {maxFile})\n{switchLine}• Reply to a summary to ask about the article\n\nCommands:\n{commands}",
  },
  helpSwitchLine: {
    zh: "• 摘要下的按钮可以切换中文 / English\n",
    en: "• Buttons under a summary switch between 中文 / English\n",
  },
  cmdStart: { zh: "开始", en: "Start" },
  cmdHelp: { zh: "用法说明", en: "How to use the bot" },
  cmdLang: { zh: "摘要语言：zh / en / auto", en: "Summary language: zh / en / auto" },
  cmdForget: { zh: "删除我的所有数据", en: "Delete everything stored about me" },
  cmdStats: { zh: "统计（管理员）", en: "Statistics (admins)" },
  langUsage: {
    zh: "当前摘要语言：{current}。\n用法：/lang zh（中文）、/lang en（English）或 /lang auto（跟随文章语言）。",
    en: "Summary language now: {current}.\nUse /lang zh (Chinese), /lang en (English) or /lang auto (the article's language).",
  },
  langSet: {
    zh: "好的，以后的摘要用{choice}。",
    en: "Done: summaries will be in {choice} from now on.",
  },
  langName_zh: { zh: "中文", en: "Chinese" },
  langName_en: { zh: "英文", en: "English" },
  langName_auto: { zh: "文章原本的语言", en: "the article's own language" },
  forgotten: {
    zh: "已删除：你的设置、订阅、我们私聊中的消息记录，以及你粘贴或上传的文字（共 {count} 条）。公开网页的文章仍会为其他读者保留。",
    en: "Deleted: your settings, subscriptions, our private chat's message records and the texts and files you sent ({count} records). Articles from public links stay for other readers.",
  },
  statsDenied: { zh: "只有管理员可以查看统计。", en: "Only admins can see the statistics." },
  stats: {
    zh: "统计（近 {days} 天）\n人数：{people}\n摘要：{summaries}（离线 {offline}，缓存命中 {cacheHits}）\n模型 tokens：{tokens}\n失败：{failures}",
    en: "Statistics (last {days} days)\nPeople: {people}\nSummaries: {summaries} (offline {offline}, cache hits {cacheHits})\nModel tokens: {tokens}\nFailures: {failures}",
  },
  notAllowed: {
    zh: "抱歉，这个机器人只对受邀用户开放。",
    en: "Sorry, this bot is private to invited people.",
  },
  rateLimited: {
    zh: "你发得有点快，请 {seconds} 秒后再试。",
    en: "That's a lot at once: please try again in {seconds} s.",
  },
  busy: {
    zh: "我现在很忙，请稍后再发一次。",
    en: "I'm busy right now; please send it again in a minute.",
  },
  tooManyLinks: {
    zh: "这条消息有 {count} 个链接，我先总结前 {max} 个。",
    en: "That message has {count} links; I'll summarize the first {max}.",
  },
  sendSomething: {
    zh: "发给我一个链接、一段网页文字或一个 .html / .txt 文件，我来总结。回复摘要可以就文章提问。",
    en: "Send me a link, a pasted page or an .html / .txt file and I'll summarize it. Reply to a summary to ask about it.",
  },
  unknownCommand: { zh: "没有这个命令。/help 查看用法。", en: "I don't know that command. /help lists what I can do." },
  askHint: {
    zh: "回复这条摘要消息，就可以就文章提问。",
    en: "Reply to this message to ask about the article.",
  },
  askButton: { zh: "💬 如何提问", en: "💬 Ask a question" },
  expired: {
    zh: "这篇文章已经不在我的记录里了，请重新发送链接。",
    en: "I no longer have this article; please send the link again.",
  },
  // footer
  minRead: { zh: "{minutes} 分钟读完", en: "{minutes} min read" },
  offlineBadge: { zh: "离线摘要", en: "offline summary" },
  noticeNoTranslation: {
    zh: "离线摘要无法翻译，按原文语言给出",
    en: "offline summaries cannot translate; shown in the article's language",
  },
  noticeLlmUnavailable: {
    zh: "模型暂时不可用，这是离线摘要",
    en: "the model was unavailable, so this is an offline summary",
  },
  noticeLlmTimeout: {
    zh: "模型没有及时回答，这是离线摘要",
    en: "the model did not answer in time, so this is an offline summary",
  },
  // failures: what went wrong, then what to try
  errNotArticle: {
    zh: "这里面没有找到可以总结的文章（可能是首页、列表页、登录页或付费墙）。试试直接发文章页的链接，或者把正文粘贴过来。",
    en: "I couldn't find an article to summarize there (it may be a home page, a list, a login page or a paywall). Try the article's own link, or paste its text.",
  },
  errBadUrl: {
    zh: "这个链接看起来不对：{url}。请检查后再发。",
    en: "That link doesn't look right: {url}. Please check it and send it again.",
  },
  errRefused: {
    zh: "出于安全原因，我不访问内网或本机地址。请发一个公开网页的链接。",
    en: "For safety I don't visit private or local addresses. Please send a link to a public web page.",
  },
  errUnreachable: {
    zh: "打不开这个网站（连接失败）。请确认链接能在浏览器里打开，或者把正文粘贴过来。",
    en: "I couldn't reach that site (the connection failed). Check the link opens in a browser, or paste the text.",
  },
  errTimeout: {
    zh: "网站太久没有响应。稍后再试，或者把正文粘贴过来。",
    en: "The site took too long to answer. Try again later, or paste the text.",
  },
  errHttp404: {
    zh: "网站说这个页面不存在（404）。请检查链接是否完整。",
    en: "The site says this page doesn't exist (404). Please check the link is complete.",
  },
  errHttpStatus: {
    zh: "网站拒绝了请求（HTTP {status}）。它可能需要登录或屏蔽了机器人；可以把正文粘贴过来。",
    en: "The site refused the request (HTTP {status}). It may need a login or block bots; you can paste the text instead.",
  },
  errTooLarge: {
    zh: "这个页面太大了，我读不下。可以只粘贴正文部分。",
    en: "That page is too big for me to read. Try pasting just the article text.",
  },
  errRedirects: {
    zh: "这个链接跳转次数太多。请发最终页面的地址。",
    en: "That link redirects too many times. Please send the final page's address.",
  },
  errNotHtml: {
    zh: "这不是网页（类型：{contentType}）。我能读网页、PDF 和文本；其他格式请复制正文粘贴过来。",
    en: "That isn't a web page (type: {contentType}). I can read web pages, PDFs and text; for other formats, paste the text.",
  },
  errUnsupportedFile: {
    zh: "我只能读 .html、.htm、.txt、.md 和 .pdf 文件。其他格式请复制正文粘贴过来。",
    en: "I can read .html, .htm, .txt, .md and .pdf files. For other formats, paste the text.",
  },
  errNotText: {
    zh: "这个文件里不是文字，而是二进制内容（比如图片或压缩包）。我能读网页、PDF 和纯文本；请把正文复制粘贴过来。",
    en: "That file doesn't hold text (it looks like {received}). I read web pages, PDFs and plain text; paste the article's text instead.",
  },
  errPasteTooLarge: {
    zh: "粘贴的文字太长了{size}，我最多读 {max}。请只粘贴文章正文。",
    en: "That's too much text{size}; I read up to {max}. Please paste just the article.",
  },
  errFileTooLarge: {
    zh: "文件太大{size}，我最多读 {max}。可以只发正文部分，或把正文粘贴过来。",
    en: "That file is too big{size}; I read files up to {max}. Try sending just the article text, or paste it.",
  },
  errModelTimeout: {
    zh: "语言模型没有及时回答。请过一会儿再试。",
    en: "The language model did not answer in time. Please try again in a little while.",
  },
  errModelBusy: {
    zh: "语言模型现在太忙或暂时不可用。请过一会儿再试。",
    en: "The language model is busy or unavailable right now. Please try again in a little while.",
  },
  errNoArticle: {
    zh: "还没有可以提问的文章。先发一个链接或一段文字吧。",
    en: "There's no article to ask about yet. Send a link or a page first.",
  },
  errFeedNotFound: {
    zh: "在这个地址没有找到订阅源（RSS/Atom）。",
    en: "I couldn't find a feed (RSS/Atom) at that address.",
  },
  errEmptyFile: {
    zh: "这个文件是空的。请发一个有内容的文件，或者直接把正文粘贴过来。",
    en: "That file is empty. Send a file with the article in it, or paste its text.",
  },
  errStoreUnavailable: {
    zh: "存储暂时不可用，请过一分钟再试。",
    en: "Storage is unavailable right now. Please try again in a minute.",
  },
  errTooComplex: {
    zh: "这个页面太大或太复杂，我读不了。可以只把正文粘贴过来。",
    en: "This page is too large or complex to read. Try pasting just the article text.",
  },
  errWorkerFailed: {
    zh: "读这个页面时出了问题，没能读完。请再试一次，或者把正文粘贴过来。",
    en: "Something went wrong while reading this page. Please try again, or paste the article text.",
  },
  errBusy: {
    zh: "我现在要读的东西太多了。请过一会儿再发一次。",
    en: "I have too much to read right now. Please send it again in a little while.",
  },
  errPdfScanned: {
    zh: "这个 PDF 只有图片，没有文字层；扫描的页面我读不了。有文字版的话请发文字版，或把正文粘贴过来。",
    en: "This PDF is images only; I can't read scanned pages. Send a version with text, or paste the text.",
  },
  errPdfEncrypted: {
    zh: "这个 PDF 加了密码，我打不开。请发一个没有密码的版本，或把正文粘贴过来。",
    en: "This PDF is password-protected, so I can't open it. Send a copy without a password, or paste the text.",
  },
  errPdfCorrupt: {
    zh: "这个 PDF 文件损坏了或不完整，我读不了。请重新导出或重新下载后再发一次。",
    en: "This PDF is damaged or incomplete, so I can't read it. Try exporting or downloading it again.",
  },
  errPdfTooLarge: {
    zh: "这个 PDF 太大了{what}，我最多读 {max}。可以只发需要的章节，或把正文粘贴过来。",
    en: "This PDF is too big{what}; I read PDFs up to {max}. Try sending just the part you need, or paste its text.",
  },
  errInternal: {
    zh: "抱歉，我这边出了点问题。请稍后再试一次。",
    en: "Sorry, something went wrong on my side. Please try again in a moment.",
  },
} as const satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof STRINGS;

/** The sentence `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function t(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return STRINGS[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) =>
    vars[name] === undefined ? whole : String(vars[name]),
  );
}

/**
 * The language a message is clearly written in, or undefined (commands, links, numbers, emoji,
 * a word or two of Latin script): mostly Han characters → zh; only Latin words, at least three → en.
 */
export function langOfText(text: string): Lang | undefined {
  const words = text
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/^\/\S+/, " ")
    .trim();
  const han = words.match(/\p{Script=Han}/gu)?.length ?? 0;
  const letters = words.match(/\p{L}/gu)?.length ?? 0;
  if (han >= 2 && han / letters > 0.5) return "zh";
  if (han === 0 && (words.match(/\p{Script=Latin}{2,}/gu)?.length ?? 0) >= 3) return "en";
  return undefined;
}

/** "1.5 MB", "320 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Too many pages or too many bytes: say which, with the cap. */
function describePdfTooLarge(lang: Lang, details: Readonly<Record<string, string | number>>): string {
  if (details.pages !== undefined) {
    return t(lang, "errPdfTooLarge", {
      what: lang === "zh" ? `（${details.pages} 页）` : ` (${details.pages} pages)`,
      max: lang === "zh" ? `${details.maxPages} 页` : `${details.maxPages} pages`,
    });
  }
  const size = details.size ? formatBytes(Number(details.size)) : "";
  return t(lang, "errPdfTooLarge", {
    what: size ? (lang === "zh" ? `（${size}）` : ` (${size})`) : "",
    max: formatBytes(Number(details.maxBytes ?? 0)),
  });
}

/** A short message for the person, in their language, saying what went wrong and what to try. */
export function describeError(lang: Lang, error: unknown): string {
  if (!isJianbaoError(error)) return t(lang, "errInternal");
  const details = error.details;
  switch (error.code) {
    case ErrorCode.NotAnArticle:
      return t(lang, "errNotArticle");
    case ErrorCode.BadUrl:
      return t(lang, "errBadUrl", { url: String(details.url ?? "") });
    case ErrorCode.Refused:
      return t(lang, "errRefused");
    case ErrorCode.Unreachable:
      return t(lang, "errUnreachable");
    case ErrorCode.Timeout:
      return t(lang, "errTimeout");
    case ErrorCode.HttpStatus:
      return Number(details.status) === 404 || Number(details.status) === 410
        ? t(lang, "errHttp404")
        : t(lang, "errHttpStatus", { status: details.status ?? "?" });
    case ErrorCode.TooLarge:
      return t(lang, "errTooLarge");
    case ErrorCode.TooManyRedirects:
      return t(lang, "errRedirects");
    case ErrorCode.NotHtml:
      return t(lang, "errNotHtml", { contentType: String(details.contentType ?? "?") });
    case ErrorCode.UnsupportedFile:
      // pageFromBytes names what it found inside ("a binary file", "a PDF document"…): say so,
      // since "I read .txt files" is no help for a .txt that is not text.
      return typeof details.received === "string" && /^(a|an) /.test(details.received)
        ? t(lang, "errNotText", { received: details.received })
        : t(lang, "errUnsupportedFile");
    case ErrorCode.FileTooLarge:
      return t(lang, details.source === "paste" ? "errPasteTooLarge" : "errFileTooLarge", {
        size: details.size
          ? lang === "zh"
            ? `（${formatBytes(Number(details.size))}）`
            : ` (${formatBytes(Number(details.size))})`
          : "",
        max: formatBytes(Number(details.maxBytes ?? details.max ?? 0)),
      });
    case ErrorCode.LlmUnavailable:
    case ErrorCode.LlmBadOutput:
      return t(lang, "errModelBusy");
    case ErrorCode.LlmTimeout:
      return t(lang, "errModelTimeout");
    case ErrorCode.RateLimited:
      return t(lang, "rateLimited", { seconds: details.seconds ?? 60 });
    case ErrorCode.NoArticle:
      return t(lang, "errNoArticle");
    case ErrorCode.FeedNotFound:
      return t(lang, "errFeedNotFound");
    case ErrorCode.EmptyFile:
      return t(lang, "errEmptyFile");
    case ErrorCode.StoreUnavailable:
      return t(lang, "errStoreUnavailable");
    case ErrorCode.TooComplex:
      return t(lang, "errTooComplex");
    case ErrorCode.WorkerFailed:
      return t(lang, "errWorkerFailed");
    case ErrorCode.Busy:
      return t(lang, "errBusy");
    case ErrorCode.PdfScanned:
      return t(lang, "errPdfScanned");
    case ErrorCode.PdfEncrypted:
      return t(lang, "errPdfEncrypted");
    case ErrorCode.PdfCorrupt:
      return t(lang, "errPdfCorrupt");
    case ErrorCode.PdfTooLarge:
      return describePdfTooLarge(lang, details);
    default:
      return t(lang, "errInternal");
  }
}
