import { utf8ByteLength } from "../../mapping/index.js";
import type {
  AnonymousEventBody,
  Attributes,
  CustomerioBatchOp,
  ObjectRelationship,
  PersonIdentifiers,
  PersonRelationship,
} from "./ops.js";

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
  objectIdBytes: 150,
  /** Object and relationship attributes, in total, as compact JSON ("100 KB", read as 100,000 bytes). */
  objectAttributesBytes: 100_000,
  batchItemBytes: 32_000,
  batchRequestBytes: 500_000,
} as const;

export interface LimitViolation {
  /** Where in the operation (`attributes.plan`, `name`): a field name, never its value. */
  field: string;
  reason: string;
}

/** Size Customer.io counts for an attribute value: its bytes for a string, its JSON otherwise. */
function valueBytes(value: unknown): number {
  return typeof value === "string" ? utf8ByteLength(value) : utf8ByteLength(JSON.stringify(value) ?? "");
}

/**
 * Check one operation against the documented limits, so it is stopped with a reason instead of
 * earning a 400. Returns the first violation, or null. Covers every op type: person identifiers (also
 * merge `primary`/`secondary`), event names, person/object/relationship attributes, object ids.
 * The 32,000-byte item limit is left to `serializeItem`, which measures the bytes it writes.
 *
 * @example
 * checkLimits({ type: "person", action: "event", identifiers: { id: "1" }, name: "x".repeat(101) })
 * // { field: "name", reason: "event name is 101 bytes; Customer.io allows 100" }
 */
export function checkLimits(op: CustomerioBatchOp): LimitViolation | null {
  if (op.type === "object") {
    return (
      checkObjectIdentifiers(op.identifiers, "identifiers") ??
      (op.action === "delete" ? null : checkObjectAttributes(op.attributes, "attributes")) ??
      (op.action === "identify" ? checkPersonRelationships(op.cio_relationships) : null) ??
      (op.action === "identify_anonymous"
        ? checkRelationshipAttributesOf(op.cio_relationships, "cio_relationships")
        : null)
    );
  }
  if (op.action === "merge") {
    return checkIdentifier(op.primary, "primary") ?? checkIdentifier(op.secondary, "secondary");
  }
  const identifier = checkIdentifier(op.identifiers, "identifiers");
  if (identifier) return identifier;
  switch (op.action) {
    case "event":
    case "page":
    case "screen": {
      const name = checkEventName(op.name);
      if (name) return name;
      // Event data (100,000 B) needs no check of its own: the whole v2 operation, data included, must
      // fit the stricter 32,000-byte item limit, which `serializeItem` enforces on the bytes it writes.
      return checkAttributeNames(op.attributes ?? {}, "attributes");
    }
    case "identify":
      return (
        checkPersonAttributes(op.attributes ?? {}) ??
        checkIdAttribute(op.attributes?.["id"]) ??
        checkObjectRelationships(op.cio_relationships ?? [], "cio_relationships")
      );
    case "add_relationships":
    case "delete_relationships":
      return checkObjectRelationships(op.cio_relationships, "cio_relationships");
    default:
      return null;
  }
}

/**
 * Limits of a v1 anonymous event body: the event name (100 bytes, not blank) and the event data
 * (100,000 bytes of JSON; attribute names 150 bytes).
 *
 * @example
 * checkAnonymousEventLimits({ anonymous_id: "a", name: " " }) // { field: "name", reason: "event name is blank" }
 */
export function checkAnonymousEventLimits(body: AnonymousEventBody): LimitViolation | null {
  const name = checkEventName(body.name);
  if (name) return name;
  if (body.data === undefined) return null;
  const dataBytes = utf8ByteLength(JSON.stringify(body.data));
  if (dataBytes > CUSTOMERIO_LIMITS.eventDataBytes) {
    return {
      field: "data",
      reason: `event data is ${dataBytes} bytes; Customer.io allows ${CUSTOMERIO_LIMITS.eventDataBytes}`,
    };
  }
  return checkAttributeNames(body.data, "data");
}

function checkIdentifier(identifiers: PersonIdentifiers, path: string): LimitViolation | null {
  const identifier = Object.entries(identifiers)[0];
  if (identifier && utf8ByteLength(String(identifier[1])) > CUSTOMERIO_LIMITS.identifierBytes) {
    return {
      field: `${path}.${identifier[0]}`,
      reason: `identifier is over ${CUSTOMERIO_LIMITS.identifierBytes} bytes`,
    };
  }
  return null;
}

/** An `id` attribute sets the person's id, so the identifier limit applies to it. */
function checkIdAttribute(id: unknown): LimitViolation | null {
  if (typeof id === "string" && utf8ByteLength(id) > CUSTOMERIO_LIMITS.identifierBytes) {
    return {
      field: "attributes.id",
      reason: `identifier is over ${CUSTOMERIO_LIMITS.identifierBytes} bytes`,
    };
  }
  return null;
}

