import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { AdminOperationId } from "../../contracts/admin.js";
import { ADMIN_ROUTES } from "../../contracts/admin.js";

const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
const BASE = "urn:sluice:admin-openapi";

/**
 * Validates real answers against the OpenAPI document the server serves: the document's component
 * schemas are compiled with Ajv (JSON Schema 2020-12, strict), and an answer must match the schema
 * its operation declares for its status.
 *
 * @example
 * const check = openApiChecker(doc);
 * expect(check("listDeadLetters", 200, body)).toEqual([]);
 */
export function openApiChecker(
  doc: Json,
): (operationId: AdminOperationId, status: number, body: unknown) => string[] {
  const components = doc["components"] as { schemas: Json; responses: Record<string, Json> };
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  // `#/components/schemas/X` inside a standalone schema document becomes `#/$defs/X`.
  const defs = JSON.parse(JSON.stringify(components.schemas).replaceAll("#/components/schemas/", "#/$defs/"));
  ajv.addSchema({ $id: BASE, $defs: defs });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (ref: string) => {
    const id = ref.replace("#/components/schemas/", "");
    let validate = compiled.get(id);
    if (!validate) {
      validate = ajv.getSchema(`${BASE}#/$defs/${id}`);
      if (!validate) throw new Error(`no schema ${id}`);
      compiled.set(id, validate);
    }
    return validate;
  };
  const paths = doc["paths"] as Record<string, Record<string, { responses: Record<string, Json> }>>;
  return (operationId, status, body) => {
    const route = ADMIN_ROUTES[operationId];
    const operation = paths[route.path]?.[route.method.toLowerCase()];
    if (!operation) return [`${operationId} is not in the document`];
    let response = operation.responses[String(status)];
    if (!response) return [`${operationId} does not document status ${status}`];
    if (typeof response["$ref"] === "string") {
      response = components.responses[(response["$ref"] as string).replace("#/components/responses/", "")];
    }
    const ref = (response?.["content"] as { "application/json": { schema: { $ref: string } } } | undefined)?.[
      "application/json"
    ].schema.$ref;
    if (ref === undefined) return [`${operationId} ${status} has no JSON schema`];
    const validate = validatorFor(ref);
    return validate(body)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""}`);
  };
}

/** Every component schema compiled on its own in strict mode: the errors, empty when all are valid. */
export function componentSchemaErrors(doc: Json): string[] {
  const components = doc["components"] as { schemas: Json };
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const defs = JSON.parse(JSON.stringify(components.schemas).replaceAll("#/components/schemas/", "#/$defs/"));
  const errors: string[] = [];
  ajv.addSchema({ $id: BASE, $defs: defs });
  for (const id of Object.keys(defs)) {
    try {
      if (!ajv.getSchema(`${BASE}#/$defs/${id}`)) errors.push(`${id}: not compiled`);
    } catch (error) {
      errors.push(`${id}: ${(error as Error).message}`);
    }
  }
  return errors;
}
