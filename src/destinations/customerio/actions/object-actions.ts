import type { ObjectDeleteOp, ObjectIdentifyAnonymousOp, ObjectIdentifyOp } from "../ops.js";
import type { ActionDefinition, ActionField } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import { cleanAttributes, DATES_TO_UNIX_OPTION } from "./attribute-values.js";
import { HAS_USER_ID, trackEventTrigger, typeTrigger } from "./mapping-defaults.js";
import { objectIdentifierFields, objectTypeIdMapping, readObjectIdentifiers } from "./object-identifiers.js";
import {
  EMAIL_SHAPED_ID_OPTION,
  PERSON_IDENTIFIER_FIELDS,
  requiredTrimmedText,
  resolvePersonIdentifiers,
} from "./person-identifiers.js";

/**
 * Objects (companies, accounts, ...) from Segment group calls: `object_identify` (create or update,
 * optionally relating the identified user), `object_identify_anonymous` (relating an anonymous
 * visitor, carried over when they identify with the same anonymous_id) and `object_delete`.
 */

const GROUP_OBJECT_FIELDS = objectIdentifierFields(objectTypeIdMapping("$.traits"), "$.groupId");

const OBJECT_ATTRIBUTES_FIELD: ActionField = {
  name: "attributes",
  kind: "object",
  description: "Object attributes to set; null or an empty string removes one.",
  default: "$.traits",
};

const RELATIONSHIP_ATTRIBUTES_FIELD: ActionField = {
  name: "relationship_attributes",
  kind: "object",
  description: "Attributes of the person–object relationship (e.g. role).",
};

export const OBJECT_IDENTIFY_ACTION: ActionDefinition = defineAction({
  type: "object_identify",
  title: "Identify object",
  description:
    "Create or update an object (Segment group) and, when a person identifier is set, relate that person to it.",
  endpoint: "track-v2-batch",
  fields: [
    ...GROUP_OBJECT_FIELDS,
    OBJECT_ATTRIBUTES_FIELD,
    ...PERSON_IDENTIFIER_FIELDS,
    RELATIONSHIP_ATTRIBUTES_FIELD,
  ],
  presetTrigger: { all: [typeTrigger("group"), HAS_USER_ID] },
  options: [EMAIL_SHAPED_ID_OPTION, DATES_TO_UNIX_OPTION],
  example: {
    fields: {
      object_type_id: "1",
      object_id: "acme",
      attributes: { name: "Acme Corp", plan: "enterprise" },
      id: "u-42",
      relationship_attributes: { role: "admin" },
    },
  },
  build(read, options) {
    const identifiers = readObjectIdentifiers(read);
    const attributes = cleanAttributes(read.object("attributes"), options.dates_to_unix);
    const person = resolvePersonIdentifiers(read, "", options);
    const relationshipAttributes = cleanAttributes(
      read.object("relationship_attributes"),
      options.dates_to_unix,
    );
    const op: ObjectIdentifyOp = {
      type: "object",
      action: "identify",
      identifiers,
      ...(attributes === undefined ? {} : { attributes }),
      ...(person === null
        ? {}
        : {
            cio_relationships: [
              {
                identifiers: person,
                ...(relationshipAttributes === undefined
                  ? {}
                  : { relationship_attributes: relationshipAttributes }),
              },
            ],
          }),
    };
    return { kind: "op", op };
  },
});

export const OBJECT_IDENTIFY_ANONYMOUS_ACTION: ActionDefinition = defineAction({
  type: "object_identify_anonymous",
  title: "Identify object for an anonymous visitor",
  description:
    "Create or update an object (Segment group without userId) and relate the anonymous visitor to it; the " +
    "relationship moves to the person whose identify carries the same anonymous_id.",
  endpoint: "track-v2-batch",
  fields: [
    ...GROUP_OBJECT_FIELDS,
    OBJECT_ATTRIBUTES_FIELD,
    {
      name: "anonymous_id",
      kind: "text",
      required: true,
      description: "The visitor's anonymous id.",
      default: "$.anonymousId",
    },
    RELATIONSHIP_ATTRIBUTES_FIELD,
  ],
  presetTrigger: { all: [typeTrigger("group"), { not: HAS_USER_ID }] },
  options: [DATES_TO_UNIX_OPTION],
  example: {
    fields: {
      object_type_id: "1",
      object_id: "acme",
      attributes: { name: "Acme Corp" },
      anonymous_id: "anon-7f3a",
    },
  },
  build(read, options) {
    const identifiers = readObjectIdentifiers(read);
    const attributes = cleanAttributes(read.object("attributes"), options.dates_to_unix);
    const relationshipAttributes = cleanAttributes(
      read.object("relationship_attributes"),
      options.dates_to_unix,
    );
    const op: ObjectIdentifyAnonymousOp = {
      type: "object",
      action: "identify_anonymous",
      identifiers,
      ...(attributes === undefined ? {} : { attributes }),
      cio_relationships: [
        {
          identifiers: { anonymous_id: requiredTrimmedText(read, "anonymous_id") },
          ...(relationshipAttributes === undefined
            ? {}
            : { relationship_attributes: relationshipAttributes }),
        },
      ],
    };
    return { kind: "op", op };
  },
});

export const OBJECT_DELETE_ACTION: ActionDefinition = defineAction({
  type: "object_delete",
  title: "Delete object",
  description: "Delete an object and every relationship people have to it.",
  endpoint: "track-v2-batch",
  fields: objectIdentifierFields(objectTypeIdMapping("$.properties"), {
    coalesce: ["$.properties.object_id", "$.properties.objectId"],
  }),
  presetTrigger: trackEventTrigger(["Object Deleted"]),
  example: { fields: { object_type_id: "1", object_id: "acme" } },
  build(read) {
    const op: ObjectDeleteOp = { type: "object", action: "delete", identifiers: readObjectIdentifiers(read) };
    return { kind: "op", op };
  },
});
