/**
 * The CPU stages on a worker-thread pool (piscina), so one heavy page never stalls the bot's event loop.
 *
 *   - sized to the machine: up to one thread per available core, started as tasks come (a CLI run that fails on
 *     its arguments starts none); a worker left idle for `idleMs` exits and gives back its memory (a worker's
 *     heap keeps what its largest page needed), and the next task starts a new one (measured: 140 ms for the
 *     first page on a new worker, 3–6 ms on a warm one);
 *   - a bounded queue: past `threads + maxQueue` tasks in flight, a new one is refused with BUSY at once;
 *   - a time budget per task, counted from when a worker starts it (not while it waits): over budget the task
 *     fails with PAGE_TOO_COMPLEX and its worker is terminated and replaced, so a runaway regex cannot keep
 *     a core busy;
 *   - a worker that crashes or runs out of memory (`resourceLimits`) fails its one task with WORKER_FAILED;
 *     piscina starts a new worker in its place;
 *   - errors thrown inside the worker (NotAnArticleError…) come back as the same JianbaoError, code and details intact.
 *
 * Why piscina 5 rather than tinypool 2: both run on Node 20 and 24, but piscina is the original, kept by Node.js
 * core contributors, and has what this needs built in and documented: a running task aborted by an AbortSignal
 * terminates its worker, `maxQueue`, `resourceLimits`, worker replacement on crash. tinypool is a trimmed fork
 * made for test runners.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { ErrorCode, JianbaoError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import type { Article, Summary } from "../types.js";
import type { CpuWork } from "./cpu.js";
import { type CpuReply, type CpuRequest, type CpuTask, rebuildError } from "./protocol.js";

// ── Defaults (config.ts passes CPU_* settings; these are for callers that pass nothing) ───────────────────
/** Tasks that may wait for a worker. The bot's job queue runs 8 readings at once, so 64 is a deep margin. */
export const DEFAULT_MAX_QUEUE = 64;
/** A 4 MB page cleans in about a second on one core; ten times that is a page we should not keep trying. */
export const DEFAULT_BUDGET_MS = 10_000;
/** Heap per worker: a 5 MB page's DOM fits in well under this; a page that needs more fails alone. */
export const DEFAULT_WORKER_MAX_MB = 512;
/**
 * Young-generation cap per worker (MB). Cleaning allocates fast, so V8 grows a worker's young generation to its
 * largest (48 MB on 64-bit) and keeps it. Measured cleaning 60 gold-set pages at once on 2 workers: RSS 218 MB
 * by default, 154 MB at 8, 141 MB at 4; time per page 6.1–6.3 ms by default, 6.6–6.9 ms at 8, 7.1–7.2 ms at 4.
 */
const WORKER_YOUNG_GENERATION_MB = 8;
/**
 * Workers run this much nicer (lower OS priority) than the event-loop thread, so with every core cleaning the
 * loop is still scheduled at once when a reply arrives. Linux/macOS/Windows through piscina's optional
 * @napi-rs/nice; without it, 0.
 */
export const DEFAULT_WORKER_NICE = 10;
/**
 * A worker idle this long exits. A minute keeps the workers warm through a burst of links or a feed poll, and
 * lets a bot that is only sending digests (no CPU work for minutes) run without them: an idle worker held 23 MB
 * of RSS after bench:digest's poll of small pages, 73 MB after gold-set pages (before the young-generation cap).
 */
export const DEFAULT_IDLE_MS = 60_000;

export interface CpuPoolOptions {
  /** Worker threads. @default os.availableParallelism() */
  threads?: number;
  /** Tasks that may wait beyond those running; one more is refused with BUSY. @default 64 */
  maxQueue?: number;
  /** Time one task may run in a worker (ms) before it fails with PAGE_TOO_COMPLEX. @default 10000 */
  budgetMs?: number;
  /** V8 old-generation heap cap per worker (MB, `resourceLimits.maxOldGenerationSizeMb`). @default 512 */
  workerMaxMb?: number;
  /** OS priority decrease of the worker threads (0 = same as the event loop). @default 10 */
  workerNice?: number;
  /** A worker idle this long (ms) exits; the next task starts one. 0 keeps every worker running. @default 60000 */
  idleMs?: number;
  /** Where the pool reports a worker that failed outside a task. @default silentLogger */
  logger?: Logger;
  /**
   * The worker entry (a module whose default export answers a `CpuRequest` with a `CpuReply`, see cpu-worker.ts).
   * Tests pass one with extra tasks (crash, spin); the bot never does. @default ./cpu-worker.ts (or .js) beside this file
   */
  workerFile?: URL;
}

/** A CpuWork pool that can also run an arbitrary task kind of its worker file (tests' extra tasks). */
export interface CpuPool extends CpuWork {
  /** Runs any task the worker file understands; `label` names it in error messages. */
  run<R>(task: unknown, label: string): Promise<R>;
  /** Worker threads alive now: up to `threads` while there is work, fewer once idle ones have exited. */
  readonly threadCount: number;
  /** Tasks running or waiting per configured thread: 1 means every worker is busy (metrics). */
  readonly utilisation: number;
}

