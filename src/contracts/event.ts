import { z } from "zod";
import type { ApiError, ErrorCode } from "./errors.js";

/**
 * A Segment-spec event (https://segment.com/docs/connections/spec/) as Sluice accepts it on
 * `/v1/*`. Unknown top-level keys are kept (clients send `channel`, `_metadata`, ...), the fields
 * Sluice relies on are checked, and `writeKey` is never stored.
 */

export const EVENT_TYPES = ["identify", "track", "page", "screen", "group", "alias"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** ISO-8601 date or date-time, as Segment libraries send (`2026-11-28T17:42:50.123Z`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const DateStringSchema = z
  .string()
  .refine((value) => ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)), "must be an ISO-8601 date");

/** Segment ids are strings; numbers are accepted and kept as their decimal text; "" counts as absent. */
const IdSchema = z
  .union([z.string(), z.number().finite()])
  .transform((value) => (typeof value === "number" ? String(value) : value))
  .optional();

const ObjectSchema = z.record(z.string(), z.unknown());

export const SegmentEventSchema = z
  .looseObject({
    type: z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(", ")}` }),
    userId: IdSchema,
    anonymousId: IdSchema,
    messageId: z.string().min(1).max(200).optional(),
    timestamp: DateStringSchema.optional(),
    sentAt: DateStringSchema.optional(),
    originalTimestamp: DateStringSchema.optional(),
    event: z.string().optional(),
    name: z.string().optional(),
    category: z.string().optional(),
    groupId: IdSchema,
    previousId: IdSchema,
    properties: ObjectSchema.optional(),
    traits: ObjectSchema.optional(),
    context: ObjectSchema.optional(),
    integrations: ObjectSchema.optional(),
  })
  .superRefine((event, ctx) => {
    if (!event.userId && !event.anonymousId) {
      ctx.addIssue({
        code: "custom",
        path: ["userId"],
        message: "needs userId or anonymousId",
        params: { sluiceCode: "ER_MISSING_IDENTITY" },
      });
    }
    if (event.type === "track" && !event.event?.trim()) {
      ctx.addIssue({ code: "custom", path: ["event"], message: "track calls need a non-empty `event` name" });
    }
    if (event.type === "group" && !event.groupId) {
      ctx.addIssue({ code: "custom", path: ["groupId"], message: "group calls need `groupId`" });
    }
    if (event.type === "alias" && (!event.previousId || !event.userId)) {
      ctx.addIssue({
        code: "custom",
        path: [event.previousId ? "userId" : "previousId"],
        message: "alias calls need `previousId` and `userId`",
      });
    }
  });

export type SegmentEvent = z.infer<typeof SegmentEventSchema>;

const TIMESTAMP_FIELDS = new Set(["timestamp", "sentAt", "originalTimestamp"]);

/**
 * Validate one incoming event. Errors are data with a stable code and the path of the field.
 *
 * @example
 * const r = parseSegmentEvent({ type: "track", userId: "u1", event: "Signed Up" });
 * if (r.ok) r.event.event; // "Signed Up"
 */
export function parseSegmentEvent(
  raw: unknown,
  pathPrefix = "",
): { ok: true; event: SegmentEvent } | { ok: false; error: ApiError } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      ok: false,
      error: { code: "ER_INVALID_JSON", message: "an event must be a JSON object", ...at(pathPrefix, []) },
    };
  }
  const result = SegmentEventSchema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0];
  if (issue === undefined)
    return { ok: false, error: { code: "ER_INVALID_FIELD", message: "invalid event" } };
  const field = String(issue.path[0] ?? "");
  let code: ErrorCode = "ER_INVALID_FIELD";
  if (field === "type") code = "ER_UNKNOWN_TYPE";
  else if (TIMESTAMP_FIELDS.has(field)) code = "ER_INVALID_TIMESTAMP";
  else if (issue.code === "custom" && issue.params?.["sluiceCode"] === "ER_MISSING_IDENTITY")
    code = "ER_MISSING_IDENTITY";
  // zod's messages describe the expected shape only (never the received value), so they are safe to return.
  const message =
    field === "type" && (raw as { type?: unknown }).type === undefined ? "`type` is required" : issue.message;
  return {
    ok: false,
    error: { code, message: `${field || "event"}: ${message}`, ...at(pathPrefix, issue.path) },
  };
}

function at(prefix: string, path: readonly PropertyKey[]): { path: string } | Record<string, never> {
  const suffix = path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
  const full = `${prefix}${suffix}`.replace(/^\./, "");
  return full === "" ? {} : { path: full };
}

/**
 * What Sluice stores for each accepted event: the validated Segment event plus what ingest stamped.
 * `messageId` is the client's or a generated one; `receivedAt` is ISO-8601 from Sluice's clock.
 */
export interface StoredEvent extends SegmentEvent {
  messageId: string;
  receivedAt: string;
}

/**
 * When the event happened, in ms since the epoch, as Segment defines it: `timestamp` when the client
 * set one; else `originalTimestamp` corrected for the client's clock skew
 * (`receivedAt − (sentAt − originalTimestamp)`); else `originalTimestamp`; else `receivedAt`.
 * RudderStack's SDKs send only `originalTimestamp` and `sentAt`, so this keeps their events on time.
 *
 * @example
 * eventTimeMs({ originalTimestamp: "2026-01-01T00:00:00Z", sentAt: "2026-01-01T00:00:10Z",
 *   receivedAt: "2026-01-01T00:00:15Z" }) // Date.parse("2026-01-01T00:00:05Z")
 */
export function eventTimeMs(
  event: Pick<StoredEvent, "timestamp" | "originalTimestamp" | "sentAt" | "receivedAt">,
): number {
  const received = Date.parse(event.receivedAt);
  if (event.timestamp) return parseIsoMs(event.timestamp) ?? received;
  const original = event.originalTimestamp ? parseIsoMs(event.originalTimestamp) : null;
  if (original === null) return received;
  const sent = event.sentAt ? parseIsoMs(event.sentAt) : null;
  return sent === null ? original : received - (sent - original);
}

/** ISO-8601 to ms; a zone-less date-time is UTC (not the server's local zone). */
export function parseIsoMs(iso: string): number | null {
  if (!ISO_DATE.test(iso)) return null;
  const withT = iso.replace(" ", "T");
  const hasTime = withT.includes("T");
  const hasZone = hasTime && /(Z|[+-]\d{2}:?\d{2})$/.test(withT);
  const normalized = !hasTime ? `${withT}T00:00:00Z` : hasZone ? withT : `${withT}Z`;
  const ms = Date.parse(normalized);
  return Number.isNaN(ms) ? null : ms;
}
