import type { CustomerioBatchOp } from "../ops.js";
import { NO_IDENTIFIER_REASON } from "../preset-actions.js";
import type { ActionOptions, BuildResult } from "./action-definition.js";

/**
 * The data-driven table for the action catalogue: resolved fields (and options) → the exact request
 * built, or the exact stop. Every `op`/`request` row is also checked against the OpenAPI spec and sent
 * to the strict simulator by the tests.
 */
export interface ActionFixture {
  action: string;
  name: string;
  fields: Record<string, unknown>;
  options?: ActionOptions;
  expected: BuildResult;
}

/** 2026-11-28T10:00:00Z */
const T = 1_795_860_000;
const ISO = "2026-11-28T10:00:00Z";

const stop = (reason: string, field?: string, stage: "mapping" | "limits" = "mapping"): BuildResult => ({
  kind: "stop",
  stage,
  reason,
  ...(field === undefined ? {} : { field }),
});
const op = (value: Record<string, unknown>): BuildResult => ({
  kind: "op",
  op: value as unknown as CustomerioBatchOp,
});
const person = (action: string, identifiers: Record<string, string>, rest: Record<string, unknown> = {}) =>
  op({ type: "person", action, identifiers, ...rest });
const object = (action: string, identifiers: Record<string, string>, rest: Record<string, unknown> = {}) =>
  op({ type: "object", action, identifiers, ...rest });
const acme = { object_type_id: "1", object_id: "acme" };

const IDENTIFY: ActionFixture[] = [
  {
    action: "identify",
    name: "cio_id wins over id and email; its cio_ prefix is removed",
    fields: { cio_id: "cio_a1b2", id: "u-1", email: "a@b.co", attributes: { plan: "pro" } },
    expected: person("identify", { cio_id: "a1b2" }, { attributes: { plan: "pro" } }),
  },
  {
    action: "identify",
    name: "id wins over email; trimmed; dates become Unix seconds; NaN dropped; anonymous_id attribute",
    fields: {
      id: " u-1 ",
      email: "a@b.co",
      anonymous_id: "anon-1",
      attributes: { first_name: "Ann", trial_ends: "2026-12-01", score: Number.NaN, gone: null },
      timestamp: ISO,
    },
    expected: person(
      "identify",
      { id: "u-1" },
      {
        attributes: { first_name: "Ann", trial_ends: 1_796_083_200, gone: null, anonymous_id: "anon-1" },
        timestamp: T,
      },
    ),
  },
  {
    action: "identify",
    name: "email only, created_at, update_only and relationships",
    fields: {
      email: "jane@example.com",
      created_at: 1_700_000_000,
      update_only: false,
      cio_relationships: [
        { object_type_id: 1, object_id: "acme", relationship_attributes: { role: "admin" } },
      ],
    },
    expected: person(
      "identify",
      { email: "jane@example.com" },
      {
        attributes: { created_at: 1_700_000_000, _update: false },
        cio_relationships: [{ identifiers: acme, relationship_attributes: { role: "admin" } }],
      },
    ),
  },
  {
    action: "identify",
    name: "an email-shaped id is sent as id by default",
    fields: { id: "jane@example.com" },
    expected: person("identify", { id: "jane@example.com" }),
  },
  {
    action: "identify",
    name: "email_shaped_id as_email sends it as email (still ahead of the email field)",
    fields: { id: "jane@example.com", email: "other@example.com" },
    options: { email_shaped_id: "as_email" },
    expected: person("identify", { email: "jane@example.com" }),
  },
  {
    action: "identify",
    name: "email_shaped_id stop",
    fields: { id: "jane@example.com" },
    options: { email_shaped_id: "stop" },
    expected: stop("id looks like an email address (option email_shaped_id is stop)", "id"),
  },
  {
    action: "identify",
    name: "dates_to_unix false keeps ISO strings",
    fields: { id: "u-1", attributes: { trial_ends: "2026-12-01" } },
    options: { dates_to_unix: false },
    expected: person("identify", { id: "u-1" }, { attributes: { trial_ends: "2026-12-01" } }),
  },
  {
    action: "identify",
    name: "no identifier",
    fields: { attributes: { plan: "pro" }, id: "   " },
    expected: stop(NO_IDENTIFIER_REASON),
  },
  {
    action: "identify",
    name: "a cio_id that is only the prefix",
    fields: { cio_id: "cio_", id: "u-1" },
    expected: stop("cio_id is only the cio_ prefix", "cio_id"),
  },
  {
    action: "identify",
    name: "a malformed email identifier",
    fields: { email: "not-an-email" },
    expected: stop("email is not an email address", "email"),
  },
  {
    action: "identify",
    name: "a fractional timestamp",
    fields: { id: "u-1", timestamp: 1.5 },
    expected: stop("timestamp must be integer Unix seconds or an ISO-8601 date", "timestamp"),
  },
  {
    action: "identify",
    name: "a millisecond timestamp",
    fields: { id: "u-1", timestamp: T * 1000 },
    expected: stop("timestamp looks like milliseconds; Customer.io takes Unix seconds", "timestamp"),
  },
  {
    action: "identify",
    name: "an attribute value over 1000 bytes",
    fields: { id: "u-1", attributes: { bio: "x".repeat(1001) } },
    expected: stop("attribute value is over 1000 bytes", "attributes.bio", "limits"),
  },
  {
    action: "identify",
    name: "a malformed email attribute",
    fields: { id: "u-1", attributes: { email: "nope" } },
    expected: stop("attributes.email must be an email address", "attributes.email"),
  },
  {
    action: "identify",
    name: "an unknown field",
    fields: { id: "u-1", traits: {} },
    expected: stop("unknown field traits", "traits"),
  },
];

