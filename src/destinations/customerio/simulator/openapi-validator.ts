/**
 * Validates request bodies against the official Customer.io Track OpenAPI 3.1 spec (track-api.md §0,
 * §7), compiled with Ajv's JSON Schema 2020-12 dialect.
 *
 * The spec is not part of this repository: it is looked up at run time (see {@link findTrackOpenApiSpec}).
 * Without it the check is skipped with one line of output, except in CI, where a missing spec is an
 * error: the oracle must never silently stop checking.
 *
 * A few schemas in the spec contradict the documented server behaviour or cannot match any body at
 * all; {@link SPEC_PATCHES} corrects those in memory, each citing its reason. Every patch must apply,
 * so a changed spec fails loudly instead of drifting.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { isPlainObject } from "./limits.js";
import { ANONYMOUS_IDENTIFIER_PATCH, at, type Json, SPEC_PATCHES, walk } from "./openapi-patches.js";

export { SPEC_PATCHES } from "./openapi-patches.js";

const addFormats = addFormatsModule.default;

export type OpenApiCheck = { ok: true } | { ok: false; errors: string[] };

/** A compiled Track OpenAPI spec. */
export interface TrackOpenApiValidator {
  /** Where the spec was read from. */
  readonly specPath: string;
  /** Whether `identifiers: {anonymous_id}` was added to person identifiers (see the load option). */
  readonly allowsAnonymousIdentifiers: boolean;
  /**
   * Validates a request body for the operation matching `method` and `path` (path templates such as
   * `/api/v1/customers/{identifier}` match one segment). Operations without a request body accept
   * anything; a path the spec does not describe fails.
   */
  validate(method: string, path: string, body: unknown): OpenApiCheck;
  /** Validates one `/api/v2/batch` item against the schema for its `type` and `action`. */
  validateBatchItem(item: unknown): OpenApiCheck;
}

export interface LoadTrackOpenApiOptions {
  /** Read the spec from here instead of searching. */
  specPath?: string;
  /** Environment for `SLUICE_CIO_OPENAPI_SPEC` and `CI`. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the upward search starts (besides this file's folder). Default: `process.cwd()`. */
  cwd?: string;
  /** Receives the one "skipped" line when the spec is absent. Default: `console.warn`. */
  log?: (line: string) => void;
  /** Throw when the spec is absent and `CI` is set. Default true; the sandbox command turns it off. */
  requireInCi?: boolean;
  /** Accept `identifiers: {anonymous_id}` on person items, as the simulator option does. Default false. */
  allowAnonymousIdentifiers?: boolean;
}

/** The spec's file name and its place beside the repository: `<parent>/shared/customerio/`. */
const SPEC_SEGMENTS = ["shared", "customerio", "track-openapi.json"] as const;
const SPEC_ID = "https://sluice.invalid/customerio/track-openapi.json";

/**
 * True when `CI` is set to anything but an empty string, "0" or "false".
 *
 * @example
 * isCi({ CI: "true" }); // true
 */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env["CI"];
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * Finds the spec: `SLUICE_CIO_OPENAPI_SPEC` (which must exist when set), else the first
 * `shared/customerio/track-openapi.json` found walking up from `cwd` and from this file.
 *
 * @example
 * findTrackOpenApiSpec({ cwd: "/work/main", env: {} }); // "/work/shared/customerio/track-openapi.json"
 */
export function findTrackOpenApiSpec(
  options: Pick<LoadTrackOpenApiOptions, "cwd" | "env"> = {},
): string | null {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env["SLUICE_CIO_OPENAPI_SPEC"];
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new Error(`SLUICE_CIO_OPENAPI_SPEC is set to ${path}, which does not exist`);
    return path;
  }
  for (const start of [cwd, dirname(fileURLToPath(import.meta.url))]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const candidate = join(dir, ...SPEC_SEGMENTS);
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return null;
}

/** Compiled validators by spec path, modification time and variant: compiling takes a few hundred ms. */
const compiled = new Map<string, TrackOpenApiValidator>();

