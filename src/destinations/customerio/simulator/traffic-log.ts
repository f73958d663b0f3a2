/**
 * What the simulator saw on the wire: a capped request log, running totals, anomalies and OpenAPI
 * violations. Caps keep a 200,000-request benchmark from growing memory; totals are never capped.
 */
import type { Anomaly, AnomalyKind } from "./anomalies.js";

export interface RequestLogEntry {
  readonly atMs: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** 0 when the scripted fault was a timeout or a dropped connection. */
  readonly status: number;
  /** Items in a v2 batch (also when the answer was a fault); 1 for another body; 0 without one. */
  readonly items: number;
  /** 0 when the body was never read: unknown routes, failed auth and dropped connections. */
  readonly bodyBytes: number;
  readonly durationMs: number;
  /** Why the response was not the real one, when it was not. */
  readonly fault?: "scripted" | "rate-limit" | "timeout" | "drop";
}

/** A request (or batch item) the official OpenAPI schema rejected. */
export interface OpenApiViolation {
  readonly method: string;
  readonly path: string;
  readonly batchIndex?: number;
  readonly errors: readonly string[];
}

export interface TrafficTotals {
  requests: number;
  byStatus: Record<string, number>;
  itemsAccepted: number;
  itemsRejected: number;
  bodyBytes: number;
}

/** A fixed-size ring that keeps the newest `capacity` entries. */
class Ring<T> {
  readonly #items: T[] = [];
  #start = 0;
  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
  }

  toArray(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }

  clear(): void {
    this.#items.length = 0;
    this.#start = 0;
  }
}

/** Default number of entries each capped list keeps. */
export const DEFAULT_LOG_CAPACITY = 10_000;

/**
 * @example
 * const log = new TrafficLog(10_000);
 * log.record({ atMs: 0, method: "POST", path: "/api/v2/batch", status: 200, items: 2, bodyBytes: 120, durationMs: 1 });
 * log.totals.byStatus["200"]; // 1
 */
export class TrafficLog {
  readonly #requests: Ring<RequestLogEntry>;
  readonly #anomalies: Ring<Anomaly>;
  readonly #violations: Ring<OpenApiViolation>;
  #totals: TrafficTotals = emptyTotals();
  #anomalyCounts: Partial<Record<AnomalyKind, number>> = {};
  #violationCount = 0;

  constructor(capacity: number = DEFAULT_LOG_CAPACITY) {
    this.#requests = new Ring(capacity);
    this.#anomalies = new Ring(capacity);
    this.#violations = new Ring(capacity);
  }

  record(entry: RequestLogEntry): void {
    this.#requests.push(entry);
    this.#totals.requests++;
    this.#totals.bodyBytes += entry.bodyBytes;
    const key = String(entry.status);
    this.#totals.byStatus[key] = (this.#totals.byStatus[key] ?? 0) + 1;
  }

  countItems(accepted: number, rejected: number): void {
    this.#totals.itemsAccepted += accepted;
    this.#totals.itemsRejected += rejected;
  }

  addAnomaly(anomaly: Anomaly): void {
    this.#anomalies.push(anomaly);
    this.#anomalyCounts[anomaly.kind] = (this.#anomalyCounts[anomaly.kind] ?? 0) + 1;
  }

  addViolation(violation: OpenApiViolation): void {
    this.#violations.push(violation);
    this.#violationCount++;
  }

  /** The newest requests, oldest first. */
  get requests(): readonly RequestLogEntry[] {
    return this.#requests.toArray();
  }
  get anomalies(): readonly Anomaly[] {
    return this.#anomalies.toArray();
  }
  get openApiViolations(): readonly OpenApiViolation[] {
    return this.#violations.toArray();
  }
  get totals(): Readonly<TrafficTotals> {
    return this.#totals;
  }
  get anomalyCounts(): Readonly<Partial<Record<AnomalyKind, number>>> {
    return this.#anomalyCounts;
  }
  get violationCount(): number {
    return this.#violationCount;
  }

  reset(): void {
    this.#requests.clear();
    this.#anomalies.clear();
    this.#violations.clear();
    this.#totals = emptyTotals();
    this.#anomalyCounts = {};
    this.#violationCount = 0;
  }
}

function emptyTotals(): TrafficTotals {
  return { requests: 0, byStatus: {}, itemsAccepted: 0, itemsRejected: 0, bodyBytes: 0 };
}
