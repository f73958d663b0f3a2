import { describe, expect, it } from "vitest";
import { builtinDetectors } from "./builtin-detectors.js";

/**
 * Inputs that make backtracking-prone patterns quadratic or worse. At 100,000 characters a quadratic
 * scan takes minutes; the detectors must stay far below the bound on a busy machine.
 */
const ADVERSARIAL: [string, string][] = [
  ["digits", "1".repeat(100_000)],
  ["digit pairs", "1 ".repeat(50_000)],
  ["dashed digits", "12-".repeat(33_000)],
  ["plus runs", "+1 ".repeat(33_000)],
  ["parens", "(1".repeat(50_000)],
  ["at signs", "@".repeat(100_000)],
  ["local parts", `${"a".repeat(100_000)}@`],
  ["emails glued", "a@b.".repeat(25_000)],
  ["encoded at", "%40a.".repeat(20_000)],
  ["domain labels", `a@${"b.".repeat(50_000)}`],
  ["mrn cues", "MRN ".repeat(25_000)],
  ["patient cues", "patient id ".repeat(9_000)],
  ["ssn cues", "ssn 12".repeat(16_000)],
  ["birth cues", "dob 1/1/".repeat(12_000)],
  ["month names", "march 1 ".repeat(12_000)],
  ["icd-ish", "E11.".repeat(25_000)],
  ["icd cue soup", "icd a1a ".repeat(12_000)],
  ["card groups", "4111 ".repeat(20_000)],
  ["term prefixes", "heart ".repeat(16_000)],
  ["percent soup", "%2".repeat(50_000)],
];

describe("detectors run in linear time", () => {
  const detectors = builtinDetectors({ terms: ["heart heart heart heart x"] });
  it.each(ADVERSARIAL)("%s", (_, text) => {
    const started = performance.now();
    for (const detector of detectors) {
      detector.scan(text, { path: "notes", key: "notes", part: "value" });
      detector.scan(text, { path: "phone", key: "phone", part: "value" });
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
