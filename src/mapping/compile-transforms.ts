import {
  type MappingIssue,
  type PathSegment,
  TRANSFORM_NAMES,
  TRANSFORMS_WITH_OPTIONAL_OPTIONS,
  TRANSFORMS_WITH_REQUIRED_OPTIONS,
  type TransformName,
} from "../contracts/mapping.js";
import { suggestion } from "./did-you-mean.js";
import type { Transform } from "./expression.js";
import { isPlainObject } from "./value-kind.js";

const OPTIONAL = TRANSFORMS_WITH_OPTIONAL_OPTIONS as readonly string[];
const REQUIRED = TRANSFORMS_WITH_REQUIRED_OPTIONS as readonly string[];

const OPTION_EXAMPLES: Record<string, string> = {
  truncate: "{ truncate: { bytes: 100 } }",
  pick: "{ pick: [email, plan] }",
  omit: "{ omit: [ssn] }",
  hash_phone: '{ hash_phone: { default_country_code: "44" } }',
  e164: '{ e164: { default_country_code: "44" } }',
};

/**
 * Compile a `transforms` list, pushing an issue for each bad item (all of them, not just the first).
 * Returns the compiled list; it is only meaningful when no issue was pushed.
 *
 * @example
 * const issues: MappingIssue[] = [];
 * compileTransforms(["trim", { truncate: { bytes: 10 } }], ["fields", "name", "transforms"], issues)
 * // [{ name: "trim" }, { name: "truncate", bytes: 10 }]
 */
export function compileTransforms(raw: unknown, at: PathSegment[], issues: MappingIssue[]): Transform[] {
  if (!Array.isArray(raw)) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_TRANSFORM",
      message: "transforms must be a list, e.g. transforms: [trim, lowercase]",
    });
    return [];
  }
  const compiled: Transform[] = [];
  raw.forEach((item, index) => {
    const transform = compileTransform(item, [...at, index], issues);
    if (transform !== undefined) compiled.push(transform);
  });
  return compiled;
}

function compileTransform(raw: unknown, at: PathSegment[], issues: MappingIssue[]): Transform | undefined {
  let name: string;
  let options: unknown;
  let hasOptions = false;
  if (typeof raw === "string") {
    name = raw;
  } else if (isPlainObject(raw) && Object.keys(raw).length === 1) {
    name = Object.keys(raw)[0] as string;
    options = raw[name];
    hasOptions = true;
  } else {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_TRANSFORM",
      message: isPlainObject(raw)
        ? "write one transform per list item: a name like trim, or { name: options } like { truncate: { bytes: 100 } }"
        : "a transform is a name like trim, or { name: options } like { truncate: { bytes: 100 } }",
    });
    return undefined;
  }
  if (!(TRANSFORM_NAMES as readonly string[]).includes(name)) {
    const hint = suggestion(name, TRANSFORM_NAMES);
    issues.push({
      path: hasOptions ? [...at, name] : at,
      code: "ER_MAPPING_UNKNOWN_TRANSFORM",
      message: `unknown transform "${name}"${hint || `; use one of ${TRANSFORM_NAMES.join(", ")}`}`,
    });
    return undefined;
  }
  const known = name as TransformName;
  const optionsAt = [...at, known];
  if (!hasOptions) {
    if (REQUIRED.includes(known)) {
      issues.push({
        path: at,
        code: "ER_MAPPING_BAD_OPTION",
        message: `${known} needs options: write ${OPTION_EXAMPLES[known]}`,
      });
      return undefined;
    }
    if (OPTIONAL.includes(known)) return { name: known as "hash_phone" | "e164", defaultCountryCode: "1" };
    return { name: known } as Transform;
  }
  switch (known) {
    case "truncate":
      return compileTruncate(options, optionsAt, issues);
    case "pick":
    case "omit":
      return compileKeys(known, options, optionsAt, issues);
    case "hash_phone":
    case "e164":
      return compilePhone(known, options, optionsAt, issues);
    default:
      issues.push({
        path: optionsAt,
        code: "ER_MAPPING_BAD_OPTION",
        message: `${known} takes no options; write it as a bare name: ${known}`,
      });
      return undefined;
  }
}

function compileTruncate(options: unknown, at: PathSegment[], issues: MappingIssue[]): Transform | undefined {
  const example = OPTION_EXAMPLES["truncate"] as string;
  if (!isPlainObject(options)) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_OPTION",
      message: `truncate takes { bytes: N }, as in ${example}`,
    });
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(options)) {
    if (key !== "bytes") {
      ok = false;
      issues.push({
        path: [...at, key],
        code: "ER_MAPPING_BAD_OPTION",
        message: `truncate has no option "${key}"${suggestion(key, ["bytes"]) || "; its only option is bytes"}`,
      });
    }
  }
  const bytes = options["bytes"];
  if (!ok && bytes === undefined) return undefined;
  if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 1) {
    issues.push({
      path: [...at, "bytes"],
      code: "ER_MAPPING_BAD_OPTION",
      message: `truncate needs bytes: a whole number of bytes, at least 1, as in ${example}`,
    });
    return undefined;
  }
  return ok ? { name: "truncate", bytes } : undefined;
}

function compileKeys(
  name: "pick" | "omit",
  options: unknown,
  at: PathSegment[],
  issues: MappingIssue[],
): Transform | undefined {
  if (!Array.isArray(options) || options.length === 0 || !options.every((key) => typeof key === "string")) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_OPTION",
      message: `${name} takes a non-empty list of key names, as in ${OPTION_EXAMPLES[name]}`,
    });
    return undefined;
  }
  return { name, keys: [...options] };
}

function compilePhone(
  name: "hash_phone" | "e164",
  options: unknown,
  at: PathSegment[],
  issues: MappingIssue[],
): Transform | undefined {
  const example = OPTION_EXAMPLES[name] as string;
  if (!isPlainObject(options)) {
    issues.push({
      path: at,
      code: "ER_MAPPING_BAD_OPTION",
      message: `${name} takes { default_country_code: "44" }, or no options: ${name}`,
    });
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(options)) {
    if (key !== "default_country_code") {
      ok = false;
      issues.push({
        path: [...at, key],
        code: "ER_MAPPING_BAD_OPTION",
        message: `${name} has no option "${key}"${
          suggestion(key, ["default_country_code"]) || "; its only option is default_country_code"
        }`,
      });
    }
  }
  const code = options["default_country_code"];
  if (code === undefined) return ok ? { name, defaultCountryCode: "1" } : undefined;
  const text = typeof code === "number" && Number.isInteger(code) ? String(code) : code;
  if (typeof text !== "string" || !/^\+?[1-9]\d{0,2}$/.test(text)) {
    issues.push({
      path: [...at, "default_country_code"],
      code: "ER_MAPPING_BAD_OPTION",
      message: `default_country_code is a country calling code of 1-3 digits, as in ${example}`,
    });
    return undefined;
  }
  return ok ? { name, defaultCountryCode: text.replace(/^\+/, "") } : undefined;
}
