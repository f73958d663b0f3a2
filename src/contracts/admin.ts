import { z } from "zod";
import { AUTH_ROUTES } from "./admin-auth-routes.js";
import {
  ADMIN_API_PREFIX,
  ADMIN_PAGE,
  type AdminRouteSpec,
  ALL_ROLES,
  adminRequestSchemas,
  adminResponseSchemas,
  DELIVERY_STAGES,
  EDITORS,
  LimitTextSchema,
  NameTextSchema,
  positiveIdText,
  revealQuery,
  TIME_FORMATS,
  TIME_MESSAGE,
  TimeTextSchema,
  toEpochMs,
} from "./admin-common.js";
import { CONFIG_ROUTES } from "./admin-config-routes.js";
import { OBSERVE_ROUTES } from "./admin-observe-routes.js";
import { PreviewResponseSchema } from "./admin-preview.js";
import { ERROR_CODES, type ErrorCode } from "./errors.js";
import { SegmentEventSchema } from "./event.js";

export * from "./admin-common.js";
export { type PreviewResponse, PreviewResponseSchema } from "./admin-preview.js";

/**
 * The admin API's contract: every route's method, path, roles, parameters, body and answer, as zod
 * schemas. The server validates requests with them, the OpenAPI document (`/admin/api/openapi.json`)
 * is generated from them with `z.toJSONSchema`, and a UI can import them: one source of truth.
 *
 * Conventions: JSON in and out; times in answers are epoch milliseconds (as in `sluice trace --json`);
 * time filters take an ISO-8601 date or date-time (zone-less = UTC) or epoch milliseconds; lists are
 * newest first and paged with `before` (a delivery id) and `nextBefore`.
 */

// ---------------------------------------------------------------------------------------------
// Request parts: query strings and path parameters arrive as text.

/** At most this many ids in one replay request. */
export const MAX_REPLAY_IDS = 1000;

export const DELIVERY_STATES = ["queued", "retrying", "delivered", "failed", "stopped"] as const;
const DeliveryStateSchema = z.enum(DELIVERY_STATES, {
  error: `must be one of ${DELIVERY_STATES.join(", ")}`,
});
const DeliveryStageSchema = z.enum(DELIVERY_STAGES);

const pageQuery = {
  from: TimeTextSchema.optional().meta({
    description: `Last updated at or after this instant. ${TIME_FORMATS}`,
  }),
  to: TimeTextSchema.optional().meta({
    description: `Last updated before this instant (exclusive). ${TIME_FORMATS}`,
  }),
  before: positiveIdText("a delivery id")
    .optional()
    .meta({ description: "Only deliveries with a smaller id: pass the previous page's `nextBefore`." }),
  limit: LimitTextSchema.optional().meta({
    description: `Page size, 1-${ADMIN_PAGE.maxLimit}; default ${ADMIN_PAGE.defaultLimit}.`,
  }),
};

export const DeliveriesQuerySchema = z.strictObject({
  destination: NameTextSchema.optional().meta({
    description: "Only this destination (its configured name).",
  }),
  state: DeliveryStateSchema.optional().meta({ description: "Only deliveries in this state." }),
  messageId: NameTextSchema.optional().meta({
    description: "Only deliveries of events with this messageId.",
  }),
  source: NameTextSchema.optional().meta({
    description: "Only events of this source (its configured name).",
  }),
  eventName: NameTextSchema.optional().meta({
    description: "Only events with exactly this name (track event name, page or screen name).",
  }),
  ...pageQuery,
});

export const DeadLettersQuerySchema = z.strictObject({
  destination: NameTextSchema.optional().meta({
    description: "Only this destination (its configured name).",
  }),
  ...pageQuery,
});

export const DeadLetterParamsSchema = z.strictObject({
  deliveryId: positiveIdText("a delivery id").meta({ description: "The dead letter's delivery id." }),
});

export const DeadLetterQuerySchema = z.strictObject({
  reveal: revealQuery(
    "`true` returns the payload's values instead of masking them: admin role only (403 for a viewer); audited.",
  ),
});

export const TraceParamsSchema = z.strictObject({
  messageId: NameTextSchema.meta({ description: "The event's messageId (several sources may share one)." }),
});

const TimeValueSchema = z
  .union([z.number().int().min(0), z.iso.datetime({ offset: true, local: true }), z.iso.date()], {
    error: TIME_MESSAGE,
  })
  .transform((value) => (typeof value === "number" ? value : toEpochMs(value)));

