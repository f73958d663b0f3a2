import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { ssnDetector } from "./ssn-detector.js";

describe("ssn detector", () => {
  it.each([
    ["123-45-6789", ["123-45-6789"]],
    ["My SSN is 219-09-9998, thanks", ["219-09-9998"]],
    ["ssn: 536 22 1234", ["536 22 1234"]],
    ["SSN 123456789", ["123456789"]],
    ["social security number: 078051121", ["078051121"]],
    ["Social_Security=401234567", ["401234567"]],
    ["soc. sec. #: 401234567", ["401234567"]],
    ["123456789 (SSN)", ["123456789"]],
    ["/patients/123-45-6789/chart", ["123-45-6789"]],
    ["?ssn=665123456&x=1", ["665123456"]],
    ["two: 123-45-6789 and 321-54-9876", ["123-45-6789", "321-54-9876"]],
    ["SS# 899-12-3456", ["899-12-3456"]],
  ])("finds %j", (text, expected) => {
    expect(found(ssnDetector, text)).toEqual(expected);
  });

  it("finds an unformatted number in a field named for SSNs", () => {
    expect(found(ssnDetector, "123456789", "ssn")).toEqual(["123456789"]);
    expect(found(ssnDetector, "123456789", "socialSecurityNumber")).toEqual(["123456789"]);
    expect(found(ssnDetector, "123456789", "patient_ssn")).toEqual(["123456789"]);
  });

  it.each([
    ["Order 123456789 shipped"],
    ["zip 94107-1234"],
    ["000-12-3456"],
    ["666-12-3456"],
    ["912-34-5678"],
    ["123-00-4567"],
    ["123-45-0000"],
    ["123-45 6789"],
    ["1234-56-7890"],
    ["123-45-67890"],
    ["call 555-123-4567"],
    ["tracking 9123456789012"],
    ["A123-45-6789"],
    ["v1.123-45-6789"],
    ["123-45-6789-01"],
    ["lessons 123456789"],
    ["ssn 000000000"],
  ])("ignores %j", (text) => {
    expect(found(ssnDetector, text)).toEqual([]);
  });

  it("needs the cue near the number, not anywhere in the text", () => {
    const far = `SSN field below.${" filler".repeat(10)} ref 123456789`;
    expect(found(ssnDetector, far)).toEqual([]);
  });

  it("does not treat a field name cue as applying to keys being scanned", () => {
    expect(ssnDetector.scan("123456789", { path: "ssn", key: "ssn", part: "key" })).toEqual([]);
  });
});
