import type { AnonymousEventBody, PersonEventOp, PersonPageOp, PersonScreenOp } from "../ops.js";
import type { ActionDefinition, ActionField, BuiltRequest } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import {
  assertReservedAttributes,
  cleanAttributes,
  DATES_TO_UNIX_OPTION,
  type ReservedRule,
} from "./attribute-values.js";
import type { FieldReader } from "./field-reader.js";
import { EVENT_TIME_MAPPING, HAS_USER_ID, MESSAGE_ID_MAPPING, typeTrigger } from "./mapping-defaults.js";
import {
  EMAIL_SHAPED_ID_OPTION,
  PERSON_IDENTIFIER_FIELDS,
  PERSON_ONE_OF,
  requiredTrimmedText,
  requirePersonIdentifiers,
  trimmedText,
} from "./person-identifiers.js";

/**
 * Person events (`event`, `page`, `screen`: Track v2 person items) and `anonymous_event` (v1
 * `POST /api/v1/events`, because the v2 spec has no anonymous person identifier).
 */

function eventFields(nameDefault: unknown, nameDescription: string): ActionField[] {
  return [
    { name: "name", kind: "text", required: true, description: nameDescription, default: nameDefault },
    {
      name: "event_id",
      kind: "text",
      description: "Dedupe id (sent as the event's id): Customer.io ignores an id it has already received.",
      default: MESSAGE_ID_MAPPING,
    },
    {
      name: "timestamp",
      kind: "timestamp",
      description:
        "When it happened (Unix seconds or ISO-8601); only events from the last 72 h trigger campaigns.",
      default: EVENT_TIME_MAPPING,
    },
    {
      name: "attributes",
      kind: "object",
      description: "Event data, usable in messages with Liquid ({{event.plan}}).",
      default: "$.properties",
    },
  ];
}

type EventLikeOp = PersonEventOp | PersonPageOp | PersonScreenOp;

/** Event data keys the OpenAPI schemas give a meaning and a type, per action. */
const RESERVED_EVENT_DATA: Record<EventLikeOp["action"], Record<string, ReservedRule>> = {
  event: { recipient: "email", from_address: "email", reply_to: "email" },
  page: { path: "text", referrer: "text", search: "text", title: "text", url: "text", keywords: "text_list" },
  screen: {},
};

function buildPersonEvent(
  action: EventLikeOp["action"],
  read: FieldReader,
  options: { email_shaped_id: "as_id" | "as_email" | "stop"; dates_to_unix: boolean },
): BuiltRequest {
  const identifiers = requirePersonIdentifiers(read, "", options);
  const id = trimmedText(read, "event_id");
  const timestamp = read.number("timestamp");
  const attributes = cleanAttributes(read.object("attributes"), options.dates_to_unix);
  assertReservedAttributes(attributes, RESERVED_EVENT_DATA[action], "attributes");
  const op = {
    type: "person",
    action,
    identifiers,
    name: read.requiredText("name"),
    ...(id === undefined ? {} : { id }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(attributes === undefined ? {} : { attributes }),
  } as EventLikeOp;
  return { kind: "op", op };
}

const PERSON_EVENT_OPTIONS = [EMAIL_SHAPED_ID_OPTION, DATES_TO_UNIX_OPTION];

export const EVENT_ACTION: ActionDefinition = defineAction({
  type: "event",
  title: "Track event",
  description: "A custom event of a person (Segment track): triggers campaigns and feeds Liquid.",
  endpoint: "track-v2-batch",
  fields: [...PERSON_IDENTIFIER_FIELDS, ...eventFields("$.event", "Event name (at most 100 bytes).")],
  oneOf: PERSON_ONE_OF,
  presetTrigger: typeTrigger("track"),
  options: PERSON_EVENT_OPTIONS,
  example: {
    fields: {
      id: "u-42",
      name: "Order Completed",
      event_id: "msg-1",
      attributes: { total: 42.5, currency: "EUR" },
      timestamp: "2026-11-28T10:00:00Z",
    },
  },
  build: (read, options) => buildPersonEvent("event", read, options),
});

export const PAGE_ACTION: ActionDefinition = defineAction({
  type: "page",
  title: "Track page view",
  description: "A page view of a person (Segment page); the name is the page URL by default.",
  endpoint: "track-v2-batch",
  fields: [
    ...PERSON_IDENTIFIER_FIELDS,
    ...eventFields(
      { coalesce: ["$.properties.url", "$.context.page.url"] },
      "Page viewed: its URL or path (at most 100 bytes; a longer URL stops the event).",
    ),
  ],
  oneOf: PERSON_ONE_OF,
  presetTrigger: typeTrigger("page"),
  options: PERSON_EVENT_OPTIONS,
  example: {
    fields: {
      id: "u-42",
      name: "https://example.com/pricing",
      event_id: "msg-2",
      attributes: { path: "/pricing", title: "Pricing" },
      timestamp: 1_795_860_000,
    },
  },
  build: (read, options) => buildPersonEvent("page", read, options),
});

export const SCREEN_ACTION: ActionDefinition = defineAction({
  type: "screen",
  title: "Track screen view",
  description: "A mobile screen view of a person (Segment screen); the name is the screen name.",
  endpoint: "track-v2-batch",
  fields: [...PERSON_IDENTIFIER_FIELDS, ...eventFields("$.name", "Screen viewed (at most 100 bytes).")],
  oneOf: PERSON_ONE_OF,
  presetTrigger: typeTrigger("screen"),
  options: PERSON_EVENT_OPTIONS,
  example: {
    fields: {
      email: "jane@example.com",
      name: "Dashboard",
      event_id: "msg-3",
      attributes: { app_version: "2.1.0" },
    },
  },
  build: (read, options) => buildPersonEvent("screen", read, options),
});

export const ANONYMOUS_EVENT_ACTION: ActionDefinition = defineAction({
  type: "anonymous_event",
  title: "Track anonymous event",
  description:
    "An event of a visitor known only by anonymous_id (v1 POST /api/v1/events); Customer.io attaches it " +
    "to the person whose identify later carries the same anonymous_id (within 30 days).",
  endpoint: "track-v1-events",
  fields: [
    {
      name: "anonymous_id",
      kind: "text",
      required: true,
      description:
        "The visitor's anonymous id; identify sends it as the anonymous_id attribute to link them.",
      default: "$.anonymousId",
    },
    ...eventFields("$.event", "Event name (at most 100 bytes)."),
  ],
  presetTrigger: { all: [typeTrigger("track"), { not: HAS_USER_ID }] },
  options: [DATES_TO_UNIX_OPTION],
  example: {
    fields: {
      anonymous_id: "anon-7f3a",
      name: "Viewed Pricing",
      event_id: "msg-4",
      attributes: { plan: "pro" },
    },
  },
  build(read, options) {
    const id = trimmedText(read, "event_id");
    const timestamp = read.number("timestamp");
    const data = cleanAttributes(read.object("attributes"), options.dates_to_unix);
    assertReservedAttributes(data, { from_address: "email", reply_to: "text" }, "attributes");
    const body: AnonymousEventBody = {
      anonymous_id: requiredTrimmedText(read, "anonymous_id"),
      name: read.requiredText("name"),
      ...(id === undefined ? {} : { id }),
      ...(timestamp === undefined ? {} : { timestamp }),
      ...(data === undefined ? {} : { data }),
    };
    return { kind: "anonymous_event", body };
  },
});
