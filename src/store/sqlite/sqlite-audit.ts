import Database from "better-sqlite3";
import {
  type AuditRow,
  auditHash,
  auditRecordFromRow,
  GENESIS,
  validateAuditEntry,
  validateAuditListFilter,
} from "../audit-chain.js";
import type { AuditChainState, AuditEntry, AuditListFilter, AuditRecord } from "../port.js";
import { StoreError } from "../store-error.js";
import { applyMigrations, MIGRATIONS } from "./migrations.js";

/**
 * The audit log on SQLite (tables `audit_log` and `audit_state`, migration 4), as functions of a
 * connection: the store uses its own, and the CLI opens one beside a running Sluice
 * (`appendAuditBeside`, `readAuditChain`). An append is one IMMEDIATE transaction, so appends from
 * the server and from CLI processes are serialised by SQLite's write lock and the chain stays linear.
 */

const COLUMNS = `seq, at_ms AS atMs, actor, action, target, outcome, detail, prev_hash AS prevHash, hash`;

const SQL_STATE = `SELECT head_seq AS headSeq, head_hash AS headHash, anchor_seq AS anchorSeq,
  anchor_hash AS anchorHash FROM audit_state WHERE id = 1`;

const SQL_INSERT = `INSERT INTO audit_log (seq, at_ms, actor, action, target, outcome, detail, prev_hash, hash)
  VALUES (@seq, @atMs, @actor, @action, @target, @outcome, @detail, @prevHash, @hash)`;

const SQL_MOVE_HEAD = "UPDATE audit_state SET head_seq = @seq, head_hash = @hash WHERE id = 1";

function readState(db: Database.Database): AuditChainState {
  const row = db
    .prepare<[], { headSeq: number; headHash: string; anchorSeq: number; anchorHash: string }>(SQL_STATE)
    .get();
  if (row === undefined) return { head: GENESIS, anchor: GENESIS };
  return {
    head: { seq: row.headSeq, hash: row.headHash },
    anchor: { seq: row.anchorSeq, hash: row.anchorHash },
  };
}

/**
 * Append one entry in an IMMEDIATE transaction on `db` (which must not be inside one already).
 *
 * @example
 * appendAudit(db, { atMs: Date.now(), actor: "ops", action: "dlq.replay", outcome: "ok", detail: { count: 3 } });
 */
export function appendAudit(db: Database.Database, entry: AuditEntry): AuditRecord {
  const clean = validateAuditEntry(entry);
  const append = db.transaction((): AuditRecord => {
    const { head } = readState(db);
    const seq = head.seq + 1;
    const hash = auditHash(head.hash, clean, seq);
    db.prepare(SQL_INSERT).run({
      seq,
      atMs: clean.atMs,
      actor: clean.actor,
      action: clean.action,
      target: clean.target ?? null,
      outcome: clean.outcome,
      detail: clean.detail === undefined ? null : JSON.stringify(clean.detail),
      prevHash: head.hash,
      hash,
    });
    db.prepare(SQL_MOVE_HEAD).run({ seq, hash });
    return { ...clean, seq, prevHash: head.hash, hash };
  });
  try {
    return append.immediate();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: string }).code ?? "unknown";
    throw new StoreError("ER_STORE_WRITE_FAILED", `audit append failed (${code}); nothing was recorded`, {
      cause: error,
    });
  }
}

/**
 * Audit entries by seq.
 *
 * @example
 * listAudit(db, { fromSeq: 1, limit: 1000 });
 */
