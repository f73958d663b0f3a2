import { applyTransform } from "./apply-transform.js";
import { evaluateConditionIn } from "./evaluate-condition.js";
import type { Evaluation, EvaluationContext, Expression, FieldTrace } from "./expression.js";
import { readMappingPath } from "./mapping-path.js";
import { cloneJson, isMissingValue, safeJsonStringify, setOwn, valueKind } from "./value-kind.js";

interface Scope {
  event: unknown;
  /** The element `@` refers to inside `each.map`. */
  current: unknown;
  ctx: EvaluationContext;
}

type Base = { present: true; value: unknown } | { present: false; missing: string };

const INTERNAL_ERROR = "the mapping could not be evaluated (internal error)";

/**
 * Evaluate a compiled expression against one event. The result is a value or "missing" (the field is
 * left out), with a trace of where it came from that holds paths, transform names and notes only —
 * never a value from the event. Never throws, whatever the event is.
 *
 * @example
 * const r = compileExpression({ coalesce: ["$.userId", "$.anonymousId"] }, ["fields", "id"]);
 * if (r.ok) evaluateExpression(r.value, { anonymousId: "a1" }, {});
 * // { present: true, value: "a1", trace: { kind: "coalesce", paths: ["$.userId", "$.anonymousId"],
 * //   chosen: 1, transforms: [] } }
 */
export function evaluateExpression(
  expression: Expression,
  event: unknown,
  ctx: EvaluationContext,
): Evaluation {
  try {
    return evaluateIn(expression, { event, current: undefined, ctx });
  } catch {
    return {
      present: false,
      trace: { kind: expression.kind, paths: [], transforms: [], missing: INTERNAL_ERROR },
    };
  }
}

function evaluateIn(expression: Expression, scope: Scope): Evaluation {
  const paths = new Set<string>();
  const trace: FieldTrace = { kind: expression.kind, paths: [], transforms: [] };
  const base = evaluateBase(expression, scope, paths, trace);
  let result: Base = base;
  if (base.present) {
    let value = base.value;
    for (const transform of expression.transforms) {
      const outcome = applyTransform(transform, value, scope.ctx);
      trace.transforms.push(
        outcome.note === undefined ? { name: transform.name } : { name: transform.name, note: outcome.note },
      );
      if (!outcome.ok) {
        result = { present: false, missing: outcome.note };
        break;
      }
      value = outcome.value;
    }
    if (result.present) result = { present: true, value };
  }
  trace.paths = [...paths];
  if (result.present) return { present: true, value: result.value, trace };
  trace.missing = result.missing;
  return { present: false, trace };
}

function evaluateBase(expression: Expression, scope: Scope, paths: Set<string>, trace: FieldTrace): Base {
  const absorb = (child: Evaluation) => {
    for (const path of child.trace.paths) paths.add(path);
  };
  switch (expression.kind) {
    case "literal":
      return { present: true, value: cloneJson(expression.value) };
    case "path": {
      paths.add(expression.path.text);
      const value = readMappingPath(expression.path, scope.event, scope.current);
      return isMissingValue(value)
        ? missing(`${expression.path.text} ${missingKind(value)}`)
        : { present: true, value };
    }
    case "template": {
      let text = "";
      let found = 0;
      for (const part of expression.parts) {
        if (typeof part === "string") {
          text += part;
          continue;
        }
        paths.add(part.text);
        const rendered = renderPlaceholder(readMappingPath(part, scope.event, scope.current));
        if (rendered !== undefined) {
          text += rendered;
          found += 1;
        }
      }
      if (found === 0) return missing("every placeholder of the template is missing");
      return text === "" ? missing("the template rendered empty text") : { present: true, value: text };
    }
    case "coalesce": {
      for (const [index, option] of expression.options.entries()) {
        const child = evaluateIn(option, scope);
        absorb(child);
        if (child.present) {
          trace.chosen = index;
          return { present: true, value: child.value };
        }
      }
      return missing(
        expression.options.length === 0 ? "coalesce has no options" : "no option of coalesce was present",
      );
    }
    case "if": {
      const decision = evaluateConditionIn(expression.condition, scope.event, scope.current, (p) =>
        paths.add(p),
      );
      const branch = decision.matched ? expression.then : expression.else;
      if (branch === undefined) return missing("the condition did not match and there is no else");
      const child = evaluateIn(branch, scope);
      absorb(child);
      const name = decision.matched ? "then" : "else";
      return child.present
        ? { present: true, value: child.value }
        : missing(`${name}: ${child.trace.missing}`);
    }
    case "object": {
      const value: Record<string, unknown> = {};
      const fields: Record<string, FieldTrace> = {};
      let count = 0;
      for (const [key, field] of expression.fields) {
        const child = evaluateIn(field, scope);
        absorb(child);
        setOwn(fields, key, child.trace);
        if (child.present) {
          setOwn(value, key, child.value);
          count += 1;
        }
      }
      trace.fields = fields;
      return count === 0 ? missing("no key of the object was present") : { present: true, value };
    }
    case "array": {
      const value: unknown[] = [];
      for (const item of expression.items) {
        const child = evaluateIn(item, scope);
        absorb(child);
        if (child.present) value.push(child.value);
      }
      return value.length === 0 ? missing("no item of the array was present") : { present: true, value };
    }
    case "each": {
      const source = evaluateIn(expression.source, scope);
      absorb(source);
      if (!source.present) return missing(`each: ${source.trace.missing}`);
      if (!Array.isArray(source.value)) return missing(`each needs a list, got ${valueKind(source.value)}`);
      if (source.value.length === 0) return missing("each: the list is empty");
      const value: unknown[] = [];
      for (const element of source.value) {
        const child = evaluateIn(expression.map, { ...scope, current: element });
        absorb(child);
        if (child.present) value.push(child.value);
      }
      return value.length === 0 ? missing("each: no element produced a value") : { present: true, value };
    }
  }
}

function missing(reason: string): Base {
  return { present: false, missing: reason };
}

function missingKind(value: unknown): string {
  const kind = valueKind(value);
  return kind === "missing" || kind === "null" || kind === "empty text"
    ? `is ${kind}`
    : "is not a JSON value";
}

/** Text for one placeholder, or undefined when the value is missing (or cannot be encoded). */
function renderPlaceholder(value: unknown): string | undefined {
  if (isMissingValue(value)) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "object") return safeJsonStringify(value);
  return String(value);
}
