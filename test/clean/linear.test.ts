/**
 * What keeps the cleaner linear in the page, as behaviour (the figures are `npm run bench:scale`): the depth
 * cap of the parser, rejoining wrapped lines only across `<br>`, and the patterns rewritten to be linear
 * still finding what they found before.
 */
import type { AnyNode } from "domhandler";
import { describe, expect, it } from "vitest";
import { isJianbaoError } from "../../src/errors.js";
import { trimChars } from "../../src/pipeline/clean/article.js";
import { cleanHtml } from "../../src/pipeline/clean/html.js";
import { LineJoiner, reflowFixedWidth } from "../../src/pipeline/clean/lines.js";
import { cleanPastedText } from "../../src/pipeline/clean/text.js";
import { PARSE_TUNABLES, parseHtml } from "../../src/text/parse-html.js";

function maxDepth(node: AnyNode, depth = 0): number {
  let deepest = depth;
  const stack: [AnyNode, number][] = [[node, depth]];
  while (stack.length) {
    const [next, level] = stack.pop()!;
    deepest = Math.max(deepest, level);
    if ("children" in next) for (const child of next.children) stack.push([child, level + 1]);
  }
  return deepest;
}

const textOf = (node: AnyNode): string =>
  node.type === "text"
    ? (node as unknown as { data: string }).data
    : "children" in node
      ? node.children.map(textOf).join("")
      : "";

/** Lines of 30 Han characters, as 2005-era pages wrapped their text with `<br>`. */
const wrappedChinese = (): { paragraph: string; lines: string[] } => {
  const sentence =
    "北方河流的水位今年春天明显上升，研究人员在三个观测站记录了连续十二周的数据，并认为融雪提前是主要原因。";
  const paragraph = sentence.repeat(6);
  return { paragraph, lines: [...paragraph.matchAll(/.{1,30}/gu)].map((m) => m[0]) };
};

describe("parseHtml: nesting capped as browsers do", () => {
  it("never nests deeper than the cap, however deep the markup", () => {
    const doc = parseHtml(`<html><body>${"<div>".repeat(20_000)}deep${"</div>".repeat(20_000)}</body></html>`);
    // The document node, then at most maxDepth elements, then a text node.
    expect(maxDepth(doc)).toBeLessThanOrEqual(PARSE_TUNABLES.maxDepth + 1);
    expect(textOf(doc)).toBe("deep");
  });

  it("keeps the text of elements past the cap, in order", () => {
    const doc = parseHtml(`${"<section>".repeat(30)}<p>one</p><div><p>two</p><br>three</div><p>four</p>`, 20);
    expect(maxDepth(doc)).toBeLessThanOrEqual(21);
    expect(textOf(doc)).toBe("onetwothreefour");
  });

  it("parses an ordinary page exactly as deep as written", () => {
    const doc = parseHtml("<html><body><main><article><p>text <b>bold</b></p></article></main></body></html>");
    // document › html › body › main › article › p › b › text
    expect(maxDepth(doc)).toBe(7);
  });
});

describe("hard-wrapped lines: rejoined across <br> only", () => {
  it("rejoins Chinese text wrapped with <br> at a fixed width into one paragraph", () => {
    const { paragraph, lines } = wrappedChinese();
    const html = `<html><head><title>水位</title></head><body><div class="content">${lines.join("<br>\n")}<br><br>下一段很短。</div></body></html>`;
    expect(cleanHtml({ html }).paragraphs[0]).toBe(paragraph);
  });

  it("leaves lines of one width alone when each is its own <p>", () => {
    // 45 Han characters each: long enough to be paragraphs, all of one width as wrapped lines would be.
    const { paragraph } = wrappedChinese();
    const lines = [...paragraph.matchAll(/.{45}/gu)].map((m) => m[0]);
    const html = `<html><head><title>水位</title></head><body><article>${lines.map((line) => `<p>${line}</p>`).join("")}</article></body></html>`;
    expect(cleanHtml({ html }).paragraphs).toEqual(lines);
  });

  it("does not rejoin across a blank line (<br><br>)", () => {
    const { lines } = wrappedChinese();
    const half = 5;
    const soft = lines.map(() => true);
    soft[half - 1] = false;
    expect(reflowFixedWidth(lines, soft)).toEqual([lines.slice(0, half).join(""), lines.slice(half).join("")]);
  });

  it("joins wrapped English with a space, and with nothing after a hyphen", () => {
    const joiner = new LineJoiner();
    joiner.start("The council voted to re-");
    joiner.continueWith("build the sea wall");
    joiner.continueWith("on Tuesday.");
    expect(joiner.finish()).toEqual(["The council voted to re-build the sea wall on Tuesday."]);
  });
});

describe("patterns that see user text, rewritten to be linear", () => {
  it("trims characters from both ends or only the end", () => {
    expect(trimChars(" -|Title|- ", /[\s|-]/u)).toBe("Title");
    expect(trimChars("光明网，；  ", /[,，;；\s]/u, "end")).toBe("光明网");
    expect(trimChars(`${" ".repeat(100_000)}x${" ".repeat(100_000)}`, /\s/u)).toBe("x");
  });

  it("still splits a site name off a title with much white space around the separator", () => {
    const html = `<html><head><title>Sea wall to be rebuilt after storms${" ".repeat(40)}|${" ".repeat(40)}North Daily</title></head><body><article><h1>Sea wall to be rebuilt after storms</h1><p>${"The council voted on Tuesday to rebuild the sea wall, which engineers said had largely washed out. ".repeat(8)}</p></article></body></html>`;
    expect(cleanHtml({ html }).title).toBe("Sea wall to be rebuilt after storms");
  });

  it("cleans a paste that is one unbroken token of a megabyte to an article or a typed refusal", () => {
    for (const token of [
      "a".repeat(1_000_000),
      `${"x".repeat(500_000)}@${"y".repeat(500_000)}`,
      "中".repeat(500_000),
    ]) {
      let outcome: string;
      try {
        outcome = `article of ${cleanPastedText({ text: `A headline for the test\n\n${token}` }).paragraphs.length}`;
      } catch (error) {
        outcome = isJianbaoError(error) ? error.code : `untyped ${String(error)}`;
      }
      expect(outcome).toMatch(/^(?:article of \d+|NOT_AN_ARTICLE)$/);
    }
  });

  it("still drops an e-mail line from a pasted page", () => {
    const prose =
      "The council voted on Tuesday to rebuild the sea wall, which engineers said had largely washed out after the storms of last winter.";
    const text = [
      "Sea wall to be rebuilt",
      prose,
      prose.replace("Tuesday", "Monday"),
      "Contact: newsdesk@northdaily.example",
      prose.replace("council", "board"),
    ].join("\n\n");
    const article = cleanPastedText({ text });
    expect(article.paragraphs.join("\n")).not.toContain("newsdesk@");
    expect(article.paragraphs).toHaveLength(3);
  });
});
