import { describe, expect, it } from "vitest";
import { checkLimits } from "../limits.js";
import type { ActionOptions } from "./action-definition.js";
import { actionByType, CUSTOMERIO_ACTION_TYPES, CUSTOMERIO_ACTIONS } from "./customerio-actions.js";
import { normalizePlatform } from "./device-actions.js";
import { ACTION_FIXTURES } from "./fixtures.js";

const ALL_TYPES = [
  "identify",
  "event",
  "page",
  "screen",
  "anonymous_event",
  "add_device",
  "delete_device",
  "delete_person",
  "suppress",
  "unsuppress",
  "merge_people",
  "object_identify",
  "object_identify_anonymous",
  "object_delete",
  "add_relationships",
  "delete_relationships",
  "delivery_metric",
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Every string value (not key) inside a JSON-like value. */
function leafStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(leafStrings);
}

function buildRow(row: (typeof ACTION_FIXTURES)[number]) {
  const action = actionByType(row.action);
  if (!action) throw new Error(`no action ${row.action}`);
  return action.build(row.fields, row.options ? { options: row.options } : {});
}

describe("the fixture table", () => {
  it.each(ACTION_FIXTURES.map((row) => [`${row.action}: ${row.name}`, row] as const))("%s", (_, row) => {
    expect(buildRow(row)).toEqual(row.expected);
  });

  it("has at least 3 rows, and at least one op/request and one stop, for every action", () => {
    for (const type of ALL_TYPES) {
      const rows = ACTION_FIXTURES.filter((row) => row.action === type);
      expect(rows.length, type).toBeGreaterThanOrEqual(3);
      expect(
        rows.some((row) => row.expected.kind !== "stop"),
        type,
      ).toBe(true);
      expect(
        rows.some((row) => row.expected.kind === "stop"),
        type,
      ).toBe(true);
    }
  });

  it("never puts a field value into a stop reason or field", () => {
    for (const row of ACTION_FIXTURES) {
      const result = buildRow(row);
      if (result.kind !== "stop") continue;
      for (const value of leafStrings(row.fields)) {
        // The `cio_` prefix is vocabulary rather than a value.
        if (value.length < 4 || value === "cio_") continue;
        expect(result.reason, row.name).not.toContain(value);
        expect(result.field ?? "", row.name).not.toContain(value);
      }
    }
  });

  it("builds without mutating the fields it is given", () => {
    for (const row of ACTION_FIXTURES) {
      const fields = deepFreeze(structuredClone(row.fields));
      const before = JSON.stringify(fields);
      const action = actionByType(row.action);
      expect(() => action?.build(fields, row.options ? { options: row.options } : {})).not.toThrow();
      expect(JSON.stringify(fields)).toBe(before);
    }
  });

  it("returns ops that pass checkLimits", () => {
    for (const row of ACTION_FIXTURES) {
      const result = buildRow(row);
      if (result.kind === "op") expect(checkLimits(result.op), row.name).toBeNull();
    }
  });
});

