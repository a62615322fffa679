import type { Article, Lang, Summary } from "../types.js";
import { isMostlyHan, type Sentence, splitArticle, termsOf, trimAtClause } from "./text.js";

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
/** News puts the point first: the teleport vector favours early sentences by 1/√(position+1). */
const LEAD_BIAS = 0.5;
/** A sentence with fewer distinct content terms than this says less: its score shrinks in proportion. */
const FULL_SENTENCE_TERMS = 10;
/** Extra weight for the opening sentences (×1.5 for the first, ×1.25 for the fourth…): news states the point first. */
const LEAD_BONUS = 0.5;
/** Ranking is O(n²) in sentences; beyond this many candidates only the first ones compete. */
const MAX_CANDIDATES = 400;
/** Follow-up question templates (offline), by the reader's language; {term} is a key term of the article. */
const QUESTION_TEMPLATES = {
  zh: ["关于“{term}”，文章还说了什么？", "文章里关于“{term}”有哪些细节？"],
  en: ["What else does the article say about “{term}”?", "What details does the article give about “{term}”?"],
} as const;

export interface OfflineSummaryOptions {
  article: Article;
  /** The language asked for; the summary stays in the article's language and says so when they differ. */
  lang: Lang;
}

/**
 * Extractive summary without a model: TextRank over sentence similarity (TF-IDF cosine on words from
 * `Intl.Segmenter`), lead-biased; picks 3–5 sentences by MMR so they don't repeat each other, in article
 * order, long ones trimmed at a clause. Headline = title. Sources = paragraph index of each sentence.
 * Questions: two "what else about <key term>" prompts in the asked language — cheap, and they point the
 * offline question answerer (lexical passage ranking) at parts of the article the bullets left out.
 */
export function summarizeOffline({ article, lang }: OfflineSummaryOptions): Summary {
  const articleLang: Lang = article.lang === "zh" || (article.lang !== "en" && isMostlyHan(article.text)) ? "zh" : "en";
  const picked = pickSentences(article, articleLang);
  const headline =
    article.title.trim() || (picked[0] ? trimAtClause(picked[0].text, MAX_BULLET_CHARS[articleLang]) : "");
  return {
    headline,
    bullets: picked.map((sentence) => trimAtClause(sentence.text, MAX_BULLET_CHARS[articleLang])),
    sources: picked.map((sentence) => [sentence.paragraph]),
    questions: offlineQuestions(article, picked, lang),
    lang: articleLang,
    mode: "offline",
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    cached: false,
    ...(article.lang !== lang ? { notice: "offline-no-translation" as const } : {}),
  };
}

interface Candidate extends Sentence {
  readonly position: number;
  readonly vector: Map<string, number>;
}

/** The chosen sentences, in article order. */
export function pickSentences(article: Article, lang: Lang): Sentence[] {
  const title = article.title.trim();
  const all = splitArticle(article.paragraphs).filter((sentence) => sentence.text !== title);
  const substantial = all.filter((sentence) => isSubstantial(sentence.text, lang));
  // A text of nothing but short lines still deserves a summary: then every line competes.
  const unique = dedupe(substantial.length > 0 ? substantial : all).slice(0, MAX_CANDIDATES);
  if (unique.length === 0) return [];
  const count = bulletCount(unique.length);
  if (unique.length <= count) return unique;

  const candidates = vectorize(unique);
  const similarity = candidates.map((a) => candidates.map((b) => (a === b ? 0 : cosine(a.vector, b.vector))));
  const rank = textRank(similarity, candidates);
  // Centrality alone favours short stock phrases ("X declined to comment"); weigh in substance and the lead.
  const weighted = rank.map(
    (value, i) =>
      value *
      Math.min(1, (candidates[i]?.vector.size ?? 0) / FULL_SENTENCE_TERMS) *
      (1 + LEAD_BONUS / Math.sqrt(i + 1)),
  );
  const top = Math.max(...weighted);
  const relevance = weighted.map((value) => (top > 0 ? value / top : 0));

  const chosen: number[] = [];
  while (chosen.length < count) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < candidates.length; i += 1) {
      if (chosen.includes(i)) continue;
      const repeat = Math.max(0, ...chosen.map((j) => similarity[i]?.[j] ?? 0));
      if (repeat >= REPEAT_SIMILARITY) continue;
      const score = MMR_LAMBDA * (relevance[i] ?? 0) - (1 - MMR_LAMBDA) * repeat;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) break;
    chosen.push(best);
  }
  return chosen.sort((a, b) => a - b).map((index) => unique[index] as Sentence);
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

