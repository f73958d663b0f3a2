import { describe, expect, it } from "vitest";
import { backoffDelayMs, DEFAULT_BACKOFF, decideRetry, parseRetryAfter } from "./retry.js";

const NOW = Date.parse("2026-11-28T12:00:00Z");
const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body,
});

describe("decideRetry", () => {
  it.each([
    [200, undefined, "successful"],
    [200, {}, "successful"],
    [207, { errors: [{ batch_index: 1, reason: "invalid", field: "name", message: "blank" }] }, "partial"],
    [200, { errors: [{ batch_index: 0, reason: "invalid" }] }, "partial"],
    [400, { errors: [{ reason: "invalid", field: "batch", message: "bad" }] }, "split"],
    [413, undefined, "split"],
    [401, undefined, "unauthorized"],
    [403, undefined, "unauthorized"],
    [408, undefined, "retry"],
    [429, undefined, "retry"],
    [500, undefined, "retry"],
    [502, undefined, "retry"],
    [503, undefined, "retry"],
    [504, undefined, "retry"],
    [404, undefined, "retry"],
  ])("status %i → %s", (status, body, kind) => {
    expect(decideRetry(answer(status, body), NOW).kind).toBe(kind);
  });

  it("maps 207 batch_index errors to items", () => {
    const decision = decideRetry(
      answer(207, {
        errors: [{ batch_index: 2, reason: "invalid", field: "attributes.plan", message: "too long" }],
      }),
      NOW,
    );
    expect(decision).toEqual({
      kind: "partial",
      failed: [{ index: 2, reason: "invalid", field: "attributes.plan", message: "too long" }],
    });
  });

  it("treats network errors as retryable", () => {
    expect(decideRetry({ networkError: "ECONNRESET" }, NOW)).toEqual({
      kind: "retry",
      reason: "network error: ECONNRESET",
      retryAfterMs: null,
      rateLimited: false,
    });
  });

  it("honours Retry-After on 429", () => {
    expect(decideRetry(answer(429, undefined, { "retry-after": "3" }), NOW)).toMatchObject({
      kind: "retry",
      retryAfterMs: 3000,
      rateLimited: true,
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and caps them", () => {
    expect(parseRetryAfter("2", NOW)).toBe(2000);
    expect(parseRetryAfter(new Date(NOW + 10_000).toUTCString(), NOW)).toBe(10_000);
    expect(parseRetryAfter("999999", NOW)).toBe(300_000);
    expect(parseRetryAfter("-5", NOW)).toBe(0);
    expect(parseRetryAfter("soon", NOW)).toBeNull();
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
  });
});

describe("backoffDelayMs", () => {
  it("doubles per attempt within equal jitter, capped", () => {
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, null, () => 0)).toBe(500);
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, null, () => 1)).toBe(1000);
    expect(backoffDelayMs(3, DEFAULT_BACKOFF, null, () => 0)).toBe(2000);
    expect(backoffDelayMs(30, DEFAULT_BACKOFF, null, () => 1)).toBe(300_000);
  });

  it("never retries sooner than Retry-After", () => {
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, 7000, () => 0)).toBe(7000);
  });
});
