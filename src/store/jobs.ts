/**
 * Work that was accepted is recorded before it is done (STYLE.md habit 18).
 *
 *   submit(kind, payload)   record `job:<id>` → lease `job:<id>` to this replica → run it on the local queue
 *   while it runs           the lease is renewed every lease/3 (JOB_LEASE_MS, about a minute)
 *   before it answers       the runner calls `job.stillOurs()`: renews once more and says whether the lease is
 *                           still this replica's; a replica that lost it stays silent
 *   when it is done         the record is deleted and the lease given back (the answer is out: nothing to resume)
 *   a sweep                 every replica, every lease/2: a record whose lease ran out (its replica died, or this
 *                           process restarted under a new REPLICA_ID) is leased by whoever gets there first and
 *                           run again from its payload, into the same placeholder (the payload names it)
 *   on SIGTERM              `handBack()` ends the leases of jobs still running after the grace period: the next
 *                           sweep anywhere (or the next start on SQLite) takes them at once
 *
 * Why leases in the store rather than BullMQ: the job's address is a Telegram placeholder, not a queue; the store
 * already does atomic claims on both backends, so the SQLite default in one process gets the same guarantees
 * with no second system, and a takeover is one Lua script. BullMQ would need Redis even for one process, and
 * its own stalled-job loop would sit beside the bot's queue (p-queue) and pacing rather than replace them.
 *
 * Exactly one answer: only the lease holder answers, and it checks right before the edit. The remaining window is
 * a replica that stalls for a whole lease between that check and Telegram's answer to the edit: then the
 * placeholder is edited twice with the same kind of content (still one message in the chat).
 */
import { randomUUID } from "node:crypto";
import { type Logger, silentLogger } from "../log.js";
import type { Collection, Store } from "./store.js";

