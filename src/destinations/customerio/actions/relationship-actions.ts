import type { PersonRelationshipsOp } from "../ops.js";
import type { ActionDefinition, ActionField } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import { cleanAttributes, DATES_TO_UNIX_OPTION } from "./attribute-values.js";
import type { FieldReader } from "./field-reader.js";
import { trackEventTrigger } from "./mapping-defaults.js";
import { objectIdentifierFields, objectTypeIdMapping, readObjectIdentifiers } from "./object-identifiers.js";
import {
  EMAIL_SHAPED_ID_OPTION,
  PERSON_IDENTIFIER_FIELDS,
  PERSON_ONE_OF,
  requirePersonIdentifiers,
} from "./person-identifiers.js";

/**
 * Person–object relationships, sent person-side (`type: person`, `cio_relationships` of one object):
 * `add_relationships` (with relationship attributes) and `delete_relationships`.
 */

const OBJECT_FIELDS: readonly ActionField[] = objectIdentifierFields(objectTypeIdMapping("$.properties"), {
  coalesce: ["$.properties.object_id", "$.properties.objectId"],
});

function relationshipsOp(
  action: PersonRelationshipsOp["action"],
  read: FieldReader,
  options: { email_shaped_id: "as_id" | "as_email" | "stop"; dates_to_unix: boolean },
): PersonRelationshipsOp {
  const identifiers = requirePersonIdentifiers(read, "", options);
  const attributes = cleanAttributes(read.object("relationship_attributes"), options.dates_to_unix);
  return {
    type: "person",
    action,
    identifiers,
    cio_relationships: [
      {
        identifiers: readObjectIdentifiers(read),
        ...(attributes === undefined ? {} : { relationship_attributes: attributes }),
      },
    ],
  };
}

export const ADD_RELATIONSHIPS_ACTION: ActionDefinition = defineAction({
  type: "add_relationships",
  title: "Relate person to object",
  description: "Relate a person to an object, with relationship attributes (adding again updates them).",
  endpoint: "track-v2-batch",
  fields: [
    ...PERSON_IDENTIFIER_FIELDS,
    ...OBJECT_FIELDS,
    {
      name: "relationship_attributes",
      kind: "object",
      description: "Attributes of the relationship (e.g. role); null or an empty string removes one.",
      default: "$.properties.relationship_attributes",
    },
  ],
  oneOf: PERSON_ONE_OF,
  presetTrigger: trackEventTrigger(["Relationship Added"]),
  options: [EMAIL_SHAPED_ID_OPTION, DATES_TO_UNIX_OPTION],
  example: {
    fields: {
      id: "u-42",
      object_type_id: "1",
      object_id: "acme",
      relationship_attributes: { role: "admin" },
    },
  },
  build: (read, options) => ({ kind: "op", op: relationshipsOp("add_relationships", read, options) }),
});

export const DELETE_RELATIONSHIPS_ACTION: ActionDefinition = defineAction({
  type: "delete_relationships",
  title: "Unrelate person from object",
  description: "Remove the relationship between a person and an object.",
  endpoint: "track-v2-batch",
  fields: [...PERSON_IDENTIFIER_FIELDS, ...OBJECT_FIELDS],
  oneOf: PERSON_ONE_OF,
  presetTrigger: trackEventTrigger(["Relationship Deleted"]),
  options: [EMAIL_SHAPED_ID_OPTION],
  example: { fields: { id: "u-42", object_type_id: "1", object_id: "acme" } },
  build: (read, options) => ({ kind: "op", op: relationshipsOp("delete_relationships", read, options) }),
});
