/**
 * The cleaning stage's front door: any page a person sent (fetched HTML, an uploaded file, pasted text)
 * goes to the HTML cleaner or the pasted-text cleaner, whichever fits what the content really is;
 * PDFs go to the PDF extractor (async, so through `cleanPageAsync`).
 */

import { NotAnArticleError } from "../../errors.js";
import type { Article } from "../../types.js";
import type { PageInput } from "../input.js";
import { extractPdfArticle } from "../pdf/extract.js";
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

/**
 * Cleans whatever the person sent to its article, PDFs included; throws NotAnArticleError when there
 * is none, and PDF_SCANNED / PDF_ENCRYPTED / PDF_CORRUPT / PDF_TOO_LARGE for PDFs it cannot read.
 * This is what CpuWork.cleanPage runs.
 */
export async function cleanPageAsync(page: PageInput): Promise<Article> {
  if (page.pdf === undefined) return cleanPage(page);
  return extractPdfArticle({
    bytes: page.pdf,
    ...(page.url ? { url: page.url } : {}),
    ...(page.fileName ? { fileName: page.fileName } : {}),
  });
}

/** Cleans an HTML or text page to its article; throws NotAnArticleError when there is none. PDFs need cleanPageAsync. */
export function cleanPage(page: PageInput): Article {
  // A programming error, not the person's: PDF extraction is async and must go through cleanPageAsync.
  if (page.pdf !== undefined) throw new Error(`cleanPage cannot read the PDF ${page.input}; use cleanPageAsync`);
  const url = page.url;
  if (page.html !== undefined) return cleanHtml({ html: page.html, ...(url ? { url } : {}) });
  if (page.text !== undefined) {
    if (looksLikeHtml(page.text)) return cleanHtml({ html: page.text, ...(url ? { url } : {}) });
    const article = cleanPastedText({ text: page.text });
    return url ? { ...article, url } : article;
  }
  throw new NotAnArticleError(`Nothing to clean in ${page.input}: neither HTML nor text was read.`);
}
