/**
 * The compiled build is what the Docker image runs (`npm run build`, then `node dist/main.js`): it must start, find
 * its worker file and its prompts, and answer a link exactly as the sources do under tsx.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { articleHtml, modelSummary } from "../bot/harness.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { COMPILED, killAll, type Replica, startReplica } from "./processes.js";

const ROOT = new URL("../..", import.meta.url).pathname;
let tg: FakeTelegram;
let site: FakeSite;
let ai: FakeOpenAi;
const dataDir = mkdtempSync(join(tmpdir(), "jianbao-compiled-"));
const started: Replica[] = [];

beforeAll(async () => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "pipe" });
  [tg, site, ai] = await Promise.all([
    startFakeTelegram(),
    startSite({ "/river": { body: articleHtml() } }),
    startFakeOpenAi({ fallback: async () => ({ content: modelSummary("en") }) }),
  ]);
}, 120_000);

afterAll(async () => {
  await killAll(started.splice(0));
  await Promise.all([tg?.close(), site?.close(), ai?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

it("node dist/main.js reads a link in its worker pool and answers it once, in the placeholder", async () => {
  const replica = await startReplica(
    "compiled",
    {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      WEBHOOK_SECRET: "compiled-secret",
      OPENAI_BASE_URL: ai.baseUrl,
      OPENAI_MODEL: "fake-model",
      DATA_DIR: dataDir,
    },
    "/tg/hook",
    COMPILED,
  );
  started.push(replica);
  const delivered = await tg.deliver(tg.textMessage({ chatId: 9, text: `${site.url}/river` }), {
    targets: [replica.hook],
  });
  expect(delivered.status).toBe(200);
  const edit = await tg.waitFor((call) => call.method === "editMessageText" && call.ok && call.params.chat_id === 9, {
    timeoutMs: 20_000,
  });
  expect(String(edit.params.text)).toMatch(/River levels in the north rose sharply/);
  // The summary came from the model (the prompts were found), not the offline fallback.
  expect(ai.chatRequests().length).toBeGreaterThan(0);
  expect(tg.callsTo("sendMessage").filter((call) => call.ok && call.params.chat_id === 9)).toHaveLength(1);
}, 60_000);
