import { describe, expect, it } from "vitest";
import { delivery, eventItem, identifyItem, link, object, person, VALID_V2_ITEMS } from "./test-support.js";
import { type V2ValidationOptions, validateV2Item } from "./validate-v2.js";

const options: V2ValidationOptions = {
  nowSeconds: 1_700_000_000,
  allowAnonymousIdentifiers: false,
  checkItemSize: true,
};

describe("validateV2Item accepts every documented type and action", () => {
  it.each(VALID_V2_ITEMS)("%s", (_label, item) => {
    const result = validateV2Item(item, options);
    expect(result.ok ? "ok" : result.issue).toBe("ok");
  });
});

describe("validateV2Item rejects, naming the field", () => {
  it.each([
    ["a non-object item", "x", "", "item must be a JSON object"],
    [
      "an unknown type",
      { ...eventItem(), type: "people" },
      "type",
      "type must be one of person, object, delivery",
    ],
    [
      "a missing type",
      { ...eventItem(), type: undefined },
      "type",
      "type must be one of person, object, delivery",
    ],
    [
      "an action of another type",
      object("event"),
      "action",
      "action must be one of identify, identify_anonymous, delete, add_relationships, delete_relationships for type object",
    ],
    ["an unknown top-level key", eventItem({ properties: {} }), "properties", "unknown field 'properties'"],
    [
      "a key listed only for other actions",
      person("delete", { attributes: {} }),
      "attributes",
      "unknown field 'attributes'",
    ],
    ["timestamp on delete", person("delete", { timestamp: 1 }), "timestamp", "unknown field 'timestamp'"],
    [
      "empty identifiers",
      eventItem({ identifiers: {} }),
      "identifiers",
      "identifiers must contain exactly one of id, email, cio_id",
    ],
    [
      "two identifiers",
      eventItem({ identifiers: { id: "1", email: "a@b.io" } }),
      "identifiers",
      "identifiers must contain exactly one of id, email, cio_id",
    ],
    [
      "a phone identifier",
      eventItem({ identifiers: { phone: "+15555550100" } }),
      "identifiers",
      "identifiers must contain exactly one of id, email, cio_id (phone identifiers are not enabled)",
    ],
    [
      "an anonymous_id identifier (not allowed by default)",
      eventItem({ identifiers: { anonymous_id: "a" } }),
      "identifiers",
      "identifiers must contain exactly one of id, email, cio_id",
    ],
    [
      "a numeric id",
      eventItem({ identifiers: { id: 42 } }),
      "identifiers.id",
      "id attribute must be a string value",
    ],
    [
      "an empty id",
      eventItem({ identifiers: { id: "" } }),
      "identifiers.id",
      "id attribute cannot be an empty string",
    ],
    [
      "an empty email",
      eventItem({ identifiers: { email: "" } }),
      "identifiers.email",
      "email must be a non-empty string",
    ],
    [
      "a malformed email",
      eventItem({ identifiers: { email: "jane" } }),
      "identifiers.email",
      "email must be an email address",
    ],
    [
      "a cio_id with prefix",
      eventItem({ identifiers: { cio_id: "cio_abc" } }),
      "identifiers.cio_id",
      "cio_id must not include the cio_ prefix",
    ],
    ["a missing event name", eventItem({ name: undefined }), "name", "event name must not be blank"],
    ["a blank page name", person("page", { name: "  " }), "name", "event name must not be blank"],
    ["a non-string screen name", person("screen", { name: 5 }), "name", "event name must not be blank"],
    [
      "event data that is not a hash",
      eventItem({ attributes: "" }),
      "attributes",
      'event data must be a hash (e.g., send "data":{} instead of "data":"")',
    ],
    ["an empty event id", eventItem({ id: "" }), "id", "id must be a non-empty string"],
    [
      "identify attributes not an object",
      identifyItem({ attributes: [] }),
      "attributes",
      "attributes must be an object",
    ],
    [
      "a non-boolean _update",
      identifyItem({ attributes: { _update: "yes" } }),
      "attributes._update",
      "_update must be a boolean",
    ],
    [
      "a numeric id attribute",
      identifyItem({ attributes: { id: 5 } }),
      "attributes.id",
      "id attribute must be a string value",
    ],
    [
      "add_relationships without cio_relationships",
      person("add_relationships"),
      "cio_relationships",
      "cio_relationships is required and must be an array",
    ],
    [
      "delete_relationships with an empty list",
      person("delete_relationships", { cio_relationships: [] }),
      "cio_relationships",
      "cio_relationships must not be empty",
    ],
    [
      "a relationship with person identifiers on a person",
      person("add_relationships", { cio_relationships: [{ identifiers: { id: "1" } }] }),
      "cio_relationships[0].identifiers",
      "cio_relationships[0].identifiers must be {object_type_id, object_id} or {cio_object_id}",
    ],
    [
      "a relationship with an unknown key",
      person("add_relationships", { cio_relationships: [{ ...link, extra: 1 }] }),
      "cio_relationships[0].extra",
      "unknown field 'extra'",
    ],
    ["add_device without device", person("add_device"), "device", "device is required and must be an object"],
    [
      "add_device without token",
      person("add_device", { device: { platform: "ios" } }),
      "device.token",
      "device.token is required and must be a non-empty string",
    ],
    [
      "add_device with a bad platform",
      person("add_device", { device: { token: "t", platform: "web" } }),
      "device.platform",
      'device.platform is required and must be "ios" or "android"',
    ],
    [
      "add_device with the v1 id key",
      person("add_device", { device: { id: "t", token: "t", platform: "ios" } }),
      "device.id",
      "unknown field 'id'",
    ],
    [
      "a non-string device attribute",
      person("add_device", { device: { token: "t", platform: "ios", attributes: { n: 1 } } }),
      "device.attributes.n",
      "device.attributes.n must be a string",
    ],
    [
      "delete_device without token",
      person("delete_device", { device: {} }),
      "device.token",
      "device.token is required and must be a non-empty string",
    ],
    [
      "merge with identifiers",
      {
        type: "person",
        action: "merge",
        identifiers: { id: "1" },
        primary: { id: "1" },
        secondary: { id: "2" },
      },
      "identifiers",
      "unknown field 'identifiers'",
    ],
    [
      "merge without primary",
      { type: "person", action: "merge", secondary: { id: "2" } },
      "primary",
      "primary must contain exactly one of id, email, cio_id",
    ],
    [
      "merge with two keys on a side",
      { type: "person", action: "merge", primary: { id: "1" }, secondary: { id: "2", email: "a@b.io" } },
      "secondary",
      "secondary must contain exactly one of id, email, cio_id",
    ],
    [
      "object identifiers with person keys",
      { ...object("identify"), identifiers: { id: "1" } },
      "identifiers",
      "identifiers must be {object_type_id, object_id} or {cio_object_id}",
    ],
    [
      "object_type_id not a string integer",
      { ...object("identify"), identifiers: { object_type_id: 1, object_id: "a" } },
      "identifiers.object_type_id",
      'object_type_id must be a string-formatted integer starting at "1"',
    ],
    [
      "object_type_id 0",
      { ...object("identify"), identifiers: { object_type_id: "0", object_id: "a" } },
      "identifiers.object_type_id",
      'object_type_id must be a string-formatted integer starting at "1"',
    ],
    [
      "object relationships with two person keys",
      object("add_relationships", { cio_relationships: [{ identifiers: { id: "1", email: "a@b.io" } }] }),
      "cio_relationships[0].identifiers",
      "cio_relationships[0].identifiers must contain exactly one of id, email, cio_id",
    ],
    [
      "identify_anonymous with person ids",
      object("identify_anonymous", { cio_relationships: [{ identifiers: { id: "1" } }] }),
      "cio_relationships[0].identifiers",
      "cio_relationships[0].identifiers must contain exactly one of anonymous_id",
    ],
    [
      "delivery with another metric",
      delivery({ name: "clicked" }),
      "name",
      "name must be one of opened, converted, delivered",
    ],
    [
      "delivery without device_token",
      delivery({ attributes: {} }),
      "attributes.device_token",
      "attributes.device_token is required and must be a non-empty string",
    ],
    [
      "delivery with two identifiers",
      delivery({ identifiers: { id: "d", email: "a@b.io" } }),
      "identifiers",
      "identifiers must be {id: <delivery_id>}",
    ],
  ])("%s", (_label, item, field, message) => {
    expect(validateV2Item(item, options)).toMatchObject({ ok: false, issue: { field, message } });
  });
});

