/**
 * Paced delivery to Telegram and the digest ledger.
 *
 * Pacing is a small scheduler written here rather than p-queue: p-queue's `interval`/`intervalCap`
 * counts fixed windows (up to twice the cap can go out across a window boundary, which Telegram punishes
 * with 429), and it has no notion of a per-chat limit or of pausing one chat while others go on.
 * Here a token bucket enforces the global rate (Telegram: ~30 messages/s), each chat has its own
 * "not before" time (1 message/s per chat), a chat's messages go out in order one at a time,
 * and chats that are ready take turns first-come first-served.
 */

import PQueue from "p-queue";
import { type Clock as FullClock, systemClock } from "../clock.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import { type HeldLease, holdLease, leaseClockOf } from "../store/jobs.js";
import { DAY_MS } from "../text/dates.js";
import type { DigestPart, DigestStore, LedgerEntry } from "./store.js";

/** Tunables (real-time values; `timeScale` multiplies every duration, for benches). */
const DEFAULTS = {
  /** Telegram allows about 30 messages per second to different chats. */
  ratePerSecond: 30,
  /** Telegram allows about one message per second per chat; a little slack avoids 429 from clock jitter. */
  perChatIntervalMs: 1050,
  /**
   * The global bucket's depth: lets the queue catch up after a late timer or a busy event loop (at 1 ms timer
   * granularity a depth of 1 loses throughput), while staying a third of Telegram's one-second allowance.
   */
  burst: 10,
  /** Sends in flight at once (HTTP requests awaiting an answer). */
  maxInFlight: 64,
  /** Retries of a transient failure (5xx, network) before the part is given up for this attempt. */
  maxRetries: 3,
  /** First retry delay; doubles each retry. */
  retryBaseMs: 1000,
  /** 429s in a row for one message before it is given up for this attempt (Telegram keeps saying wait). */
  maxRateLimitRetries: 8,
} as const;

/** Why a send failed, as delivery needs to know it. */
export type SendFailure =
  | { kind: "rate-limited"; retryAfterMs: number }
  | { kind: "blocked"; description: string }
  | { kind: "rejected"; description: string }
  | { kind: "transient"; description: string };

/** Sends one part to a chat and resolves with the message id. */
export type SendPart = (chatId: number, part: DigestPart) => Promise<number>;

/** Reads a telegraf TelegramError (or a network error) into a SendFailure. */
export function classifySendError(error: unknown): SendFailure {
  const record = (error ?? {}) as {
    code?: unknown;
    response?: { error_code?: number; description?: string; parameters?: { retry_after?: number } };
    description?: string;
    message?: string;
  };
  const code = typeof record.code === "number" ? record.code : record.response?.error_code;
  const description = record.response?.description ?? record.description ?? record.message ?? String(error);
  if (code === 429) {
    const seconds = record.response?.parameters?.retry_after ?? 1;
    return { kind: "rate-limited", retryAfterMs: Math.max(1, seconds) * 1000 };
  }
  if (code === 403) return { kind: "blocked", description };
  if (typeof code === "number" && code >= 400 && code < 500) return { kind: "rejected", description };
  return { kind: "transient", description };
}

export type DeliveryOutcome = "sent" | "blocked" | "failed";

export interface DeliveryHooks {
  /** After part `index` was sent (messageId) or rejected for good (messageId 0, e.g. 400). */
  onPart?(index: number, messageId: number): Promise<void> | void;
}

export interface DeliveryQueueOptions {
  send: SendPart;
  /** @default 30 */
  ratePerSecond?: number;
  /** @default 1050 */
  perChatIntervalMs?: number;
  /** @default 10 */
  burst?: number;
  /** @default 64 */
  maxInFlight?: number;
  /** @default 3 */
  maxRetries?: number;
  /** @default 1000 */
  retryBaseMs?: number;
  /** Multiplies every duration (pacing, retry_after, backoff): 1/50 runs a bench 50× faster. @default 1 */
  timeScale?: number;
  /** Monotonic milliseconds. @default performance.now */
  now?: () => number;
  /** Where the queue's waits are scheduled (tests pass a virtual clock with `now`). @default Node's timers */
  timers?: Pick<FullClock, "setTimeout" | "clearTimeout">;
  logger?: Logger;
}

