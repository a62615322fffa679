import { describe, expect, it } from "vitest";
import { ErrorCode, JianbaoError } from "../../src/errors.js";
import { describeError } from "../../src/i18n/errors.js";
import { CATALOGS, inEachLang, interpolate, t } from "../../src/i18n/index.js";

/** Placeholder names a text uses: `{name}` and the selector of `{name, plural, …}`. */
const placeholders = (text: string) => new Set([...text.matchAll(/\{(\w+)(?=[},])/g)].map((match) => match[1]));

describe("the message catalog", () => {
  it("has every English key in every language, and no other keys, each a non-empty text", () => {
    const keys = Object.keys(CATALOGS.en.messages).sort();
    expect(keys.length).toBeGreaterThan(100);
    for (const [lang, catalog] of Object.entries(CATALOGS)) {
      expect(Object.keys(catalog.messages).sort(), lang).toEqual(keys);
      for (const [key, text] of Object.entries(catalog.messages)) expect(text.trim(), `${lang}.${key}`).not.toBe("");
    }
  });

  it("uses in each translation only placeholders the English text fills", () => {
    const english = CATALOGS.en.messages;
    for (const [lang, catalog] of Object.entries(CATALOGS)) {
      for (const [key, text] of Object.entries(catalog.messages)) {
        const known = placeholders(english[key as keyof typeof english]);
        for (const name of placeholders(text)) expect(known.has(name), `${lang}.${key} uses {${name}}`).toBe(true);
      }
    }
  });

  it("fills placeholders and leaves unknown ones as written", () => {
    expect(t("en", "readingFile", { name: "notes.txt" })).toBe("Reading the file notes.txt…");
    expect(t("zh", "readingFile", { name: "notes.txt" })).toBe("正在阅读文件 notes.txt…");
    expect(interpolate("{a} and {b}", { a: 1 }, "en")).toBe("1 and {b}");
    expect(interpolate("no braces", {}, "en")).toBe("no braces");
  });

  it("picks plural forms by Intl.PluralRules, with exact matches first and # as the number", () => {
    const template = "{n, plural, =0 {no links} one {# link} other {# links}} in {where}";
    expect(interpolate(template, { n: 0, where: "it" }, "en")).toBe("no links in it");
    expect(interpolate(template, { n: 1, where: "it" }, "en")).toBe("1 link in it");
    expect(interpolate(template, { n: 7, where: "it" }, "en")).toBe("7 links in it");
    // Russian has a "few" category: the rules are the language's, not English's.
    const russian = "{n, plural, one {# файл} few {# файла} many {# файлов} other {# файла}}";
    expect(interpolate(russian, { n: 3 }, "ru")).toBe("3 файла");
    expect(interpolate(russian, { n: 5 }, "ru")).toBe("5 файлов");
  });

  it("says '1 record' and '3 records' after /forget, and counts digest articles and sources", () => {
    expect(t("en", "forgotten", { count: 1 })).toContain("(1 record)");
    expect(t("en", "forgotten", { count: 3 })).toContain("(3 records)");
    expect(t("zh", "forgotten", { count: 1 })).toContain("（共 1 条）");
    expect(t("en", "digestCount", { items: 1, sources: 1 })).toBe("1 new article from 1 source");
    expect(t("en", "digestCount", { items: 4, sources: 2 })).toBe("4 new articles from 2 sources");
    expect(t("zh", "digestCount", { items: 4, sources: 2 })).toBe("2 个来源的 4 篇新文章");
  });

  it("gives a command description in each language", () => {
    expect(inEachLang("cmdHelp")).toEqual({ en: "How to use the bot", zh: "用法说明" });
  });

  it("describes a busy queue and an oversized PDF in the person's language", () => {
    const busy = new JianbaoError(ErrorCode.Busy, "queue full");
    expect(describeError("en", busy)).toBe(
      "I have too much to read right now. Please send it again in a little while.",
    );
    expect(describeError("en", new Error("busy"))).toBe(
      "Sorry, something went wrong on my side. Please try again in a moment.",
    );
    const pages = new JianbaoError(ErrorCode.PdfTooLarge, "too many pages", { details: { pages: 400, maxPages: 300 } });
    expect(describeError("en", pages)).toContain("too big (400 pages); I read PDFs up to 300 pages");
    expect(describeError("zh", pages)).toContain("太大了（400 页），我最多读 300 页");
  });
});
