/**
 * Errors thrown by store adapters. Every adapter uses these codes so callers (ingest, delivery, admin)
 * can react to a code rather than to an engine's message.
 *
 * Messages name fields and counts, never values: an event body, a messageId or a trait must not end
 * up in a log line through an error.
 */

/** Stable codes of store errors, with what each means. */
export const STORE_ERROR_CODES = {
  /** A method was called after `close()`. */
  ER_STORE_CLOSED: "the store is closed",
  /** An argument broke the port's contract (e.g. a non-integer `receivedAtMs`); nothing was written. */
  ER_STORE_INVALID_INPUT: "invalid input to the store",
  /** An adapter option is out of range; the store was not opened. */
  ER_STORE_INVALID_OPTION: "invalid store option",
  /** A transaction failed (disk full, read-only file, I/O error); nothing of it was committed. */
  ER_STORE_WRITE_FAILED: "the database rejected a write",
  /** `settle` named a delivery that does not exist; none of that call's outcomes were applied. */
  ER_STORE_UNKNOWN_DELIVERY: "unknown delivery",
  /** The database was migrated by a newer Sluice than this one; refusing to run on it. */
  ER_STORE_SCHEMA_TOO_NEW: "database schema is newer than this version",
  /**
   * A stored body could not be decrypted: it was altered, belongs to another event, or is under a key
   * id the keyring lacks (the message names the key id, never the data). Nothing is returned for it.
   */
  ER_STORE_DECRYPT_FAILED: "a stored body could not be decrypted",
  /** `SLUICE_ENCRYPTION_KEY` / `SLUICE_ENCRYPTION_KEY_FILE` is invalid (the message never shows key material). */
  ER_STORE_KEY_INVALID: "invalid encryption key configuration",
  /**
   * A compare-and-set write found the data changed since the caller read it (e.g. another
   * configuration version was published meanwhile); nothing was written.
   */
  ER_STORE_CONFLICT: "the data changed since it was read",
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

/**
 * An error from the store, with a stable `code`. `cause` may hold the engine's own error (whose
 * messages name tables and constraints, not bound values).
 *
 * @example
 * try { await store.settle(outcomes, Date.now()); }
 * catch (error) { if (error instanceof StoreError && error.code === "ER_STORE_UNKNOWN_DELIVERY") { ... } }
 */
export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}