interface Job {
  chatId: number;
  parts: readonly DigestPart[];
  next: number;
  retries: number;
  rateLimitRetries: number;
  hooks: DeliveryHooks;
  resolve(outcome: DeliveryOutcome): void;
}

interface Lane {
  jobs: Job[];
  /** Not before this time (per-chat pacing, 429 for this chat, retry backoff). */
  nextAt: number;
  lastSentAt?: number;
  queued: boolean;
  busy: boolean;
  timer?: unknown;
}

/** Statistics for logs and benches. */
export interface DeliveryStats {
  sent: number;
  rateLimited: number;
  globalPauses: number;
  blocked: number;
  retries: number;
  failedParts: number;
}

/** A paced queue of messages to many chats. */
/** Node's own timers: the default under the queue's waits. */
const nodeTimers: Pick<FullClock, "setTimeout" | "clearTimeout"> = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class DeliveryQueue {
  readonly stats: DeliveryStats = { sent: 0, rateLimited: 0, globalPauses: 0, blocked: 0, retries: 0, failedParts: 0 };
  private readonly lanes = new Map<number, Lane>();
  private readonly ready: number[] = [];
  private readyHead = 0;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private inFlight = 0;
  private pumpTimer?: unknown;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private lastRateLimit?: { chatId: number; at: number };
  private readonly options: Required<Omit<DeliveryQueueOptions, "logger">> & { logger: Logger };

  constructor(options: DeliveryQueueOptions) {
    this.options = {
      ratePerSecond: DEFAULTS.ratePerSecond,
      perChatIntervalMs: DEFAULTS.perChatIntervalMs,
      burst: DEFAULTS.burst,
      maxInFlight: DEFAULTS.maxInFlight,
      maxRetries: DEFAULTS.maxRetries,
      retryBaseMs: DEFAULTS.retryBaseMs,
      timeScale: 1,
      now: () => performance.now(),
      timers: nodeTimers,
      logger: silentLogger,
      ...options,
    };
    this.tokens = this.options.burst;
    this.refilledAt = this.options.now();
  }

  /** Queues a chat's parts (sent in order, after what is already queued for that chat). */
  enqueue(
    chatId: number,
    parts: readonly DigestPart[],
    hooks: DeliveryHooks = {},
    startAt = 0,
  ): Promise<DeliveryOutcome> {
    return new Promise<DeliveryOutcome>((resolve) => {
      if (this.stopped || startAt >= parts.length) return resolve(this.stopped ? "failed" : "sent");
      let lane = this.lanes.get(chatId);
      if (!lane) {
        lane = { jobs: [], nextAt: 0, queued: false, busy: false };
        this.lanes.set(chatId, lane);
      }
      lane.jobs.push({ chatId, parts, next: startAt, retries: 0, rateLimitRetries: 0, hooks, resolve });
      this.wake(chatId, lane);
    });
  }

  /** Chats with something queued or in flight. */
  get pending(): number {
    return this.lanes.size;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.lanes.size === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops sending: queued jobs resolve "failed" (their ledger entries stay `sending` and are resumed later). */
  stop(): void {
    this.stopped = true;
    if (this.pumpTimer) this.options.timers.clearTimeout(this.pumpTimer);
    for (const lane of this.lanes.values()) {
      if (lane.timer) this.options.timers.clearTimeout(lane.timer);
      if (!lane.busy) for (const job of lane.jobs.splice(0)) job.resolve("failed");
    }
    this.lanes.clear();
    this.notifyIdle();
  }

  private scaled(ms: number): number {
    return ms * this.options.timeScale;
  }

  private wake(chatId: number, lane: Lane): void {
    if (lane.queued || lane.busy || lane.jobs.length === 0 || this.stopped) return;
    const wait = lane.nextAt - this.options.now();
    if (wait > 0) {
      if (lane.timer) this.options.timers.clearTimeout(lane.timer);
      lane.timer = this.options.timers.setTimeout(() => {
        lane.timer = undefined;
        this.wake(chatId, lane);
      }, Math.ceil(wait));
      return;
    }
    lane.queued = true;
    this.ready.push(chatId);
    this.pump();
  }

  private takeToken(now: number): number {
    const perMs = this.options.ratePerSecond / this.scaled(1000);
    this.tokens = Math.min(this.options.burst, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / perMs;
  }

  private pump(): void {
    if (this.pumpTimer || this.stopped) return;
    while (this.readyHead < this.ready.length && this.inFlight < this.options.maxInFlight) {
      const now = this.options.now();
      if (now < this.pausedUntil) {
        this.pumpLater(this.pausedUntil - now);
        return;
      }
      const wait = this.takeToken(now);
      if (wait > 0) {
        this.pumpLater(wait);
        return;
      }
      const chatId = this.ready[this.readyHead++] as number;
      const lane = this.lanes.get(chatId);
      if (!lane) continue;
      lane.queued = false;
      void this.sendNext(chatId, lane, now);
    }
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready.splice(0, this.readyHead);
      this.readyHead = 0;
    }
  }

  private pumpLater(ms: number): void {
    this.pumpTimer = this.options.timers.setTimeout(
      () => {
        this.pumpTimer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  private async sendNext(chatId: number, lane: Lane, startedAt: number): Promise<void> {
    const job = lane.jobs[0];
    if (!job) return;
    lane.busy = true;
    this.inFlight += 1;
    let done: DeliveryOutcome | undefined;
    try {
      done = await this.sendPart(chatId, lane, job, startedAt);
    } catch (error) {
      // Only the progress hook throws here (the ledger could not be written): stop this attempt rather than
      // send on untracked; the entry stays `sending` and is resumed after the lease.
      this.options.logger.warn("digest progress could not be recorded", { chatId, error });
      done = "failed";
    } finally {
      this.inFlight -= 1;
      lane.busy = false;
    }
    if (done) {
      lane.jobs.shift();
      job.resolve(done);
      if (done === "blocked") for (const other of lane.jobs.splice(0)) other.resolve("blocked");
    }
    if (lane.jobs.length === 0) {
      if (lane.timer) this.options.timers.clearTimeout(lane.timer);
      this.lanes.delete(chatId);
      this.notifyIdle();
    } else this.wake(chatId, lane);
    this.pump();
  }

  /** Sends the job's next part; the outcome when the job is finished, undefined when it goes on. */
  private async sendPart(
    chatId: number,
    lane: Lane,
    job: Job,
    startedAt: number,
  ): Promise<DeliveryOutcome | undefined> {
    const index = job.next;
    let messageId: number;
    try {
      messageId = await this.options.send(chatId, job.parts[index] as DigestPart);
    } catch (error) {
      return this.handleFailure(chatId, lane, job, index, error);
    }
    this.stats.sent += 1;
    lane.lastSentAt = startedAt;
    lane.nextAt = startedAt + this.scaled(this.options.perChatIntervalMs);
    job.retries = 0;
    job.rateLimitRetries = 0;
    job.next += 1;
    await job.hooks.onPart?.(index, messageId);
    return job.next >= job.parts.length ? "sent" : undefined;
  }

  private async handleFailure(
    chatId: number,
    lane: Lane,
    job: Job,
    index: number,
    error: unknown,
  ): Promise<DeliveryOutcome | undefined> {
    const failure = classifySendError(error);
    const now = this.options.now();
    switch (failure.kind) {
      case "rate-limited": {
        this.stats.rateLimited += 1;
        job.rateLimitRetries += 1;
        if (job.rateLimitRetries > DEFAULTS.maxRateLimitRetries) return "failed";
        const until = now + this.scaled(failure.retryAfterMs);
        // Telegram does not say which limit was hit. A chat we are in the middle of sending to (a multi-part
        // digest) most likely hit its own per-chat limit: wait there only. A chat we had not sent to lately
        // cannot have, so the flood is global — as it is when a second chat is told to wait within a second.
        const chatBusy =
          lane.lastSentAt !== undefined && now - lane.lastSentAt < 2 * this.scaled(this.options.perChatIntervalMs);
        const secondChat =
          this.lastRateLimit !== undefined &&
          this.lastRateLimit.chatId !== chatId &&
          now - this.lastRateLimit.at < this.scaled(1000);
        this.lastRateLimit = { chatId, at: now };
        const global = !chatBusy || secondChat;
        if (global) {
          this.stats.globalPauses += 1;
          this.pausedUntil = Math.max(this.pausedUntil, until);
        }
        lane.nextAt = Math.max(lane.nextAt, until);
        this.options.logger.warn("telegram rate limit", { chatId, retryAfterMs: failure.retryAfterMs, global });
        return undefined;
      }
      case "blocked":
        this.stats.blocked += 1;
        this.options.logger.info("chat blocked the bot; dropping its digests", { chatId });
        return "blocked";
      case "rejected":
        // A 400 for this part will not get better by retrying: record it as given up and go on with the next part.
        this.stats.failedParts += 1;
        this.options.logger.warn("telegram rejected a digest part", {
          chatId,
          index,
          description: failure.description,
        });
        job.next += 1;
        await job.hooks.onPart?.(index, 0);
        return job.next >= job.parts.length ? "sent" : undefined;
      case "transient":
        job.retries += 1;
        if (job.retries > this.options.maxRetries) {
          this.stats.failedParts += 1;
          this.options.logger.warn("digest part failed after retries", {
            chatId,
            index,
            description: failure.description,
          });
          return "failed";
        }
        this.stats.retries += 1;
        lane.nextAt = now + this.scaled(this.options.retryBaseMs * 2 ** (job.retries - 1));
        return undefined;
    }
  }

  private notifyIdle(): void {
    if (this.lanes.size > 0 || this.inFlight > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** Wall clock for ledger timestamps; tests pass a manual one. */
/** The digest only reads the time. */
export type Clock = Pick<FullClock, "now">;
export { systemClock };

export interface DigestDeliveryOptions {
  digests: DigestStore;
  queue: DeliveryQueue;
  clock?: Clock;
  /**
   * JOB_LEASE_MS: a `sending` ledger entry is taken over once it has made no progress for this long and its
   * replica's heartbeat (`replica:<id>`, renewed every lease/3) has run out too. @default 60 s
   */
  leaseMs?: number;
  /** REPLICA_ID: names this replica's heartbeat and the ledger entries it sends. @default a random id */
  replicaId?: string;
  /** A digest not finished this long after it was first claimed is given up. @default 6 h */
  graceMs?: number;
  /** Digests being claimed and composed at once. @default 32 */
  prepareConcurrency?: number;
  logger?: Logger;
}

/** A replica's listing, renewed every tick, outlives its heartbeat; a dead one's is deleted by the next replica reading it. */
const REPLICA_LISTING_TTL_MS = DAY_MS;
/** Ledger entries outlive the grace window by far; after a week they only cost scan time. */
const LEDGER_TTL_MS = 7 * DAY_MS;
/** Digest delivery tunables (see DigestDeliveryOptions). */
const DELIVERY_DEFAULTS = {
  /**
   * A `sending` entry silent this long, whose replica stopped renewing its heartbeat, was left by a crash.
   * A live replica may keep a digest queued for longer (100,000 people at 30/s): its heartbeat says it is alive.
   */
  leaseMs: 60_000,
  /** DIGEST_GRACE_HOURS' default: a digest not finished 6 h after it was first claimed is stale news. */
  graceMs: 6 * 3_600_000,
  /** Digests claimed and composed at once: enough to keep the send queue fed, few enough to start sending early. */
  prepareConcurrency: 32,
} as const;

export interface DeliverOptions {
  userId: number;
  chatId: number;
  localDate: string;
  compose: () => Promise<DigestPart[]>;
  /** Runs once the composed digest is in the ledger (e.g. to move the person's "last digest" mark). */
  afterCompose?: () => Promise<void>;
}

export type DigestRunResult = "sent" | "already-sent" | "busy" | "empty" | "blocked" | "failed" | "expired";

/**
 * Sends one person's digest for one local date through the ledger, exactly once:
 * `sending` (with the composed parts) is written under a claim before the first message,
 * each part's message id after it is sent, `sent` at the end. Another instance that finds a
 * `sending` entry silent for longer than the lease takes a new claim and sends only the parts not yet sent.
 * The window for a duplicate is one HTTP round trip: a crash after Telegram accepted a part but before its id is recorded.
 */
export class DigestDelivery {
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly graceMs: number;
  private readonly logger: Logger;
  private readonly active = new Set<string>();
  private readonly preparing: PQueue;
  readonly replicaId: string;
  private heartbeat?: HeldLease;

  constructor(private readonly options: DigestDeliveryOptions) {
    this.clock = options.clock ?? systemClock;
    this.leaseMs = options.leaseMs ?? DELIVERY_DEFAULTS.leaseMs;
    this.replicaId = options.replicaId ?? `digest-${Math.random().toString(36).slice(2, 10)}`;
    this.graceMs = options.graceMs ?? DELIVERY_DEFAULTS.graceMs;
    this.logger = options.logger ?? silentLogger;
    this.preparing = new PQueue({ concurrency: options.prepareConcurrency ?? DELIVERY_DEFAULTS.prepareConcurrency });
  }

  /** Starts this replica's heartbeat lease, renewed every lease/3 while it runs, and lists the replica. */
  async start(): Promise<void> {
    this.heartbeat ??= await holdLease(this.options.digests.store, `replica:${this.replicaId}`, {
      owner: this.replicaId,
      ttlMs: this.leaseMs,
      clock: leaseClockOf(() => this.clock.now()),
      logger: this.logger,
    });
    await this.listReplica();
  }

  private async listReplica(): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    await this.options.digests.replicas.set(this.replicaId, { at }, REPLICA_LISTING_TTL_MS);
  }

  /**
   * The replicas sending digests now, sorted: those listed whose heartbeat lease is held, and always this one
   * (listed again here, so a listing lost with the store comes back). A replica that died drops out once its
   * heartbeat runs out (within a lease); one that stopped, at once.
   */
  async liveReplicas(): Promise<string[]> {
    const now = this.clock.now();
    const { replicas, store } = this.options.digests;
    if (this.heartbeat) await this.listReplica();
    const live = new Set([this.replicaId]);
    for (const { id, value } of await replicas.list()) {
      if (id === this.replicaId) continue;
      if ((await store.leaseHolder(`replica:${id}`, now)) === id) live.add(id);
      else if (now - Date.parse(value.at) > this.leaseMs) await replicas.delete(id);
    }
    return [...live].sort();
  }

  /** Ends the heartbeat: this replica's half-sent digests may be resumed elsewhere as soon as they fall silent. */
  async stop(): Promise<void> {
    const heartbeat = this.heartbeat;
    this.heartbeat = undefined;
    await heartbeat?.handBack().catch(() => undefined);
  }

  /** True when the entry's replica is still renewing its heartbeat (it is working on the digest, or will). */
  private async ownerAlive(entry: LedgerEntry, now: number): Promise<boolean> {
    if (!entry.owner || entry.owner === this.replicaId) return false;
    return (await this.options.digests.store.leaseHolder(`replica:${entry.owner}`, now)) === entry.owner;
  }

  /** Ledger ids being delivered by this instance. */
  get inProgress(): number {
    return this.active.size;
  }

  /**
   * Delivers the digest `userId`/`localDate` to `chatId`. `compose` runs only when no ledger entry exists yet
   * (an empty result records the day as sent without a message). Resolves when the digest is finished or given up.
   */
  async deliver(options: DeliverOptions): Promise<DigestRunResult> {
    const ledgerId = `${options.userId}:${options.localDate}`;
    if (this.active.has(ledgerId)) return "busy";
    // Preparing (ledger read, claim, compose, ledger write) is bounded so that 10,000 people due at once
    // start sending after the first few are ready instead of after all are composed.
    const prepared = await this.preparing.add(() => this.prepare(ledgerId, options));
    if (typeof prepared === "string") return prepared;
    const { ledger, open } = this.options.digests;
    let entry = prepared;
    try {
      const outcome = await this.options.queue.enqueue(
        entry.chatId,
        entry.parts,
        {
          onPart: async (index, messageId) => {
            const messageIds = [...entry.messageIds.slice(0, index), messageId];
            const done = messageIds.length >= entry.parts.length;
            entry = {
              ...entry,
              messageIds,
              ...(done ? { state: "sent" as const } : {}),
              at: new Date(this.clock.now()).toISOString(),
            };
            await ledger.set(ledgerId, entry, LEDGER_TTL_MS);
            if (done) await open.delete(ledgerId);
          },
        },
        entry.messageIds.length,
      );
      if (outcome === "sent") {
        if (entry.state !== "sent") {
          await open.delete(ledgerId);
          await ledger.set(
            ledgerId,
            { ...entry, state: "sent", at: new Date(this.clock.now()).toISOString() },
            LEDGER_TTL_MS,
          );
        }
        return "sent";
      }
      if (outcome === "blocked") {
        await ledger.set(
          ledgerId,
          { ...entry, state: "dropped", at: new Date(this.clock.now()).toISOString() },
          LEDGER_TTL_MS,
        );
        await open.delete(ledgerId);
        await this.deactivate(options.userId);
        return "blocked";
      }
      // Failed for now: the entry stays `sending`; after the lease the scheduler resumes the rest.
      return "failed";
    } finally {
      this.active.delete(ledgerId);
    }
  }

  /** Claims the digest and writes the `sending` entry; a string when there is nothing to send. */
  private async prepare(ledgerId: string, options: DeliverOptions): Promise<LedgerEntry | DigestRunResult> {
    const { userId, chatId, localDate } = options;
    if (this.active.has(ledgerId)) return "busy";
    const { ledger } = this.options.digests;
    const existing = await ledger.get(ledgerId);
    const now = this.clock.now();
    if (existing && existing.state !== "sending") return "already-sent";
    if (existing && (now - Date.parse(existing.at) < this.leaseMs || (await this.ownerAlive(existing, now)))) {
      return "busy";
    }
    if (existing && now - Date.parse(existing.createdAt) > this.graceMs) {
      await ledger.set(ledgerId, { ...existing, state: "failed", at: new Date(now).toISOString() }, LEDGER_TTL_MS);
      await this.options.digests.open.delete(ledgerId);
      return "expired";
    }
    const attempt = (existing?.attempt ?? 0) + 1;
    // One claim per attempt: two instances racing for the same attempt cannot both win.
    if (!(await this.options.digests.store.claim(`digest:${ledgerId}:${attempt}`, this.graceMs + this.leaseMs))) {
      return "busy";
    }
    this.active.add(ledgerId);
    try {
      let entry: LedgerEntry;
      if (existing) {
        entry = { ...existing, attempt, at: new Date(now).toISOString(), owner: this.replicaId };
        this.logger.info("resuming digest", { userId, localDate, sentParts: existing.messageIds.length });
      } else {
        const parts = await options.compose();
        const at = new Date(this.clock.now()).toISOString();
        entry = { state: "sending", parts, messageIds: [], at, createdAt: at, attempt, chatId, owner: this.replicaId };
        if (parts.length === 0) {
          await ledger.set(ledgerId, { ...entry, state: "sent" }, LEDGER_TTL_MS);
          await options.afterCompose?.();
          this.active.delete(ledgerId);
          return "empty";
        }
      }
      await ledger.set(ledgerId, entry, LEDGER_TTL_MS);
      if (!existing) {
        await this.options.digests.open.set(ledgerId, { at: entry.createdAt }, LEDGER_TTL_MS);
        await options.afterCompose?.();
      }
      return entry;
    } catch (error) {
      this.active.delete(ledgerId);
      throw error;
    }
  }

  /** Ledger entries left `sending` (by a crash or a failed attempt) and silent past the lease. */
  async staleEntries(): Promise<Array<{ userId: number; localDate: string; entry: LedgerEntry }>> {
    const now = this.clock.now();
    const { ledger, open } = this.options.digests;
    const stale: Array<{ userId: number; localDate: string; entry: LedgerEntry }> = [];
    for (const { id } of await open.list()) {
      if (this.active.has(id)) continue;
      const entry = await ledger.get(id);
      if (entry?.state !== "sending") {
        await open.delete(id);
        continue;
      }
      if (now - Date.parse(entry.at) < this.leaseMs || (await this.ownerAlive(entry, now))) continue;
      const [userId, localDate] = id.split(":");
      stale.push({ userId: Number(userId), localDate: localDate ?? "", entry });
    }
    return stale;
  }

  /** Stops digests for a person Telegram says blocked the bot (403). */
  async deactivate(userId: number): Promise<void> {
    const { settings } = this.options.digests;
    const current = await settings.get(String(userId));
    if (current) await settings.set(String(userId), { ...current, enabled: false, deactivated: "blocked" });
  }
}
