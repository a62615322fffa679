import type { Clock } from "./jobs.js";

const WINDOW_MS = 60_000;
// One "please wait" note per person per this long, so a flood does not get a flood of notes back.
const WARN_EVERY_MS = 15_000;

export interface RateVerdict {
  ok: boolean;
  /** Seconds until the oldest request leaves the window. */
  retryInSeconds: number;
  /** True when the person should be told (at most once per WARN_EVERY_MS). */
  warn: boolean;
}

/**
 * A per-person sliding window of requests (summaries, questions) per minute, in this process's memory.
 * With several replicas each keeps its own window: the limit is per replica, which is enough to stop
 * one person from hogging the model; the global cap on model calls is the LLM limiter's job.
 */
export function createRateLimiter(options: { perMinute: number; clock: Clock }) {
  const windows = new Map<number, number[]>();
  const warned = new Map<number, number>();
  return {
    take(userId: number, cost = 1): RateVerdict {
      const now = options.clock.now();
      const recent = (windows.get(userId) ?? []).filter((at) => now - at < WINDOW_MS);
      if (recent.length + cost > options.perMinute) {
        windows.set(userId, recent);
        const oldest = recent[0] ?? now;
        const retryInSeconds = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
        const lastWarn = warned.get(userId);
        const warn = lastWarn === undefined || now - lastWarn >= WARN_EVERY_MS;
        if (warn) warned.set(userId, now);
        return { ok: false, retryInSeconds, warn };
      }
      for (let index = 0; index < cost; index += 1) recent.push(now);
      windows.set(userId, recent);
      if (windows.size > 10_000) {
        // Forget idle people now and then so the map does not grow without bound.
        for (const [id, times] of windows) if (times.every((at) => now - at >= WINDOW_MS)) windows.delete(id);
      }
      return { ok: true, retryInSeconds: 0, warn: false };
    },
  };
}
