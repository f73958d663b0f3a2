import { escapeIdentifier } from "pg";
import type { ForgetOptions, ForgetResult, PurgeOptions, PurgeResult } from "../port.js";
import { ERASED_REASON, validateForget, validatePurge, wholeEventChunks } from "../retention-input.js";
import {
  countPurgeableAuditPostgres,
  type PostgresRunner,
  purgeAuditChunkPostgres,
} from "./postgres-audit.js";
import { forgetSamplesPostgres, purgeObservePostgres } from "./postgres-observe.js";

/**
 * Retention purge and erasure on PostgreSQL: each chunk its own short transaction, so other nodes
 * keep claiming and settling meanwhile. Rows another node holds locked are skipped by the purge
 * (SKIP LOCKED) and taken by the next run.
 */

const SETTLED = "state IN ('delivered', 'failed', 'stopped')";
const CLASS_WHERE = {
  deliveries: `${SETTLED} AND state <> 'failed'`,
  deadLetters: `${SETTLED} AND state = 'failed'`,
} as const;
const WAITING = "state IN ('queued', 'retrying')";

function retentionStatements(schema: string) {
  const s = escapeIdentifier(schema);
  const orphans = {
    bodies: `DELETE FROM ${s}.event_bodies AS b WHERE b.event_seq = ANY($1::bigint[])
      AND NOT EXISTS (SELECT 1 FROM ${s}.deliveries AS d WHERE d.event_seq = b.event_seq)`,
    events: `DELETE FROM ${s}.events AS e WHERE e.seq = ANY($1::bigint[])
      AND NOT EXISTS (SELECT 1 FROM ${s}.deliveries AS d WHERE d.event_seq = e.seq)`,
  };
  return {
    orphans,
    count(where: string): string {
      return `SELECT count(*) AS n FROM ${s}.deliveries WHERE updated_at_ms < $1 AND ${where}`;
    },
    /** One chunk of terminal rows of a class: deleted, returning the events they belonged to. */
    purgeChunk(where: string): string {
      return `
        WITH picked AS MATERIALIZED (
          SELECT id FROM ${s}.deliveries WHERE updated_at_ms < $1 AND ${where}
          LIMIT $2 FOR UPDATE SKIP LOCKED
        ), gone AS (
          DELETE FROM ${s}.deliveries AS d USING picked WHERE d.id = picked.id RETURNING d.event_seq
        )
        SELECT (SELECT count(*) FROM gone) AS deleted,
               ARRAY(SELECT DISTINCT event_seq FROM gone) AS "eventSeqs"`;
    },
    bodiesPage: `
      SELECT b.event_seq AS seq, b.body, e.source_name AS "sourceName", e.message_id AS "messageId"
      FROM ${s}.event_bodies AS b JOIN ${s}.events AS e ON e.seq = b.event_seq
      WHERE b.event_seq > $1 ORDER BY b.event_seq LIMIT $2`,
    keysOf: `SELECT DISTINCT ordering_key AS key FROM ${s}.deliveries
      WHERE event_seq = ANY($1::bigint[]) AND ordering_key IS NOT NULL`,
    find: `SELECT id, event_seq AS "eventSeq" FROM ${s}.deliveries
      WHERE ordering_key = ANY($1::text[]) OR event_seq = ANY($2::bigint[])`,
    eventsOf: `SELECT DISTINCT event_seq AS seq FROM ${s}.deliveries WHERE id = ANY($1::bigint[])`,
    deleteUnleased: `DELETE FROM ${s}.deliveries WHERE id = ANY($1::bigint[])
      AND NOT (${WAITING} AND lease_until_ms > $2)`,
    stopLeased: `UPDATE ${s}.deliveries SET state = 'stopped', stage = 'delivery', reason = $3,
        field = NULL, ordering_key = NULL, updated_at_ms = $2
      WHERE id = ANY($1::bigint[]) AND ${WAITING} AND lease_until_ms > $2`,
    dropBodies: `DELETE FROM ${s}.event_bodies WHERE event_seq = ANY($1::bigint[])`,
  };
}

/**
 * The retention purge (see `Store.purge`).
 *
 * @example
 * await purgePostgres(runner, { deliveryLogBefore, deadLettersBefore, auditBefore, nowMs, chunk: 5000 });
 */
