import { createHash, randomUUID } from "node:crypto";
import { gunzipSync, inflateSync } from "node:zlib";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { SourceConfig } from "../contracts/config.js";
import type { ApiError, ErrorCode } from "../contracts/errors.js";
import { readDestinationsHealth } from "../delivery/destinations-health.js";
import type { CredentialsCheck } from "../destinations/customerio/credentials-check.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import type { SluiceMetrics } from "../observability/metrics.js";
import type { EnqueueEvent, Store } from "../store/port.js";
import { eventNameOf } from "./event-name.js";
import { INGEST_LIMITS } from "./limits.js";
import { type ParsedItem, parseIngestBody, type SingleRoute } from "./parse-request.js";
import { createEventSampler, type EventSampler, offerSamples, testSourceKeys } from "./samples.js";
import { type SourcesInput, sourceKeys } from "./source-keys.js";

export interface IngestDeps {
  /** The sources whose write keys are accepted; a getter follows the live configuration. */
  sources: SourcesInput;
  /** Every event gets one delivery per destination listed here. */
  destinations: () => readonly string[];
  store: Store;
  logger: Logger;
  clock: () => number;
  /** Called after events were durably committed (wakes the delivery lanes). */
  onEnqueued: () => void;
  metrics: SluiceMetrics;
  /** The latest credential check of a destination (`GET /api/v1/accounts/region`), or null before one. */
  credentialsCheck?: (name: string) => (CredentialsCheck & { checkedAtMs: number }) | null;
  /** Keeps accepted events as samples and their paths (absent: one over `store`, flushed on close). */
  sampler?: EventSampler;
}

/**
 * The person an event is about, for per-person delivery order: `userId`, else `anonymousId`, hashed
 * so the queue's index holds no user ids. An alias is ordered with the user it names.
 */
export function orderingKeyOf(event: { userId?: unknown; anonymousId?: unknown }): { orderingKey?: string } {
  const id = typeof event.userId === "string" && event.userId !== "" ? `u:${event.userId}` : undefined;
  const anonymous =
    typeof event.anonymousId === "string" && event.anonymousId !== "" ? `a:${event.anonymousId}` : undefined;
  const person = id ?? anonymous;
  if (person === undefined) return {};
  return { orderingKey: createHash("sha256").update(person).digest("base64url").slice(0, 22) };
}

const SINGLE_ROUTES: readonly SingleRoute[] = ["identify", "track", "page", "screen", "group", "alias"];

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly apiError: ApiError,
  ) {
    super(apiError.message);
  }
}

/**
 * The ingest HTTP API: Segment's HTTP Tracking API (`/v1/identify`, `/v1/track`, ..., `/v1/batch`),
 * so existing Segment and RudderStack clients work unchanged. A 200 means the events are committed.
 *
 * @example
 * const app = createIngestApp(deps);
 * await app.inject({ method: "POST", url: "/v1/track", headers: { authorization: "Basic " + btoa("wk:") },
 *   payload: { userId: "u1", event: "Signed Up" } }); // 200 {"success":true}
 */
