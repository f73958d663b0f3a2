/**
 * Field paths in a payload, as detections and decisions name them: keys joined by `.`, array indexes
 * as `[n]`, keys that are not identifiers quoted (`["first name"]`), and — because a key can itself be
 * PHI (`{ "ozempic-2mg": 1 }`, `{ "ada@example.com": true }`) — a key in which a detector found
 * something written by position, `{n}` (the n-th own key of that object), so no path ever carries it.
 */

/** A step of a path: an object key, an array index, or the position of a key that must not be shown. */
export type PathSegment = string | number | { readonly keyAt: number };

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/**
 * @example
 * formatPayloadPath(["attributes", "items", 2, "name"]) // "attributes.items[2].name"
 * formatPayloadPath(["attributes", "first name"]) // 'attributes["first name"]'
 * formatPayloadPath(["properties", "cart", { keyAt: 1 }]) // "properties.cart{1}"
 */
export function formatPayloadPath(segments: readonly PathSegment[]): string {
  let text = "";
  for (const segment of segments) text += formatSegment(segment, text === "");
  return text;
}

/** One segment as it appears after the path so far (`first`: nothing before it). */
export function formatSegment(segment: PathSegment, first: boolean): string {
  if (typeof segment === "number") return `[${segment}]`;
  if (typeof segment === "object") return `{${segment.keyAt}}`;
  if (IDENTIFIER.test(segment)) return first ? segment : `.${segment}`;
  return `[${JSON.stringify(segment)}]`;
}

/**
 * The segments of a path written by `formatPayloadPath`, or null when it is not one.
 *
 * @example
 * parsePayloadPath('a.b[2]["x y"]{0}') // ["a", "b", 2, "x y", { keyAt: 0 }]
 */
export function parsePayloadPath(text: string): PathSegment[] | null {
  const segments: PathSegment[] = [];
  let i = 0;
  // Sticky patterns read at `i` without copying the rest of the text.
  const read = (pattern: RegExp): RegExpExecArray | null => {
    pattern.lastIndex = i;
    const match = pattern.exec(text);
    if (match !== null) i += match[0].length;
    return match;
  };
  const identifier = () => read(/[A-Za-z_$][\w$-]*/y)?.[0] ?? null;
  if (i < text.length && text[i] !== "[" && text[i] !== "{") {
    const first = identifier();
    if (first === null) return null;
    segments.push(first);
  }
  while (i < text.length) {
    const char = text[i];
    if (char === ".") {
      i++;
      const key = identifier();
      if (key === null) return null;
      segments.push(key);
    } else if (char === "{") {
      const match = read(/\{(0|[1-9]\d*)\}/y);
      if (match === null) return null;
      segments.push({ keyAt: Number(match[1]) });
    } else if (char === "[" && text[i + 1] === '"') {
      let end = i + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (text[end + 1] !== "]") return null;
      try {
        segments.push(JSON.parse(text.slice(i + 1, end + 1)) as string);
      } catch {
        return null;
      }
      i = end + 2;
    } else if (char === "[") {
      const match = read(/\[(0|[1-9]\d*)\]/y);
      if (match === null) return null;
      segments.push(Number(match[1]));
    } else {
      return null;
    }
  }
  return segments;
}

/** What a path points at: the value, the concrete keys/indexes to it, and the field names around it. */
export interface ResolvedPath {
  readonly value: unknown;
  /** The path with `{n}` replaced by the key it stands for. */
  readonly concrete: readonly (string | number)[];
  /** The last object key on the path (for an array element, the array's key); null if none. */
  readonly fieldName: string | null;
  /** The field name of the object holding the last key (what a detector scanning that key sees). */
  readonly parentFieldName: string | null;
  /** Whether the last segment is an object key (as opposed to an array index or the root). */
  readonly endsWithKey: boolean;
}

/**
 * Follow a path through objects' own keys and arrays' indexes; null when it does not exist.
 *
 * @example
 * resolvePayloadPath({ a: [{ b: 1 }] }, ["a", 0, "b"])?.value // 1
 */
export function resolvePayloadPath(root: unknown, segments: readonly PathSegment[]): ResolvedPath | null {
  let value = root;
  const concrete: (string | number)[] = [];
  let fieldName: string | null = null;
  let parentFieldName: string | null = null;
  let endsWithKey = false;
  for (const segment of segments) {
    if (typeof segment === "number") {
      if (!Array.isArray(value) || !Number.isInteger(segment) || segment < 0 || segment >= value.length) {
        return null;
      }
      value = value[segment];
      concrete.push(segment);
      endsWithKey = false;
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
    const key = typeof segment === "string" ? segment : Object.keys(value)[segment.keyAt];
    if (key === undefined || !Object.hasOwn(value, key)) return null;
    value = (value as Record<string, unknown>)[key];
    concrete.push(key);
    parentFieldName = fieldName;
    fieldName = key;
    endsWithKey = true;
  }
  return { value, concrete, fieldName, parentFieldName, endsWithKey };
}
