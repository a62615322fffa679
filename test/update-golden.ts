/**
 * `npm run golden:update [case…]` — regenerates test/fixtures/pages/<case>/expected.json from the
 * current cleaner, so a reviewer sees what changed as a diff. Every case folder holds a
 * source.html (HTML cleaner) or a source.txt (pasted-text cleaner), both through cleanPage().
 * A page that must be refused has `{"error": "NOT_AN_ARTICLE"}` as its expectation.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isJianbaoError } from "../src/errors.js";
import { cleanPage } from "../src/pipeline/clean/index.js";
import type { Article } from "../src/types.js";

export const PAGES_DIR = fileURLToPath(new URL("./fixtures/pages/", import.meta.url));

/** What a golden file records: the article's fields a person sees (derived counts and text left out). */
export type Golden =
  | Pick<Article, "title" | "siteName" | "byline" | "published" | "lang" | "url" | "canonicalUrl" | "paragraphs">
  | { error: string };

export interface GoldenCase {
  name: string;
  dir: string;
  kind: "html" | "text";
  source: string;
}

/** Every case folder with a source.html or source.txt. */
export function listGoldenCases(): GoldenCase[] {
  return readdirSync(PAGES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry): GoldenCase[] => {
      const dir = join(PAGES_DIR, entry.name);
      if (existsSync(join(dir, "source.html")))
        return [{ name: entry.name, dir, kind: "html", source: readFileSync(join(dir, "source.html"), "utf8") }];
      if (existsSync(join(dir, "source.txt")))
        return [{ name: entry.name, dir, kind: "text", source: readFileSync(join(dir, "source.txt"), "utf8") }];
      return [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs the cleaner on a case and projects the result to its golden form (undefined fields dropped). */
export function runGoldenCase(testCase: GoldenCase): Golden {
  try {
    const input = testCase.kind === "html" ? "source.html" : "source.txt";
    const article = cleanPage(
      testCase.kind === "html"
        ? { input, html: testCase.source, fileName: input }
        : { input, text: testCase.source, fileName: input },
    );
    const { title, siteName, byline, published, lang, url, canonicalUrl, paragraphs } = article;
    return JSON.parse(
      JSON.stringify({ title, siteName, byline, published, lang, url, canonicalUrl, paragraphs }),
    ) as Golden;
  } catch (error) {
    if (isJianbaoError(error)) return { error: error.code };
    throw error;
  }
}

export function readExpected(testCase: GoldenCase): Golden {
  return JSON.parse(readFileSync(join(testCase.dir, "expected.json"), "utf8")) as Golden;
}

function main(names: string[]): void {
  const cases = listGoldenCases().filter((c) => names.length === 0 || names.includes(c.name));
  for (const testCase of cases) {
    const file = join(testCase.dir, "expected.json");
    const next = `${JSON.stringify(runGoldenCase(testCase), null, 2)}\n`;
    const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (next !== previous) writeFileSync(file, next);
    console.log(`${next === previous ? "unchanged" : "updated  "} ${testCase.name}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
