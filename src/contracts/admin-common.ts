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
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /** Error statuses this route can answer besides 401, 403 and 500. */
  errors: readonly number[];
}
