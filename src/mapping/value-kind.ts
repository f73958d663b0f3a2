/**
 * What kind of value something is, in the words traces and explanations use. Naming the kind (never
 * the value) is how the engine explains itself without showing event data.
 */
export type ValueKind = "missing" | "null" | "empty text" | "text" | "number" | "boolean" | "list" | "object";

/**
 * @example
 * valueKind("") // "empty text"
 * valueKind([1]) // "list"
 */
export function valueKind(value: unknown): ValueKind {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (typeof value === "string") return value === "" ? "empty text" : "text";
  if (typeof value === "number" || typeof value === "bigint") return "number";
  if (typeof value === "boolean") return "boolean";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "object";
  return "missing";
}

/**
 * The missing-value rule for data read from the event: absent, `undefined`, `null`, `""`, and
 * anything JSON cannot hold (NaN, ±Infinity, functions, symbols) are missing; `0`, `false`, `"0"` are values.
 *
 * @example
 * isMissingValue(null) // true
 * isMissingValue(0) // false
 */
export function isMissingValue(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (typeof value === "number") return !Number.isFinite(value);
  return typeof value === "function" || typeof value === "symbol";
}

/** A plain (non-list) object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `JSON.stringify` that never throws: undefined for what it cannot encode (BigInt, cycles, nesting
 * deeper than the stack).
 *
 * @example
 * safeJsonStringify({ a: 1 }) // '{"a":1}'
 */
export function safeJsonStringify(value: unknown): string | undefined {
  try {
    const text = JSON.stringify(value);
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Set a key on an object as an own, enumerable property (so `__proto__` is data, not a prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Deep-copy a value that compile has checked is JSON, so callers that mutate a result never change
 * the compiled mapping.
 */
export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(copy, key, cloneJson(item));
    return copy;
  }
  return value;
}
