/**
 * Logs through pino: one JSON line per record on stderr, or pino-pretty when a person reads the terminal.
 * At info level message texts never go out (they are censored by key), and tokens and API keys are scrubbed
 * from every line whatever the level: pass ids and codes, and put anything a person wrote behind `debug`.
 */
import { Writable } from "node:stream";
import pino from "pino";
import pretty from "pino-pretty";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose records all carry `bindings` (e.g. `{ chatId, updateId }` for one update). */
  child(bindings: Record<string, unknown>): Logger;
}

// ── What never reaches a log ─────────────────────────────────────────────────────────────────────────
/** Keys whose values are what a person wrote or was sent; kept only at debug level. */
const PERSONAL_KEYS = ["text", "question", "answer", "html", "caption"] as const;
/**
 * Secrets scrubbed from every line: Telegram bot tokens (`123456:AA…`, also inside `/bot<token>/` URLs),
 * OpenAI-style keys and bearer credentials. Bounded quantifiers keep the scan linear on long lines.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(?<!\d)\d{5,16}:[A-Za-z0-9_-]{30,64}/g,
  /\bsk-[A-Za-z0-9_-]{16,200}\b/g,
  /\bBearer [A-Za-z0-9._~+/=-]{8,400}/g,
];

/** Replaces every secret in `line` with "[redacted]". */
export function scrubSecrets(line: string): string {
  let out = line;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, "[redacted]");
  return out;
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}

function wrap(base: pino.Logger): Logger {
  return {
    debug: (message, fields) => base.debug(fields ?? {}, message),
    info: (message, fields) => base.info(fields ?? {}, message),
    warn: (message, fields) => base.warn(fields ?? {}, message),
    error: (message, fields) => base.error(fields ?? {}, message),
    child: (bindings) => wrap(base.child(bindings)),
  };
}

export interface LoggerOptions {
  /** Human-readable, coloured lines (pino-pretty) instead of JSON. @default false */
  pretty?: boolean;
}

/** A logger writing to `write` (stderr by default) at `level` and above. */
export function createLogger(
  level: LogLevel = "info",
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  options: LoggerOptions = {},
): Logger {
  const scrubbed = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(scrubSecrets(String(chunk).replace(/\n$/, "")));
      done();
    },
  });
  const destination = options.pretty
    ? pretty({ colorize: true, sync: true, messageKey: "message", destination: scrubbed })
    : scrubbed;
  const base = pino(
    {
      level,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: serializeError },
      redact:
        level === "debug"
          ? undefined
          : { paths: PERSONAL_KEYS.flatMap((key) => [key, `*.${key}`]), censor: "[hidden]" },
    },
    destination,
  );
  return wrap(base);
}

/** A logger that drops everything (tests, benches). */
export const silentLogger: Logger = createLogger("silent");
