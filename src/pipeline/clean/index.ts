/**
 * The cleaning stage's front door: any page a person sent (fetched HTML, an uploaded file, pasted text)
 * goes to the HTML cleaner or the pasted-text cleaner, whichever fits what the content really is;
 * PDFs go to the PDF extractor (async, so through `cleanPageAsync`).
 */

import { NotAnArticleError } from "../../errors.js";
import type { Article } from "../../types.js";
import { looksLikeHtml, type PageInput } from "../page.js";
import { extractPdfArticle } from "../pdf/extract.js";
import { cleanHtml } from "./html.js";
import { cleanPastedText } from "./text.js";

// looksLikeHtml lives in page.ts (below the cleaner and input.ts alike); re-exported for existing importers.
export { looksLikeHtml };

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
