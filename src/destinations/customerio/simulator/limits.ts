/**
 * The documented Track API limits (track-api.md §3, §4.1) and the checks that enforce them.
 *
 * Where the docs are ambiguous the simulator takes the conservative reading, so a client that passes
 * here also passes on the real server: "< 500 kb" becomes at most 500,000 bytes and "32 kb" becomes at
 * most 32,000 bytes (not 32,768). Strings are measured in UTF-8 bytes; any other value by the byte
 * length of its compact JSON.
 */

/**
 * Every limit the simulator enforces, in bytes or counts.
 *
 * @example
 * if (Buffer.byteLength(body) > TRACK_LIMITS.maxBatchBodyBytes) splitBatch();
 */
export const TRACK_LIMITS = {
  /** `POST /api/v2/batch`: whole body ("must be < 500 kb"). */
  maxBatchBodyBytes: 500_000,
  /** One item of a v2 batch, measured as its compact JSON ("each item must be ≤ 32 kb"). */
  maxBatchItemBytes: 32_000,
  /** `POST /api/v2/entity`: whole body ("must be < 32 kb"). */
  maxEntityBodyBytes: 32_000,
  /**
   * v1 bodies have no documented cap. This one only protects the simulator; it is far above what the
   * documented per-field limits allow (300 attributes × ~1,150 bytes).
   */
  maxV1BodyBytes: 1_000_000,
  /** Person `id` identifier. */
  maxPersonIdBytes: 150,
  /** Object `object_id`. */
  maxObjectIdBytes: 150,
  maxEventNameBytes: 100,
  /** The attributes of one event/page/screen (v2) or its `data` (v1), as compact JSON. */
  maxEventDataBytes: 100_000,
  maxAttributeNameBytes: 150,
  maxAttributeValueBytes: 1000,
  /** "cannot identify more than 300 attributes in one request"; also the object/relationship cap. */
  maxAttributesPerRequest: 300,
  /** Object and relationship attributes, in total, as compact JSON ("100 KB"). */
  maxObjectAttributesBytes: 100_000,
} as const;

/**
 * The verbatim 400 strings of https://docs.customer.io/journeys/invalid-api-requests (track-api.md §4.2).
 *
 * @example
 * DOCUMENTED_MESSAGES.attributeValueTooLong("plan"); // "value for attribute 'plan' cannot be longer than 1000 bytes"
 */
export const DOCUMENTED_MESSAGES = {
  idMustBeString: "id attribute must be a string value",
  idCannotBeEmpty: "id attribute cannot be an empty string",
  tooManyAttributes: "cannot identify more than 300 attributes in one request",
  attributeNameTooLong: "attribute name cannot be longer than 150 bytes",
  attributeValueTooLong: (name: string) => `value for attribute '${name}' cannot be longer than 1000 bytes`,
  eventNameBlank: "event name must not be blank",
  eventNameTooLong: "event name cannot be longer than 100 bytes",
  eventDataNotHash: 'event data must be a hash (e.g., send "data":{} instead of "data":"")',
  eventDataTooLong: "event data cannot be longer than 100000 bytes",
} as const;

/**
 * Keys in an identify body that steer the request rather than become attributes. They are not counted
 * toward the 300-attribute cap and their values are not held to the 1000-byte value limit.
 */
export const IDENTIFY_DIRECTIVE_KEYS: ReadonlySet<string> = new Set([
  "_update",
  "_timestamp",
  "cio_relationships",
]);

/** A rule violation: `field` is a dotted path inside the item or body (`attributes.plan`). */
export interface Issue {
  field: string;
  message: string;
}

/**
 * UTF-8 byte length of a string.
 *
 * @example
 * utf8Bytes("é"); // 2
 */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Bytes a value occupies: UTF-8 bytes for a string, compact-JSON bytes for anything else.
 *
 * @example
 * valueBytes("abc"); // 3
 * valueBytes({ a: 1 }); // 7
 */
export function valueBytes(value: unknown): number {
  if (typeof value === "string") return utf8Bytes(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value).length;
  return utf8Bytes(JSON.stringify(value) ?? "");
}

/** Compact-JSON byte length of a value (undefined counts as 0). */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? "");
}

