/**
 * Scoring shared by the extraction benchmarks (bench:extract, bench:pasted, bench:pdf): decoding the gold
 * pages and the metrics, exactly as ../shared/bench/extraction/{en,zh}/README.md defines them.
 */
import iconv from "iconv-lite";
import { isValidUtf8 } from "../src/pipeline/charset.js";

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

/** Bag tokens of a text (the README's definition: one per Han character, one per run of other letters/digits). */
export function bagTokens(text: string): string[] {
  return text.normalize("NFKC").match(BAG_TOKEN) ?? [];
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / (values.length || 1);
