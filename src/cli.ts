/**
 * The `jianbao` command line: `npm run --silent cli -- <command> …`.
 * Each command is one entry in COMMANDS; it gets its arguments and a context holding the config
 * and the output streams, and returns the exit code. Errors from one input never stop the next.
 */

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "./config.js";
import { isJianbaoError } from "./errors.js";
import type { LlmClient } from "./llm/client.js";
import { limitConcurrency } from "./llm/limit.js";
import { createOpenAiClient } from "./llm/openai.js";
import type { PageInput } from "./pipeline/page.js";
import { cleanSource, type ReadingDeps, summarizeArticle } from "./pipeline/read.js";
import { openStore, type Store } from "./store/store.js";
import type { Article, LangChoice, Summary } from "./types.js";
import type { CpuWork } from "./workers/cpu.js";
import { createCpuPool } from "./workers/pool.js";

/** Exit codes: 0 all inputs worked, 1 some input failed, 2 the command line itself was wrong. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliContext {
  config: Config;
  /** Writes to standard output (text as given; add your own newlines). */
  out: (text: string) => void;
  /** Writes to standard error. */
  err: (text: string) => void;
  /** How inputs (URL, file or "-") are read and cleaned: the configured fetch limits, stdin, the CPU stages. */
  reading: Pick<ReadingDeps, "cpu" | "fetchOptions" | "readStdin">;
}

export interface Command {
  /** One line, e.g. `clean [--json] <url|file|->...`. */
  usage: string;
  summary: string;
  run(args: string[], context: CliContext): Promise<number>;
}

/** Thrown for a malformed command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The code and message a failed input reports (`{"input", "error": {code, message}}` in JSON). */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (isJianbaoError(error)) return { code: error.code, message: error.message };
  return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

/** The fields `clean --json` prints per article. */
export function articleRecord(input: string, page: PageInput, article: Article) {
  return {
    input,
    title: article.title,
    siteName: article.siteName ?? null,
    byline: article.byline ?? null,
    published: article.published ?? null,
    lang: article.lang,
    url: article.url ?? page.url ?? article.canonicalUrl ?? null,
    body: article.paragraphs.join("\n\n"),
  };
}

/** An article for people: title, a line of facts, the URL, then the paragraphs. */
export function formatArticle(record: ReturnType<typeof articleRecord>): string {
  const facts = [
    record.siteName,
    record.byline && `by ${record.byline}`,
    record.published,
    `lang: ${record.lang}`,
  ].filter(Boolean);
  const lines = [record.title || "(untitled)", facts.join(" · ")];
  if (record.url) lines.push(record.url);
  return `${lines.join("\n")}\n\n${record.body}\n`;
}

/** Parses `--flag` options and positionals; unknown options are a UsageError. */
export function parseCommandArgs<const O extends Record<string, { type: "boolean" | "string"; short?: string }>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const clean: Command = {
  usage: "clean [--json] <url|file|->...",
  summary:
    "print the article in each web page, PDF link, .html/.txt/.md/.pdf file or stdin (-); --json: one JSON object per line",
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: "boolean" } });
    if (positionals.length === 0) throw new UsageError("clean needs at least one URL, file or -");
    return eachInput(positionals, Boolean(values.json), context, formatArticle, async (input) => {
      const { page, article } = await cleanSource(context.reading, { kind: "input", input });
      return articleRecord(input, page, article);
    });
  },
};

/**
 * Turns each input into a record and prints it (one JSON object per line with `json`, else `format`);
 * a failing input is reported and never stops the next. Exit code 1 when any input failed.
 */