const EVENTS: ActionFixture[] = [
  {
    action: "event",
    name: "a full event",
    fields: {
      id: "u-42",
      name: "Order Completed",
      event_id: "msg-1",
      timestamp: ISO,
      attributes: { total: 42.5, recipient: "jane@example.com" },
    },
    expected: person(
      "event",
      { id: "u-42" },
      {
        name: "Order Completed",
        id: "msg-1",
        timestamp: T,
        attributes: { total: 42.5, recipient: "jane@example.com" },
      },
    ),
  },
  {
    action: "event",
    name: "cio_id precedence; no attributes key when empty",
    fields: { cio_id: "a3000001", email: "a@b.co", name: "Signed Up", event_id: "msg-2", attributes: {} },
    expected: person("event", { cio_id: "a3000001" }, { name: "Signed Up", id: "msg-2" }),
  },
  {
    action: "event",
    name: "a missing name",
    fields: { id: "u-42", event_id: "msg-3" },
    expected: stop("name is required", "name"),
  },
  {
    action: "event",
    name: "a name over 100 bytes",
    fields: { id: "u-42", name: "é".repeat(51), event_id: "msg-4" },
    expected: stop("event name is 102 bytes; Customer.io allows 100", "name", "limits"),
  },
  {
    action: "event",
    name: "no identifier",
    fields: { name: "Signed Up" },
    expected: stop(NO_IDENTIFIER_REASON),
  },
  {
    action: "event",
    name: "a reserved recipient that is not an email address",
    fields: { id: "u-42", name: "Signed Up", attributes: { recipient: "someone" } },
    expected: stop("attributes.recipient must be an email address", "attributes.recipient"),
  },
  {
    action: "event",
    name: "attributes that are not an object",
    fields: { id: "u-42", name: "Signed Up", attributes: "plan" },
    expected: stop("attributes must be an object", "attributes"),
  },
  {
    action: "page",
    name: "a page view named by URL",
    fields: {
      id: "u-42",
      name: "https://example.com/pricing",
      event_id: "msg-5",
      attributes: { path: "/pricing", keywords: ["a", "b"] },
    },
    expected: person(
      "page",
      { id: "u-42" },
      {
        name: "https://example.com/pricing",
        id: "msg-5",
        attributes: { path: "/pricing", keywords: ["a", "b"] },
      },
    ),
  },
  {
    action: "page",
    name: "by email",
    fields: { email: "a@b.co", name: "/home", event_id: "msg-6", timestamp: T },
    expected: person("page", { email: "a@b.co" }, { name: "/home", id: "msg-6", timestamp: T }),
  },
  {
    action: "page",
    name: "a URL over 100 bytes",
    fields: { id: "u-42", name: `https://example.com/${"p".repeat(100)}`, event_id: "msg-7" },
    expected: stop("event name is 120 bytes; Customer.io allows 100", "name", "limits"),
  },
  {
    action: "page",
    name: "a page title that is not text",
    fields: { id: "u-42", name: "/home", attributes: { title: 7 } },
    expected: stop("attributes.title must be text", "attributes.title"),
  },
  {
    action: "screen",
    name: "a screen view",
    fields: { id: "u-42", name: "Dashboard", event_id: "msg-8", timestamp: T, attributes: { tab: 2 } },
    expected: person(
      "screen",
      { id: "u-42" },
      { name: "Dashboard", id: "msg-8", timestamp: T, attributes: { tab: 2 } },
    ),
  },
  {
    action: "screen",
    name: "a numeric name is sent as text",
    fields: { id: "u-42", name: 404, event_id: "msg-9" },
    expected: person("screen", { id: "u-42" }, { name: "404", id: "msg-9" }),
  },
  {
    action: "screen",
    name: "a boolean name",
    fields: { id: "u-42", name: true },
    expected: stop("name must be text", "name"),
  },
  {
    action: "anonymous_event",
    name: "an anonymous event (v1)",
    fields: {
      anonymous_id: "anon-1",
      name: "Viewed Pricing",
      event_id: "msg-10",
      timestamp: ISO,
      attributes: { plan: "pro" },
    },
    expected: {
      kind: "request",
      request: {
        method: "POST",
        path: "/api/v1/events",
        body: {
          anonymous_id: "anon-1",
          name: "Viewed Pricing",
          id: "msg-10",
          timestamp: T,
          data: { plan: "pro" },
        },
      },
    },
  },
  {
    action: "anonymous_event",
    name: "a missing anonymous_id",
    fields: { name: "Viewed Pricing" },
    expected: stop("anonymous_id is required", "anonymous_id"),
  },
  {
    action: "anonymous_event",
    name: "person identifiers are not fields of an anonymous event",
    fields: { anonymous_id: "anon-1", name: "Viewed Pricing", id: "u-1" },
    expected: stop("unknown field id", "id"),
  },
  {
    action: "anonymous_event",
    name: "event data over 100,000 bytes",
    fields: { anonymous_id: "anon-1", name: "Viewed Pricing", attributes: { blob: "x".repeat(100_001) } },
    expected: stop("event data is 100012 bytes; Customer.io allows 100000", "data", "limits"),
  },
];

