import { describe, expect, it } from "vitest";
import { compileCondition, compileExpression } from "../../../src/mapping/index.js";
import {
  describeCondition,
  emptyRow,
  formFromTrigger,
  leafFromRow,
  triggerEventName,
  triggerEventType,
  triggerFromForm,
} from "./condition-model.js";
import { emptyForm, formFromMapping, mappingFromForm, mappingPathOf } from "./field-model.js";

/**
 * The editor's form models must give back exactly what was configured (a round trip never rewrites a
 * mapping into something else), and what they produce must compile with the server's own compiler.
 */

const MAPPINGS: { mapping: unknown; kind: string }[] = [
  { mapping: "$.userId", kind: "path" },
  { mapping: { path: "$.traits.email", transforms: ["trim", "lowercase"] }, kind: "path" },
  { mapping: { path: "$.properties.title", transforms: [{ truncate: { bytes: 6 } }] }, kind: "path" },
  { mapping: "{{traits.first_name}} {{traits.last_name}}", kind: "template" },
  { mapping: { template: "{{traits.first_name}}", transforms: ["trim"] }, kind: "template" },
  { mapping: "web", kind: "static" },
  { mapping: 42, kind: "static" },
  { mapping: false, kind: "static" },
  { mapping: { literal: "$5 off" }, kind: "static" },
  { mapping: { literal: { currency: "$", tags: ["a"] } }, kind: "static" },
  { mapping: { coalesce: ["$.traits.email", "$.context.traits.email"] }, kind: "expression" },
  // biome-ignore lint/suspicious/noThenProperty: `then` is the mapping language's own directive
  { mapping: { if: { path: "$.userId", starts_with: "cio_" }, then: "$.userId" }, kind: "expression" },
  { mapping: { object: { total: "$.properties.total" } }, kind: "expression" },
  { mapping: null, kind: "none" },
];

describe("field form model", () => {
  it.each(MAPPINGS)("round-trips $mapping as $kind", ({ mapping, kind }) => {
    const form = formFromMapping(mapping, true, true);
    expect(form.kind).toBe(kind);
    const back = mappingFromForm(form, true);
    expect(back).toEqual({ ok: true, omit: false, value: mapping });
    expect(compileExpression(mapping, []).ok).toBe(true);
  });

  it("uses the default mapping when a field is not configured, and leaves it out again", () => {
    expect(formFromMapping(undefined, false, true).kind).toBe("default");
    expect(mappingFromForm(emptyForm("default"), true)).toEqual({ ok: true, omit: true });
    // Without a default, "not mapped" is simply leaving the field out.
    expect(formFromMapping(undefined, false, false).kind).toBe("none");
    expect(mappingFromForm(emptyForm("none"), false)).toEqual({ ok: true, omit: true });
  });

  it("writes the explicit form when the short one would mean something else", () => {
    // A path typed without `$` stays a path (the compiler then names the problem), never a literal.
    expect(mappingFromForm({ ...emptyForm("path"), path: "properties.total" }, false)).toEqual({
      ok: true,
      omit: false,
      value: { path: "properties.total" },
    });
    const bad = mappingFromForm({ ...emptyForm("path"), path: "properties.total" }, false);
    expect(bad.ok && !bad.omit && compileExpression(bad.value, []).ok).toBe(false);
    // Text starting with `$` as a static value is a literal.
    expect(mappingFromForm({ ...emptyForm("static"), staticValue: "$.not.a.path" }, false)).toEqual({
      ok: true,
      omit: false,
      value: { literal: "$.not.a.path" },
    });
  });

  it("reports bad JSON locally instead of writing it", () => {
    expect(mappingFromForm({ ...emptyForm("expression"), expression: "{nope" }, false).ok).toBe(false);
    const transform = {
      ...emptyForm("path"),
      path: "$.x",
      transforms: [{ name: "truncate", options: "{bytes: 3}" }],
    };
    expect(mappingFromForm(transform, false)).toEqual({
      ok: false,
      error: "transform 1 (truncate): options are not valid JSON",
    });
    expect(
      mappingFromForm({ ...emptyForm("static"), staticType: "number", staticValue: "4x" }, false).ok,
    ).toBe(false);
  });

  it("turns seen paths into mapping paths", () => {
    expect(mappingPathOf("properties.order_id")).toBe("$.properties.order_id");
    expect(mappingPathOf("properties.products[].sku")).toBe("$.properties.products[0].sku");
    expect(mappingPathOf('["odd key"].x')).toBe('$["odd key"].x');
  });
});

