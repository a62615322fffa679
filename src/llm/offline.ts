import { t } from "../i18n/index.js";
import { isMostlyHan } from "../text/lang.js";
import { type Sentence, splitArticle } from "../text/sentences.js";
import { contentTerms } from "../text/tokens.js";
import { trimAtClause } from "../text/truncate.js";
import type { Article, Lang, Summary } from "../types.js";
import { stripDateline } from "./text.js";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
/** Bullets for an ordinary article; short ones get fewer (see bulletCount). */
const MAX_BULLETS = 5;
/** Sentences shorter than this are captions, credits or headings, not summary material (Han chars / words). */
const MIN_SENTENCE = { zh: 12, en: 6 } as const;
/** Bullets longer than this are cut at a clause boundary (characters): about two lines on a phone. */
const MAX_BULLET_CHARS = { zh: 90, en: 240 } as const;
/** PageRank damping and iterations: the usual TextRank values; 40 rounds converge well below 1e-6. */
const DAMPING = 0.85;
const ITERATIONS = 40;
/** Weight of relevance against novelty when picking (MMR λ), and the similarity that counts as a repeat. */
const MMR_LAMBDA = 0.7;
const REPEAT_SIMILARITY = 0.5;
/**
 * A sentence whose word pairs are this much (share of the shorter one's) in an already chosen sentence restates it,
 * even when TF-IDF cosine stays low because the other sentence is much longer. Needs MIN_PHRASES pairs to judge.
 */
const REPEAT_PHRASES = 0.5;
const MIN_PHRASES = 3;
/** Score taken off a sentence from a section (text under one heading) that already has a bullet: spread, softly. */
const SECTION_PENALTY = 0.3;
/** A sentence that opens its paragraph usually states what the paragraph is about. */
const OPENER_BONUS = 1.15;
/**
 * …and in a list of points (一是…二是…, First,… Second,…) each point's opener ranks with the article's best sentence,
 * or at this multiple of its own paragraph's best if higher: the points are what such an article is about.
 */
const LIST_POINT_BONUS = 1.5;
/**
 * The lead paragraph's first sentence is the news lead: it gets the first bullet unless another sentence of the
 * lead paragraph is more than 1/LEAD_SENTENCE_SHARE times as relevant (then the first one is a dateline or a teaser).
 */
const LEAD_SENTENCE_SHARE = 0.5;
/** Openers of list points and their ordinal: 一是/二是, 第一/其一, First,/Second, (digits are too often figures). */
const LIST_POINT =
  /^(?:([一二三四五六七八九])是|[第其]([一二三四五六七八九])[，,、是]|(first|second|third|fourth|fifth|sixth)\b,?)/iu;
const ORDINALS: Readonly<Record<string, number>> = {
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
};
/** News puts the point first: the teleport vector favours early sentences by 1/√(position+1). */
const LEAD_BIAS = 0.5;
/** A sentence with fewer distinct content terms than this says less: its score shrinks in proportion. */
const FULL_SENTENCE_TERMS = 10;
/** Extra weight for the opening sentences (×1.5 for the first, ×1.25 for the fourth…): news states the point first. */
const LEAD_BONUS = 0.5;
/** Ranking is O(n²) in sentences; beyond this many candidates only the first ones compete. */
const MAX_CANDIDATES = 400;
/**
 * Sentences read at all (split and weighed), from the start: 10× the candidates leaves room for the short
 * lines and repeats that drop out, and keeps a page of 60,000 paragraphs (4 s to weigh whole) at a bounded cost.
 */
const MAX_SENTENCES = 4000;
/** Follow-up questions (offline), from the catalog in the reader's language; {term} is a key term of the article. */
const QUESTION_KEYS = ["offlineQuestion1", "offlineQuestion2"] as const;

export interface OfflineSummaryOptions {
  article: Article;
  /** The language asked for; the summary stays in the article's language and says so when they differ. */
  lang: Lang;
}

