import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "./errors.js";
import type { LangChoice } from "./types.js";

/**
 * Every setting Jianbao reads, typed and validated once at start-up.
 * Nothing else in src/ reads process.env: pass `config` (or the part a stage needs) down.
 * Keep `.env.example` in step with this file.
 */
export interface Config {
  telegram: {
    /** TELEGRAM_BOT_TOKEN. Unset → the terminal chat. */
    token?: string;
    /** TELEGRAM_API_ROOT. @default "https://api.telegram.org" */
    apiRoot: string;
    /**
     * TELEGRAM_MAX_PER_SECOND: messages per second across all chats and all replicas (Telegram's free limit is
     * about 30; paid broadcasts allow more). Per-chat pacing (about one a second) is fixed. @default 30
     */
    maxPerSecond: number;
  };
  llm: {
    /** OPENAI_API_KEY. Unset together with OPENAI_BASE_URL → offline summaries. */
    apiKey?: string;
    /** OPENAI_BASE_URL. Any OpenAI-compatible endpoint (DeepSeek, Qwen, Ollama, vLLM…). */
    baseUrl?: string;
    /** OPENAI_MODEL. @default "gpt-4o-mini" */
    model: string;
    /** True when a key or a base URL is set. */
    enabled: boolean;
    /** LLM_MAX_INPUT_TOKENS: article tokens per request before chunking. @default 6000 */
    maxInputTokens: number;
    /** LLM_TIMEOUT_MS: budget of one model call, retries and their waits included. @default 60000 */
    timeoutMs: number;
    /** LLM_MAX_RETRIES on 429/5xx/network errors. @default 2 */
    maxRetries: number;
    /** LLM_MAX_CONCURRENCY: model calls in flight across all people. @default 4 */
    maxConcurrency: number;
  };
  fetch: {
    /** FETCH_ALLOW_PRIVATE=1 lifts the private-address check (tests, intranets). @default false */
    allowPrivate: boolean;
    /** FETCH_TIMEOUT_MS: whole request including redirects. @default 15000 */
    timeoutMs: number;
    /** FETCH_MAX_BYTES: body cap after decompression. @default 5242880 (5 MB) */
    maxBytes: number;
    /** FETCH_MAX_REDIRECTS. @default 5 */
    maxRedirects: number;
  };
  store: {
    /** DATA_DIR. @default "./data" */
    dataDir: string;
    /** STORE_URL: `sqlite://path` or `redis://host:port`. @default "sqlite://<DATA_DIR>/jianbao.sqlite" */
    url: string;
    /** ARTICLE_RETENTION_DAYS: how long article text is kept for follow-up questions. @default 30 */
    articleRetentionDays: number;
    /** STORE_OPEN_TIMEOUT_MS: start-up gives up (exit 1, with a message) when the store does not answer. @default 15000 */
    openTimeoutMs: number;
  };
  bot: {
    /** ALLOWED_USER_IDS: comma-separated; empty → everyone. */
    allowedUserIds: readonly number[];
    /** ADMIN_USER_IDS: comma-separated; may use /stats. */
    adminUserIds: readonly number[];
    /** DEFAULT_LANG: summary language for people who chose none. @default "auto" */
    defaultLang: LangChoice;
    /** RATE_LIMIT_PER_MINUTE: summaries/questions per person per minute. @default 10 */
    rateLimitPerMinute: number;
    /** MAX_LINKS_PER_MESSAGE. @default 3 */
    maxLinksPerMessage: number;
    /** MAX_FILE_BYTES: uploaded file cap. @default 2097152 (2 MB) */
    maxFileBytes: number;
    /** PASTE_JOIN_MS: join consecutive messages from one person within this window. @default 1500 */
    pasteJoinMs: number;
  };
  digest: {
    /** DEFAULT_TIMEZONE (IANA). @default "UTC" */
    defaultTimezone: string;
    /** DEFAULT_DIGEST_TIME (HH:MM). @default "08:00" */
    defaultTime: string;
    /** DEFAULT_FEEDS: comma-separated feed URLs offered on /start. */
    defaultFeeds: readonly string[];
    /** FEED_POLL_MINUTES. @default 30 */
    pollMinutes: number;
    /** DIGEST_MAX_ITEMS: default items per digest. @default 10 */
    maxItems: number;
    /** DIGEST_GRACE_HOURS: a digest missed while down is still sent this late. @default 6 */
    graceHours: number;
    /**
     * DIGEST_TICK_SECONDS: how often each replica looks for digests due and for half-sent ones to resume (1–60).
     * Digest times are minutes, so the default loses nothing; a shorter tick resumes a crashed replica's digests
     * sooner after its lease runs out. @default 60
     */
    tickSeconds: number;
  };
  cpu: {
    /** CPU_THREADS: worker threads for parsing, cleaning and offline summaries. Unset or 0 → one per available core. */
    threads?: number;
    /** CPU_MAX_QUEUE: tasks that may wait for a worker; more are refused ("busy, try again"). @default 64 */
    maxQueue: number;
    /** CPU_BUDGET_MS: time one page may take in a worker before "too large or complex to read". @default 10000 */
    budgetMs: number;
    /** CPU_WORKER_MAX_MB: heap cap per worker; a page that needs more fails alone. @default 512 */
    workerMaxMb: number;
    /** CPU_IDLE_SECONDS: a worker idle this long exits and gives its memory back; 0 keeps them all running. @default 60 */
    idleMs: number;
  };
  service: {
    /** WEBHOOK_URL: the public HTTPS URL Telegram posts updates to. Unset → long polling. */
    webhookUrl?: string;
    /** WEBHOOK_SECRET: sent to Telegram as `secret_token`; requests without it get 401. Required with WEBHOOK_URL. */
    webhookSecret?: string;
    /** WEBHOOK_MAX_CONNECTIONS: concurrent webhook requests Telegram may open (1–100). @default 40 */
    webhookMaxConnections: number;
    /** WEBHOOK_MAX_BODY_BYTES: a larger request body gets 413. @default 1048576 (1 MB) */
    maxBodyBytes: number;
    /** PORT: the operator server (webhook, /healthz, /metrics). Unset in polling mode → no server; webhook mode → 8080. */
    port?: number;
    /** HOST to listen on. @default "0.0.0.0" (the proxy in front terminates TLS) */
    host: string;
    /** JOB_LEASE_MS: how long a replica holds a job, an update, a feed poll or a digest without renewing. @default 60000 */
    jobLeaseMs: number;
    /** REPLICA_ID: names this process in leases and logs. @default "<hostname>-<pid>" */
    replicaId: string;
    /** SHUTDOWN_GRACE_MS: on SIGTERM, running jobs get this long to finish before they are handed back. @default 10000 */
    shutdownGraceMs: number;
  };
  /** LOG_LEVEL: debug | info | warn | error | silent. @default "info" (the terminal chat: "warn", so logs do not interleave with the conversation) */
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** What the terminal chat takes from the person's shell: not settings, the session's own locale and name. */
  terminal: {
    /** LC_ALL, LC_MESSAGES or LANG (the first set): the interface language of the terminal chat. */
    locale: string | undefined;
    /** USER: how the terminal chat names the person. */
    userName: string | undefined;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A whole-number setting of at least `min` (and at most `max`, when given). */
function integer(env: Env, name: string, fallback: number, min = 0, max?: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be a whole number ${range}, got "${raw}"`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return false;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}"`);
}

function list(env: Env, name: string): string[] {
  return (text(env, name) ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

function ids(env: Env, name: string): number[] {
  return list(env, name).map((part) => {
    const id = Number(part);
    if (!Number.isSafeInteger(id)) throw new ConfigError(`${name} must list numeric Telegram ids, got "${part}"`);
    return id;
  });
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, fallback?: string): string | undefined {
  const raw = text(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

function timezone(env: Env, name: string, fallback: string): string {
  const zone = text(env, name) ?? fallback;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw new ConfigError(`${name} must be an IANA time zone such as Asia/Shanghai, got "${zone}"`);
  }
  return zone;
}

function clock(env: Env, name: string, fallback: string): string {
  const raw = text(env, name) ?? fallback;
  const match = /^(\d{1,2}):(\d{2})$/.exec(raw);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    throw new ConfigError(`${name} must be a time of day like 08:30, got "${raw}"`);
  }
  return `${match[1]?.padStart(2, "0")}:${match[2]}`;
}

/** STORE_URL, or the SQLite file in DATA_DIR. */
function storeUrlOf(env: Env, dataDir: string): string {
  const storeUrl = text(env, "STORE_URL") ?? `sqlite://${join(dataDir, "jianbao.sqlite")}`;
  if (!/^(sqlite|redis|rediss):\/\//.test(storeUrl)) {
    throw new ConfigError(`STORE_URL must start with sqlite:// or redis://, got "${storeUrl}"`);
  }
  return storeUrl;
}

/** The bot token and how Telegram reaches us (webhook, port), checked together: a webhook needs a secret and a token. */
function telegramEndpoints(env: Env) {
  const token = text(env, "TELEGRAM_BOT_TOKEN");
  const webhookUrl = url(env, "WEBHOOK_URL");
  const webhookSecret = text(env, "WEBHOOK_SECRET");
  if (webhookUrl !== undefined) {
    if (!webhookSecret) throw new ConfigError("WEBHOOK_SECRET must be set with WEBHOOK_URL (Telegram sends it back)");
    // Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
    if (!/^[\w-]{1,256}$/.test(webhookSecret)) {
      throw new ConfigError("WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and - (1 to 256 characters)");
    }
    if (!token) throw new ConfigError("WEBHOOK_URL needs TELEGRAM_BOT_TOKEN");
  }
  const port = text(env, "PORT") === undefined ? undefined : integer(env, "PORT", 0, 0);
  if (port !== undefined && port > 65_535) throw new ConfigError(`PORT must be at most 65535, got "${port}"`);
  const webhookMaxConnections = integer(env, "WEBHOOK_MAX_CONNECTIONS", 40, 1);
  if (webhookMaxConnections > 100) throw new ConfigError("WEBHOOK_MAX_CONNECTIONS must be between 1 and 100");
  if (token !== undefined && !/^\d+:[\w-]+$/.test(token)) {
    throw new ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters, from @BotFather)");
  }
  return { token, webhookUrl, webhookSecret, port, webhookMaxConnections };
}

/** Reads and validates every setting. Pure: pass `process.env` from the entry point (REPLICA_ID defaults to host and pid). */
export function loadConfig(env: Env): Config {
  const dataDir = resolve(text(env, "DATA_DIR") ?? "./data");
  const apiKey = text(env, "OPENAI_API_KEY");
  const baseUrl = url(env, "OPENAI_BASE_URL");
  const storeUrl = storeUrlOf(env, dataDir);
  const { token, webhookUrl, webhookSecret, port, webhookMaxConnections } = telegramEndpoints(env);

  return {
    telegram: {
      token,
      apiRoot: url(env, "TELEGRAM_API_ROOT", "https://api.telegram.org") as string,
      maxPerSecond: integer(env, "TELEGRAM_MAX_PER_SECOND", 30, 1),
    },
    llm: {
      apiKey,
      baseUrl,
      model: text(env, "OPENAI_MODEL") ?? "gpt-4o-mini",
      enabled: apiKey !== undefined || baseUrl !== undefined,
      maxInputTokens: integer(env, "LLM_MAX_INPUT_TOKENS", 6000, 500),
      timeoutMs: integer(env, "LLM_TIMEOUT_MS", 60_000, 1000),
      maxRetries: integer(env, "LLM_MAX_RETRIES", 2),
      maxConcurrency: integer(env, "LLM_MAX_CONCURRENCY", 4, 1),
    },
    fetch: {
      allowPrivate: flag(env, "FETCH_ALLOW_PRIVATE"),
      timeoutMs: integer(env, "FETCH_TIMEOUT_MS", 15_000, 100),
      maxBytes: integer(env, "FETCH_MAX_BYTES", 5 * 1024 * 1024, 1024),
      maxRedirects: integer(env, "FETCH_MAX_REDIRECTS", 5),
    },
    store: {
      dataDir,
      url: storeUrl,
      articleRetentionDays: integer(env, "ARTICLE_RETENTION_DAYS", 30, 1),
      openTimeoutMs: integer(env, "STORE_OPEN_TIMEOUT_MS", 15_000, 1),
    },
    bot: {
      allowedUserIds: ids(env, "ALLOWED_USER_IDS"),
      adminUserIds: ids(env, "ADMIN_USER_IDS"),
      defaultLang: oneOf(env, "DEFAULT_LANG", ["auto", "zh", "en"] as const, "auto"),
      rateLimitPerMinute: integer(env, "RATE_LIMIT_PER_MINUTE", 10, 1),
      maxLinksPerMessage: integer(env, "MAX_LINKS_PER_MESSAGE", 3, 1),
      maxFileBytes: integer(env, "MAX_FILE_BYTES", 2 * 1024 * 1024, 1024),
      pasteJoinMs: integer(env, "PASTE_JOIN_MS", 1500),
    },
    digest: {
      defaultTimezone: timezone(env, "DEFAULT_TIMEZONE", "UTC"),
      defaultTime: clock(env, "DEFAULT_DIGEST_TIME", "08:00"),
      defaultFeeds: list(env, "DEFAULT_FEEDS"),
      pollMinutes: integer(env, "FEED_POLL_MINUTES", 30, 1),
      maxItems: integer(env, "DIGEST_MAX_ITEMS", 10, 1),
      graceHours: integer(env, "DIGEST_GRACE_HOURS", 6),
      tickSeconds: integer(env, "DIGEST_TICK_SECONDS", 60, 1, 60),
    },
    cpu: {
      threads: integer(env, "CPU_THREADS", 0) || undefined,
      maxQueue: integer(env, "CPU_MAX_QUEUE", 64),
      budgetMs: integer(env, "CPU_BUDGET_MS", 10_000, 100),
      workerMaxMb: integer(env, "CPU_WORKER_MAX_MB", 512, 32),
      idleMs: integer(env, "CPU_IDLE_SECONDS", 60) * 1000,
    },
    service: {
      webhookUrl,
      webhookSecret,
      webhookMaxConnections,
      maxBodyBytes: integer(env, "WEBHOOK_MAX_BODY_BYTES", 1024 * 1024, 1024),
      port: port ?? (webhookUrl !== undefined ? 8080 : undefined),
      host: text(env, "HOST") ?? "0.0.0.0",
      jobLeaseMs: integer(env, "JOB_LEASE_MS", 60_000, 100),
      replicaId: text(env, "REPLICA_ID") ?? `${hostname()}-${process.pid}`,
      shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_MS", 10_000),
    },
    logLevel: oneOf(env, "LOG_LEVEL", ["debug", "info", "warn", "error", "silent"] as const, token ? "info" : "warn"),
    terminal: {
      locale: text(env, "LC_ALL") ?? text(env, "LC_MESSAGES") ?? text(env, "LANG"),
      userName: text(env, "USER"),
    },
  };
}
