/**
 * The SQLite default, one process at a time: a read accepted by a process that is then killed is finished by the
 * next process on the same data directory, into the same placeholder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { articleHtml, modelSummary } from "../bot/harness.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { killAll, type Replica, startReplica } from "./processes.js";

let tg: FakeTelegram | undefined;
let site: FakeSite | undefined;
let ai: FakeOpenAi | undefined;
let dataDir: string | undefined;
const started: Replica[] = [];

afterEach(async () => {
  await killAll(started.splice(0));
  await Promise.all([tg?.close(), site?.close(), ai?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it("a read accepted before a SIGKILL is finished after the restart, into the same placeholder, once", async () => {
  tg = await startFakeTelegram();
  site = await startSite({ "/river": { body: articleHtml() } });
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let first = true;
  ai = await startFakeOpenAi({
    fallback: async () => {
      // The first process's call never comes back; the restarted one gets its answer.
      if (first) {
        first = false;
        await held;
      }
      return { content: modelSummary("en") };
    },
  });
  dataDir = mkdtempSync(join(tmpdir(), "jianbao-restart-"));
  const env = {
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.url,
    WEBHOOK_SECRET: "restart-secret",
    OPENAI_BASE_URL: ai.baseUrl,
    OPENAI_MODEL: "fake-model",
    LLM_MAX_RETRIES: "0",
    JOB_LEASE_MS: "1000",
    DATA_DIR: dataDir,
  };
  const before = await startReplica("one", env);
  started.push(before);
  expect(
    (await tg.deliver(tg.textMessage({ chatId: 5, text: `${site.url}/river` }), { targets: [before.hook] })).status,
  ).toBe(200);
  await ai.whenChatRequests(1);
  const placeholder = tg.callsTo("sendMessage").find((call) => call.ok && call.params.chat_id === 5);
  const placeholderId = ((placeholder?.result ?? {}) as { message_id?: number }).message_id;
  before.kill("SIGKILL");
  await before.exited;

  const after = await startReplica("two", env);
  started.push(after);
  const edit = await tg.waitFor((call) => call.method === "editMessageText" && call.ok && call.params.chat_id === 5, {
    timeoutMs: 20_000,
  });
  release();
  expect(edit.params.message_id).toBe(placeholderId);
  expect(tg.chatTranscript(5).find((message) => message.message_id === placeholderId)?.text).toMatch(
    /River levels in the north rose sharply/,
  );
  expect(after.logs()).toMatch(/"job taken over"/);
  // One placeholder, one answer: nothing sent twice.
  expect(tg.callsTo("sendMessage").filter((call) => call.ok && call.params.chat_id === 5)).toHaveLength(1);
  expect(tg.callsTo("editMessageText").filter((call) => call.ok && call.params.chat_id === 5)).toHaveLength(1);
}, 60_000);
