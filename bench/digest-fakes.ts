/**
 * The fakes for `npm run bench:digest`, in a process of their own so that the product's processes are measured
 * alone (memory, CPU): a website with the feeds and their article pages, the fake OpenAI server (it counts model
 * requests), and a Bot API that ENFORCES Telegram's limits at the bench's time scale — 30 messages/s overall
 * becomes 30/scale, one a second per chat becomes `scale` seconds — and answers 429 with `retry_after` past them.
 *
 * Started by bench/digest.ts with `fork` (IPC): it answers `ready` with its URLs, then takes
 * `{ type: "route" }`, `{ type: "stats" }`, `{ type: "reset" }` and `{ type: "close" }`.
 */

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { summaryReply } from "../test/digest/helpers.js";
import { startFakeOpenAi } from "../test/fakes/openai.js";
import { type SiteRoute, startSite } from "../test/fakes/site.js";

/** Telegram's limits in real time (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). */
const TELEGRAM_RATE = 30;
const TELEGRAM_PER_CHAT_MS = 1000;

export type FakesRequest =
  | { type: "route"; path: string; route: SiteRoute }
  /** `texts`: include every accepted text (only for the final count: 100,000 texts take the fake seconds to send). */
  | { type: "stats"; texts?: boolean }
  | { type: "reset" }
  | { type: "close" };

export interface BotApiStats {
  accepted: number;
  rejected429: number;
  /**
   * Accepted texts per chat, as `textDigest` of each: 100,000 digests' texts kept whole made this process's heap
   * hundreds of MB, and its GC pauses bunched the arrivals it timestamps.
   */
  byChat: Array<[number, string[]]>;
  firstAt?: number;
  lastAt?: number;
  /** Most messages accepted within any one second. */
  busiestSecond: number;
  /** Messages accepted in each whole second from the first one (second 0 starts at the first message). */
  perSecond: number[];
  /**
   * The fakes' own event-loop delay since the first accepted message (ms, max and p99): requests are timestamped
   * when this process gets to them, so a stall here bunches arrivals that the product spaced.
   */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  modelRequests: number;
}

const scale = Number(process.argv[2] ?? "0.1");
const rate = TELEGRAM_RATE / scale;
const perChatMs = TELEGRAM_PER_CHAT_MS * scale;

// One second's worth of messages may go at once, as Telegram allows about 30 in a second.
let tokens = rate;
let refilledAt = performance.now();
let nextMessageId = 1;
let lastByChat = new Map<number, number>();
let byChat = new Map<number, string[]>();
let accepted = 0;
let rejected429 = 0;
let firstAt: number | undefined;
let lastAt: number | undefined;
/** Accept times within the last second, for the busiest one-second window. */
let recent: number[] = [];
let busiestSecond = 0;
let perSecond: number[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function tooMany(res: ServerResponse, waitMs: number) {
  rejected429 += 1;
  // retry_after is in real seconds (at least 1), as Telegram says it; the product waits it out unscaled.
  const seconds = Math.max(1, Math.ceil(waitMs / scale / 1000));
  json(res, 429, {
    ok: false,
    error_code: 429,
    description: `Too Many Requests: retry after ${seconds}`,
    parameters: { retry_after: seconds },
  });
}

/** What the fake keeps of an accepted text: enough to tell duplicates and losses apart. */
export function textDigest(text: string): string {
  return createHash("sha1").update(text).digest("base64");
}

const BOT = { id: 424242, is_bot: true, first_name: "Jianbao", username: "jianbao_bench_bot" };

function sendMessage(res: ServerResponse, params: { chat_id?: unknown; text?: unknown }) {
  const now = performance.now();
  tokens = Math.min(rate, tokens + ((now - refilledAt) * rate) / 1000);
  refilledAt = now;
  const chatId = Number(params.chat_id);
  const last = lastByChat.get(chatId);
  if (last !== undefined && now - last < perChatMs) return tooMany(res, perChatMs - (now - last));
  if (tokens < 1) return tooMany(res, ((1 - tokens) * 1000) / rate);
  tokens -= 1;
  lastByChat.set(chatId, now);
  accepted += 1;
  if (firstAt === undefined) {
    firstAt = now;
    // The delay figure is the delivery's: what came before (serving feeds and pages, the model) bunches nothing.
    loopDelay.reset();
  }
  lastAt = now;
  const second = Math.floor((now - firstAt) / 1000);
  perSecond[second] = (perSecond[second] ?? 0) + 1;
  recent.push(now);
  while ((recent[0] ?? now) <= now - 1000) recent.shift();
  busiestSecond = Math.max(busiestSecond, recent.length);
  const texts = byChat.get(chatId) ?? [];
  texts.push(textDigest(String(params.text)));
  byChat.set(chatId, texts);
  json(res, 200, {
    ok: true,
    result: { message_id: nextMessageId++, date: 0, chat: { id: chatId, type: "private" }, text: params.text },
  });
}

function botApi(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const method = (req.url ?? "").split("/").pop() ?? "";
    let params: Record<string, unknown> = {};
    try {
      params = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    } catch {
      // multipart or empty: no parameters the bench needs
    }
    if (method === "getMe") return json(res, 200, { ok: true, result: BOT });
    if (method === "sendMessage") return sendMessage(res, params);
    json(res, 200, { ok: true, result: true });
  });
}

async function main() {
  const site = await startSite();
  const ai = await startFakeOpenAi({ fallback: summaryReply });
  const api = createServer(botApi);
  api.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  const address = api.address() as { port: number };
  const send = (message: unknown) => process.send?.(message);
  process.on("message", async (message: FakesRequest) => {
    if (message.type === "route") site.route(message.path, message.route);
    if (message.type === "stats") {
      const stats: BotApiStats = {
        accepted,
        rejected429,
        byChat: message.texts ? [...byChat] : [],
        firstAt,
        lastAt,
        busiestSecond,
        perSecond: Array.from(perSecond, (count) => count ?? 0),
        loopDelayMaxMs: loopDelay.max / 1e6,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        modelRequests: ai.chatRequests().length,
      };
      send({ type: "stats", stats });
      return;
    }
    if (message.type === "reset") {
      lastByChat = new Map();
      byChat = new Map();
      accepted = 0;
      rejected429 = 0;
      firstAt = undefined;
      lastAt = undefined;
      recent = [];
      busiestSecond = 0;
      perSecond = [];
      tokens = rate;
      loopDelay.reset();
    }
    if (message.type === "close") {
      api.closeAllConnections();
      await Promise.all([site.close(), ai.close(), new Promise((resolve) => api.close(resolve))]);
      process.exit(0);
    }
    send({ type: `${message.type}:done` });
  });
  // The bench may die without saying close: go with it.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", site: site.url, openai: ai.baseUrl, botApi: `http://127.0.0.1:${address.port}` });
}

// Run when started as the fakes' process; bench/digest.ts also imports textDigest from here.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void main();
