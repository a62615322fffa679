/**
 * PDF → Article. pdfjs-dist (legacy build, no DOM, no worker thread of its own, no network) gives
 * positioned text runs; from their geometry we rebuild what a reader sees: lines, the reading order
 * of two-column pages, running headers/footers and page numbers dropped, headings by font size,
 * paragraphs from line spacing and indents, hyphenated line ends joined.
 * Runs inside the CPU worker pool (see src/workers/cpu.ts), which owns the time budget.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ErrorCode, JianbaoError, NotAnArticleError } from "../../errors.js";
import type { Article } from "../../types.js";
import { makeArticle } from "../clean/article.js";
import { type PdfLine, type PdfRun, pdfBlocks } from "./layout.js";

// ---------------------------------------------------------------------------------------------
// Tunables.

export const PDF_LIMITS = {
  /** Bytes: reports and papers with figures run to a few MB; past this the download and parse cost too much. */
  maxBytes: 20 * 1024 * 1024,
  /** Pages: a long report is 100–200 pages; a summary of more would only cover its start anyway. */
  maxPages: 300,
  /** Below this many characters per page on average, and with images, it is a scan (a stamp or a page number is not a text layer). */
  minCharsPerPage: 40,
  /** Pages inspected for images when there is no text layer: enough to tell a scan from a blank file. */
  imageProbePages: 3,
} as const;

/** Metadata titles that are not titles: file names, tool defaults, placeholders. */
const FAKE_TITLE = [
  /\.(?:docx?|pdf|indd|tex|dvi|ps|rtf|odt|pptx?|xlsx?|pages|html?|txt|qxd|wpd)$/i,
  /^(?:untitled|无标题|title|document|slide \d+|powerpoint presentation|microsoft word|print|default)\b/i,
  /^[\w-]*\d[\w-]*$/, // "AR2023_final-v3", "20240512"
] as const;
/** Metadata titles outside this length are not titles either. */
const TITLE_CHARS = { min: 3, max: 300 } as const;
/** "Microsoft Word - report.docx": the tool prefix goes before judging. */
const TOOL_PREFIX = /^(?:microsoft (?:word|powerpoint|excel) - |adobe indesign - )/i;

const require = createRequire(import.meta.url);
/** Local paths inside pdfjs-dist: CJK CMaps and the 14 standard fonts' metrics; read from disk, never fetched. */
const PDFJS_ROOT = dirname(require.resolve("pdfjs-dist/package.json"));
const CMAP_URL = `${join(PDFJS_ROOT, "cmaps")}/`;
const STANDARD_FONTS_URL = `${join(PDFJS_ROOT, "standard_fonts")}/`;

// ---------------------------------------------------------------------------------------------

export interface PdfSource {
  bytes: Uint8Array;
  /** Where the PDF came from, kept on the Article. */
  url?: string;
  /** For messages ("report.pdf is encrypted"). */
  fileName?: string;
}

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
let pdfjsModule: Promise<PdfJs> | undefined;
/** Loaded on first use: the HTML path and processes that never see a PDF don't pay for it. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsModule ??= import("pdfjs-dist/legacy/build/pdf.mjs");
  return pdfjsModule;
}

/**
 * Extracts the article of a PDF. Throws PDF_TOO_LARGE (bytes or pages over PDF_LIMITS),
 * PDF_ENCRYPTED (needs a password), PDF_CORRUPT (not a readable PDF), PDF_SCANNED (images without
 * a text layer) or NotAnArticleError (no text at all).
 */
export async function extractPdfArticle(source: PdfSource): Promise<Article> {
  const label = source.fileName ?? source.url ?? "the PDF";
  if (source.bytes.byteLength > PDF_LIMITS.maxBytes) {
    throw new JianbaoError(ErrorCode.PdfTooLarge, `${label} is larger than the ${PDF_LIMITS.maxBytes} byte PDF limit`, {
      details: { input: label, size: source.bytes.byteLength, maxBytes: PDF_LIMITS.maxBytes },
    });
  }
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    // A copy: pdfjs may transfer (detach) the buffer it is given, and the caller's bytes stay theirs.
    data: new Uint8Array(source.bytes),
    verbosity: pdfjs.VerbosityLevel.ERRORS,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    cMapUrl: CMAP_URL,
    cMapPacked: true,
    standardFontDataUrl: STANDARD_FONTS_URL,
  });
  try {
    const document = await task.promise.catch((error: unknown) => {
      throw openError(error, label);
    });
    if (document.numPages > PDF_LIMITS.maxPages) {
      throw new JianbaoError(
        ErrorCode.PdfTooLarge,
        `${label} has ${document.numPages} pages, over the ${PDF_LIMITS.maxPages}-page PDF limit`,
        { details: { input: label, pages: document.numPages, maxPages: PDF_LIMITS.maxPages } },
      );
    }
    if (document.numPages === 0) throw corrupt(label, "it has no pages");
    const pages = await readPages(document, label);
    const chars = pages.reduce((sum, page) => sum + page.runs.reduce((n, run) => n + run.text.trim().length, 0), 0);
    // Per page on average: a scan with a printed page number or stamp on every page is still a scan.
    if (chars < PDF_LIMITS.minCharsPerPage * pages.length) {
      if (await hasImages(pdfjs, document)) {
        throw new JianbaoError(ErrorCode.PdfScanned, `${label} has no text layer (scanned pages)`, {
          details: { input: label, pages: document.numPages },
        });
      }
      if (chars === 0) throw new NotAnArticleError(`${label} holds no text`, { details: { input: label } });
    }
    const { info, language } = await readMetadata(document);
    const { blocks, largestFirstPage } = pdfBlocks(pages);
    const metaTitle = realTitle(info);
    const title = metaTitle ?? largestFirstPage?.text ?? "";
    const paragraphs = dropTitle(
      blocks.map((block) => block.text),
      title,
    );
    if (paragraphs.length === 0) throw new NotAnArticleError(`${label} holds no text`, { details: { input: label } });
    return makeArticle({
      title: title || (source.fileName ?? paragraphs[0]?.slice(0, 80) ?? ""),
      paragraphs,
      ...(info.Author ? { byline: info.Author } : {}),
      ...(source.url ? { url: source.url } : {}),
      ...(language ? { lang: language } : {}),
    });
  } finally {
    await task.destroy();
  }
}

