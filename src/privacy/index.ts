/**
 * Sluice's privacy core: PHI/PII detectors, the per-destination PHI policy, consent decisions, and
 * request-context and URL stripping. Pure — no `node:*`, no environment, no clock — so the mapper UI
 * runs the same code as the server. docs/privacy.md is the reference.
 */
export {
  type ApplyPhiPolicyOptions,
  applyPhiPolicy,
  type PhiDecision,
  type PhiOutcome,
  type PhiPolicyInput,
  type PhiPolicyResult,
  REDACTED,
} from "./apply-phi-policy.js";
export { builtinDetectors } from "./builtin-detectors.js";
export { CONTEXT_PATHS_NEVER_SENT, URL_PATHS } from "./context-paths-never-sent.js";
export type { Detector, DetectorContext, DetectorHit } from "./detector.js";
export { cardDetector } from "./detectors/card-detector.js";
export { dobDetector } from "./detectors/dob-detector.js";
export { emailDetector } from "./detectors/email-detector.js";
export { createHealthTermDetector, healthTermDetector } from "./detectors/health-term-detector.js";
export { BUILTIN_HEALTH_TERMS } from "./detectors/health-terms.js";
export { icd10Detector } from "./detectors/icd10-detector.js";
export { mrnDetector } from "./detectors/mrn-detector.js";
export { phoneDetector } from "./detectors/phone-detector.js";
export { ssnDetector } from "./detectors/ssn-detector.js";
export {
  type ConsentDecision,
  type ConsentRequirements,
  type ConsentSource,
  evaluateConsent,
} from "./evaluate-consent.js";
export {
  type ExtractedPath,
  type ExtractPathsOptions,
  extractPaths,
  recordableKey,
  type SeenValueType,
} from "./extract-paths.js";
export {
  formatPayloadPath,
  type PathSegment,
  parsePayloadPath,
  type ResolvedPath,
  resolvePayloadPath,
} from "./payload-path.js";
export { sanitizeUrl } from "./sanitize-url.js";
export { type Detection, type ScanOptions, scanPayload } from "./scan-payload.js";
export { REQUEST_CONTEXT_FIELDS, stripRequestContext } from "./strip-request-context.js";
