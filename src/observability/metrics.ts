import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { QueueStats } from "../store/port.js";

/**
 * Every Prometheus metric Sluice exports, in one place. Labels are configuration names (source,
 * destination), routes, outcomes and status classes only — never a user id, an event name or any
 * other payload value, so cardinality stays bounded and no PHI reaches a metrics backend.
 */
export interface SluiceMetrics {
  registry: Registry;
  ingestEvents: Counter<"source" | "outcome">;
  ingestRequests: Counter<"route" | "status">;
  ingestDuration: Histogram<"route">;
  deliveries: Counter<"destination" | "outcome">;
  retries: Counter<"destination" | "cause">;
  rateLimited: Counter<"destination">;
  batchItems: Histogram<"destination">;
  batchBytes: Histogram<"destination">;
  requestDuration: Histogram<"destination" | "status_class">;
  /** PHI/PII detections in what would leave, by detector and what the policy did (never a value or path). */
  privacyDecisions: Counter<"destination" | "detector" | "action">;
  /** Events stopped before any action ran, by reason kind (consent missing, withdrawn, GPC). */
  privacyStops: Counter<"destination" | "stage" | "reason">;
}

/**
 * Build a registry (one per running Sluice, so tests can run several) and its metrics. `queueStats`
 * is read at scrape time for the queue gauges.
 *
 * @example
 * const metrics = createMetrics(() => store.queueStats(Date.now()));
 * metrics.deliveries.inc({ destination: "cio", outcome: "delivered" }, 40);
 * await metrics.registry.metrics(); // Prometheus text
 */
export function createMetrics(queueStats: () => Promise<QueueStats[]>): SluiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sluice_" });
  const registers = [registry];
  let lastStats: Promise<QueueStats[]> | null = null;
  // Both queue gauges come from one store query per scrape.
  const statsOnce = (): Promise<QueueStats[]> => {
    lastStats ??= queueStats().finally(() => {
      setImmediate(() => {
        lastStats = null;
      });
    });
    return lastStats;
  };
  new Gauge({
    name: "sluice_queue_depth",
    help: "Deliveries waiting (queued or retrying), per destination.",
    labelNames: ["destination", "state"] as const,
    registers,
    async collect() {
      this.reset();
      for (const stats of await statsOnce()) {
        this.set({ destination: stats.destination, state: "queued" }, stats.waiting - stats.retrying);
        this.set({ destination: stats.destination, state: "retrying" }, stats.retrying);
      }
    },
  });
  new Gauge({
    name: "sluice_queue_oldest_age_seconds",
    help: "Age of the oldest waiting delivery, per destination.",
    labelNames: ["destination"] as const,
    registers,
    async collect() {
      this.reset();
      for (const stats of await statsOnce()) {
        if (stats.oldestAgeMs !== null)
          this.set({ destination: stats.destination }, stats.oldestAgeMs / 1000);
      }
    },
  });
  return {
    registry,
    ingestEvents: new Counter({
      name: "sluice_ingest_events_total",
      help: "Events received, by source and outcome (accepted, duplicate, rejected).",
      labelNames: ["source", "outcome"] as const,
      registers,
    }),
    ingestRequests: new Counter({
      name: "sluice_ingest_requests_total",
      help: "Ingest HTTP requests, by route and status code.",
      labelNames: ["route", "status"] as const,
      registers,
    }),
    ingestDuration: new Histogram({
      name: "sluice_ingest_request_duration_seconds",
      help: "Ingest request latency including the durable commit.",
      labelNames: ["route"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    deliveries: new Counter({
      name: "sluice_deliveries_total",
      help: "Delivery outcomes, by destination: delivered, failed, stopped, retrying.",
      labelNames: ["destination", "outcome"] as const,
      registers,
    }),
    retries: new Counter({
      name: "sluice_delivery_retries_total",
      help: "Batches scheduled for retry, by destination and cause (429, 5xx, network, other).",
      labelNames: ["destination", "cause"] as const,
      registers,
    }),
    privacyDecisions: new Counter({
      name: "sluice_privacy_decisions_total",
      help: "PHI/PII detections in outgoing data, by detector and action (blocked, redacted, stopped, allowed)",
      labelNames: ["destination", "detector", "action"] as const,
      registers,
    }),
    privacyStops: new Counter({
      name: "sluice_privacy_stops_total",
      help: "Events stopped by consent or PHI policy, by stage and reason kind",
      labelNames: ["destination", "stage", "reason"] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: "sluice_delivery_rate_limited_total",
      help: "429 answers from Customer.io, by destination.",
      labelNames: ["destination"] as const,
      registers,
    }),
    batchItems: new Histogram({
      name: "sluice_delivery_batch_items",
      help: "Operations per Track API request.",
      labelNames: ["destination"] as const,
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 4000],
      registers,
    }),
    batchBytes: new Histogram({
      name: "sluice_delivery_batch_bytes",
      help: "Request body bytes per Track API request.",
      labelNames: ["destination"] as const,
      buckets: [1_000, 10_000, 50_000, 100_000, 250_000, 400_000, 500_000],
      registers,
    }),
    requestDuration: new Histogram({
      name: "sluice_delivery_request_duration_seconds",
      help: "Track API request latency, by destination and status class (2xx, 4xx, 5xx, network).",
      labelNames: ["destination", "status_class"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/** `200` → `2xx`; no status (network error or timeout) → `network`. */
export function statusClass(status: number | undefined): string {
  return status === undefined ? "network" : `${Math.floor(status / 100)}xx`;
}
