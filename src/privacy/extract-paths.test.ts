import { describe, expect, it } from "vitest";
import { builtinDetectors } from "./builtin-detectors.js";
import { type ExtractedPath, extractPaths, recordableKey } from "./extract-paths.js";

const CANARY = "CANARY-value-9d1f";

describe("extractPaths", () => {
  it.each<[string, unknown, ExtractedPath[]]>([
    [
      "a flat track call",
      { type: "track", event: "Order Completed", properties: { order_id: "o-1", total: 9.5, paid: true } },
      [
        { path: "type", types: ["string"] },
        { path: "event", types: ["string"] },
        { path: "properties", types: ["object"] },
        { path: "properties.order_id", types: ["string"] },
        { path: "properties.total", types: ["number"] },
        { path: "properties.paid", types: ["boolean"] },
      ],
    ],
    [
      "nesting and null",
      { traits: { address: { city: "Lyon", zip: null } } },
      [
        { path: "traits", types: ["object"] },
        { path: "traits.address", types: ["object"] },
        { path: "traits.address.city", types: ["string"] },
        { path: "traits.address.zip", types: ["null"] },
      ],
    ],
    [
      "arrays of objects merge their elements' keys and types under x[]",
      {
        properties: {
          products: [
            { sku: "a", qty: 1 },
            { sku: 7, color: "red" },
          ],
        },
      },
      [
        { path: "properties", types: ["object"] },
        { path: "properties.products", types: ["array"] },
        { path: "properties.products[].sku", types: ["string", "number"] },
        { path: "properties.products[].qty", types: ["number"] },
        { path: "properties.products[].color", types: ["string"] },
      ],
    ],
    [
      "arrays of values record the elements' types at x[], nested arrays at x[][]",
      { tags: ["a", 1, null], matrix: [[1, 2], ["x"]], empty: [] },
      [
        { path: "tags", types: ["array"] },
        { path: "tags[]", types: ["string", "number", "null"] },
        { path: "matrix", types: ["array"] },
        { path: "matrix[]", types: ["array"] },
        { path: "matrix[][]", types: ["string", "number"] },
        { path: "empty", types: ["array"] },
      ],
    ],
    [
      "odd keys in the mapping language's quoted form",
      { properties: { "unit price": 3, "a.b": 1, 'say "hi"': "x" } },
      [
        { path: "properties", types: ["object"] },
        { path: 'properties["unit price"]', types: ["number"] },
        { path: 'properties["a.b"]', types: ["number"] },
        { path: 'properties["say \\"hi\\""]', types: ["string"] },
      ],
    ],
  ])("%s", (_name, event, expected) => {
    expect(extractPaths(event)).toEqual(expected);
  });

  it("skips keys that look like PHI or like values, with everything below them", () => {
    const event = {
      properties: {
        hiv_status: { result: CANARY },
        "ada@example.com": { opened: true },
        "123-45-6789": 1,
        "8d4c2f6e-8a5b-4c1d-9e7f-0a1b2c3d4e5f": "x",
        "2024-05-01": 3,
        user_10442: 1,
        diabetes: true,
        E119: 1,
        email: CANARY,
        order_id: "o-1",
      },
    };
    expect(extractPaths(event)).toEqual([
      { path: "properties", types: ["object"] },
      { path: "properties.E119", types: ["number"] },
      { path: "properties.email", types: ["string"] },
      { path: "properties.order_id", types: ["string"] },
    ]);
    expect(JSON.stringify(extractPaths(event))).not.toContain(CANARY);
  });

  it("judges a key by the detectors of the call, whatever an earlier call with others decided", () => {
    const event = { properties: { diabetes: true } };
    const recorded = [
      { path: "properties", types: ["object"] },
      { path: "properties.diabetes", types: ["boolean"] },
    ];
    for (let round = 0; round < 2; round++) {
      expect(extractPaths(event)).toEqual([{ path: "properties", types: ["object"] }]);
      expect(extractPaths(event, { detectors: [] })).toEqual(recorded);
      expect(extractPaths(event, { detectors: builtinDetectors({ terms: ["zzz"] }) })).toHaveLength(1);
    }
  });

  it("stops at depth 8 (an array level counts) and at 200 paths per event", () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let level = 9; level >= 1; level--) deep = { [`l${level}`]: deep };
    const paths = extractPaths(deep).map((entry) => entry.path);
    expect(paths.at(-1)).toBe("l1.l2.l3.l4.l5.l6.l7.l8");
    expect(paths).toHaveLength(8);
    expect(extractPaths({ a: [[[[[[[[1]]]]]]]] }).map((entry) => entry.path)).toEqual([
      "a",
      "a[]",
      "a[][]",
      "a[][][]",
      "a[][][][]",
      "a[][][][][]",
      "a[][][][][][]",
      "a[][][][][][][]",
    ]);
    const wide = { properties: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])) };
    const capped = extractPaths(wide);
    expect(capped).toHaveLength(200);
    expect(capped[199]?.path).toBe("properties.k198");
    expect(extractPaths(wide, { maxPaths: 3 })).toHaveLength(3);
  });

  it("looks at the first 20 elements of an array only", () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ [`only${i}`]: i }));
    const paths = extractPaths({ items }).map((entry) => entry.path);
    expect(paths).toContain("items[].only19");
    expect(paths).not.toContain("items[].only20");
  });

  it("ignores cycles and non-JSON values, and never throws on a getter that does", () => {
    const event: Record<string, unknown> = { name: "x", fn: () => 1, missing: undefined };
    event["self"] = event;
    Object.defineProperty(event, "boom", {
      enumerable: true,
      get() {
        throw new Error(CANARY);
      },
    });
    expect(extractPaths(event)).toEqual([
      { path: "name", types: ["string"] },
      { path: "self", types: ["object"] },
    ]);
    expect(extractPaths("text")).toEqual([]);
    expect(extractPaths(null)).toEqual([]);
  });
});

describe("recordableKey", () => {
  const detectors = builtinDetectors();
  it.each([
    ["order_id", true],
    ["email", true],
    ["phone", true],
    ["products", true],
    ["hiv_status", false],
    ["ozempic", false],
    ["ada@example.com", false],
    ["5551234567", false],
    ["", false],
    ["k".repeat(101), false],
  ])("%s → %s", (key, expected) => {
    expect(recordableKey(key, detectors)).toBe(expected);
  });

  it("fails closed when a detector throws", () => {
    const broken = {
      id: "broken",
      description: "throws",
      scan: () => {
        throw new Error("bug");
      },
    };
    expect(recordableKey("order_id", [broken])).toBe(false);
  });
});
