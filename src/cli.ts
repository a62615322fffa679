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
import { cleanPage } from "./pipeline/clean/index.js";
import type { FetchOptions } from "./pipeline/fetch.js";
import { type PageInput, readInput } from "./pipeline/input.js";
import type { Article } from "./types.js";

/** Exit codes: 0 all inputs worked, 1 some input failed, 2 the command line itself was wrong. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliContext {
  config: Config;
  /** Writes to standard output (text as given; add your own newlines). */
  out: (text: string) => void;
  /** Writes to standard error. */
  err: (text: string) => void;
  /** Reads a CLI input (URL, file or "-") with the configured fetch limits. */
  read: (input: string) => Promise<PageInput>;
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
  summary: "print the article in each web page, .html/.txt/.md file or stdin (-); --json: one JSON object per line",
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: "boolean" } });
    if (positionals.length === 0) throw new UsageError("clean needs at least one URL, file or -");
    let failed = 0;
    for (const [index, input] of positionals.entries()) {
      try {
        const page = await context.read(input);
        const record = articleRecord(input, page, cleanPage(page));
        if (values.json) context.out(`${JSON.stringify(record)}\n`);
        else context.out(`${index > 0 ? "\n" : ""}${formatArticle(record)}`);
      } catch (error) {
        failed += 1;
        const failure = describeFailure(error);
        if (values.json) context.out(`${JSON.stringify({ input, error: failure })}\n`);
        else context.err(`jianbao: ${input}: ${failure.message} (${failure.code})\n`);
      }
    }
    return failed > 0 ? EXIT.failed : EXIT.ok;
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
export const COMMANDS: Record<string, Command> = { clean, help };

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

/** The fetch limits every command uses, from the config. */
export function fetchOptionsFrom(config: Config): FetchOptions {
  const { allowPrivate, timeoutMs, maxBytes, maxRedirects } = config.fetch;
  return { allowPrivate, timeoutMs, maxBytes, maxRedirects };
}

/** Runs one command line; returns the exit code. I/O comes in as parameters so tests can run it in-process. */
export async function runCli(
  argv: string[],
  io: {
    env: Readonly<Record<string, string | undefined>>;
    out: (text: string) => void;
    err: (text: string) => void;
    readStdin?: (limit: number) => Promise<Uint8Array>;
  },
): Promise<number> {
  const [name = "help", ...args] = argv;
  const command = name === "--help" || name === "-h" ? COMMANDS.help : COMMANDS[name];
  if (command === undefined) {
    io.err(`jianbao: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.usage;
  }
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    io.err(`jianbao: ${describeFailure(error).message}\n`);
    return EXIT.usage;
  }
  const fetchOptions = fetchOptionsFrom(config);
  const context: CliContext = {
    config,
    out: io.out,
    err: io.err,
    read: (input) => readInput(input, { fetchOptions, ...(io.readStdin ? { readStdin: io.readStdin } : {}) }),
  };
  try {
    return await command.run(args, context);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`jianbao: ${error.message}\nUsage: jianbao ${command.usage}\n`);
    return EXIT.usage;
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
