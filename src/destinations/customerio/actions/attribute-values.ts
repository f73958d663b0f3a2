import type { Attributes } from "../ops.js";
import { toUnixSeconds } from "../preset-actions.js";
import type { ActionOptionSpec } from "./action-definition.js";
import { StopSignal } from "./field-reader.js";

export const DATES_TO_UNIX_OPTION: ActionOptionSpec = {
  name: "dates_to_unix",
  values: [true, false],
  default: true,
  description: "Top-level ISO-8601 string attribute values become integer Unix seconds (UTC if zone-less).",
};

/** ISO-8601 date or date-time (the preset actions' rule: a `T` separator, optional zone). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A copy of an attribute map ready to send: `undefined` and non-finite numbers are dropped (JSON would
 * turn NaN into null, which removes an attribute), and with `datesToUnix` top-level ISO-8601 strings
 * become Unix seconds, as the preset actions do. `null` is kept: it removes the attribute. Returns
 * undefined when nothing is left.
 *
 * @example
 * cleanAttributes({ plan: "pro", trial_ends: "2026-12-01", n: Number.NaN }, true);
 * // { plan: "pro", trial_ends: 1796083200 }
 */
export function cleanAttributes(
  source: Readonly<Record<string, unknown>> | undefined,
  datesToUnix: boolean,
): Attributes | undefined {
  if (!source) return undefined;
  const out: Attributes = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || (typeof value === "number" && !Number.isFinite(value))) continue;
    let sent = value;
    if (datesToUnix && typeof value === "string" && ISO_DATE_TIME.test(value)) {
      sent = toUnixSeconds(value) ?? value;
    }
    setAttribute(out, key, sent);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Sets an own property, even one named `__proto__` (an assignment would change the prototype instead).
 *
 * @example
 * setAttribute(out, "__proto__", "x"); // out has an own "__proto__" key
 */
export function setAttribute(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** What a reserved attribute key must hold (from the OpenAPI schemas and the simulator's rules). */
export type ReservedRule =
  | "text"
  | "non_empty_text"
  | "email"
  | "loose_email"
  | "text_list"
  | "object"
  | "boolean";

/**
 * An email address as JSON Schema's `format: email` accepts it: dot-separated atoms, `@`, and a domain
 * of at least two labels. Stricter than the identifier rule, which only needs `local@domain`.
 */
const STRICT_EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
const LOOSE_EMAIL = /^[^\s@]+@[^\s@]+$/;

const RULE_TEXT: Record<ReservedRule, string> = {
  text: "must be text",
  non_empty_text: "must be non-empty text",
  email: "must be an email address",
  loose_email: "must be an email address",
  text_list: "must be a list of text",
  object: "must be an object",
  boolean: "must be true or false",
};

function follows(rule: ReservedRule, value: unknown): boolean {
  switch (rule) {
    case "text":
      return typeof value === "string";
    case "non_empty_text":
      return typeof value === "string" && value !== "";
    case "email":
      return typeof value === "string" && STRICT_EMAIL.test(value);
    case "loose_email":
      return typeof value === "string" && LOOSE_EMAIL.test(value);
    case "text_list":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "boolean":
      return typeof value === "boolean";
  }
}

/**
 * Checks the reserved keys of an attribute map against their rules; returns the first problem as
 * `{reason, field}` (naming the key, never its value), or null.
 *
 * @example
 * checkReservedAttributes({ recipient: "nope" }, { recipient: "email" }, "attributes");
 * // { reason: "attributes.recipient must be an email address", field: "attributes.recipient" }
 */
export function checkReservedAttributes(
  attributes: Readonly<Record<string, unknown>> | undefined,
  rules: Readonly<Record<string, ReservedRule>>,
  path: string,
): { reason: string; field: string } | null {
  if (!attributes) return null;
  for (const [key, rule] of Object.entries(rules)) {
    if (!Object.hasOwn(attributes, key) || attributes[key] === undefined) continue;
    if (!follows(rule, attributes[key])) {
      const field = `${path}.${key}`;
      return { reason: `${field} ${RULE_TEXT[rule]}`, field };
    }
  }
  return null;
}

/**
 * {@link checkReservedAttributes}, stopping the build on a problem.
 *
 * @example
 * assertReservedAttributes({ title: 7 }, { title: "text" }, "attributes"); // throws "attributes.title must be text"
 */
export function assertReservedAttributes(
  attributes: Readonly<Record<string, unknown>> | undefined,
  rules: Readonly<Record<string, ReservedRule>>,
  path: string,
): void {
  const problem = checkReservedAttributes(attributes, rules, path);
  if (problem) throw new StopSignal(problem.reason, problem.field);
}
