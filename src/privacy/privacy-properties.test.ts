import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PhiAction } from "../contracts/privacy.js";
import { BUILTIN_DETECTOR_IDS } from "../contracts/privacy.js";
import { applyPhiPolicy } from "./apply-phi-policy.js";
import { evaluateConsent } from "./evaluate-consent.js";
import { parsePayloadPath, resolvePayloadPath } from "./payload-path.js";
import { sanitizeUrl } from "./sanitize-url.js";
import { scanPayload } from "./scan-payload.js";

/** Values each built-in detector finds, to plant inside random text. */
const PLANTS = [
  "123-45-6789",
  "SSN 123456789",
  "MRN: 00482913",
  "(415) 555-2671",
  "+44 20 7946 0958",
  "ada@example.com",
  "jane%40example.com",
  "DOB 03/04/1985",
  "E11.9",
  "4111 1111 1111 1111",
  "ozempic",
  "type-2-diabetes",
  "birth%20control",
];

const text = fc.oneof(
  fc.string(),
  fc.constantFrom(...PLANTS),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...PLANTS), fc.string({ maxLength: 8 }))
    .map((p) => p.join("")),
  fc.array(fc.constantFrom(...PLANTS, " ", "-", "/", "x"), { maxLength: 6 }).map((p) => p.join("")),
);
const key = fc.oneof(
  fc.constantFrom("email", "dob", "phone", "mrn", "ssn", "notes", "name", "__proto__", "0", "a b"),
  text,
);
const { payload } = fc.letrec((tie) => ({
  payload: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    text,
    fc.integer(),
    fc.constantFrom(4111111111111111, 123456789, 19850304),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("payload"), { maxLength: 5 }),
    fc.dictionary(key, tie("payload"), { maxKeys: 5 }),
  ),
}));
const action = fc.constantFrom<PhiAction>("block", "redact", "stop", "allow");
const policy = fc.record({
  action,
  detectors: fc.dictionary(fc.constantFrom(...BUILTIN_DETECTOR_IDS), action, { maxKeys: 4 }),
});

describe("privacy properties", () => {
  it("scanPayload never throws and reports only paths that exist", () => {
    fc.assert(
      fc.property(fc.oneof(payload, fc.jsonValue()), (value) => {
        for (const detection of scanPayload(value)) {
          const segments = parsePayloadPath(detection.path);
          expect(segments, detection.path).not.toBeNull();
          expect(resolvePayloadPath(value, segments!), detection.path).not.toBeNull();
        }
      }),
      { numRuns: 400 },
    );
  });

  it("scanPayload never throws on anything at all", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true }),
        (value) => {
          scanPayload(value);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("applyPhiPolicy leaves nothing blocked, redacted or stopped in its output, and never mutates input", () => {
    fc.assert(
      fc.property(payload, policy, (value, phi) => {
        const before = JSON.stringify(value);
        const detections = scanPayload(value);
        const result = applyPhiPolicy(value, detections, phi);
        expect(JSON.stringify(value)).toBe(before);
        const remaining = scanPayload(result.payload);
        for (const detection of remaining) {
          expect(phi.detectors[detection.detector as keyof typeof phi.detectors] ?? phi.action).toBe("allow");
        }
        expect(result.decisions).toHaveLength(new Set(detections.map((d) => `${d.detector} ${d.path}`)).size);
        const stopped = detections.some((d) => (phi.detectors[d.detector as never] ?? phi.action) === "stop");
        expect(result.stop !== null).toBe(stopped);
      }),
      { numRuns: 400 },
    );
  });

  it("evaluateConsent never throws and always gives a reason when it denies", () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
        (event, require) => {
          const decision = evaluateConsent(event as never, { require });
          expect(decision.allowed === (decision.reason === null)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("sanitizeUrl output is stable, http(s), and has no credentials or fragment", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.string()),
        (url) => {
          const out = sanitizeUrl(url);
          if (out === null) return;
          expect(out).toMatch(/^https?:\/\//);
          expect(out).not.toContain("#");
          expect(new URL(out).username).toBe("");
          expect(sanitizeUrl(out)).toBe(out);
        },
      ),
      { numRuns: 300 },
    );
  });
});
