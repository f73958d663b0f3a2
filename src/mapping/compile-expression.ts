import { DIRECTIVE_NAMES, type DirectiveName, type PathSegment } from "../contracts/mapping.js";
import { type CompileScope, compileConditionIn, MAX_NESTING } from "./compile-condition.js";
import { compileTransforms } from "./compile-transforms.js";
import { suggestion } from "./did-you-mean.js";
import type { Compiled, Expression, MappingPath, Transform } from "./expression.js";
import { parseMappingPath } from "./mapping-path.js";
import { parseTemplate } from "./parse-template.js";
import { isPlainObject } from "./value-kind.js";

/** Keys that may sit beside a directive, and the directive each belongs to (`transforms` goes with all). */
const COMPANIONS = new Map<string, DirectiveName | "*">([
  ["transforms", "*"],
  ["then", "if"],
  ["else", "if"],
  ["map", "each"],
]);
const KNOWN_KEYS: readonly string[] = [...DIRECTIVE_NAMES, ...COMPANIONS.keys()];
/** How deeply a `literal` value may nest. */
const MAX_LITERAL_DEPTH = 64;

/**
 * Compile a field's mapping. Issues carry `at` + the location inside `raw`
 * (e.g. `[..."fields", "email", "transforms", 1]`); every issue is reported, not just the first.
 * Never throws, whatever `raw` is.
 *
 * @example
 * const r = compileExpression({ path: "$.traits.email", transforms: ["trim", "lowercase"] }, ["fields", "email"]);
 * if (r.ok) evaluateExpression(r.value, { traits: { email: " Ada@Example.com " } }, {}); // value "ada@example.com"
 * compileExpression({ path: "$.traits.email", transforms: ["lowercse"] }, ["fields", "email"])
 * // { ok: false, issues: [{ path: ["fields", "email", "transforms", 0], code: "ER_MAPPING_UNKNOWN_TRANSFORM",
 * //   message: 'unknown transform "lowercse"; did you mean "lowercase"?' }] }
 */
export function compileExpression(raw: unknown, at: PathSegment[]): Compiled<Expression> {
  const scope: CompileScope = { issues: [], inEach: false, depth: 0 };
  let value: Expression | undefined;
  try {
    value = compileIn(raw, [...at], scope);
  } catch {
    // Only an exotic input (a throwing getter, a Proxy) gets here; YAML and JSON never do.
    scope.issues.push({
      path: [...at],
      code: "ER_MAPPING_BAD_EXPRESSION",
      message: "the value could not be read",
    });
  }
  return scope.issues.length === 0 && value !== undefined
    ? { ok: true, value }
    : { ok: false, issues: scope.issues };
}

function compileIn(raw: unknown, at: PathSegment[], scope: CompileScope): Expression | undefined {
  const issues = scope.issues;
  if (scope.depth >= MAX_NESTING) {
    issues.push({
      path: at,
      code: "ER_MAPPING_TOO_DEEP",
      message: `expressions nest more than ${MAX_NESTING} levels deep; flatten them`,
    });
    return undefined;
  }
  if (typeof raw === "string") return compileString(raw, at, scope, []);
  if (raw === null || typeof raw === "boolean") return { kind: "literal", value: raw, transforms: [] };
  if (typeof raw === "number") {
    if (Number.isFinite(raw)) return { kind: "literal", value: raw, transforms: [] };
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_LITERAL",
      message: "NaN and Infinity are not JSON values; write a finite number",
    });
    return undefined;
  }
  if (Array.isArray(raw)) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_EXPRESSION",
      message:
        "a list is not an expression; write { array: [...] } to build a list from expressions, or { literal: [...] } for a fixed list",
    });
    return undefined;
  }
  if (isPlainObject(raw)) return compileDirective(raw, at, scope);
  issues.push({
    path: at,
    code: "ER_MAPPING_BAD_EXPRESSION",
    message:
      'expected a path ("$.traits.email"), a template ("{{traits.name}}"), a literal, or a directive object',
  });
  return undefined;
}

function compileString(
  raw: string,
  at: PathSegment[],
  scope: CompileScope,
  transforms: Transform[],
): Expression | undefined {
  if (raw.startsWith("$") || raw.startsWith("@")) {
    const path = compilePath(raw, at, scope, true);
    return path === undefined ? undefined : { kind: "path", path, transforms };
  }
  if (raw.includes("{{")) return compileTemplate(raw, at, scope, transforms);
  if (raw === "") {
    scope.issues.push({
      path: at,
      code: "ER_MAPPING_BAD_LITERAL",
      message: "empty text counts as missing; write null to send an explicit null, or remove the field",
    });
    return undefined;
  }
  return { kind: "literal", value: raw, transforms };
}

