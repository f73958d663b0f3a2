import { describe, expect, it } from "vitest";
import { parse as yaml } from "yaml";
import { canYieldValue } from "./can-yield-value.js";
import { compileExpression } from "./compile-expression.js";
import type { Expression } from "./expression.js";
import { readPaths } from "./read-paths.js";

function compile(raw: unknown): Expression {
  const result = compileExpression(raw, []);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

describe("canYieldValue", () => {
  it.each([
    [null, false],
    [{ literal: null }, false],
    [{ coalesce: [] }, false],
    [{ path: "$.userId", transforms: ["null"] }, false],
    [{ path: "$.userId", transforms: ["trim", "null"] }, false],
    [{ coalesce: [null, "$.userId"] }, false],
    [{ literal: 5, transforms: ["lowercase"] }, false],
    [{ literal: "  ", transforms: ["trim"] }, false],
    [{ object: {} }, false],
    [{ array: [null] }, true],
    [{ array: [] }, false],
    [yaml("{ if: { path: $.a, exists: true }, then: null }"), false],
    [yaml("{ if: { path: $.a, exists: true }, then: null, else: $.b }"), true],
    [{ path: "$.userId", transforms: ["null", "redact"] }, true],
    [{ path: "$.userId", transforms: ["null", "trim"] }, false],
    [{ each: "$.items", map: null }, true],
    [{ each: { literal: [] }, map: "@" }, true],
    ["$.userId", true],
    ["{{userId}}", true],
    ["u1", true],
    [0, true],
    [false, true],
    [{ coalesce: ["$.userId", null] }, true],
    [{ coalesce: [{ literal: "x", transforms: ["to_number"] }, "$.a"] }, true],
    [{ path: "$.userId", transforms: ["sha256"] }, true],
  ])("%j → %s", (raw, expected) => {
    expect(canYieldValue(compile(raw))).toBe(expected);
  });
});

describe("readPaths", () => {
  it("lists every path an expression may read, once, in order", () => {
    const expression = compile({
      object: {
        a: { coalesce: ["$.userId", "{{traits.email}} {{ $.userId }}"] },
        b: yaml(
          "{ if: { any: [{ path: $.type, equals: track }, { not: { path: $.event, exists: true } }] }, then: $.x }",
        ),
        c: { each: "$.items", map: yaml(`{ if: { path: "@.on", is_true: true }, then: '@["full name"]' }`) },
        d: { literal: "$.not.a.path" },
      },
    });
    expect(readPaths(expression)).toEqual([
      "$.userId",
      "$.traits.email",
      "$.type",
      "$.event",
      "$.x",
      "$.items",
      "@.on",
      '@["full name"]',
    ]);
  });
});