/**
 * Extractive summary without a model: TextRank over sentence similarity (TF-IDF cosine on words from
 * `Intl.Segmenter`), lead-biased. Picks 3–5 sentences that cover the article: the lead paragraph's opening
 * sentence first, then by MMR with at most one sentence per paragraph (while paragraphs go round), a penalty
 * for sections already cited, each point of a list (一是…二是…, First,… Second,…), and no sentence that repeats
 * or restates a picked one. In article order, long ones trimmed at a clause. Headline = title. Sources =
 * paragraph index of each sentence.
 * Questions: two "what else about <key term>" prompts in the asked language — cheap, and they point the
 * offline question answerer (lexical passage ranking) at parts of the article the bullets left out.
 */
export function summarizeOffline({ article, lang }: OfflineSummaryOptions): Summary {
  const articleLang: Lang = article.lang === "zh" || (article.lang !== "en" && isMostlyHan(article.text)) ? "zh" : "en";
  const sentences = splitArticle(article.paragraphs)
    .slice(0, MAX_SENTENCES)
    .map((sentence) => ({
      ...sentence,
      terms: contentTerms(sentence.text),
    }));
  const picked = pickSentences(sentences, article.title.trim(), articleLang);
  const headline =
    article.title.trim() || (picked[0] ? trimAtClause(picked[0].text, MAX_BULLET_CHARS[articleLang]) : "");
  return {
    headline,
    bullets: picked.map((sentence) => trimAtClause(stripDateline(sentence.text), MAX_BULLET_CHARS[articleLang])),
    sources: picked.map((sentence) => [sentence.paragraph]),
    questions: offlineQuestions(article, sentences, picked, lang),
    lang: articleLang,
    mode: "offline",
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    cached: false,
    ...(article.lang !== lang ? { notice: "offline-no-translation" as const } : {}),
  };
}

interface TermedSentence extends Sentence {
  readonly terms: readonly string[];
}

/** The chosen sentences, in article order. */
function pickSentences(sentences: readonly TermedSentence[], title: string, lang: Lang): TermedSentence[] {
  const all = sentences.filter((sentence) => sentence.text !== title);
  const substantial = all.filter((sentence) => isSubstantial(sentence.text, lang));
  // A text of nothing but short lines still deserves a summary: then every line competes.
  const unique = dedupe(substantial.length > 0 ? substantial : all).slice(0, MAX_CANDIDATES);
  if (unique.length === 0) return [];
  const count = bulletCount(unique.length);
  if (unique.length <= count) return unique;

  const n = unique.length;
  const similarity = similarityMatrix(unique.map((sentence) => sentence.terms));
  const relevance = relevanceOf(unique, similarity);
  const phrases = unique.map((sentence) => bigramsOf(sentence.terms));
  const sectionOf = sectionsOf(sentences);
  // Spread over paragraphs: one sentence each while there are enough paragraphs to go round.
  let onePerParagraph = new Set(unique.map((sentence) => sentence.paragraph)).size >= count;
  const chosen: number[] = [leadPick(unique, relevance)];
  const isRepeat = (i: number) =>
    chosen.some(
      (j) =>
        (similarity[i * n + j] ?? 0) >= REPEAT_SIMILARITY ||
        phraseOverlap(phrases[i] as Set<string>, phrases[j] as Set<string>) >= REPEAT_PHRASES,
    );
  while (chosen.length < count) {
    const paragraphs = new Set(chosen.map((j) => unique[j]?.paragraph));
    const sections = new Set(chosen.map((j) => sectionOf.get(unique[j]?.paragraph ?? -1)));
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i += 1) {
      const sentence = unique[i] as TermedSentence;
      if (chosen.includes(i)) continue;
      if (onePerParagraph && paragraphs.has(sentence.paragraph)) continue;
      if (isRepeat(i)) continue;
      let repeat = 0;
      for (const j of chosen) repeat = Math.max(repeat, similarity[i * n + j] ?? 0);
      const covered = sections.has(sectionOf.get(sentence.paragraph)) ? SECTION_PENALTY : 0;
      const score = MMR_LAMBDA * (relevance[i] ?? 0) - (1 - MMR_LAMBDA) * repeat - covered;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0 && onePerParagraph) {
      // Every unused paragraph only repeats what is picked: a second sentence of a paragraph may say more.
      onePerParagraph = false;
      continue;
    }
    if (best < 0) break;
    chosen.push(best);
  }
  return chosen.sort((a, b) => a - b).map((index) => unique[index] as TermedSentence);
}

