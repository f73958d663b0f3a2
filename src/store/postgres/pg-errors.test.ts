import { describe, expect, it } from "vitest";
import { StoreError } from "../store-error.js";
import { describeFailure, isLockTimeout, isRetryable, storeFailure } from "./pg-errors.js";

/** The shape of a pg DatabaseError, whose message and detail can quote values. */
const serverError = {
  severity: "ERROR",
  code: "22P02",
  table: "events",
  constraint: "events_check",
  message: 'invalid input syntax for type bigint: "secret@example.com"',
  detail: "Key (message_id)=(secret@example.com) already exists.",
};

describe("pg errors", () => {
  it("describes a server error by SQLSTATE, table and constraint only", () => {
    expect(describeFailure(serverError)).toBe("PostgreSQL 22P02 on events (events_check)");
  });

  it("keeps a driver or socket error's message, which holds no values", () => {
    expect(
      describeFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })),
    ).toBe("connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED)");
    expect(describeFailure("weird")).toBe("unknown error");
  });

  it("wraps failures as ER_STORE_WRITE_FAILED with a value-free cause, and passes StoreErrors through", () => {
    const error = storeFailure("settle", serverError);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe(
      "ER_STORE_WRITE_FAILED: settle failed: PostgreSQL 22P02 on events (events_check); nothing of it was committed",
    );
    expect(String((error.cause as Error).message)).not.toContain("secret");
    const closed = new StoreError("ER_STORE_CLOSED", "closed");
    expect(storeFailure("x", closed)).toBe(closed);
  });

  it("retries deadlocks and serialization failures only", () => {
    expect([
      isRetryable({ code: "40P01" }),
      isRetryable({ code: "40001" }),
      isRetryable(serverError),
    ]).toEqual([true, true, false]);
  });

  it("recognises a lock timeout (55P03) and nothing else", () => {
    expect([
      isLockTimeout({ code: "55P03" }),
      isLockTimeout({ code: "40P01" }),
      isLockTimeout("55P03"),
    ]).toEqual([true, false, false]);
  });
});
