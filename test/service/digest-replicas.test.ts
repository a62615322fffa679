/**
 * A digest run across three real replicas (`node --import tsx src/main.ts`) on one real Redis, one of them
 * SIGKILLed halfway: every subscriber still gets the digest exactly once, and the sends of all three together stay
 * within the one Telegram budget (`TELEGRAM_MAX_PER_SECOND`, booked in Redis).
 *
 * How the test knows "halfway" and "exactly once": the fake Bot API holds every digest send after the first half
 * unanswered (`holdCalls`). The victim is killed only once the ledger in Redis records every send the fake accepted,
 * so no answer is in flight to it: its held sends are then dropped by the fake (they never reached "Telegram"), and
 * each person's message count at the fake is the whole truth.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Telegram } from "telegraf";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config.js";
import { resolveFeed } from "../../src/digest/feeds.js";
import { createDigests, type Digests, telegramSender } from "../../src/digest/index.js";
import { createOpenAiClient } from "../../src/llm/openai.js";
import { records } from "../../src/store/records.js";
import { openStore, type Store } from "../../src/store/store.js";
import type { Summary } from "../../src/types.js";
import { articlePage, rss, summaryReply } from "../digest/helpers.js";
import { type FakeOpenAi, startFakeOpenAi } from "../fakes/openai.js";
import { type FakeSite, startSite } from "../fakes/site.js";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";
import { busiestWindow } from "../helpers/windows.js";
import { killAll, type Replica, startReplica } from "./processes.js";

const SECRET = "digest-secret";
/** As in replicas.test.ts: short enough for the test's patience, long enough for a loaded CI machine. */
const LEASE_MS = 5000;
/** TELEGRAM_MAX_PER_SECOND for the replicas: low, so 60 digests take several seconds and the kill lands mid-run. */
const RATE = 10;
/**
 * The sends are spaced at 1/RATE s, but a send that left a little late and the next one on time reach the fake
 * closer together (HTTP on a busy 2-core machine): its limit, and the check, allow this many more in a second.
 * Three replicas pacing on their own would send 3 × RATE.
 */
const JITTER = 2;
const PEOPLE = 60;
const HALF = PEOPLE / 2;
const FIRST_CHAT = 7000;

