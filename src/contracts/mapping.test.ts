import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { MappingConditionSchema, MappingExpressionSchema } from "./mapping.js";

const read = (relative: string) => readFileSync(fileURLToPath(new URL(relative, import.meta.url)), "utf8");

/** Every valid mapping the engine's tables and the reference use. */
function validSamples(): { mappings: unknown[]; conditions: unknown[] } {
  const mappings: unknown[] = [];
  const conditions: unknown[] = [];
  const doc = read("../../docs/mapping.md");
  for (const match of doc.matchAll(/^```yaml example\n([\s\S]*?)^```$/gm)) {
    const block = parse(match[1] as string) as Record<string, unknown>;
    if ("mapping" in block) mappings.push(block["mapping"]);
    else conditions.push(block["condition"]);
  }
  for (const row of parse(read("../mapping/fixtures/expressions.yaml")) as { mapping: unknown }[])
    mappings.push(row.mapping);
  for (const row of parse(read("../mapping/fixtures/conditions.yaml")) as { condition: unknown }[])
    conditions.push(row.condition);
  return { mappings, conditions };
}

describe("mapping schemas", () => {
  const { mappings, conditions } = validSamples();

  it("accept every valid mapping of the reference and fixtures", () => {
    expect(mappings.length).toBeGreaterThan(100);
    const rejected = mappings.filter((m) => !MappingExpressionSchema.safeParse(m).success);
    expect(rejected).toEqual([]);
  });

  it("accept every valid condition of the reference and fixtures", () => {
    expect(conditions.length).toBeGreaterThan(70);
    const rejected = conditions.filter((c) => !MappingConditionSchema.safeParse(c).success);
    expect(rejected).toEqual([]);
  });

  it("reject the main shape errors", () => {
    for (const bad of [
      ["$.a"],
      { path: "$.a", template: "{{a}}" },
      { path: "$.a", transforms: ["lowercse"] },
      { path: "$.a", transforms: [{ truncate: { bytes: 0 } }] },
      { coalesce: "$.a" },
      { total: "$.a" },
    ]) {
      expect(MappingExpressionSchema.safeParse(bad).success).toBe(false);
    }
    for (const bad of [
      { all: [] },
      { path: "$.a" },
      { path: "$.a", equals: "x", in: ["x"] },
      { path: "$.a", gt: "5" },
      { path: "$.a", gt: 1, ignore_case: true },
      { path: "$.a", is_null: false },
    ]) {
      expect(MappingConditionSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("export to JSON Schema", () => {
    const expression = z.toJSONSchema(MappingExpressionSchema) as { anyOf?: unknown[] };
    const condition = z.toJSONSchema(MappingConditionSchema) as { anyOf?: unknown[] };
    expect(expression.anyOf?.length).toBe(12);
    expect(condition.anyOf?.length).toBe(22); // all, any, not + one leaf per operator
    expect(JSON.stringify(expression)).toContain('"hash_email"');
    expect(JSON.stringify(condition)).toContain('"starts_with"');
  });
});