export async function purgePostgres(runner: PostgresRunner, options: PurgeOptions): Promise<PurgeResult> {
  validatePurge(options);
  const sql = retentionStatements(runner.schema);
  const { chunk } = options;
  const before = { deliveries: options.deliveryLogBefore, deadLetters: options.deadLettersBefore };
  const count = async (kind: keyof typeof CLASS_WHERE) =>
    (await runner.query<{ n: number }>("purge", sql.count(CLASS_WHERE[kind]), [before[kind]]))[0]?.n ?? 0;
  const total =
    (await count("deliveries")) +
    (await count("deadLetters")) +
    (await countPurgeableAuditPostgres(runner, options.auditBefore));
  const result: PurgeResult = { deliveries: 0, deadLetters: 0, audit: 0, events: 0 };
  const halted = () => runner.closed() || options.signal?.aborted === true;
  const removed = () => result.deliveries + result.deadLetters + result.audit;
  for (const kind of ["deliveries", "deadLetters"] as const) {
    while (!halted()) {
      const { deleted, events } = await runner.transaction("purge", async (client) => {
        const { rows } = await client.query<{ deleted: number; eventSeqs: number[] }>(
          sql.purgeChunk(CLASS_WHERE[kind]),
          [before[kind], chunk],
        );
        const row = rows[0] ?? { deleted: 0, eventSeqs: [] };
        if (row.eventSeqs.length === 0) return { deleted: row.deleted, events: 0 };
        await client.query(sql.orphans.bodies, [row.eventSeqs]);
        const gone = await client.query(sql.orphans.events, [row.eventSeqs]);
        return { deleted: row.deleted, events: gone.rowCount ?? 0 };
      });
      result[kind] += deleted;
      result.events += events;
      if (deleted > 0) options.onProgress?.(removed(), total);
      if (deleted < chunk) break;
    }
  }
  while (!halted()) {
    const audit = await purgeAuditChunkPostgres(runner, options.auditBefore, chunk);
    result.audit += audit;
    if (audit > 0) options.onProgress?.(removed(), total);
    if (audit < chunk) break;
  }
  // Samples and seen paths follow the delivery log (at most 200 samples a source: one statement).
  if (!halted()) {
    await runner.transaction("purge", (client) =>
      purgeObservePostgres(client, runner.schema, options.deliveryLogBefore),
    );
  }
  return result;
}

/**
 * Erasure of one person (see `Store.forgetPerson`): bodies are read a page at a time, the person's
 * deliveries found with one read, then removed a chunk of whole events per transaction.
 *
 * @example
 * await forgetPersonPostgres(runner, orderingKey, { nowMs: Date.now() });
 */
export async function forgetPersonPostgres(
  runner: PostgresRunner,
  orderingKey: string,
  options: ForgetOptions,
): Promise<ForgetResult> {
  const chunk = validateForget(orderingKey, options);
  const sql = retentionStatements(runner.schema);
  const keys = new Set([orderingKey]);
  const eventSeqs = new Set<number>();
  if (options.matchBody !== undefined) {
    for (let after = 0; ; ) {
      const rows = await runner.query<{ seq: number; body: string; sourceName: string; messageId: string }>(
        "forgetPerson",
        sql.bodiesPage,
        [after, chunk],
      );
      const people: number[] = [];
      for (const { seq, body, sourceName, messageId } of rows) {
        const verdict = options.matchBody(body, { sourceName, messageId });
        if (verdict === null) continue;
        eventSeqs.add(seq);
        if (verdict === "person") people.push(seq);
      }
      if (people.length > 0) {
        for (const { key } of await runner.query<{ key: string }>("forgetPerson", sql.keysOf, [people])) {
          keys.add(key);
        }
      }
      if (rows.length < chunk) break;
      after = rows.at(-1)?.seq ?? after;
    }
  }
  const found = await runner.query<{ id: number; eventSeq: number }>("forgetPerson", sql.find, [
    [...keys],
    [...eventSeqs],
  ]);
  const result: ForgetResult = { deliveries: 0, events: 0, inFlight: 0 };
  for (const batch of wholeEventChunks(found, chunk)) {
    const outcome = await runner.transaction("forgetPerson", async (client) => {
      const seqs = (await client.query<{ seq: number }>(sql.eventsOf, [batch])).rows.map((row) => row.seq);
      const deleted = (await client.query(sql.deleteUnleased, [batch, options.nowMs])).rowCount ?? 0;
      const inFlight =
        (await client.query(sql.stopLeased, [batch, options.nowMs, ERASED_REASON])).rowCount ?? 0;
      await client.query(sql.dropBodies, [seqs]);
      const events = (await client.query(sql.orphans.events, [seqs])).rowCount ?? 0;
      return { deleted, inFlight, events };
    });
    result.deliveries += outcome.deleted;
    result.inFlight += outcome.inFlight;
    result.events += outcome.events;
  }
  if (eventSeqs.size > 0) {
    // Matched events whose deliveries were already gone.
    result.events += await runner.transaction("forgetPerson", async (client) => {
      await client.query(sql.orphans.bodies, [[...eventSeqs]]);
      return (await client.query(sql.orphans.events, [[...eventSeqs]])).rowCount ?? 0;
    });
  }
  await forgetSamplesPostgres(runner, [...keys], options.matchBody);
  return result;
}
