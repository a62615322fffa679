/**
 * `npm run bench:pasted` — scores the pasted-text cleaner on what a person really pastes: every page of
 * ../shared/bench/extraction/{en,zh} rendered in headless Chromium (JavaScript off, no network) and read
 * as `document.body.innerText`, which is what select-all + copy gives. A benchmark, not a test.
 *
 * Per set it prints, for ours (cleanPastedText on the rendered text) beside the anchor measured in the
 * same run (Mozilla Readability 0.6 + jsdom on the same rendered pages' HTML):
 *   body bag F1   the README's definition, mean over pages (a refused page scores 0)
 *   leaks         paragraphs of the prediction that are not article text: fewer than half of their token
 *                 bigrams occur in the gold body (only paragraphs of at least 2 tokens count); and pages with any
 *   titles right  normalized exact match (NFKC, case, spaces, quotes and punctuation ignored) against the
 *                 hand-labelled headline in bench/pasted-titles.json (the headline as shown on the page)
 *
 * The rendered texts and HTML are kept in bench/.cache/pasted/<set>/<id>.json (git-ignored), keyed by a
 * hash of the page's bytes; rendering needs /usr/bin/chromium only for pages not yet cached.
 *
 * Options:
 *   --set=en|zh     one set only
 *   --worst=N       how many worst pages to list (default 10)
 *   --titles        list every labelled page whose title we get wrong
 *   --dump=DIR      write our prediction per page to DIR/<set>/<id>.txt
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Readability } from "@mozilla/readability";
import { JSDOM, VirtualConsole } from "jsdom";
import { type Browser, chromium } from "playwright-core";
import { isJianbaoError } from "../src/errors.js";
import { cleanPastedText } from "../src/pipeline/clean/text.js";
import { bagF1, bagTokens, decodeBenchPage, mean } from "./scoring.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const benchRoot = resolve(repoRoot, "..", "shared", "bench", "extraction");
const cacheRoot = join(repoRoot, "bench", ".cache", "pasted");
const titlesFile = join(repoRoot, "bench", "pasted-titles.json");

const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where the page is served from inside Chromium: every other request is aborted. */
const PAGE_ORIGIN = "https://pasted.bench.invalid";
/** Pages rendered at once (the machine has 2 cores). */
const RENDER_CONCURRENCY = 2;
const RENDER_TIMEOUT_MS = 30_000;
/** A paragraph leaks when fewer than this share of its token bigrams are in the gold body. */
const LEAK_SHARE = 0.5;

type SetName = "en" | "zh";

interface Rendered {
  sourceHash: string;
  text: string;
  html: string;
}

interface PageScore {
  id: string;
  oursBag: number;
  readBag: number;
  oursLeaks: number;
  readLeaks: number;
  oursTitle?: boolean;
  readTitle?: boolean;
  oursTitleText: string;
  readTitleText: string;
  goldTitle?: string;
  oursError?: string;
}

// ---------------------------------------------------------------------------------------------
// Rendering, cached.

async function renderPage(browser: Browser, html: string): Promise<{ text: string; html: string }> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    const url = `${PAGE_ORIGIN}/page.html`;
    await page.route("**/*", (route) =>
      route.request().url() === url
        ? route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html })
        : route.abort(),
    );
    await page.goto(url, { waitUntil: "load", timeout: RENDER_TIMEOUT_MS });
    // biome-ignore lint/performance/useDomNodeTextContent: innerText is the point: it is what select-all + copy gives.
    const text = await page.evaluate(() => document.body?.innerText ?? "");
    return { text, html: await page.content() };
  } finally {
    await context.close();
  }
}

async function renderSet(set: SetName, ids: readonly string[]): Promise<Map<string, Rendered>> {
  const dir = join(cacheRoot, set);
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, Rendered>();
  const missing: { id: string; html: string; sourceHash: string }[] = [];
  for (const id of ids) {
    const bytes = readFileSync(join(benchRoot, set, "html", `${id}.html`));
    const sourceHash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    const file = join(dir, `${id}.json`);
    if (existsSync(file)) {
      const cached = JSON.parse(readFileSync(file, "utf8")) as Rendered;
      if (cached.sourceHash === sourceHash) {
        out.set(id, cached);
        continue;
      }
    }
    missing.push({ id, html: decodeBenchPage(bytes), sourceHash });
  }
  if (missing.length === 0) return out;
  console.log(`rendering ${missing.length} ${set} pages in Chromium…`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const job = missing[next++]!;
        const rendered = { sourceHash: job.sourceHash, ...(await renderPage(browser, job.html)) };
        writeFileSync(join(dir, `${job.id}.json`), JSON.stringify(rendered));
        out.set(job.id, rendered);
      }
    };
    await Promise.all(Array.from({ length: RENDER_CONCURRENCY }, worker));
  } finally {
    await browser.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metrics beyond the README's.

function bigrams(text: string): string[] {
  const tokens = bagTokens(text);
  return tokens.slice(1).map((token, i) => `${tokens[i]}\u0001${token}`);
}

/** Paragraphs of a prediction that are not article text (see the header comment). */
function countLeaks(paragraphs: readonly string[], gold: string): number {
  const truth = new Set(bigrams(gold));
  let leaks = 0;
  for (const paragraph of paragraphs) {
    const grams = bigrams(paragraph);
    if (grams.length === 0) continue;
    const inGold = grams.filter((gram) => truth.has(gram)).length;
    if (inGold / grams.length < LEAK_SHARE) leaks++;
  }
  return leaks;
}

/** Titles compare without case, width, spacing, quotes and punctuation. */
export function normalizeTitle(title: string): string {
  return title
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}\s]+/gu, "");
}