describe("validateV2Item options and notes", () => {
  it("accepts anonymous_id identifiers on events only when allowed", () => {
    const item = eventItem({ identifiers: { anonymous_id: "anon-1" } });
    const result = validateV2Item(item, { ...options, allowAnonymousIdentifiers: true });
    expect(result).toMatchObject({
      ok: true,
      operation: { op: "event", person: null, anonymousId: "anon-1" },
    });
    const identify = identifyItem({ identifiers: { anonymous_id: "anon-1" } });
    expect(validateV2Item(identify, { ...options, allowAnonymousIdentifiers: true }).ok).toBe(false);
  });

  it("replaces an invalid timestamp with now and notes it", () => {
    for (const timestamp of ["1700000000", 1_700_000_000.5, null, true]) {
      const result = validateV2Item(eventItem({ timestamp }), options);
      expect(result).toMatchObject({
        ok: true,
        operation: { timestamp: options.nowSeconds },
        notes: [{ kind: "non-integer-timestamp", field: "timestamp" }],
      });
    }
  });

  it("notes identify timestamps and created_at that are not integer seconds", () => {
    const result = validateV2Item(
      identifyItem({ timestamp: "now", attributes: { created_at: 1_700_000_000_000 } }),
      options,
    );
    expect(result.notes).toEqual([
      { kind: "non-integer-timestamp", field: "timestamp" },
      { kind: "millisecond-timestamp", field: "attributes.created_at" },
    ]);
  });

  it("notes an event without id", () => {
    expect(validateV2Item(eventItem({ id: undefined }), options).notes).toEqual([
      { kind: "event-without-id", field: "id" },
    ]);
  });
});
