/**
 * Composition root: settings → logger → store → metrics → model client → bot with its features → server.
 * With TELEGRAM_BOT_TOKEN: long polling, or webhooks when WEBHOOK_URL is set (server.ts, behind a TLS proxy).
 * Without: the terminal chat over the same bot code.
 * SIGINT/SIGTERM: stop accepting (the server answers 503, polling stops), let running jobs finish within
 * SHUTDOWN_GRACE_MS, hand the rest back (their leases end now, another replica takes them), close the store.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultFeatures } from "./bot/features.js";
import { createBot } from "./bot/index.js";
import { createUpdateGate } from "./bot/updates.js";
import { loadConfig } from "./config.js";
import { ErrorCode, isJianbaoError, JianbaoError } from "./errors.js";
import { limitConcurrency } from "./llm/limit.js";
import { createOpenAiClient } from "./llm/openai.js";
import { createLogger } from "./log.js";
import { createMetrics, measuredLlm } from "./metrics.js";
import { type OperatorServer, startServer } from "./server.js";
import { openStore, type Store } from "./store/store.js";
import { languageFromLocale, runTerminalChat, TERMINAL_API_ROOT, TERMINAL_BOT_INFO } from "./terminal.js";
import { createCpuPool } from "./workers/pool.js";

// The Docker HEALTHCHECK reads this file's time; the bot rewrites it while polling runs.
const HEALTH_FILE = "health";
const HEALTH_EVERY_MS = 30_000;
/** The URL without a password, for messages (redis://:secret@host → redis://***@host). */
function withoutPassword(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//***@");
}

/** Opens the store, or fails with a message that names it (without its password) when it does not answer. */
async function openStoreWithin(url: string, deadlineMs: number): Promise<Store> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new JianbaoError(
            ErrorCode.StoreUnavailable,
            `the store at ${withoutPassword(url)} did not answer within ${deadlineMs / 1000} s (is it running? check STORE_URL)`,
          ),
        ),
      deadlineMs,
    );
  });
  try {
    // openStore's own connect timeout (10 s by default) would otherwise cut a longer STORE_OPEN_TIMEOUT_MS short;
    // the race stays as the backstop for a server that accepts the connection and never answers.
    return await Promise.race([openStore(url, { connectTimeoutMs: deadlineMs }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const terminal = !config.telegram.token;
  // JSON lines for log collectors; pino-pretty only when a person is reading stderr.
  const logger = createLogger(config.logLevel, undefined, {
    pretty: process.stderr.isTTY === true,
  });
  // A store that does not answer (Redis down: its client reconnects forever) must not hang start-up silently.
  const store = await openStoreWithin(config.store.url, config.store.openTimeoutMs);
  const metrics = createMetrics({ defaults: !terminal });
  const limited = config.llm.enabled
    ? limitConcurrency(
        createOpenAiClient({
          apiKey: config.llm.apiKey,
          baseUrl: config.llm.baseUrl,
          model: config.llm.model,
          timeoutMs: config.llm.timeoutMs,
          maxRetries: config.llm.maxRetries,
        }),
        config.llm.maxConcurrency,
        { timeoutMs: config.llm.timeoutMs },
      )
    : undefined;
  const llm = limited ? measuredLlm(limited, metrics) : undefined;
  // Parsing, cleaning and offline summaries run on worker threads, off the event loop (the terminal chat too).
  const cpu = createCpuPool({ ...config.cpu, logger });
  metrics.watch({ workerUtilisation: () => cpu.utilisation });
  const app = createBot(
    { config, store, llm, logger, cpu, metrics },
    {
      features: defaultFeatures(),
      ...(terminal ? { botInfo: TERMINAL_BOT_INFO, telegram: { apiRoot: TERMINAL_API_ROOT } } : {}),
    },
  );

  let stopping = false;
  let server: OperatorServer | undefined;
  let stopGate = () => {};
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, replica: config.service.replicaId });
    stopGate();
    // Stop accepting first: in-flight webhook requests finish, new ones get 503 and Telegram sends them elsewhere.
    await server?.close().catch((error: unknown) => logger.warn("server close failed", { error }));
    await app.stop(signal, config.service.shutdownGraceMs);
    await cpu.close().catch((error: unknown) => logger.warn("CPU pool close failed", { error }));
    await store.close().catch((error: unknown) => logger.warn("store close failed", { error }));
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));

  if (terminal) {
    await app.startFeatures();
    await runTerminalChat({
      app,
      input: process.stdin,
      output: process.stdout,
      pasteJoinMs: config.bot.pasteJoinMs,
      languageCode: languageFromLocale(config.terminal.locale),
      interactive: process.stdin.isTTY === true,
      userName: config.terminal.userName,
    });
    await shutdown("end of input");
    return;
  }

  const { service } = config;
  if (service.webhookUrl && service.webhookSecret) {
    const gate = createUpdateGate({
      store,
      replicaId: service.replicaId,
      leaseMs: service.jobLeaseMs,
      handle: (update) => app.bot.handleUpdate(update),
      logger,
      metrics,
    });
    // Listen before setWebhook: Telegram may post the first update at once.
    server = await startServer({
      host: service.host,
      port: service.port ?? 8080,
      store,
      metrics,
      replicaId: service.replicaId,
      logger,
      webhook: {
        path: new URL(service.webhookUrl).pathname || "/",
        secret: service.webhookSecret,
        maxBodyBytes: service.maxBodyBytes,
        gate,
      },
    });
    await app.launch({
      webhook: {
        url: service.webhookUrl,
        secret: service.webhookSecret,
        maxConnections: service.webhookMaxConnections,
      },
    });
    gate.start();
    stopGate = () => gate.stop();
    logger.info("webhook mode", { url: server.url, replica: service.replicaId });
    return;
  }

  if (service.port !== undefined) {
    server = await startServer({
      host: service.host,
      port: service.port,
      store,
      metrics,
      replicaId: service.replicaId,
      logger,
    });
  }
  await app.launch();
  mkdirSync(config.store.dataDir, { recursive: true });
  const healthPath = join(config.store.dataDir, HEALTH_FILE);
  const beat = () => {
    if (app.isPolling()) writeFileSync(healthPath, new Date().toISOString());
  };
  beat();
  setInterval(beat, HEALTH_EVERY_MS).unref();
}

/** One line for a start-up failure a person can fix (settings, network); the stack only for our own bugs. */
function startupMessage(error: unknown): string {
  if (isJianbaoError(error)) return `${error.code}: ${error.message}`;
  const failure = error as { name?: string; message?: string; code?: unknown; stack?: string } | undefined;
  // telegraf: TelegramError (401 bad token, 404 wrong API root) and FetchError (no network); the token is redacted.
  if (failure?.name === "TelegramError" || failure?.name === "FetchError") {
    return `could not reach the Telegram Bot API (${failure.message}); check TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT and the network`;
  }
  return String(failure?.stack ?? error);
}

main().catch((error: unknown) => {
  // Start-up failures (bad settings, unreachable store or Telegram) end here: say what, then exit 1.
  const message = startupMessage(error);
  process.stderr.write(`jianbao: ${message}\n`);
  process.exit(1);
});
