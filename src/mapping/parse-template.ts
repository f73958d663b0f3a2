import type { TemplatePart } from "./expression.js";
import { parseMappingPath } from "./mapping-path.js";

/**
 * Split a template into text and placeholder paths. A placeholder is a path relative to the event
 * (`{{traits.first_name}}`, `{{["first name"]}}`), or written out (`{{$.traits.x}}`, `{{@.sku}}`);
 * spaces inside the braces are ignored. `}}` outside a placeholder is plain text.
 *
 * @example
 * parseTemplate("Hi {{ traits.first_name }}!")
 * // { ok: true, parts: ["Hi ", { root: "$", segments: ["traits", "first_name"], text: "$.traits.first_name" }, "!"] }
 */
export function parseTemplate(
  text: string,
): { ok: true; parts: TemplatePart[] } | { ok: false; message: string } {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{{", i);
    if (open === -1) {
      parts.push(text.slice(i));
      break;
    }
    if (open > i) parts.push(text.slice(i, open));
    const close = text.indexOf("}}", open + 2);
    if (close === -1) {
      return { ok: false, message: `"{{" at character ${open + 1} is never closed; close it with "}}"` };
    }
    const inner = text.slice(open + 2, close).trim();
    if (inner === "")
      return { ok: false, message: `empty placeholder "{{}}" at character ${open + 1}; put a path inside` };
    if (inner.includes("{{")) {
      return {
        ok: false,
        message: `"{{" inside the placeholder at character ${open + 1}; placeholders do not nest`,
      };
    }
    const pathText =
      inner.startsWith("$") || inner.startsWith("@")
        ? inner
        : inner.startsWith("[")
          ? `$${inner}`
          : `$.${inner}`;
    const parsed = parseMappingPath(pathText);
    if (!parsed.ok) {
      return { ok: false, message: `placeholder "{{${inner}}}" is not a valid path: ${parsed.message}` };
    }
    parts.push(parsed.path);
    i = close + 2;
  }
  if (!parts.some((part) => typeof part !== "string")) {
    return {
      ok: false,
      message: `a template needs at least one {{placeholder}}; for fixed text use a literal`,
    };
  }
  return { ok: true, parts };
}
