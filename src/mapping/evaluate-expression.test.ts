import { describe, expect, it } from "vitest";
import { parse as yaml } from "yaml";
import { compileExpression } from "./compile-expression.js";
import { evaluateExpression } from "./evaluate-expression.js";
import type { Expression } from "./expression.js";

function compile(raw: unknown): Expression {
  const result = compileExpression(raw, []);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

describe("evaluateExpression", () => {
  it("evaluates the example action's fields", () => {
    const fields = compile({
      object: {
        id: "$.userId",
        name: "$.event",
        timestamp: { path: "$.timestamp", transforms: ["unix_seconds"] },
        attributes: {
          object: {
            total: "$.properties.total",
            full_name: { template: "{{traits.first_name}} {{traits.last_name}}", transforms: ["trim"] },
            items: { each: "$.properties.products", map: { object: { sku: "@.sku", price: "@.price" } } },
          },
        },
      },
    });
    const event = {
      type: "track",
      userId: "u1",
      event: "Order Completed",
      timestamp: "2026-01-01T00:00:00.000Z",
      traits: { first_name: "Ada" },
      properties: { total: 30, products: [{ sku: "A", price: 10 }, { sku: "B" }] },
    };
    const result = evaluateExpression(fields, event, {});
    expect(result.present && result.value).toStrictEqual({
      id: "u1",
      name: "Order Completed",
      timestamp: 1_767_225_600,
      attributes: { total: 30, full_name: "Ada", items: [{ sku: "A", price: 10 }, { sku: "B" }] },
    });
    expect(result.trace.paths).toEqual([
      "$.userId",
      "$.event",
      "$.timestamp",
      "$.properties.total",
      "$.traits.first_name",
      "$.traits.last_name",
      "$.properties.products",
      "@.sku",
      "@.price",
    ]);
    expect(result.trace.fields?.["attributes"]?.fields?.["full_name"]).toEqual({
      kind: "template",
      paths: ["$.traits.first_name", "$.traits.last_name"],
      transforms: [{ name: "trim" }],
    });
  });

  it("never puts event values in the trace", () => {
    const secret = "Secret-Value-4711";
    const expression = compile({
      object: {
        a: { path: "$.s", transforms: ["lowercase", { truncate: { bytes: 4 } }, "to_number"] },
        b: { path: "$.s", transforms: ["json_decode"] },
        c: { path: "$.s", transforms: ["unix_seconds"] },
        d: { path: "$.s", transforms: ["e164"] },
        e: { path: "$.s", transforms: ["url_domain"] },
        f: { coalesce: ["$.missing", { template: "x{{s}}" }] },
        g: yaml("{ if: { path: $.s, equals: other }, then: 1 }"),
        h: { each: "$.s", map: "@" },
        i: { path: "$.o", transforms: ["to_string"] },
      },
    });
    const result = evaluateExpression(expression, { s: secret, o: { k: secret } }, { salt: "pepper" });
    expect(JSON.stringify(result.trace).toLowerCase()).not.toContain("secret");
    expect(JSON.stringify(result.trace)).not.toContain("pepper");
  });

  it("never throws on hostile input", () => {
    const expression = compile({
      array: ["$.a.b", { path: "$", transforms: ["json_encode"] }, "{{a}}", { each: "$.a", map: "@" }],
    });
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 100_000; i += 1) {
      const next = {};
      cursor["a"] = next;
      cursor = next;
    }
    const throwing = {
      get a() {
        throw new Error("boom");
      },
    };
    for (const event of [
      undefined,
      null,
      42,
      "text",
      [1, 2],
      deep,
      { a: 10n },
      throwing,
      new Proxy({}, {}),
    ]) {
      expect(() => evaluateExpression(expression, event, {})).not.toThrow();
    }
    const broken = evaluateExpression(expression, throwing, {});
    expect(broken).toEqual({
      present: false,
      trace: {
        kind: "array",
        paths: [],
        transforms: [],
        missing: "the mapping could not be evaluated (internal error)",
      },
    });
  });

  it("encodes deep values as missing instead of overflowing the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    const result = evaluateExpression(compile({ path: "$.d", transforms: ["json_encode"] }), { d: deep }, {});
    expect(result.present).toBe(false);
    expect(result.trace.missing).toBe(
      "json_encode could not encode the value (not JSON, or nested too deeply)",
    );
  });

  it("returns a fresh copy of literals", () => {
    const expression = compile({ literal: { tags: ["a"] } });
    const first = evaluateExpression(expression, {}, {});
    if (first.present) (first.value as { tags: string[] }).tags.push("mutated");
    const second = evaluateExpression(expression, {}, {});
    expect(second.present && second.value).toEqual({ tags: ["a"] });
  });

  it("does not mutate the event", () => {
    const event = { traits: { email: " A@B.C ", keep: 1, drop: 2 } };
    const copy = structuredClone(event);
    evaluateExpression(
      compile({
        array: [
          { path: "$.traits", transforms: [{ omit: ["drop"] }] },
          { path: "$.traits.email", transforms: ["trim"] },
        ],
      }),
      event,
      {},
    );
    expect(event).toEqual(copy);
  });

  it("maps large lists", () => {
    const products = Array.from({ length: 50_000 }, (_, i) => ({ sku: `s${i}` }));
    const result = evaluateExpression(compile({ each: "$.p", map: "@.sku" }), { p: products }, {});
    expect(result.present && (result.value as string[]).length).toBe(50_000);
    expect(result.trace.paths).toEqual(["$.p", "@.sku"]);
  });

  it("hashes with the context salt", () => {
    const expression = compile({ path: "$.e", transforms: ["hash_email"] });
    const salted = evaluateExpression(expression, { e: "ada@example.com" }, { salt: "s1" });
    const empty = evaluateExpression(expression, { e: "ada@example.com" }, { salt: "" });
    expect(salted.present && salted.value).toBe(
      "cf761930a9f52b078c96936206f22f11a8367e9fb6ad8eae46e5276a9fb9713f",
    );
    expect(salted.trace.transforms).toEqual([{ name: "hash_email" }]);
    expect(empty.present && empty.value).toBe(
      "b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72",
    );
    expect(empty.trace.transforms).toEqual([{ name: "hash_email", note: "no salt configured" }]);
  });
});
