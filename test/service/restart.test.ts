/**
 * The SQLite default, one process at a time: a read accepted by a process that is then killed is finished by the
 * next process on the same data directory, into the same placeholder.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { articleHtml, modelSummary } from "../bot/harness.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { killAll, type Replica, startReplica } from "./processes.js";

const PASTED = readFileSync(new URL("../fixtures/pages/pasted-gmw-2020-03-26/source.txt", import.meta.url), "utf8");

let tg: FakeTelegram | undefined;
let site: FakeSite | undefined;
let ai: FakeOpenAi | undefined;
let dataDir: string | undefined;
const started: Replica[] = [];

/** The environment both processes of a test run with: one data directory (made here), short job leases. */
function processEnv(telegram: FakeTelegram, model: FakeOpenAi): Record<string, string> {
  dataDir = mkdtempSync(join(tmpdir(), "jianbao-restart-"));
  return {
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    WEBHOOK_SECRET: "restart-secret",
    OPENAI_BASE_URL: model.baseUrl,
    OPENAI_MODEL: "fake-model",
    LLM_MAX_RETRIES: "0",
    JOB_LEASE_MS: "1000",
    DATA_DIR: dataDir,
  };
}

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
  const env = processEnv(tg, ai);
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

it("a page pasted in two pieces, the process killed while it gathers them, is read whole after the restart", async () => {
  tg = await startFakeTelegram();
  ai = await startFakeOpenAi({ fallback: async () => ({ content: modelSummary("en") }) });
  // Long enough that the kill below lands while the job still waits for more pieces.
  const env = { ...processEnv(tg, ai), PASTE_JOIN_MS: "4000" };
  const cut = PASTED.lastIndexOf("\n", PASTED.indexOf("三是积极分享疫情防控和诊疗方案"));
  const before = await startReplica("one", env);
  started.push(before);
  const first = tg.textMessage({ chatId: 6, text: PASTED.slice(0, cut), languageCode: "zh-hans" });
  expect((await tg.deliver(first, { targets: [before.hook] })).status).toBe(200);
  const placeholder = await tg.waitFor((call) => call.method === "sendMessage" && call.ok && call.params.chat_id === 6);
  const placeholderId = ((placeholder.result ?? {}) as { message_id?: number }).message_id;
  const second = tg.textMessage({ chatId: 6, text: PASTED.slice(cut + 1), languageCode: "zh-hans" });
  expect((await tg.deliver(second, { targets: [before.hook] })).status).toBe(200);
  before.kill("SIGKILL");
  await before.exited;
  // Killed while gathering: nothing was read yet.
  expect(ai.chatRequests()).toHaveLength(0);

  const after = await startReplica("two", env);
  started.push(after);
  const edit = await tg.waitFor((call) => call.method === "editMessageText" && call.ok && call.params.chat_id === 6, {
    timeoutMs: 30_000,
  });
  expect(edit.params.message_id).toBe(placeholderId);
  expect(after.logs()).toMatch(/"job taken over"/);
  // The whole page, both pieces, went to the model once.
  const pages = ai.chatRequests().filter((request) => request.user.includes("<article>"));
  expect(pages).toHaveLength(1);
  expect(pages[0]?.user).toContain("二是应邀向疫情严重国家派出医疗专家组");
  expect(pages[0]?.user).toContain("罗照辉表示,中国将继续秉持人类命运共同体理念");
  expect(tg.callsTo("sendMessage").filter((call) => call.ok && call.params.chat_id === 6)).toHaveLength(1);
  expect(tg.callsTo("editMessageText").filter((call) => call.ok && call.params.chat_id === 6)).toHaveLength(1);
}, 60_000);
