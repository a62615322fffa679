/**
 * Token counts for budgets: how much article fits in one model request, how many passages go with a follow-up
 * question, the usage shown when the server reports none.
 *
 * Why an estimate rather than a tokenizer: the bot talks to any OpenAI-compatible endpoint (GPT, Qwen,
 * DeepSeek, Llama…), each with its own vocabulary, so an exact count in one of them is an estimate for the
 * others anyway; and the o200k table of gpt-tokenizer costs 65 MB of resident memory in every process, a third
 * of what one replica may use. The estimate below is linear in the text, never throws on what the text
 * contains (`<|endoftext|>` is characters like any other), and is calibrated to land above o200k: on the
 * gold extraction sets (181 pages in the English set, 69 Chinese) it is 1.37× o200k on the English set and
 * 1.24× on the Chinese one, with no English or Chinese page under it (two Indonesian pages in the English set
 * come out at 0.92 and 0.96: other Latin-script languages split finer). test/llm/tokens.test.ts holds it above
 * o200k on every golden fixture. Over-counting only means chunking a little earlier than needed.
 */

// ── Tunables: estimated tokens per piece of text (calibrated against o200k, rounded up) ────────────────────────
/** A Han character, a Hangul syllable: o200k averages about 0.8 a character for Chinese, cl100k about 1.2. */
const TOKENS_PER_HAN = 1;
/** Kana: katakana loanwords split finer than Han. */
const TOKENS_PER_KANA = 1.5;
/** Latin letters per token in an ordinary word: most English words are one token, long ones two or three. */
const LATIN_LETTERS_PER_TOKEN = 5;
/** …and in a word with two capitals in a row (headings in capitals, acronyms), which vocabularies split finer. */
const CAPITALS_PER_TOKEN = 2.5;
/** Letters of other scripts (Cyrillic, Greek, Arabic…) per token. */
const OTHER_LETTERS_PER_TOKEN = 2;
/** Digits per token: vocabularies group numbers by up to three digits. */
const DIGITS_PER_TOKEN = 3;
/** A punctuation mark or symbol is one token (。and ， included); one outside the Basic Multilingual Plane (emoji) two. */
const TOKENS_PER_SYMBOL = 1;
const TOKENS_PER_ASTRAL_SYMBOL = 2;

/**
 * One piece per match: a Han/Hangul character, a kana, a Latin word, a word of another script, a number,
 * a space before a Latin word (merged into the word's token), other whitespace, any other character.
 */
const PIECE =
  /(\p{Script=Han}|\p{Script=Hangul})|(\p{Script=Hiragana}|\p{Script=Katakana})|(\p{Script=Latin}+)|(\p{L}+)|(\p{N}+)|(\s(?=\p{Script=Latin}))|(\s+)|(.)/gsu;
const TWO_CAPITALS = /\p{Lu}{2}/u;

/** Estimated model tokens in `text`: the one counter for everything that budgets or splits text for a model. */
export function countTokens(text: string): number {
  let total = 0;
  for (const [, han, kana, latin, otherLetters, digits, spaceBeforeWord, , symbol] of text.matchAll(PIECE)) {
    if (han) total += TOKENS_PER_HAN;
    else if (kana) total += TOKENS_PER_KANA;
    else if (latin)
      total += Math.ceil(latin.length / (TWO_CAPITALS.test(latin) ? CAPITALS_PER_TOKEN : LATIN_LETTERS_PER_TOKEN));
    else if (otherLetters) total += Math.ceil(otherLetters.length / OTHER_LETTERS_PER_TOKEN);
    else if (digits) total += Math.ceil(digits.length / DIGITS_PER_TOKEN);
    else if (spaceBeforeWord) total += 0;
    else if (symbol) total += symbol.length > 1 ? TOKENS_PER_ASTRAL_SYMBOL : TOKENS_PER_SYMBOL;
    else total += 1; // a run of other whitespace: a newline, an indent
  }
  return Math.ceil(total);
}
