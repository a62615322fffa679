import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { countTokens } from "../../src/llm/tokens.js";

const AS_TEXT = { disallowedSpecial: new Set<string>() };

describe("countTokens", () => {
  it("counts special-token strings in article text as the ordinary text they are", () => {
    const text = "The page quotes <|endoftext|>, <|im_start|>system and <|fim_prefix|> as examples.";
    expect(countTokens(text)).toBe(encode(text, AS_TEXT).length);
    // Ordinary text: more than one token each, never the single special token id.
    expect(countTokens("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("counts ordinary prose exactly like the tokenizer", () => {
    const prose = "River levels in the north rose sharply this spring, and researchers logged twelve weeks. ".repeat(
      40,
    );
    expect(countTokens(prose)).toBe(encode(prose).length);
  });

  it("counts a long unbroken run in slices: never fewer tokens than the whole, only a few per cent more", () => {
    const run = `start ${"abcdefghij".repeat(300)} end`;
    const exact = encode(run).length;
    expect(countTokens(run)).toBeGreaterThanOrEqual(exact);
    expect(countTokens(run)).toBeLessThanOrEqual(Math.ceil(exact * 1.05));
  });

  it("counts a 200 KB single token without throwing, linear in its length", () => {
    const count = countTokens("a".repeat(200_000));
    expect(count).toBeGreaterThan(20_000);
    expect(count).toBeLessThan(30_000);
  });

  it("never cuts a surrogate pair", () => {
    const emoji = "😀".repeat(1000);
    expect(countTokens(emoji)).toBeGreaterThanOrEqual(encode(emoji).length);
  });
});
