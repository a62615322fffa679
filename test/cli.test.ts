import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { type FakeSite, startSite } from "./fakes/site.js";
import { countingCpu } from "./helpers/cpu.js";

const ROOT = resolve(import.meta.dirname, "..");
const PASTED = resolve(ROOT, "../shared/fixtures/pasted-pages/gmw-2020-03-26.txt");
const PASTED_GOLD = resolve(ROOT, "../shared/fixtures/pasted-pages/gmw-2020-03-26.gold.json");

const EN_PARAGRAPHS = [
  "The rivers of the north run cold and clear through the spring, carrying meltwater from the mountains down to the sea, and the towns along their banks depend on them for water, power and trade.",
  "Engineers have spent a decade studying how the flow changes as the winters grow shorter, and their findings suggest that the peak flow now arrives almost three weeks earlier than it did fifty years ago.",
  "Farmers downstream say the change is already visible in their fields, where irrigation schedules have had to be rewritten and new reservoirs are being planned to store water for the dry late summer months.",
];
const EN_PAGE = `<!doctype html><html lang="en"><head><title>Rivers of the north - Example News</title>
<meta property="og:site_name" content="Example News"><meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2024-05-01T10:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Rivers of the north</h1>${EN_PARAGRAPHS.map((p) => `<p>${p}</p>`).join("\n")}</article>
<footer>Copyright Example News · <a href="/privacy">Privacy</a></footer></body></html>`;

