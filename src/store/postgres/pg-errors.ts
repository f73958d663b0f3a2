import { StoreError } from "../store-error.js";

/**
 * Turning PostgreSQL and driver errors into `StoreError`s without leaking values.
 *
 * A server error's `message` and `detail` can quote a bound value (`invalid input syntax for type
 * bigint: "..."`, `Key (source_name, message_id)=(web, m1) already exists`), so neither is kept: the
 * cause a `StoreError` carries names the SQLSTATE, the constraint and the table only. Errors raised
 * by the driver or the socket (connection refused, connection terminated, timeouts) hold no values
 * and keep their message.
 */

/** SQLSTATEs after which the whole transaction can simply be run again. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([
  "40P01", // deadlock_detected
  "40001", // serialization_failure
]);

interface ErrorFields {
  code?: unknown;
  severity?: unknown;
  constraint?: unknown;
  table?: unknown;
  message?: unknown;
}

/**
 * True for a deadlock or serialization failure: nothing was committed and a retry may succeed.
 *
 * @example
 * isRetryable({ code: "40P01" }); // true
 */
export function isRetryable(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has(String(fields(error).code));
}

/**
 * True when a statement gave up waiting for a lock (`lock_timeout`, SQLSTATE 55P03).
 *
 * @example
 * isLockTimeout({ code: "55P03" }); // true
 */
export function isLockTimeout(error: unknown): boolean {
  return fields(error).code === "55P03";
}

/**
 * A value-free summary of `error`, for a `StoreError`'s `cause` and message.
 *
 * @example
 * describeFailure(databaseError); // "PostgreSQL 23514 on events (events_check)"
 */
export function describeFailure(error: unknown): string {
  const { code, severity, constraint, table, message } = fields(error);
  if (typeof severity === "string") {
    // A server error: its message may quote values.
    const on = typeof table === "string" ? ` on ${table}` : "";
    const named = typeof constraint === "string" ? ` (${constraint})` : "";
    return `PostgreSQL ${String(code ?? "error")}${on}${named}`;
  }
  const text = typeof message === "string" ? message : "unknown error";
  return typeof code === "string" ? `${text} (${code})` : text;
}

/**
 * The `StoreError` for a failed database call: a `StoreError` passes through; anything else becomes
 * `ER_STORE_WRITE_FAILED` with a value-free description. The port has no separate code for a read the
 * database could not answer (it is down or unreachable), so reads use the same code.
 *
 * @example
 * catch (error) { throw storeFailure("settle", error); }
 */
export function storeFailure(operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const description = describeFailure(error);
  return new StoreError(
    "ER_STORE_WRITE_FAILED",
    `${operation} failed: ${description}; nothing of it was committed`,
    {
      cause: new Error(description),
    },
  );
}

function fields(error: unknown): ErrorFields {
  return typeof error === "object" && error !== null ? (error as ErrorFields) : {};
}
