import type { Detector } from "./detector.js";
import { cardDetector } from "./detectors/card-detector.js";
import { dobDetector } from "./detectors/dob-detector.js";
import { emailDetector } from "./detectors/email-detector.js";
import { createHealthTermDetector, healthTermDetector } from "./detectors/health-term-detector.js";
import { icd10Detector } from "./detectors/icd10-detector.js";
import { mrnDetector } from "./detectors/mrn-detector.js";
import { phoneDetector } from "./detectors/phone-detector.js";
import { ssnDetector } from "./detectors/ssn-detector.js";

const DEFAULT_SET: readonly Detector[] = [
  ssnDetector,
  mrnDetector,
  phoneDetector,
  emailDetector,
  dobDetector,
  icd10Detector,
  cardDetector,
  healthTermDetector,
];

/**
 * The built-in detectors, in a fixed order: ssn, mrn, phone, email, dob, icd10, card, health_term.
 * `terms` are added to the health-term list (a destination's `privacy.phi.terms`). Build the set once
 * per destination and pass it to `scanPayload` / `applyPhiPolicy`: indexing the terms is the only cost.
 *
 * @example
 * builtinDetectors({ terms: ["rybelsus"] }).map((d) => d.id)
 * // ["ssn", "mrn", "phone", "email", "dob", "icd10", "card", "health_term"]
 */
export function builtinDetectors(options: { readonly terms?: readonly string[] } = {}): readonly Detector[] {
  const terms = options.terms ?? [];
  if (terms.length === 0) return DEFAULT_SET;
  return [...DEFAULT_SET.slice(0, -1), createHealthTermDetector(terms)];
}