export function listAudit(db: Database.Database, filter: AuditListFilter): AuditRecord[] {
  const limit = validateAuditListFilter(filter);
  const order = filter.newestFirst === true ? "DESC" : "ASC";
  return db
    .prepare<{ fromSeq: number; beforeSeq: number; action: string | null; limit: number }, AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log
       WHERE seq >= @fromSeq AND seq < @beforeSeq AND (@action IS NULL OR action = @action)
       ORDER BY seq ${order} LIMIT @limit`,
    )
    .all({
      fromSeq: filter.fromSeq ?? 0,
      beforeSeq: filter.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      action: filter.action ?? null,
      limit,
    })
    .map(auditRecordFromRow);
}

/** The chain's head and anchor. */
export function auditState(db: Database.Database): AuditChainState {
  return readState(db);
}

/**
 * Delete up to `chunk` of the oldest entries recorded before `beforeMs`, as long as they form an
 * unbroken run from the oldest entry, and move the anchor to the last one deleted, in one IMMEDIATE
 * transaction. Returns how many were deleted.
 */
export function purgeAuditChunk(db: Database.Database, beforeMs: number, chunk: number): number {
  const run = db.transaction((): number => {
    // The first entry that stays: the oldest one recorded at or after the cut-off.
    const keep = db
      .prepare<[number], number | null>("SELECT MIN(seq) FROM audit_log WHERE at_ms >= ?")
      .pluck()
      .get(beforeMs);
    const rows = db
      .prepare<[number, number], { seq: number; hash: string }>(
        "SELECT seq, hash FROM audit_log WHERE seq < ? ORDER BY seq LIMIT ?",
      )
      .all(keep ?? Number.MAX_SAFE_INTEGER, chunk);
    const last = rows.at(-1);
    if (last === undefined) return 0;
    db.prepare("DELETE FROM audit_log WHERE seq <= ?").run(last.seq);
    db.prepare("UPDATE audit_state SET anchor_seq = ?, anchor_hash = ? WHERE id = 1").run(
      last.seq,
      last.hash,
    );
    return rows.length;
  });
  return run.immediate();
}

/** Entries `purgeAuditChunk` would delete in total (for progress). */
export function countPurgeableAudit(db: Database.Database, beforeMs: number): number {
  return db
    .prepare<[number], number>(
      `SELECT COUNT(*) FROM audit_log
       WHERE seq < COALESCE((SELECT MIN(seq) FROM audit_log WHERE at_ms >= ?), 9007199254740991)`,
    )
    .pluck()
    .get(beforeMs) as number;
}

/** Whether the file has the audit tables (a database migrated by an older Sluice has not). */
function hasAuditTables(db: Database.Database): boolean {
  return (
    db
      .prepare<[], number>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_state'")
      .pluck()
      .get() === 1
  );
}

function openExisting(
  path: string,
  options: { readonly: boolean; busyTimeoutMs?: number },
): Database.Database {
  try {
    return new Database(path, {
      readonly: options.readonly,
      fileMustExist: true,
      timeout: options.busyTimeoutMs ?? 5000,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError("ER_STORE_CLOSED", `no Sluice database at ${path} (${code})`);
  }
}

/**
 * The whole audit chain of a SQLite database and its state, read in one read transaction (one
 * snapshot, whatever a running Sluice appends or purges meanwhile) on a read-only connection. A
 * database from before the audit log reads as an empty chain.
 *
 * @example
 * const { state, records } = readAuditChain(".sluice/sluice.db");
 * verifyAuditChain(records, state.anchor, state.head);
 */
export function readAuditChain(path: string): { state: AuditChainState; records: AuditRecord[] } {
  const db = openExisting(path, { readonly: true });
  try {
    return db.transaction(() => {
      if (!hasAuditTables(db)) return { state: { head: GENESIS, anchor: GENESIS }, records: [] };
      const rows = db.prepare<[], AuditRow>(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`).all();
      return { state: readState(db), records: rows.map(auditRecordFromRow) };
    })();
  } finally {
    db.close();
  }
}

/**
 * Audit entries of a SQLite database, read-only (safe beside a running Sluice).
 *
 * @example
 * readAuditLog(".sluice/sluice.db", { newestFirst: true, limit: 20 });
 */
export function readAuditLog(path: string, filter: AuditListFilter): AuditRecord[] {
  const db = openExisting(path, { readonly: true });
  try {
    return hasAuditTables(db) ? listAudit(db, filter) : [];
  } finally {
    db.close();
  }
}

/**
 * Append an entry from beside a running Sluice: a connection of its own (no writer thread, no lease
 * clearing, unlike `openSqliteStore`) that brings the schema up to date when needed and waits up to
 * `busyTimeoutMs` (default 5000) for the write lock.
 *
 * @example
 * appendAuditBeside(".sluice/sluice.db", { atMs: Date.now(), actor: "ops", action: "payload.view",
 *   target: "delivery:42", outcome: "ok" });
 */
export function appendAuditBeside(path: string, entry: AuditEntry, busyTimeoutMs = 5000): AuditRecord {
  const db = openExisting(path, { readonly: false, busyTimeoutMs });
  try {
    db.pragma("synchronous = FULL");
    if (!hasAuditTables(db)) applyMigrations(db, MIGRATIONS, entry.atMs);
    return appendAudit(db, entry);
  } finally {
    db.close();
  }
}
