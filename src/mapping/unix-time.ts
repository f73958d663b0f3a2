/** ISO 8601 date or date-time, extended format: `2026-11-28`, `2026-11-28T17:42`, `...:50.123Z`, `...+05:30`. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
/** Decimal text that counts as a number (`"1700000000"`, `"-1.5"`, `"2e3"`); not hex, not blank. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Above this a Unix timestamp is taken as milliseconds (1e11 s is the year 5138). */
const MS_THRESHOLD = 1e11;
const DAY_MS = 86_400_000;

/**
 * Parse an ISO 8601 date or date-time to ms since the epoch. Zone-less values are UTC (never the
 * host's zone, so the server and the browser agree); out-of-range fields (`2026-02-30`, `24:00`,
 * leap second `:60`) give null. Fractions beyond milliseconds are truncated.
 *
 * @example
 * parseIsoDateMs("1970-01-02") // 86400000
 * parseIsoDateMs("1970-01-01T01:00:00+01:00") // 0
 */
export function parseIsoDateMs(text: string): number | null {
  const match = ISO.exec(text);
  if (match === null) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone = "Z"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2) || "0");
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const ms = Number(fraction.slice(0, 3).padEnd(3, "0"));
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    ms
  );
}

/**
 * An instant in ms since the epoch from a Unix timestamp (seconds; above 1e11, milliseconds), decimal
 * text holding one, or ISO 8601 text. Anything else gives null.
 *
 * @example
 * toInstantMs(1_700_000_000) // 1_700_000_000_000
 * toInstantMs(1_700_000_000_123) // 1_700_000_000_123
 * toInstantMs("2023-11-14T22:13:20Z") // 1_700_000_000_000
 */
export function toInstantMs(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    return value > MS_THRESHOLD ? value : value * 1000;
  }
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (DECIMAL.test(text)) return toInstantMs(Number(text));
  return parseIsoDateMs(text);
}

/**
 * The `unix_seconds` transform: integer Unix seconds (floored), or null.
 *
 * @example
 * toUnixSeconds("2023-11-14T22:13:20.999Z") // 1700000000
 * toUnixSeconds(1_700_000_000_999) // 1700000000
 */
export function toUnixSeconds(value: unknown): number | null {
  if (typeof value === "number" || (typeof value === "string" && DECIMAL.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n)) return null;
    return Math.floor(n > MS_THRESHOLD ? n / 1000 : n);
  }
  const ms = toInstantMs(value);
  return ms === null ? null : Math.floor(ms / 1000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
