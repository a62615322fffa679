/**
 * From positioned text runs to paragraphs in reading order. Pure geometry, no pdfjs: each page's
 * runs become lines by baseline; a vertical gutter makes a page two columns; lines that repeat at
 * the same height on many pages (running headers, footers) and page numbers are dropped; the rest
 * flows into headings (larger than the body size) and paragraphs (split at wider line gaps, at
 * first-line indents, and across columns/pages after a sentence end).
 * Coordinates are PDF points with y going up (bottom of the page is 0), as pdfjs reports them.
 */

// ---------------------------------------------------------------------------------------------
// Tunables. Sizes are in ems of the run's font size unless named otherwise.

const LAYOUT = {
  /** Runs whose baselines differ by less than this share of the font size sit on one line. */
  sameBaseline: 0.4,
  /** A horizontal gap wider than this between runs of a line is a word space. */
  wordGap: 0.15,
  /** Between two Han characters (no spaces in Chinese), only a gap this wide is a space. */
  hanWordGap: 0.6,
  /** The gutter of a two-column page lies in this middle band of the page width. */
  gutterBand: [0.25, 0.75],
  /** …is at least this wide (points)… */
  minGutterWidth: 6,
  /** …is crossed by at most this share of the page's lines (full-width titles, figures)… */
  maxGutterCrossing: 0.15,
  /** …and each column holds at least this share of the page's characters. */
  minColumnShare: 0.2,
  /** Pages with fewer lines than this are never split into columns (too little evidence). */
  minLinesForColumns: 8,
  /** Header/footer zone: this share of the page height at the top and at the bottom. */
  marginZone: 0.1,
  /** Only the outermost lines of a page can be running headers or footers… */
  marginLines: 3,
  /** …set off from the body by a gap of at least this (ems of the larger line). */
  marginGap: 1.6,
  /** A line repeated (digits aside) at the same height on this share of pages is a running header/footer. */
  repeatShare: 0.5,
  /** Baselines within this many points count as "the same height" across pages. */
  repeatTolerance: 4,
  /** Lines this much larger than the body size are headings. */
  headingScale: 1.15,
  /** Headings longer than this (characters) are emphasised prose, not headings. */
  maxHeadingChars: 200,
  /** A line gap wider than the usual line pitch times this starts a new paragraph. */
  paragraphGap: 1.3,
  /** A first line indented by at least this (and at most maxIndent) starts a new paragraph. */
  minIndent: 0.8,
  maxIndent: 8,
  /** Body lines whose size differs by more than this (points) from the previous line start a new block (footnotes, captions). */
  sizeChange: 1,
} as const;

/** "3", "- 3 -", "Page 3 of 10", "3 / 10", "第 3 页", "iv": a page number, alone on its line. */
const PAGE_NUMBER =
  /^(?:(?:page|p\.|pp\.|seite|第)\s*)?[-–—(（[]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*(?:(?:\/|of|／|von|共)\s*\d{1,4}\s*)?[-–—)）\]]?\s*(?:页|頁)?$/i;