type PdfDocument = Awaited<ReturnType<PdfJs["getDocument"]>["promise"]>;

interface PageRuns {
  width: number;
  height: number;
  runs: PdfRun[];
}

async function readPages(document: PdfDocument, label: string): Promise<PageRuns[]> {
  const pages: PageRuns[] = [];
  for (let number = 1; number <= document.numPages; number += 1) {
    try {
      const page = await document.getPage(number);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      const content = await page.getTextContent();
      const runs: PdfRun[] = [];
      for (const item of content.items) {
        if (!("str" in item) || item.str.trim() === "") continue;
        const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0] = item.transform as number[];
        // Rotated or vertical runs are margin labels and watermarks (arXiv ids, "DRAFT"), not the text flow.
        if (Math.abs(b) > 0.01 * Math.abs(a) || Math.abs(c) > 0.01 * Math.abs(d) || a <= 0 || d <= 0) continue;
        runs.push({ text: item.str, x0: e - x0, x1: e - x0 + item.width, y: f - y0, size: Math.hypot(c, d) });
      }
      pages.push({ width: x1 - x0, height: y1 - y0, runs });
      page.cleanup();
    } catch (error) {
      throw corrupt(label, `page ${number} cannot be read`, error);
    }
  }
  return pages;
}

async function hasImages(pdfjs: PdfJs, document: PdfDocument): Promise<boolean> {
  const imageOps = new Set<number>([
    pdfjs.OPS.paintImageXObject,
    pdfjs.OPS.paintInlineImageXObject,
    pdfjs.OPS.paintImageMaskXObject,
    pdfjs.OPS.paintImageXObjectRepeat,
    pdfjs.OPS.paintInlineImageXObjectGroup,
  ]);
  for (let number = 1; number <= Math.min(document.numPages, PDF_LIMITS.imageProbePages); number += 1) {
    const page = await document.getPage(number);
    const operators = await page.getOperatorList();
    if (operators.fnArray.some((op) => imageOps.has(op))) return true;
  }
  return false;
}

interface PdfInfo {
  Title?: string;
  Author?: string;
  Language?: string;
}

async function readMetadata(document: PdfDocument): Promise<{ info: PdfInfo; language?: string }> {
  const meta = await document.getMetadata().catch(() => undefined);
  const raw = (meta?.info ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);
  const xmpTitle = text(meta?.metadata?.get("dc:title"));
  const title = text(raw.Title) ?? xmpTitle;
  const author = text(raw.Author);
  const language = text(raw.Language);
  return {
    info: { ...(title ? { Title: title } : {}), ...(author ? { Author: author } : {}) },
    ...(language ? { language } : {}),
  };
}

/** The metadata title when a person gave it; tool defaults and file names are not titles. */
export function realTitle(info: { Title?: string }): string | undefined {
  const title = info.Title?.replace(TOOL_PREFIX, "").replace(/\s+/g, " ").trim();
  if (!title || title.length < TITLE_CHARS.min || title.length > TITLE_CHARS.max) return undefined;
  if (!/\p{L}/u.test(title) || FAKE_TITLE.some((pattern) => pattern.test(title))) return undefined;
  return title;
}

/** The title printed as the first heading is not body text. */
function dropTitle(paragraphs: string[], title: string): string[] {
  const key = (text: string) =>
    text
      .normalize("NFKC")
      .replace(/[\s\p{P}]+/gu, "")
      .toLowerCase();
  const wanted = key(title);
  if (!wanted) return paragraphs;
  const index = paragraphs.slice(0, 3).findIndex((paragraph) => key(paragraph) === wanted);
  return index === -1 ? paragraphs : paragraphs.filter((_, at) => at !== index);
}

function corrupt(label: string, why: string, cause?: unknown): JianbaoError {
  return new JianbaoError(ErrorCode.PdfCorrupt, `${label} is not a readable PDF: ${why}`, {
    cause,
    details: { input: label },
  });
}

/** Maps pdfjs's open failures to our codes: PasswordException → encrypted, anything else → corrupt. */
function openError(error: unknown, label: string): JianbaoError {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") {
    return new JianbaoError(ErrorCode.PdfEncrypted, `${label} is encrypted (it needs a password)`, {
      cause: error,
      details: { input: label },
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return corrupt(label, message, error);
}

export type { PdfLine };