/**
 * The lead paragraph (the first with a candidate) states what the article is about: one of its sentences always
 * leads — the earliest that is at least LEAD_SENTENCE_SHARE as relevant as its best, so a teaser gives way.
 */
function leadPick(unique: readonly TermedSentence[], relevance: readonly number[]): number {
  const leadParagraph = unique[0]?.paragraph;
  let end = 0;
  while (unique[end]?.paragraph === leadParagraph) end += 1;
  const best = Math.max(...relevance.slice(0, end));
  return Math.max(
    0,
    relevance.findIndex((value, i) => i < end && value >= LEAD_SENTENCE_SHARE * best),
  );
}

/**
 * Each candidate's weight, 0–1: TextRank centrality, shrunk for sentences that say little, raised for the
 * lead and for sentences that open their paragraph. In a list, the opener of each point (一是…, Second, …) states
 * what its paragraph develops: it ranks with the article's best sentence (see LIST_POINT_BONUS).
 */
function relevanceOf(unique: readonly TermedSentence[], similarity: Float64Array): number[] {
  const n = unique.length;
  const rank = textRank(similarity, n);
  // Centrality alone favours short stock phrases ("X declined to comment"); weigh in substance and the lead.
  const weighted = rank.map(
    (value, i) =>
      value * Math.min(1, new Set(unique[i]?.terms).size / FULL_SENTENCE_TERMS) * (1 + LEAD_BONUS / Math.sqrt(i + 1)),
  );
  const bestInParagraph = new Map<number, number>();
  unique.forEach((sentence, i) => {
    bestInParagraph.set(sentence.paragraph, Math.max(bestInParagraph.get(sentence.paragraph) ?? 0, weighted[i] ?? 0));
  });
  const opens = unique.map((sentence, i) => i === 0 || unique[i - 1]?.paragraph !== sentence.paragraph);
  const ordinals = unique.map((sentence, i) => ((opens[i] ?? false) ? listOrdinal(sentence.text) : undefined));
  // One "First," is a way of writing; a first and a second point opening paragraphs make a list that frames the article.
  const isList = ordinals.includes(1) && ordinals.includes(2);
  const points = ordinals.map((ordinal) => ordinal !== undefined);
  const boosted = weighted.map((value, i) => (opens[i] ? value * OPENER_BONUS : value));
  if (isList) {
    const best = Math.max(...boosted);
    unique.forEach((sentence, i) => {
      if (points[i]) boosted[i] = Math.max(best, (bestInParagraph.get(sentence.paragraph) ?? 0) * LIST_POINT_BONUS);
    });
  }
  const top = Math.max(...boosted);
  return boosted.map((value) => (top > 0 ? value / top : 0));
}

/**
 * Section of every paragraph: the count of headings before it (a heading is a short line without closing
 * punctuation). With no headings every paragraph is its own section, so the section term equals a paragraph one.
 */
