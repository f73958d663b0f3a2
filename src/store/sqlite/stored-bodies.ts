import Database from "better-sqlite3";
import type {
  BodyReplacement,
  ConfigDocumentReplacement,
  SampleBodyReplacement,
  StoredBody,
  StoredConfigDocument,
  StoredSampleBody,
} from "../port.js";
import { StoreError } from "../store-error.js";
import {
  validateListBodies,
  validateListPage,
  validateReplaceBodies,
  validateReplaceConfigDocuments,
  validateReplaceSampleBodies,
} from "../validate-bodies.js";

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

/**
 * `Store.listConfigDocuments` on a SQLite connection: a page of versions, then the draft on the page
 * where the versions run out. A connection to a file from before migration 7 lists nothing.
 *
 * @example
 * listStoredConfigDocuments(db, 0, 500) // [{ version: 1, document: "sluice:v1:k1:..." }, { version: null, ... }]
 */
export function listStoredConfigDocuments(
  db: Database.Database,
  afterVersion: number,
  limit: number,
): StoredConfigDocument[] {
  validateListPage("afterVersion", afterVersion, limit);
  if (!hasTable(db, "config_versions")) return [];
  const versions = db
    .prepare<[number, number], StoredConfigDocument>(
      "SELECT version, document FROM config_versions WHERE version > ? ORDER BY version LIMIT ?",
    )
    .all(afterVersion, limit);
  if (versions.length === limit) return versions;
  const draft = db
    .prepare<[], StoredConfigDocument>("SELECT NULL AS version, document FROM config_draft WHERE id = 1")
    .get();
  return draft === undefined ? versions : [...versions, draft];
}

/**
 * The statements of `Store.replaceConfigDocuments` for already-validated rows; the caller runs it in
 * an IMMEDIATE transaction. Only `document` changes. Returns how many were replaced.
 *
 * @example
 * db.transaction(() => replaceStoredConfigDocuments(db, rows)).immediate()
 */
export function replaceStoredConfigDocuments(
  db: Database.Database,
  rows: readonly ConfigDocumentReplacement[],
): number {
  const version = db.prepare<{ version: number; document: string; expected: string }>(
    "UPDATE config_versions SET document = @document WHERE version = @version AND document = @expected",
  );
  const draft = db.prepare<{ document: string; expected: string }>(
    "UPDATE config_draft SET document = @document WHERE id = 1 AND document = @expected",
  );
  let replaced = 0;
  for (const row of rows) {
    const params = { document: row.document, expected: row.expectedDocument };
    replaced +=
      row.version === null
        ? draft.run(params).changes
        : version.run({ ...params, version: row.version }).changes;
  }
  return replaced;
}

/**
 * `Store.listSampleBodies` on a SQLite connection. A connection to a file from before migration 8
 * lists nothing.
 *
 * @example
 * listStoredSampleBodies(db, 0, 500) // [{ id: 1, sourceName: "web", messageId: "m1", body: "sluice:v1:k1:..." }]
 */
export function listStoredSampleBodies(
  db: Database.Database,
  afterId: number,
  limit: number,
): StoredSampleBody[] {
  validateListPage("afterId", afterId, limit);
  if (!hasTable(db, "event_samples")) return [];
  return db
    .prepare<[number, number], StoredSampleBody>(
      `SELECT id, source_name AS sourceName, message_id AS messageId, body FROM event_samples
       WHERE id > ? ORDER BY id LIMIT ?`,
    )
    .all(afterId, limit);
}

/**
 * The statements of `Store.replaceSampleBodies` for already-validated rows; the caller runs it in an
 * IMMEDIATE transaction. A sample pruned meanwhile matches nothing. Returns how many were replaced.
 *
 * @example
 * db.transaction(() => replaceStoredSampleBodies(db, rows)).immediate()
 */
export function replaceStoredSampleBodies(
  db: Database.Database,
  rows: readonly SampleBodyReplacement[],
): number {
  const replace = db.prepare<SampleBodyReplacement>(
    "UPDATE event_samples SET body = @body WHERE id = @id AND body = @expectedBody",
  );
  let replaced = 0;
  for (const row of rows) replaced += replace.run(row).changes;
  return replaced;
}

/**
 * Sealed-data access on a connection of its own, for `sluice rotate-key` beside a running Sluice:
 * event bodies, configuration documents and event samples, as stored.
 */
export interface SqliteBodyAccess {
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
  listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]>;
  replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number>;
  listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]>;
  replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number>;
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
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new StoreError("ER_STORE_CLOSED", `the body access to ${path} is closed`);
  };
  const read = <T>(method: string, work: () => T): T => {
    assertOpen();
    try {
      return work();
    } catch (error) {
      throw asStoreError(`${method} failed`, error);
    }
  };
  /** Validate, then one IMMEDIATE transaction of the replacement statements. */
  const replace = <Row>(
    method: string,
    rows: readonly Row[],
    validate: (rows: readonly Row[]) => Row[],
    statements: (db: Database.Database, rows: readonly Row[]) => number,
  ): number => {
    assertOpen();
    const checked = validate(rows);
    if (checked.length === 0) return 0;
    try {
      return db.transaction(() => statements(db, checked)).immediate();
    } catch (error) {
      throw asStoreError(`${method} of ${checked.length} rows failed; nothing of it was committed`, error);
    }
  };
  return {
    async listBodies(afterEventSeq, limit) {
      return read("listBodies", () => listStoredBodies(db, afterEventSeq, limit));
    },
    async replaceBodies(rows) {
      return replace("replaceBodies", rows, validateReplaceBodies, replaceStoredBodies);
    },
    async listConfigDocuments(afterVersion, limit) {
      return read("listConfigDocuments", () => listStoredConfigDocuments(db, afterVersion, limit));
    },
    async replaceConfigDocuments(rows) {
      return replace(
        "replaceConfigDocuments",
        rows,
        validateReplaceConfigDocuments,
        replaceStoredConfigDocuments,
      );
    },
    async listSampleBodies(afterId, limit) {
      return read("listSampleBodies", () => listStoredSampleBodies(db, afterId, limit));
    },
    async replaceSampleBodies(rows) {
      return replace("replaceSampleBodies", rows, validateReplaceSampleBodies, replaceStoredSampleBodies);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** A connection opened beside Sluice may predate a migration (the CLI on an old file). */
function hasTable(db: Database.Database, name: string): boolean {
  return (
    db
      .prepare<[string], number>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(name) === 1
  );
}

/** SQLite's messages name tables and constraints, never bound values. */
function asStoreError(message: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code =
    typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
  return new StoreError("ER_STORE_WRITE_FAILED", `${message} (${code})`, { cause: error });
}
