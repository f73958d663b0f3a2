/**
 * Validation pieces shared by v1 bodies and v2 items: identify attributes, relationship lists,
 * event fields and devices. Each returns the first problem as an {@link Issue}, so callers can answer
 * with the documented wording.
 */
import {
  type AnomalyNote,
  checkTimestampAttribute,
  normalizeTimestamp,
  TIMESTAMP_ATTRIBUTES,
} from "./anomalies.js";
import {
  checkIdentifierValue,
  type PersonKey,
  type PersonKeyKind,
  parseObjectKey,
  parsePersonKey,
} from "./identifiers.js";
import {
  checkAttributeMap,
  checkEventData,
  checkEventName,
  checkPersonId,
  fieldPath,
  IDENTIFY_DIRECTIVE_KEYS,
  type Issue,
  isPlainObject,
  setOwn,
  TRACK_LIMITS,
} from "./limits.js";
import type { DeviceInput, EventAction, ObjectLink, PersonLink } from "./operations.js";

export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: Issue };

const fail = (field: string, message: string): { ok: false; issue: Issue } => ({
  ok: false,
  issue: { field, message },
});

/**
 * Reports the first key of `raw` that is not in `allowed`.
 *
 * @example
 * unknownKey({ name: "x", props: {} }, ["name"], ""); // { field: "props", message: "unknown field 'props'" }
 */
export function unknownKey(
  raw: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
): Issue | null {
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) return { field: fieldPath(path, key), message: `unknown field '${key}'` };
  }
  return null;
}

export interface IdentifyAttributes {
  attributes: Record<string, unknown>;
  updateOnly: boolean;
}

/**
 * Validates identify attributes (v2 `attributes`, or a whole v1 identify body): the documented limits,
 * `id`/`email` types, `_update` as a boolean. Directive keys are removed from the result.
 *
 * @example
 * parseIdentifyAttributes({ plan: "pro", _update: true }, "attributes", []);
 * // { ok: true, value: { attributes: { plan: "pro" }, updateOnly: true } }
 */
export function parseIdentifyAttributes(
  raw: unknown,
  path: string,
  notes: AnomalyNote[],
  ignoreKeys: ReadonlySet<string> = IDENTIFY_DIRECTIVE_KEYS,
): Parsed<IdentifyAttributes> {
  if (raw === undefined) return { ok: true, value: { attributes: {}, updateOnly: false } };
  if (!isPlainObject(raw)) return fail(path, `${path || "body"} must be an object`);
  const limitIssue = checkAttributeMap(raw, { path, skipKeys: ignoreKeys });
  if (limitIssue) return { ok: false, issue: limitIssue };
  if (raw["id"] !== undefined) {
    const issue = checkPersonId(raw["id"], fieldPath(path, "id"));
    if (issue) return { ok: false, issue };
  }
  if (raw["email"] !== undefined) {
    const issue = checkIdentifierValue("email", raw["email"], fieldPath(path, "email"));
    if (issue) return { ok: false, issue };
  }
  if (raw["anonymous_id"] !== undefined && typeof raw["anonymous_id"] !== "string") {
    return fail(fieldPath(path, "anonymous_id"), "anonymous_id must be a string");
  }
  const update = raw["_update"];
  if (update !== undefined && typeof update !== "boolean") {
    return fail(fieldPath(path, "_update"), "_update must be a boolean");
  }
  for (const name of TIMESTAMP_ATTRIBUTES) {
    const note = checkTimestampAttribute(raw[name], fieldPath(path, name));
    if (note) notes.push(note);
  }
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!ignoreKeys.has(key)) setOwn(attributes, key, value);
  }
  return { ok: true, value: { attributes, updateOnly: update === true } };
}

const LINK_KEYS: ReadonlySet<string> = new Set(["identifiers", "relationship_attributes"]);

