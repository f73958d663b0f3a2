/**
 * Top-level fields shown as they are: they name the call, not the person, and are what an operator
 * needs to recognise a dead letter (the delivery log already shows them).
 */
const SHOWN_AS_IS: ReadonlySet<string> = new Set(["type", "event", "messageId"]);

/**
 * An event payload with every value hidden: each string, number and boolean becomes a description of
 * its type and size, while keys, nesting, array lengths and nulls stay, so a dead letter can be
 * diagnosed ("`traits.email` is a 300-character text") without showing personal data. The top-level
 * `type`, `event` and `messageId` are kept when they are strings.
 *
 * Sizes: a text's length is counted in Unicode code points (an emoji is 1, not 2 UTF-16 units); a
 * number's in the characters of its JSON form. A boolean gets no size, since `true` and `false`
 * differ in length and the size would give the value away.
 *
 * @example
 * maskPayload({ type: "identify", traits: { email: "ada@example.com", age: 36, vip: true } })
 * // { type: "identify", traits: { email: "<text, 15 chars>", age: "<number, 2 chars>", vip: "<boolean>" } }
 */
export function maskPayload(value: unknown): unknown {
  if (!isPlainObject(value)) return maskValue(value);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SHOWN_AS_IS.has(key) && typeof field === "string" ? field : maskValue(field);
  }
  return out;
}

function maskValue(value: unknown): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(maskValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = maskValue(field);
    return out;
  }
  switch (typeof value) {
    case "string":
      return `<text, ${size([...value].length)}>`;
    case "number":
      return `<number, ${size(JSON.stringify(value).length)}>`;
    case "boolean":
      return "<boolean>";
    default:
      // Not JSON (undefined, bigint, ...): a payload parsed from JSON has none; say what it is, not its value.
      return `<${typeof value}>`;
  }
}

function size(chars: number): string {
  return chars === 1 ? "1 char" : `${chars} chars`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
