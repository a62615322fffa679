import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { conversationMemory, type StoredTurn } from "../../src/qa/memory.js";
import { openStore } from "../../src/store/store.js";

const DAY = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sqliteUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), "jianbao-memory-"));
  dirs.push(dir);
  return `sqlite://${join(dir, "store.sqlite")}`;
}

const turn = (question: string, userId = 7): StoredTurn => ({
  question,
  answer: `answer to ${question}`,
  quotes: [1],
  userId,
  at: "2026-01-01T00:00:00.000Z",
});

describe("conversationMemory", () => {
  it("keeps the last turns per chat and article, oldest first", async () => {
    const store = await openStore(sqliteUrl());
    const memory = conversationMemory(store, { maxTurns: 3, ttlMs: DAY });
    for (const n of [1, 2, 3, 4]) await memory.append(7, "art1", turn(`q${n}`));
    await memory.append(7, "art2", turn("other article"));
    await memory.append(8, "art1", turn("other chat", 8));
    expect((await memory.turns(7, "art1")).map((t) => t.question)).toEqual(["q2", "q3", "q4"]);
    expect((await memory.turns(7, "art2")).map((t) => t.question)).toEqual(["other article"]);
    expect((await memory.turns(8, "art1")).map((t) => t.question)).toEqual(["other chat"]);
    expect(await memory.turns(9, "art1")).toEqual([]);
    await store.close();
  });

  it("survives closing and reopening the store", async () => {
    const url = sqliteUrl();
    const first = await openStore(url);
    await conversationMemory(first, { ttlMs: DAY }).append(7, "art1", turn("before restart"));
    await first.close();
    const second = await openStore(url);
    expect((await conversationMemory(second, { ttlMs: DAY }).turns(7, "art1"))[0]?.question).toBe("before restart");
    await second.close();
  });

  it("loses no turn when questions in one chat are appended at once", async () => {
    const store = await openStore(sqliteUrl());
    const memory = conversationMemory(store, { maxTurns: 10, ttlMs: DAY });
    await Promise.all(["a", "b", "c", "d", "e"].map((q) => memory.append(7, "art1", turn(q))));
    expect((await memory.turns(7, "art1")).map((t) => t.question).sort()).toEqual(["a", "b", "c", "d", "e"]);
    await store.close();
  });

  it("expires with the article retention", async () => {
    const store = await openStore(sqliteUrl());
    const memory = conversationMemory(store, { ttlMs: 30 * DAY });
    // keyv stamps expiry from Date.now(): move the clock, not the test.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      await memory.append(7, "art1", turn("kept a month"));
      vi.setSystemTime(Date.now() + 29 * DAY);
      expect((await memory.turns(7, "art1")).length).toBe(1);
      await memory.append(7, "art1", turn("a new turn restarts the clock"));
      vi.setSystemTime(Date.now() + 29 * DAY);
      expect((await memory.turns(7, "art1")).length).toBe(2);
      vi.setSystemTime(Date.now() + 2 * DAY);
      expect(await memory.turns(7, "art1")).toEqual([]);
    } finally {
      vi.useRealTimers();
      await store.close();
    }
  });

  it("forgets a person's private chats and their turns in groups, keeping others' turns", async () => {
    const store = await openStore(sqliteUrl());
    const memory = conversationMemory(store, { ttlMs: DAY });
    await memory.append(7, "art1", turn("mine, private"));
    await memory.append(-100, "art1", turn("mine, in group"));
    await memory.append(-100, "art1", turn("someone else's", 8));
    await memory.append(-200, "art2", turn("only mine", 7));
    await memory.append(70, "art1", turn("chat 70 is not chat 7", 70));
    expect(await memory.forgetUser(7)).toBe(3);
    expect(await memory.turns(7, "art1")).toEqual([]);
    expect((await memory.turns(-100, "art1")).map((t) => t.question)).toEqual(["someone else's"]);
    expect(await memory.turns(-200, "art2")).toEqual([]);
    expect((await memory.turns(70, "art1")).length).toBe(1);
    await store.close();
  });
});
