import { readFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorCode, JianbaoError, NotAnArticleError } from "../../src/errors.js";
import { summarizeOffline } from "../../src/llm/offline.js";
import { cleanPage } from "../../src/pipeline/clean/index.js";
import { type CpuPool, createCpuPool } from "../../src/workers/pool.js";
import type { TestTask } from "./test-worker.js";

const TEST_WORKER = new URL("./test-worker.ts", import.meta.url);
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/pages/${name}/source.html`, import.meta.url), "utf8");
const articlePage = {
  input: "https://example.com/news",
  url: "https://example.com/news",
  html: fixture("html-en-news-share-related-comments"),
};
const appShell = { input: "https://example.com/app", html: fixture("html-not-an-article-js-app-shell") };

/** The rejection of `promise`, which must reject. */
async function failure(promise: Promise<unknown>): Promise<JianbaoError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(JianbaoError);
  return outcome as JianbaoError;
}

describe("the CPU pool with the real worker", () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = createCpuPool({ threads: 1 });
  });
  afterAll(() => pool.close());

  it("cleans a page to the same article as the inline cleaner", async () => {
    expect(await pool.cleanPage(articlePage)).toEqual(cleanPage(articlePage));
  });

  it("summarizes offline to the same summary as on the calling thread", async () => {
    const article = cleanPage(articlePage);
    expect(await pool.summarizeOffline({ article, lang: "en" })).toEqual(summarizeOffline({ article, lang: "en" }));
  });

  it("rethrows NotAnArticleError from the worker with its code and details", async () => {
    const inline = (() => {
      try {
        cleanPage(appShell);
      } catch (error) {
        return error as NotAnArticleError;
      }
    })();
    const error = await failure(pool.cleanPage(appShell));
    expect(error).toBeInstanceOf(NotAnArticleError);
    expect(error.code).toBe(ErrorCode.NotAnArticle);
    expect(error.message).toBe(inline?.message);
    expect(error.details).toEqual(inline?.details);
  });

  it("fails a page that needs more than its budget with PAGE_TOO_COMPLEX", async () => {
    const tight = createCpuPool({ threads: 1, budgetMs: 1 });
    try {
      const paragraphs = Array.from(
        { length: 4000 },
        (_, index) => `<p>Paragraph ${index}: ${"words of prose ".repeat(30)}</p>`,
      );
      const big = { input: "big.html", html: `<html><body><article>${paragraphs.join("")}</article></body></html>` };
      const error = await failure(tight.cleanPage(big));
      expect(error.code).toBe(ErrorCode.TooComplex);
      expect(error.details.budgetMs).toBe(1);
    } finally {
      await tight.close();
    }
  });
});

describe("the CPU pool when tasks misbehave", () => {
  let pool: CpuPool;
  const run = <R>(task: TestTask) => pool.run<R>(task, task.kind);
  beforeAll(() => {
    // A small heap so the out-of-memory task fails fast; the budget leaves room for a loaded machine.
    // idleMs 0 keeps both workers running, so "replaced" can be read off threadCount.
    pool = createCpuPool({ threads: 2, budgetMs: 2000, workerMaxMb: 64, idleMs: 0, workerFile: TEST_WORKER });
  });
  afterAll(() => pool.close());

  it("runs tasks on another thread", async () => {
    const workerThread = await run<number>({ kind: "threadId" });
    expect(workerThread).not.toBe(threadId);
    expect(workerThread).toBeGreaterThan(0);
  });

  it("stops a task that runs past its budget and keeps serving", async () => {
    const error = await failure(run({ kind: "spin" }));
    expect(error.code).toBe(ErrorCode.TooComplex);
    expect(await pool.cleanPage(articlePage)).toEqual(cleanPage(articlePage));
  });

  it("stops a runaway regex (the worker is terminated, not left spinning) and keeps serving", async () => {
    const error = await failure(run({ kind: "regex" }));
    expect(error.code).toBe(ErrorCode.TooComplex);
    await run({ kind: "threadId" });
    expect(pool.threadCount).toBe(2);
  });

  it("fails only the task whose worker exits, with WORKER_FAILED, and replaces the worker", async () => {
    const error = await failure(run({ kind: "exit" }));
    expect(error.code).toBe(ErrorCode.WorkerFailed);
    expect(error.details.reason).toBe("crashed");
    expect(await pool.cleanPage(articlePage)).toEqual(cleanPage(articlePage));
    expect(pool.threadCount).toBe(2);
  });

  it("fails a task that runs its worker out of memory with WORKER_FAILED and keeps serving", async () => {
    const error = await failure(run({ kind: "oom" }));
    expect(error.code).toBe(ErrorCode.WorkerFailed);
    expect(error.details.reason).toBe("out-of-memory");
    expect(await run<number>({ kind: "threadId" })).toBeGreaterThan(0);
  });
});

describe("the CPU pool's idle workers", () => {
  it("starts workers as tasks come, lets idle ones exit, and starts a new one for the next task", async () => {
    const pool = createCpuPool({ threads: 2, idleMs: 20, workerFile: TEST_WORKER });
    try {
      expect(pool.threadCount).toBe(0);
      const gate = new Int32Array(new SharedArrayBuffer(4));
      const held = [
        pool.run<number>({ kind: "hold", gate }, "first"),
        pool.run<number>({ kind: "hold", gate }, "second"),
      ];
      await vi.waitFor(() => expect(pool.threadCount).toBe(2));
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      // Two tasks held at once ran on two threads.
      expect(new Set(await Promise.all(held)).size).toBe(2);
      await vi.waitFor(() => expect(pool.threadCount).toBe(0), { timeout: 10_000, interval: 10 });
      expect(await pool.run<number>({ kind: "threadId" }, "after the idle exit")).toBeGreaterThan(0);
      expect(pool.threadCount).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe("the CPU pool's queue", () => {
  it("refuses a task with BUSY when every thread is busy and the queue is full", async () => {
    const pool = createCpuPool({ threads: 1, maxQueue: 1, budgetMs: 60_000, workerFile: TEST_WORKER });
    const running = failure(pool.run({ kind: "spin" }, "running"));
    const waiting = failure(pool.run({ kind: "spin" }, "waiting"));
    const error = await failure(pool.run({ kind: "threadId" }, "one too many"));
    expect(error.code).toBe(ErrorCode.Busy);
    await pool.close();
    // Closing ends the spinning task and the waiting one: each gets its one answer.
    expect((await running).code).toBe(ErrorCode.WorkerFailed);
    expect((await waiting).code).toBe(ErrorCode.WorkerFailed);
  });

  it("refuses work after close", async () => {
    const pool = createCpuPool({ threads: 1, workerFile: TEST_WORKER });
    await pool.close();
    expect((await failure(pool.cleanPage(articlePage))).code).toBe(ErrorCode.WorkerFailed);
  });
});
