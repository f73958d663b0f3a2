import Database from "better-sqlite3";
import type { ForgetOptions, ForgetResult, PurgeOptions, PurgeResult } from "../port.js";
import { ERASED_REASON, validateForget, validatePurge, wholeEventChunks } from "../retention-input.js";
import { StoreError } from "../store-error.js";
import { countPurgeableAudit, purgeAuditChunk } from "./sqlite-audit.js";
import { forgetSamplesSqlite, purgeObserveSqlite } from "./sqlite-observe.js";

/**
 * Retention purge and erasure on SQLite, as functions of a connection (the store's own, or one the
 * CLI opens beside a running Sluice: `forgetPersonBeside`). Every write is a short IMMEDIATE
 * transaction over at most `chunk` rows, with a turn of the event loop in between, so ingest (on the
 * writer thread's connection) and delivery get the write lock between chunks.
 */

/**
 * Terminal rows by class. The exact `state IN (...)` term of the `deliveries_settled` index comes
 * first so SQLite can use that partial index (a range over `updated_at_ms`), then the class.
 */
const SETTLED = "state IN ('delivered', 'failed', 'stopped')";
const CLASS_WHERE = {
  log: `${SETTLED} AND state <> 'failed'`,
  deadLetters: `${SETTLED} AND state = 'failed'`,
} as const;

/** Delete the events of `seqs` (a JSON array) that no delivery points at any more. */
const SQL_DELETE_ORPHAN_EVENTS = `
  DELETE FROM events WHERE seq IN (SELECT value FROM json_each(@seqs))
    AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_seq = events.seq)`;

const pause = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The retention purge (see `Store.purge`). `stopped()` is checked between chunks (store closed).
 *
 * @example
 * await purgeSqlite(db, { deliveryLogBefore, deadLettersBefore, auditBefore, nowMs, chunk: 5000 }, () => false);
 */
export async function purgeSqlite(
  db: Database.Database,
  options: PurgeOptions,
  stopped: () => boolean,
): Promise<PurgeResult> {
  validatePurge(options);
  const { chunk } = options;
  const result: PurgeResult = { deliveries: 0, deadLetters: 0, audit: 0, events: 0 };
  const count = (where: string, before: number) =>
    db
      .prepare<[number], number>(
        `SELECT COUNT(*) FROM deliveries INDEXED BY deliveries_settled WHERE updated_at_ms < ? AND ${where}`,
      )
      .pluck()
      .get(before) as number;
  const total =
    count(CLASS_WHERE.log, options.deliveryLogBefore) +
    count(CLASS_WHERE.deadLetters, options.deadLettersBefore) +
    countPurgeableAudit(db, options.auditBefore);
  const halted = () => stopped() || options.signal?.aborted === true;
  const removed = () => result.deliveries + result.deadLetters + result.audit;

  for (const [kind, where, before] of [
    ["deliveries", CLASS_WHERE.log, options.deliveryLogBefore],
    ["deadLetters", CLASS_WHERE.deadLetters, options.deadLettersBefore],
  ] as const) {
    const select = db.prepare<[number, number], { id: number; eventSeq: number }>(
      `SELECT id, event_seq AS eventSeq FROM deliveries INDEXED BY deliveries_settled
       WHERE updated_at_ms < ? AND ${where} LIMIT ?`,
    );
    const deleteIds = db.prepare<{ ids: string }>(
      "DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(@ids))",
    );
    const deleteOrphans = db.prepare<{ seqs: string }>(SQL_DELETE_ORPHAN_EVENTS);
    const step = db.transaction((): [number, number] => {
      const rows = select.all(before, chunk);
      if (rows.length === 0) return [0, 0];
      deleteIds.run({ ids: JSON.stringify(rows.map((row) => row.id)) });
      const seqs = [...new Set(rows.map((row) => row.eventSeq))];
      return [rows.length, deleteOrphans.run({ seqs: JSON.stringify(seqs) }).changes];
    });
    while (!halted()) {
      const [deliveries, events] = write("purge", () => step.immediate());
      result[kind] += deliveries;
      result.events += events;
      if (deliveries > 0) options.onProgress?.(removed(), total);
      if (deliveries < chunk) break;
      await pause();
    }
  }
  while (!halted()) {
    const audit = write("purge", () => purgeAuditChunk(db, options.auditBefore, chunk));
    result.audit += audit;
    if (audit > 0) options.onProgress?.(removed(), total);
    if (audit < chunk) break;
    await pause();
  }
  // Samples and seen paths follow the delivery log (at most 200 samples a source: one statement).
  if (!halted()) write("purge", () => purgeObserveSqlite(db, options.deliveryLogBefore));
  return result;
}

/**
 * Erasure of one person (see `Store.forgetPerson`). The rows to remove are found first, with reads
 * only (one chunk of bodies at a time), then removed in short write transactions; a delivery a lane
 * leased meanwhile is stopped rather than deleted under it.
 *
 * @example
 * await forgetPersonSqlite(db, orderingKey, { nowMs: Date.now() });
 */
