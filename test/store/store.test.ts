import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/store.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";

function behavesAsAStore(open: () => Promise<Store>) {
  it("stores, reads, replaces and deletes records one per key", async () => {
    const store = await open();
    const users = store.collection<{ lang: string }>("user");
    await users.set("1", { lang: "zh" });
    expect(await users.get("1")).toEqual({ lang: "zh" });
    await users.set("1", { lang: "en" });
    expect(await users.get("1")).toEqual({ lang: "en" });
    expect(await users.delete("1")).toBe(true);
    expect(await users.get("1")).toBeUndefined();
    await store.close();
  });

  it("lists a collection by id prefix without touching other collections", async () => {
    const store = await open();
    const subs = store.collection<string>("sub");
    const other = store.collection<string>("subx");
    await subs.set("feedA:1", "a1");
    await subs.set("feedA:2", "a2");
    await subs.set("feedB:1", "b1");
    await other.set("feedA:9", "nope");
    const listed = await subs.list("feedA:");
    expect(listed.map((entry) => entry.id).sort()).toEqual(["feedA:1", "feedA:2"]);
    expect((await subs.list()).length).toBe(3);
    // ids with LIKE/glob metacharacters are taken literally
    await subs.set("a_b%c*:1", "x");
    await subs.set("aXbYcZ:1", "y");
    expect((await subs.list("a_b%c*:")).map((entry) => entry.value)).toEqual(["x"]);
    await store.close();
  });

  it("forgets records after their time to live", async () => {
    const store = await open();
    const items = store.collection<number>("ttl");
    await items.set("short", 1, 30);
    await items.set("long", 2, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await items.get("short")).toBeUndefined();
    expect(await items.get("long")).toBe(2);
    expect((await items.list()).map((entry) => entry.id)).toEqual(["long"]);
    await store.close();
  });

  it("gives a claim to exactly one of many concurrent callers", async () => {
    const store = await open();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim("digest:42:2026-11-28", 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.release("digest:42:2026-11-28");
    expect(await store.claim("digest:42:2026-11-28", 60_000)).toBe(true);
    await store.close();
  });

  it("appends to a list from many callers at once, reads it in order, and takes it whole", async () => {
    const store = await open();
    expect(await store.items("paste:1:1")).toEqual([]);
    await store.append("paste:1:1", "first", 60_000);
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.append("paste:1:1", `piece ${index}`, 60_000)));
    const items = await store.items("paste:1:1");
    expect(items[0]).toBe("first");
    expect([...items].sort()).toEqual(["first", ...Array.from({ length: 20 }, (_, index) => `piece ${index}`)].sort());
    // Taken with appends racing the take: each item is either in what was taken or left in the list, never lost.
    const [taken] = await Promise.all([store.takeItems("paste:1:1"), store.append("paste:1:1", "late", 60_000)]);
    const left = await store.items("paste:1:1");
    expect([...taken, ...left].sort()).toEqual([...items, "late"].sort());
    expect(await store.takeItems("paste:1:1")).toEqual(left);
    expect(await store.items("paste:1:1")).toEqual([]);
    // A list lapses its time to live after its last append.
    await store.append("paste:2:2", "gone", 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.items("paste:2:2")).toEqual([]);
    await store.close();
  });
}

describe("SQLite store", () => {
  let dir: string;
  let counter = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "jianbao-store-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  behavesAsAStore(() => openStore(`sqlite://${join(dir, `s${counter++}`, "db.sqlite")}`));

  it("rejects with STORE_UNAVAILABLE when the backend fails, never reads as a missing record or drops a write", async () => {
    const store = await openStore(`sqlite://${join(dir, "closed.sqlite")}`);
    const users = store.collection<{ lang: string }>("user");
    await users.set("1", { lang: "zh" });
    await store.close(); // the backend is gone, as when the disk fails or Redis goes away
    const unavailable = expect.objectContaining({
      code: "STORE_UNAVAILABLE",
      message: expect.stringContaining("user:1"),
    });
    await expect(users.get("1")).rejects.toEqual(unavailable);
    await expect(users.set("1", { lang: "en" })).rejects.toEqual(unavailable);
    await expect(users.list()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    await expect(store.claim("job:1", 1000)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
  });

  it("keeps records across a reopen (a restart)", async () => {
    const path = `sqlite://${join(dir, "restart.sqlite")}`;
    const first = await openStore(path);
    await first.collection<string>("article").set("abc", "text");
    await first.close();
    const second = await openStore(path);
    expect(await second.collection<string>("article").get("abc")).toBe("text");
    await second.close();
  });
});

describe("Redis store that cannot be reached", () => {
  async function listen(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    return { server, port: typeof address === "object" && address ? address.port : 0 };
  }

  it("fails at once with the reason when nothing listens, the password kept out of the message", async () => {
    const { server, port } = await listen(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await openStore(`redis://:secret@127.0.0.1:${port}`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE", message: expect.stringContaining("ECONNREFUSED") });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain("secret");
  });

  it("gives up on a server that accepts and never answers", async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen((socket) => void sockets.push(socket));
    try {
      const error = await openStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: "STORE_UNAVAILABLE" });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe.runIf(hasRedisServer())("Redis store", () => {
  let redis: RedisServer;
  let db = 0;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());
  // a separate logical database per test keeps them independent
  behavesAsAStore(() => openStore(`${redis.url}/${db++ % 16}`));

  it("lists a collection through its own index: records written before the index existed are found once (an upgrade)", async () => {
    // The store's own connection, for what the store does not say (the index's size).
    type Raw = { del(keys: string[]): Promise<number>; zCard(key: string): Promise<number> };
    const rawOf = (store: Store) => (store as unknown as { redisClient: Raw }).redisClient;
    const before = await openStore(`${redis.url}/14`);
    const people = before.collection<{ n: number }>("people");
    for (let n = 1; n <= 3; n += 1) await people.set(String(n), { n });
    await people.set("short", { n: 0 }, 30);
    // As a version without the index left them: the records alone.
    await rawOf(before).del(["index:people", "indexed:people"]);
    await before.close();
    const after = await openStore(`${redis.url}/14`);
    const raw = rawOf(after);
    const listed = after.collection<{ n: number }>("people");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await listed.list()).map((entry) => entry.id).sort()).toEqual(["1", "2", "3"]);
    // The expired record is out of the index too; new and deleted records follow it.
    expect(await raw.zCard("index:people")).toBe(3);
    await listed.set("4", { n: 4 });
    await listed.delete("1");
    expect((await listed.list("")).map((entry) => entry.id).sort()).toEqual(["2", "3", "4"]);
    expect(await raw.zCard("index:people")).toBe(3);
    // Another collection's records never show up.
    await after.collection<string>("peoplex").set("9", "x");
    expect((await listed.list()).map((entry) => entry.id).sort()).toEqual(["2", "3", "4"]);
    await after.close();
  });

  it("shares claims between two connections (two replicas)", async () => {
    const a = await openStore(`${redis.url}/15`);
    const b = await openStore(`${redis.url}/15`);
    const [first, second] = await Promise.all([a.claim("item:1", 60_000), b.claim("item:1", 60_000)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    await a.close();
    await b.close();
  });
});
