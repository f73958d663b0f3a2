import type { RE2JS } from "re2js";
import type {
  ConditionOperator,
  DirectiveName,
  MappingIssue,
  PathSegment,
  TransformName,
} from "../contracts/mapping.js";

/**
 * The compiled forms of the mapping language (see docs/mapping.md). They are produced only by
 * `compileExpression` / `compileCondition`, which have already checked everything that can be
 * checked without an event, so evaluation never meets a malformed path, option or regex.
 */

/** A parsed path: `$` is the event, `@` the current element inside `each.map`. */
export interface MappingPath {
  root: "$" | "@";
  segments: PathSegment[];
  /** Canonical text (`$.traits.email`, `$["first name"]`, `@[0]`), used in traces and explanations. */
  text: string;
}

/** A compiled transform with its options resolved to their defaults. */
export type Transform =
  | {
      name: Exclude<TransformName, "hash_phone" | "e164" | "truncate" | "pick" | "omit">;
    }
  | { name: "hash_phone" | "e164"; defaultCountryCode: string }
  | { name: "truncate"; bytes: number }
  | { name: "pick" | "omit"; keys: string[] };

/** A template split into literal text and placeholder paths. */
export type TemplatePart = string | MappingPath;

interface WithTransforms {
  transforms: Transform[];
}

/** A compiled expression (a field's mapping). */
export type Expression =
  | (WithTransforms & { kind: "path"; path: MappingPath })
  | (WithTransforms & { kind: "template"; parts: TemplatePart[] })
  | (WithTransforms & { kind: "literal"; value: unknown })
  | (WithTransforms & { kind: "coalesce"; options: Expression[] })
  | (WithTransforms & { kind: "if"; condition: Condition; then: Expression; else?: Expression })
  | (WithTransforms & { kind: "object"; fields: [key: string, value: Expression][] })
  | (WithTransforms & { kind: "array"; items: Expression[] })
  | (WithTransforms & { kind: "each"; source: Expression; map: Expression });

/** A compiled condition leaf: one path, one operator, its checked operand. */
export interface LeafCondition {
  kind: "leaf";
  path: MappingPath;
  operator: ConditionOperator;
  /** The operand exactly as configured (shown in explanations). */
  operand: unknown;
  ignoreCase: boolean;
  /** `matches` only: the compiled RE2 pattern. */
  regex?: RE2JS;
  /** Date operators only: the operand(s) as ms since the epoch. */
  instantsMs?: number[];
}

/** A compiled condition (a trigger, or an `if`). */
export type Condition =
  | { kind: "all"; conditions: Condition[] }
  | { kind: "any"; conditions: Condition[] }
  | { kind: "not"; condition: Condition }
  | LeafCondition;

/** The result of compiling: the compiled value, or every issue found. */
export type Compiled<T> = { ok: true; value: T } | { ok: false; issues: MappingIssue[] };

/**
 * Where a value came from. Shown to viewers who may not see event values, so it holds only paths,
 * names and notes: never a value from the event.
 */
export interface FieldTrace {
  kind: DirectiveName;
  /** Canonical text of every path actually read (deduplicated, in reading order). */
  paths: string[];
  /** `coalesce`: index of the option that produced the value. */
  chosen?: number;
  /** Transforms that ran, in order; a failing one carries the note that made the value missing. */
  transforms: { name: TransformName; note?: string }[];
  /** Why the value is missing (when it is). */
  missing?: string;
  /** `object`: the trace of each key, by key. */
  fields?: Record<string, FieldTrace>;
}

/** What an expression produced for one event. */
export type Evaluation =
  | { present: true; value: unknown; trace: FieldTrace }
  | { present: false; trace: FieldTrace };

/** Inputs of evaluation that are not the event. */
export interface EvaluationContext {
  /** The destination's hashing salt, prepended to values by `sha256`, `hash_email`, `hash_phone`. */
  salt?: string;
}

/** What a condition decided, and why (paths, operators and configured operands only). */
export interface ConditionResult {
  matched: boolean;
  explanation: string;
}