export async function forgetPersonSqlite(
  db: Database.Database,
  orderingKey: string,
  options: ForgetOptions,
): Promise<ForgetResult> {
  const chunk = validateForget(orderingKey, options);
  const keys = new Set([orderingKey]);
  const eventSeqs = new Set<number>();
  if (options.matchBody !== undefined) {
    const page = db.prepare<
      [number, number],
      { seq: number; body: string; sourceName: string; messageId: string }
    >(
      `SELECT seq, body, source_name AS sourceName, message_id AS messageId FROM events
       WHERE seq > ? AND body IS NOT NULL ORDER BY seq LIMIT ?`,
    );
    const keysOf = db
      .prepare<[number], string>(
        "SELECT DISTINCT ordering_key FROM deliveries WHERE event_seq = ? AND ordering_key IS NOT NULL",
      )
      .pluck();
    for (let after = 0; ; ) {
      const rows = page.all(after, chunk);
      for (const { seq, body, sourceName, messageId } of rows) {
        const verdict = options.matchBody(body, { sourceName, messageId });
        if (verdict === null) continue;
        eventSeqs.add(seq);
        if (verdict === "person") for (const key of keysOf.all(seq)) keys.add(key);
      }
      if (rows.length < chunk) break;
      after = rows.at(-1)?.seq ?? after;
      await pause();
    }
  }
  // Without an index on ordering_key over every state (it would cost every enqueue), the person's
  // rows are found by a scan in id order, a range of ids per read.
  const found: { id: number; eventSeq: number }[] = [];
  const scan = db.prepare<
    { after: number; limit: number; keys: string; seqs: string },
    { id: number; eventSeq: number }
  >(
    `SELECT id, event_seq AS eventSeq FROM deliveries WHERE id > @after AND id <= @after + @limit
       AND (ordering_key IN (SELECT value FROM json_each(@keys))
            OR event_seq IN (SELECT value FROM json_each(@seqs)))`,
  );
  const maxId = db.prepare<[], number | null>("SELECT MAX(id) FROM deliveries").pluck().get() ?? 0;
  const keyJson = JSON.stringify([...keys]);
  const seqJson = JSON.stringify([...eventSeqs]);
  const scanChunk = Math.max(chunk, 10_000);
  for (let after = 0; after < maxId; after += scanChunk) {
    for (const row of scan.all({ after, limit: scanChunk, keys: keyJson, seqs: seqJson })) found.push(row);
    await pause();
  }
  const result: ForgetResult = { deliveries: 0, events: 0, inFlight: 0 };
  const eventsOf = db
    .prepare<{ ids: string }, number>(
      "SELECT DISTINCT event_seq FROM deliveries WHERE id IN (SELECT value FROM json_each(@ids))",
    )
    .pluck();
  const deleteUnleased = db.prepare<{ ids: string; nowMs: number }>(
    `DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(@ids))
       AND NOT (state IN ('queued', 'retrying') AND lease_until_ms > @nowMs)`,
  );
  const stopLeased = db.prepare<{ ids: string; nowMs: number; reason: string }>(
    `UPDATE deliveries SET state = 'stopped', stage = 'delivery', reason = @reason, field = NULL,
       ordering_key = NULL, updated_at_ms = @nowMs
     WHERE id IN (SELECT value FROM json_each(@ids))
       AND state IN ('queued', 'retrying') AND lease_until_ms > @nowMs`,
  );
  const deleteOrphans = db.prepare<{ seqs: string }>(SQL_DELETE_ORPHAN_EVENTS);
  const dropBodies = db.prepare<{ seqs: string }>(
    "UPDATE events SET body = NULL WHERE seq IN (SELECT value FROM json_each(@seqs)) AND body IS NOT NULL",
  );
  const step = db.transaction((batch: readonly number[]) => {
    const json = JSON.stringify(batch);
    const seqs = JSON.stringify(eventsOf.all({ ids: json }));
    const deleted = deleteUnleased.run({ ids: json, nowMs: options.nowMs }).changes;
    const inFlight = stopLeased.run({ ids: json, nowMs: options.nowMs, reason: ERASED_REASON }).changes;
    const events = deleteOrphans.run({ seqs }).changes;
    dropBodies.run({ seqs });
    return { deleted, inFlight, events };
  });
  for (const batch of wholeEventChunks(found, chunk)) {
    const outcome = write("forgetPerson", () => step.immediate(batch));
    result.deliveries += outcome.deleted;
    result.inFlight += outcome.inFlight;
    result.events += outcome.events;
    await pause();
  }
  // Matched events whose deliveries were already gone (none left to find through a delivery).
  if (eventSeqs.size > 0) {
    result.events += write("forgetPerson", () => {
      const seqs = JSON.stringify([...eventSeqs]);
      dropBodies.run({ seqs });
      return deleteOrphans.run({ seqs }).changes;
    });
  }
  write("forgetPerson", () => forgetSamplesSqlite(db, [...keys], options.matchBody));
  return result;
}

/**
 * `forgetPersonSqlite` from beside a running Sluice, on a connection of its own (no writer thread,
 * no lease clearing), waiting up to `busyTimeoutMs` (default 5000) for each chunk's write lock.
 *
 * @example
 * await forgetPersonBeside(".sluice/sluice.db", orderingKey, { nowMs: Date.now() });
 */
export async function forgetPersonBeside(
  path: string,
  orderingKey: string,
  options: ForgetOptions,
  busyTimeoutMs = 5000,
): Promise<ForgetResult> {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError("ER_STORE_CLOSED", `no Sluice database at ${path} (${code})`);
  }
  try {
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("secure_delete = FAST");
    return await forgetPersonSqlite(db, orderingKey, options);
  } finally {
    db.close();
  }
}

/** Run a write; engine errors become `ER_STORE_WRITE_FAILED` with SQLite's code. */
function write<T>(operation: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: string }).code ?? "unknown";
    throw new StoreError(
      "ER_STORE_WRITE_FAILED",
      `${operation} failed (${code}); that chunk was not committed`,
      {
        cause: error,
      },
    );
  }
}
