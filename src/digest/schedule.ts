/**
 * When is a person's digest due? Pure functions of an instant, an IANA zone and a local HH:MM.
 * Local dates and times come from Intl.DateTimeFormat parts, so DST follows the tz database:
 * a time that does not exist on a spring-forward day fires at the next valid minute,
 * and a time that occurs twice on a fall-back day fires at its first occurrence (once: the ledger is per local date).
 */

import { DAY_MS, MINUTE_MS } from "../text/dates.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True for a zone name Intl accepts (IANA names such as Asia/Shanghai, and UTC). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Parses "8:30" / "08:30" into minutes after midnight; undefined when it is not a time of day. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^(\d{1,2})[:：](\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  return hours <= 23 && minutes <= 59 ? hours * 60 + minutes : undefined;
}

/** "08:30" from minutes after midnight. */
export function formatTimeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The local wall clock at `instant` in `timeZone`, as a UTC-based millisecond count (minute precision). */
function wallClockMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
}

/** The local calendar date (YYYY-MM-DD) at `instant` in `timeZone`. */
export function localDate(instant: number, timeZone: string): string {
  return new Date(wallClockMs(instant, timeZone)).toISOString().slice(0, 10);
}

/** The date `days` after a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The first instant at which the local clock in `timeZone` on `date` reads `minutes` after midnight or later:
 * the wall time itself when it exists (its first occurrence when it repeats), else the end of the DST gap.
 */
export function zonedTimeToInstant(date: string, minutes: number, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE_MS;
  // Offsets a day either side cover both sides of any transition near this date (transitions are months apart).
  const offsets = new Set(
    [wall - DAY_MS, wall, wall + DAY_MS].map(
      (probe) => wallClockMs(probe, timeZone) - Math.floor(probe / MINUTE_MS) * MINUTE_MS,
    ),
  );
  const exact = [...offsets]
    .map((offset) => wall - offset)
    .filter((instant) => wallClockMs(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  if (exact[0] !== undefined) return exact[0];
  // The time falls in a spring-forward gap: find the first minute whose wall clock has passed it.
  const bounds = [...offsets].map((offset) => wall - offset);
  let low = Math.min(...bounds);
  let high = Math.max(...bounds);
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallClockMs(middle, timeZone) >= wall) high = middle;
    else low = middle;
  }
  return wallClockMs(low, timeZone) >= wall ? low : high;
}

export type DigestDue =
  /** Send now: the digest for `localDate` whose time was `scheduledAt`. */
  | { status: "due"; localDate: string; scheduledAt: number }
  /** Today's time has not come (or today's is done and yesterday's is done or too late). */
  | { status: "waiting"; localDate: string; scheduledAt: number }
  /** Today's digest was already sent. */
  | { status: "done"; localDate: string; scheduledAt: number }
  /** Today's time passed longer ago than the grace window and nothing was sent: skip it. */
  | { status: "missed"; localDate: string; scheduledAt: number };

export interface DueOptions {
  /** The instant to judge (ms since epoch). */
  now: number;
  timeZone: string;
  /** Local time of day, minutes after midnight. */
  minutes: number;
  /** Local date of the last digest sent or claimed (YYYY-MM-DD); undefined when none. */
  lastDate?: string;
  /** How late a missed digest is still sent. */
  graceMs: number;
}

/**
 * Whether a digest is due at `now`. A digest whose time passed while the bot was down is still due
 * within `graceMs` (including yesterday's, just after local midnight); later than that it is skipped.
 */
export function digestDue(options: DueOptions): DigestDue {
  const { now, timeZone, minutes, lastDate, graceMs } = options;
  const today = localDate(now, timeZone);
  const sentOn = (date: string) => lastDate !== undefined && lastDate >= date;
  const todayAt = zonedTimeToInstant(today, minutes, timeZone);
  if (now >= todayAt) {
    if (sentOn(today)) return { status: "done", localDate: today, scheduledAt: todayAt };
    if (now - todayAt <= graceMs) return { status: "due", localDate: today, scheduledAt: todayAt };
    return { status: "missed", localDate: today, scheduledAt: todayAt };
  }
  const yesterday = addDays(today, -1);
  const yesterdayAt = zonedTimeToInstant(yesterday, minutes, timeZone);
  if (!sentOn(yesterday) && now - yesterdayAt <= graceMs) {
    return { status: "due", localDate: yesterday, scheduledAt: yesterdayAt };
  }
  return { status: "waiting", localDate: today, scheduledAt: todayAt };
}
