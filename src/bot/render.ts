import type { InlineKeyboardButton, InlineKeyboardMarkup } from "telegraf/types";
import { t } from "../i18n/index.js";
import { escapeHtml, safeHref } from "../pipeline/render.js";
import { clip, TELEGRAM_MAX_CHARS } from "../text/truncate.js";
import type { Article, Lang, Summary } from "../types.js";

// Reading speeds for the footer: Han characters and other words per minute.
const HAN_PER_MINUTE = 400;
const WORDS_PER_MINUTE = 230;

/** Callback data the summary buttons carry (≤ 64 bytes: the article id is 24 hex characters). */
export const CallbackData = {
  /** `jb:sl:<lang>:<articleId>` — show this summary in another language. */
  switchLang: (lang: Lang, articleId: string) => `jb:sl:${lang}:${articleId}`,
  /** `jb:ask` — explain how to ask a question. */
  askHint: "jb:ask",
} as const;

export const SWITCH_LANG_PATTERN = /^jb:sl:(zh|en):([0-9a-f]{8,64})$/;

/** What a summary message shows. */
export interface SummaryView {
  summary: Summary;
  article: Article;
  /** The link the person sent (falls back to the article's canonical URL / URL). */
  sourceUrl?: string;
  /** Interface language for the footer words. @default summary.lang */
  uiLang?: Lang;
}

/** One summary message, in both renderings. */
export interface RenderedSummary {
  html: string;
  text: string;
}

interface Parts {
  title: string;
  href?: string;
  headline?: string;
  bullets: string[];
  footer: string;
}

function minutesToRead(article: Article): number {
  const han = article.lang === "zh";
  return Math.max(1, Math.round(article.wordCount / (han ? HAN_PER_MINUTE : WORDS_PER_MINUTE)));
}

function footerOf(view: SummaryView, href: string | undefined): string {
  const { summary, article } = view;
  const lang = view.uiLang ?? summary.lang;
  const bits: string[] = [];
  const site = article.siteName ?? (href ? new URL(href).hostname.replace(/^www\./, "") : undefined);
  if (site) bits.push(site);
  if (article.published && !Number.isNaN(Date.parse(article.published))) {
    bits.push(new Date(article.published).toISOString().slice(0, 10));
  }
  bits.push(t(lang, "minRead", { minutes: minutesToRead(article) }));
  if (summary.notice === "llm-unavailable") bits.push(`📴 ${t(lang, "noticeLlmUnavailable")}`);
  else if (summary.notice === "llm-timeout") bits.push(`📴 ${t(lang, "noticeLlmTimeout")}`);
  else if (summary.mode === "offline") bits.push(`📴 ${t(lang, "offlineBadge")}`);
  if (summary.notice === "offline-no-translation") bits.push(t(lang, "noticeNoTranslation"));
  return bits.join(" · ");
}

function same(a: string, b: string): boolean {
  const norm = (text: string) => text.replace(/[\s\p{P}]+/gu, "").toLowerCase();
  return norm(a) === norm(b);
}

function toHtml(parts: Parts): string {
  const title = parts.href
    ? `<b><a href="${escapeHtml(parts.href)}">${escapeHtml(parts.title)}</a></b>`
    : `<b>${escapeHtml(parts.title)}</b>`;
  const lines = [title];
  if (parts.headline) lines.push(`<i>${escapeHtml(parts.headline)}</i>`);
  lines.push("", ...parts.bullets.map((bullet) => `• ${escapeHtml(bullet)}`));
  if (parts.footer) lines.push("", `<i>${escapeHtml(parts.footer)}</i>`);
  return lines.join("\n");
}

function toText(parts: Parts): string {
  const lines = [parts.title];
  if (parts.href) lines.push(parts.href);
  if (parts.headline) lines.push(parts.headline);
  lines.push("", ...parts.bullets.map((bullet) => `• ${bullet}`));
  if (parts.footer) lines.push("", parts.footer);
  return lines.join("\n");
}

/**
 * Shrinks the parts until `render` fits `max`: drop trailing bullets first (keeping one), then
 * shorten texts with an ellipsis. Trimming happens in the text, before markup, so no tag is ever cut.
 */
function fitWithin(parts: Parts, render: (parts: Parts) => string, max: number): string {
  const current: Parts = { ...parts, bullets: [...parts.bullets] };
  let out = render(current);
  while (out.length > max && current.bullets.length > 1) {
    current.bullets.pop();
    out = render(current);
  }
  // Longest field first; each pass removes at least the overflow, so this ends.
  for (let guard = 0; out.length > max && guard < 50; guard += 1) {
    const overflow = out.length - max;
    const fields: Array<keyof Pick<Parts, "title" | "headline" | "footer">> = ["title", "headline", "footer"];
    const bulletLength = [...(current.bullets[0] ?? "")].length;
    let longest: "bullet" | (typeof fields)[number] = "bullet";
    let longestLength = bulletLength;
    for (const field of fields) {
      const length = [...(current[field] ?? "")].length;
      if (length > longestLength) {
        longest = field;
        longestLength = length;
      }
    }
    // Escaping can grow a character up to 6× ("&quot;"), so shrink by the overflow in source characters at least.
    const target = Math.max(0, longestLength - overflow - 1);
    if (longest === "bullet") current.bullets[0] = clip(current.bullets[0] ?? "", target);
    else if (longest === "headline") current.headline = clip(current.headline ?? "", target);
    else current[longest] = clip(current[longest], target);
    if (longestLength === 0) current.href = undefined;
    out = render(current);
  }
  return out;
}

/** Renders a summary as Telegram HTML and as plain text, each within Telegram's 4096 characters. */
export function renderSummary(view: SummaryView, options: { maxChars?: number } = {}): RenderedSummary {
  const max = options.maxChars ?? TELEGRAM_MAX_CHARS;
  const { summary, article } = view;
  const href = safeHref(view.sourceUrl) ?? safeHref(article.canonicalUrl) ?? safeHref(article.url);
  const title = article.title.trim() || summary.headline.trim() || "—";
  const headline = summary.headline.trim();
  const parts: Parts = {
    title,
    href,
    headline: headline && !same(headline, title) ? headline : undefined,
    bullets: summary.bullets.map((bullet) => bullet.trim()).filter(Boolean),
    footer: footerOf(view, href),
  };
  return { html: fitWithin(parts, toHtml, max), text: fitWithin(parts, toText, max) };
}

/**
 * The buttons under a summary: switch to the other language, how to ask a question, then any rows
 * other features add (e.g. suggested questions from the follow-up feature).
 */
export function buildSummaryKeyboard(
  summary: Pick<Summary, "lang" | "notice">,
  articleId: string,
  options: {
    uiLang?: Lang;
    extraRows?: readonly (readonly InlineKeyboardButton[])[];
    /** False when there is no model: an offline summary comes back in the article's language. @default true */
    canTranslate?: boolean;
  } = {},
): InlineKeyboardMarkup {
  const other: Lang = summary.lang === "zh" ? "en" : "zh";
  const uiLang = options.uiLang ?? summary.lang;
  const row: InlineKeyboardButton[] = [];
  // Without a model (or after an offline summary that could not translate) the switch would bring
  // back the same summary: no switch to offer.
  if (options.canTranslate !== false && summary.notice !== "offline-no-translation") {
    row.push({ text: t(other, "langSelfName"), callback_data: CallbackData.switchLang(other, articleId) });
  }
  row.push({ text: t(uiLang, "askButton"), callback_data: CallbackData.askHint });
  return { inline_keyboard: [row, ...(options.extraRows ?? []).map((extra) => [...extra])] };
}
