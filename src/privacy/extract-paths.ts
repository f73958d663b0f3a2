import { builtinDetectors } from "./builtin-detectors.js";
import type { Detector } from "./detector.js";

/** The JSON type of a value seen at a path. */
export type SeenValueType = "string" | "number" | "boolean" | "object" | "array" | "null";

/** One path of an event and the types its values had there; never a value. */
export interface ExtractedPath {
  /** `properties.order_id`, `traits.address.city`, `properties.products[].sku`, `properties["odd key"]`. */
  path: string;
  /** Sorted by `SEEN_VALUE_TYPES` order. */
  types: SeenValueType[];
}

export interface ExtractPathsOptions {
  /** Paths deeper than this many segments (an array level `[]` counts as one) are not recorded. Default 8. */
  maxDepth?: number;
  /** At most this many paths per event (the first ones in document order). Default 200. */
  maxPaths?: number;
  /** Elements of one array looked at (their types and keys merge into `x[]`). Default 20. */
  maxArrayItems?: number;
  /** Detectors run on every key; a key any of them flags is skipped with all below it. Default: the built-in set. */
  detectors?: readonly Detector[];
}

/** Every type, in the order `types` lists them. */
export const SEEN_VALUE_TYPES: readonly SeenValueType[] = [
  "string",
  "number",
  "boolean",
  "object",
  "array",
  "null",
];

export const EXTRACT_PATHS_DEFAULTS = { maxDepth: 8, maxPaths: 200, maxArrayItems: 20 } as const;

/** Keys written `.key`; anything else is written `["key"]` (the mapping language's canonical form). */
const PLAIN_KEY = /^[^.[\]"'{}\s*]+$/u;
/** Keys that look like values rather than field names: the key itself would be data. */
const VALUE_LIKE_KEYS: readonly RegExp[] = [
  /@/, // an email address or a handle
  /\d{5}/, // a long run of digits: an id, a phone number, a timestamp
  /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i, // a UUID
  /^\d{4}-\d{2}-\d{2}/, // a date
];
/** Longer keys are not field names anyone maps. */
const MAX_KEY_CHARS = 100;

/**
 * Whether an object key may be recorded: not too long, not shaped like a value (an email, a long
 * digit run, a UUID, a date) and not flagged by any PHI detector (a key such as `hiv_status` or a
 * key that is itself an SSN says something about the person).
 *
 * @example
 * recordableKey("order_id", builtinDetectors()) // true
 * recordableKey("ada@example.com", builtinDetectors()) // false
 */
export function recordableKey(key: string, detectors: readonly Detector[]): boolean {
  if (key.length === 0 || key.length > MAX_KEY_CHARS) return false;
  if (VALUE_LIKE_KEYS.some((pattern) => pattern.test(key))) return false;
  for (const detector of detectors) {
    try {
      if (detector.scan(key, { path: "", key: null, part: "key" }).length > 0) return false;
    } catch {
      return false; // a detector that throws counts as a hit (fail closed)
    }
  }
  return true;
}

function typeOf(value: unknown): SeenValueType | null {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      return "object";
    default:
      return null; // not JSON (undefined, a function): nothing to record
  }
}

/**
 * `recordableKey` verdicts, per detector list: events of one kind repeat the same few keys, and running
 * every detector over each key of every event would cost more than the rest of `extractPaths`. A
 * verdict depends only on the key and the detectors, so caching it changes no result. Bounded: cleared
 * when it reaches MAX_CACHED_VERDICTS keys (events with ever-new keys cost what they did uncached).
 */
const VERDICTS = new WeakMap<readonly Detector[], Map<string, boolean>>();
const MAX_CACHED_VERDICTS = 10_000;

function verdictCache(detectors: readonly Detector[]): Map<string, boolean> {
  let cache = VERDICTS.get(detectors);
  if (cache === undefined) {
    cache = new Map();
    VERDICTS.set(detectors, cache);
  }
  return cache;
}

function child(parent: string, key: string): string {
  const segment = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === "") return segment;
  return segment.startsWith("[") ? `${parent}${segment}` : `${parent}.${segment}`;
}

/**
 * The paths of an event that Sluice records as "seen" (for the mapper's field picker), with the
 * types of their values: names and types only, never a value. Object keys become `.key` (or
 * `["odd key"]`), array elements `[]` (their types and keys merged over the first `maxArrayItems`);
 * an array of objects records `x` (array) and `x[].key`, an array of other values also `x[]` with
 * the elements' types. A key that looks like PHI or like a value (`recordableKey`) is skipped with
 * everything below it. Pure: no I/O, no clock; cycles are ignored.
 *
 * @example
 * extractPaths({ properties: { order_id: "o-1", products: [{ sku: "a" }, { sku: 7 }] } })
 * // [{ path: "properties", types: ["object"] }, { path: "properties.order_id", types: ["string"] },
 * //  { path: "properties.products", types: ["array"] },
 * //  { path: "properties.products[].sku", types: ["string", "number"] }]
 */
export function extractPaths(event: unknown, options: ExtractPathsOptions = {}): ExtractedPath[] {
  const maxDepth = options.maxDepth ?? EXTRACT_PATHS_DEFAULTS.maxDepth;
  const maxPaths = options.maxPaths ?? EXTRACT_PATHS_DEFAULTS.maxPaths;
  const maxArrayItems = options.maxArrayItems ?? EXTRACT_PATHS_DEFAULTS.maxArrayItems;
  const detectors = options.detectors ?? builtinDetectors();
  const found = new Map<string, Set<SeenValueType>>();
  const keyVerdicts = verdictCache(detectors);
  const recordable = (key: string) => {
    let verdict = keyVerdicts.get(key);
    if (verdict === undefined) {
      verdict = recordableKey(key, detectors);
      if (keyVerdicts.size >= MAX_CACHED_VERDICTS) keyVerdicts.clear();
      keyVerdicts.set(key, verdict);
    }
    return verdict;
  };
  const onPath = new Set<object>();

  /**
   * Record `value` at `path` (unless `record` is false: an array's object elements, whose keys go
   * straight under `x[]`, since `x[]` itself would only say "object"), then its members, `depth`
   * being the path's segments. False once the path cap is reached.
   */
  const visit = (value: unknown, path: string, depth: number, record = true): boolean => {
    const type = typeOf(value);
    if (type === null) return true;
    if (record && path !== "") {
      let types = found.get(path);
      if (types === undefined) {
        if (found.size >= maxPaths) return false;
        types = new Set();
        found.set(path, types);
      }
      types.add(type);
    }
    if ((type !== "object" && type !== "array") || depth >= maxDepth) return true;
    const container = value as object;
    if (onPath.has(container)) return true;
    onPath.add(container);
    try {
      if (Array.isArray(container)) {
        for (const item of container.slice(0, maxArrayItems)) {
          if (!visit(item, `${path}[]`, depth + 1, typeOf(item) !== "object")) return false;
        }
        return true;
      }
      for (const key of Object.keys(container)) {
        if (!recordable(key)) continue;
        let member: unknown;
        try {
          member = (container as Record<string, unknown>)[key];
        } catch {
          continue; // a getter that throws: nothing to read there
        }
        if (!visit(member, child(path, key), depth + 1)) return false;
      }
      return true;
    } finally {
      onPath.delete(container);
    }
  };

  visit(event, "", 0);
  return [...found].map(([path, types]) => ({
    path,
    types: SEEN_VALUE_TYPES.filter((type) => types.has(type)),
  }));
}
