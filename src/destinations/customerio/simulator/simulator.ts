/**
 * A strict Customer.io Track API simulator: a real loopback HTTP server that enforces what
 * track-api.md documents, records what it received, and can be scripted to fail.
 *
 * It is both a product feature (`sluice sandbox`) and the test oracle for Sluice's Customer.io
 * destination: where the docs leave room it is stricter than the real API, so a client that passes
 * here passes there.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Anomaly } from "./anomalies.js";
import { handleControl } from "./control-endpoints.js";
import { type Fault, FaultController, type FaultStatus } from "./faults.js";
import { checkBasicAuth, isJsonContentType, parseJsonBody, readBody, sendJson } from "./http-io.js";
import type { PersonKey } from "./identifiers.js";
import { isPlainObject, TRACK_LIMITS } from "./limits.js";
import type { SimObject, SimRelationship } from "./object-graph.js";
import type { TrackOpenApiValidator } from "./openapi-validator.js";
import type { Region, TrackResult, TrackServices } from "./route-context.js";
import { badRequest, matchTrackRoute } from "./track-routes.js";
import {
  DEFAULT_LOG_CAPACITY,
  type OpenApiViolation,
  type RequestLogEntry,
  TrafficLog,
  type TrafficTotals,
} from "./traffic-log.js";
import {
  type ActivityEntry,
  type DeliveryMetric,
  type ReceivedEvent,
  type RecordEventsMode,
  type SimPerson,
  Workspace,
} from "./workspace.js";

export interface SimulatorOptions {
  /** Site id accepted in Basic auth. Default `sandbox-site`. */
  siteId?: string;
  /** API key accepted in Basic auth. Default `sandbox-key`. */
  apiKey?: string;
  /** Reported by `GET /api/v1/accounts/region`. Default `us`. */
  region?: Region;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Validate every body against the official spec too (see `loadTrackOpenApi`). Default null. */
  openApi?: TrackOpenApiValidator | null;
  /** `full` (default) keeps events and attributes; `ids` keeps only ids and counters (benchmarks). */
  recordEvents?: RecordEventsMode;
  /** Accept `identifiers: {anonymous_id}` on v2 person events (Segment sends these). Default false. */
  allowAnonymousIdentifiers?: boolean;
  /** Entries kept in the request log, anomaly and violation lists. Default 10,000. */
  logCapacity?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

/** A person identifier as the wire carries it. */
export type PersonIdentifier = { id: string } | { email: string } | { cio_id: string };

/** Read-only views of what the simulator holds; each read reflects the current state. */
export interface SimulatorState {
  /** People by cio id. */
  readonly people: ReadonlyMap<string, SimPerson>;
  findPerson(identifier: PersonIdentifier): SimPerson | undefined;
  /** Events in order of arrival (empty when `recordEvents` is `ids`). */
  readonly events: readonly ReceivedEvent[];
  /** Ids of accepted events, in order (kept in both modes). */
  readonly eventIds: ReadonlySet<string>;
  readonly eventsRecorded: number;
  /** Events ignored because their `id` had been seen (answered 200/207 all the same). */
  readonly duplicatesIgnored: number;
  readonly objects: readonly SimObject[];
  readonly relationships: readonly SimRelationship[];
  /** `id:<id>` / `email:<lowercased email>`. */
  readonly suppressedIdentifiers: readonly string[];
  readonly deliveryMetrics: readonly DeliveryMetric[];
  /** 200-answered failures, as the workspace activity log shows them. */
  readonly activity: readonly ActivityEntry[];
  readonly anomalies: readonly Anomaly[];
  readonly openApiViolations: readonly OpenApiViolation[];
  /** The newest requests (capped), oldest first. */
  readonly requests: readonly RequestLogEntry[];
  readonly totals: Readonly<TrafficTotals>;
  /** Unexpected errors inside the simulator (a bug here, not in the client). */
  readonly internalErrors: readonly string[];
}

/** The `GET /__sim/state` document. */
export interface SimulatorSummary {
  url: string;
  region: Region;
  recordEvents: RecordEventsMode;
  openApiSpec: string | null;
  totals: TrafficTotals;
  workspace: Workspace["counters"];
  anomalies: { counts: Partial<Record<Anomaly["kind"], number>>; recent: readonly Anomaly[] };
  openApiViolations: { count: number; recent: readonly OpenApiViolation[] };
  faults: FaultStatus;
  internalErrors: number;
}

