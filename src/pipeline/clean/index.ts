/**
 * The cleaning stage's front door: any page a person sent (fetched HTML, an uploaded file, pasted text)
 * goes to the HTML cleaner or the pasted-text cleaner, whichever fits what the content really is.
 */

import { NotAnArticleError } from "../../errors.js";
import type { Article } from "../../types.js";
import type { PageInput } from "../input.js";
import { cleanHtml } from "./html.js";
import { cleanPastedText } from "./text.js";

// Text that is really markup (a saved page pasted or uploaded as .txt) must go to the HTML cleaner.
const HTML_SNIFF = {
  /** Only the start of the text is inspected: enough to see a document's head, cheap on huge pastes. */
  sniffChars: 20_000,
  /** A document start is decisive. */
  documentStart: /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i,
  /** Otherwise this many structural tags… */
  minTags: 8,
  /** …that also make up this share of the text: prose quoting a tag or two (`<br>`, `<p>`) stays text. */
  minTagShare: 0.05,
  tag: /<\/?(?:p|div|span|a|br|hr|h[1-6]|li|ul|ol|article|section|main|header|footer|nav|body|head|script|style|meta|link|table|tr|td|img|figure|blockquote|strong|em)\b[^<>]*>/gi,
} as const;

/** True when `text` is HTML markup rather than the visible text of a page. */
export function looksLikeHtml(text: string): boolean {
  const sample = text.slice(0, HTML_SNIFF.sniffChars);
  if (HTML_SNIFF.documentStart.test(sample)) return true;
  const tags = sample.match(HTML_SNIFF.tag) ?? [];
  if (tags.length < HTML_SNIFF.minTags) return false;
  const tagChars = tags.reduce((sum, tag) => sum + tag.length, 0);
  return tagChars / sample.length >= HTML_SNIFF.minTagShare;
}

/** Cleans whatever the person sent to its article; throws NotAnArticleError when there is none. */
export function cleanPage(page: PageInput): Article {
  const url = page.url;
  if (page.html !== undefined) return cleanHtml({ html: page.html, ...(url ? { url } : {}) });
  if (page.text !== undefined) {
    if (looksLikeHtml(page.text)) return cleanHtml({ html: page.text, ...(url ? { url } : {}) });
    const article = cleanPastedText({ text: page.text });
    return url ? { ...article, url } : article;
  }
  throw new NotAnArticleError(`Nothing to clean in ${page.input}: neither HTML nor text was read.`);
}
