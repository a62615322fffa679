/**
 * `npm run bench:summarize` — what cleaning saves in model tokens, and what the offline summarizer costs,
 * over the extraction gold sets in ../shared/bench/extraction/{en,zh}. A benchmark, not a test: it prints figures.
 *
 * Per page: bytes → decodeText → cleanHtml → the real summary prompt (system + user, rendered from prompts/),
 * counted with gpt-tokenizer (o200k_base; approximate for non-OpenAI models). The anchor, measured in the same
 * run on the same page: the whole-page text (cheerio `body` text without script/style, what a bot that skips
 * cleaning would send), both bare and placed in the same prompt. Also: offline summarizer ms/article next to
 * cleanHtml ms/article, how many articles would need chunking at LLM_MAX_INPUT_TOKENS, and peak memory.
 *
 * Options: --set=en|zh (one set only), --limit=N (first N pages per set), --max-input-tokens=N (default 6000),
 * --quality (offline summary coverage instead: distinct paragraphs per bullet, max pairwise bigram Jaccard between
 * bullets, share of summaries citing the lead paragraph, ms/article; anchor: the article's first bullets-many
 * substantial sentences, a lead-only "summary", measured the same way). Sections: text between headings (short
 * lines without closing punctuation), counted only for the [N] articles with two headings or more.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as cheerio from "cheerio";
import type { ChatMessage } from "../src/llm/client.js";
import { summarizeOffline } from "../src/llm/offline.js";
import { planChunks, resolveLang, summaryMessages } from "../src/llm/summarize.js";
import { countTokens } from "../src/llm/tokens.js";
import { decodeText } from "../src/pipeline/charset.js";
import { makeArticle } from "../src/pipeline/clean/article.js";
import { cleanHtml } from "../src/pipeline/clean/html.js";
import { splitArticle } from "../src/text/sentences.js";
import { contentTerms } from "../src/text/tokens.js";
import type { Article, Summary } from "../src/types.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const benchRoot = resolve(repoRoot, "..", "shared", "bench", "extraction");

const { values } = parseArgs({
  options: {
    set: { type: "string" },
    limit: { type: "string" },
    "max-input-tokens": { type: "string", default: "6000" },
    quality: { type: "boolean", default: false },
  },
});
const sets = values.set ? [values.set] : ["en", "zh"];
const limit = values.limit ? Number(values.limit) : Number.POSITIVE_INFINITY;
const maxInputTokens = Number(values["max-input-tokens"]);

/** OpenAI's chat format adds a few tokens per message around the content. */
const TOKENS_PER_MESSAGE = 4;
function promptTokens(messages: ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + TOKENS_PER_MESSAGE + countTokens(message.content), 3);
}

/** The whole page as text: what a bot that does not clean would send. */
function wholePageText(html: string): string {
  const $ = cheerio.load(html);
  $("script, style, noscript, template").remove();
  return $("body").text() || $.root().text();
}

let peakRss = 0;
let peakHeap = 0;
function sampleMemory(): void {
  const { rss, heapUsed } = process.memoryUsage();
  peakRss = Math.max(peakRss, rss);
  peakHeap = Math.max(peakHeap, heapUsed);
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

interface Row {
  prompt: number;
  rawText: number;
  rawPrompt: number;
  cleanMs: number;
  offlineMs: number;
  bullets: number;
  chunks: number;
}

if (values.quality) {
  qualityBench();
  process.exit(0);
}

/** The set's page paths, sorted, at most `limit` of them. */
function benchPages(set: string): string[] {
  const dir = join(benchRoot, set, "html");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".html"))
    .sort()
    .slice(0, limit)
    .map((name) => join(dir, name));
}

sampleMemory();
const startRss = process.memoryUsage().rss;
console.log(
  `bench:summarize — prompt tokens (o200k_base) and offline summarizer cost; LLM_MAX_INPUT_TOKENS=${maxInputTokens}`,
);

const allRows: Row[] = [];
for (const set of sets) {
  const files = benchPages(set);
  const rows: Row[] = [];
  let notArticles = 0;
  for (const file of files) {
    const html = decodeText(readFileSync(file));
    const raw = wholePageText(html);
    let cleanMs = 0;
    let article: Article;
    try {
      const started = performance.now();
      article = cleanHtml({ html });
      cleanMs = performance.now() - started;
    } catch {
      notArticles += 1;
      continue;
    }
    sampleMemory();
    const lang = resolveLang("auto", article);
    const prompt = promptTokens(summaryMessages(article, lang));
    const rawArticle = makeArticle({ title: article.title, paragraphs: raw.split(/\n\s*\n|\n/) });
    const rawPrompt = promptTokens(summaryMessages(rawArticle, lang));
    const started = performance.now();
    const summary = summarizeOffline({ article, lang });
    const offlineMs = performance.now() - started;
    sampleMemory();
    rows.push({
      prompt,
      rawText: countTokens(raw),
      rawPrompt,
      cleanMs,
      offlineMs,
      bullets: summary.bullets.length,
      chunks: planChunks(article, maxInputTokens).length,
    });
  }
  allRows.push(...rows);
  report(`${set} (${rows.length} articles of ${files.length} pages; ${notArticles} refused as not an article)`, rows);
}
if (sets.length > 1) report("both sets", allRows);

