/**
 * In-memory corrections to the official Track OpenAPI spec (it is never edited on disk).
 *
 * Each patch fixes a schema that contradicts documented server behaviour (track-api.md) or that no
 * valid body can satisfy (a `oneOf` whose branches overlap). Each must still change the current spec:
 * `compileTrackOpenApi` fails loudly when one no longer applies, so a newer spec gets re-checked.
 */
import { isPlainObject } from "./limits.js";

export type Json = Record<string, unknown>;

/** An in-memory correction of the spec, with the reason (track-api.md section) it is needed. */
export interface SpecPatch {
  name: string;
  why: string;
  /** Returns how many places it changed; 0 means the spec changed and the patch is stale. */
  apply(spec: Json): number;
}

/** Visits every object in a JSON tree. */
export function walk(node: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (isPlainObject(node)) {
    visit(node);
    for (const child of Object.values(node)) walk(child, visit);
  }
}

export function at(root: unknown, ...path: string[]): Json | undefined {
  let node = root;
  for (const key of path) node = isPlainObject(node) ? node[key] : undefined;
  return isPlainObject(node) ? node : undefined;
}

const requestSchema = (spec: Json, path: string, method: string) =>
  at(spec, "paths", path, method, "requestBody", "content", "application/json", "schema");

/** Person identifier alternatives: a oneOf whose branches each require one of id/email/phone/cio_id. */
function isPersonIdentifierOneOf(node: Json): node is Json & { oneOf: Json[] } {
  if (!Array.isArray(node["oneOf"])) return false;
  const required = node["oneOf"].map((branch) => (isPlainObject(branch) ? branch["required"] : undefined));
  return JSON.stringify(required) === JSON.stringify([["id"], ["email"], ["phone"], ["cio_id"]]);
}

const IDENTIFIER_KEYS: ReadonlySet<string> = new Set(["id", "email", "cio_id", "phone", "anonymous_id"]);

/** `{properties: {<one identifier key>}}` with no `required`. */
function isUnrequiredIdentifierBranch(branch: unknown): boolean {
  const keys = Object.keys(at(branch, "properties") ?? {});
  return (
    isPlainObject(branch) &&
    branch["required"] === undefined &&
    keys.length === 1 &&
    IDENTIFIER_KEYS.has(keys[0] ?? "")
  );
}

/**
 * The patches every compiled spec gets.
 *
 * @example
 * const spec = structuredClone(document);
 * for (const patch of SPEC_PATCHES) patch.apply(spec); // each returns how many places it changed
 */
export const SPEC_PATCHES: readonly SpecPatch[] = [
  {
    name: "identifier-branches-require-their-key",
    why:
      "§2.7, §3: merge sides and object-relationship person identifiers list one branch per key (id, email, " +
      "cio_id) without `required`, so {id} matches every branch and oneOf rejects each valid body",
    apply(spec) {
      let changed = 0;
      walk(spec, (node) => {
        const branches = node["oneOf"];
        if (!Array.isArray(branches) || !branches.every(isUnrequiredIdentifierBranch)) return;
        for (const branch of branches as Json[])
          branch["required"] = Object.keys(at(branch, "properties") ?? {});
        changed++;
      });
      return changed;
    },
  },
  {
    name: "metrics-branches-overlap",
    why: "§2.8: the metric branches (email, push, ...) share values such as `opened`, so a valid body matches several and oneOf fails",
    apply(spec) {
      const schema = requestSchema(spec, "/api/v1/metrics", "post");
      if (!schema || !Array.isArray(schema["oneOf"])) return 0;
      schema["anyOf"] = schema["oneOf"];
      delete schema["oneOf"];
      return 1;
    },
  },
  {
    name: "screen-event-anonymous-id-optional",
    why: "§2.4: the spec requires anonymous_id on a screen event under /customers/{id}/events; a doc error, not enforced",
    apply(spec) {
      let changed = 0;
      for (const branch of (at(spec, "components", "schemas", "eventsRequest")?.["oneOf"] as
        | Json[]
        | undefined) ?? []) {
        const required = branch["required"];
        if (Array.isArray(required) && required.includes("anonymous_id")) {
          branch["required"] = required.filter((key) => key !== "anonymous_id");
          changed++;
        }
      }
      return changed;
    },
  },
  {
    name: "v1-identify-any-attribute-value",
    why: '§2.2: nested values are sent (Segment) and accepted, and `unsubscribed` may be "1"; accept any JSON value',
    apply(spec) {
      const schema = requestSchema(spec, "/api/v1/customers/{identifier}", "put");
      const unsubscribed = at(schema, "properties", "unsubscribed");
      if (!schema || !unsubscribed || !isPlainObject(schema["additionalProperties"])) return 0;
      schema["additionalProperties"] = true;
      delete unsubscribed["type"];
      return 1;
    },
  },
  {
    name: "invalid-timestamps-are-not-rejected",
    why: "§3, §4.4: an invalid timestamp is replaced with now, never a 400 (the simulator records it as an anomaly); Go sends last_used as a string (§2.6)",
    apply(spec) {
      let changed = 0;
      walk(spec, (node) => {
        const properties = node["properties"];
        if (!isPlainObject(properties)) return;
        for (const key of ["timestamp", "last_used"]) {
          const property = properties[key];
          if (isPlainObject(property) && property["type"] === "integer") {
            delete property["type"];
            changed++;
          }
        }
      });
      return changed;
    },
  },
];

/** Only applied when anonymous identifiers are allowed: Segment sends `{anonymous_id}` (§3). */
export const ANONYMOUS_IDENTIFIER_PATCH: SpecPatch = {
  name: "person-identifiers-accept-anonymous-id",
  why: "§3: Segment sends identifiers {anonymous_id} for person events without a person id (UNCONFIRMED server-side)",
  apply(spec) {
    let changed = 0;
    walk(spec, (node) => {
      if (!isPersonIdentifierOneOf(node)) return;
      node.oneOf.push({
        type: "object",
        required: ["anonymous_id"],
        properties: { anonymous_id: { type: "string" } },
      });
      changed++;
    });
    return changed;
  },
};