const ZH_PARAGRAPHS = [
  "新华社北京3月26日电 记者从有关部门获悉，今年春耕备耕工作总体进展顺利，各地农资供应充足，价格基本稳定，农民群众生产积极性较高。",
  "据介绍，各地在做好疫情防控的同时，组织农机手跨区作业，保障种子、化肥、农药等农资及时运抵田间地头，确保不误农时。",
  "专家表示，稳住农业基本盘，对于应对各种风险挑战、保持经济社会大局稳定具有重要意义，下一步还要加强田间管理和技术指导。",
];
const ZH_PAGE = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>春耕备耕进展顺利_新闻中心</title></head><body><div class="nav"><a href="/">首页</a> <a href="/news">新闻</a></div>
<div id="content">${ZH_PARAGRAPHS.map((p) => `<p>${p}</p>`).join("\n")}</div>
<div class="footer">版权所有</div></body></html>`;

const LOGIN_PAGE = `<!doctype html><html><head><title>Sign in</title></head><body>
<form><label>Email <input name="email"></label><label>Password <input type="password"></label>
<button>Sign in</button></form><a href="/forgot">Forgot password?</a></body></html>`;

const PDF_FIXTURES = resolve(ROOT, "test/fixtures/pdf");
const PDF_TWO_COLUMNS = readFileSync(join(PDF_FIXTURES, "en-two-columns.pdf"));
const PDF_CASES = JSON.parse(readFileSync(join(PDF_FIXTURES, "cases.json"), "utf8")) as Record<
  string,
  { title: string }
>;

let site: FakeSite;
let dir: string;

beforeAll(async () => {
  site = await startSite({
    "/rivers": { body: EN_PAGE },
    "/short-link": { redirect: "/rivers" },
    "/zh": { body: iconv.encode(ZH_PAGE, "gbk"), type: "text/html", encoding: "gzip" },
    "/login": { body: LOGIN_PAGE },
    "/gone": { status: 404, body: "<h1>Not found</h1>" },
    "/report.pdf": { body: Buffer.from("%PDF-1.7\n"), type: "application/pdf" },
    "/banking.pdf": { body: PDF_TWO_COLUMNS, type: "application/pdf" },
  });
  dir = await mkdtemp(join(tmpdir(), "jianbao-cli-"));
});

afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process (async, so the fake site in this process keeps answering). */
function cli(args: string[], options: { env?: Record<string, string>; stdin?: string | Buffer } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", FETCH_ALLOW_PRIVATE: "1", LOG_LEVEL: "silent", ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("jianbao clean", () => {
  it("prints one JSON line per input, goes on after failures and exits 1", async () => {
    const inputs = [`${site.url}/short-link`, `${site.url}/gone`, `${site.url}/report.pdf`, `${site.url}/zh`];
    const run = await cli(["clean", "--json", ...inputs]);
    expect(run.code).toBe(1);
    const [rivers, gone, pdf, zh] = jsonLines(run.stdout);
    expect(rivers).toEqual({
      input: `${site.url}/short-link`,
      title: "Rivers of the north",
      siteName: "Example News",
      byline: "Jane Roe",
      published: expect.stringMatching(/^2024-05-01T10:00:00/),
      lang: "en",
      url: `${site.url}/rivers`,
      body: EN_PARAGRAPHS.join("\n\n"),
    });
    expect(gone).toEqual({
      input: `${site.url}/gone`,
      error: { code: "FETCH_HTTP_STATUS", message: expect.stringContaining("404") },
    });
    // A PDF link goes to the PDF reader; this one is a header and nothing more.
    expect(pdf).toMatchObject({ error: { code: "PDF_CORRUPT", message: expect.stringContaining("report.pdf") } });
    expect(zh).toMatchObject({ input: `${site.url}/zh`, lang: "zh", body: ZH_PARAGRAPHS.join("\n\n") });
  });

  it("cleans a .pdf file and a PDF link", async () => {
    const run = await cli(["clean", "--json", join(PDF_FIXTURES, "zh-one-column.pdf"), `${site.url}/banking.pdf`]);
    expect(run.code).toBe(0);
    const [file, link] = jsonLines(run.stdout);
    expect(file).toMatchObject({ title: PDF_CASES["zh-one-column"]?.title, lang: "zh" });
    expect(String(file?.body)).toContain("虽然大概一两年前我还在夸夸其谈桌面应用程序是将来的潮流");
    expect(link).toMatchObject({
      title: PDF_CASES["en-two-columns"]?.title,
      lang: "en",
      url: `${site.url}/banking.pdf`,
    });
    expect(String(link?.body)).toContain("The hot mess is very real.");
  });

  it("summarizes a .pdf file offline", async () => {
    let out = "";
    const code = await runCli(["summarize", "--json", join(PDF_FIXTURES, "en-one-column.pdf")], {
      env: {},
      out: (text) => {
        out += text;
      },
      err: () => undefined,
    });
    expect(code).toBe(0);
    const record = JSON.parse(out) as { title: string; mode: string; bullets: string[] };
    expect(record).toMatchObject({ title: PDF_CASES["en-one-column"]?.title, mode: "offline" });
    expect(record.bullets.length).toBeGreaterThanOrEqual(3);
  });

  it("exits 0 when every input worked", async () => {
    const run = await cli(["clean", "--json", `${site.url}/rivers`]);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toHaveLength(1);
  });

  it("prints the article readably: title, facts, URL, then paragraphs", async () => {
    const page = join(dir, "rivers.html");
    await writeFile(page, EN_PAGE);
    const run = await cli(["clean", page, join(dir, "missing.html")]);
    expect(run.code).toBe(1);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("Rivers of the north");
    expect(lines[1]).toContain("Example News");
    expect(lines[1]).toContain("Jane Roe");
    expect(lines[1]).toContain("lang: en");
    expect(run.stdout).toContain(`\n\n${EN_PARAGRAPHS.join("\n\n")}\n`);
    expect(run.stdout).not.toContain("Copyright");
    expect(run.stderr).toContain("missing.html");
    expect(run.stderr).toContain("FILE_NOT_FOUND");
  });

  it("cleans a pasted page from stdin to its body paragraphs", async () => {
    const gold = JSON.parse(await readFile(PASTED_GOLD, "utf8")) as { title: string; body: string[] };
    const run = await cli(["clean", "--json", "-"], { stdin: await readFile(PASTED) });
    expect(run.code).toBe(0);
    const [article] = jsonLines(run.stdout);
    expect(article).toMatchObject({ input: "-", title: gold.title, lang: "zh" });
    const body = String(article?.body).normalize("NFKC");
    for (const paragraph of gold.body) expect(body).toContain(paragraph.normalize("NFKC"));
    expect(body).not.toContain("相关阅读");
  });

  it("fetches over HTTPS, verifying the certificate", async () => {
    const tlsDir = join(ROOT, "test/fixtures/tls");
    const tls = {
      key: await readFile(join(tlsDir, "self-signed.key")),
      cert: await readFile(join(tlsDir, "self-signed.crt")),
    };
    const secure = await startSite({ "/rivers": { body: EN_PAGE } }, { tls });
    try {
      const trusted = await cli(["clean", "--json", `${secure.url}/rivers`], {
        env: { NODE_EXTRA_CA_CERTS: join(tlsDir, "self-signed.crt") },
      });
      expect(trusted.code).toBe(0);
      expect(jsonLines(trusted.stdout)[0]).toMatchObject({
        url: `${secure.url}/rivers`,
        body: EN_PARAGRAPHS.join("\n\n"),
      });
      const untrusted = await cli(["clean", "--json", `${secure.url}/rivers`]);
      expect(jsonLines(untrusted.stdout)[0]).toMatchObject({ error: { code: "FETCH_UNREACHABLE" } });
    } finally {
      await secure.close();
    }
  });

  it("refuses loopback links unless FETCH_ALLOW_PRIVATE=1", async () => {
    const run = await cli(["clean", "--json", `${site.url}/rivers`], { env: { FETCH_ALLOW_PRIVATE: "0" } });
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ error: { code: "FETCH_REFUSED" } });
  });

  it("reports a page with no article as NOT_AN_ARTICLE", async () => {
    const run = await cli(["clean", "--json", `${site.url}/login`]);
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ input: `${site.url}/login`, error: { code: "NOT_AN_ARTICLE" } });
  });

  it("shows help from the real entry point", async () => {
    const help = await cli(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("clean [--json] <url|file|->...");
  });

  it("exits 2 for a bad command line or settings, 1 for a failed input (in-process)", async () => {
    const run = async (argv: string[]) => {
      let out = "";
      let err = "";
      const code = await runCli(argv, {
        env: {},
        out: (text) => {
          out += text;
        },
        err: (text) => {
          err += text;
        },
      });
      return { code, out, err };
    };
    const empty = await run(["clean"]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("Usage: jianbao clean");
    const badFlag = await run(["clean", "--bogus", "x.html"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain("--bogus");
    const unknown = await run(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const commandHelp = await run(["clean", "--help"]);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.out).toContain("Usage: jianbao clean [--json]");
    const missing = await run(["clean", "--json", "no-such-file.html"]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toMatchObject({ error: { code: "FILE_NOT_FOUND" } });
    const wrongEnv = await runCli(["clean", "x.html"], {
      env: { FETCH_TIMEOUT_MS: "soon" },
      out: () => {},
      err: () => {},
    });
    expect(wrongEnv).toBe(2);
  });
  it("cleans and summarizes offline through the CPU stages it is given (in-process)", async () => {
    const cpu = countingCpu();
    const lines: string[] = [];
    const io = { env: { FETCH_ALLOW_PRIVATE: "1" }, out: (text: string) => lines.push(text), err: () => {}, cpu };
    expect(await runCli(["clean", "--json", `${site.url}/rivers`], io)).toBe(0);
    expect(cpu.calls).toEqual({ cleanPage: 1, summarizeOffline: 0 });
    expect(await runCli(["summarize", "--json", "--lang", "en", `${site.url}/rivers`], io)).toBe(0);
    expect(cpu.calls).toEqual({ cleanPage: 2, summarizeOffline: 1 });
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ title: "Rivers of the north", mode: "offline" });
  });
});