const DEVICES: ActionFixture[] = [
  {
    action: "add_device",
    name: "iOS with every device attribute",
    fields: {
      id: "u-42",
      token: "tok-1",
      platform: "iOS",
      last_used: ISO,
      app_version: "2.1.0",
      device_model: "iPhone15,2",
      device_os: "17.2",
      device_locale: "en-US",
      push_enabled: true,
      attributes: { theme: "dark", beta: false, build: 42 },
    },
    expected: person(
      "add_device",
      { id: "u-42" },
      {
        device: {
          token: "tok-1",
          platform: "ios",
          last_used: T,
          attributes: {
            theme: "dark",
            beta: "false",
            build: "42",
            app_version: "2.1.0",
            device_model: "iPhone15,2",
            device_os: "17.2",
            device_locale: "en-US",
            push_enabled: "true",
          },
        },
      },
    ),
  },
  {
    action: "add_device",
    name: "iPadOS is ios",
    fields: { email: "a@b.co", token: "tok-2", platform: "iPadOS" },
    expected: person("add_device", { email: "a@b.co" }, { device: { token: "tok-2", platform: "ios" } }),
  },
  {
    action: "add_device",
    name: "Android is android",
    fields: { id: "u-42", token: "tok-3", platform: " Android ", last_used: T },
    expected: person(
      "add_device",
      { id: "u-42" },
      { device: { token: "tok-3", platform: "android", last_used: T } },
    ),
  },
  {
    action: "add_device",
    name: "another platform stops",
    fields: { id: "u-42", token: "tok-4", platform: "Windows" },
    expected: stop("platform is not ios or android", "platform"),
  },
  {
    action: "add_device",
    name: "a missing token",
    fields: { id: "u-42", platform: "ios" },
    expected: stop("token is required", "token"),
  },
  {
    action: "add_device",
    name: "a nested custom device attribute",
    fields: { id: "u-42", token: "tok-5", platform: "ios", attributes: { meta: { a: 1 } } },
    expected: stop("attributes values must be text, numbers or booleans", "attributes.meta"),
  },
  {
    action: "delete_device",
    name: "by id",
    fields: { id: "u-42", token: "tok-1" },
    expected: person("delete_device", { id: "u-42" }, { device: { token: "tok-1" } }),
  },
  {
    action: "delete_device",
    name: "by email, token trimmed",
    fields: { email: "a@b.co", token: " tok-2 " },
    expected: person("delete_device", { email: "a@b.co" }, { device: { token: "tok-2" } }),
  },
  {
    action: "delete_device",
    name: "a missing token",
    fields: { id: "u-42" },
    expected: stop("token is required", "token"),
  },
  {
    action: "delete_device",
    name: "no identifier",
    fields: { token: "tok-1" },
    expected: stop(NO_IDENTIFIER_REASON),
  },
];

