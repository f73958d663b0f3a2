import { z } from "zod";
// The destinations' own checks (actions against their catalogue): pure code, so the browser runs it too.
import { destinationConfigIssues } from "../destinations/validate-destinations.js";
import type { ConfigIssue, SluiceConfig } from "./config.js";
import { type ConfigParseResult, validateConfigDocument } from "./config-file.js";
import { BUILTIN_DETECTOR_IDS, defaultDestinationPrivacy, PHI_ACTIONS } from "./privacy.js";

/**
 * The configuration as a JSON document: the same keys as the configuration file (`ConfigSchema` in
 * `config.ts`), secrets as plain strings. The admin API stores drafts and published versions as
 * documents, answers with them (secrets masked), and the UI edits them. A document is checked for its
 * shape only (types, known keys); what the file validation checks — names, URLs, ranges, duplicate
 * keys, actions against the catalogue — is reported as issues by `configFromDocument`, so an invalid
 * draft can still be saved. Pure: no `node:*`, no environment, no clock.
 */

/** What every secret shows in an answer. In a request it means "keep the stored value". */
export const MASKED_SECRET = "••••••••";

const SourceDocumentSchema = z.strictObject({
  name: z.string(),
  writeKey: z.string(),
  testWriteKey: z.string().optional(),
  previousWriteKey: z.string().optional(),
  previousWriteKeyExpiresAtMs: z.number().optional(),
  requestContext: z.enum(["keep", "drop"]).optional(),
});

const ActionDocumentSchema = z.strictObject({
  name: z.string(),
  type: z.string(),
  enabled: z.boolean().optional(),
  trigger: z.unknown().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

const PrivacyDocumentSchema = z.strictObject({
  consent: z
    .strictObject({
      require: z.array(z.string()).optional(),
      gpcOptsOut: z.array(z.string()).optional(),
    })
    .optional(),
  phi: z
    .strictObject({
      action: z.enum(PHI_ACTIONS).optional(),
      detectors: z.partialRecord(z.enum(BUILTIN_DETECTOR_IDS), z.enum(PHI_ACTIONS)).optional(),
      terms: z.array(z.string()).optional(),
      allow: z
        .array(z.strictObject({ field: z.string(), detector: z.enum(BUILTIN_DETECTOR_IDS) }))
        .optional(),
    })
    .optional(),
});

const DestinationDocumentSchema = z.strictObject({
  name: z.string(),
  type: z.literal("customerio"),
  settings: z.strictObject({
    siteId: z.string(),
    apiKey: z.string(),
    region: z.enum(["us", "eu"]).optional(),
    hashSalt: z.string().optional(),
    trackUrl: z.string().optional(),
  }),
  delivery: z
    .strictObject({
      requestsPerSecond: z.number().optional(),
      retryForHours: z.number().optional(),
      maxEventsPerRequest: z.number().optional(),
    })
    .optional(),
  allow: z
    .strictObject({
      events: z.array(z.string()).optional(),
      traits: z.array(z.string()).optional(),
      properties: z.array(z.string()).optional(),
    })
    .optional(),
  actions: z.array(ActionDocumentSchema).optional(),
  match: z.enum(["first", "all"]).optional(),
  privacy: PrivacyDocumentSchema.optional(),
});

const RetentionDocumentSchema = z.strictObject({
  deliveryLogDays: z.number().optional(),
  deadLetterDays: z.number().optional(),
  auditDays: z.number().optional(),
});

export const ConfigDocumentSchema = z.strictObject({
  sources: z.array(SourceDocumentSchema).default([]),
  destinations: z.array(DestinationDocumentSchema).default([]),
  retention: RetentionDocumentSchema.optional(),
});

export { ActionDocumentSchema, DestinationDocumentSchema, SourceDocumentSchema };
export type ConfigDocument = z.output<typeof ConfigDocumentSchema>;
export type SourceDocument = z.output<typeof SourceDocumentSchema>;
export type DestinationDocument = z.output<typeof DestinationDocumentSchema>;
export type ActionDocument = z.output<typeof ActionDocumentSchema>;

/** An empty document (no sources, no destinations). */
export function emptyDocument(): ConfigDocument {
  return { sources: [], destinations: [] };
}

/** `${` in a value is written `$${` in a document, as in the file (documents go through `interpolateEnv`). */
function escaped(value: string): string {
  return value.replaceAll("${", () => "$${");
}

/** Every string of a JSON value escaped (mappings and triggers are data, never references). */
function escapedDeep(value: unknown): unknown {
  if (typeof value === "string") return escaped(value);
  if (Array.isArray(value)) return value.map(escapedDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapedDeep(item)]));
  }
  return value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const DEFAULT_DELIVERY = { requestsPerSecond: 100, retryForHours: 48, maxEventsPerRequest: 2000 };
