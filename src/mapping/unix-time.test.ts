import { describe, expect, it } from "vitest";
import { parseIsoDateMs, toInstantMs, toUnixSeconds } from "./unix-time.js";

describe("parseIsoDateMs", () => {
  it.each([
    ["1970-01-01", 0],
    ["1970-01-02", 86_400_000],
    ["2023-11-14T22:13:20Z", 1_700_000_000_000],
    ["2023-11-14T22:13:20.123Z", 1_700_000_000_123],
    ["2023-11-14T22:13:20.123456789Z", 1_700_000_000_123],
    ["2023-11-14T22:13:20,5Z", 1_700_000_000_500],
    ["2023-11-14T22:13:20", 1_700_000_000_000],
    ["2023-11-14 22:13:20", 1_700_000_000_000],
    ["2023-11-14T22:13", 1_699_999_980_000],
    ["2023-11-15T03:43:20+05:30", 1_700_000_000_000],
    ["2023-11-15T03:43:20+0530", 1_700_000_000_000],
    ["2023-11-14T17:13:20-05", 1_700_000_000_000],
    ["2000-02-29", 951_782_400_000],
    ["1969-12-31T23:59:59Z", -1000],
    ["0001-01-01", -62_135_596_800_000],
  ])("%s → %i", (text, ms) => {
    expect(parseIsoDateMs(text)).toBe(ms);
  });

  it("agrees with Date.parse on zoned date-times", () => {
    for (const text of [
      "2026-11-28T17:42:50.123Z",
      "1999-12-31T23:59:59+01:00",
      "2024-02-29T12:00:00-08:00",
    ]) {
      expect(parseIsoDateMs(text)).toBe(Date.parse(text));
    }
  });

  it.each([
    "2023-02-29",
    "1900-02-29",
    "2023-13-01",
    "2023-00-10",
    "2023-04-31",
    "2023-11-14T24:00:00Z",
    "2023-11-14T23:60:00Z",
    "2023-11-14T23:59:60Z",
    "2023-11-14T10:00:00+24:00",
    "2023-11-14Z",
    "23-11-14",
    "2023/11/14",
    "yesterday",
    "",
  ])("rejects %s", (text) => {
    expect(parseIsoDateMs(text)).toBeNull();
  });
});

describe("toInstantMs and toUnixSeconds", () => {
  it("treats numbers above 1e11 as milliseconds", () => {
    expect(toInstantMs(1e11)).toBe(1e14);
    expect(toInstantMs(1e11 + 1)).toBe(1e11 + 1);
    expect(toUnixSeconds(1_700_000_000_999)).toBe(1_700_000_000);
    expect(toUnixSeconds(1_700_000_000.9)).toBe(1_700_000_000);
    expect(toUnixSeconds(-1.5)).toBe(-2);
  });

  it("reads decimal text as a number", () => {
    expect(toInstantMs(" 1700000000 ")).toBe(1_700_000_000_000);
    expect(toUnixSeconds("1700000000123")).toBe(1_700_000_000);
  });

  it("rejects what is not a date", () => {
    expect(toInstantMs(Number.NaN)).toBeNull();
    expect(toInstantMs(true)).toBeNull();
    expect(toUnixSeconds("1e999")).toBeNull();
    expect(toUnixSeconds({})).toBeNull();
  });
});
