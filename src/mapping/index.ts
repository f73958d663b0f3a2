/**
 * The Sluice mapping language: compile (statically validate) and evaluate triggers and field
 * mappings. Pure: no `node:*`, no clock, no environment, so the browser UI runs the same code.
 * The reference is docs/mapping.md.
 */
export {
  CONDITION_OPERATORS,
  type ConditionOperator,
  DATE_OPERATORS,
  DIRECTIVE_NAMES,
  type DirectiveName,
  MAPPING_ISSUE_CODES,
  type MappingIssue,
  type MappingIssueCode,
  NUMBER_OPERATORS,
  type PathSegment,
  PRESENCE_OPERATORS,
  SET_OPERATORS,
  TEXT_OPERATORS,
  TRANSFORM_NAMES,
  TRANSFORMS_WITH_OPTIONAL_OPTIONS,
  TRANSFORMS_WITH_REQUIRED_OPTIONS,
  type TransformName,
} from "../contracts/mapping.js";
export { canYieldValue } from "./can-yield-value.js";
export { compileCondition } from "./compile-condition.js";
export { compileExpression } from "./compile-expression.js";
export { normalizeE164 } from "./e164.js";
export { evaluateCondition } from "./evaluate-condition.js";
export { evaluateExpression } from "./evaluate-expression.js";
export type {
  Compiled,
  Condition,
  ConditionResult,
  Evaluation,
  EvaluationContext,
  Expression,
  FieldTrace,
  MappingPath,
  Transform,
} from "./expression.js";
export { formatMappingPath } from "./format-mapping-path.js";
export { parseMappingPath } from "./mapping-path.js";
export { readConditionPaths, readPaths } from "./read-paths.js";
export { sha256Hex } from "./sha256-hex.js";
export { truncateUtf8, utf8ByteLength } from "./truncate-utf8.js";
