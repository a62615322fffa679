/**
 * The one tokenizer: words of Chinese and English text through `Intl.Segmenter`, with one stop-word
 * list per language and one light English stemmer. The offline summarizer's terms (`contentTerms`) and
 * the question answerer's search terms (`searchTerms`) are two shapes built on the same tokens.
 */

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;

/**
 * Words that say nothing about the topic or about which paragraph answers a question; they also break
 * Han bigram runs. Short on purpose: IDF handles the rest. Merged from the summarizer's and the
 * answerer's lists (v0.1). Chinese keeps out single-character prepositions and verbs (上 中 下 对 在 把
 * 从 被 有 为…): the segmenter often emits them alone inside real words ("上|传|到" for 上传到), and
 * dropping them would lose the bigram that matches, so the answerer's choice wins.
 */
export const STOP_WORDS = {
  en: new Set(
    (
      "a an the and or but if of to in on at by for with from as into about than then so that this these those " +
      "is are was were be been being do does did done have has had having it its it's he she they them their his her " +
      "we you your our i me my what which who whom whose when where why how whether there here not no yes can could " +
      "would should will shall may might must also just more most some any all each other others such only own same " +
      "very over after before said says say tell mention mentioned mentions according please article text author " +
      "one two new next last first year years week weeks month months day days time times many much even well still " +
      "back make made get got take took going like " +
      // Words of questions about the article itself ("What else does it say about X?", "What details…").
      "else detail details give gives given information info regarding"
    ).split(" "),
  ),
  zh: new Set(
    (
      "的 了 是 和 与 及 或 也 就 都 而 着 这 那 这个 那个 这些 那些 个 " +
      "吗 呢 吧 啊 么 什么 哪 哪些 哪个 哪里 哪儿 谁 多少 几 几个 怎么 怎样 怎么样 如何 为什么 为何 是否 有没有 是不是 " +
      "请问 请 一下 告诉 我 你 他 她 它 我们 你们 他们 她们 一个 没有 就是 因为 所以 如果 可以 表示 认为 进行 目前 已经 " +
      "文章 文中 本文 提到 提及 说 讲 说了 讲了 " +
      // Words of questions about the article itself ("关于X，文章还说了什么？", "有哪些细节？").
      "关于 有关 还 还有 还说 还讲 还提到 其他 其它 更多 细节 具体 详细 内容 情况 信息"
    ).split(" "),
  ),
} as const;

/** One word of a text: Han as written, English lower-cased and stemmed. */
export interface Token {
  readonly text: string;
  readonly han: boolean;
}

const wordSegmenter = new Intl.Segmenter("zh", { granularity: "word" });

/**
 * The words of `text` in order, stop words dropped. `undefined` marks a break (punctuation, space, a
 * stop word): Han bigrams must not be formed across it.
 */
export function tokenize(text: string): (Token | undefined)[] {
  const out: (Token | undefined)[] = [];
  for (const { segment, isWordLike } of wordSegmenter.segment(text.normalize("NFKC"))) {
    if (!isWordLike) {
      out.push(undefined);
      continue;
    }
    if (HAN.test(segment)) {
      out.push(isChineseStopWord(segment) ? undefined : { text: segment, han: true });
      continue;
    }
    // "what's", "it's": the contraction is the stop word it starts with.
    const word = segment.toLowerCase().replace(/['’]s$/, "");
    if (STOP_WORDS.en.has(word) || !/[\p{L}\p{N}]/u.test(word)) {
      out.push(undefined);
      continue;
    }
    out.push({ text: /^\p{N}+$/u.test(word) ? word : stem(word), han: false });
  }
  return out;
}

/** A stop word, or a word the segmenter glued together from stop characters (谁是, 还是, 他说). */
function isChineseStopWord(segment: string): boolean {
  return STOP_WORDS.zh.has(segment) || [...segment].every((char) => STOP_WORDS.zh.has(char));
}

/**
 * Light English stemming: enough that "vaccines"/"vaccine", "received"/"receive" and
 * "rates"/"rate" meet. Not a real stemmer; the same cut on both sides is all matching needs.
 */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  let stemmed = word.replace(/['’]s$/, "");
  if (stemmed.endsWith("ies") && stemmed.length > 4) stemmed = `${stemmed.slice(0, -3)}y`;
  else if (stemmed.endsWith("sses")) stemmed = stemmed.slice(0, -2);
  else if (stemmed.endsWith("ing") && stemmed.length > 5) stemmed = stemmed.slice(0, -3);
  else if (stemmed.endsWith("ed") && stemmed.length > 4) stemmed = stemmed.slice(0, -2);
  else if (/(ch|sh|x|z)es$/.test(stemmed)) stemmed = stemmed.slice(0, -2);
  else if (stemmed.endsWith("s") && !/(ss|us|is)$/.test(stemmed)) stemmed = stemmed.slice(0, -1);
  if (stemmed.endsWith("e") && stemmed.length > 4) stemmed = stemmed.slice(0, -1);
  return stemmed;
}

/**
 * Content terms of a text for ranking sentences against each other: words, and for runs of single Han
 * characters (words the segmenter's dictionary missed, e.g. 疫|情) their bigrams. One-letter English
 * words are dropped.
 */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  let singles: string[] = [];
  const flushSingles = () => {
    for (let i = 0; i + 1 < singles.length; i += 1) terms.push(`${singles[i]}${singles[i + 1]}`);
    singles = [];
  };
  for (const token of tokenize(text)) {
    if (token?.han && [...token.text].length === 1) {
      // One Han character alone says little; pairs of them usually are the word the dictionary missed.
      singles.push(token.text);
      continue;
    }
    flushSingles();
    if (!token || (!token.han && token.text.length < 2 && !/\d/.test(token.text))) continue;
    terms.push(token.text);
  }
  flushSingles();
  return terms;
}

/**
 * Search terms of a text (BM25): `w:` words and `b:` bigrams of every Han run, so names the segmenter
 * splits into single characters still match. Stop words break runs: a question's "是什么" adds no bigrams.
 */
export function searchTerms(text: string): string[] {
  const out: string[] = [];
  let hanRun = "";
  const flushBigrams = () => {
    for (const run of hanRun.match(HAN_RUN) ?? []) {
      for (let i = 0; i + 1 < run.length; i++) out.push(`b:${run.slice(i, i + 2)}`);
    }
    hanRun = "";
  };
  for (const token of tokenize(text)) {
    if (token?.han) {
      hanRun += token.text;
      // Single characters are too common to rank on; their bigrams carry them.
      if ([...token.text].length > 1) out.push(`w:${token.text}`);
      continue;
    }
    flushBigrams();
    if (token) out.push(`w:${token.text}`);
  }
  flushBigrams();
  return out;
}
