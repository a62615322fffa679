/**
 * The worker side of the CPU pool (src/workers/pool.ts): runs one CPU task on a worker thread and
 * answers with plain data (the wire format is in protocol.ts).
 */
import { summarizeOffline } from "../llm/offline.js";
import { cleanPageAsync } from "../pipeline/clean/index.js";
import type { Article, Summary } from "../types.js";
import { answer, type CpuReply, type CpuRequest, type CpuTask } from "./protocol.js";

export { answer, type CpuReply, type CpuRequest, type CpuTask } from "./protocol.js";

/** Runs a task on this thread: the part of the worker that knows the stages. */
export async function runCpuTask(task: CpuTask): Promise<Article | Summary> {
  switch (task.kind) {
    case "cleanPage":
      return cleanPageAsync(task.page);
    case "summarizeOffline":
      return summarizeOffline(task.options);
  }
}

/** piscina calls the default export with each request. */
export default function cpuWorker(request: CpuRequest): Promise<CpuReply> {
  return answer(request, runCpuTask);
}
