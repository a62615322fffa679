/**
 * `npm run bench:extract` — scores the HTML cleaner on ../shared/bench/extraction/{en,zh}
 * with the exact definitions of that folder's README, side by side in the same run with
 * Mozilla Readability 0.6 + jsdom 29 (the anchor). A benchmark, not a test: it prints figures.
 *
 * What is compared: our `paragraphs` joined by blank lines vs Readability's `textContent`
 * (the text of its article content, which is what the published Readability scores use).
 * Neither prediction includes the title, because neither gold has titles.
 *
 * Options (for working on the cleaner, not for the reported figures):
 *   --set=en|zh          one set only
 *   --no-readability     skip the anchor (faster iteration; the table then shows only ours)
 *   --dump=DIR           write our prediction per page to DIR/<set>/<id>.txt
 *   --worst=N            how many worst pages to list (default 10)
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Readability } from "@mozilla/readability";
import iconv from "iconv-lite";
import { JSDOM, VirtualConsole } from "jsdom";
import { isJianbaoError } from "../src/errors.js";
import { isValidUtf8 } from "../src/pipeline/charset.js";
import { cleanHtml } from "../src/pipeline/clean/html.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const benchRoot = resolve(repoRoot, "..", "shared", "bench", "extraction");

// ---------------------------------------------------------------------------------------------
// Decoding, exactly as the README says: BOM, <meta charset>/http-equiv, the wrapper's encoding=;
// undeclared → UTF-8 if valid, else GB18030. Always non-fatal.
// (Bench-local on purpose: the figures must follow the README's rules, whatever the app's
// decoder does with detection.)

const CHARSET_ALIASES: Record<string, string> = {
  gb2312: "gb18030",
  gbk: "gb18030",
  "x-gbk": "gb18030",
  gb_2312: "gb18030",
  "gb_2312-80": "gb18030",
};

function charsetFromBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}

function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 8192)).toString("latin1");
  const meta =
    /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1] ??
    /<meta[^>]+content\s*=\s*["'][^"']*charset\s*=\s*([\w.:-]+)/i.exec(head)?.[1];
  if (meta) return meta.toLowerCase();
  const wrapper = /^\s*<text\b[^>]*\bencoding\s*=\s*"([^"]*)"/i.exec(head)?.[1]?.toLowerCase();
  if (wrapper && wrapper !== "unset") return wrapper;
  return undefined;
}

export function decodeBenchPage(bytes: Uint8Array): string {
  const declared = charsetFromBom(bytes) ?? declaredCharset(bytes);
  let charset = declared ?? (isValidUtf8(bytes) ? "utf-8" : "gb18030");
  charset = CHARSET_ALIASES[charset] ?? charset;
  if (!iconv.encodingExists(charset)) charset = "utf-8";
  return iconv.decode(Buffer.from(bytes), charset);
}

// ---------------------------------------------------------------------------------------------
// Metrics.

const BAG_TOKEN = /\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;
/** Python's `\w+` on str patterns: Unicode letters and numbers (isalnum) plus underscore. */
const PY_WORD = /[\p{L}\p{N}_]+/gu;

function bagTokens(text: string): string[] {
  return text.normalize("NFKC").match(BAG_TOKEN) ?? [];
}

/** Bag-of-tokens F1 of one page; an empty prediction scores 0. */
export function bagF1(prediction: string, gold: string): number {
  const pred = bagTokens(prediction);
  const truth = bagTokens(gold);
  if (pred.length === 0 || truth.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const token of truth) counts.set(token, (counts.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of pred) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      overlap++;
      counts.set(token, left - 1);
    }
  }
  if (overlap === 0) return 0;
  const p = overlap / pred.length;
  const r = overlap / truth.length;
  return (2 * p * r) / (p + r);
}

function shingles(text: string, n = 4): Set<string> {
  const tokens = text.normalize("NFKC").match(PY_WORD) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) out.add(tokens.slice(i, i + n).join("\u0001"));
  return out;
}

/** Per-page shingle precision and recall, with the public benchmark's edge cases. */
export function sh4PrecisionRecall(prediction: string, gold: string): { p: number; r: number } {
  const pred = shingles(prediction);
  const truth = shingles(gold);
  let tp = 0;
  for (const s of pred) if (truth.has(s)) tp++;
  const fp = pred.size - tp;
  const fn = truth.size - tp;
  if (fp === 0 && fn === 0) return { p: 1, r: 1 };
  return { p: tp === 0 && fp === 0 ? 0 : tp / (tp + fp), r: tp === 0 && fn === 0 ? 0 : tp / (tp + fn) };
}

// ---------------------------------------------------------------------------------------------
// Extractors.

interface Extraction {
  text: string;
  ms: number;
  error?: string;
}

function runOurs(html: string, url: string | undefined): Extraction {
  const start = performance.now();
  try {
    const article = cleanHtml({ html, url });
    return { text: article.paragraphs.join("\n\n"), ms: performance.now() - start };
  } catch (error) {
    const ms = performance.now() - start;
    if (isJianbaoError(error)) return { text: "", ms, error: error.code };
    return { text: "", ms, error: String(error) };
  }
}