export const ReplayRequestSchema = z
  .strictObject({
    deliveryIds: z
      .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
      .min(1)
      .max(MAX_REPLAY_IDS)
      .optional()
      .meta({ description: `These dead letters (delivery ids, at most ${MAX_REPLAY_IDS}).` }),
    destination: NameTextSchema.optional().meta({ description: "Dead letters of this destination." }),
    messageId: NameTextSchema.optional().meta({ description: "Dead letters of events with this messageId." }),
    from: TimeValueSchema.optional().meta({
      description: `Failed at or after this instant. ${TIME_FORMATS}`,
    }),
    to: TimeValueSchema.optional().meta({
      description: `Failed before this instant (exclusive). ${TIME_FORMATS}`,
    }),
    all: z
      .literal(true)
      .optional()
      .meta({ description: "Required to replay every dead letter when no filter is given." }),
    dryRun: z
      .boolean()
      .optional()
      .meta({ description: "Only count the matches; change nothing. Default false." }),
  })
  .register(adminRequestSchemas, {
    id: "ReplayRequest",
    description:
      "Which dead letters to put back in the queue: every filter given must match; an empty filter needs `all: true`.",
  });

export const SegmentEventInputSchema = SegmentEventSchema.register(adminRequestSchemas, {
  id: "SegmentEvent",
  description: "One Segment call, as the ingest API takes it (POST /v1/track, /v1/identify, ...).",
});

export const PreviewRequestSchema = z
  .strictObject({
    destination: NameTextSchema.meta({ description: "A configured destination's name." }),
    event: SegmentEventInputSchema,
  })
  .register(adminRequestSchemas, { id: "PreviewRequest" });

// ---------------------------------------------------------------------------------------------
// Answers.

export const ErrorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      path: z.string().optional(),
      issues: z
        .array(
          z.strictObject({
            path: z.string(),
            message: z.string(),
            line: z.number().int().optional(),
            column: z.number().int().optional(),
          }),
        )
        .optional()
        .meta({ description: "`ER_CONFIG_INVALID`: every problem of the configuration, by path." }),
    }),
  })
  .register(adminResponseSchemas, {
    id: "Error",
    description: "Every 4xx/5xx answer. Codes are listed in docs/errors.md; `path` names the field at fault.",
  });

const EpochMs = z.number().int().min(0);

export const DeliveryLogEntrySchema = z
  .strictObject({
    deliveryId: z.number().int().positive(),
    destination: z.string(),
    sourceName: z.string(),
    messageId: z.string(),
    eventType: z.string(),
    eventName: z.string().nullable().meta({
      description:
        "The track event name or page/screen name (first 200 characters); null without one, or when it looked like PHI.",
    }),
    state: DeliveryStateSchema,
    stage: DeliveryStageSchema.nullable(),
    reason: z.string().nullable(),
    field: z.string().nullable(),
    attempts: z.number().int().min(0),
    lastStatus: z.number().int().nullable(),
    receivedAtMs: EpochMs,
    firstAttemptAtMs: EpochMs.nullable(),
    updatedAtMs: EpochMs,
    replays: z.number().int().min(0),
  })
  .register(adminResponseSchemas, {
    id: "DeliveryLogEntry",
    description:
      "One event × one destination: its state, where it stopped or failed and why. No payload values.",
  });

export const AttemptRecordSchema = z
  .strictObject({
    atMs: EpochMs,
    status: z.number().int().nullable(),
    latencyMs: z.number().min(0),
    state: z.enum(["retrying", "delivered", "failed", "stopped"]),
    reason: z.string().nullable(),
  })
  .register(adminResponseSchemas, {
    id: "AttemptRecord",
    description:
      "One delivery attempt: when it settled, the HTTP status (null: no response), latency, outcome.",
  });

export const DeliveryPageSchema = z
  .strictObject({
    deliveries: z.array(DeliveryLogEntrySchema),
    nextBefore: z.number().int().positive().nullable(),
  })
  .register(adminResponseSchemas, {
    id: "DeliveryPage",
    description: "Newest first. `nextBefore` is the `before` of the next page, or null on the last page.",
  });

export const DeadLetterPageSchema = z
  .strictObject({
    deadLetters: z.array(DeliveryLogEntrySchema),
    nextBefore: z.number().int().positive().nullable(),
  })
  .register(adminResponseSchemas, {
    id: "DeadLetterPage",
    description: "Dead letters (state failed), newest first; `nextBefore` as for deliveries.",
  });

