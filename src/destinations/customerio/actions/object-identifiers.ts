import type { Attributes, ObjectIdentifiers, ObjectRelationship } from "../ops.js";
import type { ActionField } from "./action-definition.js";
import { cleanAttributes } from "./attribute-values.js";
import { type FieldReader, isPlainObject, normalizeKind, StopSignal } from "./field-reader.js";

/**
 * Object identifier fields (`object_type_id`, `object_id`) and relationship lists. An object type id is
 * a string-formatted integer from "1" (a number is accepted and sent as text).
 */

const OBJECT_TYPE_ID_SHAPE = /^[1-9][0-9]*$/;

/**
 * `object_type_id` and `object_id` fields with their default mappings.
 *
 * @example
 * objectIdentifierFields({ coalesce: ["$.traits.object_type_id", "1"] }, "$.groupId");
 */
export function objectIdentifierFields(typeDefault: unknown, idDefault: unknown): ActionField[] {
  return [
    {
      name: "object_type_id",
      kind: "text",
      required: true,
      description: 'Object type (a whole number from "1" as text, e.g. "1" for Companies).',
      default: typeDefault,
    },
    {
      name: "object_id",
      kind: "text",
      required: true,
      description: "Your id of the object (at most 150 bytes).",
      default: idDefault,
    },
  ];
}

/**
 * The object type id from traits or properties, else "1" (the first object type of a workspace).
 *
 * @example
 * objectTypeIdMapping("$.traits"); // { coalesce: ["$.traits.object_type_id", "$.traits.objectTypeId", "1"] }
 */
export function objectTypeIdMapping(root: "$.traits" | "$.properties"): unknown {
  return { coalesce: [`${root}.object_type_id`, `${root}.objectTypeId`, "1"] };
}

/**
 * Reads `object_type_id` and `object_id`.
 *
 * @example
 * readObjectIdentifiers(read); // { object_type_id: "1", object_id: "acme" }
 */
export function readObjectIdentifiers(read: FieldReader): ObjectIdentifiers {
  return {
    object_type_id: checkedTypeId(read.requiredText("object_type_id").trim(), "object_type_id"),
    object_id: read.requiredText("object_id").trim(),
  };
}

function checkedTypeId(value: string, field: string): string {
  if (!OBJECT_TYPE_ID_SHAPE.test(value)) {
    throw new StopSignal(`${field} must be a whole number from 1, as text`, field);
  }
  return value;
}

const RELATIONSHIP_ITEM_KEYS: ReadonlySet<string> = new Set([
  "object_type_id",
  "object_id",
  "relationship_attributes",
]);

/**
 * Reads a list of `{object_type_id, object_id, relationship_attributes?}` items (the flat form users
 * map) into wire relationships `{identifiers: {object_type_id, object_id}, relationship_attributes?}`.
 *
 * @example
 * readObjectRelationships([{ object_type_id: "1", object_id: "acme" }], "cio_relationships", true);
 * // [{ identifiers: { object_type_id: "1", object_id: "acme" } }]
 */
export function readObjectRelationships(
  items: readonly unknown[],
  field: string,
  datesToUnix: boolean,
): ObjectRelationship[] {
  return items.map((item, index) => {
    const at = `${field}[${index}]`;
    if (!isPlainObject(item)) {
      throw new StopSignal(
        `${at} must be an object {object_type_id, object_id, relationship_attributes}`,
        at,
      );
    }
    for (const key of Object.keys(item)) {
      if (!RELATIONSHIP_ITEM_KEYS.has(key))
        throw new StopSignal(`unknown field ${at}.${key}`, `${at}.${key}`);
    }
    const typeId = normalizeKind("text", item["object_type_id"], `${at}.object_type_id`);
    const objectId = normalizeKind("text", item["object_id"], `${at}.object_id`);
    if (typeof typeId !== "string")
      throw new StopSignal(`${at}.object_type_id is required`, `${at}.object_type_id`);
    if (typeof objectId !== "string") throw new StopSignal(`${at}.object_id is required`, `${at}.object_id`);
    const attributesRaw = normalizeKind(
      "object",
      item["relationship_attributes"],
      `${at}.relationship_attributes`,
    );
    const relationship: ObjectRelationship = {
      identifiers: {
        object_type_id: checkedTypeId(typeId.trim(), `${at}.object_type_id`),
        object_id: objectId.trim(),
      },
    };
    const attributes = cleanAttributes(attributesRaw as Attributes | undefined, datesToUnix);
    if (attributes) relationship.relationship_attributes = attributes;
    return relationship;
  });
}
