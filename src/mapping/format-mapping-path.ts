import type { PathSegment } from "../contracts/mapping.js";

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/**
 * Format an issue's location for people: keys joined by `.`, indexes as `[n]`, odd keys quoted.
 *
 * @example
 * formatMappingPath(["actions", 0, "fields", "email", "transforms", 1]) // "actions[0].fields.email.transforms[1]"
 * formatMappingPath(["fields", "full name"]) // 'fields["full name"]'
 */
export function formatMappingPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
