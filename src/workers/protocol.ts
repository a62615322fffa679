/**
 * What crosses between the pool (src/workers/pool.ts) and its workers (cpu-worker.ts): the task, the reply,
 * and errors as plain data (structured clone drops an error's `code` and `details`; the pool rebuilds them as
 * the same JianbaoError subclass). Kept apart from the worker so the bot's thread, which only posts tasks,
 * never loads the cleaning pipeline (cheerio, pdfjs) the worker runs.
 */
import type { MessagePort } from "node:worker_threads";
import { ConfigError, FetchError, JianbaoError, LlmError, NotAnArticleError } from "../errors.js";
import type { OfflineSummaryOptions } from "../llm/offline.js";
import type { PageInput } from "../pipeline/input.js";
import type { Article, Summary } from "../types.js";

/** One unit of CPU work. */
export type CpuTask =
  | { kind: "cleanPage"; page: PageInput }
  | { kind: "summarizeOffline"; options: OfflineSummaryOptions };

/** What the pool posts: the task and a port on which the worker says it has started (the budget runs from then). */
export interface CpuRequest<T = CpuTask> {
  task: T;
  started: MessagePort;
}

/** An error as plain data. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Set for JianbaoError and its subclasses. */
  code?: JianbaoError["code"];
  details?: Record<string, string | number>;
}

export type CpuReply = { ok: true; value: Article | Summary | unknown } | { ok: false; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof JianbaoError) {
    return {
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
      code: error.code,
      details: { ...error.details },
    };
  }
  if (error instanceof Error)
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: "Error", message: String(error) };
}

/** The inverse of serializeError: NotAnArticleError comes back as NotAnArticleError, with its code and details. */
export function rebuildError(data: SerializedError): Error {
  const options = { details: data.details ?? {} };
  let error: Error;
  if (data.code === undefined) {
    error = new Error(data.message);
    error.name = data.name;
  } else if (data.name === "NotAnArticleError") error = new NotAnArticleError(data.message, options);
  else if (data.name === "FetchError") error = new FetchError(data.code, data.message, options);
  else if (data.name === "LlmError") error = new LlmError(data.code, data.message, options);
  else if (data.name === "ConfigError") error = new ConfigError(data.message);
  else error = new JianbaoError(data.code, data.message, options);
  // The worker's stack says where it failed; the pool's would only say "in the pool".
  if (data.stack) error.stack = data.stack;
  return error;
}

/** Says "started" on the request's port, then runs `run` and wraps its outcome as a reply. */
export async function answer<T>(request: CpuRequest<T>, run: (task: T) => unknown): Promise<CpuReply> {
  request.started.postMessage("started");
  try {
    // Awaited here: PDF extraction is async, and a rejected promise must come back as a typed error.
    return { ok: true, value: await run(request.task) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}
