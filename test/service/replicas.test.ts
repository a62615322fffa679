/**
 * Three real replicas (`node --import tsx src/main.ts`) in webhook mode on one real Redis, the fake Bot API
 * delivering updates round-robin and re-delivering on 5xx or no answer, as Telegram does.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openStore, type Store } from "../../src/store/store.js";
import { articleHtml, modelSummary } from "../bot/harness.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";
import { killAll, type Replica, startReplica } from "./processes.js";

const SECRET = "replica-secret";
const PASTED = readFileSync(new URL("../fixtures/pages/pasted-gmw-2020-03-26/source.txt", import.meta.url), "utf8");

/** The text cut before each line that starts with one of `markers`, as Telegram splits a long paste. */
function splitBefore(text: string, markers: string[]): string[] {
  const cuts = markers.map((marker) => text.lastIndexOf("\n", text.indexOf(marker)));
  return [0, ...cuts].map((start, index) => text.slice(start === 0 ? 0 : start + 1, cuts[index] ?? text.length));
}
// Short leases so a takeover happens within the test's patience (the sweep runs every lease/2), yet long enough
// that a live replica on a loaded 2-core CI machine renews in time (every lease/3): 2 s was flaky there.
const LEASE_MS = 5000;

describe.runIf(hasRedisServer())("three replicas on Redis", () => {
  let redis: RedisServer;
  let tg: FakeTelegram;
  let site: FakeSite;
  let ai: FakeOpenAi;
  let store: Store;
  let dataDir: string;
  const replicas: Replica[] = [];
  /** While set, model calls wait for it. */
  let hold: Promise<void> | undefined;
  let release: () => void = () => {};

  beforeAll(async () => {
    redis = await startRedis();
    tg = await startFakeTelegram();
    // Telegram-like limits: a replica that paced on its own (3 at once per chat, 10 at once overall) would trip them
    // together with the others.
    tg.limit({ perChat: { calls: 3, perMs: 1000 }, global: { calls: 40, perMs: 1000 } });
    // A page of its own per test that holds the model: a page summarized before is a cache hit, no model call.
    site = await startSite({
      "/river": { body: articleHtml() },
      "/handback": { body: articleHtml({ title: "Handed back at shutdown" }) },
    });
    ai = await startFakeOpenAi({
      fallback: async () => {
        await hold;
        return { content: modelSummary("en") };
      },
    });
    store = await openStore(redis.url);
    dataDir = mkdtempSync(join(tmpdir(), "jianbao-replicas-"));
    const env = {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      STORE_URL: redis.url,
      WEBHOOK_SECRET: SECRET,
      OPENAI_BASE_URL: ai.baseUrl,
      OPENAI_MODEL: "fake-model",
      LLM_MAX_RETRIES: "0",
      JOB_LEASE_MS: String(LEASE_MS),
      SHUTDOWN_GRACE_MS: "200",
      DATA_DIR: dataDir,
    };
    for (const name of ["r1", "r2", "r3"]) replicas.push(await startReplica(name, env));
  }, 120_000);

  afterAll(async () => {
    release();
    await killAll(replicas);
    await store?.close();
    await Promise.all([tg?.close(), site?.close(), ai?.close()]);
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const alive = () =>
    replicas.filter((replica) => replica.child.exitCode === null && replica.child.signalCode === null);
  const targets = () => alive().map((replica) => replica.hook);
  const answersTo = (chatId: number, messageId: number | undefined) =>
    tg
      .callsTo("editMessageText")
      .filter((call) => call.ok && call.params.chat_id === chatId && call.params.message_id === messageId).length +
    tg
      .callsTo("sendMessage")
      .filter((call) => call.ok && call.params.chat_id === chatId && /River levels/.test(String(call.params.text)))
      .length;
  const placeholdersIn = (chatId: number) =>
    tg
      .callsTo("sendMessage")
      .filter((call) => call.ok && call.params.chat_id === chatId && /Reading/.test(String(call.params.text)));

  it("every replica registered the same webhook with the secret", () => {
    expect(tg.callsTo("setWebhook")).toHaveLength(3);
    expect(tg.webhook?.secret_token).toBe(SECRET);
  });

  it("a replica SIGKILLed mid-summary: every accepted read still gets exactly one answer, in its placeholder", async () => {
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chats = [101, 102, 103, 104, 105, 106];
    const since = ai.chatRequests().length;
    for (const chatId of chats) {
      const outcome = await tg.deliver(tg.textMessage({ chatId, text: `${site.url}/river` }), { targets: targets() });
      expect(outcome.status).toBe(200);
    }
    // Every read is at the model (held), each recorded as a job leased by the replica working on it.
    await ai.whenChatRequests(since + chats.length);
    const jobs = await store.collection<{ kind: string }>("job").list();
    expect(jobs).toHaveLength(chats.length);
    const holders = await Promise.all(jobs.map(({ id }) => store.leaseHolder(`job:${id}`)));
    const victimName = holders[0]?.split("#")[0];
    const victim = replicas.find((replica) => replica.name === victimName) as Replica;
    expect(victim).toBeDefined();
    const victimJobs = holders.filter((holder) => holder?.startsWith(`${victimName}#`)).length;
    victim.kill("SIGKILL");
    await victim.exited;
    // The model answers from now on; the survivors' sweeps take the dead replica's jobs once their leases run out.
    release();
    hold = undefined;
    await tg.waitForCount(
      (call) => call.method === "editMessageText" && call.ok && /River levels/.test(String(call.params.text)),
      chats.length,
      { timeoutMs: 30_000 },
    );
    for (const chatId of chats) {
      const placeholders = placeholdersIn(chatId);
      expect(placeholders, `chat ${chatId}`).toHaveLength(1);
      const placeholderId = ((placeholders[0]?.result ?? {}) as { message_id?: number }).message_id;
      expect(answersTo(chatId, placeholderId), `chat ${chatId}`).toBe(1);
      expect(tg.chatTranscript(chatId).at(-1)?.text).toMatch(/River levels in the north rose sharply/);
    }
    const survivorsLogs = replicas
      .filter((replica) => replica !== victim)
      .map((replica) => replica.logs())
      .join("");
    expect(survivorsLogs.match(/"job taken over"/g)?.length).toBe(victimJobs);
    // The job record is deleted right after its answer went out (the fake saw the edit first): wait for it.
    await vi.waitFor(async () => expect(await store.collection("job").list()).toEqual([]), { timeout: 10_000 });
  }, 60_000);

  it("the same update delivered to two replicas is handled once", async () => {
    const live = targets();
    const update = { ...tg.textMessage({ chatId: 201, text: `${site.url}/river` }), update_id: 90_001 };
    const [first, second] = await Promise.all([
      tg.deliver(update, { targets: [live[0] as string] }),
      tg.deliver(update, { targets: [live[1] as string] }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await tg.waitFor((call) => call.method === "editMessageText" && call.ok && call.params.chat_id === 201, {
      timeoutMs: 20_000,
    });
    // A late re-delivery to the third target changes nothing either.
    expect((await tg.deliver(update, { targets: [live.at(-1) as string] })).status).toBe(200);
    const placeholders = placeholdersIn(201);
    expect(placeholders).toHaveLength(1);
    expect(answersTo(201, ((placeholders[0]?.result ?? {}) as { message_id?: number }).message_id)).toBe(1);
  }, 30_000);

  it("a page pasted in three pieces, each delivered to another replica, is read once as one page", async () => {
    const pieces = splitBefore(PASTED, ["二是应邀向疫情严重国家派出医疗专家组", "三是积极分享疫情防控和诊疗方案"]);
    expect(pieces).toHaveLength(3);
    const live = targets();
    const since = ai.chatRequests().length;
    for (const [index, text] of pieces.entries()) {
      const update = tg.textMessage({ chatId: 501, text, languageCode: "zh-hans" });
      const outcome = await tg.deliver(update, { targets: [live[index % live.length] as string] });
      expect(outcome.status).toBe(200);
    }
    await tg.waitFor((call) => call.method === "editMessageText" && call.ok && call.params.chat_id === 501, {
      timeoutMs: 20_000,
    });
    // One placeholder, one page sent to the model holding every piece, one answer.
    const placeholders = tg
      .callsTo("sendMessage")
      .filter((call) => call.ok && call.params.chat_id === 501 && /正在阅读/.test(String(call.params.text)));
    expect(placeholders).toHaveLength(1);
    // (The model here answers in English, so a re-ask for Chinese follows: only one request holds an article.)
    const requests = ai
      .chatRequests()
      .slice(since)
      .filter((request) => request.user.includes("<article>"));
    expect(requests).toHaveLength(1);
    for (const phrase of [
      "国新办就中国关于抗击疫情的国际合作情况举行发布会",
      "二是应邀向疫情严重国家派出医疗专家组",
      "罗照辉表示,中国将继续秉持人类命运共同体理念",
    ]) {
      expect(requests[0]?.user).toContain(phrase);
    }
    const placeholderId = ((placeholders[0]?.result ?? {}) as { message_id?: number }).message_id;
    expect(
      tg.callsTo("editMessageText").filter((call) => call.ok && call.params.message_id === placeholderId),
    ).toHaveLength(1);
    expect(tg.callsTo("sendMessage").filter((call) => call.ok && call.params.chat_id === 501)).toHaveLength(1);
  }, 30_000);

  it("a wrong secret gets 401 from every replica and nothing is handled", async () => {
    const before = tg.callsTo("sendMessage").length;
    for (const target of targets()) {
      const outcome = await tg.deliver(tg.textMessage({ chatId: 301, text: "/help" }), {
        targets: [target],
        secret: "nope",
        attempts: 1,
      });
      expect(outcome.status).toBe(401);
    }
    expect(tg.callsTo("sendMessage").length).toBe(before);
  });

  it("SIGTERM: a replica stops accepting, hands its running job back, exits 0, and another one answers once", async () => {
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const leaving = alive()[0] as Replica;
    const since = ai.chatRequests().length;
    expect(
      (await tg.deliver(tg.textMessage({ chatId: 401, text: `${site.url}/handback` }), { targets: [leaving.hook] }))
        .status,
    ).toBe(200);
    await ai.whenChatRequests(since + 1);
    leaving.kill("SIGTERM");
    expect(await leaving.exited).toBe(0);
    expect(leaving.logs()).toMatch(/handed back/);
    // Stopped accepting: its port is closed.
    await expect(fetch(leaving.hook, { method: "POST" })).rejects.toThrow();
    release();
    hold = undefined;
    await tg.waitFor((call) => call.method === "editMessageText" && call.ok && call.params.chat_id === 401, {
      timeoutMs: 20_000,
    });
    const placeholders = placeholdersIn(401);
    expect(placeholders).toHaveLength(1);
    expect(answersTo(401, ((placeholders[0]?.result ?? {}) as { message_id?: number }).message_id)).toBe(1);
  }, 40_000);

  it("kept every send within Telegram's limits, summed over the replicas", () => {
    expect(tg.limitHits).toEqual({ perChat: 0, global: 0 });
  });
});
