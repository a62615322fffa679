/**
 * The overall pace is counted twice: slots are booked evenly (GCRA), and sends are counted when they are let go,
 * so timers that fire late together (the event loop was busy) cannot put more than the rate into one second.
 * Time is virtual: a stall is timers firing late, exactly as a blocked event loop makes them.
 */
import { describe, expect, it } from "vitest";
import { ARRIVAL_MARGIN_MS, createPacer, paceLimits } from "../../src/telegram/pacer.js";
import { virtualClock } from "../helpers/virtual-clock.js";
import { busiestWindow } from "../helpers/windows.js";

/** A virtual clock whose timers due before `stallUntil` all fire at `stallUntil` (the loop was blocked till then). */
function stallingClock(stallUntil: number) {
  const clock = virtualClock(0);
  return {
    clock,
    now: () => clock.now(),
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const due = clock.now() + ms;
        clock.setTimeout(resolve, Math.max(due, stallUntil) - clock.now());
      }),
  };
}

/** Sends one message to each of `chats` chats at once through `pacer`; resolves with the times they were let go. */
async function sendToAll(chats: number, stallUntil: number, maxPerSecond = 30): Promise<number[]> {
  const pacer = createPacer(paceLimits(maxPerSecond));
  const time = stallingClock(stallUntil);
  const times: number[] = [];
  const all = Array.from({ length: chats }, (_unused, index) =>
    pacer.slot(100 + index, time).then((at) => {
      // What the pacer counted is when the send was let go.
      expect(at).toBe(time.now());
      times.push(at);
    }),
  );
  await time.clock.run(Promise.all(all));
  return times;
}

describe("the overall pace, counted at sending time", () => {
  it("evenly spaced at 30 a second when timers fire on time: 90 sends in three seconds", async () => {
    const times = await sendToAll(90, 0);
    expect(busiestWindow(times, 999)).toBeLessThanOrEqual(30);
    expect(Math.max(...times)).toBeCloseTo(89 * paceLimits().globalIntervalMs, 3);
    // Telegram counts arrivals: sends that arrive up to the margin late still fit in every second.
    expect(busiestWindow(times, 999 + ARRIVAL_MARGIN_MS)).toBeLessThanOrEqual(30);
  });

  it("a half-second stall: the sends that fire late together still leave no second with more than 30", async () => {
    const times = await sendToAll(120, 500);
    // The ones booked after the first and by 500 ms (14 at 1040/30 ms apart) go out at 500 ms together…
    const spacing = paceLimits().globalIntervalMs;
    expect(times.filter((at) => at === 500)).toHaveLength(Math.floor(500 / spacing));
    // …and the ones booked just after wait their turn: no window of a second (and the margin) holds more than the rate.
    expect(busiestWindow(times, 999 + ARRIVAL_MARGIN_MS)).toBeLessThanOrEqual(30);
    // The budget is not wasted: 120 sends are done within the stall and 120 spacings.
    expect(Math.max(...times)).toBeLessThanOrEqual(500 + 120 * spacing);
  });

  it("holds any rate: TELEGRAM_MAX_PER_SECOND=12 with a stall of two seconds", async () => {
    const times = await sendToAll(60, 2000, 12);
    expect(busiestWindow(times, 999)).toBeLessThanOrEqual(12);
    expect(times).toHaveLength(60);
  });
});
