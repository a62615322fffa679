import { describe, expect, it } from "vitest";
import { composeDigest, type DigestEntry } from "../../src/digest/compose.js";
import { parseTelegramHtml } from "../fakes/telegram.js";

const entry = (index: number, overrides: Partial<DigestEntry> = {}): DigestEntry => ({
  feedTitle: index % 2 === 0 ? "Even <Times>" : "Odd & Co",
  title: `Story ${index}`,
  link: `https://news.example/${index}`,
  bullets: [
    `First point of story ${index}.`,
    `Second point of story ${index}.`,
    "A third point the digest leaves out.",
  ],
  articleId: index.toString(16).padStart(24, "0"),
  published: new Date(Date.UTC(2026, 2, 10, 0, index)).toISOString(),
  ...overrides,
});

describe("composeDigest", () => {
  it("dates the header in the person's language, groups by source, links titles, two bullets each, escaped", () => {
    const [part] = composeDigest({
      lang: "zh",
      localDate: "2026-03-10",
      entries: [entry(1), entry(2), entry(3)],
      maxItems: 10,
      sendEmpty: false,
    });
    expect(part?.text).toContain("2026年3月10日星期二");
    expect(part?.text).toContain("<b>Odd &amp; Co</b>");
    expect(part?.text).toContain("<b>Even &lt;Times&gt;</b>");
    expect(part?.text).toContain('<a href="https://news.example/3">Story 3</a>');
    expect(part?.text).toContain("• Second point of story 3.");
    expect(part?.text).not.toContain("third point");
    // Sources stay together: both "Odd" stories before the "Even" one (story 3 is the newest).
    const text = part?.text ?? "";
    expect(text.indexOf("Story 3")).toBeLessThan(text.indexOf("Story 1"));
    expect(text.indexOf("Story 1")).toBeLessThan(text.indexOf("Story 2"));
    expect(() => parseTelegramHtml(text)).not.toThrow();
  });

  it("keeps the newest N and says how many more there were", () => {
    const parts = composeDigest({
      lang: "en",
      localDate: "2026-03-10",
      entries: Array.from({ length: 12 }, (_, index) => entry(index)),
      maxItems: 5,
      sendEmpty: false,
    });
    const text = parts.map((part) => part.text).join("\n");
    expect(text).toContain("Story 11");
    expect(text).not.toContain("Story 6<");
    expect(text).toContain("…and 7 more");
    expect(parts.flatMap((part) => part.buttons)).toHaveLength(5);
  });

  it("splits long digests between articles, each part within 4096 characters, with short callback data", () => {
    const long = Array.from({ length: 40 }, (_, index) =>
      entry(index, { bullets: [`${"A long bullet with <markup> & detail. ".repeat(6)}${index}`, "Short."] }),
    );
    const parts = composeDigest({ lang: "en", localDate: "2026-03-10", entries: long, maxItems: 40, sendEmpty: false });
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(4096);
      expect(() => parseTelegramHtml(part.text)).not.toThrow();
      // Every article in a part has its buttons in that part.
      expect(part.buttons.length).toBe((part.text.match(/<a href=/g) ?? []).length);
      for (const button of part.buttons.flat()) expect(Buffer.byteLength(button.data)).toBeLessThanOrEqual(64);
    }
    const all = parts.map((part) => part.text).join("\n");
    for (let index = 0; index < 40; index += 1) expect(all).toContain(`https://news.example/${index}"`);
  });

  it("marks a part '(continued)' only when its source's heading was in an earlier part", () => {
    const entries = Array.from({ length: 12 }, (_, index) => entry(index, { feedTitle: `Source ${index % 4}` }));
    const parts = composeDigest({
      lang: "en",
      localDate: "2026-03-10",
      entries,
      maxItems: 12,
      sendEmpty: false,
      maxChars: 420,
    });
    expect(parts.length).toBeGreaterThan(3);
    let seen = parts[0]?.text ?? "";
    let fresh = 0;
    for (const part of parts.slice(1)) {
      const [, source, continued] = /^<b>(Source \d)<\/b>( \(continued\))?\n/.exec(part.text) ?? [];
      expect(source).toBeDefined();
      const shownBefore = seen.includes(`<b>${source}</b>`);
      expect(continued !== undefined).toBe(shownBefore);
      if (!shownBefore) fresh += 1;
      seen += part.text;
    }
    expect(fresh).toBeGreaterThan(0);
  });

  it("nothing new: a short line for loud people, nothing for quiet ones", () => {
    expect(composeDigest({ lang: "en", localDate: "2026-03-10", entries: [], maxItems: 10, sendEmpty: false })).toEqual(
      [],
    );
    const [line] = composeDigest({ lang: "en", localDate: "2026-03-10", entries: [], maxItems: 10, sendEmpty: true });
    expect(line?.text).toContain("Nothing new");
    expect(line?.buttons).toEqual([]);
  });
});