function checkEventName(name: string): LimitViolation | null {
  const nameBytes = utf8ByteLength(name);
  if (nameBytes > CUSTOMERIO_LIMITS.eventNameBytes) {
    return {
      field: "name",
      reason: `event name is ${nameBytes} bytes; Customer.io allows ${CUSTOMERIO_LIMITS.eventNameBytes}`,
    };
  }
  if (name.trim() === "") return { field: "name", reason: "event name is blank" };
  return null;
}

/** An attribute's name as a field path; long names are cut (a name is a key, never a value). */
function attributeField(path: string, name: string): string {
  return utf8ByteLength(name) > CUSTOMERIO_LIMITS.attributeNameBytes
    ? `${path}.${name.slice(0, 40)}…`
    : `${path}.${name}`;
}

function checkAttributeNames(attributes: Attributes, path: string): LimitViolation | null {
  for (const name of Object.keys(attributes)) {
    if (utf8ByteLength(name) > CUSTOMERIO_LIMITS.attributeNameBytes) {
      return {
        field: attributeField(path, name),
        reason: `attribute name is over ${CUSTOMERIO_LIMITS.attributeNameBytes} bytes`,
      };
    }
  }
  return null;
}

/** Count, names and values: the rules person, object and relationship attributes share. */
function checkAttributeMap(attributes: Attributes, path: string): LimitViolation | null {
  const names = Object.keys(attributes);
  if (names.length > CUSTOMERIO_LIMITS.attributesPerRequest) {
    return {
      field: path,
      reason: `${names.length} attributes; Customer.io allows ${CUSTOMERIO_LIMITS.attributesPerRequest} per request`,
    };
  }
  for (const name of names) {
    if (utf8ByteLength(name) > CUSTOMERIO_LIMITS.attributeNameBytes) {
      return {
        field: attributeField(path, name),
        reason: `attribute name is over ${CUSTOMERIO_LIMITS.attributeNameBytes} bytes`,
      };
    }
    if (valueBytes(attributes[name]) > CUSTOMERIO_LIMITS.attributeValueBytes) {
      return {
        field: `${path}.${name}`,
        reason: `attribute value is over ${CUSTOMERIO_LIMITS.attributeValueBytes} bytes`,
      };
    }
  }
  return null;
}

function checkPersonAttributes(attributes: Attributes): LimitViolation | null {
  return checkAttributeMap(attributes, "attributes");
}

/** Object and relationship attributes: the per-attribute rules plus 100,000 bytes in total. */
function checkObjectAttributes(attributes: Attributes | undefined, path: string): LimitViolation | null {
  if (attributes === undefined) return null;
  const violation = checkAttributeMap(attributes, path);
  if (violation) return violation;
  const totalBytes = utf8ByteLength(JSON.stringify(attributes));
  if (totalBytes > CUSTOMERIO_LIMITS.objectAttributesBytes) {
    return {
      field: path,
      reason: `attributes are ${totalBytes} bytes in total; Customer.io allows ${CUSTOMERIO_LIMITS.objectAttributesBytes}`,
    };
  }
  return null;
}

function checkObjectIdentifiers(identifiers: { object_id: string }, path: string): LimitViolation | null {
  if (utf8ByteLength(identifiers.object_id) > CUSTOMERIO_LIMITS.objectIdBytes) {
    return {
      field: `${path}.object_id`,
      reason: `object id is over ${CUSTOMERIO_LIMITS.objectIdBytes} bytes`,
    };
  }
  return null;
}

function checkObjectRelationships(
  relationships: readonly ObjectRelationship[],
  path: string,
): LimitViolation | null {
  for (const [index, relationship] of relationships.entries()) {
    const violation = checkObjectIdentifiers(relationship.identifiers, `${path}[${index}].identifiers`);
    if (violation) return violation;
  }
  return checkRelationshipAttributesOf(relationships, path);
}

function checkPersonRelationships(
  relationships: readonly PersonRelationship[] | undefined,
): LimitViolation | null {
  for (const [index, relationship] of (relationships ?? []).entries()) {
    const violation = checkIdentifier(relationship.identifiers, `cio_relationships[${index}].identifiers`);
    if (violation) return violation;
  }
  return checkRelationshipAttributesOf(relationships, "cio_relationships");
}

function checkRelationshipAttributesOf(
  relationships: readonly { relationship_attributes?: Attributes }[] | undefined,
  path: string,
): LimitViolation | null {
  for (const [index, relationship] of (relationships ?? []).entries()) {
    const violation = checkObjectAttributes(
      relationship.relationship_attributes,
      `${path}[${index}].relationship_attributes`,
    );
    if (violation) return violation;
  }
  return null;
}
