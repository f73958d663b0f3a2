import type { Condition, Expression } from "./expression.js";

/**
 * Every path an expression may read (canonical text, deduplicated, in order of appearance):
 * paths, template placeholders, `if` conditions and everything nested. For the UI.
 *
 * @example
 * const r = compileExpression({ coalesce: ["$.userId", "{{traits.email}}"] }, []);
 * if (r.ok) readPaths(r.value) // ["$.userId", "$.traits.email"]
 */
export function readPaths(expression: Expression): string[] {
  const paths = new Set<string>();
  collect(expression, paths);
  return [...paths];
}

/**
 * Every path a condition reads (canonical text, deduplicated, in order of appearance).
 *
 * @example
 * const c = compileCondition({ all: [{ path: "$.type", equals: "track" }] }, []);
 * if (c.ok) readConditionPaths(c.value) // ["$.type"]
 */
export function readConditionPaths(condition: Condition): string[] {
  const paths = new Set<string>();
  collectCondition(condition, paths);
  return [...paths];
}

function collect(expression: Expression, paths: Set<string>): void {
  switch (expression.kind) {
    case "literal":
      return;
    case "path":
      paths.add(expression.path.text);
      return;
    case "template":
      for (const part of expression.parts) if (typeof part !== "string") paths.add(part.text);
      return;
    case "coalesce":
      for (const option of expression.options) collect(option, paths);
      return;
    case "if":
      collectCondition(expression.condition, paths);
      collect(expression.then, paths);
      if (expression.else !== undefined) collect(expression.else, paths);
      return;
    case "object":
      for (const [, field] of expression.fields) collect(field, paths);
      return;
    case "array":
      for (const item of expression.items) collect(item, paths);
      return;
    case "each":
      collect(expression.source, paths);
      collect(expression.map, paths);
      return;
  }
}

function collectCondition(condition: Condition, paths: Set<string>): void {
  if (condition.kind === "leaf") paths.add(condition.path.text);
  else if (condition.kind === "not") collectCondition(condition.condition, paths);
  else for (const child of condition.conditions) collectCondition(child, paths);
}
