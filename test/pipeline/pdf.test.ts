import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFDocument, type PDFFont, StandardFonts } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isJianbaoError, type JianbaoError } from "../../src/errors.js";
import { cleanPage, cleanPageAsync } from "../../src/pipeline/clean/index.js";
import { readInput } from "../../src/pipeline/input.js";
import { extractPdfArticle, PDF_LIMITS, realTitle } from "../../src/pipeline/pdf/extract.js";
import { inlineCpu } from "../../src/workers/cpu.js";
import { type FakeSite, startSite } from "../fakes/site.js";

const FIXTURES = new URL("../fixtures/pdf/", import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const CASES = JSON.parse(readFileSync(new URL("cases.json", FIXTURES), "utf8")) as Record<
  string,
  { title: string; lang: string; layout: string }
>;

/** Bag-of-tokens F1 as ../shared/bench/extraction/README.md defines it (Han characters one each, other letter/digit runs one each). */
function bagF1(prediction: string, gold: string): number {
  const tokens = (text: string) =>
    text.normalize("NFKC").match(/\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu) ?? [];
  const predicted = tokens(prediction);
  const wanted = new Map<string, number>();
  for (const token of tokens(gold)) wanted.set(token, (wanted.get(token) ?? 0) + 1);
  const goldCount = [...wanted.values()].reduce((sum, count) => sum + count, 0);
  let overlap = 0;
  for (const token of predicted) {
    const left = wanted.get(token) ?? 0;
    if (left > 0) {
      overlap += 1;
      wanted.set(token, left - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / predicted.length;
  const recall = overlap / goldCount;
  return (2 * precision * recall) / (precision + recall);
}

async function thrown(promise: Promise<unknown>): Promise<JianbaoError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isJianbaoError(error)) throw new Error(`expected a JianbaoError, got ${String(error)}`);
  return error;
}

/**
 * A three-page report drawn with pdf-lib: a title, a running header and "Page n of 3" footer, two
 * columns of numbered paragraphs per page (the second with a raised footnote mark), a line broken as
 * "hyphen-" / "ation", and a tool's file name as the metadata title.
 */
async function reportPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle("Microsoft Word - report_final_v2.docx");
  const font = await pdf.embedFont(StandardFonts.TimesRoman);
  const bold = await pdf.embedFont(StandardFonts.TimesRomanBold);
  const draw = (
    page: ReturnType<PDFDocument["addPage"]>,
    text: string,
    x: number,
    y: number,
    size = 10,
    f: PDFFont = font,
  ) => page.drawText(text, { x, y, size, font: f });
  for (let number = 1; number <= 3; number += 1) {
    const page = pdf.addPage([595, 842]);
    draw(page, "Ministry of Water Resources | Annual Report", 200, 810, 8);
    draw(page, `Page ${number} of 3`, 275, 30, 8);
    let top = 760;
    if (number === 1) {
      draw(page, "Rivers Under Pressure", 60, 770, 22, bold);
      top = 720;
    }
    for (const [column, x] of [
      [0, 60],
      [1, 315],
    ] as const) {
      let y = top;
      for (let paragraph = 0; paragraph < 3; paragraph += 1) {
        const id = `P${number}${column === 0 ? "L" : "R"}${paragraph}`;
        const lines =
          number === 1 && column === 0 && paragraph === 0
            ? [
                "Marker P1L0 opens the report on river flow and",
                "its careful measurement through hyphen-",
                "ation of long words at line ends.",
              ]
            : [
                `Marker ${id} starts a paragraph about gauges`,
                "and the stations that read them every hour",
                "through the long dry summer months.",
              ];
        for (const [index, line] of lines.entries()) {
          draw(page, line, x, y);
          // A footnote mark: smaller and raised, it belongs to its line, not a line of its own.
          if (index === 0 && paragraph === 1) draw(page, "1", x + font.widthOfTextAtSize(line, 10) + 0.5, y + 3.5, 6);
          y -= 12;
        }
        y -= 10;
      }
    }
  }
  return pdf.save();
}

describe("PDF extraction", () => {
  it.each(Object.keys(CASES))("reads the printed gold page %s: body F1 ≥ 0.95, title and language", async (name) => {
    const article = await extractPdfArticle({ bytes: fixture(`${name}.pdf`), fileName: `${name}.pdf` });
    const gold = readFileSync(new URL(`${name}.gold.txt`, FIXTURES), "utf8");
    expect(bagF1(article.text, gold)).toBeGreaterThanOrEqual(0.95);
    expect(article.title).toBe(CASES[name]?.title);
    expect(article.lang).toBe(CASES[name]?.lang);
  });

  it("reads two columns left then right, in the gold's order", async () => {
    const article = await extractPdfArticle({ bytes: fixture("en-two-columns.pdf") });
    const gold = readFileSync(new URL("en-two-columns.gold.txt", FIXTURES), "utf8")
      .split("\n")
      .filter((line) => line.length > 60);
    // Hyphens aside: "super-" + "convenient" at a line end cannot be told from "hyphen-" + "ated".
    const text = article.text.replace(/-/g, "");
    // Each gold paragraph is found after the previous one (the gold repeats a pull quote, so search onwards).
    let from = 0;
    const missing = gold.filter((line) => {
      const at = text.indexOf(line.replace(/-/g, "").slice(0, 40), from);
      if (at >= 0) from = at + 1;
      return at < 0;
    });
    expect(missing).toEqual([]);
    expect(gold.length).toBeGreaterThan(15);
  });

  it("drops the running header, the footer's page numbers and the title from the body; joins hyphenated words", async () => {
    const article = await extractPdfArticle({ bytes: fixture("en-one-column.pdf") });
    const title = CASES["en-one-column"]?.title ?? "";
    expect(article.text).not.toContain(title.slice(0, 40));
    expect(article.paragraphs.some((paragraph) => /^\d+ \/ \d+$/.test(paragraph))).toBe(false);
    expect(article.text).not.toMatch(/\d+ \/ 3/);
    // Chromium breaks soft-hyphenated words with U+2010; the words come back whole.
    expect(article.text).not.toContain("\u2010");
    expect(article.text).toContain("demetrication");
    expect(article.text).toContain("Instagram began testing hiding public like counts globally");
  });

  it("joins a Chinese paragraph's lines without spaces", async () => {
    const article = await extractPdfArticle({ bytes: fixture("zh-one-column.pdf") });
    expect(article.paragraphs[0]).toBe(
      "虽然大概一两年前我还在夸夸其谈桌面应用程序是将来的潮流，大学生们现在还是偶尔向我请教职业发展的问题。所以我把我的建议写下来。以供学生们阅读，嘲笑，忽略。",
    );
  });

  it("lays out a drawn report: columns, header/footer gone, hyphen joined, title from the largest text", async () => {
    const article = await extractPdfArticle({ bytes: await reportPdf(), fileName: "report.pdf" });
    expect(article.title).toBe("Rivers Under Pressure");
    expect(article.text).not.toMatch(/Annual Report|Page \d of 3/);
    const markers = article.paragraphs.map((paragraph) => /^Marker (P\d[LR]\d)/.exec(paragraph)?.[1]);
    expect(markers).toEqual(
      [1, 2, 3].flatMap((page) => ["L", "R"].flatMap((side) => [0, 1, 2].map((n) => `P${page}${side}${n}`))),
    );
    expect(article.paragraphs[0]).toBe(
      "Marker P1L0 opens the report on river flow and its careful measurement through hyphenation of long words at line ends.",
    );
  });

  it("takes the metadata title only when it is a real title", () => {
    expect(realTitle({ Title: "Annual Report on Water Resources 2024" })).toBe("Annual Report on Water Resources 2024");
    expect(realTitle({ Title: "Microsoft Word - draft3.docx" })).toBeUndefined();
    expect(realTitle({ Title: "untitled" })).toBeUndefined();
    expect(realTitle({ Title: "AR2023_final-v3" })).toBeUndefined();
    expect(realTitle({ Title: "  " })).toBeUndefined();
  });

  it.each([
    ["scanned.pdf", "PDF_SCANNED"],
    ["encrypted.pdf", "PDF_ENCRYPTED"],
    ["corrupt.pdf", "PDF_CORRUPT"],
    ["too-many-pages.pdf", "PDF_TOO_LARGE"],
  ])("refuses %s with %s", async (name, code) => {
    const error = await thrown(extractPdfArticle({ bytes: fixture(name), fileName: name }));
    expect(error.code).toBe(code);
    expect(error.message).toContain(name);
  });

  it("refuses a PDF over the byte cap before parsing it", async () => {
    const bytes = new Uint8Array(PDF_LIMITS.maxBytes + 1);
    bytes.set(Buffer.from("%PDF-1.7\n"));
    const error = await thrown(extractPdfArticle({ bytes, fileName: "huge.pdf" }));
    expect(error.code).toBe("PDF_TOO_LARGE");
    expect(error.details.maxBytes).toBe(PDF_LIMITS.maxBytes);
  });

  it("leaves the caller's bytes usable", async () => {
    const bytes = fixture("en-two-columns.pdf");
    await extractPdfArticle({ bytes });
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
  });
});

describe("PDF pages through the cleaning stage", () => {
  let site: FakeSite;
  let dir: string;
  beforeAll(async () => {
    site = await startSite({
      "/report.pdf": { body: Buffer.from(fixture("en-two-columns.pdf")), type: "application/pdf" },
    });
    dir = await mkdtemp(join(tmpdir(), "jianbao-pdf-"));
  });
  afterAll(async () => {
    await site.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a PDF link and a .pdf file to PageInput.pdf, and CpuWork.cleanPage makes the article", async () => {
    const linked = await readInput(`${site.url}/report.pdf`, { fetchOptions: { allowPrivate: true } });
    expect(linked.url).toBe(`${site.url}/report.pdf`);
    expect(linked.pdf?.byteLength).toBeGreaterThan(1000);
    const article = await inlineCpu.cleanPage(linked);
    expect(article.title).toBe(CASES["en-two-columns"]?.title);
    expect(article.url).toBe(`${site.url}/report.pdf`);

    const path = join(dir, "zh.pdf");
    await writeFile(path, fixture("zh-one-column.pdf"));
    const file = await readInput(path);
    expect(file.fileName).toBe("zh.pdf");
    expect((await cleanPageAsync(file)).lang).toBe("zh");
  });

  it("keeps the sync cleanPage for HTML and text, and says so when handed a PDF", () => {
    expect(() => cleanPage({ input: "x.pdf", pdf: new Uint8Array([37]) })).toThrow(/cleanPageAsync/);
  });
});
