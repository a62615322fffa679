/**
 * The webhook's update gate: each update handled once across replicas, and none lost once Telegram got its 200.
 *
 * For every update, in this order:
 *   1. lease `update:<id>` to this replica (JOB_LEASE_MS; renewed while handling)
 *        held by another live replica → if its inbox record exists it has accepted it: answer 200 (duplicate);
 *        if not, it is between steps 1 and 2 → 503, and Telegram tries again later
 *   2. inbox record `inbox:<id>` = the update, state `accepted`      (already `done` → 200, a re-delivery)
 *   3. 200 to Telegram
 *   4. bot.handleUpdate in the background: a read or a question sends its placeholder and records its job
 *      (store/jobs.ts) before the handler returns
 *   5. inbox record → `done` (kept a day: Telegram stops re-delivering long before), lease released
 *
 * A replica dying between any two steps:
 *   1–2  no 200, so Telegram re-delivers; the lease runs out within JOB_LEASE_MS and the re-delivery proceeds.
 *   2–3  no 200: re-delivered, and the inbox record is there too; whoever leases it first (a re-delivery, or any
 *        replica's sweep once the lease has run out) handles it, the other finds `done`.
 *   3–4  the inbox record, with a lease that runs out: a sweep handles the update.
 *   4–5  the job is recorded (its own lease, its own takeover), named after the update (bot/reading.ts,
 *        updateJobId). A sweep may handle the update again; the handler finds the job recorded and sends nothing.
 *
 * What is left: a replica that dies after Telegram accepted the placeholder and before the job record is written
 * (one round trip to the store) leaves that placeholder saying "Reading…"; the update is handled again, and the
 * person gets the answer in a second placeholder. Telegram's sendMessage has no idempotency key to close this.
 */