describe("the catalogue", () => {
  it("lists every action once, in snake_case, and finds each by type", () => {
    expect(CUSTOMERIO_ACTION_TYPES).toEqual(ALL_TYPES);
    for (const action of CUSTOMERIO_ACTIONS) {
      expect(action.type).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(actionByType(action.type)).toBe(action);
    }
    expect(actionByType("Identify")).toBeUndefined();
  });

  it("declares each field once, with a one-line description, and one-of groups of declared fields", () => {
    for (const action of CUSTOMERIO_ACTIONS) {
      const names = action.fields.map((field) => field.name);
      expect(new Set(names).size, action.type).toBe(names.length);
      for (const field of action.fields) {
        expect(field.description, `${action.type}.${field.name}`).toMatch(/^[^\n]{10,140}$/);
        expect(field.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
      }
      for (const group of action.oneOf ?? []) {
        for (const name of group) expect(names, action.type).toContain(name);
      }
      expect(action.title.length).toBeGreaterThan(3);
      expect(action.description).not.toContain("\n");
    }
  });

  it("keeps default mappings as plain JSON data", () => {
    for (const action of CUSTOMERIO_ACTIONS) {
      for (const field of action.fields) {
        if (field.default === undefined) continue;
        expect(JSON.parse(JSON.stringify(field.default)), `${action.type}.${field.name}`).toEqual(
          field.default,
        );
      }
      expect(JSON.parse(JSON.stringify(action.presetTrigger))).toEqual(action.presetTrigger);
    }
  });

  it("sends person actions to v2, anonymous events to v1 /events and metrics to v1 /metrics", () => {
    for (const action of CUSTOMERIO_ACTIONS) {
      const expected =
        action.type === "anonymous_event"
          ? "track-v1-events"
          : action.type === "delivery_metric"
            ? "track-v1-metrics"
            : "track-v2-batch";
      expect(action.endpoint, action.type).toBe(expected);
    }
  });

  it("uses the documented default mappings for identifiers, devices, merge and events", () => {
    const defaults = (type: string) =>
      Object.fromEntries((actionByType(type)?.fields ?? []).map((field) => [field.name, field.default]));
    expect(defaults("identify")).toMatchObject({
      id: "$.userId",
      // biome-ignore lint/suspicious/noThenProperty: the mapping syntax's `if` form; plain data.
      cio_id: { if: { path: "$.userId", starts_with: "cio_" }, then: "$.userId" },
      email: { coalesce: ["$.traits.email", "$.context.traits.email"] },
      anonymous_id: "$.anonymousId",
      attributes: "$.traits",
    });
    expect(defaults("event")).toMatchObject({
      name: "$.event",
      event_id: "$.messageId",
      attributes: "$.properties",
    });
    expect(defaults("add_device")).toMatchObject({
      token: "$.context.device.token",
      platform: { coalesce: ["$.context.device.type", "$.context.os.name"] },
    });
    expect(defaults("merge_people")).toMatchObject({ primary_id: "$.userId", secondary_id: "$.previousId" });
    expect(defaults("object_identify")).toMatchObject({ object_id: "$.groupId" });
    expect(actionByType("event")?.presetTrigger).toEqual({ path: "$.type", equals: "track" });
  });

  it("builds every action's example", () => {
    for (const action of CUSTOMERIO_ACTIONS) {
      const options = action.example.options;
      expect(action.build(action.example.fields, options ? { options } : {}).kind, action.type).not.toBe(
        "stop",
      );
    }
  });

  it("rejects option values that are not documented (they may come straight from YAML)", () => {
    const identify = actionByType("identify");
    const bad = { email_shaped_id: "guess" } as unknown as ActionOptions;
    expect(identify?.build({ id: "u1" }, { options: bad })).toEqual({
      kind: "stop",
      stage: "mapping",
      reason: "option email_shaped_id must be one of as_id, as_email, stop",
    });
    const notBoolean = { dates_to_unix: "yes" } as unknown as ActionOptions;
    expect(identify?.build({ id: "u1" }, { options: notBoolean })).toMatchObject({
      kind: "stop",
      reason: "option dates_to_unix must be true or false",
    });
  });
});

describe("normalizePlatform", () => {
  it.each([
    ["ios", "ios"],
    ["iOS", "ios"],
    ["iPadOS", "ios"],
    ["iPhone OS", "ios"],
    [" Android ", "android"],
    ["ANDROID", "android"],
    ["macOS", null],
    ["tvOS", null],
    ["web", null],
    ["", null],
  ])("%j → %j", (value, expected) => {
    expect(normalizePlatform(value)).toBe(expected);
  });
});

describe("identifier edge cases", () => {
  const identify = (fields: Record<string, unknown>, options?: ActionOptions) =>
    actionByType("identify")?.build(fields, options ? { options } : {});

  it("treats a blank cio_id as absent and falls through to id", () => {
    expect(identify({ cio_id: "  ", id: "u1" })).toMatchObject({ op: { identifiers: { id: "u1" } } });
  });

  it("ignores the email_shaped_id option when a cio_id wins", () => {
    expect(identify({ cio_id: "abc", id: "a@b.co" }, { email_shaped_id: "stop" })).toMatchObject({
      op: { identifiers: { cio_id: "abc" } },
    });
  });

  it("checks the email shape of an email-shaped id sent as email", () => {
    expect(identify({ id: "a@b c" }, { email_shaped_id: "as_email" })).toEqual({
      kind: "stop",
      stage: "mapping",
      reason: "id is not an email address",
      field: "id",
    });
  });

  it("accepts a numeric id as its decimal text", () => {
    expect(identify({ id: 42 })).toMatchObject({ op: { identifiers: { id: "42" } } });
  });

  it("stops an id attribute over 150 bytes as a limit", () => {
    expect(identify({ id: "u1", attributes: { id: "i".repeat(151) } })).toEqual({
      kind: "stop",
      stage: "limits",
      reason: "identifier is over 150 bytes",
      field: "attributes.id",
    });
  });

  it("keeps an attribute named __proto__ as an attribute", () => {
    const attributes = JSON.parse('{"__proto__": "x", "plan": "pro"}') as Record<string, unknown>;
    const result = identify({ id: "u1", attributes });
    expect(result?.kind).toBe("op");
    if (result?.kind === "op") expect(JSON.stringify(result.op)).toContain('"__proto__":"x"');
  });
});
