import { escapeIdentifier, type PoolClient } from "pg";
import {
  type AuditRow,
  auditHash,
  auditRecordFromRow,
  GENESIS,
  validateAuditEntry,
  validateAuditListFilter,
} from "../audit-chain.js";
import type { AuditChainState, AuditEntry, AuditListFilter, AuditRecord } from "../port.js";

/**
 * The audit log on PostgreSQL (tables `audit_log` and `audit_state`, migration 3). Every append locks
 * the one `audit_state` row FOR UPDATE in its transaction: appends from every node queue up there, so
 * each is hashed onto the head the previous one left and the chain stays one line without gaps.
 */

/** What the audit and retention functions need from the store: its schema and its transactions. */
export interface PostgresRunner {
  readonly schema: string;
  /** Run `work` in a transaction (retried on deadlock or serialization failure). */
  transaction<T>(operation: string, work: (client: PoolClient) => Promise<T>): Promise<T>;
  /** One autocommitted statement. */
  query<Row extends object>(operation: string, text: string, params: unknown[]): Promise<Row[]>;
  /** True once the store is closed (long jobs stop between chunks). */
  closed(): boolean;
}

const COLUMNS = `seq, at_ms AS "atMs", actor, action, target, outcome, detail, prev_hash AS "prevHash", hash`;

/**
 * The audit statements for one schema.
 *
 * @example
 * await pool.query(auditStatements("sluice").state);
 */
export function auditStatements(schema: string) {
  const s = escapeIdentifier(schema);
  return {
    state: `SELECT head_seq AS "headSeq", head_hash AS "headHash", anchor_seq AS "anchorSeq",
      anchor_hash AS "anchorHash" FROM ${s}.audit_state WHERE id = 1`,
    lockState: `SELECT head_seq AS "headSeq", head_hash AS "headHash" FROM ${s}.audit_state WHERE id = 1 FOR UPDATE`,
    append: `
      WITH inserted AS (
        INSERT INTO ${s}.audit_log (seq, at_ms, actor, action, target, outcome, detail, prev_hash, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      )
      UPDATE ${s}.audit_state SET head_seq = $1, head_hash = $9 WHERE id = 1`,
    list(order: "ASC" | "DESC"): string {
      return `SELECT ${COLUMNS} FROM ${s}.audit_log
        WHERE seq >= $1 AND seq < $3 AND ($4::text IS NULL OR action = $4)
        ORDER BY seq ${order} LIMIT $2`;
    },
    /** The oldest entries recorded before `$1`, as an unbroken run from the oldest, at most `$2`. */
    purgeable: `
      SELECT seq, hash FROM ${s}.audit_log
      WHERE seq < COALESCE((SELECT min(seq) FROM ${s}.audit_log WHERE at_ms >= $1), 9007199254740991)
      ORDER BY seq LIMIT $2`,
    countPurgeable: `
      SELECT count(*) AS n FROM ${s}.audit_log
      WHERE seq < COALESCE((SELECT min(seq) FROM ${s}.audit_log WHERE at_ms >= $1), 9007199254740991)`,
    deleteThrough: `DELETE FROM ${s}.audit_log WHERE seq <= $1`,
    moveAnchor: `UPDATE ${s}.audit_state SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1`,
  };
}

/**
 * Append one entry (see `Store.appendAudit`).
 *
 * @example
 * await appendAuditPostgres(runner, { atMs: Date.now(), actor: "ops", action: "dlq.replay", outcome: "ok" });
 */
export async function appendAuditPostgres(runner: PostgresRunner, entry: AuditEntry): Promise<AuditRecord> {
  const clean = validateAuditEntry(entry);
  const sql = auditStatements(runner.schema);
  return runner.transaction("appendAudit", async (client) => {
    const { rows } = await client.query<{ headSeq: number; headHash: string }>(sql.lockState);
    const head = rows[0] ?? { headSeq: GENESIS.seq, headHash: GENESIS.hash };
    const seq = head.headSeq + 1;
    const hash = auditHash(head.headHash, clean, seq);
    await client.query(sql.append, [
      seq,
      clean.atMs,
      clean.actor,
      clean.action,
      clean.target ?? null,
      clean.outcome,
      clean.detail === undefined ? null : JSON.stringify(clean.detail),
      head.headHash,
      hash,
    ]);
    return { ...clean, seq, prevHash: head.headHash, hash };
  });
}

/** Audit entries by seq (see `Store.listAudit`). */
export async function listAuditPostgres(
  runner: PostgresRunner,
  filter: AuditListFilter,
): Promise<AuditRecord[]> {
  const limit = validateAuditListFilter(filter);
  const sql = auditStatements(runner.schema).list(filter.newestFirst === true ? "DESC" : "ASC");
  return (
    await runner.query<AuditRow>("listAudit", sql, [
      filter.fromSeq ?? 0,
      limit,
      filter.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      filter.action ?? null,
    ])
  ).map(auditRecordFromRow);
}

/** The chain's head and anchor (see `Store.auditState`). */
export async function auditStatePostgres(runner: PostgresRunner): Promise<AuditChainState> {
  const rows = await runner.query<{
    headSeq: number;
    headHash: string;
    anchorSeq: number;
    anchorHash: string;
  }>("auditState", auditStatements(runner.schema).state, []);
  const row = rows[0];
  if (row === undefined) return { head: GENESIS, anchor: GENESIS };
  return {
    head: { seq: row.headSeq, hash: row.headHash },
    anchor: { seq: row.anchorSeq, hash: row.anchorHash },
  };
}

/**
 * One chunk of the audit purge: under the `audit_state` lock, delete up to `chunk` of the oldest
 * entries recorded before `beforeMs` and move the anchor to the last one deleted. Returns the count.
 */
export async function purgeAuditChunkPostgres(
  runner: PostgresRunner,
  beforeMs: number,
  chunk: number,
): Promise<number> {
  const sql = auditStatements(runner.schema);
  return runner.transaction("purge", async (client) => {
    await client.query(sql.lockState);
    const { rows } = await client.query<{ seq: number; hash: string }>(sql.purgeable, [beforeMs, chunk]);
    const last = rows.at(-1);
    if (last === undefined) return 0;
    await client.query(sql.deleteThrough, [last.seq]);
    await client.query(sql.moveAnchor, [last.seq, last.hash]);
    return rows.length;
  });
}

/** Entries the audit purge would delete in total (for progress). */
export async function countPurgeableAuditPostgres(runner: PostgresRunner, beforeMs: number): Promise<number> {
  const rows = await runner.query<{ n: number }>("purge", auditStatements(runner.schema).countPurgeable, [
    beforeMs,
  ]);
  return rows[0]?.n ?? 0;
}