export function createIngestApp(deps: IngestDeps): FastifyInstance {
  // Fastify's own 503 while closing has its own body shape; ours keeps the documented error format.
  const app = Fastify({ logger: false, bodyLimit: INGEST_LIMITS.maxRequestBytes, return503OnClosing: false });
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (_request, reply) => {
    if (closing) {
      reply.header("connection", "close");
      return sendError(reply, 503, "ER_UNAVAILABLE", "Sluice is shutting down; retry shortly");
    }
  });
  const sourcesByKey = sourceKeys(deps.sources, deps.clock);
  // Test write keys: events are validated and kept as samples, never queued for delivery.
  const testSourcesByKey = testSourceKeys(deps.sources, deps.clock);
  const sampler =
    deps.sampler ??
    createEventSampler({
      store: deps.store,
      logger: deps.logger,
      clock: deps.clock,
      registry: deps.metrics.registry,
    });
  app.addHook("onClose", () => sampler.close());

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (request, raw, done) => {
    try {
      done(null, parseBody(request, raw as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  let storeFailures = 0;
  let lastStoreFailureLogMs = Number.NEGATIVE_INFINITY;
  /** When the last enqueue failed, while no enqueue has succeeded since (null: writes work). */
  let failingSinceMs: number | null = null;
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof HttpError) return reply.code(error.statusCode).send({ error: error.apiError });
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(
        reply,
        413,
        "ER_REQUEST_TOO_LARGE",
        `request body is over ${INGEST_LIMITS.maxRequestBytes} bytes`,
      );
    }
    if (error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(reply, 400, "ER_INVALID_JSON", "body must be a JSON object");
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, "ER_INVALID_JSON", "the request could not be read");
    }
    // A full or read-only disk fails every request: log the first, then one line per 5 s with a count.
    const now = deps.clock();
    failingSinceMs = now;
    storeFailures += 1;
    if (now - lastStoreFailureLogMs >= 5000) {
      deps.logger.error(
        {
          event: LOG.ingestStoreFailed,
          err: { message: error.message, code: error.code },
          failures: storeFailures,
        },
        "events could not be stored; answering 503",
      );
      lastStoreFailureLogMs = now;
      storeFailures = 0;
    }
    return sendError(reply, 503, "ER_UNAVAILABLE", "events could not be stored; retry later");
  });

  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, "ER_NOT_FOUND", "no such route"));

  const { metrics } = deps;
  app.addHook("onResponse", (request, reply, done) => {
    // The matched route pattern, never the raw URL: unknown paths share one label.
    const route = request.routeOptions.url ?? "unmatched";
    metrics.ingestRequests.inc({ route, status: String(reply.statusCode) });
    if (route.startsWith("/v1/")) metrics.ingestDuration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });

  /** Liveness: the process answers. */
  app.get("/healthz", async () => ({ status: "ok" }));
  /** Readiness: not shutting down and the store answers a query. */
  app.get("/readyz", async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: "not ready", reason: "shutting down" });
    // Not ready while writes fail (disk full, read-only): a load balancer sends the traffic to a
    // node that can store it. Only for 5 s after the last failure, so that the node is tried again.
    if (failingSinceMs !== null && deps.clock() - failingSinceMs < 5000) {
      return reply
        .code(503)
        .send({ status: "not ready", reason: "events cannot be stored (disk full or read-only?)" });
    }
    try {
      await deps.store.queueStats(deps.clock());
      return { status: "ready" };
    } catch {
      return reply.code(503).send({ status: "not ready", reason: "the store does not answer" });
    }
  });
  /** Per-destination health over the last 24 h, and whether a destination is paused. */
  app.get("/health/destinations", () =>
    readDestinationsHealth({
      store: deps.store,
      destinations: deps.destinations(),
      nowMs: deps.clock(),
      credentialsCheck: deps.credentialsCheck,
    }),
  );
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const handle = (route: SingleRoute | "batch") => async (request: FastifyRequest, reply: FastifyReply) => {
    const live = authenticate(request, sourcesByKey);
    const test = live ? undefined : authenticate(request, testSourcesByKey);
    const source = live ?? test;
    if (!source) {
      deps.logger.info({ event: LOG.ingestRejected, code: "ER_UNAUTHORIZED", route }, "unknown write key");
      return sendError(
        reply,
        401,
        "ER_UNAUTHORIZED",
        "missing or unknown write key (send it as the HTTP Basic user name)",
      );
    }
    const receivedAtMs = deps.clock();
    const items = parseIngestBody(route, request.body, {
      receivedAt: new Date(receivedAtMs).toISOString(),
      newMessageId: randomUUID,
      requestContext: source.requestContext,
      gpc: request.headers["sec-gpc"] === "1",
      ...(source.requestContext === "keep"
        ? { requestIp: request.ip, requestUserAgent: request.headers["user-agent"] ?? "" }
        : {}),
    });
    const destinations = deps.destinations();
    const accepted: EnqueueEvent[] = [];
    const rejected: Extract<ParsedItem, { ok: false }>[] = [];
    for (const item of items) {
      if (item.ok) {
        accepted.push({
          sourceName: source.name,
          messageId: item.event.messageId,
          eventType: item.event.type,
          receivedAtMs,
          body: item.bytes,
          destinations,
          ...orderingKeyOf(item.event),
          eventName: eventNameOf(item.event),
        });
      } else {
        rejected.push(item);
      }
    }
    if (accepted.length > 0 && test) {
      offerSamples(sampler, accepted, true);
      metrics.ingestEvents.inc({ source: source.name, outcome: "test" }, accepted.length);
    } else if (accepted.length > 0) {
      const results = await deps.store.enqueue(accepted);
      offerSamples(
        sampler,
        accepted.filter((_, index) => results[index]?.duplicate === false),
        false,
      );
      failingSinceMs = null;
      deps.onEnqueued();
      const duplicates = results.filter((result) => result.duplicate).length;
      if (duplicates > 0) metrics.ingestEvents.inc({ source: source.name, outcome: "duplicate" }, duplicates);
      metrics.ingestEvents.inc({ source: source.name, outcome: "accepted" }, accepted.length - duplicates);
    }
    if (rejected.length > 0)
      metrics.ingestEvents.inc({ source: source.name, outcome: "rejected" }, rejected.length);
    if (rejected.length === 0) return reply.code(200).send({ success: true });
    for (const item of rejected) {
      deps.logger.info(
        {
          event: LOG.ingestRejected,
          source: source.name,
          code: item.error.code,
          path: item.error.path,
          route,
        },
        "event rejected",
      );
    }
    const first = rejected[0]!;
    const status = rejected.some((item) => item.status === 413) ? 413 : 400;
    if (route !== "batch" || first.index === null)
      return reply.code(first.status).send({ error: first.error });
    return reply.code(status).send({
      success: false,
      accepted: accepted.length,
      rejected: rejected.length,
      error: {
        code: "ER_INVALID_BATCH",
        message: `${rejected.length} of ${items.length} events were rejected (see errors); the other ${accepted.length} were accepted`,
      },
      errors: rejected.map((item) => ({ index: item.index, ...item.error })),
    });
  };

  for (const route of SINGLE_ROUTES) app.post(`/v1/${route}`, handle(route));
  app.post("/v1/batch", handle("batch"));
  app.post("/v1/import", handle("batch"));
  return app;
}

