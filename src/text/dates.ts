/**
 * The one date reader: dates and times as pages write them (metadata values, lines of text, feeds),
 * with one table of month names and one of time zones; and the lengths of a day that schedules use.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
/** A month name or its abbreviation, as a capturing group (for patterns that read dates). */
export const MONTH_NAME =
  "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const NUMERIC_DATE = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/;
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH_NAME}\\.?,?\\s+(\\d{4})\\b`, "i");
const MONTH_DAY_YEAR = new RegExp(`\\b${MONTH_NAME}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, "i");
/** The same without the year ("13 Aug", "Aug. 13"): calendar badges and list stamps. */
const DAY_MONTH = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH_NAME}\\b`, "i");
const MONTH_DAY = new RegExp(`\\b${MONTH_NAME}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b`, "i");
/** 11:05, 11时05分, 2:15 PM; "06.00" only when a meridiem or zone follows (else it is a number). */
const TIME =
  /(\d{1,2})\s*(?:[:：时]|\.(?=\d{2}\s*(?:[ap]\.?m|GMT|UTC|BST|CES?T|E[SD]T|P[SD]T|JST|HKT|SGT)))\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?\s*((?:GMT|UTC)\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC|BST|CEST|CET|EST|EDT|PST|PDT|JST|HKT|SGT|Z(?![a-z])|[+-]\d{2}:?\d{2}|北京时间)?/i;
/**
 * The one time-zone table: abbreviations pages print after a time, and their offsets. CST is US Central
 * (as Date.parse reads it); Chinese pages say 北京时间 or +08:00, which zoneOffset reads.
 */
export const ZONE_OFFSETS: Readonly<Record<string, string>> = {
  GMT: "Z",
  UTC: "Z",
  BST: "+01:00",
  CET: "+01:00",
  CEST: "+02:00",
  EST: "-05:00",
  EDT: "-04:00",
  PST: "-08:00",
  PDT: "-07:00",
  CST: "-06:00",
  CDT: "-05:00",
  JST: "+09:00",
  HKT: "+08:00",
  SGT: "+08:00",
};

/** Dates written in Chinese or numeric forms: 2020-03-26 11:05, 2020年3月26日, 2020/3/26. */
export const LOOSE_DATE =
  /((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2})[:：时](\d{2})(?:[:：分](\d{2}))?)?/u;

/** Reads the first date (and time) in a line; Chinese pages without a zone are Beijing time (+08:00). */
export function parseDate(text: string, chinese: boolean): string | undefined {
  let year: number;
  let month: number;
  let day: number;
  let rest: string;
  const numeric = NUMERIC_DATE.exec(text);
  const dmy = DAY_MONTH_YEAR.exec(text);
  const mdy = MONTH_DAY_YEAR.exec(text);
  if (numeric) {
    [year, month, day] = [Number(numeric[1]), Number(numeric[2]), Number(numeric[3])];
    rest = text.slice(numeric.index + numeric[0].length);
  } else if (dmy) {
    [year, month, day] = [Number(dmy[3]), MONTHS[dmy[2]!.slice(0, 3).toLowerCase()] ?? 0, Number(dmy[1])];
    rest = text.slice(0, dmy.index) + text.slice(dmy.index + dmy[0].length);
  } else if (mdy) {
    [year, month, day] = [Number(mdy[3]), MONTHS[mdy[1]!.slice(0, 3).toLowerCase()] ?? 0, Number(mdy[2])];
    rest = text.slice(0, mdy.index) + text.slice(mdy.index + mdy[0].length);
  } else {
    return undefined;
  }
  if (year < 1990 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const date = `${year}-${pad(month)}-${pad(day)}`;
  const time = TIME.exec(rest);
  if (!time) return date;
  let hour = Number(time[1]);
  const minute = Number(time[2]);
  const second = Number(time[3] ?? 0);
  const meridiem = time[4]?.toLowerCase().replace(/\./g, "");
  if (meridiem === "pm" && hour < 12) hour += 12;
  if (meridiem === "am" && hour === 12) hour = 0;
  if (hour > 23 || minute > 59 || second > 59) return date;
  const zone = time[5] ? zoneOffset(time[5]) : chinese || /北京时间|beijing time/i.test(text) ? "+08:00" : "";
  return `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}${zone}`;
}

/**
 * The month and day a line names, with or without its year ("13 Aug", "August 13, 2018", "2018-08-13" → "8-13"):
 * for telling one date shown twice from two dates.
 */
export function monthAndDay(text: string): string | undefined {
  const numeric = NUMERIC_DATE.exec(text);
  if (numeric) return `${Number(numeric[2])}-${Number(numeric[3])}`;
  const dm = DAY_MONTH.exec(text);
  if (dm) return `${MONTHS[dm[2]!.slice(0, 3).toLowerCase()]}-${Number(dm[1])}`;
  const md = MONTH_DAY.exec(text);
  return md ? `${MONTHS[md[1]!.slice(0, 3).toLowerCase()]}-${Number(md[2])}` : undefined;
}

/** "GMT" → "Z", "EDT" → "-04:00", "+0800"/"UTC+8" → "+08:00", "北京时间" → "+08:00"; unknown → "" (local time). */
export function zoneOffset(zone: string): string {
  const named = ZONE_OFFSETS[zone.toUpperCase()];
  if (named) return named;
  if (zone === "北京时间") return "+08:00";
  if (/^z$/i.test(zone)) return "Z";
  const numeric = /([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
  if (!numeric) return "";
  const [, sign, hours, minutes] = numeric as unknown as [string, string, string, string | undefined];
  return Number(hours) === 0 && Number(minutes ?? 0) === 0
    ? "Z"
    : `${sign}${hours.padStart(2, "0")}:${minutes ?? "00"}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** ISO 8601 for a date string; keeps a date without zone as local time (`2020-03-26T11:05:00`). */
