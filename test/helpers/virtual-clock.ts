/**
 * Virtual time for code that waits on timers: `now` stands still until the test runs the clock, which then jumps
 * from timer to timer whenever the code has nothing else to do. Real Telegram intervals (1 s per chat, a 5 s
 * retry_after) take no wall-clock time and the assertions on them are exact.
 */
export interface VirtualClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs timers in time order until `done()` holds (checked whenever the code is idle). */
  runUntil(done: () => boolean): Promise<void>;
  /** Runs timers until `work` settles; resolves or rejects with it. */
  run<T>(work: Promise<T>): Promise<T>;
}

/** Turns of the event loop given to promise chains before time moves on. */
const SETTLE_TURNS = 5;
/** Idle turns with no timer left before the run gives up (the code waits on something that is not a timer). */
const MAX_IDLE_TURNS = 200;

export function virtualClock(start = 0): VirtualClock {
  let now = start;
  let sequence = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  const runUntil = async (done: () => boolean) => {
    let idle = 0;
    for (;;) {
      for (let i = 0; i < SETTLE_TURNS; i++) await turn();
      if (done()) return;
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of timers) if (!next || entry[1].at < next[1].at) next = entry;
      if (!next) {
        idle += 1;
        if (idle > MAX_IDLE_TURNS) throw new Error("virtual clock: nothing left to run and the work is not done");
        continue;
      }
      idle = 0;
      timers.delete(next[0]);
      now = Math.max(now, next[1].at);
      next[1].callback();
    }
  };

  return {
    now: () => now,
    setTimeout(callback, ms) {
      sequence += 1;
      timers.set(sequence, { at: now + Math.max(0, ms), callback });
      return sequence;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    runUntil,
    async run<T>(work: Promise<T>): Promise<T> {
      let settled = false;
      const watched = work.finally(() => {
        settled = true;
      });
      watched.catch(() => undefined);
      await runUntil(() => settled);
      return watched;
    },
  };
}