function parseBody(request: FastifyRequest, raw: Buffer): unknown {
  const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
  let buffer = raw;
  try {
    const limit = { maxOutputLength: INGEST_LIMITS.maxRequestBytes };
    if (encoding === "gzip") buffer = gunzipSync(raw, limit);
    else if (encoding === "deflate") buffer = inflateSync(raw, limit);
    else if (encoding !== "identity") {
      throw new HttpError(415, {
        code: "ER_INVALID_ENCODING",
        message: `unsupported Content-Encoding "${encoding.slice(0, 20)}"`,
      });
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new HttpError(413, {
        code: "ER_REQUEST_TOO_LARGE",
        message: `request body is over ${INGEST_LIMITS.maxRequestBytes} bytes`,
      });
    }
    throw new HttpError(400, { code: "ER_INVALID_ENCODING", message: `body is not valid ${encoding}` });
  }
  if (buffer.length === 0) throw new HttpError(400, { code: "ER_INVALID_JSON", message: "body is empty" });
  try {
    return JSON.parse(buffer.toString("utf8"));
  } catch {
    throw new HttpError(400, { code: "ER_INVALID_JSON", message: "body is not valid JSON" });
  }
}

function authenticate(
  request: FastifyRequest,
  sources: { get(key: string): SourceConfig | undefined },
): SourceConfig | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Basic ")) {
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const separator = decoded.indexOf(":");
    const key = separator === -1 ? decoded : decoded.slice(0, separator);
    return sources.get(key);
  }
  const body = request.body as { writeKey?: unknown } | undefined;
  return typeof body?.writeKey === "string" ? sources.get(body.writeKey) : undefined;
}

function sendError(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  path?: string,
): FastifyReply {
  return reply.code(status).send({ error: { code, message, ...(path ? { path } : {}) } });
}
