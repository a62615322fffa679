/**
 * The bot in webhook mode inside the test process: the fake Bot API (which delivers by webhook), a fake website,
 * the fake model, a store, and the operator server on 127.0.0.1:0 with the update gate in front of the bot.
 *
 * ```ts
 * const s = await startService({ site: { "/a": { body: html } } });
 * const { status } = await s.tg.deliver(s.tg.textMessage({ chatId: 1, text: `${s.site.url}/a` }));
 * await s.stop();
 * ```
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BotApp, createBot } from "../../src/bot/index.js";
import { createUpdateGate, type UpdateGate } from "../../src/bot/updates.js";
import { type Config, loadConfig } from "../../src/config.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics, type Metrics, measuredLlm } from "../../src/metrics.js";
import { type OperatorServer, startServer } from "../../src/server.js";
import { openStore, type Store } from "../../src/store/store.js";
import { inlineCpu } from "../../src/workers/cpu.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, type SiteRoutes, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";

export const WEBHOOK_PATH = "/tg/hook";
export const SECRET = "test-secret_123";

export interface Service {
  tg: FakeTelegram;
  site: FakeSite;
  ai: FakeOpenAi;
  app: BotApp;
  gate: UpdateGate;
  server: OperatorServer;
  store: Store;
  metrics: Metrics;
  config: Config;
  /** The webhook URL on the operator server. */
  hook: string;
  stop(): Promise<void>;
}

export async function startService(
  options: { site?: SiteRoutes; env?: Record<string, string>; wrapStore?: (store: Store) => Store } = {},
): Promise<Service> {
  const dataDir = mkdtempSync(join(tmpdir(), "jianbao-service-"));
  const tg = await startFakeTelegram();
  const site = await startSite(options.site ?? {});
  const ai = await startFakeOpenAi();
  const config = loadConfig({
    DATA_DIR: dataDir,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.url,
    FETCH_ALLOW_PRIVATE: "1",
    OPENAI_BASE_URL: ai.baseUrl,
    OPENAI_MODEL: "fake-model",
    WEBHOOK_URL: `https://bot.example${WEBHOOK_PATH}`,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_MAX_BODY_BYTES: "4096",
    ...options.env,
  });
  const opened = await openStore(config.store.url);
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  // Node's default metrics too (event-loop delay), as main.ts has them.
  const metrics = createMetrics({ defaults: true });
  const llm = measuredLlm(
    createOpenAiClient({ baseUrl: ai.baseUrl, apiKey: "test", model: "fake-model", timeoutMs: 5000, maxRetries: 0 }),
    metrics,
  );
  const app = createBot({ config, store, llm, logger: silentLogger, cpu: inlineCpu, metrics });
  const gate = createUpdateGate({
    store,
    replicaId: config.service.replicaId,
    leaseMs: config.service.jobLeaseMs,
    handle: (update) => app.bot.handleUpdate(update),
    metrics,
  });
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    store,
    metrics,
    webhook: { path: WEBHOOK_PATH, secret: SECRET, maxBodyBytes: config.service.maxBodyBytes, gate },
  });
  const hook = `${server.url}${WEBHOOK_PATH}`;
  // Telegram is told the public URL; the fake posts to where the server really listens.
  await app.launch({ webhook: { url: hook, secret: SECRET, maxConnections: config.service.webhookMaxConnections } });
  return {
    tg,
    site,
    ai,
    app,
    gate,
    server,
    store,
    metrics,
    config,
    hook,
    async stop() {
      gate.stop();
      await server.close();
      await app.stop("test", 5000);
      await tg.close();
      await site.close();
      await ai.close();
      await store.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