// ---------------------------------------------------------------------------------------------
// Extractors.

const quietConsole = new VirtualConsole();

function runOurs(text: string): { paragraphs: string[]; title: string; error?: string } {
  try {
    const article = cleanPastedText({ text });
    return { paragraphs: [...article.paragraphs], title: article.title };
  } catch (error) {
    return { paragraphs: [], title: "", error: isJianbaoError(error) ? error.code : String(error) };
  }
}

function runReadability(html: string): { paragraphs: string[]; title: string } {
  try {
    const dom = new JSDOM(html, { url: `${PAGE_ORIGIN}/page.html`, virtualConsole: quietConsole });
    const result = new Readability(dom.window.document).parse();
    dom.window.close();
    const paragraphs = (result?.textContent ?? "")
      .split(/\n\s*\n|\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    return { paragraphs, title: result?.title ?? "" };
  } catch {
    return { paragraphs: [], title: "" };
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

const f3 = (x: number): string => (Number.isNaN(x) ? "  –  " : x.toFixed(3));

async function benchSet(
  set: SetName,
  titles: Record<string, string>,
  options: { worst: number; listTitles: boolean; dump?: string },
): Promise<void> {
  const gold = JSON.parse(readFileSync(join(benchRoot, set, "gold.json"), "utf8")) as Record<string, { body: string }>;
  const ids = readdirSync(join(benchRoot, set, "html"))
    .filter((file) => file.endsWith(".html"))
    .map((file) => file.replace(/\.html$/, ""))
    .filter((id) => gold[id])
    .sort();
  const rendered = await renderSet(set, ids);
  const scores: PageScore[] = [];
  for (const id of ids) {
    const page = rendered.get(id)!;
    const body = gold[id]!.body;
    const ours = runOurs(page.text);
    const read = runReadability(page.html);
    if (options.dump) {
      mkdirSync(join(options.dump, set), { recursive: true });
      writeFileSync(
        join(options.dump, set, `${id}.txt`),
        ours.error ? `<<${ours.error}>>\n` : `# ${ours.title}\n\n${ours.paragraphs.join("\n")}\n`,
      );
    }
    const goldTitle = titles[id];
    scores.push({
      id,
      oursBag: bagF1(ours.paragraphs.join("\n\n"), body),
      readBag: bagF1(read.paragraphs.join("\n\n"), body),
      oursLeaks: countLeaks(ours.paragraphs, body),
      readLeaks: countLeaks(read.paragraphs, body),
      oursTitleText: ours.title,
      readTitleText: read.title,
      ...(goldTitle !== undefined
        ? {
            goldTitle,
            oursTitle: normalizeTitle(ours.title) === normalizeTitle(goldTitle),
            readTitle: normalizeTitle(read.title) === normalizeTitle(goldTitle),
          }
        : {}),
      ...(ours.error ? { oursError: ours.error } : {}),
    });
  }

  const labelled = scores.filter((s) => s.goldTitle !== undefined);
  const right = (pick: (s: PageScore) => boolean | undefined) => labelled.filter(pick).length;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const pct = (n: number) => `${n}/${labelled.length} (${((100 * n) / (labelled.length || 1)).toFixed(1)}%)`;
  console.log(`\n== ${set}: ${scores.length} pages rendered, ${labelled.length} titles labelled ==`);
  console.log("metric                    ours                 Readability (rendered HTML)");
  console.log(
    `body bag F1               ${f3(mean(scores.map((s) => s.oursBag))).padEnd(21)}${f3(mean(scores.map((s) => s.readBag)))}`,
  );
  console.log(
    `leaked paragraphs         ${String(sum(scores.map((s) => s.oursLeaks))).padEnd(21)}${sum(scores.map((s) => s.readLeaks))}`,
  );
  console.log(
    `pages with a leak         ${String(scores.filter((s) => s.oursLeaks > 0).length).padEnd(21)}${scores.filter((s) => s.readLeaks > 0).length}`,
  );
  console.log(
    `titles right              ${pct(right((s) => s.oursTitle)).padEnd(21)}${pct(right((s) => s.readTitle))}`,
  );
  console.log(`our NOT_AN_ARTICLE/errors: ${scores.filter((s) => s.oursError).length}`);
  console.log(`${options.worst} worst pages for us (bag F1):`);
  for (const s of [...scores].sort((a, b) => a.oursBag - b.oursBag).slice(0, options.worst)) {
    console.log(
      `  ${s.id.slice(0, 60).padEnd(62)} ${f3(s.oursBag)}  ${f3(s.readBag)}  leaks ${s.oursLeaks}${s.oursError ? `  ${s.oursError}` : ""}`,
    );
  }
  if (options.listTitles) {
    console.log("titles we get wrong (gold | ours | Readability):");
    for (const s of labelled.filter((s) => !s.oursTitle)) {
      console.log(
        `  ${s.id.slice(0, 40)}\n    gold: ${s.goldTitle}\n    ours: ${s.oursTitleText}\n    read: ${s.readTitleText}`,
      );
    }
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sets = (arg("set") ? [arg("set")] : ["en", "zh"]) as SetName[];
  const titles = JSON.parse(readFileSync(titlesFile, "utf8")) as Record<SetName, Record<string, string>>;
  console.log("Pasted-page benchmark: cleanPastedText on Chromium's innerText vs Readability on the rendered HTML");
  console.log(`data: ${benchRoot}`);
  for (const set of sets) {
    await benchSet(set, titles[set] ?? {}, {
      worst: Number(arg("worst") ?? 10),
      listTitles: argv.includes("--titles"),
      ...(arg("dump") ? { dump: arg("dump") } : {}),
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
