import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { phoneDetector } from "./phone-detector.js";

describe("phone detector", () => {
  it.each([
    ["call 555-867-5309 today", ["555-867-5309"]],
    ["(415) 555-2671", ["(415) 555-2671"]],
    ["(415)555-2671", ["(415)555-2671"]],
    ["415.555.2671", ["415.555.2671"]],
    ["415 555 2671", ["415 555 2671"]],
    ["1-800-555-0199", ["1-800-555-0199"]],
    ["+1 (415) 555-2671", ["+1 (415) 555-2671"]],
    ["+14155552671", ["+14155552671"]],
    ["UK office +44 20 7946 0958.", ["+44 20 7946 0958"]],
    ["+49 30 12345678", ["+49 30 12345678"]],
    ["+33 1 23 45 67 89", ["+33 1 23 45 67 89"]],
    ["tel:+61-2-9876-5432", ["+61-2-9876-5432"]],
    ["phone: 4155552671", ["4155552671"]],
    ["Mobile 07911 123456", ["07911 123456"]],
    ["fax 555-0123", ["555-0123"]],
    ["4155552671 (cell)", ["4155552671"]],
    ["a: 555-867-5309, b: 555-987-6543", ["555-867-5309", "555-987-6543"]],
  ])("finds %j", (text, expected) => {
    expect(found(phoneDetector, text)).toEqual(expected);
  });

  it("finds digit runs in fields named for phone numbers", () => {
    expect(found(phoneDetector, "4155552671", "phone")).toEqual(["4155552671"]);
    expect(found(phoneDetector, "07911 123456", "mobileNumber")).toEqual(["07911 123456"]);
    expect(found(phoneDetector, "5552671", "home_tel")).toEqual(["5552671"]);
  });

  it.each([
    ["order 4155552671 shipped"],
    ["2024-01-15"],
    ["phone appointment on 2024-01-15"],
    ["1700000000 seconds"],
    ["123-456-7890"],
    ["055-123-4567"],
    ["415-155-2671"],
    ["4111 1111 1111 1111"],
    ["ISBN 978-3-16-148410-0"],
    ["192.168.100.200"],
    ["$1,234,567.89"],
    ["2024-01-01T10:00:00+0100"],
    ["offset +05:30"],
    ["+0 123 456 789"],
    ["score +1234567"],
    ["1+2=3"],
    ["SKU A415-555-2671"],
    ["555-867-5309x12"],
    ["555-123-4567"],
    ["tel 12345"],
  ])("ignores %j", (text) => {
    expect(found(phoneDetector, text)).toEqual([]);
  });

  it("ignores short or long runs even in phone fields", () => {
    expect(found(phoneDetector, "12345", "phone")).toEqual([]);
    expect(found(phoneDetector, "1234567890123456", "phone")).toEqual([]);
    expect(found(phoneDetector, "yes", "phone_verified")).toEqual([]);
  });
});
