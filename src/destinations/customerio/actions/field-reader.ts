import { parseIsoMs } from "../../../contracts/event.js";
import { NO_IDENTIFIER_REASON } from "../preset-actions.js";
import type { ActionField, FieldKind } from "./action-definition.js";

/**
 * Checks resolved field values against an action's declared fields and hands them to its builder,
 * normalised by kind. A problem throws a {@link StopSignal}, which `defineAction` turns into a stop.
 */

/**
 * Thrown inside a build to stop it; `reason` never contains a field's value.
 *
 * @example
 * throw new StopSignal("platform is not ios or android", "platform");
 */
export class StopSignal extends Error {
  readonly reason: string;
  readonly field: string | undefined;
  constructor(reason: string, field?: string) {
    super(reason);
    this.reason = reason;
    this.field = field;
  }
}

/** Integer timestamps at or above this are milliseconds, not seconds (the simulator's threshold). */
const MILLISECONDS_THRESHOLD = 1e11;

const KIND_RULES: Record<FieldKind, string> = {
  text: "text",
  number: "a number",
  integer: "an integer",
  timestamp: "integer Unix seconds or an ISO-8601 date",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  any: "any value",
};

/**
 * Normalises one value for its kind. `undefined`, `null` and blank text count as absent (undefined).
 * Text also takes a finite number (as its decimal text); a timestamp takes integer Unix seconds or an
 * ISO-8601 date (a zone-less one is UTC), never milliseconds.
 *
 * @example
 * normalizeKind("timestamp", "2026-01-01T00:00:00Z", "timestamp"); // 1767225600
 * normalizeKind("text", "  ", "email"); // undefined
 */
export function normalizeKind(kind: FieldKind, value: unknown, name: string): unknown {
  if (value === undefined || value === null) return undefined;
  const mismatch = () => new StopSignal(`${name} must be ${KIND_RULES[kind]}`, name);
  switch (kind) {
    case "text":
      if (typeof value === "string") return value.trim() === "" ? undefined : value;
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      throw mismatch();
    case "number":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      throw mismatch();
    case "integer":
      if (typeof value === "number" && Number.isSafeInteger(value)) return value;
      throw mismatch();
    case "timestamp":
      return normalizeTimestamp(value, name, mismatch);
    case "boolean":
      if (typeof value === "boolean") return value;
      throw mismatch();
    case "object":
      if (isPlainObject(value)) return value;
      throw mismatch();
    case "array":
      if (Array.isArray(value)) return value;
      throw mismatch();
    case "any":
      return value;
  }
}

function normalizeTimestamp(value: unknown, name: string, mismatch: () => StopSignal): number {
  let seconds: number;
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    if (value >= MILLISECONDS_THRESHOLD) {
      throw new StopSignal(`${name} looks like milliseconds; Customer.io takes Unix seconds`, name);
    }
    seconds = value;
  } else if (typeof value === "string") {
    const ms = parseIsoMs(value.trim());
    if (ms === null) throw mismatch();
    seconds = Math.floor(ms / 1000);
  } else {
    throw mismatch();
  }
  if (seconds < 0) throw mismatch();
  return seconds;
}

/**
 * A JSON object: not null, not an array.
 *
 * @example
 * isPlainObject({ a: 1 }); // true
 * isPlainObject([1]); // false
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The reason a one-of group stops with: the person identifier groups use the preset wording
 * (`no id, email or cio_id`, `no primary id, email or cio_id`).
 */
function oneOfReason(group: readonly string[]): string {
  const [first, second, third] = group;
  if (group.length === 3 && first?.endsWith("cio_id") && second?.endsWith("id") && third?.endsWith("email")) {
    const prefix = first.slice(0, -"cio_id".length);
    if (second === `${prefix}id` && third === `${prefix}email`) {
      return prefix === "" ? NO_IDENTIFIER_REASON : `no ${prefix.replace(/_$/, "")} id, email or cio_id`;
    }
  }
  return `one of ${group.join(", ")} is required`;
}

/** Resolved, checked field values, read by kind. */
export class FieldReader {
  readonly #values: ReadonlyMap<string, unknown>;

  private constructor(values: ReadonlyMap<string, unknown>) {
    this.#values = values;
  }

  /**
   * Checks `fields` against the declared ones: unknown keys, then each field's kind, then `required`,
   * then each `oneOf` group. Throws a {@link StopSignal} on the first problem.
   *
   * @example
   * FieldReader.check({ fields: [{ name: "name", kind: "text", required: true, description: "" }] }, {});
   * // throws StopSignal("name is required", "name")
   */
  static check(
    spec: { fields: readonly ActionField[]; oneOf?: readonly (readonly string[])[] },
    fields: Readonly<Record<string, unknown>>,
  ): FieldReader {
    const declared = new Map(spec.fields.map((field) => [field.name, field]));
    for (const key of Object.keys(fields)) {
      if (!declared.has(key)) throw new StopSignal(`unknown field ${key}`, key);
    }
    const values = new Map<string, unknown>();
    for (const field of spec.fields) {
      const raw = Object.hasOwn(fields, field.name) ? fields[field.name] : undefined;
      const value = normalizeKind(field.kind, raw, field.name);
      if (value !== undefined) values.set(field.name, value);
    }
    for (const field of spec.fields) {
      if (field.required && !values.has(field.name)) {
        throw new StopSignal(`${field.name} is required`, field.name);
      }
    }
    for (const group of spec.oneOf ?? []) {
      if (!group.some((name) => values.has(name))) throw new StopSignal(oneOfReason(group));
    }
    return new FieldReader(values);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** A text field (not trimmed), or undefined. */
  text(name: string): string | undefined {
    return this.#typed(name, "string") as string | undefined;
  }

  /** A required text field. */
  requiredText(name: string): string {
    const value = this.text(name);
    if (value === undefined) throw new StopSignal(`${name} is required`, name);
    return value;
  }

  /** A number, integer or timestamp (Unix seconds) field. */
  number(name: string): number | undefined {
    return this.#typed(name, "number") as number | undefined;
  }

  boolean(name: string): boolean | undefined {
    return this.#typed(name, "boolean") as boolean | undefined;
  }

  object(name: string): Record<string, unknown> | undefined {
    const value = this.#values.get(name);
    return isPlainObject(value) ? value : undefined;
  }

  array(name: string): readonly unknown[] | undefined {
    const value = this.#values.get(name);
    return Array.isArray(value) ? value : undefined;
  }

  #typed(name: string, type: "string" | "number" | "boolean"): unknown {
    const value = this.#values.get(name);
    return typeof value === type ? value : undefined;
  }
}