const LIFECYCLE: ActionFixture[] = [
  {
    action: "delete_person",
    name: "by id",
    fields: { id: "u-42" },
    expected: person("delete", { id: "u-42" }),
  },
  {
    action: "delete_person",
    name: "by prefixed cio_id",
    fields: { cio_id: "cio_abc123", email: "a@b.co" },
    expected: person("delete", { cio_id: "abc123" }),
  },
  { action: "delete_person", name: "no identifier", fields: {}, expected: stop(NO_IDENTIFIER_REASON) },
  {
    action: "delete_person",
    name: "an id over 150 bytes",
    fields: { id: "x".repeat(151) },
    expected: stop("identifier is over 150 bytes", "identifiers.id", "limits"),
  },
  {
    action: "suppress",
    name: "by email",
    fields: { email: "a@b.co" },
    expected: person("suppress", { email: "a@b.co" }),
  },
  {
    action: "suppress",
    name: "id wins over email",
    fields: { id: "u-42", email: "a@b.co" },
    expected: person("suppress", { id: "u-42" }),
  },
  {
    action: "suppress",
    name: "a cio_id with other characters",
    fields: { cio_id: "a-b" },
    expected: stop("cio_id must contain only letters and digits", "cio_id"),
  },
  {
    action: "unsuppress",
    name: "by id",
    fields: { id: "u-42" },
    expected: person("unsuppress", { id: "u-42" }),
  },
  {
    action: "unsuppress",
    name: "by email",
    fields: { email: "A@B.co" },
    expected: person("unsuppress", { email: "A@B.co" }),
  },
  {
    action: "unsuppress",
    name: "no identifier",
    fields: { email: "" },
    expected: stop(NO_IDENTIFIER_REASON),
  },
];

