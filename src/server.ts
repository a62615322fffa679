/**
 * The one HTTP server for Telegram and operators (webhook mode always; polling mode when PORT is set):
 *
 *   POST <path of WEBHOOK_URL>   updates from Telegram: secret header checked (401), body capped (413), POST only
 *                                (405); 200 as soon as the update gate has accepted it, the work goes on after
 *   GET  /healthz                200 {"ok":true,…} when the event loop answers and the store pings back; 503 when not
 *   GET  /metrics                Prometheus text (src/metrics.ts)
 *
 * telegraf's own webhook handler awaits the whole update (a summary can take a minute), so Telegram times out and
 * re-delivers; here the answer waits only for the gate (a lease and a record, see bot/updates.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Update } from "telegraf/types";
import type { UpdateGate } from "./bot/updates.js";
import { type Logger, silentLogger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Store } from "./store/store.js";

/** Telegram's header carrying `secret_token`. */
const SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** /healthz gives the store this long to answer before it says "not ready". */
const STORE_PING_TIMEOUT_MS = 2000;

export interface ServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  store: Pick<Store, "ping">;
  metrics: Pick<Metrics, "registry">;
  /** Absent in polling mode (no webhook path). */
  webhook?: { path: string; secret: string; maxBodyBytes: number; gate: UpdateGate };
  replicaId?: string;
  logger?: Logger;
}

export interface OperatorServer {
  /** http://host:port */
  url: string;
  port: number;
  /** Stops accepting: new webhook requests get 503 (Telegram retries them elsewhere), then the socket closes. */
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** The body, or undefined when it went over `limit` (the request is answered 413 and drained). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function storeAnswers(store: Pick<Store, "ping">): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      store.ping().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), STORE_PING_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts listening; resolves once the port is bound. */
export async function startServer(options: ServerOptions): Promise<OperatorServer> {
  const logger = options.logger ?? silentLogger;
  const { webhook } = options;
  let closing = false;

  const onWebhook = async (request: IncomingMessage, response: ServerResponse) => {
    if (!webhook) return;
    if (request.method !== "POST") {
      response.setHeader("allow", "POST");
      return send(response, 405, { ok: false, error: "POST only" });
    }
    if (request.headers[SECRET_HEADER] !== webhook.secret) {
      logger.warn("webhook request without the right secret", { remote: request.socket.remoteAddress });
      return send(response, 401, { ok: false, error: "wrong or missing secret token" });
    }
    if (closing) return send(response, 503, { ok: false, error: "shutting down" });
    const body = await readBody(request, webhook.maxBodyBytes);
    if (!body) {
      response.setHeader("connection", "close");
      return send(response, 413, { ok: false, error: `body over ${webhook.maxBodyBytes} bytes` });
    }
    let update: Update;
    try {
      update = JSON.parse(body.toString("utf8")) as Update;
    } catch {
      return send(response, 400, { ok: false, error: "not JSON" });
    }
    if (!Number.isSafeInteger(update?.update_id)) return send(response, 400, { ok: false, error: "no update_id" });
    let verdict: Awaited<ReturnType<UpdateGate["accept"]>>;
    try {
      verdict = await webhook.gate.accept(update);
    } catch (error) {
      // The store is down: no 200, so Telegram keeps the update and tries again.
      logger.warn("could not accept an update", { updateId: update.update_id, error });
      return send(response, 503, { ok: false, error: "store unavailable" });
    }
    if (verdict === "busy") return send(response, 503, { ok: false, error: "another replica is accepting it" });
    send(response, 200, { ok: true });
    if (verdict === "accepted") void webhook.gate.run(update);
  };

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const handle = async () => {
      if (webhook && path === webhook.path) return onWebhook(request, response);
      if (request.method === "GET" && path === "/healthz") {
        const storeUp = await storeAnswers(options.store);
        return send(response, storeUp ? 200 : 503, {
          ok: storeUp,
          alive: true,
          store: storeUp ? "up" : "down",
          ...(options.replicaId ? { replica: options.replicaId } : {}),
        });
      }
      if (request.method === "GET" && path === "/metrics") {
        const { registry } = options.metrics;
        return send(response, 200, await registry.metrics(), registry.contentType);
      }
      return send(response, 404, { ok: false, error: "not found" });
    };
    handle().catch((error: unknown) => {
      logger.error("operator server request failed", { path, error });
      if (!response.headersSent) send(response, 500, { ok: false, error: "internal error" });
      else response.destroy();
    });
  });
  // Telegram keeps webhook connections open; a slow client must not hold a socket for ever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
