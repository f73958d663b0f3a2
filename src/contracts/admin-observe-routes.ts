import { z } from "zod";
import {
  ADMIN_API_PREFIX,
  ADMIN_ONLY,
  ADMIN_PAGE,
  type AdminRouteSpec,
  ALL_ROLES,
  adminResponseSchemas,
  LimitTextSchema,
  NameTextSchema,
  positiveIdText,
  revealQuery,
  TIME_FORMATS,
  TimeTextSchema,
} from "./admin-common.js";

/**
 * Dashboards, the audit log, event samples and seen paths: part of `ADMIN_ROUTES`.
 *
 * Samples are the last 200 events of each source (kept encrypted when encryption at rest is on);
 * their values are masked unless an editor or admin asks to reveal them, which is audited first.
 * Seen paths hold names and types only, never values.
 */

/** The dashboard's default: the last 24 h in 1 h buckets. */
export const STATS_DEFAULTS = { rangeMs: 24 * 3_600_000, bucketMs: 3_600_000 } as const;
/** Most buckets one stats request may ask for. */
export const MAX_STATS_BUCKETS = 1000;
/** Smallest bucket: a minute. */
const MIN_BUCKET_MS = 60_000;

const EpochMs = z.number().int().min(0);
const Count = z.number().int().min(0);
const STAGES = ["ingest", "allowlist", "consent", "mapping", "privacy", "limits", "delivery"] as const;
const VALUE_TYPES = ["string", "number", "boolean", "object", "array", "null"] as const;

// ---------------------------------------------------------------------------------------------
// Requests.

export const StatsQuerySchema = z.strictObject({
  from: TimeTextSchema.optional().meta({
    description: `Start of the range (inclusive). Default: \`to\` minus 24 h. ${TIME_FORMATS}`,
  }),
  to: TimeTextSchema.optional().meta({
    description: `End of the range (exclusive). Default: the end of the current bucket (buckets aligned to multiples of bucketMs since the epoch). ${TIME_FORMATS}`,
  }),
  bucketMs: z
    .string()
    .regex(/^[1-9]\d{4,11}$/, { error: `must be an integer of at least ${MIN_BUCKET_MS} (ms)` })
    .transform(Number)
    .pipe(z.number().min(MIN_BUCKET_MS, { error: `must be an integer of at least ${MIN_BUCKET_MS} (ms)` }))
    .optional()
    .meta({
      description: `Bucket width in ms, at least a minute; default 3600000 (1 h). At most ${MAX_STATS_BUCKETS} buckets.`,
    }),
});

const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export const AuditQuerySchema = z.strictObject({
  before: positiveIdText("an audit seq")
    .optional()
    .meta({ description: "Only entries with a smaller seq: pass the previous page's `nextBefore`." }),
  limit: LimitTextSchema.optional().meta({
    description: `Page size, 1-${ADMIN_PAGE.maxLimit}; default ${ADMIN_PAGE.defaultLimit}.`,
  }),
  action: z
    .string()
    .max(100)
    .regex(ACTION_PATTERN, { error: "must be an action name such as dlq.replay or payload.view" })
    .optional()
    .meta({
      description: "Only entries of this action (`dlq.replay`, `payload.view`, `person.forget`, ...).",
    }),
});

export const SamplesQuerySchema = z.strictObject({
  source: NameTextSchema.optional().meta({ description: "Only this source (its configured name)." }),
  type: NameTextSchema.optional().meta({ description: "Only this call type (track, identify, page, ...)." }),
  name: NameTextSchema.optional().meta({ description: "Only events with exactly this name." }),
  limit: LimitTextSchema.optional().meta({
    description: `How many, 1-${ADMIN_PAGE.maxLimit}; default ${ADMIN_PAGE.defaultLimit}.`,
  }),
});

export const SampleParamsSchema = z.strictObject({
  id: positiveIdText("a sample id").meta({ description: "The sample's id." }),
});

export const SampleQuerySchema = z.strictObject({
  reveal: revealQuery(
    "`true` returns the event's values instead of masking them: editors and admins only (403 for a viewer); audited before the answer.",
  ),
});

export const PathsQuerySchema = z.strictObject({
  source: NameTextSchema.optional().meta({ description: "Only paths seen on this source." }),
  type: NameTextSchema.optional().meta({ description: "Only paths seen on this call type." }),
  name: NameTextSchema.optional().meta({ description: "Only paths seen on events with exactly this name." }),
});

// ---------------------------------------------------------------------------------------------
// Answers.

export const StatsResponseSchema = z
  .strictObject({
    fromMs: EpochMs,
    toMs: EpochMs,
    bucketMs: z.number().int().positive(),
    buckets: z.array(
      z.strictObject({
        startMs: EpochMs,
        received: Count.meta({ description: "Events received (stored once, duplicates not counted)." }),
        delivered: Count,
        stopped: Count,
        failed: Count.meta({ description: "Deliveries that became dead letters in the bucket." }),
      }),
    ),
    stoppedByReason: z
      .array(z.strictObject({ stage: z.enum(STAGES), reason: z.string(), count: Count }))
      .meta({ description: "The 20 most frequent reasons deliveries were stopped in the range." }),
    queue: z.array(
      z.strictObject({
        destination: z.string(),
        waiting: Count,
        oldestAgeMs: z.number().int().min(0).nullable(),
      }),
    ),
  })
  .register(adminResponseSchemas, {
    id: "Stats",
    description:
      "Per time bucket: events received (by receipt) and deliveries delivered, stopped and failed (by when they ended); why deliveries stopped; what waits now.",
  });

