/**
 * The one HTML → text: Telegram's HTML subset (our own messages: the terminal chat, plain-text fallbacks),
 * and HTML fragments from elsewhere (feed titles and summaries), which need a real parser.
 */
import { textContent } from "domutils";
import { parseHtml } from "./parse-html.js";

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

/** Text of an HTML fragment (feed titles are sometimes HTML-typed or entity-escaped twice). */
export function plainText(html: string): string {
  if (!/[<&]/.test(html)) return html.replace(/\s+/g, " ").trim();
  // Parsed with the nesting capped (parse-html.ts): a feed's deeply nested fragment costs linear time.
  return textContent(parseHtml(html)).replace(/\s+/g, " ").trim();
}