sampleMemory();
console.log(
  `\npeak memory: rss ${mb(peakRss)} (start ${mb(startRss)}), heapUsed ${mb(peakHeap)} — sampled after each clean and summary`,
);

function report(title: string, rows: Row[]): void {
  const prompts = rows.map((row) => row.prompt);
  const raws = rows.map((row) => row.rawText);
  const rawPrompts = rows.map((row) => row.rawPrompt);
  const ratios = rows.map((row) => row.prompt / Math.max(1, row.rawPrompt));
  console.log(`\n── ${title}`);
  console.log("                                   median      total");
  console.log(
    `  our summary prompt (cleaned)   ${fmt(median(prompts)).padStart(8)} ${fmt(sum(prompts)).padStart(10)}   tokens sent per article`,
  );
  console.log(
    `  raw page text (anchor)         ${fmt(median(raws)).padStart(8)} ${fmt(sum(raws)).padStart(10)}   tokens`,
  );
  console.log(
    `  same prompt with raw page text ${fmt(median(rawPrompts)).padStart(8)} ${fmt(sum(rawPrompts)).padStart(10)}   tokens`,
  );
  console.log(
    `  saving from cleaning: ${fmt(100 * (1 - sum(prompts) / Math.max(1, sum(rawPrompts))), 1)}% of prompt tokens overall; ` +
      `median article sends ${fmt(100 * median(ratios), 1)}% of the raw prompt`,
  );
  const chunked = rows.filter((row) => row.chunks > 1);
  console.log(
    `  articles over ${maxInputTokens} tokens (sent as parts + one merge; counted above as one prompt): ${chunked.length}` +
      (chunked.length ? ` (max ${Math.max(...chunked.map((row) => row.chunks))} parts)` : ""),
  );
  const offline = rows.map((row) => row.offlineMs);
  const cleaning = rows.map((row) => row.cleanMs);
  console.log(
    `  offline summarizer: median ${fmt(median(offline), 2)} ms/article, p95 ${fmt(percentile(offline, 95), 2)} ms, ` +
      `max ${fmt(Math.max(...offline), 1)} ms; bullets median ${fmt(median(rows.map((row) => row.bullets)))}` +
      `  |  anchor cleanHtml: median ${fmt(median(cleaning), 2)} ms/article`,
  );
}

// ── --quality: does the offline summary cover the article's distinct points without repeating itself? ──

interface Picks {
  readonly paragraphs: readonly number[];
  readonly bullets: readonly string[];
}
interface QualityRow {
  paragraphs: number;
  bullets: number;
  distinctShare: number;
  redundancy: number;
  lead: boolean;
  /** Distinct sections cited / min(bullets, sections); undefined for articles with fewer than two headings. */
  sectionShare: number | undefined;
  ms: number;
}

/** The first paragraph long enough to be the lead (a short first one is a subtitle or a byline). */
function leadParagraph(article: Article): number {
  const minChars = article.lang === "zh" ? 30 : 120;
  const index = article.paragraphs.findIndex((paragraph) => paragraph.length >= minChars);
  return Math.max(0, index);
}

function bigrams(text: string): Set<string> {
  const terms = contentTerms(text);
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < terms.length; i += 1) pairs.add(`${terms[i]} ${terms[i + 1]}`);
  return pairs;
}

/** Highest Jaccard similarity of word bigrams over every pair of bullets (0 = no shared phrase). */
function maxRedundancy(bullets: readonly string[]): number {
  const sets = bullets.map(bigrams);
  let worst = 0;
  for (let a = 0; a < sets.length; a += 1) {
    for (let b = a + 1; b < sets.length; b += 1) {
      const first = sets[a] as Set<string>;
      const second = sets[b] as Set<string>;
      const shared = [...first].filter((pair) => second.has(pair)).length;
      const union = first.size + second.size - shared;
      if (union > 0) worst = Math.max(worst, shared / union);
    }
  }
  return worst;
}