export const DeadLetterSchema = z
  .strictObject({
    delivery: DeliveryLogEntrySchema,
    attempts: z.array(AttemptRecordSchema),
    revealed: z.boolean().meta({ description: "True when `payload` holds the real values (audited)." }),
    payload: z.discriminatedUnion("state", [
      z.strictObject({
        state: z.literal("masked"),
        value: z.unknown().meta({
          description: "The event with every value replaced by its type and size; keys and structure kept.",
        }),
      }),
      z.strictObject({ state: z.literal("revealed"), value: z.unknown() }),
      z.strictObject({ state: z.literal("deleted") }),
      z.strictObject({ state: z.literal("unreadable"), chars: z.number().int().min(0) }),
    ]),
  })
  .register(adminResponseSchemas, {
    id: "DeadLetter",
    description: "A dead letter: its log row, every attempt and its payload, masked unless revealed.",
  });

export const ReplayResponseSchema = z
  .strictObject({
    matched: z.number().int().min(0),
    replayed: z.number().int().min(0),
    dryRun: z.boolean(),
  })
  .register(adminResponseSchemas, {
    id: "ReplayResult",
    description:
      "How many dead letters matched and how many were put back in the queue (fewer when some changed meanwhile or their body is gone).",
  });

const StageStatusSchema = z.enum(["passed", "stopped", "failed", "pending", "retrying", "not reached"]);

export const EventTraceSchema = z
  .strictObject({
    messageId: z.string(),
    sourceName: z.string(),
    eventType: z.string(),
    receivedAtMs: EpochMs,
    destinations: z.array(
      z.strictObject({
        deliveryId: z.number().int().positive(),
        destination: z.string(),
        state: DeliveryStateSchema,
        stage: DeliveryStageSchema.nullable(),
        reason: z.string().nullable(),
        field: z.string().nullable(),
        attempts: z.number().int().min(0),
        lastStatus: z.number().int().nullable(),
        replays: z.number().int().min(0),
        stages: z.array(z.strictObject({ stage: DeliveryStageSchema, status: StageStatusSchema })),
        history: z.array(AttemptRecordSchema),
      }),
    ),
  })
  .register(adminResponseSchemas, {
    id: "EventTrace",
    description:
      "One stored event (source × messageId × receipt) and each stage per destination, as `sluice trace --json`.",
  });

export const TraceResponseSchema = z
  .strictObject({ messageId: z.string(), events: z.array(EventTraceSchema).min(1) })
  .register(adminResponseSchemas, { id: "TraceResponse" });

const CredentialsSchema = z.union([
  z.strictObject({
    result: z.enum(["ok", "region-mismatch"]),
    region: z.enum(["us", "eu"]),
    message: z.string(),
    checkedAtMs: EpochMs,
  }),
  z.strictObject({
    result: z.enum(["unauthorized", "unreachable", "unexpected"]),
    message: z.string(),
    checkedAtMs: EpochMs,
  }),
]);

export const HealthResponseSchema = z
  .strictObject({
    windowHours: z.number(),
    destinations: z.array(
      z.strictObject({
        destination: z.string(),
        status: z.enum(["healthy", "degraded", "unhealthy", "no_data"]),
        successRate: z.number().min(0).max(1).nullable(),
        delivered: z.number().int().min(0),
        failed: z.number().int().min(0),
        stopped: z.number().int().min(0),
        paused: z.strictObject({ reason: z.string().nullable() }).nullable(),
        credentials: CredentialsSchema.nullable(),
      }),
    ),
    queue: z.array(
      z.strictObject({
        destination: z.string(),
        waiting: z.number().int().min(0),
        retrying: z.number().int().min(0),
        oldestAgeMs: z.number().int().min(0).nullable(),
      }),
    ),
  })
  .register(adminResponseSchemas, {
    id: "Health",
    description:
      "Per configured destination, the last 24 h of outcomes (as GET /health/destinations), and the queue: waiting (queued + retrying), retrying, and the oldest waiting delivery's age.",
  });

export const OpenApiDocumentSchema = z
  .record(z.string(), z.unknown())
  .register(adminResponseSchemas, { id: "OpenApiDocument", description: "This document." });

// ---------------------------------------------------------------------------------------------
// Routes.

/** One admin route: what it takes, who may call it, and what it answers with 200. */

