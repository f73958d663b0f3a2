/**
 * The v1 Track routes (track-api.md §2). Success is 200 `{}`; a validation failure is 400
 * `{"meta":{"error":"<§4.2 wording>"}}`.
 */
import type { AnomalyNote } from "./anomalies.js";
import {
  checkIdentifierValue,
  classifyPathIdentifier,
  decodePathSegment,
  type PersonKey,
} from "./identifiers.js";
import type { Issue } from "./limits.js";
import type { Operation } from "./operations.js";
import {
  nowSeconds,
  openApiMessage,
  type RouteContext,
  recordNotes,
  recordOpenApi,
  type TrackResult,
} from "./route-context.js";
import type { Parsed } from "./validate-common.js";
import {
  validateV1AddDevice,
  validateV1Event,
  validateV1Identify,
  validateV1Merge,
  validateV1Metric,
} from "./validate-v1.js";

/** A v1 400 in the documented `{"meta":{"error": ...}}` shape. */
export function v1Error(status: number, message: string): TrackResult {
  return { status, body: { meta: { error: message } }, items: 1, accepted: 0 };
}

const OK: TrackResult = { status: 200, body: {}, items: 1, accepted: 1 };

/**
 * Decodes and classifies the `{identifier}` path segment: one percent-decoding, `+` kept as a plus,
 * then `cio_` prefix → cio_id, email shape → email, else id.
 */
function pathPerson(
  raw: string | undefined,
): { ok: true; key: PersonKey } | { ok: false; result: TrackResult } {
  const decoded = raw === undefined ? null : decodePathSegment(raw);
  if (decoded === null || decoded === "") return { ok: false, result: v1Error(400, "invalid identifier") };
  const key = classifyPathIdentifier(decoded);
  const issue = checkIdentifierValue(key.kind, key.value, "identifier");
  if (issue) return { ok: false, result: v1Error(400, issue.message) };
  return { ok: true, key };
}

/**
 * Runs the OpenAPI check (recording any violation), then the simulator's own rules; answers with the
 * own rule's wording first, and applies the operation when both pass.
 */
function run(ctx: RouteContext, validate: (notes: AnomalyNote[]) => Parsed<Operation>): TrackResult {
  const { services } = ctx;
  const openApi = recordOpenApi(
    ctx,
    services.openApi?.validate(ctx.method, ctx.path, ctx.body ?? {}) ?? null,
  );
  const notes: AnomalyNote[] = [];
  const parsed = validate(notes);
  recordNotes(ctx, notes);
  const issue: Issue | null = parsed.ok ? null : parsed.issue;
  if (issue) return reject(ctx, issue.message);
  if (!openApi.ok) return reject(ctx, openApiMessage(openApi.errors));
  if (parsed.ok) services.workspace.apply(parsed.value, "v1");
  services.traffic.countItems(1, 0);
  return OK;
}

function reject(ctx: RouteContext, message: string): TrackResult {
  ctx.services.traffic.countItems(0, 1);
  return v1Error(400, message);
}

function withPath(ctx: RouteContext, next: (person: PersonKey) => TrackResult): TrackResult {
  const person = pathPerson(ctx.params[0]);
  if (!person.ok) {
    ctx.services.traffic.countItems(0, 1);
    return person.result;
  }
  return next(person.key);
}

/** `PUT /api/v1/customers/{identifier}` */
export const identify = (ctx: RouteContext) =>
  withPath(ctx, (person) => run(ctx, (notes) => validateV1Identify(person, ctx.body, notes)));

/** `DELETE /api/v1/customers/{identifier}`, `POST .../suppress`, `POST .../unsuppress` */
export const personAction = (op: "delete" | "suppress" | "unsuppress") => (ctx: RouteContext) =>
  withPath(ctx, (person) => run(ctx, () => ({ ok: true, value: { op, person } })));

/** `POST /api/v1/customers/{identifier}/events` */
export const track = (ctx: RouteContext) =>
  withPath(ctx, (person) =>
    run(ctx, (notes) => validateV1Event(person, ctx.body, nowSeconds(ctx.services), notes)),
  );

/** `POST /api/v1/events` (anonymous) */
export const trackAnonymous = (ctx: RouteContext) =>
  run(ctx, (notes) => validateV1Event(null, ctx.body, nowSeconds(ctx.services), notes));

/** `PUT /api/v1/customers/{identifier}/devices` */
export const addDevice = (ctx: RouteContext) =>
  withPath(ctx, (person) => run(ctx, (notes) => validateV1AddDevice(person, ctx.body, notes)));

/** `DELETE /api/v1/customers/{identifier}/devices/{device_id}` */
export const deleteDevice = (ctx: RouteContext) =>
  withPath(ctx, (person) => {
    const token = decodePathSegment(ctx.params[1] ?? "");
    if (token === null || token === "") return reject(ctx, "invalid device id");
    return run(ctx, () => ({ ok: true, value: { op: "delete_device", person, token } }));
  });

/** `POST /api/v1/merge_customers` */
export const merge = (ctx: RouteContext) => run(ctx, () => validateV1Merge(ctx.body));

/** `POST /api/v1/metrics` */
export const metrics = (ctx: RouteContext) =>
  run(ctx, (notes) => validateV1Metric(ctx.body, nowSeconds(ctx.services), notes));

/** `GET /api/v1/accounts/region` → `{"url", "region", "environment_id"}` (track-api.md §1). */
export function region(ctx: RouteContext): TrackResult {
  const { region: name, siteId } = ctx.services;
  return {
    status: 200,
    body: {
      url: name === "eu" ? "https://track-eu.customer.io" : "https://track.customer.io",
      region: name,
      environment_id: environmentId(siteId()),
    },
    items: 0,
    accepted: 0,
  };
}

/** A stable positive integer per site id, standing in for the workspace's environment id. */
function environmentId(siteId: string): number {
  let hash = 2166136261;
  for (const char of siteId) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619);
  return ((hash >>> 0) % 900_000) + 100_000;
}
