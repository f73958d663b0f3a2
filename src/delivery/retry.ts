/**
 * What to do after a delivery attempt, as a value (the model is vector's `RetryLogic`). Pure: the
 * worker performs the decision; tests table-drive it.
 */
export type RetryDecision =
  | { kind: "successful" }
  /** Some items were rejected for good (207 `batch_index` errors); the rest were accepted. */
  | { kind: "partial"; failed: readonly ItemError[] }
  /** The whole request was rejected as malformed: split it to find the bad item(s), or fail a single one. */
  | { kind: "split"; reason: string }
  /** Credentials refused: pause the destination; nothing is dropped. */
  | { kind: "unauthorized"; reason: string }
  /** Transient: try again later, no sooner than `notBeforeMs` from now when the server said so. */
  | { kind: "retry"; reason: string; retryAfterMs: number | null; rateLimited: boolean };

export interface ItemError {
  index: number;
  reason: string;
  field: string | null;
  message: string | null;
}

export interface AttemptResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body, or undefined when absent or not JSON. */
  body: unknown;
}

/** Statuses Customer.io's own Node client retries, plus other gateway timeouts. */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504, 522, 524]);

/** `Retry-After` is never trusted beyond this (a broken proxy must not park a destination for days). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Decide from an HTTP answer (or its absence).
 *
 * @example
 * decideRetry({ status: 429, headers: { "retry-after": "2" }, body: undefined }, Date.now())
 * // { kind: "retry", reason: "rate limited (429)", retryAfterMs: 2000, rateLimited: true }
 */
export function decideRetry(
  response: AttemptResponse | { networkError: string },
  nowMs: number,
): RetryDecision {
  if ("networkError" in response) {
    return {
      kind: "retry",
      reason: `network error: ${response.networkError}`,
      retryAfterMs: null,
      rateLimited: false,
    };
  }
  const { status } = response;
  if (status >= 200 && status < 300) {
    const failed = itemErrors(response.body);
    // A 207 always carries item errors; a 200 with `errors` is handled the same way defensively.
    return failed.length > 0 ? { kind: "partial", failed } : { kind: "successful" };
  }
  if (status === 401 || status === 403) {
    return { kind: "unauthorized", reason: `credentials refused (${status}): check siteId and apiKey` };
  }
  if (RETRYABLE.has(status)) {
    return {
      kind: "retry",
      reason: status === 429 ? "rate limited (429)" : `Customer.io answered ${status}`,
      retryAfterMs: parseRetryAfter(response.headers["retry-after"], nowMs),
      rateLimited: status === 429,
    };
  }
  if (status === 400 || status === 413 || status === 422) {
    return {
      kind: "split",
      reason: `rejected (${status}): ${firstMessage(response.body) ?? "malformed request"}`,
    };
  }
  // 404, 405, ...: a misconfigured trackUrl or proxy, not a bad event — keep the events and retry.
  return {
    kind: "retry",
    reason: `unexpected status ${status}; check trackUrl`,
    retryAfterMs: null,
    rateLimited: false,
  };
}

/** `Retry-After` as delta-seconds or an HTTP date, capped at `MAX_RETRY_AFTER_MS`. */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

export interface BackoffPolicy {
  /** First retry delay. Default 1000 ms. */
  baseDelayMs: number;
  /** Cap on one delay. Default 300,000 ms (5 min). */
  maxDelayMs: number;
  /** Give up (dead-letter) once the first attempt is this old. Default 48 h. */
  maxRetryAgeMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
  maxRetryAgeMs: 48 * 3_600_000,
};

/**
 * The one backoff formula: `min(max, base · 2^(attempt−1))`, with "equal jitter" (a uniformly random
 * point in its upper half) so retries of many events do not land together; never sooner than
 * `Retry-After`. `random` is injected for tests.
 *
 * @example
 * backoffDelayMs(3, DEFAULT_BACKOFF, null, () => 0) // 2000 (half of 4000)
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs: number | null,
  random: () => number,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

function itemErrors(body: unknown): ItemError[] {
  if (body === null || typeof body !== "object") return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const out: ItemError[] = [];
  for (const error of errors) {
    if (error === null || typeof error !== "object") continue;
    const { batch_index: index, reason, field, message } = error as Record<string, unknown>;
    if (typeof index !== "number" || !Number.isInteger(index)) continue;
    out.push({
      index,
      reason: typeof reason === "string" ? reason : "invalid",
      field: typeof field === "string" ? field : null,
      message: typeof message === "string" ? message : null,
    });
  }
  return out;
}

function firstMessage(body: unknown): string | null {
  if (body === null || typeof body !== "object") return null;
  const { errors, meta } = body as { errors?: unknown; meta?: { error?: unknown } };
  if (Array.isArray(errors)) {
    const first = errors[0] as { message?: unknown; field?: unknown } | undefined;
    if (typeof first?.message === "string") {
      return typeof first.field === "string" ? `${first.field}: ${first.message}` : first.message;
    }
  }
  return typeof meta?.error === "string" ? meta.error : null;
}