const DEFAULT_ALLOW = { events: [], traits: [], properties: [] };

/**
 * The document of a validated configuration, with the secrets revealed (mask it before it leaves
 * Sluice) and values equal to their defaults left out, so that a document reads like a file.
 * `configFromDocument(documentFromConfig(c))` gives `c` back.
 *
 * @example
 * documentFromConfig(config).sources[0]?.writeKey // "wk_live_0123"
 */
export function documentFromConfig(config: SluiceConfig): ConfigDocument {
  const doc: ConfigDocument = {
    sources: config.sources.map((source) => ({
      name: escaped(source.name),
      writeKey: escaped(source.writeKey.reveal()),
      ...(source.testWriteKey ? { testWriteKey: escaped(source.testWriteKey.reveal()) } : {}),
      ...(source.previousWriteKey ? { previousWriteKey: escaped(source.previousWriteKey.reveal()) } : {}),
      ...(source.previousWriteKeyExpiresAtMs === undefined
        ? {}
        : { previousWriteKeyExpiresAtMs: source.previousWriteKeyExpiresAtMs }),
      ...(source.requestContext === "drop" ? {} : { requestContext: source.requestContext }),
    })),
    destinations: config.destinations.map((destination) => {
      const { settings } = destination;
      return {
        name: escaped(destination.name),
        type: destination.type,
        settings: {
          siteId: escaped(settings.siteId),
          apiKey: escaped(settings.apiKey.reveal()),
          region: settings.region,
          ...(settings.hashSalt ? { hashSalt: escaped(settings.hashSalt.reveal()) } : {}),
          ...(settings.trackUrl === undefined ? {} : { trackUrl: escaped(settings.trackUrl) }),
        },
        ...(same(destination.delivery, DEFAULT_DELIVERY) ? {} : { delivery: { ...destination.delivery } }),
        ...(same(destination.allow, DEFAULT_ALLOW)
          ? {}
          : { allow: escapedDeep(destination.allow) as DestinationDocument["allow"] }),
        ...(destination.actions === undefined
          ? {}
          : {
              actions: destination.actions.map((action) => ({
                name: escaped(action.name),
                type: escaped(action.type),
                ...(action.enabled ? {} : { enabled: false }),
                ...(action.trigger === undefined ? {} : { trigger: escapedDeep(action.trigger) }),
                ...(Object.keys(action.fields).length === 0
                  ? {}
                  : { fields: escapedDeep(action.fields) as Record<string, unknown> }),
                ...(action.options === undefined
                  ? {}
                  : { options: escapedDeep(action.options) as Record<string, unknown> }),
              })),
            }),
        ...(destination.match === "first" ? {} : { match: destination.match }),
        ...(same(destination.privacy, defaultDestinationPrivacy())
          ? {}
          : { privacy: escapedDeep(destination.privacy) as DestinationDocument["privacy"] }),
      };
    }),
  };
  if (config.retention !== undefined) doc.retention = { ...config.retention };
  return doc;
}

/** A secret written as a bare environment reference (`${CIO_API_KEY}`): not a secret itself. */
export function isEnvReference(value: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
}

const mask = (value: string): string => (isEnvReference(value) ? value : MASKED_SECRET);
const maskOptional = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : mask(value);

/** The secrets of a source: every key. */
const SOURCE_SECRETS = ["writeKey", "testWriteKey", "previousWriteKey"] as const;
/** The secrets of a destination's settings. */
const SETTINGS_SECRETS = ["apiKey", "hashSalt"] as const;

/**
 * A document as a role may see it: API keys and hash salts are always `MASKED_SECRET`; write keys
 * too for a viewer. A bare `${VAR}` reference is shown as it is (it names a variable, not a value).
 *
 * @example
 * maskDocument(doc, "viewer").sources[0]?.writeKey // "••••••••"
 */
export function maskDocument(doc: ConfigDocument, role: "admin" | "editor" | "viewer"): ConfigDocument {
  return {
    ...doc,
    sources: doc.sources.map((source) => maskSource(source, role)),
    destinations: doc.destinations.map(maskDestination),
  };
}

/** One source as a role may see it (see `maskDocument`). */
export function maskSource(source: SourceDocument, role: "admin" | "editor" | "viewer"): SourceDocument {
  if (role !== "viewer") return { ...source };
  const out: SourceDocument = { ...source, writeKey: mask(source.writeKey) };
  for (const key of ["testWriteKey", "previousWriteKey"] as const) {
    const masked = maskOptional(source[key]);
    if (masked !== undefined) out[key] = masked;
  }
  return out;
}

