import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  ADMIN_ROUTES,
  type AdminOperationId,
  type AdminRole,
  type AdminRouteSpec,
  PreviewRequestSchema,
} from "../contracts/admin.js";
import { formatPath } from "../contracts/config.js";
import type { ApiError, ErrorCode } from "../contracts/errors.js";
import { parseSegmentEvent } from "../contracts/event.js";
import { INGEST_LIMITS } from "../ingest/limits.js";
import { AUDIT_ACTIONS, audit } from "../observability/audit.js";
import { LOG } from "../observability/log-events.js";
import { type AdminAuthOptions, createAdminAuthenticator } from "./admin-auth.js";
import { type AdminDeps, AdminHttpError, createAdminHandlers } from "./admin-handlers.js";
import { buildOpenApiDocument } from "./openapi-document.js";

export { type AdminDeps, AdminHttpError } from "./admin-handlers.js";

export interface AdminAppDeps extends AdminDeps {
  auth: AdminAuthOptions;
}

/** Who made a request, once its token was checked (set by the onRequest hook). */
const ROLES = new WeakMap<FastifyRequest, AdminRole>();

/**
 * The admin API (`/admin/api/...`, JSON): health, delivery log, event trace, dead letters and replay,
 * preview, and its OpenAPI document. Every route of `ADMIN_ROUTES` is registered here and nothing
 * else; each request needs `Authorization: Bearer <token>` (or, with no token configured, comes from
 * loopback), its role must be one the route allows, and its parameters and body must match the
 * route's zod schemas. Errors are `{"error":{code,message,path}}` as on ingest.
 *
 * @example
 * const app = createAdminApp({ ...deps, auth: { adminToken: new Secret(token), viewerToken: null } });
 * await app.inject({ url: "/admin/api/dead-letters", headers: { authorization: `Bearer ${token}` } });
 */
/** Record a refused request in the audit log; a failure to record is logged, not turned into a 500. */
async function auditDenial(
  deps: AdminAppDeps,
  actor: string,
  detail: { status: number; route: string; method: string; reason?: string },
): Promise<void> {
  try {
    await audit(deps.store, {
      actor: `admin-api:${actor}`,
      action: AUDIT_ACTIONS.adminDenied,
      target: detail.route,
      outcome: "denied",
      detail,
    });
  } catch (error) {
    deps.logger.error(
      { event: LOG.adminError, err: { message: (error as Error).message } },
      "could not audit a denial",
    );
  }
}

