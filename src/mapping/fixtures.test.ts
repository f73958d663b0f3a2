import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileCondition } from "./compile-condition.js";
import { compileExpression } from "./compile-expression.js";
import { evaluateCondition } from "./evaluate-condition.js";
import { evaluateExpression } from "./evaluate-expression.js";

/** Data-driven tables: src/mapping/fixtures/*.yaml. */
function load<T>(name: string): T[] {
  const text = readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), "utf8");
  return parse(text) as T[];
}

interface ExpressionRow {
  name: string;
  event: unknown;
  mapping: unknown;
  salt?: string;
  result?: unknown;
  missing?: true;
  trace?: unknown;
}
interface ConditionRow {
  name: string;
  event: unknown;
  condition: unknown;
  matched: boolean;
  explanation?: string;
}
interface InvalidRow {
  name: string;
  mapping?: unknown;
  condition?: unknown;
  errors: { path: (string | number)[]; code: string }[];
  message?: string;
}

const expressions = load<ExpressionRow>("expressions.yaml");
const conditions = load<ConditionRow>("conditions.yaml");
const invalid = load<InvalidRow>("invalid.yaml");

describe("fixture tables", () => {
  it("hold 100+ rows with unique names", () => {
    const names = [...expressions, ...conditions, ...invalid].map((row) => row.name);
    expect(names.length).toBeGreaterThanOrEqual(100);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("expressions.yaml", () => {
  for (const row of expressions) {
    it(row.name, () => {
      expect(Object.hasOwn(row, "result") !== Object.hasOwn(row, "missing")).toBe(true);
      const compiled = compileExpression(row.mapping, ["fields", "f"]);
      if (!compiled.ok) expect.fail(JSON.stringify(compiled.issues));
      const evaluation = evaluateExpression(
        compiled.value,
        row.event,
        row.salt === undefined ? {} : { salt: row.salt },
      );
      if (row.missing) {
        expect(evaluation.present).toBe(false);
      } else {
        expect(evaluation.present).toBe(true);
        if (evaluation.present) expect(evaluation.value).toStrictEqual(row.result);
      }
      if (row.trace !== undefined) expect(evaluation.trace).toEqual(row.trace);
    });
  }
});

describe("conditions.yaml", () => {
  for (const row of conditions) {
    it(row.name, () => {
      const compiled = compileCondition(row.condition, ["trigger"]);
      if (!compiled.ok) expect.fail(JSON.stringify(compiled.issues));
      const result = evaluateCondition(compiled.value, row.event);
      expect(result.matched).toBe(row.matched);
      if (row.explanation !== undefined) expect(result.explanation).toBe(row.explanation);
    });
  }
});

describe("invalid.yaml", () => {
  for (const row of invalid) {
    it(row.name, () => {
      const at = ["actions", 0, "fields", "f"];
      const compiled = Object.hasOwn(row, "condition")
        ? compileCondition(row.condition, at)
        : compileExpression(row.mapping, at);
      expect(compiled.ok).toBe(false);
      if (compiled.ok) return;
      expect(compiled.issues.map(({ path, code }) => ({ path, code }))).toEqual(
        row.errors.map(({ path, code }) => ({ path: [...at, ...path], code })),
      );
      if (row.message !== undefined) expect(compiled.issues[0]?.message).toBe(row.message);
    });
  }
});