export function toIsoDate(value: string | undefined): string | undefined {
  const raw = value?.trim();
  if (!raw) return undefined;
  // Unix seconds or milliseconds.
  if (/^\d{10}(\d{3})?$/.test(raw)) {
    const ms = Number(raw) * (raw.length === 10 ? 1000 : 1);
    return new Date(ms).toISOString();
  }
  const named = NAMED_ZONE_AT_END.exec(raw);
  const hasZone = named !== null || /(?:Z|[+-]\d{2}:?\d{2})\s*$/i.test(raw);
  const isoLike = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?/.exec(raw);
  // Full ISO 8601 with its own offset: keep the page's offset rather than converting to UTC.
  const isoWithZone = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(raw);
  if (isoWithZone && validDay(raw)) {
    const [, day, hm, sec, zone] = isoWithZone;
    const offset = zone === "Z" ? "Z" : zone!.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
    return `${day}T${hm}${sec ?? ":00"}${offset}`;
  }
  if (isoLike && !hasZone) return validDay(isoLike[0]) ? isoLike[0].replace(" ", "T") : undefined;
  if (hasZone || /[a-z]{3}/i.test(raw)) {
    // Date.parse knows only a few US zones: give it the offset from our table (BST, CET, JST…).
    const ms = Date.parse(named ? `${raw.slice(0, named.index)} ${numericZone(named[1] as string)}` : raw);
    if (!Number.isNaN(ms)) return hasZone ? new Date(ms).toISOString() : localIso(new Date(ms));
  }
  const loose = LOOSE_DATE.exec(raw);
  if (loose) return looseToIso(loose);
  return undefined;
}

/** Month 1–12 and day 1–31 in a `YYYY-MM-DD…` string. */
function validDay(iso: string): boolean {
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** Finds a date written in text (`来源:光明网2020-03-26 11:05`). */
export function findDateInText(value: string): string | undefined {
  const loose = LOOSE_DATE.exec(value);
  return loose ? looseToIso(loose) : undefined;
}

/** The last date written in text (the one nearest to what follows it). */
export function findLastDateInText(value: string): string | undefined {
  let last: string | undefined;
  for (const match of value.matchAll(new RegExp(LOOSE_DATE.source, "gu")))
    last = looseToIso(match as RegExpExecArray) ?? last;
  return last;
}

function looseToIso(match: RegExpExecArray): string | undefined {
  const [, y, mo, d, h, mi, s] = match;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const pad = (n: string | undefined) => String(Number(n ?? 0)).padStart(2, "0");
  const date = `${y}-${pad(mo)}-${pad(d)}`;
  return h ? `${date}T${pad(h)}:${pad(mi)}:${pad(s)}` : date;
}

function localIso(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A zone abbreviation from ZONE_OFFSETS at the end of a date string. */
const NAMED_ZONE_AT_END = new RegExp(`\\s*\\b(${Object.keys(ZONE_OFFSETS).join("|")})\\s*$`, "i");

/** "+08:00" style offset of a zone name, as Date.parse reads it ("GMT" → "+0000"). */
function numericZone(name: string): string {
  const offset = zoneOffset(name);
  return offset === "Z" || offset === "" ? "+0000" : offset.replace(":", "");
}

/** A date string as a UTC instant in ISO 8601 (`2026-03-01T09:00:00.000Z`), or undefined (feeds). */
export function toUtcIso(value: string | undefined): string | undefined {
  const iso = toIsoDate(value) ?? value;
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