const quietConsole = new VirtualConsole();

function runReadability(html: string, url: string | undefined): Extraction {
  const start = performance.now();
  try {
    const dom = new JSDOM(html, { url: url ?? "https://example.com/", virtualConsole: quietConsole });
    const result = new Readability(dom.window.document).parse();
    dom.window.close();
    return { text: result?.textContent ?? "", ms: performance.now() - start };
  } catch (error) {
    return { text: "", ms: performance.now() - start, error: String(error) };
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

interface PageScore {
  id: string;
  oursBag: number;
  readBag: number;
  oursSh4: { p: number; r: number };
  readSh4: { p: number; r: number };
  oursMs: number;
  readMs: number;
  oursError?: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / (values.length || 1);
const sh4F1 = (scores: { p: number; r: number }[]): number => {
  const p = mean(scores.map((s) => s.p));
  const r = mean(scores.map((s) => s.r));
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
};
const f3 = (x: number): string => (Number.isNaN(x) ? "  –  " : x.toFixed(3));

function benchSet(set: "en" | "zh", options: { readability: boolean; dump?: string; worst: number }): void {
  const dir = join(benchRoot, set);
  const gold = JSON.parse(readFileSync(join(dir, "gold.json"), "utf8")) as Record<
    string,
    { body: string; url?: string }
  >;
  const files = readdirSync(join(dir, "html"))
    .filter((f) => f.endsWith(".html"))
    .sort();
  const scores: PageScore[] = [];
  for (const file of files) {
    const id = file.replace(/\.html$/, "");
    const entry = gold[id];
    if (!entry) continue;
    const html = decodeBenchPage(readFileSync(join(dir, "html", file)));
    const ours = runOurs(html, entry.url);
    const read = options.readability ? runReadability(html, entry.url) : { text: "", ms: Number.NaN };
    if (options.dump) {
      mkdirSync(join(options.dump, set), { recursive: true });
      writeFileSync(join(options.dump, set, `${id}.txt`), ours.error ? `<<${ours.error}>>\n` : ours.text);
    }
    scores.push({
      id,
      oursBag: bagF1(ours.text, entry.body),
      readBag: options.readability ? bagF1(read.text, entry.body) : Number.NaN,
      oursSh4: sh4PrecisionRecall(ours.text, entry.body),
      readSh4: options.readability ? sh4PrecisionRecall(read.text, entry.body) : { p: Number.NaN, r: Number.NaN },
      oursMs: ours.ms,
      readMs: read.ms,
      oursError: ours.error,
    });
  }

  const oursMs = median(scores.map((s) => s.oursMs));
  const readMs = median(scores.map((s) => s.readMs));
  const failures = scores.filter((s) => s.oursError).length;
  console.log(`\n== ${set}: ${scores.length} pages ==`);
  console.log("metric            ours    Readability");
  if (set === "en") {
    console.log(
      `sh4 F1            ${f3(sh4F1(scores.map((s) => s.oursSh4)))}   ${f3(sh4F1(scores.map((s) => s.readSh4)))}`,
    );
    console.log(
      `  sh4 P / R       ${f3(mean(scores.map((s) => s.oursSh4.p)))}/${f3(mean(scores.map((s) => s.oursSh4.r)))}` +
        `   ${f3(mean(scores.map((s) => s.readSh4.p)))}/${f3(mean(scores.map((s) => s.readSh4.r)))}`,
    );
  }
  console.log(
    `bag F1            ${f3(mean(scores.map((s) => s.oursBag)))}   ${f3(mean(scores.map((s) => s.readBag)))}`,
  );
  console.log(
    `median ms/page    ${oursMs.toFixed(1).padStart(5)}   ${readMs.toFixed(1).padStart(5)}` +
      (options.readability
        ? `   (ours/Readability = ${(oursMs / readMs).toFixed(3)}, 1/${(readMs / oursMs).toFixed(1)})`
        : ""),
  );
  console.log(`our NOT_AN_ARTICLE/errors: ${failures}`);
  console.log(`${options.worst} worst pages for us (bag F1):`);
  console.log("  id                                                                 ours   Readability");
  for (const s of [...scores].sort((a, b) => a.oursBag - b.oursBag).slice(0, options.worst)) {
    console.log(
      `  ${s.id.slice(0, 64).padEnd(66)} ${f3(s.oursBag)}  ${f3(s.readBag)}${s.oursError ? `  ${s.oursError}` : ""}`,
    );
  }
}

function main(argv: string[]): void {
  const arg = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sets = (arg("set") ? [arg("set")] : ["en", "zh"]) as ("en" | "zh")[];
  const readability = !argv.includes("--no-readability");
  const worst = Number(arg("worst") ?? 10);
  console.log(`Extraction benchmark: Jianbao cleanHtml vs Mozilla Readability 0.6 + jsdom 29 (same run)`);
  console.log(`data: ${benchRoot}`);
  for (const set of sets) benchSet(set, { readability, dump: arg("dump"), worst });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
