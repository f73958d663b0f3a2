/**
 * What a Track route handler receives and returns, and the bookkeeping every handler shares:
 * recording anomalies and checking a body against the official OpenAPI schema.
 */
import type { AnomalyNote } from "./anomalies.js";
import type { OpenApiCheck, TrackOpenApiValidator } from "./openapi-validator.js";
import type { TrafficLog } from "./traffic-log.js";
import type { Workspace } from "./workspace.js";

export type Region = "us" | "eu";

/** The simulator's parts a handler may use. */
export interface TrackServices {
  workspace: Workspace;
  traffic: TrafficLog;
  openApi: TrackOpenApiValidator | null;
  allowAnonymousIdentifiers: boolean;
  region: Region;
  siteId: () => string;
  /** Milliseconds since the epoch. */
  clock: () => number;
}

export interface RouteContext {
  method: string;
  /** The raw path (still percent-encoded), without the query string. */
  path: string;
  /** The raw (encoded) values of the route's `:param` segments, in order. */
  params: readonly string[];
  /** The parsed JSON body; undefined when the body was empty. */
  body: unknown;
  services: TrackServices;
}

export interface TrackResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Items the request carried (batch length, else 1) and how many were applied. */
  items: number;
  accepted: number;
}

export function nowSeconds(services: TrackServices): number {
  return Math.floor(services.clock() / 1000);
}

/** Stores anomaly notes with where they came from. */
export function recordNotes(ctx: RouteContext, notes: readonly AnomalyNote[], batchIndex?: number): void {
  const atMs = ctx.services.clock();
  for (const note of notes) {
    ctx.services.traffic.addAnomaly({
      ...note,
      method: ctx.method,
      path: ctx.path,
      atMs,
      ...(batchIndex === undefined ? {} : { batchIndex }),
    });
  }
}

/** Records an OpenAPI violation (when a validator is configured) and returns the check. */
export function recordOpenApi(
  ctx: RouteContext,
  check: OpenApiCheck | null,
  batchIndex?: number,
): OpenApiCheck {
  if (check === null || check.ok) return { ok: true };
  ctx.services.traffic.addViolation({
    method: ctx.method,
    path: ctx.path,
    errors: check.errors,
    ...(batchIndex === undefined ? {} : { batchIndex }),
  });
  return check;
}

/**
 * Turns the JSON pointer of the first OpenAPI error line into a dotted field.
 *
 * @example
 * openApiField("/identifiers/id: must be string"); // "identifiers.id"
 */
export function openApiField(line: string | undefined): string {
  const pointer = line?.slice(0, line.indexOf(":")) ?? "";
  return pointer
    .split("/")
    .filter((part) => part !== "")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

/** The message a client sees for a body the OpenAPI schema rejects. */
export function openApiMessage(errors: readonly string[]): string {
  return `does not match the Track OpenAPI schema: ${errors.slice(0, 3).join("; ")}`;
}
