/**
 * The `/__sim/` control endpoints: state inspection and fault scripting over HTTP, for the standalone
 * sandbox (`sluice sandbox`). They need no credentials; the simulator listens on loopback by default.
 *
 * - `GET  /__sim/state`            summary counters
 * - `GET  /__sim/people?limit=N`   people (newest last; default limit 1000)
 * - `GET  /__sim/events?limit=N`   the last N events (default 1000)
 * - `GET  /__sim/requests?limit=N` the last N requests (default 1000)
 * - `POST /__sim/faults`           `{"clear"?: true, "enqueue"?: [Fault], "failNext"?: {"count", "fault"},
 *                                    "latencyMs"?: n, "rateLimitRps"?: n | null}`
 * - `POST /__sim/reset`            forget all state, faults, latency and rate limit
 */
import { type Fault, type FaultController, parseFault } from "./faults.js";
import { isPlainObject } from "./limits.js";
import type { SimDevice, SimPerson, Workspace } from "./workspace.js";

export interface ControlTarget {
  workspace: Workspace;
  faults: FaultController;
  requests: () => readonly unknown[];
  summary: () => unknown;
  reset: () => void;
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

const DEFAULT_LIMIT = 1000;

function limitOf(query: URLSearchParams): number {
  const raw = Number(query.get("limit") ?? DEFAULT_LIMIT);
  return Number.isInteger(raw) && raw >= 0 ? raw : DEFAULT_LIMIT;
}

function lastN<T>(items: readonly T[], limit: number): T[] {
  return limit === 0 ? [] : items.slice(-limit);
}

/** A person as JSON (devices as an array). */
export function personToJson(person: SimPerson): Record<string, unknown> {
  return { ...person, devices: [...person.devices.values()] satisfies SimDevice[] };
}

/**
 * Answers one control request, given its parsed JSON body (undefined when empty or not JSON).
 *
 * @example
 * handleControl(target, "POST", "/__sim/faults", new URLSearchParams(), { enqueue: [{ status: 503 }] });
 * // { status: 200, body: { queued: 1, latencyMs: 0, rateLimitRps: null } }
 */
export function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): ControlResponse {
  const route = `${method} ${path}`;
  switch (route) {
    case "GET /__sim/state":
      return { status: 200, body: target.summary() };
    case "GET /__sim/people": {
      const people = [...target.workspace.people.values()];
      return {
        status: 200,
        body: { total: people.length, people: lastN(people, limitOf(query)).map(personToJson) },
      };
    }
    case "GET /__sim/events": {
      const { events, counters } = target.workspace;
      return { status: 200, body: { total: counters.eventsRecorded, events: lastN(events, limitOf(query)) } };
    }
    case "GET /__sim/requests": {
      const requests = target.requests();
      return { status: 200, body: { total: requests.length, requests: lastN(requests, limitOf(query)) } };
    }
    case "POST /__sim/faults":
      return configureFaults(target.faults, body);
    case "POST /__sim/reset":
      target.reset();
      return { status: 200, body: {} };
    default:
      return { status: 404, body: { error: `no control endpoint ${route}` } };
  }
}

const FAULT_KEYS: ReadonlySet<string> = new Set([
  "clear",
  "enqueue",
  "failNext",
  "latencyMs",
  "rateLimitRps",
]);

function configureFaults(faults: FaultController, body: unknown): ControlResponse {
  const bad = (error: string): ControlResponse => ({ status: 400, body: { error } });
  if (!isPlainObject(body)) return bad("body must be a JSON object");
  const unknown = Object.keys(body).find((key) => !FAULT_KEYS.has(key));
  if (unknown !== undefined) return bad(`unknown field '${unknown}'`);
  // Validate everything first, so a bad request changes nothing.
  const queue: Fault[] = [];
  if (body["enqueue"] !== undefined) {
    if (!Array.isArray(body["enqueue"])) return bad("enqueue must be an array of faults");
    for (const raw of body["enqueue"]) {
      const parsed = parseFault(raw);
      if (!parsed.ok) return bad(parsed.message);
      queue.push(parsed.fault);
    }
  }
  const failNext = body["failNext"];
  if (failNext !== undefined) {
    if (!isPlainObject(failNext)) return bad('failNext must be {"count": n, "fault": {...}}');
    const count = failNext["count"];
    const parsed = parseFault(failNext["fault"]);
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0)
      return bad("failNext.count must be an integer ≥ 0");
    if (!parsed.ok) return bad(parsed.message);
    for (let i = 0; i < count; i++) queue.push(parsed.fault);
  }
  const latency = body["latencyMs"];
  if (latency !== undefined && (typeof latency !== "number" || !Number.isFinite(latency) || latency < 0)) {
    return bad("latencyMs must be a number ≥ 0");
  }
  const rps = body["rateLimitRps"];
  if (rps !== undefined && rps !== null && (typeof rps !== "number" || !Number.isInteger(rps) || rps < 1)) {
    return bad("rateLimitRps must be a positive integer or null");
  }
  if (body["clear"] === true) faults.clear();
  faults.enqueue(...queue);
  if (typeof latency === "number") faults.setLatencyMs(latency);
  if (rps !== undefined) faults.setRateLimit(rps as number | null);
  return { status: 200, body: faults.status() };
}
