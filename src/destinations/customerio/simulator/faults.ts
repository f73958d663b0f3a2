/**
 * Scriptable faults: what a client's retry, timeout and backoff code must survive. The Track API
 * documents none of these shapes (track-api.md §4.3, §5), so they follow what the SDKs handle:
 * a status with an optional `Retry-After`, a request never answered, a connection dropped.
 */
import { isPlainObject } from "./limits.js";

/**
 * One scripted response, used instead of the real one for the next Track request.
 * - `{status}`: answer with this 4xx/5xx status (and `Retry-After: retryAfterSeconds` when given);
 * - `{kind: "timeout"}`: read the request, never answer (the client must time out);
 * - `{kind: "drop"}`: destroy the connection without answering.
 * A faulted request is never applied to the workspace.
 */
export type Fault = { status: number; retryAfterSeconds?: number } | { kind: "timeout" } | { kind: "drop" };

/** What the fault controller decided for one request. */
export type FaultDecision = { type: "none" } | { type: "fault"; fault: Fault; rateLimited: boolean };

/** Current fault settings, as `GET /__sim/state` reports them. */
export interface FaultStatus {
  queued: number;
  latencyMs: number;
  rateLimitRps: number | null;
}

/**
 * Checks a fault from untrusted JSON (the `/__sim/faults` endpoint) or code.
 *
 * @example
 * parseFault({ status: 429, retryAfterSeconds: 2 }); // { ok: true, fault: { status: 429, retryAfterSeconds: 2 } }
 */
export function parseFault(raw: unknown): { ok: true; fault: Fault } | { ok: false; message: string } {
  if (!isPlainObject(raw)) return { ok: false, message: "a fault must be an object" };
  if (raw["kind"] === "timeout" || raw["kind"] === "drop") {
    if (Object.keys(raw).length !== 1)
      return { ok: false, message: `a ${raw["kind"]} fault takes no other fields` };
    return { ok: true, fault: { kind: raw["kind"] } };
  }
  const status = raw["status"];
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    return { ok: false, message: 'a fault needs {"status": 400..599} or {"kind": "timeout"|"drop"}' };
  }
  const extra = Object.keys(raw).find((key) => key !== "status" && key !== "retryAfterSeconds");
  if (extra) return { ok: false, message: `unknown fault field '${extra}'` };
  const retryAfter = raw["retryAfterSeconds"];
  if (retryAfter === undefined) return { ok: true, fault: { status } };
  if (typeof retryAfter !== "number" || !Number.isInteger(retryAfter) || retryAfter < 0) {
    return { ok: false, message: "retryAfterSeconds must be a non-negative integer" };
  }
  return { ok: true, fault: { status, retryAfterSeconds: retryAfter } };
}

/**
 * The FIFO fault script, the per-response latency and the requests-per-second cap.
 *
 * @example
 * const faults = new FaultController(Date.now);
 * faults.failNext(2, { status: 503 });
 * faults.next(); // { type: "fault", fault: { status: 503 }, rateLimited: false }
 */
export class FaultController {
  readonly #clock: () => number;
  #queue: Fault[] = [];
  #latencyMs = 0;
  #rateLimitRps: number | null = null;
  /** Arrival times (ms) of the requests admitted in the last second, oldest first. */
  #window: number[] = [];

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Appends faults to the script; each is used by one request, in order. */
  enqueue(...faults: Fault[]): void {
    for (const fault of faults) {
      const parsed = parseFault(fault);
      if (!parsed.ok) throw new TypeError(parsed.message);
      this.#queue.push(parsed.fault);
    }
  }

  /** Scripts the same fault for the next `count` requests. */
  failNext(count: number, fault: Fault): void {
    if (!Number.isInteger(count) || count < 0) throw new TypeError("count must be a non-negative integer");
    this.enqueue(...Array.from({ length: count }, () => fault));
  }

  clear(): void {
    this.#queue = [];
  }

  /** Delays every Track response by this many ms (0 turns it off). */
  setLatencyMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError("latency must be a non-negative number of ms");
    this.#latencyMs = ms;
  }

  /** Caps Track requests per second (sliding one-second window); null removes the cap. */
  setRateLimit(rps: number | null): void {
    if (rps !== null && (!Number.isInteger(rps) || rps < 1)) {
      throw new TypeError("rate limit must be a positive integer of requests per second, or null");
    }
    this.#rateLimitRps = rps;
    this.#window = [];
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  status(): FaultStatus {
    return { queued: this.#queue.length, latencyMs: this.#latencyMs, rateLimitRps: this.#rateLimitRps };
  }

  /** Decides the fate of the next Track request: rate limit first, then the script. */
  next(): FaultDecision {
    if (this.#rateLimitRps !== null) {
      const now = this.#clock();
      while (this.#window.length > 0 && (this.#window[0] ?? 0) <= now - 1000) this.#window.shift();
      if (this.#window.length >= this.#rateLimitRps) {
        return { type: "fault", fault: { status: 429, retryAfterSeconds: 1 }, rateLimited: true };
      }
      this.#window.push(now);
    }
    const fault = this.#queue.shift();
    return fault ? { type: "fault", fault, rateLimited: false } : { type: "none" };
  }

  reset(): void {
    this.clear();
    this.#latencyMs = 0;
    this.#rateLimitRps = null;
    this.#window = [];
  }
}