/** A plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property, even one named `__proto__` (JSON.parse creates those as plain keys; a plain
 * assignment would replace the object's prototype instead of storing the attribute).
 *
 * @example
 * setOwn(target, "__proto__", 1); // target has an own "__proto__" key
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Joins a parent path and a key: `attributes` + `plan` → `attributes.plan`. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

interface AttributeCheckOptions {
  /** Path of the attribute map in the item, e.g. `attributes` (v2) or `` (v1 body). */
  path: string;
  /** Keys that are directives, skipped by the count and the value limit. */
  skipKeys?: ReadonlySet<string>;
  /** When set, the whole map must fit in this many bytes of JSON (objects and relationships). */
  maxTotalBytes?: number;
}

/**
 * Checks a person/object/relationship attribute map against the per-attribute limits and returns the
 * first violation, worded as the docs word it.
 *
 * @example
 * checkAttributeMap({ plan: "x".repeat(1001) }, { path: "attributes" });
 * // { field: "attributes.plan", message: "value for attribute 'plan' cannot be longer than 1000 bytes" }
 */
export function checkAttributeMap(
  attributes: Record<string, unknown>,
  options: AttributeCheckOptions,
): Issue | null {
  let count = 0;
  for (const [name, value] of Object.entries(attributes)) {
    if (options.skipKeys?.has(name)) continue;
    count++;
    const field = fieldPath(options.path, name);
    if (utf8Bytes(name) > TRACK_LIMITS.maxAttributeNameBytes) {
      return { field, message: DOCUMENTED_MESSAGES.attributeNameTooLong };
    }
    if (valueBytes(value) > TRACK_LIMITS.maxAttributeValueBytes) {
      return { field, message: DOCUMENTED_MESSAGES.attributeValueTooLong(name) };
    }
  }
  if (count > TRACK_LIMITS.maxAttributesPerRequest) {
    return { field: options.path, message: DOCUMENTED_MESSAGES.tooManyAttributes };
  }
  if (options.maxTotalBytes !== undefined && jsonBytes(attributes) > options.maxTotalBytes) {
    return {
      field: options.path,
      message: `attributes cannot be longer than ${options.maxTotalBytes} bytes in total`,
    };
  }
  return null;
}

/**
 * Checks an event name: a non-blank string of at most 100 bytes.
 *
 * @example
 * checkEventName("  ", "name"); // { field: "name", message: "event name must not be blank" }
 */
export function checkEventName(name: unknown, field: string): Issue | null {
  if (typeof name !== "string" || name.trim() === "") {
    return { field, message: DOCUMENTED_MESSAGES.eventNameBlank };
  }
  if (utf8Bytes(name) > TRACK_LIMITS.maxEventNameBytes) {
    return { field, message: DOCUMENTED_MESSAGES.eventNameTooLong };
  }
  return null;
}

/**
 * Checks event data (v2 `attributes` of event/page/screen, v1 `data`): absent, or a hash of at most
 * 100,000 bytes of JSON. `measure: false` skips the size, for callers that already bound it.
 *
 * @example
 * checkEventData("", "data"); // { field: "data", message: 'event data must be a hash (...)' }
 */
export function checkEventData(data: unknown, field: string, measure = true): Issue | null {
  if (data === undefined) return null;
  if (!isPlainObject(data)) return { field, message: DOCUMENTED_MESSAGES.eventDataNotHash };
  if (measure && jsonBytes(data) > TRACK_LIMITS.maxEventDataBytes) {
    return { field, message: DOCUMENTED_MESSAGES.eventDataTooLong };
  }
  return null;
}

/**
 * Checks a person `id` value (identifier or `id` attribute): a non-empty string of at most 150 bytes.
 *
 * @example
 * checkPersonId(42, "identifiers.id"); // { field: "identifiers.id", message: "id attribute must be a string value" }
 */
export function checkPersonId(id: unknown, field: string): Issue | null {
  if (typeof id !== "string") return { field, message: DOCUMENTED_MESSAGES.idMustBeString };
  if (id === "") return { field, message: DOCUMENTED_MESSAGES.idCannotBeEmpty };
  if (utf8Bytes(id) > TRACK_LIMITS.maxPersonIdBytes) {
    return { field, message: `id cannot be longer than ${TRACK_LIMITS.maxPersonIdBytes} bytes` };
  }
  return null;
}
