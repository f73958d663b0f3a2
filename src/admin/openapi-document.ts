import { z } from "zod";
import {
  ADMIN_API_VERSION,
  ADMIN_ROUTES,
  type AdminRouteSpec,
  adminRequestSchemas,
  adminResponseSchemas,
  ErrorResponseSchema,
} from "../contracts/admin.js";

type Json = Record<string, unknown>;

const COMPONENT_PREFIX = "#/components/schemas/";

/** Why each error status is answered, for the document's shared responses. */
const ERROR_RESPONSES: Readonly<Record<number, string>> = {
  400: "Invalid query, path parameter or body (`ER_ADMIN_INVALID_REQUEST`, `ER_INVALID_JSON`, ...); `path` names the field.",
  401: "Not signed in and no bearer token, a wrong token, or a session that is over (`ER_ADMIN_UNAUTHORIZED`); a failed sign-in (`ER_ADMIN_LOGIN_FAILED`).",
  403: "The caller's role may not do this (`ER_ADMIN_FORBIDDEN`), or a change made with the session cookie lacked `x-csrf-token` or came from another origin (`ER_ADMIN_CSRF`).",
  404: "No such delivery, dead letter, event or destination (`ER_ADMIN_NOT_FOUND`).",
  413: "The body is too large (`ER_REQUEST_TOO_LARGE`).",
  409: "The change conflicts with what exists (`ER_ADMIN_SETUP_DONE`, `ER_ADMIN_USER_EXISTS`, `ER_ADMIN_LAST_ADMIN`, `ER_CONFIG_FROM_FILE`, `ER_CONFIG_NO_DRAFT`, `ER_CONFIG_CONFLICT`, `ER_CONFIG_NAME_TAKEN`).",
  415: "The body is not JSON (`ER_UNSUPPORTED_MEDIA_TYPE`).",
  422: "The configuration failed validation (`ER_CONFIG_INVALID`); `issues` lists every problem by path.",
  429: "Too many failed sign-ins (`ER_ADMIN_LOGIN_RATE_LIMITED`); `Retry-After` says how many seconds to wait.",
  500: "An unexpected error (`ER_INTERNAL`); the log has details, without payload values.",
  503: "This Sluice offers no configuration management, or no credential check and test send (`ER_CONFIG_UNAVAILABLE`).",
};

/**
 * The admin API's OpenAPI 3.1 document, generated from the zod schemas and the route table of
 * `contracts/admin.ts`: requests are described as they are sent (`io: "input"`: query values are
 * text), answers as Sluice produces them (`io: "output"`). Pure; build it once and serve it.
 *
 * @example
 * const doc = buildOpenApiDocument();
 * doc.paths["/admin/api/dead-letters/replay"].post.operationId // "replayDeadLetters"
 */
export function buildOpenApiDocument(): {
  openapi: "3.1.0";
  paths: Record<string, Record<string, Json>>;
} & Json {
  const uri = (id: string) => `${COMPONENT_PREFIX}${id}`;
  const schemas: Record<string, Json> = {};
  for (const [registry, io] of [
    [adminResponseSchemas, "output"],
    [adminRequestSchemas, "input"],
  ] as const) {
    const converted = z.toJSONSchema(registry, { uri, io, target: "draft-2020-12" }).schemas;
    for (const [id, schema] of Object.entries(converted)) {
      if (id in schemas) throw new Error(`two admin schemas are named ${id}`);
      const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
      schemas[id] = rest;
    }
  }
  const paths: Record<string, Record<string, Json>> = {};
  for (const [operationId, route] of Object.entries(ADMIN_ROUTES) as [string, AdminRouteSpec][]) {
    const operation: Json = {
      operationId,
      summary: route.summary,
      description: `${route.description}\n\n${route.public === true ? "Public: no sign-in needed." : `Roles: ${route.roles.join(", ")}.`}`,
      "x-sluice-roles": route.roles,
    };
    // Public routes (sign-in, the session's state, sign-out) need no credentials.
    if (route.public === true) operation["security"] = [];
    const parameters = [...parametersOf(route.params, "path"), ...parametersOf(route.query, "query")];
    if (parameters.length > 0) operation["parameters"] = parameters;
    if (route.body) {
      operation["requestBody"] = {
        required: true,
        content: { "application/json": { schema: refTo(route.body, adminRequestSchemas) } },
      };
    }
    const responses: Json = {
      "200": {
        description: adminResponseSchemas.get(route.response)?.description ?? route.summary,
        content: { "application/json": { schema: refTo(route.response, adminResponseSchemas) } },
      },
    };
    for (const status of [...new Set([...route.errors, 401, 403, 500])].sort()) {
      responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
    }
    operation["responses"] = responses;
    paths[route.path] ??= {};
    const byMethod = paths[route.path] as Record<string, Json>;
    byMethod[route.method.toLowerCase()] = operation;
  }
  const errorRef = refTo(ErrorResponseSchema, adminResponseSchemas);
  return {
    openapi: "3.1.0",
    info: {
      title: "Sluice admin API",
      version: ADMIN_API_VERSION,
      description:
        "Dead letters, replay, delivery log, event trace, health, preview, sign-in and users. Sign in with `POST /admin/api/session` (a `sluice_session` cookie; send the answer's `csrfToken` as `x-csrf-token` with every change), or send `Authorization: Bearer <token>` (SLUICE_ADMIN_TOKEN: role admin; SLUICE_VIEWER_TOKEN: role viewer, never sees payload values).",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    security: [{ bearerToken: [] }, { sessionCookie: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "sluice_session" },
      },
      schemas,
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, description]) => [
          `Error${status}`,
          { description, content: { "application/json": { schema: errorRef } } },
        ]),
      ),
    },
  };
}

function refTo(schema: z.ZodType, registry: typeof adminResponseSchemas): { $ref: string } {
  const id = registry.get(schema)?.id;
  if (id === undefined) throw new Error("an admin route's body or answer schema is not registered");
  return { $ref: `${COMPONENT_PREFIX}${id}` };
}

/** One OpenAPI parameter per property of a params/query object schema, described as text on the wire. */
function parametersOf(schema: z.ZodType | undefined, location: "path" | "query"): Json[] {
  if (schema === undefined) return [];
  const converted = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === "path" || (converted.required ?? []).includes(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}