function sectionsOf(sentences: readonly TermedSentence[]): Map<number, number> {
  const byParagraph = new Map<number, string[]>();
  for (const sentence of sentences) {
    const list = byParagraph.get(sentence.paragraph) ?? [];
    if (list.length === 0) byParagraph.set(sentence.paragraph, list);
    list.push(sentence.text);
  }
  const isHeading = (texts: readonly string[]) =>
    texts.length === 1 &&
    !/[.!?。！？；;…:：]["'”’」』)）\]]*$/u.test(texts[0] as string) &&
    (texts[0] as string).length <= 120;
  const headings = [...byParagraph.values()].filter(isHeading).length;
  const sections = new Map<number, number>();
  let section = 0;
  for (const [paragraph, texts] of [...byParagraph].sort((a, b) => a[0] - b[0])) {
    if (headings === 0 || isHeading(texts)) section += 1;
    sections.set(paragraph, section);
  }
  return sections;
}

/** The ordinal of a sentence that opens a list point (一是 → 1, "Second," → 2), else undefined. */
function listOrdinal(text: string): number | undefined {
  const match = LIST_POINT.exec(text);
  const word = match?.[1] ?? match?.[2] ?? match?.[3];
  return word === undefined ? undefined : ORDINALS[word.toLowerCase()];
}

/** Pairs of neighbouring content terms: shared phrases, not just shared words, mark a repeat. */
function bigramsOf(terms: readonly string[]): Set<string> {
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < terms.length; i += 1) pairs.add(`${terms[i]} ${terms[i + 1]}`);
  return pairs;
}

/** Share of the smaller sentence's phrases found in the other: 1 when one sentence restates a part of the other. */
function phraseOverlap(first: ReadonlySet<string>, second: ReadonlySet<string>): number {
  const [small, large] = first.size <= second.size ? [first, second] : [second, first];
  if (small.size < MIN_PHRASES) return 0;
  let shared = 0;
  for (const pair of small) if (large.has(pair)) shared += 1;
  return shared / small.size;
}

/** 1–2 sentences → all of them; a few → 2–3; longer articles → 4–5. Never padded. */
function bulletCount(candidates: number): number {
  if (candidates <= 2) return candidates;
  if (candidates <= 5) return 2;
  if (candidates <= 9) return 3;
  if (candidates <= 20) return 4;
  return MAX_BULLETS;
}