export function createAdminApp(deps: AdminAppDeps): FastifyInstance {
  // maxParamLength: a messageId may be 200 characters (fastify's default cuts path parameters at 100).
  const app = Fastify({
    logger: false,
    bodyLimit: INGEST_LIMITS.maxRequestBytes,
    routerOptions: { maxParamLength: 1000 },
    return503OnClosing: false,
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching a schema as a string.
  app.removeContentTypeParser("text/plain");
  const authenticate = createAdminAuthenticator(deps.auth);
  let openApi: Record<string, unknown> | undefined;
  const handlers = createAdminHandlers(deps, () => {
    openApi ??= buildOpenApiDocument();
    return openApi;
  });

  // Before the body is read: an unauthenticated or unauthorised caller learns nothing else.
  app.addHook("onRequest", async (request, reply) => {
    const result = authenticate(request.headers.authorization, request.socket.remoteAddress);
    const route = request.routeOptions.url ?? "unmatched";
    if (!result.ok) {
      deps.logger.info(
        { event: LOG.adminDenied, status: 401, route, method: request.method, reason: result.reason },
        "admin API request refused: no valid token",
      );
      await auditDenial(deps, "anonymous", {
        status: 401,
        route,
        method: request.method,
        reason: result.reason,
      });
      reply.header("www-authenticate", 'Bearer realm="sluice-admin"');
      const message =
        result.reason === "not loopback"
          ? "no admin token is configured, so the admin API only answers requests from this machine"
          : "send Authorization: Bearer <token> with SLUICE_ADMIN_TOKEN or SLUICE_VIEWER_TOKEN";
      return sendError(reply, 401, { code: "ER_ADMIN_UNAUTHORIZED", message });
    }
    const roles = (request.routeOptions.config as { roles?: readonly AdminRole[] } | undefined)?.roles;
    if (roles !== undefined && !roles.includes(result.role)) {
      deps.logger.info(
        { event: LOG.adminDenied, status: 403, route, method: request.method, role: result.role },
        "admin API request refused: role not allowed",
      );
      await auditDenial(deps, result.role, { status: 403, route, method: request.method });
      return sendError(reply, 403, {
        code: "ER_ADMIN_FORBIDDEN",
        message: `the ${result.role} role may not do this; it needs the ${roles.join(" or ")} role`,
      });
    }
    ROLES.set(request, result.role);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof AdminHttpError) {
      if (error.statusCode === 403) {
        deps.logger.info(
          { event: LOG.adminDenied, status: 403, route: request.routeOptions.url, role: ROLES.get(request) },
          "admin API request refused: role not allowed",
        );
        await auditDenial(deps, ROLES.get(request) ?? "unknown", {
          status: 403,
          route: request.routeOptions.url ?? "unmatched",
          method: request.method,
        });
      }
      return sendError(reply, error.statusCode, error.apiError);
    }
    const code = error.code ?? "";
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(reply, 413, {
        code: "ER_REQUEST_TOO_LARGE",
        message: `request body is over ${INGEST_LIMITS.maxRequestBytes} bytes`,
      });
    }
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(reply, 415, {
        code: "ER_UNSUPPORTED_MEDIA_TYPE",
        message: "send the body as Content-Type: application/json",
      });
    }
    if (
      code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      error instanceof SyntaxError
    ) {
      return sendError(reply, 400, { code: "ER_INVALID_JSON", message: "body is not valid JSON" });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 400, {
        code: "ER_ADMIN_INVALID_REQUEST",
        message: "the request could not be read",
      });
    }
    // Store errors and bugs: the message names fields and counts, never values (store-error.ts).
    deps.logger.error(
      { event: LOG.adminError, route: request.routeOptions.url, err: { message: error.message, code } },
      "admin API request failed",
    );
    return sendError(reply, 500, { code: "ER_INTERNAL", message: "unexpected error; the log has details" });
  });

  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, 404, { code: "ER_NOT_FOUND", message: "no such route" }),
  );

  for (const [operationId, route] of Object.entries(ADMIN_ROUTES) as [AdminOperationId, AdminRouteSpec][]) {
    const handler = handlers[operationId] as (input: {
      params: unknown;
      query: unknown;
      body: unknown;
      role: AdminRole;
    }) => Promise<unknown>;
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ":$1"),
      config: { roles: route.roles },
      handler: async (request) => {
        const role = ROLES.get(request);
        if (role === undefined) throw new Error("admin request without a role");
        return handler({
          params: validate(route.params, request.params, "params"),
          query: validate(route.query, request.query, "query"),
          body: validate(route.body, request.body, "body"),
          role,
        });
      },
    });
  }
  return app;
}

/**
 * A request part checked against its schema: the schema's output, or a 400 naming the first
 * problem's path (`query.limit`, `body.deliveryIds[0]`). A preview's event gets ingest's own codes
 * (`ER_MISSING_IDENTITY`, `ER_INVALID_TIMESTAMP`, ...), since it is the same Segment call.
 */
function validate(
  schema: z.ZodType | undefined,
  value: unknown,
  where: "params" | "query" | "body",
): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (schema === PreviewRequestSchema && issue?.path[0] === "event") {
    const event = parseSegmentEvent((value as { event?: unknown }).event, "body.event");
    if (!event.ok) throw new AdminHttpError(400, event.error);
  }
  if (issue === undefined) {
    throw new AdminHttpError(400, {
      code: "ER_ADMIN_INVALID_REQUEST",
      message: `invalid ${where}`,
      path: where,
    });
  }
  if (issue.code === "unrecognized_keys") {
    const path = formatPath([where, ...issue.path, issue.keys[0] ?? ""]);
    const noun = where === "query" ? "query parameter" : "field";
    throw new AdminHttpError(400, {
      code: "ER_ADMIN_INVALID_REQUEST",
      message: `${path}: unknown ${noun}`,
      path,
    });
  }
  const path = formatPath([where, ...issue.path]);
  // zod's messages describe the expected shape only, never the value received.
  throw new AdminHttpError(400, {
    code: "ER_ADMIN_INVALID_REQUEST",
    message: `${path}: ${issue.message}`,
    path,
  });
}

function sendError(reply: FastifyReply, status: number, error: ApiError & { code: ErrorCode }): FastifyReply {
  return reply.code(status).send({ error });
}
