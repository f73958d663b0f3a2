/**
 * The strict rules for one v2 entity (a `/api/v2/entity` body or one `/api/v2/batch` item),
 * track-api.md §3. Strict means: only the top-level keys the OpenAPI schema lists for that type and
 * action, exactly one identifier, and every documented limit. The first problem is reported, with a
 * `field` path and, where the docs have one, their wording.
 */
import { type AnomalyNote, normalizeTimestamp } from "./anomalies.js";
import { type PersonKey, type PersonKeyKind, parseObjectKey, parsePersonKey } from "./identifiers.js";
import { checkAttributeMap, type Issue, isPlainObject, jsonBytes, TRACK_LIMITS } from "./limits.js";
import type { EventAction, Operation } from "./operations.js";
import {
  type Parsed,
  PERSON_KINDS,
  parseDevice,
  parseEventFields,
  parseIdentifyAttributes,
  parseMergeSide,
  parseObjectLinks,
  parsePersonLinks,
  unknownKey,
} from "./validate-common.js";

/** Top-level keys allowed per type and action, beyond `type` and `action` (from the OpenAPI schemas). */
const ITEM_KEYS = {
  person: {
    identify: ["identifiers", "timestamp", "attributes", "cio_relationships"],
    event: ["identifiers", "id", "name", "timestamp", "attributes"],
    page: ["identifiers", "id", "name", "timestamp", "attributes"],
    screen: ["identifiers", "id", "name", "timestamp", "attributes"],
    delete: ["identifiers"],
    suppress: ["identifiers"],
    unsuppress: ["identifiers"],
    add_relationships: ["identifiers", "cio_relationships"],
    delete_relationships: ["identifiers", "cio_relationships"],
    add_device: ["identifiers", "device"],
    delete_device: ["identifiers", "device"],
    merge: ["primary", "secondary"],
  },
  object: {
    identify: ["identifiers", "attributes", "cio_relationships"],
    identify_anonymous: ["identifiers", "attributes", "cio_relationships"],
    delete: ["identifiers"],
    add_relationships: ["identifiers", "cio_relationships"],
    delete_relationships: ["identifiers", "cio_relationships"],
  },
  delivery: {
    event: ["identifiers", "name", "attributes"],
  },
} as const satisfies Record<string, Record<string, readonly string[]>>;

type EntityType = keyof typeof ITEM_KEYS;

const ALLOWED_KEYS = new Map<string, ReadonlySet<string>>();
for (const [type, actions] of Object.entries(ITEM_KEYS)) {
  for (const [action, keys] of Object.entries(actions)) {
    ALLOWED_KEYS.set(`${type}/${action}`, new Set(["type", "action", ...keys]));
  }
}

/** In v2 only `_update` steers an identify; `timestamp` and `cio_relationships` sit beside `attributes`. */
const V2_DIRECTIVE_KEYS: ReadonlySet<string> = new Set(["_update"]);

const DELIVERY_METRICS: ReadonlySet<string> = new Set(["opened", "converted", "delivered"]);

export interface V2ValidationOptions {
  /** Now, in Unix seconds: replaces invalid timestamps. */
  nowSeconds: number;
  /** Accept `identifiers: {anonymous_id}` on person event/page/screen items (Segment sends these). */
  allowAnonymousIdentifiers: boolean;
  /** Measure the item against the 32,000-byte item limit (callers skip it when the body is smaller). */
  checkItemSize: boolean;
}

export type V2ItemResult =
  | { ok: true; operation: Operation; notes: AnomalyNote[] }
  | { ok: false; issue: Issue; notes: AnomalyNote[] };

/**
 * Validates one v2 entity and turns it into an {@link Operation}.
 *
 * @example
 * validateV2Item(
 *   { type: "person", identifiers: { id: "42" }, action: "event", name: "Signed Up", id: "01H" },
 *   { nowSeconds: 1_700_000_000, allowAnonymousIdentifiers: false, checkItemSize: true },
 * ); // { ok: true, operation: { op: "event", ... }, notes: [] }
 */
