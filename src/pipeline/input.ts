import { open, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { ErrorCode, JianbaoError } from "../errors.js";
import { decodeText } from "./charset.js";
import { type FetchOptions, fetchPage } from "./fetch.js";
import { looksLikeHtml, type PageInput } from "./page.js";
import { PDF_LIMITS } from "./pdf/extract.js";
import { describeBinary, isPdfBytes } from "./sniff.js";

export type { PageInput };

/** Files and stdin larger than this are refused unless the caller says otherwise (same as the fetch cap). */
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/** The one list of readable files, by extension, with the type each is read as (CLI, uploads, terminal). */
export const READABLE_FILES: Readonly<
  Record<string, "text/html" | "text/plain" | "text/markdown" | "application/pdf">
> = {
  ".html": "text/html",
  ".htm": "text/html",
  ".xhtml": "text/html",
  ".shtml": "text/html",
  ".txt": "text/plain",
  ".text": "text/plain",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".pdf": "application/pdf",
};
const extensionsOf = (...types: string[]) =>
  new Set(Object.keys(READABLE_FILES).filter((extension) => types.includes(READABLE_FILES[extension] ?? "")));
const HTML_EXTENSIONS = extensionsOf("text/html");
const TEXT_EXTENSIONS = extensionsOf("text/plain", "text/markdown");
const PDF_EXTENSION = ".pdf";
/** Extensions named in refusals, so a person learns what we take. */
const READABLE = ".html, .htm, .txt, .md or .pdf";
/** `example.com/path` typed without a scheme: a dotted host name, then a path or nothing. */
const SCHEMELESS_URL = /^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$/i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export interface ReadInputOptions {
  /** Passed to fetchPage for URLs. */
  fetchOptions?: FetchOptions;
  /** Cap for files and stdin. @default fetchOptions.maxBytes ?? 5 MB */
  maxBytes?: number;
  /** Reads stdin for "-", stopping after `limit` bytes. @default process.stdin */
  readStdin?: (limit: number) => Promise<Uint8Array>;
  /** @default fetchPage */
  fetch?: typeof fetchPage;
}

/**
 * Reads one CLI-style input into a PageInput: an http(s) URL (fetched; a PDF link gives `pdf`), a
 * path to an .html/.htm/.txt/.md/.pdf file, or "-" for stdin. Throws JianbaoError (FetchError for
 * URLs, FILE_NOT_FOUND, UNSUPPORTED_FILE, FILE_TOO_LARGE, PDF_TOO_LARGE) with a message naming the input.
 */
export async function readInput(input: string, options: ReadInputOptions = {}): Promise<PageInput> {
  const maxBytes = options.maxBytes ?? options.fetchOptions?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input === "-") {
    const bytes = await (options.readStdin ?? readProcessStdin)(maxBytes + 1);
    return { ...pageFromBytes({ bytes, maxBytes, name: "stdin" }), input };
  }
  if (ANY_SCHEME.test(input)) return fromUrl(input, input, options);

  const info = await stat(input).catch(() => undefined);
  if (info === undefined) {
    if (looksLikeSchemelessUrl(input)) return fromUrl(`https://${input}`, input, options);
    throw new JianbaoError(ErrorCode.FileNotFound, `${input}: no such file (and not a link)`, {
      details: { input },
    });
  }
  if (!info.isFile()) {
    throw new JianbaoError(ErrorCode.UnsupportedFile, `${input} is not a file`, { details: { input } });
  }
  const extension = extname(input).toLowerCase();
  if (extension === PDF_EXTENSION) {
    if (info.size > PDF_LIMITS.maxBytes) throw pdfTooLarge(input, info.size);
    const bytes = await readFileCapped(input, PDF_LIMITS.maxBytes);
    return { ...pageFromBytes({ bytes, fileName: basename(input), maxBytes }), input };
  }
  if (!HTML_EXTENSIONS.has(extension) && !TEXT_EXTENSIONS.has(extension)) {
    throw new JianbaoError(
      ErrorCode.UnsupportedFile,
      `${input}: only ${READABLE} files can be read, not "${extension || "no extension"}"`,
      { details: { input, extension } },
    );
  }
  if (info.size > maxBytes) throw tooLarge(input, maxBytes);
  const bytes = await readFileCapped(input, maxBytes);
  return { ...pageFromBytes({ bytes, fileName: basename(input), maxBytes }), input };
}