function isSubstantial(text: string, lang: Lang): boolean {
  const size =
    lang === "zh" ? (text.match(/\p{Script=Han}/gu)?.length ?? 0) : (text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0);
  if (size < MIN_SENTENCE[lang]) return false;
  // Headings and captions carry no closing punctuation; accept those only when they are long.
  return /[.!?。！？；;…]["'”’」』)）\]]*$/u.test(text) || size >= MIN_SENTENCE[lang] * 2;
}

function dedupe<T extends Sentence>(sentences: readonly T[]): T[] {
  const seen = new Set<string>();
  return sentences.filter((sentence) => {
    const key = sentence.text.replace(/\s+/g, "");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Cosine similarity of every pair of sentences over TF-IDF vectors (log-scaled term frequency, unit length),
 * as a flat n×n matrix with a zero diagonal. Built from postings, so only pairs that share a term cost work.
 */
function similarityMatrix(termLists: readonly (readonly string[])[]): Float64Array {
  const n = termLists.length;
  const documentFrequency = new Map<string, number>();
  for (const terms of termLists) {
    for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const postings = new Map<string, Array<{ sentence: number; weight: number }>>();
  termLists.forEach((terms, sentence) => {
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    const weights = [...counts].map(
      ([term, count]) => [term, (1 + Math.log(count)) * Math.log(1 + n / (documentFrequency.get(term) ?? 1))] as const,
    );
    const norm = Math.sqrt(weights.reduce((sum, [, weight]) => sum + weight * weight, 0)) || 1;
    for (const [term, weight] of weights) {
      const list = postings.get(term) ?? [];
      if (list.length === 0) postings.set(term, list);
      list.push({ sentence, weight: weight / norm });
    }
  });
  const matrix = new Float64Array(n * n);
  for (const list of postings.values()) {
    for (let a = 0; a < list.length; a += 1) {
      const first = list[a] as { sentence: number; weight: number };
      for (let b = a + 1; b < list.length; b += 1) {
        const second = list[b] as { sentence: number; weight: number };
        if (first.sentence === second.sentence) continue;
        const product = first.weight * second.weight;
        matrix[first.sentence * n + second.sentence] = (matrix[first.sentence * n + second.sentence] ?? 0) + product;
        matrix[second.sentence * n + first.sentence] = (matrix[second.sentence * n + first.sentence] ?? 0) + product;
      }
    }
  }
  return matrix;
}

/** Weighted PageRank over the similarity graph with a lead-biased teleport vector. */
function textRank(similarity: Float64Array, n: number): number[] {
  const teleport = new Float64Array(n);
  let teleportSum = 0;
  for (let i = 0; i < n; i += 1) {
    teleport[i] = 1 - LEAD_BIAS + LEAD_BIAS / Math.sqrt(i + 1);
    teleportSum += teleport[i] as number;
  }
  for (let i = 0; i < n; i += 1) teleport[i] = (teleport[i] as number) / teleportSum;
  const outWeight = new Float64Array(n);
  for (let j = 0; j < n; j += 1) {
    let total = 0;
    for (let i = 0; i < n; i += 1) total += similarity[j * n + i] as number;
    outWeight[j] = total;
  }
  let rank = new Float64Array(n).fill(1 / n);
  for (let round = 0; round < ITERATIONS; round += 1) {
    const next = new Float64Array(n);
    let dangling = 0;
    for (let j = 0; j < n; j += 1) {
      const weight = outWeight[j] as number;
      const mass = rank[j] as number;
      if (weight === 0) {
        dangling += mass;
        continue;
      }
      const share = (DAMPING * mass) / weight;
      const row = j * n;
      for (let i = 0; i < n; i += 1) next[i] = (next[i] as number) + share * (similarity[row + i] as number);
    }
    // A sentence sharing no word with the others hands its mass back through the teleport vector.
    for (let i = 0; i < n; i += 1) {
      next[i] = (next[i] as number) + (1 - DAMPING + DAMPING * dangling) * (teleport[i] as number);
    }
    rank = next;
  }
  return [...rank];
}

/** Two follow-up questions about the article's most frequent content terms the bullets say least about. */
function offlineQuestions(
  article: Article,
  sentences: readonly TermedSentence[],
  picked: readonly TermedSentence[],
  lang: Lang,
): string[] {
  // Our stop words and stemming know Chinese and English only; key terms of other languages would be noise.
  if (article.lang !== "zh" && article.lang !== "en") return [];
  const frequency = new Map<string, number>();
  for (const term of sentences.flatMap((sentence) => sentence.terms)) {
    if (/\d/.test(term) || [...term].length < 2 || (!/\p{Script=Han}/u.test(term) && term.length < 4)) continue;
    frequency.set(term, (frequency.get(term) ?? 0) + 1);
  }
  const inBullets = new Set(picked.flatMap((sentence) => sentence.terms));
  const ranked = [...frequency]
    .filter(([, count]) => count >= 2)
    .sort((a, b) => b[1] - (inBullets.has(b[0]) ? 1 : 0) - (a[1] - (inBullets.has(a[0]) ? 1 : 0)));
  const terms: string[] = [];
  for (const [term] of ranked) {
    if (terms.some((kept) => kept.toLowerCase().includes(term) || term.includes(kept.toLowerCase()))) continue;
    // contentTerms lower-cases and stems: show the term as the article writes it (skip parts of words like e-tron).
    const shown = surfaceForm(article.text, term);
    if (shown) terms.push(shown);
    if (terms.length === QUESTION_KEYS.length) break;
  }
  if (terms.length < 2) return [];
  return terms.map((term, index) => t(lang, QUESTION_KEYS[index] ?? "offlineQuestion1", { term }));
}

function surfaceForm(text: string, term: string): string | undefined {
  if (/\p{Script=Han}/u.test(term)) return term;
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}'’-])${escaped}\\p{Script=Latin}*(?![\\p{N}'’-]\\p{L})`, "iu").exec(text)?.[0];
}
