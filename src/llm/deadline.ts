import { ErrorCode, LlmError } from "../errors.js";
import type { LlmClient } from "./client.js";

/** The error every model call fails with once its deadline passed (headers, body, retries or queue). */
export function llmTimeout(budgetMs: number | undefined, detail: string, cause?: unknown): LlmError {
  const seconds = budgetMs === undefined ? undefined : Math.max(1, Math.round(budgetMs / 1000));
  return new LlmError(
    ErrorCode.LlmTimeout,
    `The model did not answer in time${seconds === undefined ? "" : ` (${seconds} s)`}: ${detail}`,
    { cause, ...(budgetMs === undefined ? {} : { details: { timeoutMs: budgetMs } }) },
  );
}

/**
 * Runs `work` with a signal that aborts at `deadline` (epoch ms) or when `outer` aborts, whichever is first.
 * Settles by then whatever `work` does: a request stuck in a body that never ends, or a library that ignores
 * the signal, cannot keep the caller waiting. Rejects with LLM_TIMEOUT at the deadline, with `outer`'s reason
 * when it aborted. The timer is cleared when `work` settles.
 */
export async function withDeadline<T>(
  deadline: number,
  outer: AbortSignal | undefined,
  budgetMs: number | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const expiry = new AbortController();
  const fire = () => expiry.abort(llmTimeout(budgetMs, "its deadline passed"));
  const timer = setTimeout(fire, Math.max(0, deadline - Date.now()));
  const signal = outer ? AbortSignal.any([outer, expiry.signal]) : expiry.signal;
  let stop: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    stop = () => signal.removeEventListener("abort", onAbort);
  });
  aborted.catch(() => undefined);
  const running = work(signal);
  // The loser of the race below must not surface as an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, aborted]);
  } finally {
    clearTimeout(timer);
    stop?.();
  }
}

/**
 * The same client, with every call made through it finishing by one deadline: `timeoutMs` (@default the
 * client's own) from the first call. One summary or one answer is a request plus at most two re-asks; through
 * this they take `timeoutMs` in all, not that much each. Without a budget the client is returned as it is.
 */
export function sharedDeadline(client: LlmClient, timeoutMs = client.timeoutMs): LlmClient {
  if (timeoutMs === undefined) return client;
  let deadline: number | undefined;
  return {
    model: client.model,
    timeoutMs,
    complete: (request) => {
      deadline ??= Date.now() + timeoutMs;
      return client.complete({
        ...request,
        deadline: Math.min(request.deadline ?? Number.POSITIVE_INFINITY, deadline),
      });
    },
  };
}
