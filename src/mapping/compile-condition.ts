import { RE2JS } from "re2js";
import {
  CONDITION_OPERATORS,
  type ConditionOperator,
  type MappingIssue,
  type PathSegment,
  TEXT_OPERATORS,
} from "../contracts/mapping.js";
import { suggestion } from "./did-you-mean.js";
import type { Compiled, Condition, LeafCondition, MappingPath } from "./expression.js";
import { parseMappingPath } from "./mapping-path.js";
import { toInstantMs } from "./unix-time.js";
import { isPlainObject } from "./value-kind.js";

/** How deeply expressions and conditions may nest (a guard against runaway configs, not a real need). */
export const MAX_NESTING = 32;

/** State shared while compiling one mapping. */
export interface CompileScope {
  issues: MappingIssue[];
  /** Inside `each.map`, where `@` is the current element. */
  inEach: boolean;
  depth: number;
}

const GROUP_KEYS = ["all", "any", "not"] as const;
const LEAF_KEYS = ["path", "ignore_case", ...CONDITION_OPERATORS] as const;
const ALL_KEYS: readonly string[] = [...GROUP_KEYS, ...LEAF_KEYS];
const TEXT: readonly string[] = TEXT_OPERATORS;
const SHAPE_HINT = '{ path: "$.event", equals: "Signed Up" }, { all: [...] }, { any: [...] } or { not: ... }';

/**
 * Compile a condition (an action's `trigger`, or an `if`). Issues carry `at` + the location inside
 * `raw`; every issue is reported, not just the first.
 *
 * @example
 * const r = compileCondition({ all: [{ path: "$.type", equals: "track" }, { path: "$.event", in: ["A", "B"] }] }, ["trigger"]);
 * r.ok // true
 * compileCondition({ path: "$.event", equal: "A" }, ["trigger"])
 * // { ok: false, issues: [{ path: ["trigger", "equal"], code: "ER_MAPPING_BAD_OPERATOR",
 * //   message: 'unknown operator "equal"; did you mean "equals"?' }] }
 */
export function compileCondition(raw: unknown, at: PathSegment[]): Compiled<Condition> {
  const scope: CompileScope = { issues: [], inEach: false, depth: 0 };
  const value = compileConditionIn(raw, at, scope);
  return scope.issues.length === 0 && value !== undefined
    ? { ok: true, value }
    : { ok: false, issues: scope.issues };
}

/** Compile a condition within an expression (so `@` works inside `each.map`). */
export function compileConditionIn(
  raw: unknown,
  at: PathSegment[],
  scope: CompileScope,
): Condition | undefined {
  if (scope.depth >= MAX_NESTING) {
    scope.issues.push({
      path: at,
      code: "ER_MAPPING_TOO_DEEP",
      message: `conditions and expressions nest more than ${MAX_NESTING} levels deep; flatten them`,
    });
    return undefined;
  }
  if (!isPlainObject(raw)) {
    scope.issues.push({
      path: at,
      code: "ER_MAPPING_BAD_CONDITION",
      message: `a condition is an object: ${SHAPE_HINT}`,
    });
    return undefined;
  }
  const keys = Object.keys(raw);
  const groups = keys.filter((key) => (GROUP_KEYS as readonly string[]).includes(key));
  if (groups.length > 0) {
    if (keys.length > 1) {
      scope.issues.push({
        path: at,
        code: "ER_MAPPING_BAD_CONDITION",
        message: `${groups.map((g) => `"${g}"`).join(" and ")} must be the only key of its object; nest conditions inside it`,
      });
      return undefined;
    }
    const group = groups[0] as (typeof GROUP_KEYS)[number];
    const inner = { ...scope, depth: scope.depth + 1 };
    if (group === "not") {
      const condition = compileConditionIn(raw["not"], [...at, "not"], inner);
      return condition === undefined ? undefined : { kind: "not", condition };
    }
    const list = raw[group];
    if (!Array.isArray(list) || list.length === 0) {
      scope.issues.push({
        path: [...at, group],
        code: "ER_MAPPING_BAD_CONDITION",
        message: `${group} needs a non-empty list of conditions, as in ${group}: [{ path: "$.type", equals: "track" }]`,
      });
      return undefined;
    }
    const conditions = list.map((item, index) => compileConditionIn(item, [...at, group, index], inner));
    if (conditions.some((c) => c === undefined)) return undefined;
    return { kind: group, conditions: conditions as Condition[] };
  }
  return compileLeaf(raw, keys, at, scope);
}

