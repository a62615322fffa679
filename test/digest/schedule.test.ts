import { describe, expect, it } from "vitest";
import { digestDue, localDate, parseTimeOfDay, zonedTimeToInstant } from "../../src/digest/schedule.js";

const at = (date: string, time: string, zone: string) =>
  new Date(zonedTimeToInstant(date, parseTimeOfDay(time) ?? 0, zone)).toISOString();
const HOUR = 3_600_000;

describe("zonedTimeToInstant", () => {
  it("maps local times to UTC on both sides of a DST change", () => {
    expect(at("2026-03-07", "08:00", "America/New_York")).toBe("2026-03-07T13:00:00.000Z");
    expect(at("2026-03-08", "08:00", "America/New_York")).toBe("2026-03-08T12:00:00.000Z");
    expect(at("2026-03-28", "08:00", "Europe/Berlin")).toBe("2026-03-28T07:00:00.000Z");
    expect(at("2026-03-29", "08:00", "Europe/Berlin")).toBe("2026-03-29T06:00:00.000Z");
    expect(at("2026-03-10", "08:00", "Asia/Shanghai")).toBe("2026-03-10T00:00:00.000Z");
    expect(at("2026-03-10", "00:00", "Asia/Kathmandu")).toBe("2026-03-09T18:15:00.000Z");
  });

  it("fires a time that does not exist (spring forward) at the next valid minute", () => {
    expect(at("2026-03-08", "02:30", "America/New_York")).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT
    expect(at("2026-03-29", "02:15", "Europe/Berlin")).toBe("2026-03-29T01:00:00.000Z"); // 03:00 CEST
  });

  it("fires a repeated time (fall back) at its first occurrence", () => {
    expect(at("2026-11-01", "01:30", "America/New_York")).toBe("2026-11-01T05:30:00.000Z"); // 01:30 EDT
    expect(at("2026-10-25", "02:30", "Europe/Berlin")).toBe("2026-10-25T00:30:00.000Z"); // 02:30 CEST
  });
});

describe("digestDue", () => {
  const base = { timeZone: "America/New_York", minutes: 8 * 60, graceMs: 6 * HOUR };

  it("is due from the local time on, once per local date", () => {
    expect(digestDue({ ...base, now: Date.parse("2026-03-08T11:59:00Z") }).status).toBe("waiting");
    expect(digestDue({ ...base, now: Date.parse("2026-03-08T12:00:00Z") })).toMatchObject({
      status: "due",
      localDate: "2026-03-08",
    });
    expect(digestDue({ ...base, now: Date.parse("2026-03-08T12:01:00Z"), lastDate: "2026-03-08" }).status).toBe("done");
  });

  it("sends a digest missed by 2 hours, skips one missed by 8", () => {
    expect(digestDue({ ...base, now: Date.parse("2026-03-08T14:00:00Z") }).status).toBe("due");
    expect(digestDue({ ...base, now: Date.parse("2026-03-08T20:00:00Z") }).status).toBe("missed");
  });

  it("still sends yesterday's digest just after local midnight within the grace window", () => {
    const late = { timeZone: "Asia/Shanghai", minutes: 23 * 60 + 30, graceMs: 6 * HOUR };
    const now = Date.parse("2026-03-10T17:00:00Z"); // 01:00 on 11 March in Shanghai, 1.5 h after 23:30
    expect(localDate(now, "Asia/Shanghai")).toBe("2026-03-11");
    expect(digestDue({ ...late, now, lastDate: "2026-03-09" })).toMatchObject({
      status: "due",
      localDate: "2026-03-10",
    });
    expect(digestDue({ ...late, now, lastDate: "2026-03-10" }).status).toBe("waiting");
  });

  it("reads times of day loosely but refuses nonsense", () => {
    expect(parseTimeOfDay("8:05")).toBe(485);
    expect(parseTimeOfDay("08：30")).toBe(510);
    expect(parseTimeOfDay("24:00")).toBeUndefined();
    expect(parseTimeOfDay("soon")).toBeUndefined();
  });
});
