import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { createHealthTermDetector, healthTermDetector, words } from "./health-term-detector.js";
import { BUILTIN_HEALTH_TERMS } from "./health-terms.js";

describe("health_term detector", () => {
  it.each([
    ["https://clinic.example/conditions/type-2-diabetes", ["diabetes"]],
    ["/search?q=ozempic+price&utm_source=x", ["ozempic"]],
    ["/pages/birth%20control-options", ["birth%20control"]],
    ["Living_with_HIV", ["HIV"]],
    ["Your CHEMOTHERAPY schedule", ["CHEMOTHERAPY"]],
    ["IVF consultation", ["IVF"]],
    ["two heart attacks", ["heart attacks"]],
    ["/blog/semaglutide-vs-tirzepatide", ["semaglutide", "tirzepatide"]],
    ["Alzheimer's care", ["Alzheimer"]],
    ["Crohn’s disease", ["Crohn"]],
    ["heart   failure", ["heart   failure"]],
    ["insulin—pump", ["insulin"]],
    ["benign tumors", ["tumors"]],
    ["/q/pregnancy%2Btest", ["pregnancy"]],
    ["high-blood-pressure meds", ["high-blood-pressure"]],
    ["morning_after_pill", ["morning_after_pill"]],
  ])("finds %j", (text, expected) => {
    expect(found(healthTermDetector, text)).toEqual(expected);
  });

  it.each([
    ["archive"],
    ["chivalry and hivemind"],
    ["cancellation policy"],
    ["chemical peel"],
    ["rehabilitate the park"],
    ["detoxify"],
    ["heart of the attack"],
    ["birth of control"],
    ["ozempicx"],
    ["dia-betes"],
    ["insulation"],
    ["prepaid"],
    ["hearing aids and visual aids"],
    ["std::vector"],
    ["%2Bdiabetesfree"],
  ])("ignores %j", (text) => {
    expect(found(healthTermDetector, text)).toEqual([]);
  });

  it("adds configured terms, matched the same way", () => {
    const detector = createHealthTermDetector(["GLP-1", "Rybelsus", "weight management program"]);
    expect(found(detector, "glp 1 / glp_1 / GLP-1")).toEqual(["glp 1", "glp_1", "GLP-1"]);
    expect(found(detector, "/rybelsus-coupon")).toEqual(["rybelsus"]);
    expect(found(detector, "our Weight-Management-Program")).toEqual(["Weight-Management-Program"]);
    expect(found(detector, "glp1 weight management")).toEqual([]);
    expect(found(detector, "diabetes")).toEqual(["diabetes"]);
    expect(found(healthTermDetector, "rybelsus")).toEqual([]);
  });

  it("prefers the longest term at a position", () => {
    const detector = createHealthTermDetector(["breast cancer screening"]);
    expect(found(detector, "breast cancer screening")).toEqual(["breast cancer screening"]);
    expect(found(detector, "breast cancer")).toEqual(["cancer"]);
  });

  it("ships about 150+ terms, each of which finds itself", () => {
    expect(BUILTIN_HEALTH_TERMS.length).toBeGreaterThanOrEqual(150);
    for (const term of BUILTIN_HEALTH_TERMS) {
      expect(found(healthTermDetector, `about ${term}.`), term).toEqual([term]);
    }
  });

  it("splits words at punctuation and percent-encoded bytes", () => {
    expect(words("type%202%20Diabetes_x").map((token) => token.word)).toEqual(["type", "2", "diabetes", "x"]);
    expect(words("50% off")).toEqual([
      { start: 0, end: 2, word: "50" },
      { start: 4, end: 7, word: "off" },
    ]);
  });
});
