import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  clearedSessionCookie,
  createSessionManager,
  csrfTokenMatches,
  readCookie,
  SESSION_COOKIE,
} from "../auth/sessions.js";
import {
  ADMIN_API_PREFIX,
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
import {
  type AdminAuthFailure,
  type AdminAuthOptions,
  type AdminCaller,
  type AdminHttpContext,
  createRequestAuthenticator,
} from "./admin-auth.js";
import { type AdminDeps, AdminHttpError, createAdminHandlers } from "./admin-handlers.js";
import { buildOpenApiDocument } from "./openapi-document.js";

export { type AdminDeps, AdminHttpError } from "./admin-handlers.js";

export interface AdminAppDeps extends AdminDeps {
  auth: AdminAuthOptions;
}

/**
 * Who made a request (set by the onRequest hook for every admin API request): null for an
 * unauthenticated call to a public route.
 */
const CALLERS = new WeakMap<FastifyRequest, AdminCaller | null>();

/** What each route's fastify config carries for the hook. */
interface RouteConfig {
  operationId?: AdminOperationId;
  roles?: readonly AdminRole[];
  public?: true;
}

/** The 401 message for each reason: what to do about it, never a token. */
const UNAUTHORIZED_MESSAGES: Record<AdminAuthFailure, string> = {
  "missing credentials":
    "sign in (POST /admin/api/session), or send Authorization: Bearer <token> with SLUICE_ADMIN_TOKEN or SLUICE_VIEWER_TOKEN",
  "wrong token":
    "sign in (POST /admin/api/session), or send Authorization: Bearer <token> with SLUICE_ADMIN_TOKEN or SLUICE_VIEWER_TOKEN",
  "session over":
    "your session is over (signed out, unused for 12 h, older than 7 days, or its password or account changed): sign in again",
  "not loopback": "no admin token is configured, so the admin API only answers requests from this machine",
  "sign-in required":
    "a user account exists, so requests from this machine need to sign in too (POST /admin/api/session)",
};

/** Whether a request came over https: a TLS socket, or a proxy that says so. */
function isSecure(request: FastifyRequest): boolean {
  if ((request.socket as { encrypted?: boolean }).encrypted === true) return true;
  const forwarded = request.headers["x-forwarded-proto"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim().toLowerCase();
  return first === "https";
}

/** Whether a URL is the admin API's (everything else on this server, such as the web UI, is not guarded). */
function isAdminApiUrl(url: string): boolean {
  const path = url.split("?", 1)[0] ?? "";
  return path === ADMIN_API_PREFIX || path.startsWith(`${ADMIN_API_PREFIX}/`);
}

/** An `Origin` header, when present, must name the host the request was sent to. */
function originMatches(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host === undefined) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  const digest = (text: string) => createHash("sha256").update(text.toLowerCase(), "utf8").digest();
  return timingSafeEqual(digest(originHost), digest(host));
}

/** Record a refused request in the audit log; a failure to record is logged, not turned into a 500. */
async function auditDenial(
  deps: AdminAppDeps,
  actor: string,
  detail: { status: number; route: string; method: string; reason?: string },
): Promise<void> {
  try {
    await audit(deps.store, {
      actor,
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

/**
 * The admin API (`/admin/api/...`, JSON): health, delivery log, event trace, dead letters and replay,
 * preview, sign-in and users, configuration, dashboards, and its OpenAPI document. Every route of
 * `ADMIN_ROUTES` is registered here and nothing else. A request to `/admin/api` is authenticated by
 * `Authorization: Bearer <token>`, else the `sluice_session` cookie, else (no token configured, no
 * user account yet) by coming from loopback; its role must be one the route allows (public routes
 * skip that); a change made with the cookie must carry the session's `x-csrf-token`, and any change
 * not made with a token an `Origin` (if sent) naming the request's `Host`. Parameters and body must
 * match the route's zod schemas. Other URLs (the web UI) pass untouched. Errors are
 * `{"error":{code,message,path}}` as on ingest.
 *
 * @example
 * const app = createAdminApp({ ...deps, auth: { adminToken: new Secret(token), viewerToken: null } });
 * await app.inject({ url: "/admin/api/dead-letters", headers: { authorization: `Bearer ${token}` } });
 */
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
  const sessions = createSessionManager(deps.store, deps.clock);
  const authenticate = createRequestAuthenticator(deps.auth, { store: deps.store, sessions });
  let openApi: Record<string, unknown> | undefined;
  const handlers = createAdminHandlers(deps, () => {
    openApi ??= buildOpenApiDocument();
    return openApi;
  });

  // Before the body is read: an unauthenticated or unauthorised caller learns nothing else.
  app.addHook("onRequest", async (request, reply) => {
    const config = (request.routeOptions.config ?? {}) as RouteConfig;
    // The web UI's files and anything else outside the API pass untouched.
    if (config.roles === undefined && !isAdminApiUrl(request.url)) return;
    const route = request.routeOptions.url ?? "unmatched";
    const method = request.method;
    const result = await authenticate({
      authorization: request.headers.authorization,
      cookie: request.headers.cookie,
      remoteAddress: request.socket.remoteAddress,
    });
    if (!result.ok && result.reason === "session over") {
      reply.header("set-cookie", clearedSessionCookie({ secure: isSecure(request) }));
    }
    const caller = result.ok ? result.caller : null;
    if (!result.ok && config.public !== true) {
      deps.logger.info(
        { event: LOG.adminDenied, status: 401, route, method, reason: result.reason },
        "admin API request refused: not authenticated",
      );
      await auditDenial(deps, "anonymous", { status: 401, route, method, reason: result.reason });
      reply.header("www-authenticate", 'Bearer realm="sluice-admin"');
      return sendError(reply, 401, {
        code: "ER_ADMIN_UNAUTHORIZED",
        message: UNAUTHORIZED_MESSAGES[result.reason],
      });
    }
    const csrfProblem = csrfCheck(request, caller, config.operationId);
    if (csrfProblem !== null) {
      deps.logger.info(
        { event: LOG.adminDenied, status: 403, route, method, reason: csrfProblem },
        "admin API request refused: cross-site request protection",
      );
      await auditDenial(deps, caller?.actor ?? "anonymous", {
        status: 403,
        route,
        method,
        reason: csrfProblem,
      });
      return sendError(reply, 403, {
        code: "ER_ADMIN_CSRF",
        message:
          csrfProblem === "origin"
            ? "the request's Origin is not this server: changes are accepted only from the console itself"
            : "send the session's csrfToken (from GET /admin/api/session) in the x-csrf-token header",
      });
    }
    if (
      config.public !== true &&
      caller !== null &&
      config.roles !== undefined &&
      !config.roles.includes(caller.role)
    ) {
      deps.logger.info(
        { event: LOG.adminDenied, status: 403, route, method, role: caller.role },
        "admin API request refused: role not allowed",
      );
      await auditDenial(deps, caller.actor, { status: 403, route, method });
      return sendError(reply, 403, {
        code: "ER_ADMIN_FORBIDDEN",
        message: `the ${caller.role} role may not do this; it needs the ${config.roles.join(" or ")} role`,
      });
    }
    CALLERS.set(request, caller);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof AdminHttpError) {
      if (error.statusCode === 403) {
        const caller = CALLERS.get(request);
        deps.logger.info(
          { event: LOG.adminDenied, status: 403, route: request.routeOptions.url, role: caller?.role },
          "admin API request refused: role not allowed",
        );
        await auditDenial(deps, caller?.actor ?? "anonymous", {
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
      actor: string;
      http: AdminHttpContext;
    }) => Promise<unknown>;
    const config: RouteConfig = {
      operationId,
      roles: route.roles,
      ...(route.public === true ? { public: true as const } : {}),
    };
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ":$1"),
      config,
      handler: async (request, reply) => {
        const caller = CALLERS.get(request);
        if (caller === undefined || (caller === null && route.public !== true)) {
          throw new Error("admin request that was not authenticated");
        }
        return handler({
          params: validate(route.params, request.params, "params"),
          query: validate(route.query, request.query, "query"),
          body: validate(route.body, request.body, "body"),
          // An anonymous caller of a public route gets the least role (public handlers read `http.caller`).
          role: caller?.role ?? "viewer",
          actor: caller?.actor ?? "anonymous",
          http: {
            caller,
            clientAddress: request.ip,
            secure: isSecure(request),
            sessionId: readCookie(request.headers.cookie, SESSION_COOKIE),
            setHeader: (name, value) => {
              reply.header(name, value);
            },
          },
        });
      },
    });
  }
  return app;
}

/**
 * Cross-site request protection for a change (any method but GET and HEAD): null when it passes,
 * else why not. A change made with the session cookie must carry the session's CSRF token (sign-in
 * itself does not act with the session's authority, so it needs none); a change not made with a
 * bearer token (which no browser adds by itself) must not come from another origin.
 */
function csrfCheck(
  request: FastifyRequest,
  caller: AdminCaller | null,
  operationId: AdminOperationId | undefined,
): "origin" | "token" | null {
  if (request.method === "GET" || request.method === "HEAD") return null;
  if (caller?.via === "token") return null;
  if (!originMatches(request)) return "origin";
  if (caller?.session && operationId !== "signIn") {
    if (!csrfTokenMatches(request.headers["x-csrf-token"], caller.session.csrfToken)) return "token";
  }
  return null;
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
