import type { CustomerioOp } from "./ops.js";

/**
 * Customer.io's documented limits (Track API reference; `../shared/customerio/track-api.md` §4.1).
 * Where "kb" is ambiguous, Sluice takes the stricter reading (1 kb = 1000 bytes) so a request it
 * builds is never rejected for size.
 */
export const CUSTOMERIO_LIMITS = {
  eventNameBytes: 100,
  attributeNameBytes: 150,
  attributeValueBytes: 1000,
  attributesPerRequest: 300,
  eventDataBytes: 100_000,
  identifierBytes: 150,
  batchItemBytes: 32_000,
  batchRequestBytes: 500_000,
} as const;

export interface LimitViolation {
  /** Where in the operation (`attributes.plan`, `name`): a field name, never its value. */
  field: string;
  reason: string;
}

const encoder = new TextEncoder();

/** UTF-8 length of a string. */
export function utf8Bytes(text: string): number {
  // Fast path: pure ASCII strings are as long in bytes as in UTF-16 units.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return encoder.encode(text).length;
  }
  return text.length;
}

/** Size Customer.io counts for an attribute value: its bytes for a string, its JSON otherwise. */
function valueBytes(value: unknown): number {
  return typeof value === "string" ? utf8Bytes(value) : utf8Bytes(JSON.stringify(value) ?? "");
}

/**
 * Check one operation against the documented limits, so it is stopped with a reason instead of
 * earning a 400. Returns the first violation, or null.
 *
 * @example
 * checkLimits({ type: "person", action: "event", identifiers: { id: "1" }, name: "x".repeat(101) })
 * // { field: "name", reason: "event name is 101 bytes; Customer.io allows 100" }
 */
export function checkLimits(op: CustomerioOp): LimitViolation | null {
  const identifier = Object.entries(op.identifiers)[0];
  if (identifier && utf8Bytes(String(identifier[1])) > CUSTOMERIO_LIMITS.identifierBytes) {
    return {
      field: `identifiers.${identifier[0]}`,
      reason: `identifier is over ${CUSTOMERIO_LIMITS.identifierBytes} bytes`,
    };
  }
  if (op.action === "event") {
    const nameBytes = utf8Bytes(op.name);
    if (nameBytes > CUSTOMERIO_LIMITS.eventNameBytes) {
      return {
        field: "name",
        reason: `event name is ${nameBytes} bytes; Customer.io allows ${CUSTOMERIO_LIMITS.eventNameBytes}`,
      };
    }
    if (op.name.trim() === "") return { field: "name", reason: "event name is blank" };
    // Event data (100,000 B) needs no check of its own: the whole v2 operation, data included, must
    // fit the stricter 32,000-byte item limit, which `serializeItem` enforces on the bytes it writes.
  }
  const attributes = op.attributes ?? {};
  const names = Object.keys(attributes);
  if (op.action === "identify" && names.length > CUSTOMERIO_LIMITS.attributesPerRequest) {
    return {
      field: "attributes",
      reason: `${names.length} attributes; Customer.io allows ${CUSTOMERIO_LIMITS.attributesPerRequest} per request`,
    };
  }
  for (const name of names) {
    if (utf8Bytes(name) > CUSTOMERIO_LIMITS.attributeNameBytes) {
      return {
        field: `attributes.${name.slice(0, 40)}…`,
        reason: `attribute name is over ${CUSTOMERIO_LIMITS.attributeNameBytes} bytes`,
      };
    }
    // Event data is one JSON document bounded as a whole; per-value limits apply to person attributes.
    if (op.action === "identify" && valueBytes(attributes[name]) > CUSTOMERIO_LIMITS.attributeValueBytes) {
      return {
        field: `attributes.${name}`,
        reason: `attribute value is over ${CUSTOMERIO_LIMITS.attributeValueBytes} bytes`,
      };
    }
  }
  return null;
}
