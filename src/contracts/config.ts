import { z } from "zod";
import { DestinationPrivacySchema, defaultDestinationPrivacy, SourcePrivacyFields } from "./privacy.js";
import { RetentionSchema } from "./retention.js";
import { Secret } from "./secret.js";

/**
 * The configuration file (YAML or JSON). This shape is Sluice's public contract: every key is
 * documented in README.md, unknown keys are rejected with an error naming them, and `${VAR}`
 * references are resolved from the environment before validation (see `interpolateEnv`).
 */

const NameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    "use 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit",
  );

const SecretSchema = z
  .string()
  .min(1, "must not be empty")
  .transform((value) => new Secret(value));

export const SourceSchema = z
  .strictObject({
    /** Shown in logs and the delivery log. */
    name: NameSchema,
    /** The Segment-style write key clients send (HTTP Basic user name, or `writeKey` in the body). */
    writeKey: SecretSchema,
    /**
     * Optional: a second key for trying things out. Events sent with it are validated and kept as
     * samples, never delivered. Must differ from every other key.
     */
    testWriteKey: SecretSchema.optional(),
    /**
     * Optional: the key this source had before its last rotation, still accepted until
     * `previousWriteKeyExpiresAtMs` (the admin API sets both when it rotates a key). Give both or neither.
     */
    previousWriteKey: SecretSchema.optional(),
    /** When `previousWriteKey` stops working (epoch ms). */
    previousWriteKeyExpiresAtMs: z.int().min(0, "must be epoch milliseconds").optional(),
    ...SourcePrivacyFields,
  })
  .superRefine((source, ctx) => {
    if ((source.previousWriteKey === undefined) !== (source.previousWriteKeyExpiresAtMs === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [source.previousWriteKey === undefined ? "previousWriteKeyExpiresAtMs" : "previousWriteKey"],
        message: "previousWriteKey and previousWriteKeyExpiresAtMs go together: give both or neither",
      });
    }
  });

export const CustomerioSettingsSchema = z.strictObject({
  /** Customer.io Site ID (Settings → API Credentials). */
  siteId: z.string().min(1, "must not be empty"),
  /** Customer.io Track API key; write it as `${CIO_API_KEY}` to keep it out of the file. */
  apiKey: SecretSchema,
  /** Workspace region: `us` → https://track.customer.io, `eu` → https://track-eu.customer.io. Default `us`. */
  region: z.enum(["us", "eu"]).default("us"),
  /** Salt for the `sha256`, `hash_email` and `hash_phone` mapping transforms; write it as `${VAR}`. */
  hashSalt: SecretSchema.optional(),
  /** Base-URL override (a proxy, `sluice sandbox`, tests). Wins over `region`. */
  trackUrl: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
});

export const AllowSchema = z.strictObject({
  /** Track event names the preset Event action may send; `"*"` allows every name. Default: none. */
  events: z.array(z.string().min(1)).default([]),
  /** Identify trait names copied to person attributes. Default: none. */
  traits: z.array(z.string().min(1)).default([]),
  /** Track property names copied to event attributes. Default: none. */
  properties: z.array(z.string().min(1)).default([]),
});

export const DeliverySettingsSchema = z.strictObject({
  /** Track API requests per second for this workspace (Customer.io's limit is 100). Default 100. */
  requestsPerSecond: z.number().positive().max(1000).default(100),
  /** How long an event is retried before it is dead-lettered. Default 48 (hours). */
  retryForHours: z
    .number()
    .positive()
    .max(24 * 30)
    .default(48),
  /** Most events in one request (the 500,000-byte limit always applies). Default 2000. */
  maxEventsPerRequest: z.int().min(1).max(10_000).default(2000),
});

/**
 * One action of a destination (docs/mapping.md, docs/customerio-actions.md). Kept as raw data here:
 * triggers and field mappings are compiled and checked against the action catalogue when the
 * configuration is loaded (`validateDestinations`), with every problem pointing at its line.
 */
export const ActionConfigSchema = z.strictObject({
  /** Shown in the delivery log, the preview and the UI; unique within the destination. */
  name: z.string().min(1, "must not be empty").max(100),
  /** An action of the destination (`identify`, `event`, `page`, ... — see docs/customerio-actions.md). */
  type: z.string().min(1, "must not be empty"),
  /** Default true. A disabled action never runs. */
  enabled: z.boolean().default(true),
  /** A condition (docs/mapping.md#conditions); absent = every event. */
  trigger: z.unknown().optional(),
  /** A mapping per destination field; fields left out use the action's default mapping. */
  fields: z.record(z.string(), z.unknown()).default({}),
  /** Behaviour options of the action, e.g. `email_shaped_id: as_id | as_email | stop`. */
  options: z.record(z.string(), z.unknown()).optional(),
});