/** A heading: a short paragraph without closing punctuation. Section of a paragraph = headings before it. */
function sectionIndex(article: Article): number[] | undefined {
  const isHeading = (paragraph: string) =>
    paragraph.length <= 80 && !/[.!?。！？；;:：…]["'”’」』)）\]]*$/u.test(paragraph);
  if (article.paragraphs.filter(isHeading).length < 2) return undefined;
  let section = 0;
  return article.paragraphs.map((paragraph) => (isHeading(paragraph) ? ++section : section));
}

function qualityRow(article: Article, picks: Picks, ms: number): QualityRow {
  const distinct = new Set(picks.paragraphs).size;
  const sections = sectionIndex(article);
  const cited = sections && new Set(picks.paragraphs.map((paragraph) => sections[paragraph])).size;
  const available = sections && new Set(sections).size;
  return {
    paragraphs: article.paragraphs.length,
    bullets: picks.bullets.length,
    distinctShare: picks.bullets.length ? distinct / picks.bullets.length : 0,
    redundancy: maxRedundancy(picks.bullets),
    lead: picks.paragraphs.includes(leadParagraph(article)),
    sectionShare: cited && available ? cited / Math.max(1, Math.min(picks.bullets.length, available)) : undefined,
    ms,
  };
}

/** Anchor: the first sentences of the article, as many as the summary has bullets (what "lead-N" baselines do). */
function leadSentences(article: Article, count: number): Picks {
  const sentences = splitArticle(article.paragraphs).filter((sentence) => contentTerms(sentence.text).length >= 4);
  const first = sentences.slice(0, count);
  return { paragraphs: first.map((sentence) => sentence.paragraph), bullets: first.map((sentence) => sentence.text) };
}

function qualityBench(): void {
  console.log("bench:summarize --quality — offline summary coverage; anchor: the first N sentences (lead-N)");
  const all: { ours: QualityRow[]; anchor: QualityRow[] } = { ours: [], anchor: [] };
  for (const set of sets) {
    const files = benchPages(set);
    const ours: QualityRow[] = [];
    const anchor: QualityRow[] = [];
    for (const file of files) {
      let article: Article;
      try {
        article = cleanHtml({ html: decodeText(readFileSync(file)) });
      } catch {
        continue;
      }
      const lang = resolveLang("auto", article);
      // Warm-up run so the timing is the summarizer's, not the JIT's first encounter with this article's shape.
      summarizeOffline({ article, lang });
      const started = performance.now();
      const summary: Summary = summarizeOffline({ article, lang });
      const ms = performance.now() - started;
      const picks = { paragraphs: summary.sources.map(([paragraph]) => paragraph ?? -1), bullets: summary.bullets };
      ours.push(qualityRow(article, picks, ms));
      anchor.push(qualityRow(article, leadSentences(article, summary.bullets.length), 0));
    }
    all.ours.push(...ours);
    all.anchor.push(...anchor);
    qualityReport(`${set} (${ours.length} articles)`, ours, anchor);
  }
  if (sets.length > 1) qualityReport("both sets", all.ours, all.anchor);
}

function qualityReport(title: string, ours: QualityRow[], anchor: QualityRow[]): void {
  const mean = (values: number[]) => (values.length ? sum(values) / values.length : Number.NaN);
  const line = (label: string, pick: (row: QualityRow) => number, digits: number, unit = "") =>
    console.log(
      `  ${label.padEnd(44)} ${fmt(mean(ours.map(pick)), digits).padStart(8)}${unit} ${fmt(mean(anchor.map(pick)), digits).padStart(10)}${unit}`,
    );
  console.log(`\n── ${title}`);
  console.log(`  ${"".padEnd(44)} ${"offline".padStart(8)} ${"lead-N".padStart(10)}`);
  line("bullets per summary (mean)", (row) => row.bullets, 2);
  line("distinct paragraphs / bullets (mean)", (row) => row.distinctShare, 3);
  line("max pairwise bigram Jaccard (mean)", (row) => row.redundancy, 3);
  line("summaries with a bigram Jaccard ≥ 0.2 (%)", (row) => (row.redundancy >= 0.2 ? 100 : 0), 1);
  line("summaries citing the lead paragraph (%)", (row) => (row.lead ? 100 : 0), 1);
  const sectioned = (rows: QualityRow[]) =>
    rows.flatMap((row) => (row.sectionShare === undefined ? [] : [row.sectionShare]));
  console.log(
    `  ${`sections cited / min(bullets, sections) [${sectioned(ours).length}]`.padEnd(44)} ` +
      `${fmt(mean(sectioned(ours)), 3).padStart(8)} ${fmt(mean(sectioned(anchor)), 3).padStart(10)}`,
  );
  const ms = ours.map((row) => row.ms);
  console.log(
    `  offline ms/article: median ${fmt(median(ms), 2)}, p95 ${fmt(percentile(ms, 95), 2)}, max ${fmt(Math.max(...ms), 1)}`,
  );
}
