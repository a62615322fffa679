import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobQueue } from "../../src/bot/jobs.js";
import { silentLogger } from "../../src/log.js";
import { createJobLedger, holdLease, type RunningJob } from "../../src/store/jobs.js";
import { openStore, type Store } from "../../src/store/store.js";
import { manualClock } from "../bot/harness.js";
import { hasRedisServer, type RedisServer, startRedis } from "../helpers/redis.js";

const LEASE_MS = 60_000;

interface Answer {
  replica: string;
  placeholder: number;
}

/** A replica's ledger whose "read" job waits until the test lets it answer, then answers if still the holder. */
function replica(store: Store, name: string, clock: ReturnType<typeof manualClock>, answers: Answer[]) {
  const queue = createJobQueue({ logger: silentLogger });
  const ledger = createJobLedger({ store, queue, replicaId: name, leaseMs: LEASE_MS, clock });
  const waiting: Array<() => void> = [];
  const started: RunningJob[] = [];
  ledger.register<{ placeholder: number }>("read", async (payload, job) => {
    started.push(job);
    await new Promise<void>((resolve) => waiting.push(resolve));
    if (await job.stillOurs()) answers.push({ replica: name, placeholder: payload.placeholder });
  });
  return {
    ledger,
    queue,
    started,
    /** Lets every waiting job go on to its answer. */
    finish: async () => {
      for (const resolve of waiting.splice(0)) resolve();
      await queue.idle();
    },
  };
}

function suite(name: string, open: () => Promise<{ a: Store; b: Store; close(): Promise<void> }>) {
  describe(`job leases on ${name}`, () => {
    it("a job whose replica stopped renewing is taken over and answered once, by the new holder", async () => {
      const { a: storeA, b: storeB, close } = await open();
      try {
        const clock = manualClock();
        const answers: Answer[] = [];
        const first = replica(storeA, "r1", clock, answers);
        const second = replica(storeB, "r2", clock, answers);
        expect(await first.ledger.submit("read", { placeholder: 41 })).toBe(true);
        await Promise.resolve();
        // While r1 holds the lease, a sweep takes nothing.
        expect(await second.ledger.sweep()).toBe(0);
        // r1 hangs: its renewals (timers on the manual clock, which the test never advances) do not run, while
        // time moves past the lease.
        const later = clock.now() + LEASE_MS + 1;
        clock.now = () => later;
        expect(await second.ledger.sweep()).toBe(1);
        expect(second.started[0]?.attempt).toBe(2);
        await second.finish();
        // r1 wakes up: it lost the lease, so it stays silent.
        await first.finish();
        expect(answers).toEqual([{ replica: "r2", placeholder: 41 }]);
        // Done means gone: no replica finds it again.
        expect(await first.ledger.sweep()).toBe(0);
        expect(await storeA.collection("job").list()).toEqual([]);
      } finally {
        await close();
      }
    });

    it("a job handed back at shutdown is taken at once, and the old holder does not answer", async () => {
      const { a: storeA, b: storeB, close } = await open();
      try {
        const clock = manualClock();
        const answers: Answer[] = [];
        const first = replica(storeA, "r1", clock, answers);
        const second = replica(storeB, "r2", clock, answers);
        await first.ledger.submit("read", { placeholder: 7 });
        await Promise.resolve();
        expect(await first.ledger.handBack()).toBe(1);
        // No waiting for the lease: it ended now.
        expect(await second.ledger.sweep()).toBe(1);
        await first.finish();
        await second.finish();
        expect(answers).toEqual([{ replica: "r2", placeholder: 7 }]);
      } finally {
        await close();
      }
    });

    it("a job every replica died on is given up after maxAttempts, and the person is told once", async () => {
      const { a: storeA, b: storeB, close } = await open();
      try {
        const clock = manualClock();
        const told: number[] = [];
        const ledgers = [storeA, storeB, storeA].map((store, index) => {
          const ledger = createJobLedger({
            store,
            queue: createJobQueue({ logger: silentLogger }),
            replicaId: `r${index}`,
            leaseMs: LEASE_MS,
            clock,
            maxAttempts: 2,
          });
          // Each run hangs, as on a replica that dies reading the page.
          ledger.register<{ placeholder: number }>(
            "read",
            () => new Promise<void>(() => undefined),
            async (payload) => {
              told.push(payload.placeholder);
            },
          );
          return ledger;
        });
        // Three replicas: the first two each die holding the job (their runs never end), the third finds it.
        const [first, second, third] = ledgers as [(typeof ledgers)[0], (typeof ledgers)[0], (typeof ledgers)[0]];
        await first.submit("read", { placeholder: 13 });
        let now = clock.now();
        const pass = () => {
          now += LEASE_MS + 1;
          clock.now = () => now;
        };
        pass();
        expect(await second.sweep()).toBe(1); // attempt 2
        pass();
        expect(await third.sweep()).toBe(0); // attempt 2 was the last: given up, and told
        expect(await third.sweep()).toBe(0);
        expect(told).toEqual([13]);
        expect(await storeA.collection("job").list()).toEqual([]);
      } finally {
        await close();
      }
    });

    it("a lease is held by one owner until it runs out or is given back", async () => {
      const { a, b, close } = await open();
      try {
        const now = Date.UTC(2026, 0, 15);
        expect(await a.lease("poll:f1", "r1", 1000, now)).toBe(true);
        expect(await b.lease("poll:f1", "r2", 1000, now + 999)).toBe(false);
        expect(await b.leaseHolder("poll:f1", now + 999)).toBe("r1");
        // Renewed by its owner, it lasts a lease from the renewal.
        expect(await a.lease("poll:f1", "r1", 1000, now + 900)).toBe(true);
        expect(await b.lease("poll:f1", "r2", 1000, now + 1500)).toBe(false);
        expect(await b.lease("poll:f1", "r2", 1000, now + 1901)).toBe(true);
        // Another owner cannot end it.
        await a.releaseLease("poll:f1", "r1");
        expect(await a.leaseHolder("poll:f1", now + 1902)).toBe("r2");
        await b.releaseLease("poll:f1", "r2");
        expect(await a.leaseHolder("poll:f1", now + 1903)).toBeUndefined();
      } finally {
        await close();
      }
    });

    it("holdLease lets exactly one of many racers in", async () => {
      const { a, b, close } = await open();
      try {
        const held = await Promise.all(
          Array.from({ length: 10 }, (_unused, index) =>
            holdLease(index % 2 ? a : b, "digest:race", { owner: `o${index}`, ttlMs: 60_000 }),
          ),
        );
        expect(held.filter(Boolean)).toHaveLength(1);
        await Promise.all(held.map((lease) => lease?.release()));
      } finally {
        await close();
      }
    });
  });
}

suite("SQLite (one process)", async () => {
  const store = await openStore("sqlite://:memory:");
  return { a: store, b: store, close: () => store.close() };
});

describe.runIf(hasRedisServer())("on Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  suite("Redis (two clients, as two replicas)", async () => {
    const a = await openStore(redis.url);
    const b = await openStore(redis.url);
    return {
      a,
      b,
      close: async () => {
        for (const { id } of await a.collection("job").list()) await a.collection("job").delete(id);
        await a.close();
        await b.close();
      },
    };
  });
});
