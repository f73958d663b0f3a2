/** Segment's HTTP Tracking API limits, which Sluice keeps so existing clients behave the same. */
export const INGEST_LIMITS = {
  /** One event's JSON. */
  maxEventBytes: 32 * 1024,
  /** One request body (after decompression). */
  maxRequestBytes: 500 * 1024,
} as const;
