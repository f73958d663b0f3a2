/**
 * `POST /api/v2/batch` and `POST /api/v2/entity` (track-api.md §3).
 *
 * A batch is all-or-nothing only at the envelope: a malformed body is a 400, while invalid items get
 * a 207 listing each `batch_index` and every valid item is applied. An item the official OpenAPI
 * schema rejects is reported the same way, so a client sees it exactly like a server-side rejection.
 */
import { type Issue, isPlainObject, TRACK_LIMITS } from "./limits.js";
import {
  nowSeconds,
  openApiField,
  openApiMessage,
  type RouteContext,
  recordNotes,
  recordOpenApi,
  type TrackResult,
} from "./route-context.js";
import { validateV2Item } from "./validate-v2.js";

export interface V2Error {
  batch_index?: number;
  reason: string;
  field: string;
  message: string;
}

/** A whole-request 400 in the v2 shape `{"errors":[{reason, field, message}]}`. */
export function v2BadRequest(field: string, message: string, items = 0): TrackResult {
  return { status: 400, body: { errors: [{ reason: "invalid", field, message }] }, items, accepted: 0 };
}

/** Validates one entity (own rules, then the OpenAPI schema) and applies it when both pass. */
function processItem(
  ctx: RouteContext,
  item: unknown,
  batchIndex: number | undefined,
  checkItemSize: boolean,
): Issue | null {
  const { services } = ctx;
  const result = validateV2Item(item, {
    nowSeconds: nowSeconds(services),
    allowAnonymousIdentifiers: services.allowAnonymousIdentifiers,
    checkItemSize,
  });
  recordNotes(ctx, result.notes, batchIndex);
  const openApi = recordOpenApi(ctx, services.openApi?.validateBatchItem(item) ?? null, batchIndex);
  if (!result.ok) return result.issue;
  if (!openApi.ok) return { field: openApiField(openApi.errors[0]), message: openApiMessage(openApi.errors) };
  services.workspace.apply(result.operation, "v2");
  return null;
}

/**
 * @example
 * // POST /api/v2/batch {"batch":[{"type":"person","identifiers":{"id":"1"},"action":"event"}]}
 * // → 207 {"errors":[{"batch_index":0,"reason":"invalid","field":"name","message":"event name must not be blank"}]}
 */
export function handleBatch(ctx: RouteContext, bodyBytes: number): TrackResult {
  const body = ctx.body;
  if (!isPlainObject(body)) return v2BadRequest("", 'request body must be a JSON object {"batch": [...]}');
  const extra = Object.keys(body).find((key) => key !== "batch");
  if (extra !== undefined) return v2BadRequest(extra, `unknown field '${extra}'`);
  const batch = body["batch"];
  if (!Array.isArray(batch) || batch.length === 0) {
    return v2BadRequest("batch", "batch is required and must be a non-empty array");
  }
  // A body no larger than one item's limit cannot hold an over-size item: skip measuring each.
  const checkItemSize = bodyBytes > TRACK_LIMITS.maxBatchItemBytes;
  const errors: V2Error[] = [];
  for (const [index, item] of batch.entries()) {
    const issue = processItem(ctx, item, index, checkItemSize);
    if (issue)
      errors.push({ batch_index: index, reason: "invalid", field: issue.field, message: issue.message });
  }
  ctx.services.traffic.countItems(batch.length - errors.length, errors.length);
  if (errors.length === 0) return { status: 200, body: {}, items: batch.length, accepted: batch.length };
  return { status: 207, body: { errors }, items: batch.length, accepted: batch.length - errors.length };
}

/**
 * @example
 * // POST /api/v2/entity {"type":"person","identifiers":{"id":"1"},"action":"delete"} → 200 {}
 */
export function handleEntity(ctx: RouteContext): TrackResult {
  // The body limit already bounds the item, so its size is not measured again.
  const issue = processItem(ctx, ctx.body, undefined, false);
  ctx.services.traffic.countItems(issue ? 0 : 1, issue ? 1 : 0);
  if (issue) return { ...v2BadRequest(issue.field, issue.message, 1) };
  return { status: 200, body: {}, items: 1, accepted: 1 };
}