const AuditEntrySchema = z
  .strictObject({
    seq: z.number().int().positive(),
    atMs: EpochMs,
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.enum(["ok", "denied"]),
    detail: z.record(z.string(), z.unknown()).nullable().meta({
      description:
        "Counts, names, ids and filters; never a payload value, a secret or a person's identifier.",
    }),
  })
  .register(adminResponseSchemas, { id: "AuditEntry", description: "One audited action." });

export const AuditPageSchema = z
  .strictObject({
    entries: z.array(AuditEntrySchema),
    nextBefore: z.number().int().positive().nullable(),
  })
  .register(adminResponseSchemas, {
    id: "AuditPage",
    description: "Newest first. `nextBefore` is the `before` of the next page, or null on the last page.",
  });

export const AuditVerificationSchema = z
  .strictObject({
    ok: z.boolean(),
    checked: Count.meta({ description: "Entries that verified (all of them when ok)." }),
    problem: z
      .string()
      .nullable()
      .meta({ description: "What is wrong at the first broken entry (by seq, never its content), or null." }),
  })
  .register(adminResponseSchemas, {
    id: "AuditVerification",
    description: "The hash chain checked end to end, as `sluice audit verify`.",
  });

const SampleMetaSchema = z.strictObject({
  id: z.number().int().positive(),
  source: z.string(),
  type: z.string(),
  name: z.string().nullable(),
  messageId: z.string(),
  receivedAtMs: EpochMs,
  test: z
    .boolean()
    .meta({ description: "Sent with the source's test write key: validated, never delivered." }),
});

export const SampleListSchema = z
  .strictObject({ samples: z.array(SampleMetaSchema) })
  .register(adminResponseSchemas, {
    id: "SampleList",
    description: "The last 200 events of each source, newest first, without their content.",
  });

export const SampleSchema = z
  .strictObject({
    sample: SampleMetaSchema.extend({
      event: z.unknown().meta({
        description:
          "The event as received; unless revealed, every value replaced by its type and size (keys and structure kept).",
      }),
    }),
    revealed: z.boolean(),
  })
  .register(adminResponseSchemas, { id: "Sample", description: "One sample, masked unless revealed." });

export const SeenPathListSchema = z
  .strictObject({
    paths: z.array(
      z.strictObject({
        path: z.string().meta({ description: "`properties.order_id`, `properties.products[].sku`." }),
        types: z.array(z.enum(VALUE_TYPES)),
        count: Count.meta({ description: "Events that had the path." }),
        lastSeenMs: EpochMs,
      }),
    ),
  })
  .register(adminResponseSchemas, {
    id: "SeenPathList",
    description:
      "Paths Sluice has seen in events, with the JSON types of their values: names and types only, never values. Keys that look like PHI or like values are never recorded.",
  });

// ---------------------------------------------------------------------------------------------
// Routes.

export const OBSERVE_ROUTES = {
  getStats: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/stats`,
    summary: "Traffic and outcomes over time",
    description:
      "Events received and deliveries delivered, stopped and failed per time bucket (default: the last 24 h in 1 h buckets), the top reasons for stops, and the queue.",
    roles: ALL_ROLES,
    query: StatsQuerySchema,
    response: StatsResponseSchema,
    errors: [400],
  },
  listAudit: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/audit`,
    summary: "The audit log",
    description: "Audited actions, newest first, paged with `before`. Admins only.",
    roles: ADMIN_ONLY,
    query: AuditQuerySchema,
    response: AuditPageSchema,
    errors: [400],
  },
  verifyAudit: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/audit/verify`,
    summary: "Verify the audit log's hash chain",
    description:
      "Checks every entry against its hash and its place in the chain, as `sluice audit verify`. Admins only.",
    roles: ADMIN_ONLY,
    response: AuditVerificationSchema,
    errors: [],
  },
  listSamples: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/events/samples`,
    summary: "Recent events",
    description:
      "The last 200 events of each source (test-key events included), newest first, without content.",
    roles: ALL_ROLES,
    query: SamplesQuerySchema,
    response: SampleListSchema,
    errors: [400],
  },
  getSample: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/events/samples/{id}`,
    summary: "One recent event",
    description:
      "A sample with its event, every value masked; `reveal=true` (editors and admins) returns the values and is audited.",
    roles: ALL_ROLES,
    params: SampleParamsSchema,
    query: SampleQuerySchema,
    response: SampleSchema,
    errors: [400, 404],
  },
  listSeenPaths: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/events/paths`,
    summary: "Paths seen in events",
    description:
      "Every path Sluice has seen for the filter, with the types of its values: names and types only.",
    roles: ALL_ROLES,
    query: PathsQuerySchema,
    response: SeenPathListSchema,
    errors: [400],
  },
} as const satisfies Record<string, AdminRouteSpec>;

export type StatsResponse = z.output<typeof StatsResponseSchema>;
export type AuditPage = z.output<typeof AuditPageSchema>;
export type AuditVerification = z.output<typeof AuditVerificationSchema>;
export type SampleList = z.output<typeof SampleListSchema>;
export type Sample = z.output<typeof SampleSchema>;
export type SeenPathList = z.output<typeof SeenPathListSchema>;