/** Timers and time; the bot's Clock fits (tests pass a manual one). */
export interface LeaseClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * A lease clock that tells expiry by `now` (a caller's clock, manual in tests) and renews on Node's timers,
 * unref'd so a held lease never keeps the process alive.
 */
export function leaseClockOf(now: () => number): LeaseClock {
  return {
    now,
    setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

const systemLeaseClock: LeaseClock = leaseClockOf(() => Date.now());

/**
 * A lease owner for one component instance: REPLICA_ID plus a random tag, so two bots (or two pollers) in one
 * process never mistake each other's leases for their own, and a restarted process is a new owner.
 */
export function leaseOwner(replicaId: string): string {
  return `${replicaId}#${randomUUID().slice(0, 8)}`;
}

/** A lease being held: renewed in the background until `release()`. */
export interface HeldLease {
  /** Renews now; false once another owner has it (or it was handed back): do not answer then. */
  stillOurs(): Promise<boolean>;
  /** Stops renewing and ends the lease. */
  release(): Promise<void>;
  /** Stops renewing and ends the lease without waiting for the work (shutdown): `stillOurs` is false from now on. */
  handBack(): Promise<void>;
}

/**
 * Takes `key` for `owner` and keeps it renewed every ttl/3 until released; undefined when someone else holds it.
 * Used for jobs, feed polls and digests alike.
 */
export async function holdLease(
  store: Store,
  key: string,
  options: { owner: string; ttlMs: number; clock?: LeaseClock; logger?: Logger },
): Promise<HeldLease | undefined> {
  const clock = options.clock ?? systemLeaseClock;
  const { owner, ttlMs } = options;
  if (!(await store.lease(key, owner, ttlMs, clock.now()))) return undefined;
  let lost = false;
  let ended = false;
  let timer: unknown;
  const renew = async (): Promise<boolean> => {
    if (lost || ended) return false;
    try {
      // Renew only a lease we still hold: one that ran out, or was finished and given back by a replica that took
      // it over, is lost for good (taking it again would let a second answer out).
      const now = clock.now();
      if ((await store.leaseHolder(key, now)) !== owner || !(await store.lease(key, owner, ttlMs, now))) lost = true;
    } catch (error) {
      // The store is down: keep the work going; if the outage outlasts the lease another replica may take over.
      options.logger?.warn("could not renew a lease", { key, error });
      return !lost;
    }
    return !lost;
  };
  const schedule = () => {
    timer = clock.setTimeout(() => {
      void renew().then((ours) => {
        if (ours) schedule();
      });
    }, ttlMs / 3);
  };
  schedule();
  const end = async (give: boolean) => {
    ended = true;
    clock.clearTimeout(timer);
    if (give && !lost) await store.releaseLease(key, owner);
  };
  return {
    stillOurs: renew,
    release: () => end(true),
    handBack: async () => {
      lost = true;
      ended = true;
      clock.clearTimeout(timer);
      await store.releaseLease(key, owner);
    },
  };
}

/** A job as stored: enough to finish it from any replica. */
export interface JobRecord<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  createdAt: string;
  /** Runs started (1 on the first; a takeover adds one). */
  attempt: number;
}

/** What a runner gets besides its payload. */
export interface RunningJob {
  id: string;
  attempt: number;
  /** True while this replica still holds the job: check right before answering. */
  stillOurs(): Promise<boolean>;
}

export type JobRunner<P> = (payload: P, job: RunningJob) => Promise<void>;

/** Where jobs run in this process (bot/jobs.ts's JobQueue fits). */
export interface LocalQueue {
  add(name: string, job: () => Promise<void>): boolean;
}

export interface JobLedger {
  /**
   * The runner for a kind of job (before `submit` or a sweep meets one), and what to tell the person when the job
   * is given up (started `maxAttempts` times, each time by a replica that died): they still get one answer.
   */
  register<P>(kind: string, run: JobRunner<P>, giveUp?: (payload: P) => Promise<void>): void;
  /**
   * Records the job, leases it here and queues it; false (nothing kept) when the local queue is full. `id` names
   * it after the update that asked (the caller has checked `has(id)` before sending its placeholder).
   */
  submit<P>(kind: string, payload: P, options?: { id?: string }): Promise<boolean>;
  /**
   * True when a job is recorded under `id`: an update handled again (its replica died after recording the job but
   * before marking the update done) finds its job and sends no second placeholder.
   */
  has(id: string): Promise<boolean>;
  /** Takes over recorded jobs whose lease ran out; resolves with how many were taken. */
  sweep(): Promise<number>;
  /** Sweeps now and every lease/2. */
  start(): void;
  stop(): void;
  /** Ends the leases of jobs still running here, so another replica (or the next start) finishes them. */
  handBack(): Promise<number>;
  /** Jobs this replica holds now. */
  readonly held: number;
  /** Submits still being recorded (not yet on the local queue): `settled()` waits for them too. */
  readonly submitting: number;
}

export interface JobLedgerOptions {
  store: Store;
  queue: LocalQueue;
  /** REPLICA_ID */
  replicaId: string;
  /** JOB_LEASE_MS. @default 60000 */
  leaseMs?: number;
  clock?: LeaseClock;
  logger?: Logger;
  /** A job started this many times is given up (a page that kills every replica that reads it). @default 3 */
  maxAttempts?: number;
  /** Called for each job taken over (metrics). */
  onTakeover?: () => void;
}

/** Records outlive any sensible job by far; the TTL only collects what a bug left behind. */
const JOB_RECORD_TTL_MS = 24 * 3_600_000;

/** What the ledger's steps share. */
interface LedgerParts {
  readonly store: Store;
  readonly queue: LocalQueue;
  readonly records: Collection<JobRecord>;
  readonly runners: Map<string, JobRunner<unknown>>;
  /** What to tell the person, per kind, when a job is given up. */
  readonly giveUps: Map<string, (payload: unknown) => Promise<void>>;
  readonly held: Map<string, HeldLease>;
  readonly replicaId: string;
  readonly leaseMs: number;
  readonly clock: LeaseClock;
  readonly logger: Logger;
  readonly maxAttempts: number;
}

const leaseKey = (id: string) => `job:${id}`;

/** Queues a leased job; false when the queue refused it (the lease is then given back). */
function enqueueJob(parts: LedgerParts, record: JobRecord, lease: HeldLease): boolean {
  const { runners, held, queue, records } = parts;
  const run = runners.get(record.kind);
  if (!run) return false;
  held.set(record.id, lease);
  const accepted = queue.add(record.kind, async () => {
    try {
      await run(record.payload, { id: record.id, attempt: record.attempt, stillOurs: lease.stillOurs });
      // Done (answered, or failed and told so): only the holder deletes, so a job taken over is not lost.
      if (await lease.stillOurs()) await records.delete(record.id);
    } finally {
      held.delete(record.id);
      await lease.release().catch(() => undefined);
    }
  });
  if (!accepted) held.delete(record.id);
  return accepted;
}

/**
 * Leases a listed job for a takeover and records the next attempt; undefined when someone holds it, it was
 * finished since the list, or it has had its attempts (then it is deleted: a job that kills its worker stops here).
 */
async function claimForTakeover(
  parts: LedgerParts,
  id: string,
): Promise<{ next: JobRecord; lease: HeldLease } | undefined> {
  const { store, records, replicaId, leaseMs, clock, logger, maxAttempts, giveUps } = parts;
  const lease = await holdLease(store, leaseKey(id), { owner: replicaId, ttlMs: leaseMs, clock, logger });
  if (!lease) return undefined;
  // Read again under the lease: the job may have been finished (record deleted, lease freed) since the list.
  const record = await records.get(id);
  if (!record) {
    await lease.release();
    return undefined;
  }
  if (record.attempt >= maxAttempts) {
    logger.warn("job given up after repeated takeovers", { id, kind: record.kind, attempt: record.attempt });
    // Told under the lease, so one replica tells; a failure to tell is logged, the job still ends.
    await giveUps
      .get(record.kind)?.(record.payload)
      .catch((error: unknown) => logger.warn("could not tell the person a job was given up", { id, error }));
    await records.delete(id);
    await lease.release();
    return undefined;
  }
  const next = { ...record, attempt: record.attempt + 1 };
  await records.set(id, next, JOB_RECORD_TTL_MS);
  return { next, lease };
}

/** Records a new job, leases it and queues it; false (and nothing left behind) when the queue is full. */
async function submitOne(parts: LedgerParts, kind: string, payload: unknown, id?: string): Promise<boolean> {
  const { store, records, replicaId, leaseMs, clock, logger } = parts;
  const record: JobRecord = {
    id: id ?? randomUUID(),
    kind,
    payload,
    createdAt: new Date(clock.now()).toISOString(),
    attempt: 1,
  };
  // Record first, then lease: a crash between the two leaves a record with a free lease, which a sweep runs.
  await records.set(record.id, record, JOB_RECORD_TTL_MS);
  const lease = await holdLease(store, leaseKey(record.id), { owner: replicaId, ttlMs: leaseMs, clock, logger });
  if (lease && enqueueJob(parts, record, lease)) return true;
  await lease?.release();
  await records.delete(record.id);
  return false;
}

/** One sweep: takes over every job whose lease ran out and queues it again; returns how many. */
async function takeOverExpired(parts: LedgerParts, onTakeover: (() => void) | undefined): Promise<number> {
  const { records, held, runners, logger, replicaId } = parts;
  let taken = 0;
  for (const { id, value: listed } of await records.list()) {
    if (held.has(id) || !runners.has(listed.kind)) continue;
    const claimed = await claimForTakeover(parts, id);
    if (!claimed) continue;
    const { next, lease } = claimed;
    if (!enqueueJob(parts, next, lease)) {
      await lease.release();
      continue;
    }
    taken += 1;
    onTakeover?.();
    logger.info("job taken over", { id, kind: next.kind, attempt: next.attempt, replica: replicaId });
  }
  return taken;
}

/** The ledger's state and settings, with their defaults, shared by its steps. */
function ledgerParts(options: JobLedgerOptions): LedgerParts {
  return {
    store: options.store,
    queue: options.queue,
    records: options.store.collection<JobRecord>("job"),
    runners: new Map(),
    giveUps: new Map(),
    held: new Map(),
    replicaId: leaseOwner(options.replicaId),
    leaseMs: options.leaseMs ?? 60_000,
    clock: options.clock ?? systemLeaseClock,
    logger: options.logger ?? silentLogger,
    maxAttempts: options.maxAttempts ?? 3,
  };
}

export function createJobLedger(options: JobLedgerOptions): JobLedger {
  const parts = ledgerParts(options);
  const { runners, giveUps, held, leaseMs, clock, logger } = parts;
  let timer: unknown;
  let sweeping = false;
  let stopped = false;

  const sweep = async (): Promise<number> => {
    if (sweeping || stopped) return 0;
    sweeping = true;
    let taken = 0;
    try {
      taken = await takeOverExpired(parts, options.onTakeover);
    } catch (error) {
      logger.warn("job sweep failed", { error });
    } finally {
      sweeping = false;
    }
    return taken;
  };

  const schedule = () => {
    timer = clock.setTimeout(() => {
      void sweep().finally(() => {
        if (!stopped) schedule();
      });
    }, leaseMs / 2);
  };

  let submitting = 0;
  return {
    register(kind, run, giveUp) {
      runners.set(kind, run as JobRunner<unknown>);
      if (giveUp) giveUps.set(kind, giveUp as (payload: unknown) => Promise<void>);
    },
    async submit(kind, payload, options) {
      submitting += 1;
      try {
        return await submitOne(parts, kind, payload, options?.id);
      } finally {
        submitting -= 1;
      }
    },
    has: async (id) => (await parts.records.get(id)) !== undefined,
    sweep,
    start() {
      stopped = false;
      void sweep();
      schedule();
    },
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
    async handBack() {
      const leases = [...held.values()];
      held.clear();
      await Promise.all(leases.map((lease) => lease.handBack().catch(() => undefined)));
      return leases.length;
    },
    get held() {
      return held.size;
    },
    get submitting() {
      return submitting;
    },
  };
}
