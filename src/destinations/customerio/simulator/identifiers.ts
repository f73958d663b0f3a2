/**
 * Person and object identifiers, as v1 paths and v2 bodies carry them (track-api.md §2.1, §3).
 */
import { checkPersonId, fieldPath, type Issue, isPlainObject, TRACK_LIMITS, utf8Bytes } from "./limits.js";

/** How a person is addressed. `anonymous_id` only appears when the simulator allows it. */
export type PersonKeyKind = "id" | "email" | "cio_id" | "anonymous_id";

/** One person identifier; `cio_id` values never carry the `cio_` prefix. */
export interface PersonKey {
  kind: PersonKeyKind;
  value: string;
}

/** One object identifier: by type and id (create or update) or by Customer.io's own id (update only). */
export type ObjectKey = { objectTypeId: string; objectId: string } | { cioObjectId: string };

// The exact rule the server uses is UNCONFIRMED (§2.1); "something@something" is the shape every
// SDK and integration treats as an email.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
const CIO_ID_SHAPE = /^[A-Za-z0-9]+$/;
const OBJECT_TYPE_ID_SHAPE = /^[1-9][0-9]*$/;

/**
 * Decides the kind of a v1 path identifier from its (already decoded) shape: `cio_` prefix → cio_id,
 * email shape → email, anything else → id.
 *
 * @example
 * classifyPathIdentifier("cio_a1"); // { kind: "cio_id", value: "a1" }
 * classifyPathIdentifier("a+b@x.io"); // { kind: "email", value: "a+b@x.io" }
 */
export function classifyPathIdentifier(decoded: string): PersonKey {
  if (decoded.startsWith("cio_")) return { kind: "cio_id", value: decoded.slice(4) };
  if (EMAIL_SHAPE.test(decoded)) return { kind: "email", value: decoded };
  return { kind: "id", value: decoded };
}

/**
 * Percent-decodes one path segment. Unlike form decoding, `+` stays a plus (clients encode a literal
 * space as `%20`). Returns null for malformed escapes.
 *
 * @example
 * decodePathSegment("a%2Fb+c"); // "a/b+c"
 */
export function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Checks one identifier value for its kind and returns the first problem.
 *
 * @example
 * checkIdentifierValue("cio_id", "cio_abc", "identifiers.cio_id");
 * // { field: "identifiers.cio_id", message: "cio_id must not include the cio_ prefix" }
 */
export function checkIdentifierValue(kind: PersonKeyKind, value: unknown, field: string): Issue | null {
  if (kind === "id") return checkPersonId(value, field);
  if (typeof value !== "string" || value.trim() === "") {
    return { field, message: `${kind} must be a non-empty string` };
  }
  if (kind === "email" && !EMAIL_SHAPE.test(value))
    return { field, message: "email must be an email address" };
  if (kind === "cio_id") {
    if (value.startsWith("cio_")) return { field, message: "cio_id must not include the cio_ prefix" };
    if (!CIO_ID_SHAPE.test(value)) return { field, message: "cio_id must contain only letters and digits" };
  }
  return null;
}

interface PersonKeyRules {
  /** The identifier kinds accepted here, in the order they are named in messages. */
  kinds: readonly PersonKeyKind[];
}

/**
 * Parses a person identifier object (`identifiers`, merge `primary`/`secondary`, relationship
 * `identifiers`): exactly one key, one of `rules.kinds`, with a valid value.
 *
 * @example
 * parsePersonKey({ email: "a@b.io" }, "identifiers", { kinds: ["id", "email", "cio_id"] });
 * // { ok: true, key: { kind: "email", value: "a@b.io" } }
 */
export function parsePersonKey(
  raw: unknown,
  field: string,
  rules: PersonKeyRules,
): { ok: true; key: PersonKey } | { ok: false; issue: Issue } {
  const exactlyOne = `${field} must contain exactly one of ${rules.kinds.join(", ")}`;
  if (!isPlainObject(raw)) return { ok: false, issue: { field, message: exactlyOne } };
  const keys = Object.keys(raw);
  const kind = keys[0] as PersonKeyKind | undefined;
  if (keys.length !== 1 || kind === undefined || !rules.kinds.includes(kind)) {
    const message = keys.includes("phone") ? `${exactlyOne} (phone identifiers are not enabled)` : exactlyOne;
    return { ok: false, issue: { field, message } };
  }
  const value = raw[kind];
  const issue = checkIdentifierValue(kind, value, fieldPath(field, kind));
  if (issue) return { ok: false, issue };
  return { ok: true, key: { kind, value: value as string } };
}

/**
 * Parses object identifiers: exactly `{object_type_id, object_id}` or exactly `{cio_object_id}`.
 * `object_type_id` is a string-formatted integer starting at "1"; `object_id` is at most 150 bytes.
 *
 * @example
 * parseObjectKey({ object_type_id: "1", object_id: "acme" }, "identifiers");
 * // { ok: true, key: { objectTypeId: "1", objectId: "acme" } }
 */
export function parseObjectKey(
  raw: unknown,
  field: string,
): { ok: true; key: ObjectKey } | { ok: false; issue: Issue } {
  const shape = `${field} must be {object_type_id, object_id} or {cio_object_id}`;
  if (!isPlainObject(raw)) return { ok: false, issue: { field, message: shape } };
  const keys = Object.keys(raw).sort();
  if (keys.length === 1 && keys[0] === "cio_object_id") {
    const cioObjectId = raw["cio_object_id"];
    if (typeof cioObjectId !== "string" || cioObjectId === "") {
      return {
        ok: false,
        issue: {
          field: fieldPath(field, "cio_object_id"),
          message: "cio_object_id must be a non-empty string",
        },
      };
    }
    return { ok: true, key: { cioObjectId } };
  }
  if (keys.length !== 2 || keys[0] !== "object_id" || keys[1] !== "object_type_id") {
    return { ok: false, issue: { field, message: shape } };
  }
  const objectTypeId = raw["object_type_id"];
  const objectId = raw["object_id"];
  if (typeof objectTypeId !== "string" || !OBJECT_TYPE_ID_SHAPE.test(objectTypeId)) {
    return {
      ok: false,
      issue: {
        field: fieldPath(field, "object_type_id"),
        message: 'object_type_id must be a string-formatted integer starting at "1"',
      },
    };
  }
  if (typeof objectId !== "string" || objectId === "") {
    return {
      ok: false,
      issue: { field: fieldPath(field, "object_id"), message: "object_id must be a non-empty string" },
    };
  }
  if (utf8Bytes(objectId) > TRACK_LIMITS.maxObjectIdBytes) {
    return {
      ok: false,
      issue: {
        field: fieldPath(field, "object_id"),
        message: `object_id cannot be longer than ${TRACK_LIMITS.maxObjectIdBytes} bytes`,
      },
    };
  }
  return { ok: true, key: { objectTypeId, objectId } };
}

/** Renders a person key as the v1 path would carry it (for logs and activity entries). */
export function describePersonKey(key: PersonKey): string {
  return key.kind === "cio_id" ? `cio_${key.value}` : `${key.kind}:${key.value}`;
}
