import { z } from "zod";

/**
 * The mapping language's raw syntax: what users write under an action's `trigger` and `fields` in
 * YAML. `src/mapping/` compiles it with precise, path-aware errors; these zod schemas describe the
 * same shape for JSON Schema export (editor autocompletion, the admin API) and are deliberately
 * looser on string contents (paths, templates, regexes are checked by the compiler).
 * The reference, with an executed example per feature, is `docs/mapping.md`.
 */

/** A step in a location: an object key or an array index. */
export type PathSegment = string | number;

/** Transform names, exactly as written in `transforms: [...]`. */
export const TRANSFORM_NAMES = [
  "trim",
  "lowercase",
  "uppercase",
  "to_string",
  "to_number",
  "sha256",
  "hash_email",
  "hash_phone",
  "e164",
  "redact",
  "null",
  "truncate",
  "unix_seconds",
  "url_domain",
  "url_path",
  "url_strip_query",
  "ip_truncate",
  "pick",
  "omit",
  "json_encode",
  "json_decode",
] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];

/** Transforms that must be written with options (`{ truncate: { bytes: 100 } }`). */
export const TRANSFORMS_WITH_REQUIRED_OPTIONS = ["truncate", "pick", "omit"] as const;
/** Transforms that may be written with options (`{ hash_phone: { default_country_code: "44" } }`) or bare. */
export const TRANSFORMS_WITH_OPTIONAL_OPTIONS = ["hash_phone", "e164"] as const;

/** Text operators: the event value must be text (`equals`/`not_equals` also compare numbers and booleans). */
export const TEXT_OPERATORS = [
  "equals",
  "not_equals",
  "contains",
  "starts_with",
  "ends_with",
  "matches",
] as const;
/** Number operators: the event value is a number, or text holding a decimal number. */
export const NUMBER_OPERATORS = ["gt", "gte", "lt", "lte"] as const;
/** Set operators: the operand is a list of texts, numbers or booleans. */
export const SET_OPERATORS = ["in", "not_in"] as const;
/** Date operators: operands are ISO 8601 dates/date-times or Unix seconds. */
export const DATE_OPERATORS = ["before", "after", "between"] as const;
/** Presence operators. */
export const PRESENCE_OPERATORS = ["exists", "is_null", "is_true", "is_false"] as const;