function dedupe(sentences: Sentence[]): Sentence[] {
  const seen = new Set<string>();
  return sentences.filter((sentence) => {
    const key = sentence.text.replace(/\s+/g, "");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** TF-IDF vectors (log-scaled term frequency), normalised to unit length. */
function vectorize(sentences: Sentence[]): Candidate[] {
  const termLists = sentences.map((sentence) => termsOf(sentence.text));
  const documentFrequency = new Map<string, number>();
  for (const terms of termLists) {
    for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const total = sentences.length;
  return sentences.map((sentence, position) => {
    const counts = new Map<string, number>();
    for (const term of termLists[position] ?? []) counts.set(term, (counts.get(term) ?? 0) + 1);
    const vector = new Map<string, number>();
    let norm = 0;
    for (const [term, count] of counts) {
      const weight = (1 + Math.log(count)) * Math.log(1 + total / (documentFrequency.get(term) ?? 1));
      vector.set(term, weight);
      norm += weight * weight;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, weight] of vector) vector.set(term, weight / norm);
    return { ...sentence, position, vector };
  });
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [term, weight] of small) dot += weight * (large.get(term) ?? 0);
  return dot;
}

/** Weighted PageRank with a lead-biased teleport vector. */
function textRank(similarity: number[][], candidates: Candidate[]): number[] {
  const n = candidates.length;
  const teleportRaw = candidates.map((candidate) => 1 - LEAD_BIAS + LEAD_BIAS / Math.sqrt(candidate.position + 1));
  const teleportSum = teleportRaw.reduce((sum, value) => sum + value, 0);
  const teleport = teleportRaw.map((value) => value / teleportSum);
  const outWeight = similarity.map((row) => row.reduce((sum, value) => sum + value, 0));
  let rank = new Array<number>(n).fill(1 / n);
  for (let round = 0; round < ITERATIONS; round += 1) {
    const next = teleport.map((value) => (1 - DAMPING) * value);
    let dangling = 0;
    for (let j = 0; j < n; j += 1) {
      const weight = outWeight[j] ?? 0;
      const mass = rank[j] ?? 0;
      if (weight === 0) {
        dangling += mass;
        continue;
      }
      const row = similarity[j] as number[];
      for (let i = 0; i < n; i += 1) {
        const edge = row[i] ?? 0;
        if (edge > 0) next[i] = (next[i] ?? 0) + (DAMPING * mass * edge) / weight;
      }
    }
    // A sentence sharing no word with the others hands its mass back through the teleport vector.
    rank = next.map((value, i) => value + DAMPING * dangling * (teleport[i] ?? 0));
  }
  return rank;
}

/** Two follow-up questions about the article's most frequent content terms the bullets say least about. */
function offlineQuestions(article: Article, picked: Sentence[], lang: Lang): string[] {
  // Our stop words and stemming know Chinese and English only; key terms of other languages would be noise.
  if (article.lang !== "zh" && article.lang !== "en") return [];
  const frequency = new Map<string, number>();
  for (const term of termsOf(article.text)) {
    if (/\d/.test(term) || [...term].length < 2 || (!/\p{Script=Han}/u.test(term) && term.length < 4)) continue;
    frequency.set(term, (frequency.get(term) ?? 0) + 1);
  }
  const inBullets = new Set(picked.flatMap((sentence) => termsOf(sentence.text)));
  const ranked = [...frequency]
    .filter(([, count]) => count >= 2)
    .sort((a, b) => b[1] - (inBullets.has(b[0]) ? 1 : 0) - (a[1] - (inBullets.has(a[0]) ? 1 : 0)));
  const terms: string[] = [];
  for (const [term] of ranked) {
    if (terms.some((kept) => kept.includes(term) || term.includes(kept))) continue;
    // termsOf lower-cases and stems: show the term as the article writes it (skip parts of words like e-tron).
    const shown = surfaceForm(article.text, term);
    if (shown) terms.push(shown);
    if (terms.length === QUESTION_TEMPLATES[lang].length) break;
  }
  if (terms.length < 2) return [];
  return terms.map((term, index) => (QUESTION_TEMPLATES[lang][index] as string).replace("{term}", term));
}

function surfaceForm(text: string, term: string): string | undefined {
  if (/\p{Script=Han}/u.test(term)) return term;
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}'’-])${escaped}\\p{Script=Latin}*(?![\\p{N}'’-]\\p{L})`, "iu").exec(text)?.[0];
}
