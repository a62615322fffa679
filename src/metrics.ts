/**
 * Prometheus metrics (prom-client), served by server.ts at GET /metrics. One registry per bot, so tests and
 * benches with several bots in one process do not mix their numbers. Names are `jianbao_*`; Node's own
 * (event-loop delay, heap, GC) come from prom-client's default metrics when `defaults` is set.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CompletionRequest, LlmClient } from "./llm/client.js";

export interface Metrics {
  registry: Registry;
  /** Updates accepted, by kind (message, callback_query, …) and how they ended (handled, duplicate). */
  updates: Counter<"kind" | "outcome">;
  /** Summaries delivered, by mode (model, offline, …) and whether the cache answered. */
  summaries: Counter<"mode" | "cached">;
  /** Model calls by outcome (ok, error). */
  modelRequests: Counter<"outcome">;
  /** Model tokens by kind (prompt, completion). */
  modelTokens: Counter<"kind">;
  modelLatency: Histogram<"outcome">;
  /** Reads that failed, by error code (UNREACHABLE, NOT_AN_ARTICLE, …). */
  fetchFailures: Counter<"code">;
  /** Digest messages sent. */
  digestMessages: Counter;
  /** Telegram 429 answers, by who met them (reply, digest). */
  telegram429: Counter<"source">;
  /** Jobs this replica took over from a lease that ran out. */
  jobTakeovers: Counter;
  /** Reports the live values the gauges read (job queue depth, worker pool use). */
  watch(sources: { jobQueueDepth?: () => number; workerUtilisation?: () => number }): void;
}

/** Model latency buckets (seconds): from a cached answer to a stalled long summary. */
const MODEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60, 120];

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const sources: { jobQueueDepth?: () => number; workerUtilisation?: () => number } = {};
  const registers = [registry];
  new Gauge({
    name: "jianbao_job_queue_depth",
    help: "Reading and answering jobs running or waiting on this replica",
    registers,
    collect() {
      this.set(sources.jobQueueDepth?.() ?? 0);
    },
  });
  new Gauge({
    name: "jianbao_worker_pool_utilisation",
    help: "CPU worker pool: tasks running or waiting per worker thread (1 = every worker busy)",
    registers,
    collect() {
      this.set(sources.workerUtilisation?.() ?? 0);
    },
  });
  return {
    registry,
    updates: new Counter({
      name: "jianbao_updates_total",
      help: "Telegram updates received, by kind and outcome",
      labelNames: ["kind", "outcome"],
      registers,
    }),
    summaries: new Counter({
      name: "jianbao_summaries_total",
      help: "Summaries delivered, by mode and cache hit",
      labelNames: ["mode", "cached"],
      registers,
    }),
    modelRequests: new Counter({
      name: "jianbao_model_requests_total",
      help: "Model calls, by outcome",
      labelNames: ["outcome"],
      registers,
    }),
    modelTokens: new Counter({
      name: "jianbao_model_tokens_total",
      help: "Model tokens, by kind",
      labelNames: ["kind"],
      registers,
    }),
    modelLatency: new Histogram({
      name: "jianbao_model_latency_seconds",
      help: "Model call latency, waiting for a slot included",
      labelNames: ["outcome"],
      buckets: MODEL_BUCKETS,
      registers,
    }),
    fetchFailures: new Counter({
      name: "jianbao_fetch_failures_total",
      help: "Reads that failed, by error code",
      labelNames: ["code"],
      registers,
    }),
    digestMessages: new Counter({ name: "jianbao_digest_messages_total", help: "Digest messages sent", registers }),
    telegram429: new Counter({
      name: "jianbao_telegram_429_total",
      help: "Telegram 429 (Too Many Requests) answers, by source",
      labelNames: ["source"],
      registers,
    }),
    jobTakeovers: new Counter({
      name: "jianbao_job_takeovers_total",
      help: "Jobs taken over after their lease ran out",
      registers,
    }),
    watch(next) {
      Object.assign(sources, next);
    },
  };
}

/** The model client with every call counted (requests, tokens, latency). */
export function measuredLlm(llm: LlmClient, metrics: Metrics): LlmClient {
  return {
    get model() {
      return llm.model;
    },
    async complete(request: CompletionRequest) {
      const started = performance.now();
      try {
        const result = await llm.complete(request);
        metrics.modelRequests.inc({ outcome: "ok" });
        metrics.modelTokens.inc({ kind: "prompt" }, result.usage.prompt_tokens);
        metrics.modelTokens.inc({ kind: "completion" }, result.usage.completion_tokens);
        metrics.modelLatency.observe({ outcome: "ok" }, (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        metrics.modelRequests.inc({ outcome: "error" });
        metrics.modelLatency.observe({ outcome: "error" }, (performance.now() - started) / 1000);
        throw error;
      }
    },
  };
}
