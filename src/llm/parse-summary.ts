/**
 * Reads a model's summary answer in whatever shape it came: the JSON we asked for, JSON inside a
 * ```json fence or surrounded by chatter, or a plain bullet list (-, *, •, 1.). Cleans every string
 * (control characters, markdown emphasis, leftover list markers) and pulls `[3]`-style paragraph
 * references out of bullet text into `sources`. Validation against the article happens in validateSummary.
 */

import { stripInvisible, stripThinking } from "./text.js";

export interface ParsedBullet {
  text: string;
  sources: number[];
}

export interface ParsedSummary {
  headline: string;
  bullets: ParsedBullet[];
  questions: string[];
}

/** JSON schema sent as `response_format` (strict-mode compatible: every field required, no extras). */
export const SUMMARY_JSON_SCHEMA = {
  name: "summary",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["headline", "bullets", "questions"],
    properties: {
      headline: { type: "string" },
      bullets: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["text", "sources"],
          properties: { text: { type: "string" }, sources: { type: "array", items: { type: "integer" } } },
        },
      },
      questions: { type: "array", items: { type: "string" } },
    },
  },
} as const;

// ── Patterns ──────────────────────────────────────────────────────────────────────────────────────
const FENCE = /```[a-zA-Z]*\s*\n?([\s\S]*?)```/;
const LIST_ITEM = /^\s*(?:[-*•·‣▪●◦–—]|\d{1,2}[.)、]|[（(]\d{1,2}[）)]|[①-⑩])\s+|^\s*(?:\d{1,2}[.)、]|[①-⑩])(?=\S)/u;
/** `[3]`, `[1, 4]`, `[1][2]`, `【2】`, `(¶3)`, `(paragraphs 2, 5)`, `（段落 2）` */
const SOURCE_REFERENCE =
  /\s{0,8}(?:\[\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*\]|【\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*】|[(（]\s*(?:¶|paragraphs?|paras?\.?|段落?|第)\s*(\d+(?:\s*(?:[,，、]|and|和)\s*\d+)*)\s*段?\s*[)）])/giu;
const HAS_SOURCE_REFERENCE = new RegExp(SOURCE_REFERENCE.source, "iu");
const QUESTIONS_HEADING = /question|问题|追问|延伸/i;
const HEADLINE_LABEL = /^(?:headline|title|标题|题目)\s*[:：]\s*/i;

/** Parses an answer; undefined when nothing usable is in it. */
export function parseSummaryAnswer(answer: string): ParsedSummary | undefined {
  const text = stripThinking(answer).trim();
  if (!text) return undefined;
  return parseJson(text) ?? parseList(text);
}

function parseJson(text: string): ParsedSummary | undefined {
  const candidates = [FENCE.exec(text)?.[1], text, text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)];
  for (const candidate of candidates) {
    if (!candidate?.trim().startsWith("{")) continue;
    try {
      const value: unknown = JSON.parse(candidate.trim());
      const summary = fromObject(value);
      if (summary) return summary;
    } catch {
      // not JSON; try the next candidate
    }
  }
  return undefined;
}

function fromObject(value: unknown): ParsedSummary | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const rawBullets = record.bullets ?? record.points ?? record.summary ?? record.key_points;
  if (!Array.isArray(rawBullets)) return undefined;
  const bullets = rawBullets.flatMap((item): ParsedBullet[] => {
    if (typeof item === "string") return [bulletFrom(item, [])];
    if (item && typeof item === "object") {
      const fields = item as Record<string, unknown>;
      const text = fields.text ?? fields.bullet ?? fields.point ?? fields.content;
      const sources = fields.sources ?? fields.source ?? fields.paragraphs;
      if (typeof text === "string") return [bulletFrom(text, numbersIn(sources))];
    }
    return [];
  });
  const rawQuestions = record.questions ?? record.follow_up_questions ?? record.followups;
  const questions = Array.isArray(rawQuestions)
    ? rawQuestions.filter((q): q is string => typeof q === "string").map(cleanText)
    : [];
  const headline = typeof (record.headline ?? record.title) === "string" ? String(record.headline ?? record.title) : "";
  return { headline: cleanText(headline.replace(HEADLINE_LABEL, "")), bullets, questions: questions.filter(Boolean) };
}

function numbersIn(value: unknown): number[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.flatMap((item) => {
    const number = typeof item === "number" ? item : typeof item === "string" ? Number(item.trim()) : Number.NaN;
    return Number.isFinite(number) ? [number] : [];
  });
}

function parseList(text: string): ParsedSummary | undefined {
  let headline = "";
  const bullets: ParsedBullet[] = [];
  const questions: string[] = [];
  let inQuestions = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || /^```/.test(line)) continue;
    const item = LIST_ITEM.exec(line);
    if (!item) {
      if (QUESTIONS_HEADING.test(line) && line.length < 60) {
        inQuestions = true;
      } else if (
        !headline &&
        bullets.length === 0 &&
        !/^(?:summary|bullets?|要点|摘要)\s*[:：]?$/i.test(cleanText(line))
      ) {
        headline = cleanText(line.replace(/^#+\s*/, "").replace(HEADLINE_LABEL, ""));
      }
      continue;
    }
    const body = line.slice(item[0].length);
    const isQuestion = /[?？]\s*$/.test(cleanText(body));
    if (inQuestions || (isQuestion && bullets.length > 0 && !HAS_SOURCE_REFERENCE.test(body))) {
      const question = cleanText(body);
      if (question) questions.push(question);
      inQuestions = true;
      continue;
    }
    bullets.push(bulletFrom(body, []));
  }
  return bullets.length > 0 ? { headline, bullets, questions } : undefined;
}

/** Moves `[3]`-style references out of the text into sources. */
function bulletFrom(text: string, sources: number[]): ParsedBullet {
  const found = [...sources];
  const stripped = text.replace(SOURCE_REFERENCE, (_match, square?: string, lenticular?: string, named?: string) => {
    const list = square ?? lenticular ?? named ?? "";
    for (const part of list.split(/[^\d]+/)) if (part) found.push(Number(part));
    return "";
  });
  return { text: cleanText(stripped), sources: found };
}

/** Strips control characters, markdown emphasis and code marks, a leading list marker; collapses spaces. */
export function cleanText(text: string): string {
  return stripInvisible(text)
    .replace(/\*\*(.+?)\*\*/g, "$1")
    .replace(/__(.+?)__/g, "$1")
    .replace(/(^|[\s(（])[*_]([^*_\s][^*_]*?)[*_](?=[\s.,;:!?，。；：！？)）]|$)/gu, "$1$2")
    .replace(/`+/g, "")
    .replace(/^\s*#+\s+/, "")
    .replace(LIST_ITEM, "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^["“]([^"“”]*)["”]$/, "$1");
}
