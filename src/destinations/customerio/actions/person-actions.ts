import type { PersonIdentifyOp, PersonLifecycleOp } from "../ops.js";
import type { ActionDefinition } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import { assertReservedAttributes, cleanAttributes, DATES_TO_UNIX_OPTION } from "./attribute-values.js";
import { EVENT_TIME_MAPPING, trackEventTrigger, typeTrigger } from "./mapping-defaults.js";
import { readObjectRelationships } from "./object-identifiers.js";
import {
  EMAIL_SHAPED_ID_OPTION,
  PERSON_IDENTIFIER_FIELDS,
  PERSON_ONE_OF,
  requirePersonIdentifiers,
  trimmedText,
} from "./person-identifiers.js";

/** Person profile actions: `identify`, and `delete_person` / `suppress` / `unsuppress`. */

export const IDENTIFY_ACTION: ActionDefinition = defineAction({
  type: "identify",
  title: "Identify person",
  description:
    "Create or update a person (Segment identify) with attributes; optionally relate them to objects.",
  endpoint: "track-v2-batch",
  fields: [
    ...PERSON_IDENTIFIER_FIELDS,
    {
      name: "anonymous_id",
      kind: "text",
      description: "Sent as the anonymous_id attribute: links the visitor's earlier anonymous events.",
      default: "$.anonymousId",
    },
    {
      name: "attributes",
      kind: "object",
      description: "Person attributes to set; null or an empty string removes one.",
      default: "$.traits",
    },
    {
      name: "created_at",
      kind: "timestamp",
      description: "Sent as the created_at attribute (Unix seconds): when the person signed up.",
    },
    {
      name: "update_only",
      kind: "boolean",
      description: "Sent as _update: true updates an existing person and never creates one.",
    },
    {
      name: "timestamp",
      kind: "timestamp",
      description: "When the attributes changed; orders updates sent close together.",
      default: EVENT_TIME_MAPPING,
    },
    {
      name: "cio_relationships",
      kind: "array",
      description:
        "Objects to relate the person to: [{object_type_id, object_id, relationship_attributes?}].",
    },
  ],
  oneOf: PERSON_ONE_OF,
  presetTrigger: typeTrigger("identify"),
  options: [EMAIL_SHAPED_ID_OPTION, DATES_TO_UNIX_OPTION],
  example: {
    fields: {
      id: "u-42",
      anonymous_id: "anon-7f3a",
      attributes: { email: "jane@example.com", first_name: "Jane", trial_ends: "2026-12-01" },
      timestamp: "2026-11-28T10:00:00Z",
      cio_relationships: [
        { object_type_id: "1", object_id: "acme", relationship_attributes: { role: "admin" } },
      ],
    },
  },
  build(read, options) {
    const identifiers = requirePersonIdentifiers(read, "", options);
    const attributes = { ...cleanAttributes(read.object("attributes"), options.dates_to_unix) };
    const createdAt = read.number("created_at");
    if (createdAt !== undefined) attributes["created_at"] = createdAt;
    const updateOnly = read.boolean("update_only");
    if (updateOnly !== undefined) attributes["_update"] = updateOnly;
    const anonymousId = trimmedText(read, "anonymous_id");
    if (anonymousId !== undefined) attributes["anonymous_id"] = anonymousId;
    // Reserved attributes Customer.io reads as identifiers or settings; a wrong type is a 400.
    assertReservedAttributes(
      attributes,
      {
        id: "non_empty_text",
        email: "loose_email",
        anonymous_id: "text",
        cio_subscription_preferences: "object",
        _update: "boolean",
      },
      "attributes",
    );
    const relationships = readObjectRelationships(
      read.array("cio_relationships") ?? [],
      "cio_relationships",
      options.dates_to_unix,
    );
    const timestamp = read.number("timestamp");
    const op: PersonIdentifyOp = {
      type: "person",
      action: "identify",
      identifiers,
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      ...(timestamp === undefined ? {} : { timestamp }),
      ...(relationships.length > 0 ? { cio_relationships: relationships } : {}),
    };
    return { kind: "op", op };
  },
});

function lifecycleAction(
  action: PersonLifecycleOp["action"],
  data: { type: string; title: string; description: string; eventName: string },
): ActionDefinition {
  return defineAction({
    type: data.type,
    title: data.title,
    description: data.description,
    endpoint: "track-v2-batch",
    fields: PERSON_IDENTIFIER_FIELDS,
    oneOf: PERSON_ONE_OF,
    presetTrigger: trackEventTrigger([data.eventName]),
    options: [EMAIL_SHAPED_ID_OPTION],
    example: { fields: { id: "u-42" } },
    build(read, options) {
      const op: PersonLifecycleOp = {
        type: "person",
        action,
        identifiers: requirePersonIdentifiers(read, "", options),
      };
      return { kind: "op", op };
    },
  });
}

export const DELETE_PERSON_ACTION: ActionDefinition = lifecycleAction("delete", {
  type: "delete_person",
  title: "Delete person",
  description: "Delete a person and their data; a later identify may create them again.",
  eventName: "User Deleted",
});

export const SUPPRESS_ACTION: ActionDefinition = lifecycleAction("suppress", {
  type: "suppress",
  title: "Suppress person",
  description:
    "Delete a person and suppress their identifiers: later calls naming them are ignored (GDPR erasure).",
  eventName: "User Suppressed",
});

export const UNSUPPRESS_ACTION: ActionDefinition = lifecycleAction("unsuppress", {
  type: "unsuppress",
  title: "Unsuppress person",
  description: "Lift a suppression so the identifiers can be used again (the deleted data does not return).",
  eventName: "User Unsuppressed",
});
