/** What a person sent, read into one shape: the input as given, and the page as HTML or as plain text. */
export interface PageInput {
  /** The input as the person gave it (URL, file name, "-" or "pasted text"). */
  input: string;
  /** Final URL when the page came from the web. */
  url?: string;
  html?: string;
  text?: string;
  fileName?: string;
}
