/**
 * The page shape shared by reading (input.ts, read.ts), cleaning (clean/) and the CPU stages
 * (workers/): what a person sent, read into HTML or plain text, and the test that tells the two apart.
 * It sits below all of them, so none has to import another for its types.
 */

/** What a person sent, read into one shape: the input as given, and the page as HTML or as plain text. */
export interface PageInput {
  /** The input as the person gave it (URL, file name, "-" or "pasted text"). */
  input: string;
  /** Final URL when the page came from the web. */
  url?: string;
  html?: string;
  text?: string;
  fileName?: string;
  /** The bytes of a PDF (an upload, a file, or a link answering application/pdf); cleaned by src/pipeline/pdf/. */
  pdf?: Uint8Array;
}

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
