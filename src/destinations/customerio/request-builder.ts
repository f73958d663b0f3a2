import { utf8ByteLength } from "../../mapping/index.js";
import { CUSTOMERIO_LIMITS } from "./limits.js";
import type { CustomerioSettings } from "./settings.js";

/** A serialized v2 operation ready to pack, tagged with whatever the caller needs to map results back. */
export interface PackedItem<T> {
  tag: T;
  json: string;
  bytes: number;
}

export interface HttpRequestSpec {
  method: "POST" | "GET" | "PUT" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string;
}

const BATCH_OPEN = '{"batch":[';
const BATCH_CLOSE = "]}";
const BATCH_OVERHEAD = BATCH_OPEN.length + BATCH_CLOSE.length;

/** Base URL of the Track API for a destination: `trackUrl` if set, else the region's host. */
export function trackBaseUrl(settings: Pick<CustomerioSettings, "region" | "trackUrl">): string {
  if (settings.trackUrl) return settings.trackUrl;
  return settings.region === "eu" ? "https://track-eu.customer.io" : "https://track.customer.io";
}

/** `Authorization` header value: HTTP Basic `siteId:apiKey`. */
export function basicAuth(siteId: string, apiKey: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(`${siteId}:${apiKey}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * Serialize one operation; returns null when it alone is over the per-item limit (the caller stops it
 * with that reason rather than sending it).
 */
export function serializeItem<T>(tag: T, op: unknown): PackedItem<T> | null {
  const json = JSON.stringify(op);
  const bytes = utf8ByteLength(json);
  return bytes > CUSTOMERIO_LIMITS.batchItemBytes ? null : { tag, json, bytes };
}

/**
 * Pack items, in order, into batches whose `{"batch":[...]}` body stays within `maxBatchBytes`.
 *
 * @example
 * packBatches([a, b, c], 500_000) // [[a, b], [c]] when c would push the first body over the limit
 */
export function packBatches<T>(
  items: readonly PackedItem<T>[],
  maxBatchBytes: number = CUSTOMERIO_LIMITS.batchRequestBytes,
): PackedItem<T>[][] {
  const batches: PackedItem<T>[][] = [];
  let current: PackedItem<T>[] = [];
  let size = BATCH_OVERHEAD;
  for (const item of items) {
    const added = item.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && size + added > maxBatchBytes) {
      batches.push(current);
      current = [];
      size = BATCH_OVERHEAD;
    }
    size += item.bytes + (current.length > 0 ? 1 : 0);
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The exact HTTP request for one batch. `revealKey: false` masks the credentials (preview, logs). */
export function buildBatchRequest(
  settings: CustomerioSettings,
  items: readonly PackedItem<unknown>[],
  options: { revealKey: boolean },
): HttpRequestSpec {
  const auth = options.revealKey ? basicAuth(settings.siteId, settings.apiKey.reveal()) : "Basic [redacted]";
  return {
    method: "POST",
    url: `${trackBaseUrl(settings)}/api/v2/batch`,
    headers: { authorization: auth, "content-type": "application/json", "user-agent": SLUICE_USER_AGENT },
    body: `${BATCH_OPEN}${items.map((item) => item.json).join(",")}${BATCH_CLOSE}`,
  };
}

export const SLUICE_USER_AGENT = "Sluice/0.1";

/**
 * The exact HTTP request for a v1 call (anonymous event, delivery metric): one per event, not batched.
 *
 * @example
 * buildV1Request(settings, "/api/v1/metrics", { delivery_id: "d1", metric: "opened", timestamp: 1 }, { revealKey: false })
 */
export function buildV1Request(
  settings: CustomerioSettings,
  path: string,
  body: unknown,
  options: { revealKey: boolean },
): HttpRequestSpec {
  const auth = options.revealKey ? basicAuth(settings.siteId, settings.apiKey.reveal()) : "Basic [redacted]";
  return {
    method: "POST",
    url: `${trackBaseUrl(settings)}${path}`,
    headers: { authorization: auth, "content-type": "application/json", "user-agent": SLUICE_USER_AGENT },
    body: JSON.stringify(body),
  };
}
