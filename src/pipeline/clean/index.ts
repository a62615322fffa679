/**
 * The cleaning stage's front door: any page a person sent (fetched HTML, an uploaded file, pasted text)
 * goes to the HTML cleaner or the pasted-text cleaner, whichever fits what the content really is.
 */

import { NotAnArticleError } from "../../errors.js";
import type { Article } from "../../types.js";
import { looksLikeHtml, type PageInput } from "../page.js";
import { cleanHtml } from "./html.js";
import { cleanPastedText } from "./text.js";

// looksLikeHtml lives in page.ts (below the cleaner and input.ts alike); re-exported for existing importers.
export { looksLikeHtml };

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
