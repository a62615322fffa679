import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { articleHtml } from "./harness.js";

const ROOT = new URL("../..", import.meta.url).pathname;

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
});
