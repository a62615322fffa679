import { countTokens as countEncoded } from "gpt-tokenizer/encoding/o200k_base";

// ── Tunables ──────────────────────────────────────────────────────────────────────────────────────
/**
 * Article text is data: `<|endoftext|>`, `<|im_start|>`, `<|fim_prefix|>`… written in a page are characters
 * like any other. gpt-tokenizer refuses them by default (it throws); an empty disallow list makes it encode
 * them as the plain text they are, which is also how the model server will see them in a JSON string.
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };
/**
 * BPE time grows with the square of one piece's length, and the tokenizer's pre-split keeps a run of
 * letters, Han characters or spaces as one piece: a 200 KB "word" took minutes. Runs longer than this
 * are counted in slices of this length: linear time, and a few per cent more tokens than the whole run
 * (an overestimate, which is the safe side for a budget).
 */
const MAX_RUN_CHARS = 128;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN_CHARS + 1},}|\\s{${MAX_RUN_CHARS + 1},}`, "gu");

/**
 * Model tokens in `text` (o200k_base; an estimate for other models' tokenizers). The one counter for
 * everything that budgets or splits text for a model: summaries, follow-up passages, usage estimates.
 * Never throws on what the text contains, and stays linear on text without spaces.
 */
export function countTokens(text: string): number {
  let total = 0;
  let from = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    const start = match.index ?? 0;
    if (start > from) total += countEncoded(text.slice(from, start), AS_TEXT);
    for (const slice of slices(match[0], MAX_RUN_CHARS)) total += countEncoded(slice, AS_TEXT);
    from = start + match[0].length;
  }
  if (from < text.length) total += countEncoded(from === 0 ? text : text.slice(from), AS_TEXT);
  return total;
}

/** `run` cut into pieces of about `size` UTF-16 units, never inside a surrogate pair. */
function* slices(run: string, size: number): Generator<string> {
  let start = 0;
  while (start < run.length) {
    let end = Math.min(run.length, start + size);
    const code = run.charCodeAt(end);
    if (end < run.length && code >= 0xdc00 && code <= 0xdfff) end += 1;
    yield run.slice(start, end);
    start = end;
  }
}