export const CustomerioDestinationSchema = z.strictObject({
  name: NameSchema,
  type: z.literal("customerio"),
  settings: CustomerioSettingsSchema,
  /** Rate limit, retry window and batch size. */
  delivery: DeliverySettingsSchema.default({
    requestsPerSecond: 100,
    retryForHours: 48,
    maxEventsPerRequest: 2000,
  }),
  /** Deny by default: anything not listed here stays in Sluice. Used by the preset actions. */
  allow: AllowSchema.default({ events: [], traits: [], properties: [] }),
  /**
   * The actions, in priority order. Absent: the preset Identify and Event actions, built from `allow`
   * (`sluice presets customerio` prints them as editable configuration).
   */
  actions: z.array(ActionConfigSchema).optional(),
  /**
   * `first` (default): an event runs the first enabled action whose trigger matches — one operation
   * per event. `all`: every enabled matching action runs, in order.
   */
  match: z.enum(["first", "all"]).default("first"),
  /** Consent required, and what happens to PHI found in what would leave (docs/privacy.md). */
  privacy: DestinationPrivacySchema.default(() => defaultDestinationPrivacy()),
});

export const DestinationSchema = z.discriminatedUnion("type", [CustomerioDestinationSchema]);

export const ConfigSchema = z
  .strictObject({
    sources: z.array(SourceSchema).default([]),
    destinations: z.array(DestinationSchema).default([]),
    /** How long the delivery log, dead letters and audit log are kept (absent: the defaults, `retentionOf`). */
    retention: RetentionSchema.optional(),
  })
  .superRefine((config, ctx) => {
    const seen = (items: readonly { name: string }[], key: "sources" | "destinations") => {
      const names = new Set<string>();
      items.forEach((item, index) => {
        if (names.has(item.name)) {
          ctx.addIssue({
            code: "custom",
            path: [key, index, "name"],
            message: `duplicate name "${item.name}"`,
          });
        }
        names.add(item.name);
      });
    };
    seen(config.sources, "sources");
    seen(config.destinations, "destinations");
    // A key that failed its own check (empty) is still a string here: refinements run on partly
    // invalid input, before the transforms.
    const keyText = (key: unknown): string | undefined => (key instanceof Secret ? key.reveal() : undefined);
    const keys = new Map<string, number>();
    config.sources.forEach((source, index) => {
      const key = keyText(source.writeKey);
      if (key === undefined) return;
      const previous = keys.get(key);
      if (previous !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["sources", index, "writeKey"],
          message: `same write key as sources[${previous}]; each source needs its own`,
        });
      }
      keys.set(key, index);
    });
    // Test and previous keys too: a key must name one source and one purpose, or ingest could not tell.
    const firstUse = new Map<string, { path: string; field: string }>();
    config.sources.forEach((source, index) => {
      for (const field of ["writeKey", "testWriteKey", "previousWriteKey"] as const) {
        const key = keyText(source[field]);
        if (key === undefined) continue;
        const first = firstUse.get(key);
        if (first === undefined) {
          firstUse.set(key, { path: formatPath(["sources", index, field]), field });
        } else if (field !== "writeKey" || first.field !== "writeKey") {
          // (Two write keys alike are reported above, with their own message.)
          ctx.addIssue({
            code: "custom",
            path: ["sources", index, field],
            message: `same key as ${first.path}; every write key, test key and previous key must be different`,
          });
        }
      }
    });
  });

export type SluiceConfig = z.infer<typeof ConfigSchema>;
export type SourceConfig = z.infer<typeof SourceSchema>;
export type CustomerioDestinationConfig = z.infer<typeof CustomerioDestinationSchema>;
export type DestinationConfig = z.infer<typeof DestinationSchema>;
export type AllowConfig = z.infer<typeof AllowSchema>;
export type ActionConfig = z.infer<typeof ActionConfigSchema>;

/** One problem in a configuration file; `path` is how to find it in the file (`destinations[0].settings.region`). */
export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** `["destinations", 0, "settings"]` → `destinations[0].settings`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replace `${VAR}` in every string of a parsed document with the environment's value; `$${` is a
 * literal `${`. Missing variables are reported by path, never silently turned into "".
 *
 * @example
 * interpolateEnv({ apiKey: "${CIO_API_KEY}" }, { CIO_API_KEY: "k" }) // { value: { apiKey: "k" }, issues: [] }
 */
export function interpolateEnv(
  document: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === "string") {
      return node.replace(ENV_REF, (match, name: string | undefined) => {
        if (name === undefined) return "${";
        const value = env[name];
        if (value === undefined) {
          issues.push({
            path: formatPath(path),
            message: `environment variable ${name} is not set (referenced as ${match})`,
          });
          return "";
        }
        return value;
      });
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key])]),
      );
    }
    return node;
  };
  return { value: walk(document, []), issues };
}

/** Validate an already-parsed, env-interpolated document. */
export function validateConfig(
  document: unknown,
): { ok: true; config: SluiceConfig } | { ok: false; issues: ConfigIssue[] } {
  const result = ConfigSchema.safeParse(document ?? {});
  if (result.success) return { ok: true, config: result.data };
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ path: formatPath([...issue.path, key]), message: `unknown key "${key}"` });
      }
    } else {
      issues.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return { ok: false, issues };
}

/** The empty configuration Sluice runs with when no file is given. */
export function emptyConfig(): SluiceConfig {
  return { sources: [], destinations: [] };
}
