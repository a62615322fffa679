import { createHash } from "node:crypto";
import type { Article, Lang, LangChoice } from "../types.js";
import type { Collection, Store } from "./store.js";

/**
 * The record kinds the bot keeps, one per key. Features that need more (follow-up turns,
 * subscriptions, digest ledger) add their own collections beside these in their own module.
 */

/** A person: settings only. `/forget` deletes this and everything keyed by their id. */
export interface UserRecord {
  /** Summary language chosen with /lang; unset → DEFAULT_LANG. */
  lang?: LangChoice;
  /** Telegram's language_code at last contact, for the interface language. */
  telegramLang?: string;
  /**
   * The language the person last wrote in clearly (zh/en): the interface language when there is
   * neither a /lang choice nor a language_code (the terminal chat under a C locale).
   */
  textLang?: Lang;
  firstSeen: string;
}

/** Maps Telegram's `language_code` (e.g. "zh-hans", "en-US") to the interface language. */
export function langFromTelegram(code: string | undefined): Lang | undefined {
  if (!code) return undefined;
  return code.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/**
 * The interface language: the person's /lang zh|en, else Telegram's language_code, else the
 * language they write in (when Telegram gave none), else DEFAULT_LANG, else English.
 */
export function interfaceLang(
  user: Pick<UserRecord, "lang" | "telegramLang" | "textLang"> | undefined,
  defaultLang: LangChoice,
): Lang {
  const chosen = user?.lang && user.lang !== "auto" ? user.lang : undefined;
  return (
    chosen ?? langFromTelegram(user?.telegramLang) ?? user?.textLang ?? (defaultLang === "auto" ? "en" : defaultLang)
  );
}

/** A cleaned article, kept for follow-up questions for ARTICLE_RETENTION_DAYS. */
export interface ArticleRecord {
  id: string;
  article: Article;
  savedAt: string;
}

/** What a message the bot sent is about: replying to it asks about `articleId`. */
export interface MessageRecord {
  articleId: string;
  kind: "summary" | "answer" | "digest";
}

/**
 * Who brought an article in, one record per source (key `<articleId>:web` or `<articleId>:chat:<chatId>`):
 * "web" for a link (a public page, not personal data), "chat:<id>" for text pasted or a file uploaded
 * there. `/forget` deletes a pasted or uploaded article only when no other source holds it.
 */
export interface ArticleSourceRecord {
  at: string;
}

/** The most recent article in a chat: `/ask` and plain follow-ups use it. */
export interface ChatRecord {
  articleId: string;
  at: string;
}

export interface Records {
  users: Collection<UserRecord>;
  articles: Collection<ArticleRecord>;
  /** key `<articleId>:web` or `<articleId>:chat:<chatId>` */
  articleSources: Collection<ArticleSourceRecord>;
  /** key `<chatId>:<messageId>` */
  messages: Collection<MessageRecord>;
  /** key `<chatId>` */
  chats: Collection<ChatRecord>;
}

export function records(store: Store): Records {
  return {
    users: store.collection<UserRecord>("user"),
    articles: store.collection<ArticleRecord>("article"),
    articleSources: store.collection<ArticleSourceRecord>("articlesrc"),
    messages: store.collection<MessageRecord>("message"),
    chats: store.collection<ChatRecord>("chat"),
  };
}

/** A stable id for an article's content: the same text from any source maps to one id. */
export function articleId(article: Pick<Article, "title" | "text">): string {
  return createHash("sha256").update(article.title).update("\n").update(article.text).digest("hex").slice(0, 24);
}