import type { Update } from "telegraf/types";
import { type Logger, silentLogger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { type HeldLease, holdLease, type LeaseClock, leaseOwner } from "../store/jobs.js";
import type { Collection, Store } from "../store/store.js";

/** Re-deliveries of one update stop within hours; a day of `done` records covers them with room. */
const INBOX_TTL_MS = 24 * 3_600_000;

interface InboxRecord {
  update: Update;
  state: "accepted" | "done";
  at: string;
}

export type GateVerdict = "accepted" | "duplicate" | "busy";

export interface UpdateGate {
  /** Steps 1–2: "accepted" → answer 200, then `run`; "duplicate" → 200 and nothing else; "busy" → 503. */
  accept(update: Update): Promise<GateVerdict>;
  /** Steps 4–5 for an accepted update (never rejects). */
  run(update: Update): Promise<void>;
  /** Handles accepted updates whose replica died (lease ran out); resolves with how many. */
  sweep(): Promise<number>;
  /** Sweeps every lease/2. */
  start(): void;
  stop(): void;
  /** Updates being handled here now. */
  readonly handling: number;
}

export interface UpdateGateOptions {
  store: Store;
  replicaId: string;
  leaseMs: number;
  /** bot.handleUpdate */
  handle(update: Update): Promise<void>;
  clock?: LeaseClock;
  logger?: Logger;
  metrics?: Pick<Metrics, "updates">;
}

/** The kind of an update: its one field besides update_id (message, callback_query, …). */
export function updateKind(update: Update): string {
  return Object.keys(update).find((key) => key !== "update_id") ?? "unknown";
}

export function createUpdateGate(options: UpdateGateOptions): UpdateGate {
  const { store, leaseMs } = options;
  const replicaId = leaseOwner(options.replicaId);
  const logger = options.logger ?? silentLogger;
  const inbox = store.collection<InboxRecord>("inbox");
  const leases = new Map<number, HeldLease>();
  let timer: unknown;
  let stopped = false;
  const clock = options.clock;
  const take = (id: number) =>
    holdLease(store, `update:${id}`, { owner: replicaId, ttlMs: leaseMs, logger, ...(clock ? { clock } : {}) });
  const now = () => clock?.now() ?? Date.now();

  const count = (update: Update, outcome: string) =>
    options.metrics?.updates.inc({ kind: updateKind(update), outcome });
  const gate: GateParts = { inbox, leases, logger, replicaId, take, now, count };

  const schedule = () => {
    const again = () => {
      void sweep().finally(() => {
        if (!stopped) schedule();
      });
    };
    timer = clock ? clock.setTimeout(again, leaseMs / 2) : setTimeout(again, leaseMs / 2).unref();
  };

  const accepting = new Set<number>();
  const run = (update: Update) => runUpdate(gate, options.handle, update);
  const sweep = () => sweepInbox(gate, run);
  return {
    async accept(update) {
      const id = update.update_id;
      if (leases.has(id)) return "duplicate";
      // The same update twice at once to this replica (one lease owner here): the second is answered 503, and
      // Telegram's next try finds it accepted or done.
      if (accepting.has(id)) return "busy";
      accepting.add(id);
      try {
        return await acceptOnce(gate, update);
      } finally {
        accepting.delete(id);
      }
    },
    run,
    sweep,
    start() {
      stopped = false;
      schedule();
    },
    stop() {
      stopped = true;
      if (clock) clock.clearTimeout(timer);
      else clearTimeout(timer as NodeJS.Timeout);
    },
    get handling() {
      return leases.size;
    },
  };
}

/** What the gate's steps share: the inbox, the leases this replica holds, and how to take one. */
interface GateParts {
  readonly inbox: Collection<InboxRecord>;
  readonly leases: Map<number, HeldLease>;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly take: (id: number) => Promise<HeldLease | undefined>;
  readonly now: () => number;
  readonly count: (update: Update, outcome: string) => void;
}

/** Handles one accepted update, marks it done and lets its lease go. */
async function runUpdate(gate: GateParts, handle: UpdateGateOptions["handle"], update: Update) {
  const { inbox, leases, logger, now } = gate;
  const id = update.update_id;
  try {
    await handle(update);
  } catch (error) {
    // bot.catch answers the person; this is only what escaped it.
    logger.error("update handling failed", { updateId: id, error });
  }
  try {
    await inbox.set(String(id), { update, state: "done", at: new Date(now()).toISOString() }, INBOX_TTL_MS);
  } catch (error) {
    logger.warn("could not mark an update done", { updateId: id, error });
  } finally {
    const lease = leases.get(id);
    leases.delete(id);
    await lease?.release().catch(() => undefined);
  }
}

/** Takes over accepted updates whose holder's lease ran out (it stopped or died); returns how many. */
async function sweepInbox(gate: GateParts, run: (update: Update) => Promise<void>) {
  const { inbox, leases, logger, replicaId, take } = gate;
  let handled = 0;
  try {
    for (const { id, value } of await inbox.list()) {
      if (value.state !== "accepted" || leases.has(Number(id))) continue;
      const lease = await take(Number(id));
      if (!lease) continue;
      // Read again under the lease: the holder may have finished it just now.
      if ((await inbox.get(id))?.state !== "accepted") {
        await lease.release();
        continue;
      }
      leases.set(Number(id), lease);
      logger.info("update taken over", { updateId: Number(id), replica: replicaId });
      handled += 1;
      await run(value.update);
    }
  } catch (error) {
    logger.warn("update sweep failed", { error });
  }
  return handled;
}

/** Leases the update and records it as accepted, unless another replica holds it or it was done. */
async function acceptOnce(gate: GateParts, update: Update): Promise<GateVerdict> {
  const { inbox, leases, take, now, count } = gate;
  const id = update.update_id;
  const lease = await take(id);
  if (!lease) {
    const recorded = await inbox.get(String(id));
    count(update, recorded ? "duplicate" : "busy");
    return recorded ? "duplicate" : "busy";
  }
  const existing = await inbox.get(String(id));
  if (existing?.state === "done") {
    await lease.release();
    count(update, "duplicate");
    return "duplicate";
  }
  leases.set(id, lease);
  try {
    if (!existing) {
      await inbox.set(String(id), { update, state: "accepted", at: new Date(now()).toISOString() }, INBOX_TTL_MS);
    }
  } catch (error) {
    leases.delete(id);
    await lease.release().catch(() => undefined);
    throw error;
  }
  return "accepted";
}
