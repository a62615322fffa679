/**
 * The deliver stage's pure text helpers: Telegram-HTML escaping and safe links (HTML back to text: src/text/html.ts).
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