export function validateV2Item(item: unknown, options: V2ValidationOptions): V2ItemResult {
  const notes: AnomalyNote[] = [];
  const result = parseItem(item, options, notes);
  return result.ok ? { ok: true, operation: result.value, notes } : { ok: false, issue: result.issue, notes };
}

function parseItem(item: unknown, options: V2ValidationOptions, notes: AnomalyNote[]): Parsed<Operation> {
  if (!isPlainObject(item)) return fail("", "item must be a JSON object");
  if (options.checkItemSize && jsonBytes(item) > TRACK_LIMITS.maxBatchItemBytes) {
    return fail("", `item must be at most ${TRACK_LIMITS.maxBatchItemBytes} bytes of JSON`);
  }
  const type = item["type"];
  if (typeof type !== "string" || !Object.hasOwn(ITEM_KEYS, type)) {
    return fail("type", "type must be one of person, object, delivery");
  }
  const actions = ITEM_KEYS[type as EntityType];
  const action = item["action"];
  if (typeof action !== "string" || !Object.hasOwn(actions, action)) {
    return fail("action", `action must be one of ${Object.keys(actions).join(", ")} for type ${type}`);
  }
  const extra = unknownKey(item, ALLOWED_KEYS.get(`${type}/${action}`) ?? new Set(), "");
  if (extra) return { ok: false, issue: extra };
  if (type === "person") return parsePersonItem(item, action, options, notes);
  if (type === "object") return parseObjectItem(item, action);
  return parseDeliveryItem(item, options);
}

function fail(field: string, message: string): { ok: false; issue: Issue } {
  return { ok: false, issue: { field, message } };
}

function personKey(item: Record<string, unknown>, kinds: readonly PersonKeyKind[]): Parsed<PersonKey> {
  const parsed = parsePersonKey(item["identifiers"], "identifiers", { kinds });
  return parsed.ok ? { ok: true, value: parsed.key } : parsed;
}

function parsePersonItem(
  item: Record<string, unknown>,
  action: string,
  options: V2ValidationOptions,
  notes: AnomalyNote[],
): Parsed<Operation> {
  if (action === "merge") {
    const primary = parseMergeSide(item["primary"], "primary");
    if (!primary.ok) return primary;
    const secondary = parseMergeSide(item["secondary"], "secondary");
    if (!secondary.ok) return secondary;
    return { ok: true, value: { op: "merge", primary: primary.value, secondary: secondary.value } };
  }
  const isEvent = action === "event" || action === "page" || action === "screen";
  const kinds: readonly PersonKeyKind[] =
    isEvent && options.allowAnonymousIdentifiers ? [...PERSON_KINDS, "anonymous_id"] : PERSON_KINDS;
  const person = personKey(item, kinds);
  if (!person.ok) return person;
  if (isEvent) {
    const fields = parseEventFields(item, action as EventAction, "attributes", options.nowSeconds, notes);
    if (!fields.ok) return fields;
    if (person.value.kind === "anonymous_id") {
      return {
        ok: true,
        value: { op: "event", person: null, anonymousId: person.value.value, ...fields.value },
      };
    }
    return { ok: true, value: { op: "event", person: person.value, ...fields.value } };
  }
  switch (action) {
    case "identify": {
      // An identify `timestamp` only orders attribute updates; a bad one is noted, never rejected.
      const timestampNote = normalizeTimestamp(item["timestamp"], options.nowSeconds, "timestamp").note;
      if (timestampNote) notes.push(timestampNote);
      const attributes = parseIdentifyAttributes(item["attributes"], "attributes", notes, V2_DIRECTIVE_KEYS);
      if (!attributes.ok) return attributes;
      const links = parseObjectLinks(item["cio_relationships"], "cio_relationships", false);
      if (!links.ok) return links;
      return {
        ok: true,
        value: {
          op: "identify",
          person: person.value,
          attributes: attributes.value.attributes,
          updateOnly: attributes.value.updateOnly,
          links: links.value,
          linkAction: "add",
        },
      };
    }
    case "add_relationships":
    case "delete_relationships": {
      const links = parseObjectLinks(item["cio_relationships"], "cio_relationships", true);
      if (!links.ok) return links;
      return { ok: true, value: { op: action, person: person.value, links: links.value } };
    }
    case "add_device": {
      const device = parseDevice(item["device"], "device", "token", notes);
      if (!device.ok) return device;
      return { ok: true, value: { op: "add_device", person: person.value, device: device.value } };
    }
    case "delete_device": {
      const device = item["device"];
      if (!isPlainObject(device)) return fail("device", "device is required and must be an object");
      const extra = unknownKey(device, new Set(["token"]), "device");
      if (extra) return { ok: false, issue: extra };
      const token = device["token"];
      if (typeof token !== "string" || token === "") {
        return fail("device.token", "device.token is required and must be a non-empty string");
      }
      return { ok: true, value: { op: "delete_device", person: person.value, token } };
    }
    default:
      return {
        ok: true,
        value: { op: action as "delete" | "suppress" | "unsuppress", person: person.value },
      };
  }
}