function compileLeaf(
  raw: Record<string, unknown>,
  keys: string[],
  at: PathSegment[],
  scope: CompileScope,
): LeafCondition | undefined {
  const issues = scope.issues;
  const before = issues.length;
  let unknownKey = false;
  for (const key of keys) {
    if (!ALL_KEYS.includes(key)) {
      unknownKey = true;
      const hint = suggestion(key, ALL_KEYS);
      issues.push({
        path: [...at, key],
        code: "ER_MAPPING_BAD_OPERATOR",
        message: `unknown operator "${key}"${hint || `; use one of ${CONDITION_OPERATORS.join(", ")}`}`,
      });
    }
  }
  const operators = keys.filter((key) =>
    (CONDITION_OPERATORS as readonly string[]).includes(key),
  ) as ConditionOperator[];
  let path: MappingPath | undefined;
  if (!Object.hasOwn(raw, "path")) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_CONDITION",
      message: `a condition needs a path, as in ${SHAPE_HINT}`,
    });
  } else {
    path = compileConditionPath(raw["path"], [...at, "path"], scope);
  }
  if (operators.length === 0 && !unknownKey) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_OPERATOR",
      message: `add one operator, such as equals, in, exists or matches (all: ${CONDITION_OPERATORS.join(", ")})`,
    });
  }
  if (operators.length > 1) {
    issues.push({
      path: [...at, operators[1] as string],
      code: "ER_MAPPING_BAD_OPERATOR",
      message: `a condition has exactly one operator, found ${operators.join(" and ")}; combine several with all: [...]`,
    });
  }
  const operator = operators[0];
  let ignoreCase = false;
  if (Object.hasOwn(raw, "ignore_case")) {
    if (typeof raw["ignore_case"] !== "boolean") {
      issues.push({
        path: [...at, "ignore_case"],
        code: "ER_MAPPING_BAD_OPTION",
        message: "ignore_case is true or false",
      });
    } else if (operator !== undefined && !TEXT.includes(operator)) {
      issues.push({
        path: [...at, "ignore_case"],
        code: "ER_MAPPING_BAD_OPTION",
        message: `ignore_case only works with the text operators (${TEXT_OPERATORS.join(", ")}); remove it`,
      });
    } else {
      ignoreCase = raw["ignore_case"];
    }
  }
  if (operator === undefined || operators.length > 1) return undefined;
  const leaf = compileOperand(operator, raw[operator], ignoreCase, [...at, operator], issues);
  if (leaf === undefined || path === undefined || issues.length > before) return undefined;
  return { kind: "leaf", path, operator, operand: raw[operator], ignoreCase, ...leaf };
}

function compileConditionPath(raw: unknown, at: PathSegment[], scope: CompileScope): MappingPath | undefined {
  if (typeof raw !== "string") {
    scope.issues.push({ path: at, code: "ER_MAPPING_BAD_PATH", message: 'path is text, such as "$.event"' });
    return undefined;
  }
  const parsed = parseMappingPath(raw);
  if (!parsed.ok) {
    scope.issues.push({ path: at, code: "ER_MAPPING_BAD_PATH", message: parsed.message });
    return undefined;
  }
  if (parsed.path.root === "@" && !scope.inEach) {
    scope.issues.push({
      path: at,
      code: "ER_MAPPING_BAD_PATH",
      message: "@ is the current element and only works inside each.map; use $ for the event",
    });
    return undefined;
  }
  return parsed.path;
}

type Prepared = Pick<LeafCondition, "regex" | "instantsMs">;

function compileOperand(
  operator: ConditionOperator,
  operand: unknown,
  ignoreCase: boolean,
  at: PathSegment[],
  issues: MappingIssue[],
): Prepared | undefined {
  const bad = (message: string): undefined => {
    issues.push({ path: at, code: "ER_MAPPING_BAD_OPERAND", message });
    return undefined;
  };
  const isScalar = (v: unknown) =>
    typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
  switch (operator) {
    case "equals":
    case "not_equals":
      if (operand === null) return bad(`${operator} cannot compare with null; use is_null: true`);
      return isScalar(operand) ? {} : bad(`${operator} compares with text, a number or a boolean`);
    case "contains":
    case "starts_with":
    case "ends_with":
      return typeof operand === "string" && operand !== ""
        ? {}
        : bad(`${operator} needs non-empty text, as in ${operator}: "abc"`);
    case "matches": {
      if (typeof operand !== "string" || operand === "")
        return bad('matches needs an RE2 pattern as text, as in matches: "^ord_"');
      try {
        return { regex: RE2JS.compile(operand, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) };
      } catch (error) {
        const detail = error instanceof Error ? error.message : "invalid pattern";
        issues.push({
          path: at,
          code: "ER_MAPPING_BAD_REGEX",
          message: `${detail}; write an RE2 pattern (no lookaround or backreferences)`,
        });
        return undefined;
      }
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return typeof operand === "number" && Number.isFinite(operand)
        ? {}
        : bad(`${operator} needs a number, as in ${operator}: 100`);
    case "in":
    case "not_in":
      return Array.isArray(operand) && operand.length > 0 && operand.every(isScalar)
        ? {}
        : bad(`${operator} needs a non-empty list of texts, numbers or booleans, as in ${operator}: [A, B]`);
    case "before":
    case "after": {
      const instant = toInstantMs(operand);
      return instant === null
        ? bad(
            `${operator} needs an ISO 8601 date or date-time, or Unix seconds, as in ${operator}: "2026-01-01"`,
          )
        : { instantsMs: [instant] };
    }
    case "between": {
      const instants = Array.isArray(operand) && operand.length === 2 ? operand.map(toInstantMs) : [];
      const [from, to] = instants;
      if (from === undefined || to === undefined || from === null || to === null) {
        return bad(
          'between needs [from, to], each an ISO 8601 date or Unix seconds, as in between: ["2026-01-01", "2026-02-01"]',
        );
      }
      if (from > to) return bad("between needs from before to: swap them");
      return { instantsMs: [from, to] };
    }
    case "exists":
      return typeof operand === "boolean" ? {} : bad("exists is true or false");
    case "is_null":
    case "is_true":
    case "is_false":
      return operand === true
        ? {}
        : bad(`${operator} only takes true; for the opposite wrap it in { not: ... }`);
  }
}
