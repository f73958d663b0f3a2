/**
 * The Track routes the simulator serves, with each route's body limit and error shape.
 */
import { TRACK_LIMITS } from "./limits.js";
import type { RouteContext, TrackResult } from "./route-context.js";
import * as v1 from "./v1-handlers.js";
import { handleBatch, handleEntity, v2BadRequest } from "./v2-handlers.js";

export interface TrackRoute {
  method: string;
  /** Path segments; `:param` matches one non-empty segment. */
  segments: readonly string[];
  api: "v1" | "v2";
  maxBodyBytes: number;
  /** The over-size rule, stated in the 400 message. */
  sizeRule: string;
  handle(ctx: RouteContext, bodyBytes: number): TrackResult;
}

function route(
  method: string,
  pattern: string,
  handle: TrackRoute["handle"],
  limits: { api: "v1" | "v2"; maxBodyBytes: number; sizeRule: string } = V1_LIMITS,
): TrackRoute {
  return { method, segments: pattern.split("/").slice(1), handle, ...limits };
}

const V1_LIMITS = {
  api: "v1",
  maxBodyBytes: TRACK_LIMITS.maxV1BodyBytes,
  sizeRule: `a v1 request body must be at most ${TRACK_LIMITS.maxV1BodyBytes} bytes (simulator safety cap)`,
} as const;

export const TRACK_ROUTES: readonly TrackRoute[] = [
  route("POST", "/api/v2/batch", (ctx, bytes) => handleBatch(ctx, bytes), {
    api: "v2",
    maxBodyBytes: TRACK_LIMITS.maxBatchBodyBytes,
    sizeRule: `a /api/v2/batch body must be at most ${TRACK_LIMITS.maxBatchBodyBytes} bytes`,
  }),
  route("POST", "/api/v2/entity", (ctx) => handleEntity(ctx), {
    api: "v2",
    maxBodyBytes: TRACK_LIMITS.maxEntityBodyBytes,
    sizeRule: `a /api/v2/entity body must be at most ${TRACK_LIMITS.maxEntityBodyBytes} bytes`,
  }),
  route("GET", "/api/v1/accounts/region", v1.region),
  route("PUT", "/api/v1/customers/:identifier", v1.identify),
  route("DELETE", "/api/v1/customers/:identifier", v1.personAction("delete")),
  route("POST", "/api/v1/customers/:identifier/suppress", v1.personAction("suppress")),
  route("POST", "/api/v1/customers/:identifier/unsuppress", v1.personAction("unsuppress")),
  route("POST", "/api/v1/customers/:identifier/events", v1.track),
  route("PUT", "/api/v1/customers/:identifier/devices", v1.addDevice),
  route("DELETE", "/api/v1/customers/:identifier/devices/:device_id", v1.deleteDevice),
  route("POST", "/api/v1/events", v1.trackAnonymous),
  route("POST", "/api/v1/merge_customers", v1.merge),
  route("POST", "/api/v1/metrics", v1.metrics),
];

/**
 * Finds the route for a method and raw path and returns its raw `:param` values.
 *
 * @example
 * matchTrackRoute("PUT", "/api/v1/customers/a%2Fb"); // { route: <identify>, params: ["a%2Fb"] }
 */
export function matchTrackRoute(
  method: string,
  path: string,
): { route: TrackRoute; params: string[] } | null {
  const parts = path.split("/").slice(1);
  for (const candidate of TRACK_ROUTES) {
    if (candidate.method !== method || candidate.segments.length !== parts.length) continue;
    const params: string[] = [];
    const matches = candidate.segments.every((segment, index) => {
      const part = parts[index] ?? "";
      if (segment.startsWith(":")) {
        params.push(part);
        return part !== "";
      }
      return segment === part;
    });
    if (matches) return { route: candidate, params };
  }
  return null;
}

/** A whole-request 400 in the route's own error shape. */
export function badRequest(route: TrackRoute, message: string): TrackResult {
  return route.api === "v2" ? v2BadRequest("", message) : v1.v1Error(400, message);
}