/**
 * Locates, patches and compiles the Track OpenAPI spec (synchronously; the result is cached per spec
 * file, so every test may call it).
 * Returns null (after one line of output) when the spec is absent, and throws instead when `CI` is set.
 *
 * @example
 * const openApi = loadTrackOpenApi();
 * openApi?.validate("POST", "/api/v2/entity", { type: "person", identifiers: { id: "1" }, action: "delete" });
 * // { ok: true }
 */
export function loadTrackOpenApi(options: LoadTrackOpenApiOptions = {}): TrackOpenApiValidator | null {
  const env = options.env ?? process.env;
  const specPath = options.specPath ?? findTrackOpenApiSpec(options);
  if (specPath === null || !existsSync(specPath)) {
    const where = `${SPEC_SEGMENTS.join("/")} beside the repository, or SLUICE_CIO_OPENAPI_SPEC`;
    if (isCi(env) && options.requireInCi !== false) {
      throw new Error(
        `Customer.io Track OpenAPI spec not found (looked for ${where}); CI must not skip the check`,
      );
    }
    (options.log ?? console.warn)(
      `OpenAPI check skipped: Customer.io Track OpenAPI spec not found (${where}).`,
    );
    return null;
  }
  const allowAnonymousIdentifiers = options.allowAnonymousIdentifiers ?? false;
  const key = `${resolve(specPath)}\u0000${statSync(specPath).mtimeMs}\u0000${allowAnonymousIdentifiers}`;
  let validator = compiled.get(key);
  if (!validator) {
    const spec: unknown = JSON.parse(readFileSync(specPath, "utf8"));
    validator = compileTrackOpenApi(spec, specPath, { allowAnonymousIdentifiers });
    compiled.set(key, validator);
  }
  return validator;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Renders Ajv errors as `/batch/0/name: must have required property 'name'`, deduplicated. */
function formatErrors(errors: readonly ErrorObject[] | null | undefined, prefix = ""): string[] {
  const lines = (errors ?? []).map(
    (error) => `${prefix}${error.instancePath || (prefix ? "" : "/")}: ${error.message ?? error.keyword}`,
  );
  return [...new Set(lines)].slice(0, 20);
}

interface Operation {
  method: string;
  pattern: RegExp;
  validate: ValidateFunction | null;
}

/**
 * Compiles an already-parsed spec document (patched in memory, never written back).
 *
 * @example
 * const openApi = compileTrackOpenApi(JSON.parse(text), "/path/to/track-openapi.json");
 */
export function compileTrackOpenApi(
  specDocument: unknown,
  specPath: string,
  options: { allowAnonymousIdentifiers?: boolean } = {},
): TrackOpenApiValidator {
  if (!isPlainObject(specDocument) || !isPlainObject(specDocument["paths"])) {
    throw new Error(`${specPath} is not an OpenAPI document (no "paths")`);
  }
  const spec = structuredClone(specDocument);
  const allowsAnonymousIdentifiers = options.allowAnonymousIdentifiers ?? false;
  for (const patch of [
    ...SPEC_PATCHES,
    ...(allowsAnonymousIdentifiers ? [ANONYMOUS_IDENTIFIER_PATCH] : []),
  ]) {
    if (patch.apply(spec) === 0) {
      throw new Error(
        `Track OpenAPI patch "${patch.name}" no longer applies to ${specPath}; re-check: ${patch.why}`,
      );
    }
  }
  // strict:false tolerates the OpenAPI keywords (discriminator, example, xml, externalDocs, x-*).
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  // Formats Ajv does not know ("unix timestamp", "ulid", ...) are descriptive only. `ulid` in
  // particular must not be enforced: Segment sends its non-ULID messageId as the event id (§8.5).
  walk(spec, (node) => {
    const format = node["format"];
    if (typeof format === "string" && !ajv.formats[format]) ajv.addFormat(format, true);
  });
  ajv.addSchema(spec, SPEC_ID);
  const compileRef = (pointer: string) => ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec["paths"] as Json)) {
    const pattern = new RegExp(
      `^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
    );
    for (const method of ["get", "put", "post", "delete", "patch"]) {
      const operation = at(item, method);
      if (!operation) continue;
      const hasBody = at(operation, "requestBody", "content", "application/json", "schema") !== undefined;
      const pointer = `/paths/${escapePointer(path)}/${method}/requestBody/content/application~1json/schema`;
      operations.push({
        method: method.toUpperCase(),
        pattern,
        validate: hasBody ? compileRef(pointer) : null,
      });
    }
  }

  const itemValidators = compileBatchItemValidators(spec, compileRef);
  const batchItems = compileRef(
    "/paths/~1api~1v2~1batch/post/requestBody/content/application~1json/schema/properties/batch/items",
  );

  const checkItem = (item: unknown, prefix: string): OpenApiCheck => {
    const key = isPlainObject(item) ? `${String(item["type"])}/${String(item["action"])}` : "";
    const validate = itemValidators.get(key) ?? batchItems;
    return validate(item) ? { ok: true } : { ok: false, errors: formatErrors(validate.errors, prefix) };
  };
  const validateBatchItem = (item: unknown): OpenApiCheck => checkItem(item, "");

  return {
    specPath,
    allowsAnonymousIdentifiers,
    validateBatchItem,
    validate(method, path, body) {
      const bare = path.split("?")[0] ?? path;
      const operation = operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(bare));
      if (!operation)
        return { ok: false, errors: [`the Track OpenAPI spec has no operation ${method} ${bare}`] };
      // A separate binding: Ajv's validate is a type guard and would narrow `body` to never below.
      const input: unknown = body;
      if (!operation.validate || operation.validate(input)) return { ok: true };
      const errors = formatErrors(operation.validate.errors);
      // For a batch, name the failing items with their own schema's errors, which read far better
      // than the union's.
      if (bare === "/api/v2/batch" && isPlainObject(body) && Array.isArray(body["batch"])) {
        const itemErrors = body["batch"].flatMap((item, index) => {
          const check = checkItem(item, `/batch/${index}`);
          return check.ok ? [] : check.errors;
        });
        if (itemErrors.length > 0) return { ok: false, errors: itemErrors.slice(0, 20) };
      }
      return { ok: false, errors };
    },
  };
}

/**
 * Maps `type/action` to the schema of each batch item alternative, found by walking the batch item
 * union down to its `$ref`s and reading each one's `type` and `action` enums.
 */
/** Resolves a local `$ref` (`#/components/...`). */
function deref(spec: Json, node: unknown): Json | undefined {
  const ref = isPlainObject(node) ? node["$ref"] : undefined;
  if (typeof ref !== "string") return isPlainObject(node) ? node : undefined;
  const path = ref
    .replace(/^#\//, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  return at(spec, ...path);
}

/** The single `enum` value of `properties[name]` in a schema or its `allOf` members. */
function singleEnum(spec: Json, node: unknown, name: string, depth: number): unknown {
  const schema = deref(spec, node);
  if (!schema || depth > 5) return undefined;
  const values = deref(spec, at(schema, "properties", name))?.["enum"];
  if (Array.isArray(values) && values.length === 1) return values[0];
  for (const member of Array.isArray(schema["allOf"]) ? schema["allOf"] : []) {
    const found = singleEnum(spec, member, name, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function compileBatchItemValidators(
  spec: Json,
  compileRef: (pointer: string) => ValidateFunction,
): Map<string, ValidateFunction> {
  const items = at(
    spec,
    "paths",
    "/api/v2/batch",
    "post",
    "requestBody",
    "content",
    "application/json",
    "schema",
    "properties",
    "batch",
    "items",
  );
  const refs: string[] = [];
  walk(items, (node) => {
    if (typeof node["$ref"] === "string") refs.push(node["$ref"]);
  });
  const validators = new Map<string, ValidateFunction>();
  for (const ref of refs) {
    const pointer = ref.replace(/^#/, "");
    const type = singleEnum(spec, { $ref: ref }, "type", 0);
    const action = singleEnum(spec, { $ref: ref }, "action", 0);
    if (typeof type === "string" && typeof action === "string")
      validators.set(`${type}/${action}`, compileRef(pointer));
  }
  // 12 person actions, 5 object actions, 1 delivery action: anything else means the spec changed shape.
  if (validators.size !== refs.length) {
    throw new Error(
      `only ${validators.size} of ${refs.length} Track OpenAPI batch item schemas name their type and action`,
    );
  }
  return validators;
}
