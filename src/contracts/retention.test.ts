import { describe, expect, it } from "vitest";
import { parseConfigText } from "./config-file.js";
import { RETENTION_DEFAULTS, retentionCutoffs, retentionOf } from "./retention.js";

const parse = (text: string) => parseConfigText(text, {});

describe("retention configuration", () => {
  it("defaults to 30 days of delivery log and dead letters and 6 years of audit log", () => {
    const result = parse("sources: []\n");
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.retention).toBeUndefined();
    expect(retentionOf(result.config)).toEqual({ deliveryLogDays: 30, deadLetterDays: 30, auditDays: 2190 });
    expect(RETENTION_DEFAULTS.auditDays).toBe(6 * 365);
  });

  it("takes every key, each optional", () => {
    const result = parse("retention:\n  deliveryLogDays: 7\n  auditDays: 3650\n");
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(retentionOf(result.config)).toEqual({ deliveryLogDays: 7, deadLetterDays: 30, auditDays: 3650 });
    const empty = parse("retention: {}\n");
    if (!empty.ok) throw new Error(JSON.stringify(empty.issues));
    expect(retentionOf(empty.config)).toEqual(RETENTION_DEFAULTS);
  });

  it("reports bad values and unknown keys at their place in the file", () => {
    const result = parse("retention:\n  deliveryLogDays: 0\n  deadLetterDays: 1.5\n  auditYears: 6\n");
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: "retention.deliveryLogDays", message: "must be at least 1 (day)", line: 2, column: 20 },
        {
          path: "retention.deadLetterDays",
          message: "deadLetterDays must be a whole number of days",
          line: 3,
          column: 19,
        },
        { path: "retention.auditYears", message: 'unknown key "auditYears"', line: 4, column: 3 },
      ],
    });
  });

  it("turns days into cut-offs, never before the epoch", () => {
    const day = 86_400_000;
    expect(retentionCutoffs({ deliveryLogDays: 1, deadLetterDays: 2, auditDays: 3 }, 10 * day)).toEqual({
      deliveryLogBefore: 9 * day,
      deadLettersBefore: 8 * day,
      auditBefore: 7 * day,
    });
    expect(retentionCutoffs(RETENTION_DEFAULTS, day).auditBefore).toBe(0);
  });
});
