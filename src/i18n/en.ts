/**
 * English: every sentence a person reads, by key. This file defines the keys; every other language
 * must have exactly these (see zh.ts). Texts are plain (no HTML) unless they say `<b>`; callers escape
 * what they fill in. `{name}` is filled by `t()`, `{n, plural, one {# thing} other {# things}}` picks a form
 * by Intl.PluralRules (see index.ts).
 */
export const en = {
  // Reading and the bot's commands
  reading: "Reading…",
  readingPaste: "Reading the text you pasted…",
  readingFile: "Reading the file {name}…",
  translating: "Switching to English…",
  start:
    "Hi! I'm Jianbao (简报).\n\nSend me a link, a pasted page, an .html / .txt / .md file or a PDF and I'll clean it to the article and sum it up in 3–5 bullets.\nReply to a summary to ask about the article.\n\n/help shows everything I can do.",
  help: "How to use me:\n• Send links (up to {maxLinks} per message) → one summary each\n• Paste a page's text (a long page can come in several messages; I join them)\n• Send an .html / .htm / .txt / .md file (up to {maxFile}) or a PDF with a text layer\n{switchLine}• Reply to a summary to ask about the article\n\nCommands:\n{commands}",
  helpSwitchLine: "• Buttons under a summary switch between 中文 / English\n",
  cmdStart: "Start",
  cmdHelp: "How to use the bot",
  cmdLang: "Summary language: zh / en / auto",
  cmdForget: "Delete everything stored about me",
  cmdStats: "Statistics (admins)",
  langUsage:
    "Summary language now: {current}.\nUse /lang zh (Chinese), /lang en (English) or /lang auto (the article's language).",
  langSet: "Done: summaries will be in {choice} from now on.",
  langName_zh: "Chinese",
  langName_en: "English",
  langName_auto: "the article's own language",
  forgotten:
    "Deleted: your settings, subscriptions, our private chat's message records and the texts and files you sent ({count, plural, one {# record} other {# records}}). Articles from public links stay for other readers.",
  statsDenied: "Only admins can see the statistics.",
  stats:
    "Statistics (last {days} days)\nPeople: {people}\nSummaries: {summaries} (offline {offline}, cache hits {cacheHits})\nModel tokens: {tokens}\nFailures: {failures}",
  notAllowed: "Sorry, this bot is private to invited people.",
  rateLimited: "That's a lot at once: please try again in {seconds} s.",
  busy: "I'm busy right now; please send it again in a minute.",
  tooManyLinks: "That message has {count} links; I'll summarize the first {max}.",
  sendSomething:
    "Send me a link, a pasted page or an .html / .txt file and I'll summarize it. Reply to a summary to ask about it.",
  unknownCommand: "I don't know that command. /help lists what I can do.",
  askHint: "Reply to this message to ask about the article.",
  askButton: "💬 Ask a question",
  expired: "I no longer have this article; please send the link again.",
  minRead: "{minutes} min read",
  offlineBadge: "offline summary",
  noticeNoTranslation: "offline summaries cannot translate; shown in the article's language",
  noticeLlmUnavailable: "the model was unavailable, so this is an offline summary",
  noticeLlmTimeout: "the model did not answer in time, so this is an offline summary",
  errNotArticle:
    "I couldn't find an article to summarize there (it may be a home page, a list, a login page or a paywall). Try the article's own link, or paste its text.",
  errBadUrl: "That link doesn't look right: {url}. Please check it and send it again.",
  errRefused: "For safety I don't visit private or local addresses. Please send a link to a public web page.",
  errUnreachable:
    "I couldn't reach that site (the connection failed). Check the link opens in a browser, or paste the text.",
  errTimeout: "The site took too long to answer. Try again later, or paste the text.",
  errHttp404: "The site says this page doesn't exist (404). Please check the link is complete.",
  errHttpStatus:
    "The site refused the request (HTTP {status}). It may need a login or block bots; you can paste the text instead.",
  errTooLarge: "That page is too big for me to read. Try pasting just the article text.",
  errRedirects: "That link redirects too many times. Please send the final page's address.",
  errNotHtml:
    "That isn't a web page (type: {contentType}). I can read web pages, PDFs and text; for other formats, paste the text.",
  errUnsupportedFile: "I can read .html, .htm, .txt, .md and .pdf files. For other formats, paste the text.",
  errNotText:
    "That file doesn't hold text (it looks like {received}). I read web pages, PDFs and plain text; paste the article's text instead.",
  errPasteTooLarge: "That's too much text{size}; I read up to {max}. Please paste just the article.",
  errFileTooLarge:
    "That file is too big{size}; I read files up to {max}. Try sending just the article text, or paste it.",
  errModelTimeout: "The language model did not answer in time. Please try again in a little while.",
  errModelBusy: "The language model is busy or unavailable right now. Please try again in a little while.",
  errNoArticle: "There's no article to ask about yet. Send a link or a page first.",
  errFeedNotFound: "I couldn't find a feed (RSS/Atom) at that address.",
  errEmptyFile: "That file is empty. Send a file with the article in it, or paste its text.",
  errStoreUnavailable: "Storage is unavailable right now. Please try again in a minute.",
  errTooComplex: "This page is too large or complex to read. Try pasting just the article text.",
  errWorkerFailed: "Something went wrong while reading this page. Please try again, or paste the article text.",
  errBusy: "I have too much to read right now. Please send it again in a little while.",
  errPdfScanned: "This PDF is images only; I can't read scanned pages. Send a version with text, or paste the text.",
  errPdfEncrypted:
    "This PDF is password-protected, so I can't open it. Send a copy without a password, or paste the text.",
  errPdfCorrupt: "This PDF is damaged or incomplete, so I can't read it. Try exporting or downloading it again.",
  errPdfTooLarge:
    "This PDF is too big{what}; I read PDFs up to {max}. Try sending just the part you need, or paste its text.",
  errInternal: "Sorry, something went wrong on my side. Please try again in a moment.",
  // Follow-up questions (src/bot/followups.ts)
  thinking: "Looking in the article…",
  about: "About: {title}",
  fromArticle: "From the article:",
  notInArticle: "The article doesn't answer that.",
  extractOffline: "An extract from the article (offline mode: no model to write an answer):",
  extractModelTimeout: "The model did not answer in time, so here is an extract from the article:",
  extractModelDown: "The model is unavailable right now, so here is an extract from the article:",
  offlineNotFoundHint:
    "Offline mode can only look for the article's own words: try other words, or ask in the article's language.",
  askUsage: "Write your question after /ask, for example: /ask who said this?",
  cmdAsk: "Ask about the latest article",
  // Subscriptions and digest settings (src/bot/subscriptions.ts)
  subUsage: "Send /subscribe followed by a feed or a site address, e.g. /subscribe https://example.com/feed.xml",
  subLooking: "Looking for the feed at {url}…",
  subSubscribed:
    "✅ Subscribed to <b>{title}</b>.{latest}\nYour digest comes every day at {time} ({zone}). Change it with /digest HH:MM and /timezone.",
  subLatest: "\nLatest: {item}",
  subAlready: "You already follow <b>{title}</b>.",
  subFeedNotFound:
    "I could not find a feed at {url}: it is not RSS/Atom/RDF and the page links to none. Try the site's feed address (often /feed or /rss.xml).",
  subNone: "You have no subscriptions yet. Send /subscribe <url>.",
  subList: "Your subscriptions ({count}). Digest: {state}. Tap one to remove it.",
  digestStateOn: "daily at {time} ({zone})",
  digestStateOff: "off",
  unsubUsage: "Send /unsubscribe followed by the feed's address, or use /subscriptions.",
  subUnsubscribed: "Removed <b>{title}</b>.",
  subListMore: "… and {count} more (remove them with /unsubscribe <url>).",
  subNotSubscribed: "You don't follow {url}. See /subscriptions.",
  digestUsage:
    "Digest: {state}; {empty}; up to {items} items.\n/digest HH:MM — time · /digest on|off · /digest now — send one now · /digest quiet|loud — nothing or a short line when there is no news · /digest 5 — items · /timezone Area/City",
  digestEmptyQuiet: "silent when nothing is new",
  digestEmptyLoud: "a short line when nothing is new",
  digestTimeSet: "Your digest now comes at {time} ({zone}).",
  digestOn: "Digests are on: every day at {time} ({zone}).",
  digestOff: "Digests are off. /digest on starts them again.",
  digestQuiet: "When nothing is new, you'll get no digest.",
  digestLoud: "When nothing is new, you'll get a short line.",
  digestItemsSet: "Digests now list up to {items} items.",
  digestNowNoSubs: "You have no subscriptions yet. Send /subscribe <url> first.",
  digestNowFailed: "I could not send the digest right now; please try again later.",
  timezoneUsage:
    "Your time zone is {zone}. Set it with an IANA name, e.g. /timezone Asia/Shanghai or /timezone Europe/Berlin.",
  timezoneBad: "“{zone}” is not a time zone I know. Use an IANA name like Asia/Shanghai, America/New_York or UTC.",
  timezoneSet: "Time zone set to {zone}; your digest comes at {time} there.",
  digestItemGone: "That article is no longer stored.",
  digestAskPrompt: "Ask me anything about “{title}” — just type your question.",
  subDefaultFeeds: "Suggested feeds — tap to subscribe:",
  cmdSubscribe: "follow a feed or site (daily digest)",
  cmdSubscriptions: "list and remove subscriptions",
  cmdUnsubscribe: "stop following a feed",
  cmdDigest: "digest time, on/off, now, quiet/loud",
  cmdTimezone: "your time zone for digests",
  // The digest message (src/digest/compose.ts)
  digestBrand: "Your Jianbao digest",
  digestCount:
    "{items, plural, one {# new article} other {# new articles}} from {sources, plural, one {# source} other {# sources}}",
  digestMore: "…and {count} more not shown. /digest 20 raises the limit for the next digests.",
  digestEmpty: "Nothing new in your feeds since the last digest.",
  digestSummaryButton: "Summary",
  digestAskButton: "Ask",
  digestContinued: "(continued)",
  // The terminal chat (src/terminal.ts)
  terminalBanner:
    "简报 Jianbao — terminal chat (no TELEGRAM_BOT_TOKEN set).\nPaste a page, type a link, or the path of an .html/.txt/.md/.pdf file. /help lists commands;\n/1, /2… press the buttons under a message; '> question' replies to the latest summary; Ctrl-D or /quit leaves.\nTo run on Telegram: get a token from @BotFather, then TELEGRAM_BOT_TOKEN=123456:ABC… npm start",
  terminalHelp:
    "In this terminal:\n• /1, /2… press the numbered buttons; '> question' replies to the latest summary\n• a file path (.html/.htm/.txt/.md/.pdf) is sent as an upload\n• a line with a single '.' ends a pasted page at once; when input is piped (npm start < page.txt),\n  a page runs until a '.' line, a command or the end of input: end the page with a newline and '.'\n  before a question, e.g. (cat page.txt; printf '\\n.\\nwho said it?\\n') | npm start\n• /quit or Ctrl-D leaves",
  terminalNoFile: "(no file at {path})",
  terminalNotAFile: "({path} is a folder, not a file)",
  terminalNoButton: "(no button /{number})",
  terminalPrompt: "\nyou › ",
  // Shared pieces
  langSelfName: "English",
  sizeAside: " ({size})",
  pageCount: "{count, plural, one {# page} other {# pages}}",
  offlineQuestion1: "What else does the article say about “{term}”?",
  offlineQuestion2: "What details does the article give about “{term}”?",
} as const;

export type MessageKey = keyof typeof en;
/** What every language provides: a text for each key of the English catalog, and no other keys. */
export type Messages = Readonly<Record<MessageKey, string>>;
