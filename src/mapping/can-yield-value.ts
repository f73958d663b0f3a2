import { evaluateExpression } from "./evaluate-expression.js";
import type { Expression, Transform } from "./expression.js";
import { readPaths } from "./read-paths.js";

/** What an expression can produce: a non-null value, an explicit null, or missing. */
interface Reach {
  value: boolean;
  null: boolean;
  missing: boolean;
}

/** Transforms that turn anything, null included, into a value. */
const ANY_TO_VALUE = new Set(["redact", "json_encode"]);
/** Transforms that never make a non-null value missing. */
const NEVER_FAIL = new Set(["redact", "null", "json_encode"]);

/**
 * False when the expression can never produce a present, non-null value for any event: a literal
 * null, a `null` transform at the end, `{ coalesce: [] }`, a transform that always rejects its
 * literal input... Used to reject actions whose identifier fields can never yield an identifier.
 * It over-approximates (true means "might"), and is exact for expressions that read no path.
 *
 * @example
 * const r = compileExpression({ path: "$.userId", transforms: ["null"] }, []);
 * if (r.ok) canYieldValue(r.value) // false
 */
export function canYieldValue(expression: Expression): boolean {
  return reach(expression).value;
}

function reach(expression: Expression): Reach {
  if (readPaths(expression).length === 0) {
    // No event input: evaluating once is exact (salt never changes presence).
    const result = evaluateExpression(expression, undefined, {});
    if (!result.present) return { value: false, null: false, missing: true };
    return result.value === null
      ? { value: false, null: true, missing: false }
      : { value: true, null: false, missing: false };
  }
  return applyTransforms(reachBase(expression), expression.transforms);
}

function reachBase(expression: Expression): Reach {
  switch (expression.kind) {
    case "literal":
      return expression.value === null
        ? { value: false, null: true, missing: false }
        : { value: true, null: false, missing: false };
    case "path":
    case "template":
      return { value: true, null: false, missing: true };
    case "coalesce": {
      const out: Reach = { value: false, null: false, missing: true };
      for (const option of expression.options) {
        const r = reach(option);
        out.value ||= r.value;
        out.null ||= r.null;
        if (!r.missing) {
          out.missing = false;
          break;
        }
      }
      return out;
    }
    case "if": {
      const then = reach(expression.then);
      const otherwise =
        expression.else === undefined ? { value: false, null: false, missing: true } : reach(expression.else);
      return {
        value: then.value || otherwise.value,
        null: then.null || otherwise.null,
        missing: then.missing || otherwise.missing,
      };
    }
    case "object":
    case "array": {
      const parts = expression.kind === "object" ? expression.fields.map(([, e]) => e) : expression.items;
      const reaches = parts.map(reach);
      return {
        value: reaches.some((r) => r.value || r.null),
        null: false,
        missing: reaches.every((r) => r.missing),
      };
    }
    case "each": {
      const source = reach(expression.source);
      const map = reach(expression.map);
      return { value: source.value && (map.value || map.null), null: false, missing: true };
    }
  }
}

function applyTransforms(start: Reach, transforms: Transform[]): Reach {
  let r = start;
  for (const t of transforms) {
    if (t.name === "null") {
      r = { value: false, null: r.value || r.null, missing: r.missing };
      continue;
    }
    r = {
      value: r.value || (r.null && ANY_TO_VALUE.has(t.name)),
      null: false,
      missing: r.missing || (r.value && !NEVER_FAIL.has(t.name)) || (r.null && !ANY_TO_VALUE.has(t.name)),
    };
  }
  return r;
}
