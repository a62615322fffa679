/**
 * npm run bench:webhook — how fast one replica accepts webhook updates (answers 200) while the model is busy.
 *
 *   For each store (SQLite; Redis when redis-server is installed): the bot in webhook mode (test/service/service.ts:
 *   the operator server, the update gate, the real bot) with the fake Bot API and a fake model that holds every
 *   call (the model is busy: summaries pile up behind it). N updates, each a link from its own chat, are posted
 *   by C concurrent clients (Telegram's max_connections); each 200 is timed from the request's start.
 *   The anchor, in the same run: a bare node:http server that reads the body, parses it and answers 200.
 *
 *   Each server first gets a warm-up of WARMUP updates (not counted): connections, JIT and the store's first writes.
 *
 *   --updates N (default 2000)   --concurrency C (default 40)
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { articleHtml } from "../test/bot/harness.js";
import { hasRedisServer, startRedis } from "../test/helpers/redis.js";
import { SECRET, startService } from "../test/service/service.js";

const { values } = parseArgs({
  options: { updates: { type: "string" }, concurrency: { type: "string" } },
});
const UPDATES = Number(values.updates ?? 2000);
const CONCURRENCY = Number(values.concurrency ?? 40);
const WARMUP = Math.min(200, Math.ceil(UPDATES / 5));

interface Row {
  server: string;
  accepted: number;
  perSecond: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Posts `bodies` to `url` from CONCURRENCY clients; the timings of the 200s. */
async function load(url: string, bodies: readonly string[]): Promise<{ ok: number; seconds: number; ms: number[] }> {
  const ms: number[] = [];
  let next = 0;
  let ok = 0;
  const started = performance.now();
  const client = async () => {
    for (;;) {
      const index = next++;
      if (index >= bodies.length) return;
      const begun = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: bodies[index],
      });
      await response.arrayBuffer();
      if (response.status === 200) {
        ok += 1;
        ms.push(performance.now() - begun);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  return { ok, seconds: (performance.now() - started) / 1000, ms };
}

function row(server: string, result: Awaited<ReturnType<typeof load>>): Row {
  const sorted = [...result.ms].sort((a, b) => a - b);
  return {
    server,
    accepted: result.ok,
    perSecond: result.ok / result.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

async function anchor(bodies: readonly string[]): Promise<Row> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  try {
    await load(`http://127.0.0.1:${port}/hook`, bodies.slice(0, WARMUP));
    return row("bare node:http (anchor)", await load(`http://127.0.0.1:${port}/hook`, bodies));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function jianbao(name: string, storeUrl: string | undefined): Promise<Row> {
  const service = await startService({
    site: { "/river": { body: articleHtml() } },
    env: {
      ...(storeUrl ? { STORE_URL: storeUrl } : {}),
      LOG_LEVEL: "silent",
      RATE_LIMIT_PER_MINUTE: "1000",
    },
  });
  let release: () => void = () => {};
  const busy = new Promise<void>((resolve) => {
    release = resolve;
  });
  service.ai.setFallback(async () => {
    await busy;
    return { status: 503 };
  });
  try {
    const bodies = Array.from({ length: WARMUP + UPDATES }, (_unused, index) =>
      JSON.stringify({
        ...service.tg.textMessage({ chatId: 10_000 + index, text: `${service.site.url}/river` }),
        update_id: 1_000_000 + index,
      }),
    );
    await load(service.hook, bodies.slice(0, WARMUP));
    return row(`jianbao, ${name}`, await load(service.hook, bodies.slice(WARMUP)));
  } finally {
    release();
    await service.stop();
  }
}

async function main() {
  const template = JSON.stringify({ update_id: 1, message: { message_id: 1, text: "https://example.com/a" } });
  const bodies = Array.from({ length: UPDATES }, (_unused, index) =>
    template.replace('"update_id":1', `"update_id":${index}`),
  );
  const rows: Row[] = [await anchor(bodies)];
  rows.push(await jianbao("SQLite", undefined));
  if (hasRedisServer()) {
    const redis = await startRedis();
    try {
      rows.push(await jianbao("Redis", redis.url));
    } finally {
      await redis.stop();
    }
  } else {
    process.stdout.write("(redis-server not installed: Redis row skipped)\n");
  }
  process.stdout.write(
    `webhook: ${UPDATES} updates (a link each, from ${UPDATES} chats) after ${WARMUP} warm-up, ${CONCURRENCY} concurrent connections, model busy\n\n`,
  );
  process.stdout.write("| server | 200s | updates/s | p50 ms to 200 | p99 ms to 200 |\n|---|---:|---:|---:|---:|\n");
  for (const item of rows) {
    process.stdout.write(
      `| ${item.server} | ${item.accepted} | ${item.perSecond.toFixed(0)} | ${item.p50.toFixed(2)} | ${item.p99.toFixed(2)} |\n`,
    );
  }
  process.exit(0);
}

void main();