const TRIGGERS: { trigger: unknown; mode: string }[] = [
  { trigger: undefined, mode: "always" },
  { trigger: { path: "$.type", equals: "track" }, mode: "all" },
  {
    trigger: {
      all: [
        { path: "$.type", equals: "track" },
        { path: "$.event", in: ["Order Completed", "Checkout"] },
      ],
    },
    mode: "all",
  },
  {
    trigger: {
      any: [
        { path: "$.type", equals: "page" },
        { path: "$.type", equals: "screen" },
      ],
    },
    mode: "any",
  },
  { trigger: { path: "$.properties.total", gt: 100 }, mode: "all" },
  { trigger: { path: "$.event", equals: "signed up", ignore_case: true }, mode: "all" },
  { trigger: { path: "$.traits.email", exists: false }, mode: "all" },
  { trigger: { path: "$.traits.vip", is_true: true }, mode: "all" },
  { trigger: { path: "$.properties.count", equals: 5 }, mode: "all" },
  { trigger: { path: "$.timestamp", between: ["2026-01-01", "2026-01-31T23:59:59.999Z"] }, mode: "all" },
  { trigger: { path: "$.traits.created_at", after: 1767225600 }, mode: "all" },
  { trigger: { path: "$.event", in: ["a, b", "c"] }, mode: "all" },
  { trigger: { not: { path: "$.type", equals: "track" } }, mode: "json" },
  { trigger: { all: [{ any: [{ path: "$.a", exists: true }] }] }, mode: "json" },
];

describe("trigger form model", () => {
  it.each(TRIGGERS)("round-trips $trigger in $mode mode", ({ trigger, mode }) => {
    const form = formFromTrigger(trigger);
    expect(form.mode).toBe(mode);
    expect(triggerFromForm(form)).toEqual({ ok: true, value: trigger });
    if (trigger !== undefined) expect(compileCondition(trigger, []).ok).toBe(true);
  });

  it("builds conditions the compiler accepts from new rows", () => {
    const rows = [
      { ...emptyRow(), path: "$.type", value: "track" },
      {
        ...emptyRow(),
        path: "$.event",
        operator: "in" as const,
        value: "Order Completed, Checkout Completed",
      },
      { ...emptyRow(), path: "$.properties.total", operator: "gte" as const, value: "100" },
      { ...emptyRow(), path: "$.event", operator: "matches" as const, value: "^Order", ignoreCase: true },
    ];
    const built = triggerFromForm({ mode: "all", rows, json: "" });
    expect(built).toEqual({
      ok: true,
      value: {
        all: [
          { path: "$.type", equals: "track" },
          { path: "$.event", in: ["Order Completed", "Checkout Completed"] },
          { path: "$.properties.total", gte: 100 },
          { path: "$.event", matches: "^Order", ignore_case: true },
        ],
      },
    });
    expect(built.ok && compileCondition(built.value, []).ok).toBe(true);
  });

  it("reads equals as the chosen type, and drops ignore_case where it does not apply", () => {
    expect(leafFromRow({ ...emptyRow(), path: "$.n", value: "5", valueType: "number" })).toEqual({
      path: "$.n",
      equals: 5,
    });
    expect(leafFromRow({ ...emptyRow(), path: "$.n", value: "5" })).toEqual({ path: "$.n", equals: "5" });
    expect(leafFromRow({ ...emptyRow(), path: "$.n", operator: "gt", value: "5", ignoreCase: true })).toEqual(
      {
        path: "$.n",
        gt: 5,
      },
    );
  });

  it("reports bad JSON in JSON mode", () => {
    expect(triggerFromForm({ mode: "json", rows: [], json: "{" }).ok).toBe(false);
  });

  it("describes triggers and finds the event name and type they select", () => {
    const trigger = {
      all: [
        { path: "$.type", equals: "track" },
        { path: "$.event", equals: "Order Completed" },
      ],
    };
    expect(describeCondition(trigger)).toBe('$.type equals "track" and $.event equals "Order Completed"');
    expect(describeCondition(undefined)).toBe("every event");
    expect(triggerEventName(trigger)).toBe("Order Completed");
    expect(triggerEventType(trigger)).toBe("track");
    expect(triggerEventName({ path: "$.type", equals: "identify" })).toBeNull();
    expect(triggerEventName({ any: [{ path: "$.event", equals: "A" }] })).toBeNull();
  });
});
