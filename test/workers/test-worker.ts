/**
 * A worker entry for the pool's tests: the real CPU tasks plus a few that misbehave on purpose. Only tests
 * load this file (through `createCpuPool({ workerFile })`), so no user input can reach these tasks.
 */
import { threadId } from "node:worker_threads";
import cpuWorker, { answer, type CpuRequest, type CpuTask } from "../../src/workers/cpu-worker.js";

export type TestTask =
  | CpuTask
  /** Answers with the thread it ran on. */
  | { kind: "threadId" }
  /** Runs until the pool stops it. */
  | { kind: "spin" }
  /** A catastrophically backtracking regex, like a cleaner pattern gone wrong on a hostile page. */
  | { kind: "regex" }
  /** Ends the worker thread in the middle of the task. */
  | { kind: "exit" }
  /** Allocates until the worker's heap limit. */
  | { kind: "oom" }
  /** Blocks its thread until the test sets `gate[0]` to 1 (and notifies), then answers with the thread it ran on. */
  | { kind: "hold"; gate: Int32Array };

/** A page holding this marker spins in cleanPage, as a page that is too complex to clean would (bot-level tests). */
export const SPIN_MARKER = "<!-- test-worker: spin -->";
/** A page holding this marker ends its worker thread in cleanPage, as a crash would (bot-level tests). */
export const EXIT_MARKER = "<!-- test-worker: exit -->";

export default function testWorker(request: CpuRequest<TestTask>) {
  const { task } = request;
  if (task.kind === "cleanPage" && task.page.html?.includes(SPIN_MARKER))
    return testWorker({ ...request, task: { kind: "spin" } });
  if (task.kind === "cleanPage" && task.page.html?.includes(EXIT_MARKER))
    return testWorker({ ...request, task: { kind: "exit" } });
  switch (task.kind) {
    case "threadId":
      return answer(request, () => threadId);
    case "hold":
      return answer(request, () => {
        Atomics.wait(task.gate, 0, 0);
        return threadId;
      });
    case "spin":
      return answer(request, () => {
        for (;;) {}
      });
    case "regex":
      return answer(request, () => /^(a+)+$/.test(`${"a".repeat(64)}!`));
    case "exit":
      return answer(request, () => process.exit(3));
    case "oom":
      return answer(request, () => {
        // 8 MB arrays of numbers reach the heap limit in a few steps, before the budget runs out.
        const hoard: number[][] = [];
        for (;;) hoard.push(new Array<number>(1_000_000).fill(hoard.length));
      });
    default:
      return cpuWorker(request as CpuRequest<CpuTask>);
  }
}