const MERGE: ActionFixture[] = [
  {
    action: "merge_people",
    name: "ids on both sides",
    fields: { primary_id: "u-42", secondary_id: "old-7" },
    expected: op({ type: "person", action: "merge", primary: { id: "u-42" }, secondary: { id: "old-7" } }),
  },
  {
    action: "merge_people",
    name: "precedence per side",
    fields: { primary_cio_id: "cio_a1", primary_id: "u-42", secondary_email: "old@example.com" },
    expected: op({
      type: "person",
      action: "merge",
      primary: { cio_id: "a1" },
      secondary: { email: "old@example.com" },
    }),
  },
  {
    action: "merge_people",
    name: "an email-shaped secondary id as email",
    fields: { primary_id: "u-42", secondary_id: "old@example.com" },
    options: { email_shaped_id: "as_email" },
    expected: op({
      type: "person",
      action: "merge",
      primary: { id: "u-42" },
      secondary: { email: "old@example.com" },
    }),
  },
  {
    action: "merge_people",
    name: "no secondary",
    fields: { primary_id: "u-42" },
    expected: stop("no secondary id, email or cio_id"),
  },
  {
    action: "merge_people",
    name: "the same person on both sides",
    fields: { primary_email: "A@example.com", secondary_email: "a@example.com" },
    expected: stop("primary and secondary are the same person"),
  },
  {
    action: "merge_people",
    name: "a secondary id over 150 bytes",
    fields: { primary_id: "u-42", secondary_id: "y".repeat(151) },
    expected: stop("identifier is over 150 bytes", "secondary.id", "limits"),
  },
];

const OBJECTS: ActionFixture[] = [
  {
    action: "object_identify",
    name: "an object related to the identified person",
    fields: {
      object_type_id: "1",
      object_id: "acme",
      attributes: { name: "Acme", founded: "2001-01-01" },
      id: "u-42",
      relationship_attributes: { role: "admin" },
    },
    expected: object("identify", acme, {
      attributes: { name: "Acme", founded: 978_307_200 },
      cio_relationships: [{ identifiers: { id: "u-42" }, relationship_attributes: { role: "admin" } }],
    }),
  },
  {
    action: "object_identify",
    name: "no person: no relationship; a numeric type id is sent as text",
    fields: { object_type_id: 2, object_id: "acme" },
    expected: object("identify", { object_type_id: "2", object_id: "acme" }),
  },
  {
    action: "object_identify",
    name: "object type 0",
    fields: { object_type_id: "0", object_id: "acme" },
    expected: stop("object_type_id must be a whole number from 1, as text", "object_type_id"),
  },
  {
    action: "object_identify",
    name: "an object id over 150 bytes",
    fields: { object_type_id: "1", object_id: "o".repeat(151) },
    expected: stop("object id is over 150 bytes", "identifiers.object_id", "limits"),
  },
  {
    action: "object_identify_anonymous",
    name: "an object related to an anonymous visitor",
    fields: {
      object_type_id: "1",
      object_id: "acme",
      anonymous_id: "anon-1",
      attributes: { name: "Acme" },
      relationship_attributes: { role: "viewer" },
    },
    expected: object("identify_anonymous", acme, {
      attributes: { name: "Acme" },
      cio_relationships: [
        { identifiers: { anonymous_id: "anon-1" }, relationship_attributes: { role: "viewer" } },
      ],
    }),
  },
  {
    action: "object_identify_anonymous",
    name: "a missing anonymous_id",
    fields: { object_type_id: "1", object_id: "acme" },
    expected: stop("anonymous_id is required", "anonymous_id"),
  },
  {
    action: "object_identify_anonymous",
    name: "person identifiers are not fields",
    fields: { object_type_id: "1", object_id: "acme", anonymous_id: "anon-1", id: "u-42" },
    expected: stop("unknown field id", "id"),
  },
  {
    action: "object_delete",
    name: "by type and id",
    fields: { object_type_id: "1", object_id: "acme" },
    expected: object("delete", acme),
  },
  {
    action: "object_delete",
    name: "ids trimmed",
    fields: { object_type_id: " 3 ", object_id: " acme " },
    expected: object("delete", { object_type_id: "3", object_id: "acme" }),
  },
  {
    action: "object_delete",
    name: "a missing type id",
    fields: { object_id: "acme" },
    expected: stop("object_type_id is required", "object_type_id"),
  },
  {
    action: "object_delete",
    name: "a fractional type id",
    fields: { object_type_id: "1.5", object_id: "acme" },
    expected: stop("object_type_id must be a whole number from 1, as text", "object_type_id"),
  },
];