function parseLinkAttributes(raw: unknown, path: string): Parsed<Record<string, unknown>> {
  if (raw === undefined) return { ok: true, value: {} };
  if (!isPlainObject(raw)) return fail(path, "relationship_attributes must be an object");
  const issue = checkAttributeMap(raw, { path, maxTotalBytes: TRACK_LIMITS.maxObjectAttributesBytes });
  return issue ? { ok: false, issue } : { ok: true, value: raw };
}

function parseLinkList<T>(
  raw: unknown,
  path: string,
  required: boolean,
  parseOne: (item: Record<string, unknown>, itemPath: string) => Parsed<T>,
): Parsed<T[]> {
  if (raw === undefined && !required) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return fail(path, `${path} is required and must be an array`);
  if (required && raw.length === 0) return fail(path, `${path} must not be empty`);
  const links: T[] = [];
  for (const [index, item] of raw.entries()) {
    const itemPath = fieldPath(path, index);
    if (!isPlainObject(item)) return fail(itemPath, "relationship must be an object");
    const extra = unknownKey(item, LINK_KEYS, itemPath);
    if (extra) return { ok: false, issue: extra };
    const parsed = parseOne(item, itemPath);
    if (!parsed.ok) return parsed;
    links.push(parsed.value);
  }
  return { ok: true, value: links };
}

/**
 * Parses person-side relationships: `[{identifiers: {object_type_id, object_id} | {cio_object_id},
 * relationship_attributes?}]`.
 *
 * @example
 * parseObjectLinks([{ identifiers: { object_type_id: "1", object_id: "acme" } }], "cio_relationships", true);
 */
export function parseObjectLinks(raw: unknown, path: string, required: boolean): Parsed<ObjectLink[]> {
  return parseLinkList(raw, path, required, (item, itemPath) => {
    const key = parseObjectKey(item["identifiers"], fieldPath(itemPath, "identifiers"));
    if (!key.ok) return key;
    const attributes = parseLinkAttributes(
      item["relationship_attributes"],
      fieldPath(itemPath, "relationship_attributes"),
    );
    if (!attributes.ok) return attributes;
    return { ok: true, value: { object: key.key, attributes: attributes.value } };
  });
}

/**
 * Parses object-side relationships: `[{identifiers: {id|email|cio_id}, relationship_attributes?}]`,
 * or `{anonymous_id}` identifiers for `identify_anonymous`.
 *
 * @example
 * parsePersonLinks([{ identifiers: { id: "42" } }], "cio_relationships", ["id", "email", "cio_id"], false);
 */
export function parsePersonLinks(
  raw: unknown,
  path: string,
  kinds: readonly PersonKeyKind[],
  required: boolean,
): Parsed<PersonLink[]> {
  return parseLinkList(raw, path, required, (item, itemPath) => {
    const key = parsePersonKey(item["identifiers"], fieldPath(itemPath, "identifiers"), { kinds });
    if (!key.ok) return key;
    const attributes = parseLinkAttributes(
      item["relationship_attributes"],
      fieldPath(itemPath, "relationship_attributes"),
    );
    if (!attributes.ok) return attributes;
    return { ok: true, value: { person: key.key, attributes: attributes.value } };
  });
}

export interface EventFields {
  action: EventAction;
  name: string;
  id?: string;
  timestamp: number;
  attributes: Record<string, unknown>;
}

/**
 * Validates the fields every event carries: `name`, optional `id` (dedupe key), `timestamp` and the
 * event data (`attributes` in v2, `data` in v1). Notes a missing `id` and an invalid timestamp.
 *
 * @example
 * parseEventFields({ name: "Signed Up", id: "01H", timestamp: 1_700_000_000 }, "event", "attributes", 0, []);
 */
