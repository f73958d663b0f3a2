import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { emailDetector } from "./email-detector.js";

describe("email detector", () => {
  it.each([
    ["ada@example.com", ["ada@example.com"]],
    ["Contact: Ada.Lovelace+cio@mail.example.co.uk.", ["Ada.Lovelace+cio@mail.example.co.uk"]],
    ["mailto:jane_doe@clinic.org?subject=hi", ["jane_doe@clinic.org"]],
    ["https://x.com/unsubscribe?email=jane%40example.com&u=1", ["jane%40example.com"]],
    ["<first-last@sub.domain-name.io>", ["first-last@sub.domain-name.io"]],
    ["a@b.co and c@d.org", ["a@b.co", "c@d.org"]],
    ["ID 12345@hospital.net", ["12345@hospital.net"]],
    ["name@xn--bcher-kva.example", ["name@xn--bcher-kva.example"]],
    ["(reply to j.smith@example.com)", ["j.smith@example.com"]],
    ["JOHN@EXAMPLE.COM", ["JOHN@EXAMPLE.COM"]],
    ["user=ada%2Bx%40example.com", ["ada%2Bx%40example.com"]],
    ["..ada@example.com", ["ada@example.com"]],
  ])("finds %j", (text, expected) => {
    expect(found(emailDetector, text)).toEqual(expected);
  });

  it("is silent in fields named email, and reports elsewhere", () => {
    expect(found(emailDetector, "ada@example.com", "email")).toEqual([]);
    expect(found(emailDetector, "ada@example.com", "Email")).toEqual([]);
    expect(found(emailDetector, "ada@example.com", "work_email")).toEqual(["ada@example.com"]);
    expect(found(emailDetector, "ada@example.com", null)).toEqual(["ada@example.com"]);
    expect(
      emailDetector.scan("ada@example.com", { path: "attributes.email", key: "email", part: "key" }),
    ).toEqual([{ start: 0, end: 15 }]);
  });

  it.each([
    ["user@localhost"],
    ["follow @sluice on social"],
    ["foo@bar"],
    ["name@example.c"],
    ["a@b.123"],
    ["@scope/package@1.2.3"],
    ["email@"],
    ["@example.com"],
    ["ada.@example.com"],
    ["ada@-example.com"],
    ["ada@example-.com"],
    ["ada@.example.com"],
    ["50% off @ store"],
    ["price 100%40 units"],
  ])("ignores %j", (text) => {
    expect(found(emailDetector, text)).toEqual([]);
  });
});
