import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { articleHtml } from "./harness.js";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A TCP server that accepts connections and never answers: a store that hangs. */
async function startSilentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  return {
    port: (silent.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    },
  };
}

describe("main (TELEGRAM_BOT_TOKEN set)", () => {
  let tg: FakeTelegram | undefined;
  let site: FakeSite | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await tg?.close();
    await site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("long polls the API root, answers a link, writes the health file and stops cleanly on SIGTERM", async () => {
    tg = await startFakeTelegram();
    site = await startSite({ "/river": { body: articleHtml() } });
    dir = mkdtempSync(join(tmpdir(), "jianbao-main-"));
    const env: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(env)) if (/^(OPENAI_|STORE_URL)/.test(name)) delete env[name];
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: {
        ...env,
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_API_ROOT: tg.url,
        DATA_DIR: dir,
        FETCH_ALLOW_PRIVATE: "1",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let logs = "";
    child.stderr.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));

    const link = `${site.url}/river`;
    tg.sendText({ chatId: 31, text: link, languageCode: "en" });
    const edit = await tg.waitFor((call) => call.method === "editMessageText" && call.ok, { timeoutMs: 20_000 });
    expect(String(edit.params.text)).toContain("Rivers of the North");
    expect(tg.callsTo("setMyCommands").length).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(dir, "health"))).toBe(true);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const lines = logs
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(["bot started", "summary sent", "shutting down"]),
    );
    // No message text (the link) and no token in info logs.
    expect(logs).not.toContain(link);
    expect(logs).not.toContain(tg.token);
  });

  /** Runs main with `env` and no input; resolves with the exit code and stderr. */
  function runMain(env: Record<string, string>): Promise<{ code: number | null; err: string }> {
    const clean: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(clean))
      if (/^(OPENAI_|STORE_URL|TELEGRAM_|LOG_LEVEL)/.test(name)) delete clean[name];
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: { ...clean, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, err })));
  }

  it("gives up with one line, no hang, when the store does not answer (Redis that never replies)", async () => {
    dir = mkdtempSync(join(tmpdir(), "jianbao-main-"));
    const { port, close } = await startSilentServer();
    try {
      const { code, err } = await runMain({
        DATA_DIR: dir,
        STORE_URL: `redis://user:hunter2@127.0.0.1:${port}`,
        STORE_OPEN_TIMEOUT_MS: "1500",
      });
      expect(code).toBe(1);
      expect(err.trim()).toBe(
        `jianbao: STORE_UNAVAILABLE: the store at redis://***@127.0.0.1:${port} did not answer within 1.5 s (is it running? check STORE_URL)`,
      );
    } finally {
      await close();
    }
  });

  it("waits the whole STORE_OPEN_TIMEOUT_MS for the store, even past the store's 10 s default", async () => {
    dir = mkdtempSync(join(tmpdir(), "jianbao-main-"));
    const { port, close } = await startSilentServer();
    try {
      const { code, err } = await runMain({
        DATA_DIR: dir,
        STORE_URL: `redis://127.0.0.1:${port}`,
        STORE_OPEN_TIMEOUT_MS: "10500",
      });
      expect(code).toBe(1);
      expect(err.trim()).toBe(
        `jianbao: STORE_UNAVAILABLE: the store at redis://127.0.0.1:${port} did not answer within 10.5 s (is it running? check STORE_URL)`,
      );
    } finally {
      await close();
    }
  }, 30_000);

  it("says in one line, without a stack or the token, that Telegram is unreachable", async () => {
    dir = mkdtempSync(join(tmpdir(), "jianbao-main-"));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const { code, err } = await runMain({
      DATA_DIR: dir,
      TELEGRAM_BOT_TOKEN: "123456:SECRETtoken",
      TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`,
    });
    expect(code).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain("jianbao: could not reach the Telegram Bot API");
    expect(err).toContain("check TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT and the network");
    expect(err).not.toContain("SECRETtoken");
  });
});
