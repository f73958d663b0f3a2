import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONDITION_OPERATORS, MAPPING_ISSUE_CODES, TRANSFORM_NAMES } from "../contracts/mapping.js";
import { compileCondition } from "./compile-condition.js";
import { compileExpression } from "./compile-expression.js";
import { evaluateCondition } from "./evaluate-condition.js";
import { evaluateExpression } from "./evaluate-expression.js";

/**
 * docs/mapping.md is executable: every ```yaml example``` block runs here, so the reference cannot
 * drift from the code.
 */
const doc = readFileSync(fileURLToPath(new URL("../../docs/mapping.md", import.meta.url)), "utf8");

interface Block {
  kind: "example" | "invalid";
  heading: string;
  body: Record<string, unknown>;
}

function blocks(): Block[] {
  const found: Block[] = [];
  let heading = "";
  const lines = doc.split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
    const fence = /^```yaml (example|invalid)$/.exec(line);
    if (fence === null) continue;
    const end = lines.indexOf("```", i + 1);
    found.push({
      kind: fence[1] as Block["kind"],
      heading,
      body: parse(lines.slice(i + 1, end).join("\n")) as Record<string, unknown>,
    });
    i = end;
  }
  return found;
}

const all = blocks();
const examples = all.filter((b) => b.kind === "example");
const invalid = all.filter((b) => b.kind === "invalid");

describe("docs/mapping.md examples", () => {
  it("has examples and invalid examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(60);
    expect(invalid.length).toBeGreaterThanOrEqual(5);
  });

  it("has exactly one example per section", () => {
    const perHeading = new Map<string, number>();
    for (const block of all) perHeading.set(block.heading, (perHeading.get(block.heading) ?? 0) + 1);
    expect([...perHeading].filter(([, count]) => count !== 1)).toEqual([]);
  });

  it("has a section with an example for every transform and every operator", () => {
    const headings = new Set(examples.map((b) => b.heading));
    const names = [...TRANSFORM_NAMES, ...CONDITION_OPERATORS, "ignore_case"];
    expect(names.filter((name) => !headings.has(`\`${name}\``))).toEqual([]);
  });

  it("documents every issue code", () => {
    expect(Object.keys(MAPPING_ISSUE_CODES).filter((code) => !doc.includes(`\`${code}\``))).toEqual([]);
  });

  for (const { heading, body } of examples) {
    it(`example: ${heading}`, () => {
      const keys = Object.keys(body).sort();
      if ("condition" in body) {
        expect(keys).toEqual(["condition", "event", "matched"]);
        const compiled = compileCondition(body["condition"], []);
        if (!compiled.ok) expect.fail(JSON.stringify(compiled.issues));
        expect(evaluateCondition(compiled.value, body["event"]).matched).toBe(body["matched"]);
        return;
      }
      expect(keys.filter((k) => k !== "salt")).toEqual(
        "missing" in body ? ["event", "mapping", "missing"] : ["event", "mapping", "result"],
      );
      const compiled = compileExpression(body["mapping"], []);
      if (!compiled.ok) expect.fail(JSON.stringify(compiled.issues));
      const salt = body["salt"];
      const evaluation = evaluateExpression(
        compiled.value,
        body["event"],
        typeof salt === "string" ? { salt } : {},
      );
      if ("missing" in body) {
        expect(body["missing"]).toBe(true);
        expect(evaluation.present).toBe(false);
      } else {
        expect(evaluation.present).toBe(true);
        if (evaluation.present) expect(evaluation.value).toStrictEqual(body["result"]);
      }
    });
  }

  for (const { heading, body } of invalid) {
    it(`invalid: ${heading}`, () => {
      const compiled =
        "condition" in body
          ? compileCondition(body["condition"], [])
          : compileExpression(body["mapping"], []);
      expect(compiled.ok).toBe(false);
      if (compiled.ok) return;
      const expected = body["errors"] as { path: unknown[]; code: string; message?: string }[];
      expect(compiled.issues.map(({ path, code }) => ({ path, code }))).toEqual(
        expected.map(({ path, code }) => ({ path, code })),
      );
      expected.forEach((issue, index) => {
        if (issue.message !== undefined) expect(compiled.issues[index]?.message).toBe(issue.message);
      });
    });
  }
});