/** `news.example.com/a/1` yes; a mistyped `page.html` or `notes.md` (a file name, not a host) no. */
function looksLikeSchemelessUrl(input: string): boolean {
  if (!SCHEMELESS_URL.test(input)) return false;
  const host = input.split(/[/?#:]/)[0] ?? "";
  const extension = extname(host).toLowerCase();
  return !HTML_EXTENSIONS.has(extension) && !TEXT_EXTENSIONS.has(extension);
}

async function fromUrl(url: string, input: string, options: ReadInputOptions): Promise<PageInput> {
  // "document": web pages and PDFs (a PDF has its own, larger size cap in fetchPage).
  const page = await (options.fetch ?? fetchPage)(url, { accept: "document", ...options.fetchOptions });
  if (isPdfResponse(page.contentType, page.body)) return { input, url: page.url, pdf: page.body };
  const isPlainText = page.contentType.toLowerCase().startsWith("text/plain") && !looksLikeHtml(page.text);
  return isPlainText ? { input, url: page.url, text: page.text } : { input, url: page.url, html: page.text };
}

/** True for a fetched PDF: declared application/pdf, or a generic/missing type with PDF bytes. */
function isPdfResponse(contentType: string, body: Uint8Array | undefined): boolean {
  const mime = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (mime === "application/pdf" || mime === "application/x-pdf") return true;
  return (mime === "" || mime === "application/octet-stream") && body !== undefined && isPdfBytes(body);
}

/** True when an upload is a PDF by name or type (before downloading it: PDFs have their own size cap). */
export function isPdfFile(fileName: string | undefined, contentType: string | undefined): boolean {
  if ((fileName ?? "").toLowerCase().endsWith(PDF_EXTENSION)) return true;
  return /^application\/(x-)?pdf\b/i.test(contentType ?? "");
}

/** The size cap for an upload or file: PDFs get PDF_LIMITS.maxBytes, everything else `maxBytes`. */
export function uploadCap(fileName: string | undefined, contentType: string | undefined, maxBytes: number): number {
  return isPdfFile(fileName, contentType) ? PDF_LIMITS.maxBytes : maxBytes;
}

/**
 * Turns uploaded or read bytes into a PageInput, deciding PDF, HTML or plain text by extension,
 * content type and, failing those, the content. PDFs (by name, type or `%PDF-` bytes) are kept as
 * bytes under their own cap (PDF_TOO_LARGE). Refuses other binaries (images, anything with NUL
 * bytes) with UNSUPPORTED_FILE and oversized content with FILE_TOO_LARGE.
 */
export function pageFromBytes(file: {
  bytes: Uint8Array;
  fileName?: string;
  contentType?: string;
  /** @default 5 MB */
  maxBytes?: number;
  /** How to name the content in messages when there is no file name. @default "the file" */
  name?: string;
}): PageInput {
  const label = file.fileName ?? file.name ?? "the file";
  const maxBytes = file.maxBytes ?? DEFAULT_MAX_BYTES;
  if (isPdfBytes(file.bytes) || isPdfFile(file.fileName, file.contentType)) {
    if (file.bytes.byteLength > PDF_LIMITS.maxBytes) throw pdfTooLarge(label, file.bytes.byteLength);
    // A .pdf that is not one still goes to the PDF reader: it answers PDF_CORRUPT, which is the truth.
    return { input: label, ...(file.fileName ? { fileName: file.fileName } : {}), pdf: file.bytes };
  }
  if (file.bytes.byteLength > maxBytes) throw tooLarge(label, maxBytes);
  const binary = describeBinary(file.bytes);
  const mime = (file.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const extension = file.fileName ? extname(file.fileName).toLowerCase() : "";
  const knownText = HTML_EXTENSIONS.has(extension) || TEXT_EXTENSIONS.has(extension) || mime.startsWith("text/");
  const binaryType = /^(image|video|audio)\/|^application\/(pdf|zip|octet-stream|msword|vnd\.)/.test(mime);
  if (binary || (binaryType && !knownText)) {
    const what = binary ?? mime;
    throw new JianbaoError(
      ErrorCode.UnsupportedFile,
      `${label} is ${what}; send a web page or text (${READABLE}) instead`,
      { details: { input: label, received: what } },
    );
  }
  const text = decodeText(file.bytes, file.contentType);
  // Nothing but whitespace (or a BOM) is an empty file, not a page without an article: say so plainly.
  if (text.trim() === "") {
    throw new JianbaoError(ErrorCode.EmptyFile, `${label} is empty`, { details: { input: label } });
  }
  const base = { input: label, ...(file.fileName ? { fileName: file.fileName } : {}) };
  return isHtml(text, extension, mime) ? { ...base, html: text } : { ...base, text };
}

function isHtml(text: string, extension: string, mime: string): boolean {
  if (HTML_EXTENSIONS.has(extension) || mime === "text/html" || mime === "application/xhtml+xml") return true;
  // A saved page uploaded as .txt is still HTML; looksLikeHtml only says so for real markup.
  return looksLikeHtml(text);
}

function tooLarge(input: string, maxBytes: number): JianbaoError {
  return new JianbaoError(
    ErrorCode.FileTooLarge,
    `${input} is larger than the ${Math.round((maxBytes / 1024 / 1024) * 10) / 10} MB limit`,
    { details: { input, maxBytes } },
  );
}

function pdfTooLarge(input: string, size: number): JianbaoError {
  return new JianbaoError(
    ErrorCode.PdfTooLarge,
    `${input} is larger than the ${Math.round((PDF_LIMITS.maxBytes / 1024 / 1024) * 10) / 10} MB PDF limit`,
    { details: { input, size, maxBytes: PDF_LIMITS.maxBytes } },
  );
}

/** Reads at most maxBytes + 1 bytes, so a file growing after stat still cannot exceed the cap. */
async function readFileCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw tooLarge(path, maxBytes);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

async function readProcessStdin(limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer);
    total += buffer.length;
    if (total >= limit) break;
  }
  return Buffer.concat(chunks, total);
}