describe.runIf(hasRedisServer())("a digest run across three replicas, one killed halfway", () => {
  let redis: RedisServer;
  let tg: FakeTelegram;
  let site: FakeSite;
  let ai: FakeOpenAi;
  let store: Store;
  let seeder: Digests;
  let dataDir: string;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    tg = await startFakeTelegram();
    // Telegram's limits at this rate: a replica pacing on its own (RATE each, three together) would trip them.
    tg.limit({ perChat: { calls: 3, perMs: 1000 }, global: { calls: RATE + JITTER, perMs: 1000 } });
    site = await startSite();
    ai = await startFakeOpenAi({ fallback: summaryReply });
    store = await openStore(redis.url);
    dataDir = mkdtempSync(join(tmpdir(), "jianbao-digest-replicas-"));
    const env = {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.url,
      STORE_URL: redis.url,
      WEBHOOK_SECRET: SECRET,
      OPENAI_BASE_URL: ai.baseUrl,
      OPENAI_MODEL: "fake-model",
      LLM_MAX_RETRIES: "0",
      JOB_LEASE_MS: String(LEASE_MS),
      TELEGRAM_MAX_PER_SECOND: String(RATE),
      DIGEST_TICK_SECONDS: "1",
      DATA_DIR: dataDir,
    };
    for (const name of ["d1", "d2", "d3"]) replicas.push(await startReplica(name, env));
    // The test's own handle on the digest store (never started: it only seeds and reads the ledger).
    seeder = createDigests({
      config: loadConfig({ FETCH_ALLOW_PRIVATE: "1" }),
      store,
      llm: createOpenAiClient({ baseUrl: ai.baseUrl, model: "fake-model", timeoutMs: 5000, maxRetries: 0 }),
      summaryCache: store.collection<Summary>("summary"),
      send: telegramSender(new Telegram(tg.token, { apiRoot: tg.url })),
      fetchOptions: { allowPrivate: true },
    });
  }, 120_000);

  afterAll(async () => {
    await killAll(replicas);
    seeder?.stop();
    await store?.close();
    await Promise.all([tg?.close(), site?.close(), ai?.close()]);
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const isDigestChat = (chatId: unknown) => Number(chatId) >= FIRST_CHAT && Number(chatId) < FIRST_CHAT + PEOPLE;
  const digestMessages = () => tg.callsTo("sendMessage").filter((call) => call.ok && isDigestChat(call.params.chat_id));

  it("every subscriber gets the digest once; the dead replica's digests are resumed by the others", async () => {
    // A feed, 60 people subscribed to it (an hour ago), two new stories summarized once.
    site.route("/feed.xml", { body: rss("Shared", []), type: "application/rss+xml" });
    const feedId = await seeder.poller.addFeed(
      await resolveFeed(`${site.url}/feed.xml`, { fetchOptions: { allowPrivate: true } }),
    );
    const since = new Date(Date.now() - 3_600_000).toISOString();
    for (let index = 0; index < PEOPLE; index += 1) {
      const userId = FIRST_CHAT + index;
      await seeder.digests.subscribe(feedId, userId, since);
      await records(store).users.set(String(userId), { lang: "en", firstSeen: since });
    }
    const stories = [1, 2].map((n) => ({ id: `s${n}`, title: `Shared story ${n}`, link: `${site.url}/s/${n}.html` }));
    site.route("/feed.xml", { body: rss("Shared", stories), type: "application/rss+xml" });
    for (const story of stories) site.route(new URL(story.link).pathname, { body: articlePage(story.title) });
    await seeder.poller.pollAll({ force: true });

    // The first half of the digests go out; the rest are held at the fake, unanswered.
    const hold = tg.holdCalls(
      (method, params) => method === "sendMessage" && isDigestChat(params.chat_id) && digestMessages().length >= HALF,
    );

    // Everyone's digest time is this minute in UTC: due at the replicas' next tick (every second).
    const now = new Date();
    const time = `${String(now.getUTCHours()).padStart(2, "0")}:${String(now.getUTCMinutes()).padStart(2, "0")}`;
    for (let index = 0; index < PEOPLE; index += 1) {
      await seeder.digests.settings.set(String(FIRST_CHAT + index), {
        chatId: FIRST_CHAT + index,
        time,
        timezone: "UTC",
        enabled: true,
        sendEmpty: false,
      });
    }

    // Halfway: half accepted, more waiting. Kill only once the ledger records every accepted send (nothing in flight).
    await vi.waitFor(() => expect(hold.held()).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
    expect(digestMessages()).toHaveLength(HALF);
    const sendingByOwner = async () => {
      const owners = new Map<string, number>();
      let recorded = 0;
      for (const { value } of await seeder.digests.ledger.list()) {
        recorded += value.messageIds.length;
        if (value.state === "sending" && value.owner) {
          const name = value.owner.split("#")[0] as string;
          owners.set(name, (owners.get(name) ?? 0) + 1);
        }
      }
      return { owners, recorded };
    };
    await vi.waitFor(async () => expect((await sendingByOwner()).recorded).toBe(HALF), { timeout: 10_000 });
    const { owners } = await sendingByOwner();
    const [victimName, unfinished] = [...owners].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    expect(unfinished).toBeGreaterThan(0);
    const victim = replicas.find((replica) => replica.name === victimName) as Replica;
    victim.kill("SIGKILL");
    await victim.exited;
    hold.release();

    // The survivors finish their own digests at once and the victim's once its lease and heartbeat have run out.
    await tg.waitForCount(
      (call) => call.method === "sendMessage" && call.ok && isDigestChat(call.params.chat_id),
      PEOPLE,
      {
        timeoutMs: 60_000,
      },
    );
    await vi.waitFor(
      async () => {
        const entries = await seeder.digests.ledger.list();
        expect(entries).toHaveLength(PEOPLE);
        expect(entries.every(({ value }) => value.state === "sent")).toBe(true);
      },
      { timeout: 20_000 },
    );

    // Exactly once each: one message per person, with both stories.
    for (let index = 0; index < PEOPLE; index += 1) {
      const transcript = tg.chatTranscript(FIRST_CHAT + index);
      expect(transcript, `chat ${FIRST_CHAT + index}`).toHaveLength(1);
      expect(transcript[0]?.text).toMatch(/Shared story 1[\s\S]*Shared story 2|Shared story 2[\s\S]*Shared story 1/);
    }
    expect(digestMessages()).toHaveLength(PEOPLE);
    // Its unfinished digests were resumed by the others (a send of its still held at the kill was dropped by the fake).
    const survivorsLogs = replicas
      .filter((replica) => replica !== victim)
      .map((replica) => replica.logs())
      .join("");
    expect(survivorsLogs.match(/"resuming digest"/g)?.length).toBe(unfinished);
    // One summary per story and language served all 60 people and all three replicas.
    expect(ai.chatRequests()).toHaveLength(2);
  }, 120_000);

  it("kept the sum of the three replicas' sends within TELEGRAM_MAX_PER_SECOND and per chat", () => {
    expect(tg.limitHits).toEqual({ perChat: 0, global: 0 });
    // When the fake accepted each digest message, by its own clock.
    const acceptedAt = digestMessages().map((call) => call.at);
    expect(acceptedAt).toHaveLength(PEOPLE);
    expect(busiestWindow(acceptedAt, 1000)).toBeLessThanOrEqual(RATE + JITTER);
  });
});
