/**
 * Composing a digest: pure. Entries in, Telegram HTML parts out (each within 4096 characters,
 * split only between articles), with a row of buttons per article.
 */

import { localeOf, t } from "../i18n/index.js";
import { escapeHtml, safeHref } from "../pipeline/render.js";
import { clip, TELEGRAM_MAX_CHARS } from "../text/truncate.js";
import type { Lang } from "../types.js";
import type { DigestPart } from "./store.js";

/** Bullets per article in a digest: the digest is a list to skim, the full summary is one button away. */
const BULLETS_PER_ITEM = 2;
/** A bullet longer than this is cut with an ellipsis so one wordy item cannot crowd out the rest. */
const MAX_BULLET_CHARS = 280;

/** One article as the digest shows it. */
export interface DigestEntry {
  feedTitle: string;
  title: string;
  link: string;
  /** From the summary in the person's language (or the feed's own snippet when there is none). */
  bullets: readonly string[];
  /** Set when the article is stored: enables the full-summary and ask buttons. */
  articleId?: string;
  /** ISO instant, for ordering (newest first). */
  published?: string;
}

export interface ComposeOptions {
  lang: Lang;
  /** The person's local date of this digest, YYYY-MM-DD. */
  localDate: string;
  /** New entries since the last digest, any order. */
  entries: readonly DigestEntry[];
  maxItems: number;
  /** Nothing new → one short line (true) or no message at all (false). */
  sendEmpty: boolean;
  /** @default 4096 */
  maxChars?: number;
}

/** Callback data prefixes; kept short because Telegram allows 64 bytes. */
export const DIGEST_CALLBACK = { summary: "dg:s:", ask: "dg:q:" } as const;

/**
 * One date formatter per language, made once: each Intl.DateTimeFormat holds ICU's date and number symbols in
 * native memory that V8 does not count, so one per digest (10,000 at the digest minute) piled up as garbage the
 * collector saw no reason to free: heaptrack put 50 MB of bench:digest's native peak in ICU, and the process's
 * malloc heap grew from 20 to 186 MB while the digests were composed.
 */
const headerDates = new Map<Lang, Intl.DateTimeFormat>();

/** The dated header line, in the person's language and for their local date. */
export function digestHeader(lang: Lang, localDate: string): string {
  const date = new Date(`${localDate}T12:00:00Z`);
  let format = headerDates.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(localeOf(lang), {
      timeZone: "UTC",
      weekday: "long",
      year: "numeric",
      month: "long",
      day: "numeric",
    });
    headerDates.set(lang, format);
  }
  const formatted = format.format(date);
  return `📰 <b>${escapeHtml(t(lang, "digestBrand"))} · ${escapeHtml(formatted)}</b>`;
}

/** Composes the digest's messages. Empty array: send nothing. */
export function composeDigest(options: ComposeOptions): DigestPart[] {
  const { lang, localDate, sendEmpty } = options;
  const limit = options.maxChars ?? TELEGRAM_MAX_CHARS;
  const header = digestHeader(lang, localDate);
  if (options.entries.length === 0) {
    return sendEmpty ? [{ text: `${header}\n\n${escapeHtml(t(lang, "digestEmpty"))}`, buttons: [] }] : [];
  }

  const newestFirst = [...options.entries].sort(
    (a, b) => (Date.parse(b.published ?? "") || 0) - (Date.parse(a.published ?? "") || 0),
  );
  const chosen = newestFirst.slice(0, Math.max(1, options.maxItems));
  const left = options.entries.length - chosen.length;
  // Group by source, sources in order of their newest article, articles newest first within a source.
  const groups = new Map<string, DigestEntry[]>();
  for (const entry of chosen) groups.set(entry.feedTitle, [...(groups.get(entry.feedTitle) ?? []), entry]);

  const intro = `${header}\n<i>${escapeHtml(t(lang, "digestCount", { items: chosen.length, sources: groups.size }))}</i>`;
  const parts: DigestPart[] = [];
  let current: DigestPart = { text: intro, buttons: [] };
  let number = 0;
  for (const [source, entries] of groups) {
    const heading = `\n\n<b>${escapeHtml(source)}</b>`;
    let headingShown = false;
    for (const entry of entries) {
      number += 1;
      const block = articleBlock(entry, number, limit - heading.length - t(lang, "digestContinued").length - 2);
      const prefix = headingShown ? "\n\n" : `${heading}\n`;
      if (current.text.length + prefix.length + block.length > limit) {
        parts.push(current);
        // "(continued)" only when this source's heading already went out in an earlier part.
        const continued = headingShown ? ` ${escapeHtml(t(lang, "digestContinued"))}` : "";
        current = { text: `<b>${escapeHtml(source)}</b>${continued}\n${block}`, buttons: [] };
      } else {
        current.text += prefix + block;
      }
      headingShown = true;
      if (entry.articleId) {
        current.buttons.push([
          {
            text: `📄 ${number} ${t(lang, "digestSummaryButton")}`,
            data: `${DIGEST_CALLBACK.summary}${entry.articleId}`,
          },
          { text: `❓ ${number} ${t(lang, "digestAskButton")}`, data: `${DIGEST_CALLBACK.ask}${entry.articleId}` },
        ]);
      }
    }
  }
  if (left > 0) {
    const more = `\n\n<i>${escapeHtml(t(lang, "digestMore", { count: left }))}</i>`;
    if (current.text.length + more.length > limit) {
      parts.push(current);
      current = { text: more.trim(), buttons: [] };
    } else current.text += more;
  }
  parts.push(current);
  return parts;
}

function articleBlock(entry: DigestEntry, number: number, room: number): string {
  const href = safeHref(entry.link);
  const title = href
    ? `${number}. <a href="${escapeHtml(href)}">${escapeHtml(entry.title)}</a>`
    : `${number}. ${escapeHtml(entry.title)}`;
  const bullets = entry.bullets
    .slice(0, BULLETS_PER_ITEM)
    .map((bullet) => `• ${escapeHtml(clip(bullet.trim(), MAX_BULLET_CHARS))}`);
  let block = [title, ...bullets].join("\n");
  // Only a pathological title could overflow; cut whole bullets first, then the title text.
  while (block.length > room && bullets.length > 0) {
    bullets.pop();
    block = [title, ...bullets].join("\n");
  }
  if (block.length > room) block = `${number}. ${escapeHtml(clip(entry.title, Math.floor(room / 6)))}`;
  return block;
}