export interface Simulator {
  /** Base URL such as `http://127.0.0.1:4010`; clients append `/api/v2/batch` etc. */
  readonly url: string;
  readonly port: number;
  readonly region: Region;
  readonly state: SimulatorState;
  /** Stops listening and destroys every open connection (including requests held by a timeout fault). */
  close(): Promise<void>;
  /** Forgets all state, logs, faults, latency and the rate limit; credentials stay. */
  reset(): void;
  /** Changes the accepted credentials (for key-rotation tests). */
  setCredentials(siteId: string, apiKey: string): void;
  /** Appends faults to the FIFO script; each replaces the response to one Track request. */
  enqueueFaults(...faults: Fault[]): void;
  /** Scripts the same fault for the next `count` Track requests. */
  failNext(count: number, fault: Fault): void;
  clearFaults(): void;
  /** Delays every Track response (the request is applied first, as on a slow real server). */
  setLatencyMs(ms: number): void;
  /** Caps Track requests per second; over it → 429 with `Retry-After: 1`. Null removes the cap. */
  setRateLimit(rps: number | null): void;
  summary(): SimulatorSummary;
}

const INTERNAL_ERROR_CAP = 100;

/** Items a request carries: a batch's length, 1 for another body, 0 without one (or unparsable). */
function countItems(method: string, path: string, body: Buffer | null): number {
  if (!body || body.length === 0) return 0;
  if (method !== "POST" || path !== "/api/v2/batch") return 1;
  const parsed = parseJsonBody(body);
  const batch = parsed.ok && isPlainObject(parsed.value) ? parsed.value["batch"] : undefined;
  return Array.isArray(batch) ? batch.length : 0;
}

function toPersonKey(identifier: PersonIdentifier): PersonKey {
  if ("id" in identifier) return { kind: "id", value: identifier.id };
  if ("email" in identifier) return { kind: "email", value: identifier.email };
  return { kind: "cio_id", value: identifier.cio_id };
}