/** A line that ends a sentence: the next line (after a column or page break) starts a new paragraph. */
const SENTENCE_END = /[.!?。！？…:：”"’»」』)）]$/u;
/** Han, CJK punctuation and full-width forms: joined without spaces. */
const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
const HAN = /\p{Script=Han}/u;
/** Line-end hyphens: U+2010 and the soft hyphen are always breaks; "-" usually is. */
const BREAK_HYPHEN = /[\u2010\u00ad]$/u;
const ASCII_HYPHEN = /(\p{L})-$/u;
/** Em and en dashes at a line end: the next line follows without a space ("even—" + "heaven"). */
const DASH_END = /[\u2013\u2014]$/u;

// ---------------------------------------------------------------------------------------------

/** One positioned text run (x0..x1 along the baseline y, in points, origin bottom-left). */
export interface PdfRun {
  text: string;
  x0: number;
  x1: number;
  y: number;
  size: number;
}

export interface PdfLine {
  text: string;
  x0: number;
  x1: number;
  y: number;
  size: number;
  page: number;
  /** Column within the page: 0 full width (or single column), 1 left, 2 right. */
  column: 0 | 1 | 2;
  /** Index of the page's full-width band the line belongs to (columns restart below each full-width line). */
  band: number;
  /** The runs it was made of, left to right. */
  runs: readonly PdfRun[];
}

export interface PdfBlock {
  kind: "heading" | "paragraph";
  text: string;
  size: number;
  page: number;
}

export interface PdfPage {
  width: number;
  height: number;
  runs: readonly PdfRun[];
}

/** Lays out a document's pages into headings and paragraphs; also names the largest text on page 1. */
export function pdfBlocks(pages: readonly PdfPage[]): { blocks: PdfBlock[]; largestFirstPage?: PdfBlock } {
  // Running headers and footers go first: they cross the gutter and would hide a two-column layout.
  const kept = dropRunningLines(
    pages.map((page, index) => pageLines(page, index)),
    pages,
  );
  const lines = kept.flatMap((pageLinesKept, index) => orderLines(pageLinesKept, pages[index] as PdfPage));
  if (lines.length === 0) return { blocks: [] };
  const bodySize = dominantSize(lines);
  const pitch = linePitch(lines, bodySize);
  const blocks = flowBlocks(lines, bodySize, pitch, hyphenatedWords(lines));
  const firstPage = blocks.filter((block) => block.page === 0);
  const largest = firstPage.reduce<PdfBlock | undefined>(
    (best, block) => (best === undefined || block.size > best.size + 0.01 ? block : best),
    undefined,
  );
  return {
    blocks,
    ...(largest && largest.size > bodySize * LAYOUT.headingScale ? { largestFirstPage: largest } : {}),
  };
}

/** Groups a page's runs into lines by baseline, then orders the runs of each line left to right. */
function pageLines(page: PdfPage, pageIndex: number): PdfLine[] {
  const runs = [...page.runs].sort((a, b) => b.y - a.y || a.x0 - b.x0);
  const groups: PdfRun[][] = [];
  for (const run of runs) {
    const last = groups.at(-1);
    const anchor = last?.[0];
    // The larger size decides, so a superscript (smaller, raised) stays on its line.
    if (last && anchor && Math.abs(anchor.y - run.y) <= LAYOUT.sameBaseline * Math.max(anchor.size, run.size)) {
      last.push(run);
    } else {
      groups.push([run]);
    }
  }
  return groups.map((group) => makeLine(group, pageIndex));
}

function makeLine(runs: readonly PdfRun[], page: number): PdfLine {
  const sorted = [...runs].sort((a, b) => a.x0 - b.x0);
  let text = "";
  let previous: PdfRun | undefined;
  for (const run of sorted) {
    if (previous) {
      const gap = run.x0 - previous.x1;
      const size = Math.max(previous.size, run.size);
      const bothHan = HAN.test(text.at(-1) ?? "") && HAN.test(run.text[0] ?? "");
      const threshold = (bothHan ? LAYOUT.hanWordGap : LAYOUT.wordGap) * size;
      if (gap > threshold && !/\s$/.test(text) && !/^\s/.test(run.text)) text += " ";
    }
    text += run.text;
    previous = run;
  }
  const size = charWeightedSize(sorted);
  return {
    text: text.replace(/\s+/g, " ").trim(),
    x0: Math.min(...sorted.map((run) => run.x0)),
    x1: Math.max(...sorted.map((run) => run.x1)),
    y: sorted.reduce((sum, run) => sum + run.y, 0) / sorted.length,
    size,
    page,
    column: 0,
    band: 0,
    runs: sorted,
  };
}

function charWeightedSize(runs: readonly PdfRun[]): number {
  const weights = new Map<number, number>();
  for (const run of runs) {
    const size = Math.round(run.size * 2) / 2;
    weights.set(size, (weights.get(size) ?? 0) + run.text.length);
  }
  return [...weights.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
}

/**
 * Reading order of one page: when a gutter splits it into two columns, the lines above, between
 * and below full-width lines form bands, and each band reads its left column, then its right.
 * A baseline shared by both columns is one line until the gutter splits it.
 */
function orderLines(lines: PdfLine[], page: PdfPage): PdfLine[] {
  const gutter = findGutter(lines, page);
  if (!gutter) return lines;
  const placed: PdfLine[] = [];
  let band = 0;
  for (const line of lines) {
    const left = line.runs.filter((run) => run.x1 <= gutter.x1 + 0.5);
    const right = line.runs.filter((run) => run.x0 >= gutter.x0 - 0.5 && run.x1 > gutter.x1 + 0.5);
    if (left.length + right.length < line.runs.length) {
      band += 1;
      placed.push({ ...line, column: 0, band });
      band += 1;
      continue;
    }
    if (left.length > 0) placed.push({ ...makeLine(left, line.page), column: 1, band });
    if (right.length > 0) placed.push({ ...makeLine(right, line.page), column: 2, band });
  }
  return placed.sort((a, b) => a.band - b.band || a.column - b.column || b.y - a.y);
}

/** The widest x-range in the middle of the page that almost no run crosses, with text on both sides of it. */
function findGutter(lines: readonly PdfLine[], page: PdfPage): { x0: number; x1: number } | undefined {
  if (lines.length < LAYOUT.minLinesForColumns) return undefined;
  const width = Math.ceil(page.width);
  const cover = new Array<number>(width + 2).fill(0);
  for (const line of lines) {
    const seen = new Set<number>();
    for (const run of line.runs) {
      for (let x = Math.max(0, Math.floor(run.x0)); x <= Math.min(width, Math.ceil(run.x1)); x += 1) seen.add(x);
    }
    for (const x of seen) cover[x] = (cover[x] ?? 0) + 1;
  }
  const from = Math.floor(page.width * LAYOUT.gutterBand[0]);
  const to = Math.ceil(page.width * LAYOUT.gutterBand[1]);
  const allowed = Math.floor(lines.length * LAYOUT.maxGutterCrossing);
  let best: { x0: number; x1: number } | undefined;
  let start = -1;
  for (let x = from; x <= to + 1; x += 1) {
    const open = x <= to && (cover[x] ?? 0) <= allowed;
    if (open && start === -1) start = x;
    if (!open && start !== -1) {
      if (x - start >= LAYOUT.minGutterWidth && (!best || x - start > best.x1 - best.x0)) best = { x0: start, x1: x };
      start = -1;
    }
  }
  if (!best) return undefined;
  const gutter = best;
  let left = 0;
  let right = 0;
  let total = 0;
  for (const line of lines) {
    for (const run of line.runs) {
      total += run.text.length;
      if (run.x1 <= gutter.x1 + 0.5) left += run.text.length;
      else if (run.x0 >= gutter.x0 - 0.5) right += run.text.length;
    }
  }
  if (left < total * LAYOUT.minColumnShare || right < total * LAYOUT.minColumnShare) return undefined;
  return gutter;
}

/** Drops running headers/footers (repeated at the same height on many pages) and page numbers. */
function dropRunningLines(pages: PdfLine[][], geometry: readonly PdfPage[]): PdfLine[][] {
  const key = (line: PdfLine) =>
    `${Math.round(line.y / LAYOUT.repeatTolerance)}|${line.text.replace(/\d+/g, "#").replace(/\s+/g, "").toLowerCase()}`;
  const marginal = pages.map((lines, index) => {
    const height = geometry[index]?.height ?? 0;
    const byHeight = [...lines].sort((a, b) => b.y - a.y);
    const top = marginBlock(byHeight, (line) => line.y >= height * (1 - LAYOUT.marginZone));
    const bottom = marginBlock([...byHeight].reverse(), (line) => line.y <= height * LAYOUT.marginZone);
    return new Set([...top, ...bottom]);
  });
  const pagesWith = new Map<string, number>();
  for (const lines of marginal) {
    for (const k of new Set([...lines].map(key))) pagesWith.set(k, (pagesWith.get(k) ?? 0) + 1);
  }
  const needed = Math.max(2, Math.ceil(pages.length * LAYOUT.repeatShare));
  return pages.map((lines, index) =>
    lines.filter((line) => {
      if (!marginal[index]?.has(line)) return true;
      // Page numbers are short; the length check keeps PAGE_NUMBER's adjacent `\s*`s off long lines.
      if (line.text.length <= 40 && PAGE_NUMBER.test(line.text)) return false;
      return (pagesWith.get(key(line)) ?? 0) < needed;
    }),
  );
}

/**
 * The outermost lines (from the page edge inwards) that sit in the margin zone and are set off from
 * the body by a gap: a body line that merely starts high on the page is glued to the next one.
 */
function marginBlock(fromEdge: readonly PdfLine[], inZone: (line: PdfLine) => boolean): PdfLine[] {
  for (let index = 0; index < Math.min(LAYOUT.marginLines, fromEdge.length); index += 1) {
    const line = fromEdge[index] as PdfLine;
    if (!inZone(line)) return [];
    const next = fromEdge[index + 1];
    if (!next || Math.abs(line.y - next.y) > LAYOUT.marginGap * Math.max(line.size, next.size)) {
      return fromEdge.slice(0, index + 1);
    }
  }
  return [];
}

/** The font size carrying the most characters: the body text. */
function dominantSize(lines: readonly PdfLine[]): number {
  const weights = new Map<number, number>();
  for (const line of lines) weights.set(line.size, (weights.get(line.size) ?? 0) + line.text.length);
  return [...weights.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 10;
}

/** The usual distance between baselines of body lines in one column: the median of close pairs. */
function linePitch(lines: readonly PdfLine[], bodySize: number): number {
  const gaps: number[] = [];
  for (let index = 1; index < lines.length; index += 1) {
    const previous = lines[index - 1];
    const line = lines[index];
    if (!previous || !line || !sameFlow(previous, line)) continue;
    if (Math.abs(line.size - bodySize) > 0.5 || Math.abs(previous.size - bodySize) > 0.5) continue;
    const gap = previous.y - line.y;
    if (gap > 0 && gap < bodySize * 3) gaps.push(gap);
  }
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? bodySize * 1.2;
}

function sameFlow(a: PdfLine, b: PdfLine): boolean {
  return a.page === b.page && a.band === b.band && a.column === b.column;
}

/** Words written with a hyphen inside a line ("neo-bank"): a line break after "neo-" keeps that hyphen. */
function hyphenatedWords(lines: readonly PdfLine[]): Set<string> {
  const words = new Set<string>();
  for (const line of lines) {
    // From a word start, with bounded parts: `\p{L}+-\p{L}+` retried every start of a long run of letters.
    for (const match of line.text.matchAll(/(?<!\p{L})\p{L}{1,64}-\p{L}{1,64}/gu)) words.add(match[0].toLowerCase());
  }
  return words;
}

function flowBlocks(
  lines: readonly PdfLine[],
  bodySize: number,
  pitch: number,
  hyphenated: ReadonlySet<string>,
): PdfBlock[] {
  const blocks: Array<{ kind: PdfBlock["kind"]; lines: PdfLine[] }> = [];
  const columnLeft = new Map<string, number>();
  for (const line of lines) {
    const k = `${line.page}|${line.column}`;
    columnLeft.set(k, Math.min(columnLeft.get(k) ?? Number.POSITIVE_INFINITY, line.x0));
  }
  for (const line of lines) {
    const heading = line.size >= bodySize * LAYOUT.headingScale && line.text.length <= LAYOUT.maxHeadingChars;
    const current = blocks.at(-1);
    const previous = current?.lines.at(-1);
    if (current && previous && continues(current.kind, previous, line, heading)) {
      current.lines.push(line);
    } else {
      blocks.push({ kind: heading ? "heading" : "paragraph", lines: [line] });
    }
  }
  return blocks.map((block) => ({
    kind: block.kind,
    text: joinLines(block.lines, hyphenated),
    size: block.lines[0]?.size ?? bodySize,
    page: block.lines[0]?.page ?? 0,
  }));

  function continues(kind: PdfBlock["kind"], previous: PdfLine, line: PdfLine, heading: boolean): boolean {
    if ((kind === "heading") !== heading) return false;
    if (heading) {
      return (
        sameFlow(previous, line) && Math.abs(previous.size - line.size) < 0.5 && previous.y - line.y <= line.size * 2
      );
    }
    if (Math.abs(previous.size - line.size) > LAYOUT.sizeChange) return false;
    const left = columnLeft.get(`${line.page}|${line.column}`) ?? line.x0;
    const indent = line.x0 - left;
    const indented = indent >= LAYOUT.minIndent * line.size && indent <= LAYOUT.maxIndent * line.size;
    if (!sameFlow(previous, line)) return !SENTENCE_END.test(previous.text) && !indented;
    const gap = previous.y - line.y;
    if (gap <= 0 || gap > pitch * LAYOUT.paragraphGap + 0.5) return false;
    const previousIndent = previous.x0 - (columnLeft.get(`${previous.page}|${previous.column}`) ?? previous.x0);
    // An indent starts a paragraph unless the previous line was indented the same way (a quote, a list).
    return !(indented && Math.abs(previousIndent - indent) > 0.5 * line.size);
  }
}

/**
 * Joins a block's lines: hyphenated words rejoined ("hyphen-" + "ated"), except compounds the
 * document writes with a hyphen elsewhere or that start with a name ("Facebook-" + "owned");
 * no spaces between CJK lines or after a dash.
 */
export function joinLines(
  lines: readonly Pick<PdfLine, "text">[],
  hyphenated: ReadonlySet<string> = new Set(),
): string {
  let text = "";
  for (const { text: next } of lines) {
    if (text === "") {
      text = next;
      continue;
    }
    const startsWord = /^\p{L}/u.test(next);
    if (BREAK_HYPHEN.test(text) && startsWord) {
      text = text.slice(0, -1) + next;
    } else if (ASCII_HYPHEN.test(text) && startsWord) {
      const before = /(?<!\p{L})(\p{L}{1,64})-$/u.exec(text)?.[1] ?? "";
      const after = /^\p{L}+/u.exec(next)?.[0] ?? "";
      const compound =
        hyphenated.has(`${before}-${after}`.toLowerCase()) || /^\p{Lu}/u.test(before) || !/^\p{Ll}/u.test(after);
      text = compound ? text + next : text.slice(0, -1) + next;
    } else if (DASH_END.test(text) || CJK.test(text.at(-1) ?? "") || CJK.test(next[0] ?? "")) {
      text += next;
    } else {
      text += ` ${next}`;
    }
  }
  return text;
}