/** One destination with its secrets masked (see `maskDocument`). */
export function maskDestination(destination: DestinationDocument): DestinationDocument {
  const settings = { ...destination.settings, apiKey: mask(destination.settings.apiKey) };
  const hashSalt = maskOptional(destination.settings.hashSalt);
  if (hashSalt !== undefined) settings.hashSalt = hashSalt;
  return { ...destination, settings };
}

/**
 * `incoming` with every secret equal to `MASKED_SECRET` replaced by the stored value of the source or
 * destination of the same name (in `stored`, then in each further document given). A masked secret
 * without a stored value stays masked: `configFromDocument` reports it.
 *
 * @example
 * mergeSecrets(fromUi, draftOrLive).destinations[0]?.settings.apiKey // the stored key
 */
export function mergeSecrets(incoming: ConfigDocument, ...stored: (ConfigDocument | null)[]): ConfigDocument {
  const known = stored.filter((doc): doc is ConfigDocument => doc !== null);
  const storedSource = (name: string) =>
    known.map((doc) => doc.sources.find((source) => source.name === name)).find(Boolean);
  const storedDestination = (name: string) =>
    known.map((doc) => doc.destinations.find((destination) => destination.name === name)).find(Boolean);
  return {
    ...incoming,
    sources: incoming.sources.map((source) => {
      const previous = storedSource(source.name);
      const out = { ...source };
      for (const key of SOURCE_SECRETS) {
        const value = previous?.[key];
        if (out[key] === MASKED_SECRET && value !== undefined) out[key] = value;
      }
      return out;
    }),
    destinations: incoming.destinations.map((destination) => {
      const previous = storedDestination(destination.name);
      const settings = { ...destination.settings };
      for (const key of SETTINGS_SECRETS) {
        const value = previous?.settings[key];
        if (settings[key] === MASKED_SECRET && value !== undefined) settings[key] = value;
      }
      return { ...destination, settings };
    }),
  };
}

/** Issues for secrets still masked: the UI sent `MASKED_SECRET` for something nothing stores. */
function maskedSecretIssues(doc: ConfigDocument): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  doc.sources.forEach((source, index) => {
    for (const key of SOURCE_SECRETS) {
      if (source[key] === MASKED_SECRET) {
        issues.push({
          path: `sources[${index}].${key}`,
          message: "is masked and no stored key of a source with this name exists: enter the key",
        });
      }
    }
  });
  doc.destinations.forEach((destination, index) => {
    for (const key of SETTINGS_SECRETS) {
      if (destination.settings[key] === MASKED_SECRET) {
        issues.push({
          path: `destinations[${index}].settings.${key}`,
          message: "is masked and no stored value of a destination with this name exists: enter it",
        });
      }
    }
  });
  return issues;
}

/**
 * The configuration a document describes, through exactly the validation of a configuration file
 * (`sluice validate-config`): `${VAR}` resolved from `env`, the schema, then the destinations'
 * checks (actions, fields, options). Issues name paths in the document. A secret still equal to
 * `MASKED_SECRET` is an issue too.
 *
 * @example
 * const result = configFromDocument(doc, process.env);
 * if (!result.ok) for (const issue of result.issues) console.log(`${issue.path}: ${issue.message}`);
 */
export function configFromDocument(
  doc: ConfigDocument,
  env: Readonly<Record<string, string | undefined>> = {},
): ConfigParseResult {
  const masked = maskedSecretIssues(doc);
  const result = validateConfigDocument(doc, env, { check: destinationConfigIssues });
  if (masked.length === 0) return result;
  const maskedPaths = new Set(masked.map((issue) => issue.path));
  const others = result.ok ? [] : result.issues.filter((issue) => !maskedPaths.has(issue.path));
  return { ok: false, issues: [...masked, ...others] };
}

/**
 * A destination's name as part of an environment variable name: upper case, anything but letters
 * and digits as `_` (`customerio-main` → `CUSTOMERIO_MAIN`).
 *
 * @example
 * secretVariable("customerio-main", "apiKey") // "SLUICE_CUSTOMERIO_MAIN_API_KEY"
 */
export function secretVariable(destinationName: string, secret: "apiKey" | "hashSalt"): string {
  const stem = destinationName
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `SLUICE_${stem}_${secret === "apiKey" ? "API_KEY" : "HASH_SALT"}`;
}
