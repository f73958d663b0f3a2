/**
 * Anomalies: things the real server tolerates silently but a well-behaved client never sends.
 *
 * The Track API replaces an invalid timestamp with "now" instead of answering 400 (track-api.md §3,
 * segmentio PR #2054), so a client bug there would pass unnoticed against the real API. The simulator
 * behaves the same way but writes each case down, so tests can assert there were none.
 */

export type AnomalyKind =
  /** A `timestamp` (or `created_at`, `_timestamp`) that is not an integer: replaced with now. */
  | "non-integer-timestamp"
  /** An integer timestamp above 1e11: almost certainly milliseconds, kept as sent. */
  | "millisecond-timestamp"
  /** An event, page or screen without an `id`: it cannot be deduplicated on retry. */
  | "event-without-id"
  /** A request with a body but no `Content-Type: application/json`. */
  | "missing-content-type";

/** An anomaly found while validating one body or item. */
export interface AnomalyNote {
  kind: AnomalyKind;
  /** Dotted path of the offending field (`timestamp`, `attributes.created_at`), or `` for the body. */
  field: string;
}

/** An anomaly as recorded in the simulator state. */
export interface Anomaly extends AnomalyNote {
  method: string;
  path: string;
  /** Index of the item in a v2 batch. */
  batchIndex?: number;
  /** Wall-clock time it was recorded (ms since the epoch). */
  atMs: number;
}

/** Integer seconds above this are read as milliseconds (year 5138 in seconds; March 1973 in ms). */
export const MILLISECOND_THRESHOLD = 1e11;

/**
 * Resolves an event/identify `timestamp` the way the server does: integers are kept, anything else
 * becomes `nowSeconds`. Notes what was suspicious.
 *
 * @example
 * normalizeTimestamp("2024-01-01", 1_700_000_000, "timestamp");
 * // { seconds: 1700000000, note: { kind: "non-integer-timestamp", field: "timestamp" } }
 */
export function normalizeTimestamp(
  value: unknown,
  nowSeconds: number,
  field: string,
): { seconds: number; note?: AnomalyNote } {
  if (value === undefined) return { seconds: nowSeconds };
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    if (value > MILLISECOND_THRESHOLD)
      return { seconds: value, note: { kind: "millisecond-timestamp", field } };
    return { seconds: value };
  }
  return { seconds: nowSeconds, note: { kind: "non-integer-timestamp", field } };
}

/**
 * Notes a suspicious timestamp-valued attribute (`created_at`, `_timestamp`) without changing it.
 * `null` and `""` are attribute removals and not noted.
 *
 * @example
 * checkTimestampAttribute(1_700_000_000_000, "attributes.created_at"); // { kind: "millisecond-timestamp", ... }
 */
export function checkTimestampAttribute(value: unknown, field: string): AnomalyNote | null {
  if (value === undefined || value === null || value === "") return null;
  return normalizeTimestamp(value, 0, field).note ?? null;
}

/** The attribute names whose values must be integer Unix seconds (track-api.md §4.4). */
export const TIMESTAMP_ATTRIBUTES: readonly string[] = ["created_at", "_timestamp"];