const RELATIONSHIPS: ActionFixture[] = [
  {
    action: "add_relationships",
    name: "with relationship attributes",
    fields: {
      id: "u-42",
      object_type_id: "1",
      object_id: "acme",
      relationship_attributes: { role: "admin", since: "2026-01-01" },
    },
    expected: person(
      "add_relationships",
      { id: "u-42" },
      {
        cio_relationships: [
          { identifiers: acme, relationship_attributes: { role: "admin", since: 1_767_225_600 } },
        ],
      },
    ),
  },
  {
    action: "add_relationships",
    name: "by email, without attributes",
    fields: { email: "a@b.co", object_type_id: "1", object_id: "acme" },
    expected: person(
      "add_relationships",
      { email: "a@b.co" },
      { cio_relationships: [{ identifiers: acme }] },
    ),
  },
  {
    action: "add_relationships",
    name: "no identifier",
    fields: { object_type_id: "1", object_id: "acme" },
    expected: stop(NO_IDENTIFIER_REASON),
  },
  {
    action: "add_relationships",
    name: "a relationship attribute over 1000 bytes",
    fields: {
      id: "u-42",
      object_type_id: "1",
      object_id: "acme",
      relationship_attributes: { note: "n".repeat(1001) },
    },
    expected: stop(
      "attribute value is over 1000 bytes",
      "cio_relationships[0].relationship_attributes.note",
      "limits",
    ),
  },
  {
    action: "delete_relationships",
    name: "by id",
    fields: { id: "u-42", object_type_id: "1", object_id: "acme" },
    expected: person("delete_relationships", { id: "u-42" }, { cio_relationships: [{ identifiers: acme }] }),
  },
  {
    action: "delete_relationships",
    name: "by cio_id",
    fields: { cio_id: "abc", object_type_id: "1", object_id: "acme" },
    expected: person(
      "delete_relationships",
      { cio_id: "abc" },
      { cio_relationships: [{ identifiers: acme }] },
    ),
  },
  {
    action: "delete_relationships",
    name: "relationship attributes are not a field",
    fields: { id: "u-42", object_type_id: "1", object_id: "acme", relationship_attributes: {} },
    expected: stop("unknown field relationship_attributes", "relationship_attributes"),
  },
];

const METRICS: ActionFixture[] = [
  {
    action: "delivery_metric",
    name: "opened with a timestamp",
    fields: { delivery_id: "dlv-1", metric: "opened", timestamp: ISO },
    expected: {
      kind: "request",
      request: {
        method: "POST",
        path: "/api/v1/metrics",
        body: { delivery_id: "dlv-1", metric: "opened", timestamp: T },
      },
    },
  },
  {
    action: "delivery_metric",
    name: "clicked with recipient and href",
    fields: {
      delivery_id: "dlv-2",
      metric: "clicked",
      recipient: "jane@example.com",
      href: "https://example.com/a",
    },
    expected: {
      kind: "request",
      request: {
        method: "POST",
        path: "/api/v1/metrics",
        body: {
          delivery_id: "dlv-2",
          metric: "clicked",
          recipient: "jane@example.com",
          href: "https://example.com/a",
        },
      },
    },
  },
  {
    action: "delivery_metric",
    name: "bounced with a reason",
    fields: { delivery_id: "dlv-3", metric: "bounced", reason: "mailbox full" },
    expected: {
      kind: "request",
      request: {
        method: "POST",
        path: "/api/v1/metrics",
        body: { delivery_id: "dlv-3", metric: "bounced", reason: "mailbox full" },
      },
    },
  },
  {
    action: "delivery_metric",
    name: "an unknown metric",
    fields: { delivery_id: "dlv-1", metric: "read" },
    expected: stop(
      "metric must be one of bounced, clicked, converted, deferred, delivered, dropped, opened, spammed",
      "metric",
    ),
  },
  {
    action: "delivery_metric",
    name: "a missing delivery id",
    fields: { metric: "opened" },
    expected: stop("delivery_id is required", "delivery_id"),
  },
];

export const ACTION_FIXTURES: readonly ActionFixture[] = [
  ...IDENTIFY,
  ...EVENTS,
  ...DEVICES,
  ...LIFECYCLE,
  ...MERGE,
  ...OBJECTS,
  ...RELATIONSHIPS,
  ...METRICS,
];
