/**
 * The CPU stages as one small interface: cleaning a page and the offline summary. The bot, the CLI,
 * the digest and the terminal get one of these as a parameter; `main.ts` builds the worker pool
 * (`src/workers/pool.ts`) and tests may use `inlineCpu`, which runs the same code on the calling thread.
 */

import type { OfflineSummaryOptions } from "../llm/offline.js";
import type { PageInput } from "../pipeline/page.js";
import type { Article, Summary } from "../types.js";

export interface CpuWork {
  /** Cleans a page (HTML, text or PDF) to its article; throws NotAnArticleError, PDF_*, or PAGE_TOO_COMPLEX / WORKER_FAILED / BUSY from a pool. */
  cleanPage(page: PageInput): Promise<Article>;
  /** The extractive summary without a model. */
  summarizeOffline(options: OfflineSummaryOptions): Promise<Summary>;
  /** Stops the workers (no-op inline). */
  close(): Promise<void>;
}

/**
 * Runs the CPU stages on the calling thread: for unit tests and small tools, never for the bot. The stages are
 * imported on first use, so a process that uses the pool never loads them (cheerio, pdfjs: tens of MB) itself.
 */
export const inlineCpu: CpuWork = {
  cleanPage: async (page) => (await import("../pipeline/clean/index.js")).cleanPageAsync(page),
  summarizeOffline: async (options) => (await import("../llm/offline.js")).summarizeOffline(options),
  close: async () => undefined,
};