/** The worker entry beside this module, with this module's extension (.ts under tsx and vitest, .js if compiled). */
function defaultWorkerFile(): URL {
  return new URL(`./cpu-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
}

/**
 * Node flags for the workers. Under `tsx src/main.ts` (or `node --import tsx`) tsx is in process.execArgv, which
 * workers inherit, so nothing needs adding. Under vitest it is not: for a .ts entry, load tsx's loader, resolved
 * from this package so it does not depend on the working directory.
 */
function workerExecArgv(workerFile: URL): string[] | undefined {
  if (extname(workerFile.pathname) !== ".ts") return undefined;
  if (process.execArgv.some((arg) => /[/\\]tsx[/\\]|^tsx(\/|$)/.test(arg))) return undefined;
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return [...process.execArgv, "--import", loader];
}

/** The piscina pool, started on the first task. */
function startPiscina(options: CpuPoolOptions, workerFile: URL, threads: number, logger: Logger) {
  const execArgv = workerExecArgv(workerFile);
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const started = new Piscina<CpuRequest<unknown>, CpuReply>({
    filename: workerFile.href,
    // With an idle timeout no worker is kept: piscina starts one per task waiting, up to maxThreads.
    minThreads: idleMs > 0 ? 0 : threads,
    maxThreads: threads,
    idleTimeout: idleMs > 0 ? idleMs : Number.POSITIVE_INFINITY,
    // The bound is ours (in run), counted over running and waiting tasks, so the refusal is a typed BUSY.
    maxQueue: Number.POSITIVE_INFINITY,
    resourceLimits: {
      maxOldGenerationSizeMb: options.workerMaxMb ?? DEFAULT_WORKER_MAX_MB,
      maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
    },
    niceIncrement: options.workerNice ?? DEFAULT_WORKER_NICE,
    ...(execArgv ? { execArgv } : {}),
  });
  // Without a listener, a worker dying while idle would be an unhandled 'error' event: the process would exit.
  started.on("error", (error: unknown) => logger.warn("a CPU worker failed while idle; replaced", { error }));
  return started;
}

/** The typed error for a task that ran out of its budget (TOO_COMPLEX) or whose worker died (WORKER_FAILED). */
function workerFailure(error: unknown, label: string, budgetMs: number, overBudget: boolean): JianbaoError {
  if (overBudget) {
    return new JianbaoError(
      ErrorCode.TooComplex,
      `reading ${label} took longer than its ${budgetMs} ms budget; the worker was stopped`,
      { details: { budgetMs } },
    );
  }
  const reason = (error as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY" ? "out-of-memory" : "crashed";
  return new JianbaoError(ErrorCode.WorkerFailed, `the worker reading ${label} failed (${reason}); it was replaced`, {
    cause: error,
    details: { reason },
  });
}

/** Starts the worker pool; `close()` it at shutdown. */
export function createCpuPool(options: CpuPoolOptions = {}): CpuPool {
  const threads = options.threads ?? availableParallelism();
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const logger = options.logger ?? silentLogger;
  const workerFile = options.workerFile ?? defaultWorkerFile();
  let piscina: Piscina<CpuRequest<unknown>, CpuReply> | undefined;
  const workers = () => {
    piscina ??= startWorkers();
    return piscina;
  };
  const startWorkers = () => startPiscina(options, workerFile, threads, logger);

  let inFlight = 0;
  let closed = false;

  async function run<R>(task: unknown, label: string): Promise<R> {
    if (closed) throw new JianbaoError(ErrorCode.WorkerFailed, `the CPU pool is closed; cannot read ${label}`);
    if (inFlight >= threads + maxQueue) {
      throw new JianbaoError(ErrorCode.Busy, `${inFlight} CPU tasks are already running or waiting; ${label} refused`, {
        details: { inFlight },
      });
    }
    inFlight += 1;
    const { port1: startedPort, port2: started } = new MessageChannel();
    const budget = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    startedPort.once("message", () => {
      if (!settled) timer = setTimeout(() => budget.abort(), budgetMs);
    });
    let reply: CpuReply;
    try {
      reply = await workers().run({ task, started }, { transferList: [started], signal: budget.signal });
    } catch (error) {
      throw workerFailure(error, label, budgetMs, budget.signal.aborted);
    } finally {
      settled = true;
      clearTimeout(timer);
      startedPort.close();
      inFlight -= 1;
    }
    if (!reply.ok) throw rebuildError(reply.error);
    return reply.value as R;
  }

  return {
    cleanPage: (page) => run<Article>({ kind: "cleanPage", page } satisfies CpuTask, page.input),
    summarizeOffline: (summaryOptions) =>
      run<Summary>(
        { kind: "summarizeOffline", options: summaryOptions } satisfies CpuTask,
        `the summary of "${summaryOptions.article.title}"`,
      ),
    run,
    get threadCount() {
      return piscina?.threads.length ?? 0;
    },
    get utilisation() {
      return inFlight / threads;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Terminates the workers now: at shutdown the bot has already drained its jobs.
      await piscina?.destroy();
    },
  };
}
