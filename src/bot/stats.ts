import { randomUUID } from "node:crypto";
import type { Store } from "../store/store.js";
import { DAY_MS } from "../text/dates.js";
import type { Clock } from "./jobs.js";

/** The events /stats counts. */
export const StatKind = {
  Summary: "summary",
  Offline: "offline",
  CacheHit: "cache-hit",
  Tokens: "tokens",
  Failure: "failure",
} as const;
export type StatKind = (typeof StatKind)[keyof typeof StatKind];

// Events older than this are dropped by the store's TTL; /stats reports this window.
const KEEP_DAYS = 30;

export interface StatsReport {
  days: number;
  totals: Record<StatKind, number>;
}

/**
 * Usage counters for /stats. Each event is its own record (`<day>:<kind>:<uuid>` → amount) and /stats
 * sums a prefix scan. Why not one counter per day and kind: incrementing it is a read-modify-write,
 * which loses counts when two replicas (or two async jobs on SQLite) increment at once. One record
 * per event has no such race on SQLite or Redis, costs a few bytes per summary, and expires by TTL.
 * No person's id is kept in these records, so /forget has nothing to delete here.
 */
export interface Stats {
  record(kind: StatKind, amount?: number): Promise<void>;
  report(days?: number): Promise<StatsReport>;
}

export function createStats(store: Store, clock: Pick<Clock, "now">): Stats {
  const events = store.collection<number>("stat");
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    async record(kind, amount = 1) {
      if (amount <= 0) return;
      await events.set(`${day(clock.now())}:${kind}:${randomUUID()}`, amount, KEEP_DAYS * DAY_MS);
    },
    async report(days = 7) {
      const totals: Record<StatKind, number> = { summary: 0, offline: 0, "cache-hit": 0, tokens: 0, failure: 0 };
      const now = clock.now();
      for (let back = 0; back < days; back += 1) {
        for (const { id, value } of await events.list(`${day(now - back * DAY_MS)}:`)) {
          const kind = id.split(":")[1] as StatKind;
          if (kind in totals) totals[kind] += Number(value) || 0;
        }
      }
      return { days, totals };
    },
  };
}
