import type { ApiError } from "../contracts/errors.js";
import { parseSegmentEvent, type SegmentEvent, type StoredEvent } from "../contracts/event.js";
import { REQUEST_CONTEXT_FIELDS } from "../privacy/index.js";
import { INGEST_LIMITS } from "./limits.js";

export type SingleRoute = "identify" | "track" | "page" | "screen" | "group" | "alias";

/** One event of a request, accepted or rejected. */
export type ParsedItem =
  | { ok: true; event: StoredEvent; bytes: string }
  | { ok: false; index: number | null; error: ApiError; status: 400 | 413 };

export interface ParseContext {
  /** ISO time the request arrived (Sluice's clock). */
  receivedAt: string;
  newMessageId: () => string;
  /** The source's `requestContext`: `drop` (default) stores no IP address or user agent. */
  requestContext?: "keep" | "drop";
  /** The request carried `Sec-GPC: 1` (Global Privacy Control): recorded as `context.gpc = true`. */
  gpc?: boolean;
  /** With `requestContext: keep`, the request's address and user agent fill in what the client did not send (as Segment does). */
  requestIp?: string;
  requestUserAgent?: string;
}

/**
 * Turn a parsed request body into stored events. For a single-event route the route sets `type`;
 * for `/v1/batch` each item carries its own, and the batch's `context`/`integrations` apply to every
 * item that does not override them (Segment's HTTP API semantics). `writeKey` is never kept.
 *
 * @example
 * parseIngestBody("track", { userId: "u1", event: "Signed Up" }, ctx)
 * // [{ ok: true, event: { type: "track", userId: "u1", event: "Signed Up", messageId, receivedAt }, ... }]
 */
export function parseIngestBody(
  route: SingleRoute | "batch",
  body: unknown,
  ctx: ParseContext,
): ParsedItem[] {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return [
      {
        ok: false,
        index: null,
        status: 400,
        error: { code: "ER_INVALID_JSON", message: "body must be a JSON object" },
      },
    ];
  }
  const record = body as Record<string, unknown>;
  if (route !== "batch") {
    // The body was parsed for this request alone, so set the type in place: spreading it into a new
    // object with `type` last makes validation ~6x slower (V8 shapes), the hottest cost of ingest.
    record["type"] = route;
    return [parseOne(record, null, "", ctx)];
  }
  const batch = record["batch"];
  if (!Array.isArray(batch)) {
    return [
      {
        ok: false,
        index: null,
        status: 400,
        error: { code: "ER_INVALID_BATCH", message: "`batch` must be an array of events", path: "batch" },
      },
    ];
  }
  const shared = {
    context: asObject(record["context"]),
    integrations: asObject(record["integrations"]),
  };
  return batch.map((item, index) => {
    const withShared =
      item !== null && typeof item === "object" && !Array.isArray(item)
        ? mergeShared(item as Record<string, unknown>, shared)
        : item;
    return parseOne(withShared, index, `batch[${index}]`, ctx);
  });
}

/**
 * Before anything is stored: drop the request context the source does not keep, and record a Global
 * Privacy Control signal. In place: the event was built for this request alone.
 */
function applyRequestPrivacy(event: StoredEvent, ctx: ParseContext): void {
  const holder = event as { context?: Record<string, unknown> };
  if (ctx.requestContext === "keep") {
    const fill: Record<string, unknown> = {};
    if (ctx.requestIp && holder.context?.["ip"] === undefined) fill["ip"] = ctx.requestIp;
    if (ctx.requestUserAgent && holder.context?.["userAgent"] === undefined)
      fill["userAgent"] = ctx.requestUserAgent;
    if (Object.keys(fill).length > 0) holder.context = { ...holder.context, ...fill };
  } else if (holder.context) {
    for (const field of REQUEST_CONTEXT_FIELDS) delete holder.context[field];
  }
  if (ctx.gpc) holder.context = { ...holder.context, gpc: true };
}

function parseOne(raw: unknown, index: number | null, path: string, ctx: ParseContext): ParsedItem {
  const parsed = parseSegmentEvent(raw, path);
  if (!parsed.ok) return { ok: false, index, status: 400, error: parsed.error };
  const event = toStored(parsed.event, ctx);
  applyRequestPrivacy(event, ctx);
  const bytes = JSON.stringify(event);
  if (Buffer.byteLength(bytes) > INGEST_LIMITS.maxEventBytes) {
    return {
      ok: false,
      index,
      status: 413,
      error: {
        code: "ER_EVENT_TOO_LARGE",
        message: `event is over ${INGEST_LIMITS.maxEventBytes} bytes of JSON`,
        ...(path ? { path } : {}),
      },
    };
  }
  return { ok: true, event, bytes };
}

function toStored(event: SegmentEvent, ctx: ParseContext): StoredEvent {
  // zod returned a fresh object: finish it in place. `delete` only when needed (it slows the object).
  const stored = event as SegmentEvent & { writeKey?: unknown; receivedAt?: unknown; messageId: string };
  if (stored.writeKey !== undefined) delete stored.writeKey;
  stored.messageId = event.messageId ?? ctx.newMessageId();
  stored.receivedAt = ctx.receivedAt;
  return stored as StoredEvent;
}

function mergeShared(
  item: Record<string, unknown>,
  shared: { context: Record<string, unknown> | undefined; integrations: Record<string, unknown> | undefined },
): Record<string, unknown> {
  const out = { ...item };
  if (shared.context) out["context"] = { ...shared.context, ...asObject(item["context"]) };
  if (shared.integrations)
    out["integrations"] = { ...shared.integrations, ...asObject(item["integrations"]) };
  return out;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