const BOTH = ALL_ROLES;

/**
 * Every admin route, by OpenAPI operationId. The server registers exactly these (no route exists
 * that is not described here), and the OpenAPI document lists exactly these.
 *
 * @example
 * ADMIN_ROUTES.replayDeadLetters.path // "/admin/api/dead-letters/replay"
 */
const CORE_ROUTES = {
  getHealth: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/health`,
    summary: "Per-destination health and queue",
    description:
      "The last 24 h of terminal outcomes per configured destination, pauses, credential checks, and queue depth.",
    roles: BOTH,
    response: HealthResponseSchema,
    errors: [],
  },
  listDeliveries: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/deliveries`,
    summary: "The delivery log",
    description: "Delivery-log rows, newest first, filtered and paged. Never payload values.",
    roles: BOTH,
    query: DeliveriesQuerySchema,
    response: DeliveryPageSchema,
    errors: [400],
  },
  traceEvent: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/events/{messageId}/trace`,
    summary: "The story of one event",
    description:
      "Every stored event with this messageId and, per destination, each stage it passed or stopped at and each attempt. Never payload values.",
    roles: BOTH,
    params: TraceParamsSchema,
    response: TraceResponseSchema,
    errors: [400, 404],
  },
  listDeadLetters: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/dead-letters`,
    summary: "Dead letters",
    description:
      "Deliveries Customer.io rejected for good (state failed), newest first; `from`/`to` compare with when they failed.",
    roles: BOTH,
    query: DeadLettersQuerySchema,
    response: DeadLetterPageSchema,
    errors: [400],
  },
  getDeadLetter: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/dead-letters/{deliveryId}`,
    summary: "One dead letter",
    description:
      "The log row, every attempt and the payload with every value masked; `reveal=true` (admin only) returns the values and is audited.",
    roles: BOTH,
    params: DeadLetterParamsSchema,
    query: DeadLetterQuerySchema,
    response: DeadLetterSchema,
    errors: [400, 404],
  },
  replayDeadLetters: {
    method: "POST",
    path: `${ADMIN_API_PREFIX}/dead-letters/replay`,
    summary: "Replay dead letters",
    description:
      "Put the matching dead letters back in the queue, oldest first; they keep their messageId, so Customer.io drops an event it already has. Admins and editors.",
    roles: EDITORS,
    body: ReplayRequestSchema,
    response: ReplayResponseSchema,
    errors: [400, 413, 415],
  },
  previewEvent: {
    method: "POST",
    path: `${ADMIN_API_PREFIX}/preview`,
    summary: "Preview an event",
    description:
      "The exact request(s) a destination would send for an event, with the API key masked; nothing is sent. A viewer gets every value masked.",
    roles: BOTH,
    body: PreviewRequestSchema,
    response: PreviewResponseSchema,
    errors: [400, 404, 413, 415],
  },
  getOpenApi: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/openapi.json`,
    summary: "This API's OpenAPI 3.1 document",
    description: "Generated from the same zod schemas the server validates with.",
    roles: BOTH,
    response: OpenApiDocumentSchema,
    errors: [],
  },
} as const satisfies Record<string, AdminRouteSpec>;

/**
 * Every admin route, by OpenAPI operationId: the core routes above, then each area's own table
 * (sign-in and users, configuration, dashboards and samples). The server registers exactly these
 * (no route exists that is not described here), and the OpenAPI document lists exactly these.
 *
 * @example
 * ADMIN_ROUTES.replayDeadLetters.path // "/admin/api/dead-letters/replay"
 */
export const ADMIN_ROUTES = { ...CORE_ROUTES, ...AUTH_ROUTES, ...CONFIG_ROUTES, ...OBSERVE_ROUTES } as const;

export type AdminOperationId = keyof typeof ADMIN_ROUTES;

export type HealthResponse = z.output<typeof HealthResponseSchema>;
export type DeliveryPage = z.output<typeof DeliveryPageSchema>;
export type DeadLetterPage = z.output<typeof DeadLetterPageSchema>;
export type DeadLetter = z.output<typeof DeadLetterSchema>;
export type ReplayRequest = z.output<typeof ReplayRequestSchema>;
export type ReplayResponse = z.output<typeof ReplayResponseSchema>;
export type TraceResponse = z.output<typeof TraceResponseSchema>;
export type ErrorResponse = z.output<typeof ErrorResponseSchema>;
