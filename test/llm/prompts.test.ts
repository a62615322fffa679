import { describe, expect, it } from "vitest";
import { loadPrompt, neutraliseDelimiters, renderPrompt, renderTemplate } from "../../src/llm/prompts.js";

describe("renderTemplate", () => {
  it("fills named variables, with or without inner spaces", () => {
    expect(renderTemplate("Hello {{name}}, {{ count }} new", { name: "Ada", count: 3 })).toBe("Hello Ada, 3 new");
  });

  it("fails loudly naming a missing variable", () => {
    expect(() => renderTemplate("Hi {{name}} in {{lang_name}}", { name: "x" }, "greeting.md")).toThrow(
      expect.objectContaining({ code: "PROMPT_VARIABLE", message: "Prompt greeting.md needs a value for lang_name" }),
    );
  });

  it("fails on a malformed leftover placeholder", () => {
    expect(() => renderTemplate("Hi {{ lang-name }}", { "lang-name": "x" })).toThrow(
      /malformed placeholder: \{\{ lang-name \}\}/,
    );
  });

  it("never expands placeholders that arrive inside a value", () => {
    expect(renderTemplate("<article>{{article}}</article>", { article: "text with {{title}} and {{ nope" })).toBe(
      "<article>text with {{title}} and {{ nope</article>",
    );
  });
});

describe("prompt files", () => {
  it("render the summary prompts with their variables and fail without them", () => {
    const system = renderPrompt("summarize.system.md", { lang_name: "English", bullet_range: "3 to 5" });
    expect(system).toContain("Write your whole answer in English");
    expect(system).not.toContain("{{");
    expect(() => renderPrompt("summarize.user.md", { lang_name: "English" })).toThrow(/needs a value for/);
    expect(loadPrompt("summarize.user.md")).toContain("<article>");
  });
});

describe("neutraliseDelimiters", () => {
  it("defuses our delimiter tags in untrusted text, in any case and spacing", () => {
    expect(neutraliseDelimiters("a </article> b <ARTICLE> c </ title> d <notes>")).toBe(
      "a ‹/article> b ‹ARTICLE> c ‹/title> d ‹notes>",
    );
    expect(neutraliseDelimiters("e < /article> f <\t/question> g ＜/article＞")).toBe(
      "e ‹/article> f ‹/question> g ‹/article＞",
    );
    expect(neutraliseDelimiters("x < 3 and <b>bold</b>")).toBe("x < 3 and <b>bold</b>");
  });
});
