import type { Condition, ConditionResult, LeafCondition } from "./expression.js";
import { readMappingPath } from "./mapping-path.js";
import { toInstantMs } from "./unix-time.js";
import { isMissingValue, safeJsonStringify, valueKind } from "./value-kind.js";

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Decide a compiled condition for one event. The explanation names paths, operators, configured
 * operands and the *kind* of value found (`got text`, `missing`), never a value from the event.
 * Missing values (absent, null, "") make every operator false except `exists: false`, `not_equals`
 * and `not_in`; `is_null` is true only for an explicit JSON null. Never throws.
 *
 * @example
 * const c = compileCondition({ path: "$.event", in: ["Order Completed"] }, []);
 * if (c.ok) evaluateCondition(c.value, { event: "Signed Up" });
 * // { matched: false, explanation: '$.event in ["Order Completed"]: no (got text)' }
 */
export function evaluateCondition(condition: Condition, event: unknown): ConditionResult {
  try {
    return evaluateConditionIn(condition, event, undefined, () => {});
  } catch {
    return { matched: false, explanation: "the condition could not be evaluated (internal error)" };
  }
}

/**
 * Evaluate with `@` bound to `current` (inside `each.map`), reporting each path read to `onRead`.
 */
export function evaluateConditionIn(
  condition: Condition,
  event: unknown,
  current: unknown,
  onRead: (pathText: string) => void,
): ConditionResult {
  switch (condition.kind) {
    case "all":
    case "any": {
      // Every child is evaluated (no short-circuit) so the explanation is complete.
      const results = condition.conditions.map((c) => evaluateConditionIn(c, event, current, onRead));
      const matched =
        condition.kind === "all" ? results.every((r) => r.matched) : results.some((r) => r.matched);
      return {
        matched,
        explanation: `${condition.kind}: ${matched ? "yes" : "no"} [${results.map((r) => r.explanation).join("; ")}]`,
      };
    }
    case "not": {
      const inner = evaluateConditionIn(condition.condition, event, current, onRead);
      return {
        matched: !inner.matched,
        explanation: `not: ${inner.matched ? "no" : "yes"} [${inner.explanation}]`,
      };
    }
    case "leaf": {
      onRead(condition.path.text);
      const value = readMappingPath(condition.path, event, current);
      const matched = decide(condition, value);
      const kind = valueKind(value);
      const got = kind === "missing" ? "missing" : `got ${kind}`;
      const operand = safeJsonStringify(condition.operand) ?? "?";
      const flags = condition.ignoreCase ? " (ignore case)" : "";
      return {
        matched,
        explanation: `${condition.path.text} ${condition.operator} ${operand}${flags}: ${matched ? "yes" : "no"} (${got})`,
      };
    }
  }
}

function decide(leaf: LeafCondition, value: unknown): boolean {
  const operand = leaf.operand;
  if (isMissingValue(value)) {
    switch (leaf.operator) {
      case "not_equals":
      case "not_in":
        return true;
      case "exists":
        return operand === false;
      case "is_null":
        return value === null;
      default:
        return false;
    }
  }
  const text = typeof value === "string" ? value : undefined;
  const fold = (s: string) => (leaf.ignoreCase ? s.toLowerCase() : s);
  switch (leaf.operator) {
    case "equals":
      return scalarEquals(value, operand, leaf.ignoreCase);
    case "not_equals":
      return !scalarEquals(value, operand, leaf.ignoreCase);
    case "contains":
      return text !== undefined && fold(text).includes(fold(operand as string));
    case "starts_with":
      return text !== undefined && fold(text).startsWith(fold(operand as string));
    case "ends_with":
      return text !== undefined && fold(text).endsWith(fold(operand as string));
    case "matches":
      return text !== undefined && leaf.regex?.test(text) === true;
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const n = toComparableNumber(value);
      const limit = operand as number;
      if (n === null) return false;
      if (leaf.operator === "gt") return n > limit;
      if (leaf.operator === "gte") return n >= limit;
      if (leaf.operator === "lt") return n < limit;
      return n <= limit;
    }
    case "in":
      return (operand as unknown[]).some((item) => scalarEquals(value, item, false));
    case "not_in":
      return !(operand as unknown[]).some((item) => scalarEquals(value, item, false));
    case "before":
    case "after":
    case "between": {
      const instant = toInstantMs(value);
      const [from, to] = leaf.instantsMs ?? [];
      if (instant === null || from === undefined) return false;
      if (leaf.operator === "before") return instant < from;
      if (leaf.operator === "after") return instant > from;
      return to !== undefined && instant >= from && instant <= to;
    }
    case "exists":
      return operand === true;
    case "is_null":
      return false;
    case "is_true":
      return value === true;
    case "is_false":
      return value === false;
  }
}

/** JSON equality of scalars: same type and value (`5` is not `"5"`); lists and objects never equal. */
function scalarEquals(value: unknown, operand: unknown, ignoreCase: boolean): boolean {
  if (typeof value === "string" && typeof operand === "string") {
    return ignoreCase ? value.toLowerCase() === operand.toLowerCase() : value === operand;
  }
  return (typeof value === "number" || typeof value === "boolean") && value === operand;
}

/** A number, or text holding a decimal number (`"42.5"`), for gt/gte/lt/lte. */
function toComparableNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && DECIMAL.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
