import PQueue from "p-queue";
import type { LlmClient } from "./client.js";
import { withDeadline } from "./deadline.js";

export interface LimitOptions {
  /**
   * LLM_TIMEOUT_MS: one deadline per call, counted from the moment the call is made, so time spent waiting
   * for a slot counts. When it passes the call leaves the queue, or is aborted and frees its slot at once,
   * and rejects with LLM_TIMEOUT. @default no deadline of its own (the client's applies)
   */
  timeoutMs?: number;
}

/**
 * Wraps a client so at most `concurrency` model calls are in flight at once (LLM_MAX_CONCURRENCY),
 * whoever makes them: summaries, answers and digests share one budget. Calls beyond it wait in arrival
 * order (FIFO), each at most until its deadline: a stalled model can hold a slot only until then, and a
 * call queued behind stalled ones is answered (LLM_TIMEOUT, so offline) within `timeoutMs` too.
 * A waiting or running call whose `signal` aborts rejects with the signal's reason.
 */
export function limitConcurrency(
  client: LlmClient,
  concurrency: number,
  options: LimitOptions = {},
): LlmClient & { readonly queue: PQueue } {
  const queue = new PQueue({ concurrency: Math.max(1, concurrency) });
  const timeoutMs = options.timeoutMs ?? client.timeoutMs;
  return {
    model: client.model,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    queue,
    complete: (request) => {
      if (request.signal?.aborted) return Promise.reject(request.signal.reason);
      const deadline = Math.min(
        request.deadline ?? Number.POSITIVE_INFINITY,
        options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs,
      );
      if (!Number.isFinite(deadline)) {
        return queue.add(() => client.complete(request), request.signal ? { signal: request.signal } : {});
      }
      // p-queue drops a waiting task and releases a running one's slot as soon as this signal aborts.
      return withDeadline(deadline, request.signal, options.timeoutMs, (signal) =>
        queue.add(() => client.complete({ ...request, signal, deadline }), { signal }),
      );
    },
  };
}