/** Every condition operator, for the UI's autocomplete. */
export const CONDITION_OPERATORS = [
  ...TEXT_OPERATORS,
  ...NUMBER_OPERATORS,
  ...SET_OPERATORS,
  ...DATE_OPERATORS,
  ...PRESENCE_OPERATORS,
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Directive keys of an expression object; exactly one per object. */
export const DIRECTIVE_NAMES = [
  "path",
  "template",
  "literal",
  "coalesce",
  "if",
  "object",
  "array",
  "each",
] as const;
export type DirectiveName = (typeof DIRECTIVE_NAMES)[number];

/**
 * Every stable code a mapping issue can carry, with what it means. `docs/mapping.md` documents each
 * one and a test keeps the two in step.
 */
export const MAPPING_ISSUE_CODES = {
  ER_MAPPING_BAD_EXPRESSION:
    "The value is not an expression (e.g. a bare list, or a value YAML/JSON cannot hold).",
  ER_MAPPING_UNKNOWN_DIRECTIVE:
    "An expression object has a key that is not a directive or a directive's option.",
  ER_MAPPING_MISSING_DIRECTIVE: "An expression object has no directive key (path, template, literal, ...).",
  ER_MAPPING_CONFLICTING_DIRECTIVES: "An expression object has more than one directive key.",
  ER_MAPPING_BAD_DIRECTIVE:
    "A directive's value has the wrong shape (e.g. `coalesce` is not a list, `if` lacks `then`).",
  ER_MAPPING_BAD_PATH: "A path is malformed, or uses `@` outside `each.map`.",
  ER_MAPPING_BAD_TEMPLATE: "A template has an unclosed or empty `{{ }}`, or no placeholder at all.",
  ER_MAPPING_BAD_LITERAL: "A literal is not JSON (NaN, Infinity, ...) or is empty text.",
  ER_MAPPING_BAD_TRANSFORM:
    "`transforms` is not a list, or an item is not a name or a one-key `{ name: options }`.",
  ER_MAPPING_UNKNOWN_TRANSFORM: "A transform name is not one of the known transforms.",
  ER_MAPPING_BAD_OPTION:
    "A transform's options, or `ignore_case`, are missing, unknown or of the wrong type.",
  ER_MAPPING_BAD_CONDITION:
    "A condition is not an object, or mixes all/any/not with other keys, or is an empty list.",
  ER_MAPPING_BAD_OPERATOR: "A condition leaf has no operator, more than one, or an unknown one.",
  ER_MAPPING_BAD_OPERAND: "An operator's operand has the wrong type (e.g. `gt` needs a number).",
  ER_MAPPING_BAD_REGEX: "A `matches` pattern is not valid RE2 syntax.",
  ER_MAPPING_TOO_DEEP: "Expressions, conditions or literals are nested deeper than the limit.",
} as const;
export type MappingIssueCode = keyof typeof MAPPING_ISSUE_CODES;

/**
 * One problem found while compiling a mapping. `path` is the caller's location (`at`) followed by the
 * location inside the raw value, e.g. `["actions", 0, "fields", "email", "transforms", 1]`, so the
 * config loader can point at a file line. Messages say what to do and never contain event data.
 */
export interface MappingIssue {
  path: PathSegment[];
  code: MappingIssueCode;
  message: string;
}

const NoOptionTransformSchema = z.enum(
  TRANSFORM_NAMES.filter(
    (name) =>
      !(TRANSFORMS_WITH_REQUIRED_OPTIONS as readonly string[]).includes(name) &&
      !(TRANSFORMS_WITH_OPTIONAL_OPTIONS as readonly string[]).includes(name),
  ) as [TransformName, ...TransformName[]],
);

const CountryCodeSchema = z
  .union([z.string().regex(/^\+?[1-9]\d{0,2}$/), z.number().int().min(1).max(999)])
  .describe("Country calling code used when the number has no international prefix; default 1.");

const PhoneOptionsSchema = z.strictObject({ default_country_code: CountryCodeSchema.optional() });

/** One item of `transforms: [...]`: a bare name, or `{ name: options }`. */
export const MappingTransformSchema = z.union([
  NoOptionTransformSchema,
  z.enum(TRANSFORMS_WITH_OPTIONAL_OPTIONS),
  z.strictObject({ hash_phone: PhoneOptionsSchema }),
  z.strictObject({ e164: PhoneOptionsSchema }),
  z.strictObject({ truncate: z.strictObject({ bytes: z.number().int().min(1) }) }),
  z.strictObject({ pick: z.array(z.string()).min(1) }),
  z.strictObject({ omit: z.array(z.string()).min(1) }),
]);
export type RawMappingTransform = z.infer<typeof MappingTransformSchema>;

/** A condition as written: `{ all: [...] }`, `{ any: [...] }`, `{ not: ... }` or a leaf. */
export type RawMappingCondition =
  | { all: RawMappingCondition[] }
  | { any: RawMappingCondition[] }
  | { not: RawMappingCondition }
  | ({ path: string; ignore_case?: boolean } & { [operator: string]: unknown });

/** An expression as written (see docs/mapping.md). */
export type RawMappingExpression =
  | string
  | number
  | boolean
  | null
  | ({ transforms?: RawMappingTransform[] } & (
      | { path: string }
      | { template: string }
      | { literal: unknown }
      | { coalesce: RawMappingExpression[] }
      | { if: RawMappingCondition; then: RawMappingExpression; else?: RawMappingExpression }
      | { object: Record<string, RawMappingExpression> }
      | { array: RawMappingExpression[] }
      | { each: RawMappingExpression; map: RawMappingExpression }
    ));

const PathTextSchema = z.string().regex(/^[$@]/).describe('A path such as "$.traits.email" or "@.sku".');
const DateOperandSchema = z.union([z.string(), z.number()]);

const leaf = (operator: ConditionOperator, operand: z.ZodType) =>
  (TEXT_OPERATORS as readonly string[]).includes(operator)
    ? z.strictObject({ path: PathTextSchema, [operator]: operand, ignore_case: z.boolean().optional() })
    : z.strictObject({ path: PathTextSchema, [operator]: operand });

const LeafSchemas = [
  ...TEXT_OPERATORS.map((op) =>
    leaf(
      op,
      op === "equals" || op === "not_equals" ? z.union([z.string(), z.number(), z.boolean()]) : z.string(),
    ),
  ),
  ...NUMBER_OPERATORS.map((op) => leaf(op, z.number())),
  ...SET_OPERATORS.map((op) => leaf(op, z.array(z.union([z.string(), z.number(), z.boolean()])).min(1))),
  leaf("before", DateOperandSchema),
  leaf("after", DateOperandSchema),
  leaf("between", z.tuple([DateOperandSchema, DateOperandSchema])),
  leaf("exists", z.boolean()),
  leaf("is_null", z.literal(true)),
  leaf("is_true", z.literal(true)),
  leaf("is_false", z.literal(true)),
];

/** The raw condition syntax (trigger and `if`). */
export const MappingConditionSchema: z.ZodType<RawMappingCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(MappingConditionSchema).min(1) }),
    z.strictObject({ any: z.array(MappingConditionSchema).min(1) }),
    z.strictObject({ not: MappingConditionSchema }),
    ...LeafSchemas,
  ]),
) as z.ZodType<RawMappingCondition>;

const transforms = z.array(MappingTransformSchema).optional();

/** The raw expression syntax (a field's mapping). */
export const MappingExpressionSchema: z.ZodType<RawMappingExpression> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.strictObject({ path: PathTextSchema, transforms }),
    z.strictObject({ template: z.string(), transforms }),
    z.strictObject({ literal: z.unknown(), transforms }),
    z.strictObject({ coalesce: z.array(MappingExpressionSchema), transforms }),
    z.strictObject({
      if: MappingConditionSchema,
      // biome-ignore lint/suspicious/noThenProperty: `then` is the public if/then/else syntax; its value is a schema, not a function.
      then: MappingExpressionSchema,
      else: MappingExpressionSchema.optional(),
      transforms,
    }),
    z.strictObject({ object: z.record(z.string(), MappingExpressionSchema), transforms }),
    z.strictObject({ array: z.array(MappingExpressionSchema), transforms }),
    z.strictObject({ each: MappingExpressionSchema, map: MappingExpressionSchema, transforms }),
  ]),
) as z.ZodType<RawMappingExpression>;
