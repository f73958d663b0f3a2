import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { dobDetector } from "./dob-detector.js";

describe("dob detector", () => {
  it.each([
    ["DOB: 03/04/1985", ["03/04/1985"]],
    ["date of birth 1985-03-04", ["1985-03-04"]],
    ["Born March 4, 1985 in Ohio", ["March 4, 1985"]],
    ["born on 4th of March 1985", ["4th of March 1985"]],
    ["birthday: 4.3.85", ["4.3.85"]],
    ["Birthdate=1990/12/31", ["1990/12/31"]],
    ["d.o.b. 31.12.1990", ["31.12.1990"]],
    ["1985-03-04 (date of birth)", ["1985-03-04"]],
    ["bday Sept 9th 2001", ["Sept 9th 2001"]],
    ["patient born 19850304", ["19850304"]],
    ["dob=1985-03-04T00:00:00Z", ["1985-03-04"]],
    ["/signup?dob=02%2F29%2F2000&x=1", ["02%2F29%2F2000"]],
    ["DOB 02/29/2000 and 01/01/2001", ["02/29/2000", "01/01/2001"]],
    ["birth date: 12-25-1979", ["12-25-1979"]],
  ])("finds %j", (text, expected) => {
    expect(found(dobDetector, text)).toEqual(expected);
  });

  it("finds dates in fields named for a birth date, even without a year", () => {
    expect(found(dobDetector, "1985-03-04", "dateOfBirth")).toEqual(["1985-03-04"]);
    expect(found(dobDetector, "1985-03-04T00:00:00.000Z", "birthday")).toEqual(["1985-03-04"]);
    expect(found(dobDetector, "03/04/1985", "patient_dob")).toEqual(["03/04/1985"]);
    expect(found(dobDetector, "19850304", "DOB")).toEqual(["19850304"]);
    expect(found(dobDetector, "03-04", "birthday")).toEqual(["03-04"]);
    expect(found(dobDetector, "--12-25", "birth_day")).toEqual(["--12-25"]);
    expect(found(dobDetector, " March 4 ", "bornOn")).toEqual(["March 4"]);
    expect(found(dobDetector, "25 Dec", "birthday")).toEqual(["25 Dec"]);
  });

  it.each([
    ["appointment on 2024-03-05"],
    ["order date 03/04/2021"],
    ["dob: unknown"],
    ["DOB: 1985-13-04"],
    ["DOB: 02/30/1985"],
    ["DOB: 1850-01-01"],
    ["Dobby visited 1985-03-04"],
    ["stillborn 1985-03-04"],
    ["dob 2019-03-04-1"],
    ["dob v1985-03-04"],
    ["dob 11985-03-04"],
    ["born in 1985"],
    ["DOB 03/04"],
    ["birthday ref 123456789"],
  ])("ignores %j", (text) => {
    expect(found(dobDetector, text)).toEqual([]);
  });

  it("ignores dates in fields that are not about birth", () => {
    expect(found(dobDetector, "1985-03-04", "created_at")).toEqual([]);
    expect(found(dobDetector, "03-04", "renewal")).toEqual([]);
    expect(found(dobDetector, "13-45", "birthday")).toEqual([]);
  });

  it("needs the cue near the date", () => {
    const far = `Enter your date of birth below.${" Thanks!".repeat(8)} Visit 1985-03-04`;
    expect(found(dobDetector, far)).toEqual([]);
  });
});
