import { z } from "zod";

/** What every admin route table shares (kept apart from admin.ts so that area tables can import it). */

export const ADMIN_API_PREFIX = "/admin/api";
/** The version of the admin API's contract (the OpenAPI `info.version`), not of Sluice. */
export const ADMIN_API_VERSION = "0.1.0";

/**
 * `admin` may do everything (users, secrets, revealing payloads); `editor` changes configuration,
 * previews with values, sends tests and replays; `viewer` reads, and never sees payload values.
 */
export const ADMIN_ROLES = ["admin", "editor", "viewer"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/**
 * The store's delivery stages (`DeliveryStage` in store/port.ts; a test keeps the two equal). Here so
 * that the delivery log (admin.ts) and the preview (admin-preview.ts) share one list.
 */
export const DELIVERY_STAGES = [
  "ingest",
  "allowlist",
  "consent",
  "mapping",
  "privacy",
  "limits",
  "delivery",
] as const;

/** Named response schemas: each becomes `#/components/schemas/<id>` (converted as output). */
export const adminResponseSchemas = z.registry<{ id: string; description?: string }>();
/** Named request schemas (bodies): each becomes `#/components/schemas/<id>` (converted as input). */
export const adminRequestSchemas = z.registry<{ id: string; description?: string }>();

/** Every role. */
export const ALL_ROLES: readonly AdminRole[] = ["admin", "editor", "viewer"];
/** Roles that may change configuration, see payload values in previews, send tests and replay. */
export const EDITORS: readonly AdminRole[] = ["admin", "editor"];
/** Admin only: users, revealing stored payloads. */
export const ADMIN_ONLY: readonly AdminRole[] = ["admin"];

export interface AdminRouteSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI path template (`/admin/api/dead-letters/{deliveryId}`). */
  path: string;
  summary: string;
  description: string;
  /** Roles allowed to call it; anyone else gets 403 (401 without a valid token). */
  roles: readonly AdminRole[];
  /**
   * Callable without signing in (sign-in itself, the session's state, sign-out): the role check is
   * skipped and an unauthenticated caller reaches the handler as `anonymous`. Default: not public.
   */
  public?: true;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /** Error statuses this route can answer besides 401, 403 and 500. */
  errors: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// Request parts every area uses: query strings and path parameters arrive as text.

/** Delivery and dead-letter list page sizes. */
export const ADMIN_PAGE = { defaultLimit: 50, maxLimit: 1000 } as const;

/** What a time filter accepts, as an error message and as a description. */
export const TIME_MESSAGE =
  "must be an ISO-8601 date or date-time such as 2026-11-28T12:00:00Z (zone-less = UTC), or epoch milliseconds";
export const TIME_FORMATS = "An ISO-8601 date or date-time (zone-less = UTC), or epoch milliseconds.";

/**
 * An instant as epoch ms: an ISO date (UTC midnight), date-time (zone-less = UTC) or epoch ms text.
 *
 * @example
 * toEpochMs("2026-11-28T12:00:00") // Date.parse("2026-11-28T12:00:00Z")
 */
export function toEpochMs(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/i.test(text) ? text : `${text}Z`);
}

/** A time filter in a query string: ISO-8601 date, date-time or epoch ms, as epoch ms. */
export const TimeTextSchema = z
  .union([z.string().regex(/^\d{1,15}$/), z.iso.datetime({ offset: true, local: true }), z.iso.date()], {
    error: TIME_MESSAGE,
  })
  .transform(toEpochMs);

/** A positive integer id in a path or query string. */
export const positiveIdText = (what: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,14}$/, { error: `must be a positive integer (${what})` })
    .transform(Number);

/** A page size in a query string, 1 to `ADMIN_PAGE.maxLimit`. */
export const LimitTextSchema = z
  .string()
  .regex(/^[1-9]\d{0,3}$/, { error: `must be an integer from 1 to ${ADMIN_PAGE.maxLimit}` })
  .transform(Number)
  .pipe(
    z.number().max(ADMIN_PAGE.maxLimit, { error: `must be an integer from 1 to ${ADMIN_PAGE.maxLimit}` }),
  );

/** A configured name or an id in a query string. */
export const NameTextSchema = z.string().min(1).max(200);

/**
 * The `reveal` query parameter of a route that shows stored payload values: text `true`/`false` in,
 * a boolean out; who may reveal is the route's business (described in `description`).
 */
export function revealQuery(description: string) {
  return z
    .enum(["true", "false"], { error: "must be true or false" })
    .transform((value) => value === "true")
    .optional()
    .meta({ description });
}