export function parseEventFields(
  raw: Record<string, unknown>,
  action: EventAction,
  dataKey: "attributes" | "data",
  nowSeconds: number,
  notes: AnomalyNote[],
): Parsed<EventFields> {
  const nameIssue = checkEventName(raw["name"], "name");
  if (nameIssue) return { ok: false, issue: nameIssue };
  // A v2 item is at most 32,000 bytes (or already rejected), so its event data cannot reach the
  // 100,000-byte limit: measuring it would only cost time on every item of a large batch.
  const dataIssue = checkEventData(raw[dataKey], dataKey, dataKey === "data");
  if (dataIssue) return { ok: false, issue: dataIssue };
  const id = raw["id"];
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    return fail("id", "id must be a non-empty string");
  }
  if (id === undefined) notes.push({ kind: "event-without-id", field: "id" });
  const timestamp = normalizeTimestamp(raw["timestamp"], nowSeconds, "timestamp");
  if (timestamp.note) notes.push(timestamp.note);
  const fields: EventFields = {
    action,
    name: raw["name"] as string,
    timestamp: timestamp.seconds,
    attributes: (raw[dataKey] as Record<string, unknown> | undefined) ?? {},
  };
  if (typeof id === "string") fields.id = id;
  return { ok: true, value: fields };
}

const PLATFORMS: ReadonlySet<string> = new Set(["ios", "android"]);

/**
 * Validates a device to add. v2 names the token `token`, v1 names it `id` (`tokenKey`).
 * `platform` is ios|android; `last_used` is Unix seconds as a number or (as Go sends it) a string;
 * custom attributes are strings and `push_enabled` is "true" or "false".
 *
 * @example
 * parseDevice({ token: "abc", platform: "ios" }, "device", "token", []);
 */
export function parseDevice(
  raw: unknown,
  path: string,
  tokenKey: "token" | "id",
  notes: AnomalyNote[],
): Parsed<DeviceInput> {
  if (!isPlainObject(raw)) return fail(path, `${path} is required and must be an object`);
  const extra = unknownKey(raw, new Set([tokenKey, "platform", "last_used", "attributes"]), path);
  if (extra) return { ok: false, issue: extra };
  const token = raw[tokenKey];
  if (typeof token !== "string" || token === "") {
    return fail(fieldPath(path, tokenKey), `${path}.${tokenKey} is required and must be a non-empty string`);
  }
  const platform = raw["platform"];
  if (typeof platform !== "string" || !PLATFORMS.has(platform)) {
    return fail(fieldPath(path, "platform"), `${path}.platform is required and must be "ios" or "android"`);
  }
  const lastUsed = raw["last_used"];
  if (lastUsed !== undefined && typeof lastUsed !== "number" && typeof lastUsed !== "string") {
    return fail(fieldPath(path, "last_used"), `${path}.last_used must be Unix seconds`);
  }
  if (typeof lastUsed === "number") {
    const note = checkTimestampAttribute(lastUsed, fieldPath(path, "last_used"));
    if (note) notes.push(note);
  }
  const attributesRaw = raw["attributes"] ?? {};
  const attributesPath = fieldPath(path, "attributes");
  if (!isPlainObject(attributesRaw)) return fail(attributesPath, `${attributesPath} must be an object`);
  for (const [key, value] of Object.entries(attributesRaw)) {
    if (typeof value !== "string") {
      return fail(fieldPath(attributesPath, key), `${fieldPath(attributesPath, key)} must be a string`);
    }
    if (key === "push_enabled" && value !== "true" && value !== "false") {
      return fail(fieldPath(attributesPath, key), 'push_enabled must be "true" or "false"');
    }
  }
  const device: DeviceInput = {
    token,
    platform: platform as DeviceInput["platform"],
    attributes: attributesRaw as Record<string, string>,
  };
  if (lastUsed !== undefined) device.lastUsed = lastUsed;
  return { ok: true, value: device };
}

/** The person identifier kinds every non-anonymous request accepts. */
export const PERSON_KINDS: readonly PersonKeyKind[] = ["id", "email", "cio_id"];

/** Parses a merge side (`primary`/`secondary`): exactly one of id, email, cio_id. */
export function parseMergeSide(raw: unknown, path: string): Parsed<PersonKey> {
  const parsed = parsePersonKey(raw, path, { kinds: PERSON_KINDS });
  return parsed.ok ? { ok: true, value: parsed.key } : parsed;
}
