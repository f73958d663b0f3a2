/**
 * The rules for v1 request bodies (track-api.md §2). A failure becomes a 400 whose
 * `{"meta":{"error": ...}}` carries the §4.2 wording where the docs have one.
 */
import { type AnomalyNote, normalizeTimestamp } from "./anomalies.js";
import type { PersonKey } from "./identifiers.js";
import { IDENTIFY_DIRECTIVE_KEYS, type Issue, isPlainObject } from "./limits.js";
import type {
  AddDeviceOperation,
  DeliveryMetricOperation,
  EventAction,
  EventOperation,
  IdentifyOperation,
  MergeOperation,
} from "./operations.js";
import {
  type Parsed,
  parseDevice,
  parseEventFields,
  parseIdentifyAttributes,
  parseMergeSide,
  parseObjectLinks,
  unknownKey,
} from "./validate-common.js";

const fail = (field: string, message: string): { ok: false; issue: Issue } => ({
  ok: false,
  issue: { field, message },
});

/**
 * `PUT /api/v1/customers/{identifier}`: a flat attribute map plus the reserved keys of §2.2.
 *
 * @example
 * validateV1Identify({ kind: "id", value: "42" }, { email: "a@b.io", plan: "pro" }, []);
 */
export function validateV1Identify(
  person: PersonKey,
  body: unknown,
  notes: AnomalyNote[],
): Parsed<IdentifyOperation> {
  const raw = body ?? {};
  if (!isPlainObject(raw)) return fail("", "request body must be a JSON object");
  const attributes = parseIdentifyAttributes(raw, "", notes, IDENTIFY_DIRECTIVE_KEYS);
  if (!attributes.ok) return attributes;
  let links: IdentifyOperation["links"] = [];
  let linkAction: IdentifyOperation["linkAction"] = "add";
  const relationships = raw["cio_relationships"];
  if (relationships !== undefined) {
    if (!isPlainObject(relationships)) {
      return fail("cio_relationships", "cio_relationships must be {action, relationships}");
    }
    const extra = unknownKey(relationships, new Set(["action", "relationships"]), "cio_relationships");
    if (extra) return { ok: false, issue: extra };
    const action = relationships["action"] ?? "add_relationships";
    if (action !== "add_relationships" && action !== "delete_relationships") {
      return fail(
        "cio_relationships.action",
        "cio_relationships.action must be add_relationships or delete_relationships",
      );
    }
    const parsed = parseObjectLinks(relationships["relationships"], "cio_relationships.relationships", true);
    if (!parsed.ok) return parsed;
    links = parsed.value;
    linkAction = action === "add_relationships" ? "add" : "delete";
  }
  return {
    ok: true,
    value: {
      op: "identify",
      person,
      attributes: attributes.value.attributes,
      updateOnly: attributes.value.updateOnly,
      links,
      linkAction,
    },
  };
}

const EVENT_KEYS: ReadonlySet<string> = new Set(["name", "id", "type", "timestamp", "data", "anonymous_id"]);
const EVENT_TYPES: ReadonlySet<string> = new Set(["event", "page", "screen"]);

/**
 * `POST /api/v1/customers/{identifier}/events` (person given) and `POST /api/v1/events` (person null:
 * anonymous). An anonymous event without `anonymous_id` is an invite event and needs `data.recipient`.
 *
 * @example
 * validateV1Event({ kind: "id", value: "42" }, { name: "Signed Up", data: { plan: "pro" } }, 0, []);
 */
export function validateV1Event(
  person: PersonKey | null,
  body: unknown,
  nowSeconds: number,
  notes: AnomalyNote[],
): Parsed<EventOperation> {
  if (!isPlainObject(body)) return fail("", "request body must be a JSON object");
  const extra = unknownKey(body, EVENT_KEYS, "");
  if (extra) return { ok: false, issue: extra };
  const type = body["type"] ?? "event";
  if (typeof type !== "string" || !EVENT_TYPES.has(type)) {
    return fail("type", "type must be one of event, page, screen");
  }
  const anonymousId = body["anonymous_id"];
  if (anonymousId !== undefined && (typeof anonymousId !== "string" || anonymousId === "")) {
    return fail("anonymous_id", "anonymous_id must be a non-empty string");
  }
  const fields = parseEventFields(body, type as EventAction, "data", nowSeconds, notes);
  if (!fields.ok) return fields;
  if (
    person === null &&
    anonymousId === undefined &&
    typeof fields.value.attributes["recipient"] !== "string"
  ) {
    return fail("data.recipient", "an anonymous event without anonymous_id must set data.recipient");
  }
  const operation: EventOperation = { op: "event", person, ...fields.value };
  if (typeof anonymousId === "string") operation.anonymousId = anonymousId;
  return { ok: true, value: operation };
}

