/**
 * Tidying what goes to and comes back from the model: datelines, invisible characters, thinking blocks.
 * Sentences, terms and truncation are in src/text/. Pure functions, no I/O.
 */

// ── Tunables and patterns ─────────────────────────────────────────────────────────────────────────
/** Control, zero-width, bidi-override characters and BOMs (tab and newline kept): never wanted in a chat message, sometimes used to confuse. */
const INVISIBLE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Reasoning models (DeepSeek-R1, Qwen3 via Ollama) put their thinking inside the content; unclosed when cut off. */
const THINKING = /<think>[\s\S]*?(<\/think>|$)/gi;

/** News-agency datelines that open a lead sentence: `LONDON (Reuters) -`, `WASHINGTON —`, `新华社北京3月26日电`. */
const DATELINES = [
  /^[\p{Lu}][\p{L} .,'’/-]{0,40}?\s*\((?:Reuters|AP|AFP|Bloomberg|CNN|BBC|UPI|dpa|Xinhua|CNBC)\)\s*[-—–:]+\s*/u,
  /^\((?:Reuters|AP|AFP|Bloomberg|CNN|BBC|UPI|dpa|Xinhua|CNBC)\)\s*[-—–:]+\s*/u,
  /^\p{Lu}[\p{Lu} .,'’-]{2,30}\s+[—–-]{1,2}\s+(?=\p{Lu})/u,
  /^(?:新华社|中新社|中新网|人民网|光明网|央视网|[\p{Script=Han}]{2,6}(?:社|网|报))[\p{Script=Han}\d月日]{0,12}(?:电|讯)\s*(?:[(（]记者[^)）]{0,20}[)）])?\s*/u,
];

/** Drops a news-agency dateline from the start of a sentence; the rest is still a substring of the article. */
export function stripDateline(sentence: string): string {
  for (const pattern of DATELINES) {
    const match = pattern.exec(sentence);
    // Keep the sentence when the "dateline" would be most of it.
    if (match && sentence.length - match[0].length >= 20) return sentence.slice(match[0].length);
  }
  return sentence;
}

/** Removes control, zero-width and bidi-override characters; keeps newlines and tabs. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE_CHARS, "");
}

/** A model's answer without the `<think>…</think>` block a reasoning model may put before it. */
export function stripThinking(answer: string): string {
  return answer.replace(THINKING, "");
}
