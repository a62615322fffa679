/**
 * `npm run bench:pdf` — scores the PDF extractor on gold pages of ../shared/bench/extraction printed
 * to PDF by Chromium (test/fixtures/pdf/print.ts: title, headings, justified text with soft hyphens,
 * running header, "n / total" footer), in one column and in two CSS columns. A benchmark, not a test.
 *
 * Per set it prints body bag F1 (the README's definition; both sets), sh4 F1 (en only: 4-token
 * shingles, so it also sees reading order) and the median ms per PDF of extractPdfArticle, beside an
 * anchor measured in the same run: pdfjs's raw text (every run in content-stream order, lines by
 * its end-of-line marks, nothing removed or rejoined).
 *
 * The PDFs are printed when missing into bench/.cache/pdf/ (git-ignored), named by a hash of the
 * HTML that was printed, so a change to the printing makes new files. Needs /usr/bin/chromium then.
 *
 * Options:
 *   --limit=N     pages per gold set (default 30; the first N ids in sorted order), --all for every page
 *   --set=en|zh   one gold set only
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { extractPdfArticle } from "../src/pipeline/pdf/extract.js";
import {
  documentHtml,
  goldBodies,
  type Layout,
  launchChromium,
  type PrintJob,
  pageTitle,
  printPdf,
} from "../test/fixtures/pdf/print.js";
import { bagF1, sh4PrecisionRecall } from "./scoring.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(repoRoot, "bench", ".cache", "pdf");
const LAYOUTS: readonly Layout[] = ["one-column", "two-columns"];
const DEFAULT_LIMIT = 30;
/** Gold bodies shorter than this make a few lines of PDF: nothing for layout analysis to do. */
const MIN_BODY_CHARS = 400;

interface Score {
  f1: number;
  p: number;
  r: number;
  ms: number;
  failed: boolean;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? 0
    : sorted.length % 2
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / (values.length || 1);

let browser: Browser | undefined;
async function pdfFor(job: PrintJob): Promise<Uint8Array> {
  const hash = createHash("sha1").update(documentHtml(job)).digest("hex").slice(0, 16);
  const path = join(cacheDir, `${hash}.pdf`);
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  browser ??= await launchChromium();
  const bytes = await printPdf(browser, job);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path, bytes);
  return bytes;
}

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
/** The anchor: pdfjs's text as it comes, runs joined in stream order, a newline where pdfjs marks an end of line. */
async function rawPdfText(pdfjs: PdfJs, bytes: Uint8Array): Promise<string> {
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
  });
  try {
    const document = await task.promise;
    let text = "";
    for (let number = 1; number <= document.numPages; number += 1) {
      const content = await (await document.getPage(number)).getTextContent();
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str + (item.hasEOL ? "\n" : "");
      }
      text += "\n";
    }
    return text;
  } finally {
    await task.destroy();
  }
}

async function timed(run: () => Promise<string>, gold: string): Promise<Score> {
  const start = performance.now();
  let text = "";
  let failed = false;
  try {
    text = await run();
  } catch {
    failed = true;
  }
  const ms = performance.now() - start;
  const { p, r } = sh4PrecisionRecall(text, gold);
  return { f1: bagF1(text, gold), p, r, ms, failed };
}

function sh4(scores: readonly Score[]): number {
  const p = mean(scores.map((score) => score.p));
  const r = mean(scores.map((score) => score.r));
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/**
 * Chromium prints Han characters only with a CJK font installed; without one the zh PDFs hold boxes and score
 * near 0 (seen on a new machine). Debian: `apt-get install fonts-noto-cjk`.
 */
function hasChineseFont(): boolean {
  try {
    return execFileSync("fc-list", [":lang=zh"], { encoding: "utf8" }).trim().length > 0;
  } catch {
    return false;
  }
}

async function main(args: string[]): Promise<void> {
  const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
  const limit = args.includes("--all") ? Number.POSITIVE_INFINITY : Number(option("limit") ?? DEFAULT_LIMIT);
  const sets = option("set") ? [option("set") as "en" | "zh"] : (["en", "zh"] as const);
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const rows: string[][] = [];
  for (const set of sets) {
    if (set === "zh" && !hasChineseFont()) {
      console.log("zh: skipped: no Chinese font for Chromium to print with (Debian: apt-get install fonts-noto-cjk)");
      continue;
    }
    const gold = await goldBodies(set);
    const ids = Object.keys(gold)
      .filter((id) => (gold[id]?.body.length ?? 0) >= MIN_BODY_CHARS)
      .sort()
      .slice(0, limit);
    for (const layout of LAYOUTS) {
      const jobs: Array<{ job: PrintJob; gold: string }> = [];
      for (const id of ids) {
        const body = gold[id]?.body ?? "";
        jobs.push({ job: { title: await pageTitle(set, id), body, lang: set, layout }, gold: body });
      }
      const pdfs = [];
      for (const { job, gold: body } of jobs) pdfs.push({ bytes: await pdfFor(job), gold: body });
      // Warm-up: the first PDF pays for loading pdfjs and its fake worker; don't count it against either side.
      if (pdfs[0]) await extractPdfArticle({ bytes: pdfs[0].bytes }).catch(() => undefined);
      const ours: Score[] = [];
      const anchor: Score[] = [];
      for (const { bytes, gold: body } of pdfs) {
        ours.push(await timed(async () => (await extractPdfArticle({ bytes })).paragraphs.join("\n\n"), body));
        anchor.push(await timed(() => rawPdfText(pdfjs, bytes), body));
      }
      const fmt = (value: number) => value.toFixed(3);
      rows.push([
        `${set}/${layout}`,
        String(pdfs.length),
        fmt(mean(ours.map((score) => score.f1))),
        set === "en" ? fmt(sh4(ours)) : "–",
        median(ours.map((score) => score.ms)).toFixed(0),
        String(ours.filter((score) => score.failed).length),
        fmt(mean(anchor.map((score) => score.f1))),
        set === "en" ? fmt(sh4(anchor)) : "–",
        median(anchor.map((score) => score.ms)).toFixed(0),
      ]);
    }
  }
  await browser?.close();
  const header = [
    "set",
    "pdfs",
    "body F1",
    "sh4 F1",
    "median ms",
    "failed",
    "raw pdfjs F1",
    "raw sh4 F1",
    "raw median ms",
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    "\nbody F1: bag of tokens vs the gold body (title excluded); sh4: 4-token shingles (en only, order-sensitive);",
  );
  console.log(
    "raw pdfjs: every text run in stream order, nothing removed or rejoined (the anchor, same run, same PDFs).",
  );
}

await main(process.argv.slice(2));