function compilePath(
  raw: string,
  at: PathSegment[],
  scope: CompileScope,
  bare: boolean,
): MappingPath | undefined {
  const parsed = parseMappingPath(raw);
  if (!parsed.ok) {
    const hint = bare ? '; to send text that starts with $ or @ as-is, write { literal: "..." }' : "";
    scope.issues.push({ path: at, code: "ER_MAPPING_BAD_PATH", message: `${parsed.message}${hint}` });
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

function compileTemplate(
  raw: string,
  at: PathSegment[],
  scope: CompileScope,
  transforms: Transform[],
): Expression | undefined {
  const parsed = parseTemplate(raw);
  if (!parsed.ok) {
    scope.issues.push({ path: at, code: "ER_MAPPING_BAD_TEMPLATE", message: parsed.message });
    return undefined;
  }
  if (!scope.inEach && parsed.parts.some((part) => typeof part !== "string" && part.root === "@")) {
    scope.issues.push({
      path: at,
      code: "ER_MAPPING_BAD_PATH",
      message: "{{@...}} is the current element and only works inside each.map; use a path from the event",
    });
    return undefined;
  }
  return { kind: "template", parts: parsed.parts, transforms };
}

function compileDirective(
  raw: Record<string, unknown>,
  at: PathSegment[],
  scope: CompileScope,
): Expression | undefined {
  const issues = scope.issues;
  const before = issues.length;
  const keys = Object.keys(raw);
  const directives = keys.filter((key): key is DirectiveName =>
    (DIRECTIVE_NAMES as readonly string[]).includes(key),
  );
  for (const key of keys) {
    if (KNOWN_KEYS.includes(key)) continue;
    const hint = suggestion(key, KNOWN_KEYS);
    issues.push({
      path: [...at, key],
      code: "ER_MAPPING_UNKNOWN_DIRECTIVE",
      message:
        hint !== ""
          ? `unknown key "${key}"${hint}`
          : directives.length === 0
            ? `unknown directive "${key}"; to build an object write { object: { ${key}: ... } }, otherwise use one of ${DIRECTIVE_NAMES.join(", ")}`
            : `unknown key "${key}" beside ${directives[0]}; remove it`,
    });
  }
  if (directives.length === 0) {
    if (issues.length === before) {
      issues.push({
        path: at,
        code: "ER_MAPPING_MISSING_DIRECTIVE",
        message: `add one directive: ${DIRECTIVE_NAMES.join(", ")} (e.g. { path: "$.traits.email" })`,
      });
    }
    return undefined;
  }
  if (directives.length > 1) {
    issues.push({
      path: [...at, directives[1] as string],
      code: "ER_MAPPING_CONFLICTING_DIRECTIVES",
      message: `use exactly one directive per object, found ${directives.join(" and ")}; nest one inside the other or pick one`,
    });
    return undefined;
  }
  const directive = directives[0] as DirectiveName;
  for (const key of keys) {
    const owner = COMPANIONS.get(key);
    if (owner !== undefined && owner !== "*" && owner !== directive) {
      issues.push({
        path: [...at, key],
        code: "ER_MAPPING_BAD_DIRECTIVE",
        message: `"${key}" only goes with ${owner}; remove it or use { ${owner}: ..., ${key}: ... }`,
      });
    }
  }
  const transforms = Object.hasOwn(raw, "transforms")
    ? compileTransforms(raw["transforms"], [...at, "transforms"], issues)
    : [];
  const expression = compileBody(directive, raw, at, { ...scope, depth: scope.depth + 1 }, transforms);
  return issues.length === before ? expression : undefined;
}

function compileBody(
  directive: DirectiveName,
  raw: Record<string, unknown>,
  at: PathSegment[],
  scope: CompileScope,
  transforms: Transform[],
): Expression | undefined {
  const issues = scope.issues;
  const value = raw[directive];
  const valueAt = [...at, directive];
  const badShape = (message: string): undefined => {
    issues.push({ path: valueAt, code: "ER_MAPPING_BAD_DIRECTIVE", message });
    return undefined;
  };
  switch (directive) {
    case "path": {
      if (typeof value !== "string") {
        issues.push({
          path: valueAt,
          code: "ER_MAPPING_BAD_PATH",
          message: 'path is text, such as "$.traits.email"',
        });
        return undefined;
      }
      const path = compilePath(value, valueAt, scope, false);
      return path === undefined ? undefined : { kind: "path", path, transforms };
    }
    case "template":
      if (typeof value !== "string") {
        issues.push({
          path: valueAt,
          code: "ER_MAPPING_BAD_TEMPLATE",
          message: 'template is text with {{placeholders}}, such as "{{traits.first_name}}"',
        });
        return undefined;
      }
      return compileTemplate(value, valueAt, scope, transforms);
    case "literal": {
      const problem = literalProblem(value, 0);
      if (problem !== undefined) {
        issues.push({ path: [...valueAt, ...problem.at], code: problem.code, message: problem.message });
        return undefined;
      }
      if (value === "") {
        issues.push({
          path: valueAt,
          code: "ER_MAPPING_BAD_LITERAL",
          message: "empty text counts as missing; write null to send an explicit null, or remove the field",
        });
        return undefined;
      }
      return { kind: "literal", value, transforms };
    }
    case "coalesce": {
      if (!Array.isArray(value))
        return badShape("coalesce takes a list of expressions, as in coalesce: [$.userId, $.anonymousId]");
      const options = value.map((item, index) => compileIn(item, [...valueAt, index], scope));
      return options.every((o) => o !== undefined) ? { kind: "coalesce", options, transforms } : undefined;
    }
    case "if": {
      const condition = compileConditionIn(value, valueAt, scope);
      if (!Object.hasOwn(raw, "then")) {
        issues.push({
          path: at,
          code: "ER_MAPPING_BAD_DIRECTIVE",
          message: "if needs then (and optionally else), as in { if: ..., then: $.x, else: $.y }",
        });
        return undefined;
      }
      const then = compileIn(raw["then"], [...at, "then"], scope);
      const otherwise = Object.hasOwn(raw, "else")
        ? compileIn(raw["else"], [...at, "else"], scope)
        : undefined;
      if (condition === undefined || then === undefined) return undefined;
      if (Object.hasOwn(raw, "else") && otherwise === undefined) return undefined;
      return otherwise === undefined
        ? { kind: "if", condition, then, transforms }
        : { kind: "if", condition, then, else: otherwise, transforms };
    }
    case "object": {
      if (!isPlainObject(value))
        return badShape("object takes a map of keys to expressions, as in object: { plan: $.traits.plan }");
      const fields: [string, Expression][] = [];
      let ok = true;
      for (const [key, item] of Object.entries(value)) {
        const compiled = compileIn(item, [...valueAt, key], scope);
        if (compiled === undefined) ok = false;
        else fields.push([key, compiled]);
      }
      return ok ? { kind: "object", fields, transforms } : undefined;
    }
    case "array": {
      if (!Array.isArray(value))
        return badShape("array takes a list of expressions, as in array: [$.userId, $.traits.email]");
      const items = value.map((item, index) => compileIn(item, [...valueAt, index], scope));
      return items.every((i) => i !== undefined) ? { kind: "array", items, transforms } : undefined;
    }
    case "each": {
      if (typeof value !== "string" && !isPlainObject(value)) {
        return badShape("each takes a path to a list, as in each: $.properties.products");
      }
      if (typeof value === "string" && !value.startsWith("$") && !value.startsWith("@")) {
        return badShape("each takes a path to a list, as in each: $.properties.products");
      }
      const source = compileIn(value, valueAt, scope);
      if (!Object.hasOwn(raw, "map")) {
        issues.push({
          path: at,
          code: "ER_MAPPING_BAD_DIRECTIVE",
          message:
            'each needs map, the expression for every element, as in { each: $.properties.products, map: "@.sku" }',
        });
        return undefined;
      }
      const map = compileIn(raw["map"], [...at, "map"], { ...scope, inEach: true });
      return source === undefined || map === undefined
        ? undefined
        : { kind: "each", source, map, transforms };
    }
  }
}

/** Why a `literal` value is not JSON, and where inside it; undefined when it is fine. */
function literalProblem(
  value: unknown,
  depth: number,
):
  | { at: PathSegment[]; code: "ER_MAPPING_BAD_LITERAL" | "ER_MAPPING_TOO_DEEP"; message: string }
  | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? undefined
      : {
          at: [],
          code: "ER_MAPPING_BAD_LITERAL",
          message: "NaN and Infinity are not JSON values; write a finite number",
        };
  }
  if (depth >= MAX_LITERAL_DEPTH) {
    return {
      at: [],
      code: "ER_MAPPING_TOO_DEEP",
      message: `a literal nests more than ${MAX_LITERAL_DEPTH} levels deep`,
    };
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const problem = literalProblem(value[index], depth + 1);
      if (problem !== undefined) return { ...problem, at: [index, ...problem.at] };
    }
    return undefined;
  }
  const prototype: unknown = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  if (prototype === Object.prototype || (typeof value === "object" && prototype === null)) {
    for (const [key, item] of Object.entries(value as object)) {
      const problem = literalProblem(item, depth + 1);
      if (problem !== undefined) return { ...problem, at: [key, ...problem.at] };
    }
    return undefined;
  }
  return {
    at: [],
    code: "ER_MAPPING_BAD_LITERAL",
    message: "a literal must be JSON: text, a number, a boolean, null, a list or an object",
  };
}
