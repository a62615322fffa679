/**
 * The deliver stage's pure text helpers: Telegram-HTML escaping, safe links, and HTML back to plain text.
 * Shared by the bot's messages and the digests; no I/O, no language strings.
 */

/** Escapes text for Telegram's HTML parse mode (also safe inside a double-quoted attribute). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The URL when it is an absolute http(s) URL, else undefined (no javascript:, tg:, file: links). */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Telegram HTML → readable plain text (for the terminal chat and for plain-text fallbacks of short notes). */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\s+href="([^"]*)"\s*>(.*?)<\/a>/gs, (_whole, href: string, label: string) =>
      label.includes(href) ? label : `${label} (${href})`,
    )
    .replace(/<[^<>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_whole, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, "&");
}
