import { describe, expect, it } from "vitest";
import { normalizeE164 } from "./e164.js";

describe("normalizeE164", () => {
  it.each([
    ["+1 415 555 2671", "1", "+14155552671"],
    ["(415) 555-2671", "1", "+14155552671"],
    ["415.555.2671", "1", "+14155552671"],
    ["1-415-555-2671", "1", "+14155552671"],
    ["+44 20 7946 0958", "1", "+442079460958"],
    ["44 20 7946 0958", "1", "+442079460958"],
    ["0044 20 7946 0958", "1", "+442079460958"],
    ["+44 (0)20 7946 0958", "1", "+442079460958"],
    ["020 7946 0958", "44", "+442079460958"],
    ["20 7946 0958", "44", "+442079460958"],
    ["44 20 7946 0958", "44", "+442079460958"],
    ["06 12 34 56 78", "33", "+33612345678"],
    ["+49 30 901820", "1", "+4930901820"],
    ["\u00a0+1 415 555 2671 ", "1", "+14155552671"],
    ["0612345678", "+33", "+33612345678"],
  ])("%s (default %s) → %s", (input, country, expected) => {
    expect(normalizeE164(input, country)).toBe(expected);
  });

  it("accepts whole numbers", () => {
    expect(normalizeE164(4155552671)).toBe("+14155552671");
    expect(normalizeE164(442079460958)).toBe("+442079460958");
    expect(normalizeE164(4.5)).toBeNull();
    expect(normalizeE164(-4155552671)).toBeNull();
  });

  it.each([
    ["555-CALL", "letters"],
    ["415 555 2671 x12", "an extension"],
    ["555 1234", "a US number without area code"],
    ["+1 555 1234", "+1 with too few digits"],
    ["+1 415 555 26710", "+1 with too many digits"],
    ["+0 123 456 789", "country code 0"],
    ["+44 20 7946 0958 1234 5678", "more than 15 digits"],
    ["", "empty text"],
    ["++44 20 7946 0958", "a doubled plus"],
    ["+44-20-7946-0958#", "a stray symbol"],
  ])("rejects %s (%s)", (input) => {
    expect(normalizeE164(input)).toBeNull();
  });
});
