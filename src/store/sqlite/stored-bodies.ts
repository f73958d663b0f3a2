import Database from "better-sqlite3";
import type { BodyReplacement, StoredBody } from "../port.js";
import { StoreError } from "../store-error.js";
import { validateListBodies, validateReplaceBodies } from "../validate-bodies.js";

/** A page of stored bodies in seq order (a range scan of the events' rowid). */
const SQL_LIST_BODIES = `
  SELECT seq AS eventSeq, source_name AS sourceName, message_id AS messageId, body FROM events
  WHERE seq > ? AND body IS NOT NULL ORDER BY seq LIMIT ?`;

/** Compare-and-swap: a body set to NULL by settle (or changed) meanwhile does not match. */
const SQL_REPLACE_BODY = `UPDATE events SET body = @body WHERE seq = @eventSeq AND body = @expectedBody`;

/**
 * `Store.listBodies` on a SQLite connection (any: the store's own, or a side connection).
 *
 * @example
 * listStoredBodies(db, 0, 500) // [{ eventSeq: 1, sourceName: "web", messageId: "m1", body: "sluice:v1:k1:..." }]
 */
export function listStoredBodies(db: Database.Database, afterEventSeq: number, limit: number): StoredBody[] {
  validateListBodies(afterEventSeq, limit);
  return db.prepare<[number, number], StoredBody>(SQL_LIST_BODIES).all(afterEventSeq, limit);
}

/**
 * The statements of `Store.replaceBodies` for already-validated rows; the caller runs it in an
 * IMMEDIATE transaction. Returns how many bodies were replaced.
 *
 * @example
 * db.transaction(() => replaceStoredBodies(db, rows)).immediate()
 */
export function replaceStoredBodies(db: Database.Database, rows: readonly BodyReplacement[]): number {
  const replace = db.prepare<BodyReplacement>(SQL_REPLACE_BODY);
  let replaced = 0;
  for (const row of rows) replaced += replace.run(row).changes;
  return replaced;
}

/** Stored-body access on a connection of its own, for `sluice rotate-key` beside a running Sluice. */
export interface SqliteBodyAccess {
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * Open the stored bodies of a SQLite database beside a running Sluice: a connection of its own that,
 * unlike `openSqliteStore`, migrates nothing, clears no leases and starts no writer thread (as
 * `replayDeadLetters` does). Each `replaceBodies` call is one short IMMEDIATE transaction, waiting up
 * to `busyTimeoutMs` (default 5000) for the running Sluice's write lock; `secure_delete` zeroes the
 * replaced text where that costs no extra I/O.
 *
 * @example
 * const bodies = openSqliteBodies(".sluice/sluice.db");
 * try { await bodies.listBodies(0, 500); } finally { await bodies.close(); }
 */
export function openSqliteBodies(path: string, options: { busyTimeoutMs?: number } = {}): SqliteBodyAccess {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError("ER_STORE_CLOSED", `no Sluice database at ${path} (${code})`);
  }
  db.pragma("synchronous = FULL");
  db.pragma("secure_delete = FAST");
  const replaceInTransaction = db.transaction((rows: readonly BodyReplacement[]) =>
    replaceStoredBodies(db, rows),
  ).immediate;
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new StoreError("ER_STORE_CLOSED", `the body access to ${path} is closed`);
  };
  return {
    async listBodies(afterEventSeq, limit) {
      assertOpen();
      try {
        return listStoredBodies(db, afterEventSeq, limit);
      } catch (error) {
        throw asStoreError("listBodies failed", error);
      }
    },
    async replaceBodies(rows) {
      assertOpen();
      const checked = validateReplaceBodies(rows);
      if (checked.length === 0) return 0;
      try {
        return replaceInTransaction(checked);
      } catch (error) {
        throw asStoreError(
          `replaceBodies of ${checked.length} bodies failed; nothing of it was committed`,
          error,
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** SQLite's messages name tables and constraints, never bound values. */
function asStoreError(message: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code =
    typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
  return new StoreError("ER_STORE_WRITE_FAILED", `${message} (${code})`, { cause: error });
}
