import PQueue from "p-queue";
import type { Logger } from "../log.js";

export { type Clock, systemClock } from "../clock.js";

/**
 * The bounded queue for slow work (fetch → clean → summarize → edit). Handlers add a job and return
 * at once, so long polling never waits for the model. When the queue is full, `add` says no and the
 * handler tells the person to try again.
 */
export interface JobQueue {
  /** False when the queue is full (the job was not taken). */
  add(name: string, job: () => Promise<void>): boolean;
  /** Jobs running plus waiting. */
  readonly load: number;
  /** Stops taking jobs and waits for the running/waiting ones, at most `deadlineMs`; true if all finished. */
  drain(deadlineMs: number): Promise<boolean>;
  /** Resolves when nothing is running or waiting (tests). */
  idle(): Promise<void>;
}

export interface JobQueueOptions {
  /** Jobs at once. @default 8 */
  concurrency?: number;
  /** Jobs waiting before `add` refuses. @default 200 */
  maxWaiting?: number;
  logger: Logger;
}

export function createJobQueue(options: JobQueueOptions): JobQueue {
  const concurrency = options.concurrency ?? 8;
  const queue = new PQueue({ concurrency });
  const maxWaiting = options.maxWaiting ?? 200;
  let closed = false;
  return {
    add(name, job) {
      // A job that can start now is always taken; beyond that, at most maxWaiting wait.
      if (closed || (queue.pending >= concurrency && queue.size >= maxWaiting)) return false;
      void queue
        .add(async () => {
          try {
            await job();
          } catch (error) {
            // Jobs answer the person themselves; this is the last line of defence.
            options.logger.error("background job failed", { job: name, error });
          }
        })
        .catch(() => undefined);
      return true;
    },
    get load() {
      return queue.size + queue.pending;
    },
    async drain(deadlineMs) {
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), deadlineMs);
      });
      const finished = queue.onIdle().then(() => true);
      const result = await Promise.race([finished, deadline]);
      clearTimeout(timer);
      return result;
    },
    idle: () => queue.onIdle(),
  };
}
