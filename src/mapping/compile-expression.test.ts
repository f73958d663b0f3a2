import { describe, expect, it } from "vitest";
import { parse as yaml } from "yaml";
import { compileCondition } from "./compile-condition.js";
import { compileExpression } from "./compile-expression.js";
import { evaluateExpression } from "./evaluate-expression.js";

function issues(raw: unknown) {
  const result = compileExpression(raw, ["actions", 2, "fields", "email"]);
  return result.ok ? [] : result.issues;
}

describe("compileExpression", () => {
  it("compiles the three string forms", () => {
    expect(compileExpression("$.a", [])).toMatchObject({ ok: true, value: { kind: "path" } });
    expect(compileExpression("{{a}}", [])).toMatchObject({ ok: true, value: { kind: "template" } });
    expect(compileExpression("plain", [])).toMatchObject({
      ok: true,
      value: { kind: "literal", value: "plain" },
    });
  });

  it("prefixes issue paths with `at` and does not mutate it", () => {
    const at = ["actions", 0, "fields", "email"];
    const result = compileExpression({ path: "$.a", transforms: ["trim", "nope"] }, at);
    expect(result).toMatchObject({ ok: false, issues: [{ path: [...at, "transforms", 1] }] });
    expect(at).toEqual(["actions", 0, "fields", "email"]);
  });

  it("suggests the closest transform, operator and directive", () => {
    expect(issues({ path: "$.a", transforms: ["lowercse"] })[0]?.message).toBe(
      'unknown transform "lowercse"; did you mean "lowercase"?',
    );
    expect(issues({ path: "$.a", transforms: ["frobnicate"] })[0]?.message).toMatch(
      /^unknown transform "frobnicate"; use one of trim, lowercase, /,
    );
    expect(issues({ tempalte: "{{a}}" })[0]?.message).toBe(
      'unknown key "tempalte"; did you mean "template"?',
    );
    expect(issues(yaml("{ if: { path: $.a, start_with: x }, then: 1 }"))[0]?.message).toBe(
      'unknown operator "start_with"; did you mean "starts_with"?',
    );
  });

  it("tells how to send text that starts with $", () => {
    expect(issues("$5 off")[0]?.message).toContain('write { literal: "..." }');
  });

  it("reports every issue of a large mapping", () => {
    const raw = {
      object: {
        a: "$.",
        b: { coalesce: ["$..x", { literal: Number.NaN }] },
        c: { each: "$.items", map: { object: { x: "@.", y: "{{@.y" } } },
        d: yaml(
          '{ if: { all: [{ path: $.a, gt: "1" }, { path: $.b }] }, then: "", else: { template: none } }',
        ),
      },
    };
    expect(issues(raw).map((i) => [i.path.slice(4).join("."), i.code])).toEqual([
      ["object.a", "ER_MAPPING_BAD_PATH"],
      ["object.b.coalesce.0", "ER_MAPPING_BAD_PATH"],
      ["object.b.coalesce.1.literal", "ER_MAPPING_BAD_LITERAL"],
      ["object.c.map.object.x", "ER_MAPPING_BAD_PATH"],
      ["object.c.map.object.y", "ER_MAPPING_BAD_TEMPLATE"],
      ["object.d.if.all.0.gt", "ER_MAPPING_BAD_OPERAND"],
      ["object.d.if.all.1", "ER_MAPPING_BAD_OPERATOR"],
      ["object.d.then", "ER_MAPPING_BAD_LITERAL"],
      ["object.d.else.template", "ER_MAPPING_BAD_TEMPLATE"],
    ]);
  });

  it("rejects nesting deeper than 32 levels", () => {
    let raw: unknown = "$.a";
    for (let i = 0; i < 40; i += 1) raw = { coalesce: [raw] };
    expect(issues(raw).map((i) => i.code)).toEqual(["ER_MAPPING_TOO_DEEP"]);
    let ok: unknown = "$.a";
    for (let i = 0; i < 30; i += 1) ok = { coalesce: [ok] };
    expect(compileExpression(ok, []).ok).toBe(true);
  });

  it("rejects literals nested deeper than 64 levels, and deep conditions", () => {
    let literal: unknown = 1;
    for (let i = 0; i < 70; i += 1) literal = [literal];
    expect(issues({ literal }).map((i) => i.code)).toEqual(["ER_MAPPING_TOO_DEEP"]);
    let condition: unknown = { path: "$.a", exists: true };
    for (let i = 0; i < 40; i += 1) condition = { not: condition };
    const result = compileCondition(condition, []);
    expect(result.ok ? [] : result.issues.map((i) => i.code)).toEqual(["ER_MAPPING_TOO_DEEP"]);
  });

  it("rejects values JSON and YAML cannot hold, without throwing", () => {
    for (const raw of [undefined, () => 1, Symbol("x"), 10n, new Map(), Number.POSITIVE_INFINITY]) {
      const result = compileExpression(raw, []);
      expect(result.ok).toBe(false);
    }
    expect(issues({ literal: { when: new Date(0) } }).map((i) => [i.path.slice(4), i.code])).toEqual([
      [["literal", "when"], "ER_MAPPING_BAD_LITERAL"],
    ]);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    expect(compileExpression(hostile, ["f"])).toEqual({
      ok: false,
      issues: [{ path: ["f"], code: "ER_MAPPING_BAD_EXPRESSION", message: "the value could not be read" }],
    });
  });

  it("accepts @ only inside each.map, including in if conditions and templates", () => {
    expect(
      compileExpression(
        yaml(
          '{ each: $.items, map: { if: { path: "@.on", is_true: true }, then: "{{@.name}}", else: "@" } }',
        ),
        [],
      ).ok,
    ).toBe(true);
    expect(issues(yaml('{ if: { path: "@.on", is_true: true }, then: 1 }')).map((i) => i.code)).toEqual([
      "ER_MAPPING_BAD_PATH",
    ]);
    expect(issues({ each: "@.items", map: "@" }).map((i) => i.code)).toEqual(["ER_MAPPING_BAD_PATH"]);
  });

  it("resolves transform options and defaults", () => {
    const result = compileExpression(
      {
        path: "$.a",
        transforms: [
          "hash_phone",
          { e164: { default_country_code: "+44" } },
          { hash_phone: {} },
          { truncate: { bytes: 10 } },
          { pick: ["x"] },
        ],
      },
      [],
    );
    expect(result.ok && result.value.transforms).toEqual([
      { name: "hash_phone", defaultCountryCode: "1" },
      { name: "e164", defaultCountryCode: "44" },
      { name: "hash_phone", defaultCountryCode: "1" },
      { name: "truncate", bytes: 10 },
      { name: "pick", keys: ["x"] },
    ]);
  });

  it("keeps object keys in order, __proto__ included as plain data", () => {
    const result = compileExpression(JSON.parse('{"object":{"b":1,"a":2,"x y":3,"__proto__":"$.p"}}'), []);
    if (!result.ok) expect.fail(JSON.stringify(result.issues));
    const value = evaluateExpression(result.value, { p: "polluted?" }, {});
    expect(value.present && Object.keys(value.value as object)).toEqual(["b", "a", "x y", "__proto__"]);
    expect(value.present && Object.getPrototypeOf(value.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["polluted?"]).toBeUndefined();
  });
});