/**
 * `PUT /api/v1/customers/{identifier}/devices`: `{"device": {"id", "platform", "last_used"?, "attributes"?}}`.
 *
 * @example
 * validateV1AddDevice({ kind: "id", value: "42" }, { device: { id: "tok", platform: "ios" } }, []);
 */
export function validateV1AddDevice(
  person: PersonKey,
  body: unknown,
  notes: AnomalyNote[],
): Parsed<AddDeviceOperation> {
  if (!isPlainObject(body)) return fail("", "request body must be a JSON object");
  const extra = unknownKey(body, new Set(["device"]), "");
  if (extra) return { ok: false, issue: extra };
  const device = parseDevice(body["device"], "device", "id", notes);
  if (!device.ok) return device;
  return { ok: true, value: { op: "add_device", person, device: device.value } };
}

/**
 * `POST /api/v1/merge_customers`: `{"primary": {one of id|email|cio_id}, "secondary": {...}}`.
 *
 * @example
 * validateV1Merge({ primary: { id: "1" }, secondary: { email: "a@b.io" } });
 */
export function validateV1Merge(body: unknown): Parsed<MergeOperation> {
  if (!isPlainObject(body)) return fail("", "request body must be a JSON object");
  const extra = unknownKey(body, new Set(["primary", "secondary"]), "");
  if (extra) return { ok: false, issue: extra };
  const primary = parseMergeSide(body["primary"], "primary");
  if (!primary.ok) return primary;
  const secondary = parseMergeSide(body["secondary"], "secondary");
  if (!secondary.ok) return secondary;
  return { ok: true, value: { op: "merge", primary: primary.value, secondary: secondary.value } };
}

const METRIC_KEYS: ReadonlySet<string> = new Set([
  "delivery_id",
  "metric",
  "timestamp",
  "recipient",
  "reason",
  "href",
]);
const METRICS: ReadonlySet<string> = new Set([
  "bounced",
  "clicked",
  "converted",
  "deferred",
  "delivered",
  "dropped",
  "opened",
  "spammed",
]);

/**
 * `POST /api/v1/metrics`: `{"delivery_id", "metric", "timestamp"?, "recipient"?, "reason"?, "href"?}`.
 *
 * @example
 * validateV1Metric({ delivery_id: "d1", metric: "opened" }, 1_700_000_000, []);
 */
export function validateV1Metric(
  body: unknown,
  nowSeconds: number,
  notes: AnomalyNote[],
): Parsed<DeliveryMetricOperation> {
  if (!isPlainObject(body)) return fail("", "request body must be a JSON object");
  const extra = unknownKey(body, METRIC_KEYS, "");
  if (extra) return { ok: false, issue: extra };
  const deliveryId = body["delivery_id"];
  if (typeof deliveryId !== "string" || deliveryId === "") {
    return fail("delivery_id", "delivery_id is required and must be a non-empty string");
  }
  const metric = body["metric"];
  if (typeof metric !== "string" || !METRICS.has(metric)) {
    return fail("metric", `metric must be one of ${[...METRICS].join(", ")}`);
  }
  const timestamp = normalizeTimestamp(body["timestamp"], nowSeconds, "timestamp");
  if (timestamp.note) notes.push(timestamp.note);
  const operation: DeliveryMetricOperation = {
    op: "delivery_metric",
    deliveryId,
    metric,
    timestamp: timestamp.seconds,
  };
  // SMS metrics send the recipient as a number in the spec; keep whatever arrived as text.
  if (body["recipient"] !== undefined) operation.recipient = String(body["recipient"]);
  return { ok: true, value: operation };
}
