import type { PathSegment } from "../contracts/mapping.js";
import type { MappingPath } from "./expression.js";

/** Characters that end a `.key` segment. */
const KEY_STOP = /[.[\]"'{}\s]/u;
/** Keys that can be written as `.key` in canonical text (everything else uses `["key"]`). */
const PLAIN_KEY = /^[^.[\]"'{}\s*]+$/u;

/**
 * Parse a path: `$` (the event) or `@` (the current element in `each.map`), then any of `.key`,
 * `["key"]` / `['key']` (backslash escapes the next character), `[0]`, `[-1]` (from the end).
 * Returns a message a user can act on when the text is malformed.
 *
 * @example
 * parseMappingPath('$.properties.products[-1]["unit price"]')
 * // { ok: true, path: { root: "$", segments: ["properties", "products", -1, "unit price"],
 * //   text: '$.properties.products[-1]["unit price"]' } }
 */
export function parseMappingPath(
  text: string,
): { ok: true; path: MappingPath } | { ok: false; message: string } {
  const first = text[0];
  if (first !== "$" && first !== "@") {
    return fail(
      `a path starts with $ (the event) or @ (the current element of each), as in "$.traits.email"`,
    );
  }
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    const char = text[i];
    if (char === ".") {
      let end = i + 1;
      while (end < text.length && !KEY_STOP.test(text[end] as string)) end += 1;
      const key = text.slice(i + 1, end);
      if (key === "") {
        return fail(
          text[i + 1] === "."
            ? `".." (recursive descent) is not supported at character ${i + 1}; name each key, as in "$.a.b"`
            : `expected a key after "." at character ${i + 1}; write "$.key" or '$["odd key"]'`,
        );
      }
      if (key === "*") return fail(`wildcards are not supported; to map every element of a list use each`);
      segments.push(key);
      i = end;
    } else if (char === "[") {
      const parsed = parseBracket(text, i);
      if (!parsed.ok) return parsed;
      segments.push(parsed.segment);
      i = parsed.next;
    } else {
      return fail(
        /\s/u.test(char as string)
          ? `a path cannot contain spaces outside quotes (character ${i + 1}); write '$["key with spaces"]'`
          : `unexpected "${char}" at character ${i + 1}; continue a path with .key, ["key"] or [0]`,
      );
    }
  }
  const root = first;
  return { ok: true, path: { root, segments, text: formatPathText(root, segments) } };
}

function parseBracket(
  text: string,
  open: number,
): { ok: true; segment: PathSegment; next: number } | { ok: false; message: string } {
  const quote = text[open + 1];
  if (quote === '"' || quote === "'") {
    let key = "";
    let i = open + 2;
    while (i < text.length && text[i] !== quote) {
      if (text[i] === "\\" && i + 1 < text.length) i += 1;
      key += text[i];
      i += 1;
    }
    if (i >= text.length)
      return fail(`unclosed quote starting at character ${open + 2}; close it with ${quote}]`);
    if (text[i + 1] !== "]") return fail(`expected "]" after the quoted key at character ${i + 2}`);
    return { ok: true, segment: key, next: i + 2 };
  }
  const close = text.indexOf("]", open);
  if (close === -1) return fail(`unclosed "[" at character ${open + 1}; write [0] or ["key"]`);
  const inner = text.slice(open + 1, close);
  if (inner === "*") return fail(`wildcards are not supported; to map every element of a list use each`);
  if (!/^-?\d+$/.test(inner) || !Number.isSafeInteger(Number(inner))) {
    return fail(
      `"[${inner}]" at character ${open + 1} is neither an index like [0] or [-1] nor a quoted key like ["key"]`,
    );
  }
  return { ok: true, segment: Number(inner), next: close + 1 };
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/**
 * The canonical text of a path: `.key` when the key allows it, `["key"]` otherwise, `[n]` for indexes.
 *
 * @example
 * formatPathText("$", ["traits", "first name", 0]) // '$.traits["first name"][0]'
 */
export function formatPathText(root: "$" | "@", segments: readonly PathSegment[]): string {
  let text: string = root;
  for (const segment of segments) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * Read a path from the event (`$`) or the current element (`@`). Only own properties of objects are
 * read (never `constructor`, `__proto__` or `length`); an index on a non-list, a key on a non-object
 * or an index out of range gives `undefined`. On a list, a `.key` made of digits works as an index.
 *
 * @example
 * readMappingPath({ root: "$", segments: ["items", -1], text: "$.items[-1]" }, { items: [1, 2] }, undefined) // 2
 */
export function readMappingPath(path: MappingPath, event: unknown, current: unknown): unknown {
  let value = path.root === "$" ? event : current;
  for (const segment of path.segments) {
    if (Array.isArray(value)) {
      let index: number;
      if (typeof segment === "number") index = segment;
      else if (/^(0|[1-9]\d*)$/.test(segment)) index = Number(segment);
      else return undefined;
      if (index < 0) index += value.length;
      if (index < 0 || index >= value.length) return undefined;
      value = value[index];
    } else if (typeof segment === "string" && typeof value === "object" && value !== null) {
      if (!Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return value;
}
