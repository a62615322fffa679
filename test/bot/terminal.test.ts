import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { languageFromLocale } from "../../src/terminal.js";
import { startSite } from "../fakes/site.js";
import { articleHtml } from "./harness.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const PASTED = readFileSync(new URL("../fixtures/pages/pasted-gmw-2020-03-26/source.txt", import.meta.url), "utf8");

/** Runs `npx tsx src/main.ts` with no token and no model, feeding `input` on stdin. */
function runTerminal(
  input: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const clean: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(clean)) {
    if (/^(TELEGRAM_|OPENAI_|STORE_URL|LOG_LEVEL|LC_|LANG)/.test(name)) delete clean[name];
  }
  const child = spawn("npx", ["tsx", "src/main.ts"], { cwd: ROOT, env: { ...clean, ...env }, stdio: "pipe" });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

describe("terminal chat (npm start without a token)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("summarizes the pasted page, answers /help and /lang through the same bot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jianbao-term-"));
    dirs.push(dir);
    const { code, out, err } = await runTerminal(`> 谁说的？\n${PASTED}\n/help\n/lang en\n/help\n`, {
      DATA_DIR: join(dir, "data"),
      LANG: "zh_CN.UTF-8",
      PASTE_JOIN_MS: "300",
    });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain("To run on Telegram: get a token from @BotFather");
    // "> question" before any summary: told there is nothing to ask about yet.
    expect(out).toContain("简报 › 还没有可以提问的文章。先发一个链接或一段文字吧。");
    expect(out).toContain("简报 › 正在阅读你粘贴的文字…");
    expect(out).toContain("中国已同100多个国家和国际组织举行视频会议 提供防疫“中国方案”");
    expect(out).toMatch(/• 一是同100多个国家和国际组织举行新冠肺炎疫情防控专家视频会议/);
    expect(out).toContain("📴 离线摘要");
    // Offline: no language switch (it would bring back the same summary), just how to ask.
    expect(out).toMatch(/\[\/1\] 💬 如何提问/);
    expect(out).not.toContain("] English");
    expect(out).toContain("简报 › 用法：");
    expect(out).toContain("Done: summaries will be in English from now on.");
    expect(out).toContain("简报 › How to use me:");
    // The summary came before /help's answer: each message is finished before the next.
    expect(out.indexOf("📴 离线摘要")).toBeLessThan(out.indexOf("简报 › 用法："));
    // SQLite in DATA_DIR.
    expect(readFileSync(join(dir, "data", "jianbao.sqlite")).length).toBeGreaterThan(0);
  });

  it("piped: a '.' line ends the page, so the next line is a question of its own; Chinese page → Chinese replies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jianbao-term-"));
    dirs.push(dir);
    // The fixture has no final newline; the page ends at the "." line, not at the first pause.
    const input = `${PASTED}\n.\n罗照辉说了什么？\n.\n${join(dir, "missing.html")}\n\x0c/help\n`;
    const { code, out, err } = await runTerminal(input, { DATA_DIR: join(dir, "data"), LANG: "C.UTF-8" });
    expect(err).toBe("");
    expect(code).toBe(0);
    // No language in the locale: the bot follows the Chinese the person pasted.
    expect(out).toContain("简报 › 正在阅读你粘贴的文字…");
    expect(out).toContain("2 分钟读完");
    expect(out.match(/正在阅读你粘贴的文字/g)).toHaveLength(1);
    expect(out).toContain("简报 › 正在文章里找答案…");
    expect(out).toContain("原文摘录");
    expect(out).toContain("罗照辉在会上表示");
    expect(out).toContain(`（没有这个文件：${join(dir, "missing.html")}）`);
    // A stray Ctrl-L before a command does not hide it; /help adds the terminal's own tips.
    expect(out).toContain("简报 › 用法：");
    expect(out).toContain("单独一行“.”立即结束正在粘贴的网页");
  });

  it("takes a link typed with Chinese punctuation after it as the link alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jianbao-term-"));
    dirs.push(dir);
    const site = await startSite({ "/river": { body: articleHtml({ title: "River link in the terminal" }) } });
    try {
      const { code, out } = await runTerminal(`看看这个 ${site.url}/river。\n`, {
        DATA_DIR: join(dir, "data"),
        LANG: "zh_CN.UTF-8",
        FETCH_ALLOW_PRIVATE: "1",
      });
      expect(code).toBe(0);
      expect(out).toContain("River link in the terminal");
      expect(site.hits("/river")).toBe(1);
    } finally {
      await site.close();
    }
  });

  it("takes a C or POSIX locale as no language, and LANG=zh_CN.UTF-8 as zh-CN", () => {
    expect(languageFromLocale("C.UTF-8")).toBeUndefined();
    expect(languageFromLocale("POSIX")).toBeUndefined();
    expect(languageFromLocale(undefined)).toBeUndefined();
    expect(languageFromLocale("zh_CN.UTF-8")).toBe("zh-CN");
    expect(languageFromLocale("en_GB.UTF-8@euro")).toBe("en-GB");
  });

  it("reads a file path as an upload (spaces escaped as a terminal's drag-and-drop does) and presses a button by number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jianbao-term-"));
    dirs.push(dir);
    const file = join(dir, "river page.html");
    writeFileSync(file, articleHtml({ title: "River file in the terminal" }));
    const dropped = file.replaceAll(" ", "\\ ");
    const { code, out } = await runTerminal(`${dropped}\n/1\n`, { DATA_DIR: join(dir, "data"), LANG: "en_US.UTF-8" });
    expect(code).toBe(0);
    expect(out).toContain("简报 › Reading the file river page.html…");
    expect(out).toContain("River file in the terminal");
    expect(out).toContain("ℹ️  Reply to this message to ask about the article.");
  });

  it("reads a .pdf path as an upload", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jianbao-term-"));
    dirs.push(dir);
    const file = join(dir, "advice.pdf");
    writeFileSync(file, readFileSync(new URL("../fixtures/pdf/zh-one-column.pdf", import.meta.url)));
    const { code, out } = await runTerminal(`${file}\n`, { DATA_DIR: join(dir, "data"), LANG: "zh_CN.UTF-8" });
    expect(code).toBe(0);
    expect(out).toContain("advice.pdf");
    expect(out).toContain("给计算机系学生的建议");
    // A child process that loads pdfjs: slower than the HTML cases on a busy machine.
  }, 90_000);
});