async function eachInput<R>(
  inputs: readonly string[],
  json: boolean,
  context: CliContext,
  format: (record: R) => string,
  produce: (input: string) => Promise<R>,
): Promise<number> {
  let failed = 0;
  for (const [index, input] of inputs.entries()) {
    try {
      const record = await produce(input);
      if (json) context.out(`${JSON.stringify(record)}\n`);
      else context.out(`${index > 0 ? "\n" : ""}${format(record)}`);
    } catch (error) {
      failed += 1;
      const failure = describeFailure(error);
      if (json) context.out(`${JSON.stringify({ input, error: failure })}\n`);
      else context.err(`jianbao: ${input}: ${failure.message} (${failure.code})\n`);
    }
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

/** The fields `summarize --json` prints per input. */
export function summaryRecord(input: string, article: Article, summary: Summary) {
  return {
    input,
    title: article.title,
    lang: summary.lang,
    headline: summary.headline,
    bullets: summary.bullets,
    sources: summary.sources,
    questions: summary.questions,
    mode: summary.mode,
    model: summary.model ?? null,
    usage: { prompt_tokens: summary.usage.prompt_tokens, completion_tokens: summary.usage.completion_tokens },
    cached: summary.cached,
    notice: summary.notice ?? null,
  };
}

const NOTICES: Record<NonNullable<Summary["notice"]>, string> = {
  "offline-no-translation":
    "offline summary in the article's language: translation needs a model (set OPENAI_API_KEY or OPENAI_BASE_URL)",
  "llm-unavailable": "the model could not be used, so this is an offline extract",
  "llm-timeout": "the model did not answer in time, so this is an offline extract",
};

/** A summary for people: headline, bullets with their paragraph numbers, questions, then how it was made. */
export function formatSummary(record: ReturnType<typeof summaryRecord>): string {
  const lines = [record.headline || record.title || "(untitled)", ""];
  record.bullets.forEach((bullet, index) => {
    const sources = record.sources[index] ?? [];
    lines.push(`• ${bullet}${sources.length > 0 ? `  [¶ ${sources.join(", ")}]` : ""}`);
  });
  if (record.questions.length > 0) lines.push("", ...record.questions.map((question) => `? ${question}`));
  const how =
    record.mode === "llm"
      ? `${record.model} · ${record.usage.prompt_tokens}+${record.usage.completion_tokens} tokens${record.cached ? " · cached" : ""}`
      : "offline extract";
  lines.push("", `(${how}${record.notice ? ` · ${NOTICES[record.notice]}` : ""})`);
  return `${lines.join("\n")}\n`;
}

const SUMMARY_LANGS: readonly LangChoice[] = ["auto", "zh", "en"];

const summarizeCommand: Command = {
  usage: "summarize [--lang zh|en|auto] [--json] <url|file|->...",
  summary:
    "summarize each input in 3–5 bullets with the model (OPENAI_API_KEY / OPENAI_BASE_URL) or offline; --json: one JSON object per line",
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: "boolean" }, lang: { type: "string" } });
    const lang = (values.lang ?? context.config.bot.defaultLang) as LangChoice;
    if (!SUMMARY_LANGS.includes(lang)) throw new UsageError(`--lang must be zh, en or auto, got "${values.lang}"`);
    if (positionals.length === 0) throw new UsageError("summarize needs at least one URL, file or -");
    const { llm: settings } = context.config;
    const llm: LlmClient | undefined = settings.enabled
      ? limitConcurrency(
          createOpenAiClient({
            apiKey: settings.apiKey,
            baseUrl: settings.baseUrl,
            model: settings.model,
            timeoutMs: settings.timeoutMs,
            maxRetries: settings.maxRetries,
          }),
          settings.maxConcurrency,
          { timeoutMs: settings.timeoutMs },
        )
      : undefined;
    // The cache only saves model calls: offline runs leave no data directory behind.
    let store: Store | undefined;
    if (llm) {
      try {
        store = await openStore(context.config.store.url, { connectTimeoutMs: context.config.store.openTimeoutMs });
      } catch (error) {
        context.err(`jianbao: summary cache unavailable, continuing without it: ${describeFailure(error).message}\n`);
      }
    }
    const reading = {
      ...context.reading,
      maxInputTokens: settings.maxInputTokens,
      ...(llm ? { llm } : {}),
      ...(store ? { summaryCache: store.collection<Summary>("summary") } : {}),
    };
    try {
      return await eachInput(positionals, Boolean(values.json), context, formatSummary, async (input) => {
        const { article } = await cleanSource(reading, { kind: "input", input });
        const summary = await summarizeArticle(reading, article, { lang });
        return summaryRecord(input, article, summary);
      });
    } finally {
      await store?.close();
    }
  },
};

const help: Command = {
  usage: "help",
  summary: "show this help",
  async run(_args, context) {
    context.out(helpText());
    return EXIT.ok;
  },
};

/** Every command, by name. Add a command here (usage, summary, run) and it appears in `help`. */
export const COMMANDS: Record<string, Command> = { clean, summarize: summarizeCommand, help };

function helpText(): string {
  const width = Math.max(...Object.values(COMMANDS).map((command) => command.usage.length));
  const rows = Object.values(COMMANDS).map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`);
  return [
    "简报 Jianbao: clean web pages to their article and summarize them.",
    "",
    "Usage: npm run --silent cli -- <command> [options]   (or: jianbao <command>)",
    "",
    "Commands:",
    ...rows,
    "",
    "Settings come from the environment (see .env.example), e.g. FETCH_TIMEOUT_MS, FETCH_ALLOW_PRIVATE.",
    "",
  ].join("\n");
}

/** Runs one command line; returns the exit code. I/O comes in as parameters so tests can run it in-process. */
export async function runCli(
  argv: string[],
  io: {
    env: Readonly<Record<string, string | undefined>>;
    out: (text: string) => void;
    err: (text: string) => void;
    readStdin?: (limit: number) => Promise<Uint8Array>;
    /** The CPU stages. @default a worker pool from the CPU_* settings, closed when the command ends */
    cpu?: CpuWork;
  },
): Promise<number> {
  const [name = "help", ...args] = argv;
  const command = name === "--help" || name === "-h" ? COMMANDS.help : COMMANDS[name];
  if (command === undefined) {
    io.err(`jianbao: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.usage;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.out(`Usage: jianbao ${command.usage}\n  ${command.summary}\n`);
    return EXIT.ok;
  }
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    io.err(`jianbao: ${describeFailure(error).message}\n`);
    return EXIT.usage;
  }
  // Inputs are read one after another: one worker thread is all a CLI run uses.
  const cpu = io.cpu ?? createCpuPool({ ...config.cpu, threads: config.cpu.threads ?? 1 });
  const context: CliContext = {
    config,
    out: io.out,
    err: io.err,
    reading: {
      cpu,
      // config.fetch holds exactly the fetcher's limits (FETCH_*); files and stdin are held to FETCH_MAX_BYTES too.
      fetchOptions: config.fetch,
      ...(io.readStdin ? { readStdin: io.readStdin } : {}),
    },
  };
  try {
    return await command.run(args, context);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`jianbao: ${error.message}\nUsage: jianbao ${command.usage}\n`);
    return EXIT.usage;
  } finally {
    if (!io.cpu) await cpu.close();
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // A closed pipe (`… | head`) is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  runCli(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `jianbao: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = EXIT.failed;
    },
  );
}
