import PQueue from "p-queue";
import type { LlmClient } from "./client.js";

/**
 * Wraps a client so at most `concurrency` model calls are in flight at once (LLM_MAX_CONCURRENCY),
 * whoever makes them: summaries, answers and digests share one budget. Calls beyond it wait in order;
 * a waiting call whose `signal` aborts leaves the queue and rejects with the signal's reason.
 */
export function limitConcurrency(client: LlmClient, concurrency: number): LlmClient & { readonly queue: PQueue } {
  const queue = new PQueue({ concurrency: Math.max(1, concurrency) });
  return {
    model: client.model,
    queue,
    complete: (request) => {
      if (request.signal?.aborted) return Promise.reject(request.signal.reason);
      return queue.add(() => client.complete(request), request.signal ? { signal: request.signal } : {});
    },
  };
}