/**
 * Starts a simulator on a loopback port.
 *
 * @example
 * const sim = await startSimulator({ siteId: "site", apiKey: "key" });
 * await fetch(`${sim.url}/api/v2/batch`, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa("site:key")}`, "content-type": "application/json" },
 *   body: JSON.stringify({ batch: [{ type: "person", identifiers: { id: "42" }, action: "identify" }] }),
 * }); // 200 {}
 * sim.state.findPerson({ id: "42" }); // { cioId: "10000001", id: "42", ... }
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? Date.now;
  const openApi = options.openApi ?? null;
  const allowAnonymousIdentifiers = options.allowAnonymousIdentifiers ?? false;
  if (openApi && openApi.allowsAnonymousIdentifiers !== allowAnonymousIdentifiers) {
    throw new Error(
      "allowAnonymousIdentifiers differs between the simulator and its OpenAPI validator; " +
        "load the validator with the same allowAnonymousIdentifiers setting",
    );
  }
  let credentials = { siteId: options.siteId ?? "sandbox-site", apiKey: options.apiKey ?? "sandbox-key" };
  const region = options.region ?? "us";
  const recordEvents = options.recordEvents ?? "full";
  const workspace = new Workspace({ recordEvents, clock });
  const traffic = new TrafficLog(options.logCapacity ?? DEFAULT_LOG_CAPACITY);
  const faults = new FaultController(clock);
  const internalErrors: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const services: TrackServices = {
    workspace,
    traffic,
    openApi,
    allowAnonymousIdentifiers,
    region,
    siteId: () => credentials.siteId,
    clock,
  };

  /** Sends after the configured latency; the timer is cancelled by close(). */
  const later = (send: () => void) => {
    const delay = faults.latencyMs;
    if (delay <= 0) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delay);
    timers.add(timer);
  };

  const log = (entry: Omit<RequestLogEntry, "atMs" | "durationMs">, startedAt: number) =>
    traffic.record({
      ...entry,
      atMs: clock(),
      durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
    });

  async function handleTrack(req: IncomingMessage, res: ServerResponse, method: string, path: string) {
    const startedAt = performance.now();
    const decision = faults.next();
    if (decision.type === "fault") {
      const { fault } = decision;
      if ("kind" in fault && fault.kind === "drop") {
        req.socket.destroy();
        return log({ method, path, items: 0, bodyBytes: 0, status: 0, fault: "drop" }, startedAt);
      }
      // The body is read (never applied) so the log shows what the client tried to send.
      const read = await readBody(req, TRACK_LIMITS.maxV1BodyBytes);
      const base = { method, path, items: countItems(method, path, read.body), bodyBytes: read.bytes };
      // A timeout holds the request open; close() destroys it.
      if ("kind" in fault) return log({ ...base, status: 0, fault: fault.kind }, startedAt);
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) };
      const message = decision.rateLimited ? "rate limit exceeded" : `scripted ${fault.status} response`;
      later(() => sendJson(res, fault.status, { meta: { error: message } }, headers));
      return log(
        { ...base, status: fault.status, fault: decision.rateLimited ? "rate-limit" : "scripted" },
        startedAt,
      );
    }

    const match = matchTrackRoute(method, path);
    if (!match) {
      later(() => sendJson(res, 404, { meta: { error: `no Track route ${method} ${path}` } }));
      return log({ method, path, status: 404, items: 0, bodyBytes: 0 }, startedAt);
    }
    if (!checkBasicAuth(req.headers.authorization, credentials.siteId, credentials.apiKey)) {
      later(() => sendJson(res, 401, { meta: { error: "Unauthorized request" } }));
      return log({ method, path, status: 401, items: 0, bodyBytes: 0 }, startedAt);
    }
    const { route, params } = match;
    const read = await readBody(req, route.maxBodyBytes);
    if (read.aborted) return log({ method, path, status: 0, items: 0, bodyBytes: read.bytes }, startedAt);

    let result: TrackResult;
    if (read.body === null) {
      result = badRequest(route, `request body is ${read.bytes} bytes; ${route.sizeRule}`);
    } else if (read.bytes === 0) {
      result = route.handle({ method, path, params, body: undefined, services }, 0);
    } else {
      if (!isJsonContentType(req.headers["content-type"])) {
        traffic.addAnomaly({ kind: "missing-content-type", field: "", method, path, atMs: clock() });
      }
      const parsed = parseJsonBody(read.body);
      result = parsed.ok
        ? route.handle({ method, path, params, body: parsed.value, services }, read.bytes)
        : badRequest(route, parsed.message);
    }
    later(() => sendJson(res, result.status, result.body, result.headers));
    log({ method, path, status: result.status, items: result.items, bodyBytes: read.bytes }, startedAt);
  }

  async function handleControlRequest(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ) {
    const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
    const read = await readBody(req, 1_000_000);
    let body: unknown;
    if (read.body && read.bytes > 0) {
      const parsed = parseJsonBody(read.body);
      if (!parsed.ok) return sendJson(res, 400, { error: parsed.message });
      body = parsed.value;
    }
    const response = handleControl(
      { workspace, faults, requests: () => traffic.requests, summary, reset },
      method,
      path,
      query,
      body,
    );
    sendJson(res, response.status, response.body);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse) {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const queryAt = rawUrl.indexOf("?");
    const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const handler = path.startsWith("/__sim/") ? handleControlRequest : handleTrack;
    handler(req, res, method, path).catch((error: unknown) => {
      // Never crash on bad input: answer 500 and keep the error for the test that caused it.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (internalErrors.length < INTERNAL_ERROR_CAP) internalErrors.push(message);
      sendJson(res, 500, { meta: { error: "simulator internal error" } });
    });
  }

  function reset() {
    workspace.reset();
    traffic.reset();
    faults.reset();
    internalErrors.length = 0;
  }

  function summary(): SimulatorSummary {
    return {
      url,
      region,
      recordEvents,
      openApiSpec: openApi?.specPath ?? null,
      totals: { ...traffic.totals, byStatus: { ...traffic.totals.byStatus } },
      workspace: workspace.counters,
      anomalies: { counts: { ...traffic.anomalyCounts }, recent: traffic.anomalies.slice(-100) },
      openApiViolations: { count: traffic.violationCount, recent: traffic.openApiViolations.slice(-100) },
      faults: faults.status(),
      internalErrors: internalErrors.length,
    };
  }

  const server = createServer({ keepAlive: true }, onRequest);
  // Longer than undici's 4 s default so pooled client connections are not cut under them.
  server.keepAliveTimeout = 10_000;
  server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  let closing: Promise<void> | null = null;

  const state: SimulatorState = {
    get people() {
      return workspace.people;
    },
    findPerson: (identifier) => workspace.findPerson(toPersonKey(identifier)),
    get events() {
      return workspace.events;
    },
    get eventIds() {
      return workspace.eventIds;
    },
    get eventsRecorded() {
      return workspace.counters.eventsRecorded;
    },
    get duplicatesIgnored() {
      return workspace.counters.duplicatesIgnored;
    },
    get objects() {
      return workspace.graph.objects;
    },
    get relationships() {
      return workspace.graph.relationships;
    },
    get suppressedIdentifiers() {
      return workspace.suppressedIdentifiers;
    },
    get deliveryMetrics() {
      return workspace.deliveryMetrics;
    },
    get activity() {
      return workspace.activity;
    },
    get anomalies() {
      return traffic.anomalies;
    },
    get openApiViolations() {
      return traffic.openApiViolations;
    },
    get requests() {
      return traffic.requests;
    },
    get totals() {
      return traffic.totals;
    },
    get internalErrors() {
      return internalErrors;
    },
  };

  return {
    url,
    port: address.port,
    region,
    state,
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const closed = once(server, "close");
        server.close();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
    reset,
    setCredentials(siteId, apiKey) {
      credentials = { siteId, apiKey };
    },
    enqueueFaults: (...list) => faults.enqueue(...list),
    failNext: (count, fault) => faults.failNext(count, fault),
    clearFaults: () => faults.clear(),
    setLatencyMs: (ms) => faults.setLatencyMs(ms),
    setRateLimit: (rps) => faults.setRateLimit(rps),
    summary,
  };
}