function parseObjectItem(item: Record<string, unknown>, action: string): Parsed<Operation> {
  const key = parseObjectKey(item["identifiers"], "identifiers");
  if (!key.ok) return key;
  const object = key.key;
  if (action === "delete") return { ok: true, value: { op: "object_delete", object } };
  const anonymous = action === "identify_anonymous";
  const kinds: readonly PersonKeyKind[] = anonymous ? ["anonymous_id"] : PERSON_KINDS;
  const isIdentify = action === "identify" || anonymous;
  const links = parsePersonLinks(item["cio_relationships"], "cio_relationships", kinds, !isIdentify);
  if (!links.ok) return links;
  if (!isIdentify) {
    const op = action === "add_relationships" ? "object_add_relationships" : "object_delete_relationships";
    return { ok: true, value: { op, object, links: links.value } };
  }
  const attributes = item["attributes"] ?? {};
  if (!isPlainObject(attributes)) return fail("attributes", "attributes must be an object");
  const issue = checkAttributeMap(attributes, {
    path: "attributes",
    maxTotalBytes: TRACK_LIMITS.maxObjectAttributesBytes,
  });
  if (issue) return { ok: false, issue };
  return { ok: true, value: { op: "object_identify", object, attributes, links: links.value, anonymous } };
}

function parseDeliveryItem(item: Record<string, unknown>, options: V2ValidationOptions): Parsed<Operation> {
  const identifiers = item["identifiers"];
  if (!isPlainObject(identifiers) || Object.keys(identifiers).length !== 1) {
    return fail("identifiers", "identifiers must be {id: <delivery_id>}");
  }
  const deliveryId = identifiers["id"];
  if (typeof deliveryId !== "string" || deliveryId === "") {
    return fail("identifiers.id", "identifiers.id must be a non-empty delivery id");
  }
  const name = item["name"];
  if (typeof name !== "string" || !DELIVERY_METRICS.has(name)) {
    return fail("name", "name must be one of opened, converted, delivered");
  }
  const attributes = item["attributes"];
  if (!isPlainObject(attributes)) return fail("attributes", "attributes is required and must be an object");
  const deviceToken = attributes["device_token"];
  if (typeof deviceToken !== "string" || deviceToken === "") {
    return fail(
      "attributes.device_token",
      "attributes.device_token is required and must be a non-empty string",
    );
  }
  return {
    ok: true,
    value: { op: "delivery_metric", deliveryId, metric: name, deviceToken, timestamp: options.nowSeconds },
  };
}
