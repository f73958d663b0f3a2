import { z } from "zod";

/**
 * Privacy settings of the configuration file: per destination (`privacy:`) the consent categories it
 * needs and its PHI policy, per source (`requestContext:`) whether the request IP and user agent are
 * stored at all. Every key is optional and its default is the safe choice; docs/privacy.md describes
 * each one, and which settings weaken a default.
 */

/** What happens to a field when a detector finds PHI/PII in it. */
export const PHI_ACTIONS = ["block", "redact", "stop", "allow"] as const;
export type PhiAction = (typeof PHI_ACTIONS)[number];

/** The built-in detectors, by id (docs/privacy.md describes what each finds and misses). */
export const BUILTIN_DETECTOR_IDS = [
  "ssn",
  "mrn",
  "phone",
  "email",
  "dob",
  "icd10",
  "card",
  "health_term",
] as const;
export type BuiltinDetectorId = (typeof BUILTIN_DETECTOR_IDS)[number];

/** The categories a Global Privacy Control signal opts out of when `gpcOptsOut` is not set. */
export const DEFAULT_GPC_OPTS_OUT: readonly string[] = ["advertising", "marketing"];

export const PhiActionSchema = z.enum(PHI_ACTIONS, {
  error: `must be one of ${PHI_ACTIONS.join(", ")}`,
});

export const DetectorIdSchema = z.enum(BUILTIN_DETECTOR_IDS, {
  error: `must be one of ${BUILTIN_DETECTOR_IDS.join(", ")}`,
});

/** A consent category as CMPs name them: `marketing`, `Advertising`, OneTrust's `C0004`. */
const ConsentCategorySchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/,
    "use 1-64 letters, digits, spaces, '_', '.', ':' or '-', starting with a letter or digit",
  );

export const ConsentSettingsSchema = z.strictObject({
  /**
   * Consent categories this destination needs; an event without consent for every one of them is
   * stopped for this destination. Matched without regard to case. Default `[]` (no consent needed).
   */
  require: z.array(ConsentCategorySchema).default(() => []),
  /**
   * Categories a Global Privacy Control signal (`Sec-GPC: 1`, or `context.gpc: true`) opts out of.
   * Default `[advertising, marketing]`; `[]` ignores GPC, which weakens the default.
   */
  gpcOptsOut: z.array(ConsentCategorySchema).default(() => [...DEFAULT_GPC_OPTS_OUT]),
});

/** An extra condition / medication / procedure term; matched as whole words, without regard to case. */
export const HealthTermSchema = z
  .string()
  .trim()
  .min(2, "must have at least 2 characters")
  .max(100, "must have at most 100 characters")
  .refine((term) => /[\p{L}\p{N}]/u.test(term), "must contain a letter or digit");

export const PhiExceptionSchema = z.strictObject({
  /**
   * The exact field path in the outgoing payload, as the delivery log and `sluice preview` print it
   * (`attributes.diagnosis_note`, `attributes.items[2].name`). No wildcards.
   */
  field: z.string().min(1, "must not be empty").max(500, "must have at most 500 characters"),
  /** The detector allowed in that field. */
  detector: DetectorIdSchema,
});

export const PhiPolicySchema = z.strictObject({
  /** What every detection does unless `detectors` overrides it. Default `block` (the field is dropped). */
  action: PhiActionSchema.default("block"),
  /** Per-detector action, e.g. `{ email: allow }` for a destination that receives email identifiers. */
  detectors: z.partialRecord(DetectorIdSchema, PhiActionSchema).default(() => ({})),
  /** Extra terms for the `health_term` detector, added to the built-in list. Default `[]`. */
  terms: z.array(HealthTermSchema).default(() => []),
  /** Explicit, audited exceptions: this detector is allowed in this one field. Default `[]`. */
  allow: z.array(PhiExceptionSchema).default(() => []),
});

export const DestinationPrivacySchema = z.strictObject({
  /** Which consent this destination needs. */
  consent: ConsentSettingsSchema.default(() => ({ require: [], gpcOptsOut: [...DEFAULT_GPC_OPTS_OUT] })),
  /** What happens when PHI/PII is found in what this destination would receive. */
  phi: PhiPolicySchema.default(() => ({ action: "block" as const, detectors: {}, terms: [], allow: [] })),
});

/** `keep`: store the request's IP address and user agent with each event; `drop`: never store them. */
export const RequestContextModeSchema = z.enum(["keep", "drop"], { error: "must be keep or drop" });

/**
 * The source-level privacy keys, to spread into the source schema (`z.strictObject({ ...,
 * ...SourcePrivacyFields })`).
 */
export const SourcePrivacyFields = {
  /**
   * Whether `context.ip` and `context.userAgent` (and `context.userAgentData`) are stored at all.
   * Default `drop`; `keep` weakens the default (an IP address next to a health event is PHI).
   */
  requestContext: RequestContextModeSchema.default("drop"),
} as const;

export type ConsentSettings = z.infer<typeof ConsentSettingsSchema>;
export type PhiException = z.infer<typeof PhiExceptionSchema>;
export type PhiPolicy = z.infer<typeof PhiPolicySchema>;
export type DestinationPrivacy = z.infer<typeof DestinationPrivacySchema>;
export type RequestContextMode = z.infer<typeof RequestContextModeSchema>;

/**
 * The settings a destination gets without a `privacy` key: no consent needed, GPC opts out of
 * advertising and marketing, and every detection blocks its field.
 *
 * @example
 * defaultDestinationPrivacy().phi.action // "block"
 */
export function defaultDestinationPrivacy(): DestinationPrivacy {
  return DestinationPrivacySchema.parse({});
}
