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
import { JSDOM, VirtualConsole } from "jsdom";
import { isJianbaoError } from "../src/errors.js";
import { cleanHtml } from "../src/pipeline/clean/html.js";
import { bagF1, decodeBenchPage, mean, median, sh4PrecisionRecall } from "./scoring.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const benchRoot = resolve(repoRoot, "..", "shared", "bench", "extraction");

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
