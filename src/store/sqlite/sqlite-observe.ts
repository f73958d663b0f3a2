import type Database from "better-sqlite3";
import {
  mergeByPath,
  mergeSeenPaths,
  sampleMatches,
  statsFromRows,
  validateNameFilter,
  validateSampleFilter,
  validateStatsRange,
} from "../observe-input.js";
import {
  type EventSample,
  type EventStats,
  type ForgetOptions,
  type NewEventSample,
  SAMPLES_PER_SOURCE,
  type SampleFilter,
  type SeenPath,
  type SeenPathFilter,
  type SeenPathUpdate,
  type StatsRange,
  type StoredEventSample,
} from "../port.js";
import type { Migration } from "./migrations.js";

/**
 * Event names, samples, seen paths and dashboard counts on SQLite (migration 8), as functions of a
 * connection: the store calls them inside its own transactions (`write`), the retention functions
 * inside theirs.
 */

export const OBSERVE_MIGRATION: Migration = {
  version: 8,
  name: "event names, samples, seen paths",
  sql: `
    -- The track event name or page/screen name, for the delivery log (no PHI: ingest drops a name a
    -- detector flags). Nullable: older rows and calls without a name have none.
    ALTER TABLE events ADD COLUMN event_name TEXT;
    -- The dashboard counts events received per time bucket.
    CREATE INDEX events_received_at ON events (received_at_ms);

    -- The last 200 events of each source, bodies kept (sealed under encryption at rest). Test-key
    -- events only ever live here.
    CREATE TABLE event_samples (
      id             INTEGER PRIMARY KEY AUTOINCREMENT,
      source_name    TEXT    NOT NULL,
      event_type     TEXT    NOT NULL,
      event_name     TEXT,
      message_id     TEXT    NOT NULL,
      received_at_ms INTEGER NOT NULL,
      test           INTEGER NOT NULL CHECK (test IN (0, 1)),
      ordering_key   TEXT,
      body           TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX event_samples_source ON event_samples (source_name, id);
    CREATE INDEX event_samples_received_at ON event_samples (received_at_ms);
    CREATE INDEX event_samples_person ON event_samples (ordering_key) WHERE ordering_key IS NOT NULL;

    -- Paths seen per (source, type, name): names and JSON types (a bitmask), never values.
    -- event_name is '' for none: part of the key, where NULLs would never conflict.
    CREATE TABLE seen_paths (
      source_name  TEXT    NOT NULL,
      event_type   TEXT    NOT NULL,
      event_name   TEXT    NOT NULL,
      path         TEXT    NOT NULL,
      types        INTEGER NOT NULL,
      count        INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      PRIMARY KEY (source_name, event_type, event_name, path)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX seen_paths_last_seen ON seen_paths (last_seen_ms);
  `,
};

const SAMPLE_COLUMNS = `id, source_name AS sourceName, event_type AS eventType, event_name AS eventName,
  message_id AS messageId, received_at_ms AS receivedAtMs, test`;

type SampleRow = Omit<EventSample, "test"> & { test: number };

const fromRow = <Row extends SampleRow>(row: Row): Omit<Row, "test"> & { test: boolean } => ({
  ...row,
  test: row.test === 1,
});

/**
 * Insert samples and prune each source they name to its newest `SAMPLES_PER_SOURCE`. Run it inside
 * a write transaction.
 *
 * @example
 * recordSamplesSqlite(db, [{ sourceName: "web", eventType: "track", messageId: "m1", receivedAtMs: 0, test: false, body: "{}" }]);
 */
export function recordSamplesSqlite(db: Database.Database, samples: readonly NewEventSample[]): void {
  const insert = db.prepare(
    `INSERT INTO event_samples (source_name, event_type, event_name, message_id, received_at_ms, test,
       ordering_key, body)
     VALUES (@sourceName, @eventType, @eventName, @messageId, @receivedAtMs, @test, @orderingKey, @body)`,
  );
  const prune = db.prepare<{ sourceName: string; keep: number }>(
    `DELETE FROM event_samples WHERE source_name = @sourceName AND id < (
       SELECT id FROM event_samples WHERE source_name = @sourceName ORDER BY id DESC LIMIT 1 OFFSET @keep - 1)`,
  );
  const sources = new Set<string>();
  for (const sample of samples) {
    insert.run({
      sourceName: sample.sourceName,
      eventType: sample.eventType,
      eventName: sample.eventName ?? null,
      messageId: sample.messageId,
      receivedAtMs: sample.receivedAtMs,
      test: sample.test ? 1 : 0,
      orderingKey: sample.orderingKey ?? null,
      body: sample.body,
    });
    sources.add(sample.sourceName);
  }
  for (const sourceName of sources) prune.run({ sourceName, keep: SAMPLES_PER_SOURCE });
}

/**
 * Samples without bodies, newest first.
 *
 * @example
 * listSamplesSqlite(db, { sourceName: "web", limit: 20 });
 */
export function listSamplesSqlite(db: Database.Database, filter: SampleFilter): EventSample[] {
  const limit = validateSampleFilter(filter);
  const where: string[] = [];
  const params: Record<string, string | number> = { limit };
  const columns = {
    sourceName: "source_name = @sourceName",
    eventType: "event_type = @eventType",
    eventName: "event_name = @eventName",
    beforeId: "id < @beforeId",
  } as const;
  for (const key of Object.keys(columns) as (keyof typeof columns)[]) {
    const value = filter[key];
    if (value === undefined) continue;
    where.push(columns[key]);
    params[key] = value;
  }
  return db
    .prepare<Record<string, string | number>, SampleRow>(
      `SELECT ${SAMPLE_COLUMNS} FROM event_samples
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT @limit`,
    )
    .all(params)
    .map(fromRow);
}

/**
 * One sample with its body, or null.
 *
 * @example
 * getSampleSqlite(db, 7)?.body // '{"type":"track",...}'
 */
export function getSampleSqlite(db: Database.Database, id: number): StoredEventSample | null {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const row = db
    .prepare<[number], SampleRow & { body: string }>(
      `SELECT ${SAMPLE_COLUMNS}, body FROM event_samples WHERE id = ?`,
    )
    .get(id);
  return row === undefined ? null : fromRow(row);
}

/**
 * Upsert seen paths (merged and sorted by `mergeSeenPaths`). Run it inside a write transaction.
 *
 * @example
 * recordSeenPathsSqlite(db, [{ sourceName: "web", eventType: "track", eventName: "Viewed",
 *   path: "properties.sku", types: ["string"], count: 1, lastSeenMs: 0 }]);
 */
export function recordSeenPathsSqlite(db: Database.Database, paths: readonly SeenPathUpdate[]): void {
  const rows = mergeSeenPaths(paths);
  if (rows.length === 0) return;
  db.prepare<{ rows: string }>(
    `INSERT INTO seen_paths (source_name, event_type, event_name, path, types, count, last_seen_ms)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
     FROM json_each(@rows) WHERE true
     ON CONFLICT (source_name, event_type, event_name, path) DO UPDATE SET
       types = types | excluded.types, count = count + excluded.count,
       last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)`,
  ).run({
    rows: JSON.stringify(
      rows.map((row) => [
        row.sourceName,
        row.eventType,
        row.eventName,
        row.path,
        row.types,
        row.count,
        row.lastSeenMs,
      ]),
    ),
  });
}

/**
 * Seen paths merged by path over the rows matching the filter.
 *
 * @example
 * listSeenPathsSqlite(db, { eventType: "track", eventName: "Order Completed" });
 */
export function listSeenPathsSqlite(db: Database.Database, filter: SeenPathFilter): SeenPath[] {
  validateNameFilter(filter);
  const where: string[] = [];
  const params: Record<string, string> = {};
  for (const [key, column] of [
    ["sourceName", "source_name"],
    ["eventType", "event_type"],
    ["eventName", "event_name"],
  ] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    where.push(`${column} = @${key}`);
    params[key] = value;
  }
  const rows = db
    .prepare<Record<string, string>, { path: string; types: number; count: number; lastSeenMs: number }>(
      `SELECT path, types, count, last_seen_ms AS lastSeenMs FROM seen_paths
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}`,
    )
    .all(params);
  return mergeByPath(rows);
}

/**
 * The dashboard's counts (see `Store.eventStats`).
 *
 * @example
 * eventStatsSqlite(db, { fromMs: 0, toMs: 86_400_000, bucketMs: 3_600_000 }).buckets.length // 24
 */
export function eventStatsSqlite(db: Database.Database, range: StatsRange): EventStats {
  validateStatsRange(range);
  // better-sqlite3 binds numbers as REAL: the CASTs keep the bucket division an integer one.
  const params = { fromMs: range.fromMs, toMs: range.toMs, bucketMs: range.bucketMs };
  const received = db
    .prepare<typeof params, { bucket: number; n: number }>(
      `SELECT (received_at_ms - CAST(@fromMs AS INTEGER)) / CAST(@bucketMs AS INTEGER) AS bucket, COUNT(*) AS n
       FROM events INDEXED BY events_received_at
       WHERE received_at_ms >= @fromMs AND received_at_ms < @toMs GROUP BY bucket`,
    )
    .all(params);
  // `INDEXED BY`: the partial index over terminal rows, a range over updated_at_ms (see SQL_OUTCOME_COUNTS).
  const settled = db
    .prepare<typeof params, { bucket: number; delivered: number; stopped: number; failed: number }>(
      `SELECT (updated_at_ms - CAST(@fromMs AS INTEGER)) / CAST(@bucketMs AS INTEGER) AS bucket, SUM(state = 'delivered') AS delivered,
         SUM(state = 'stopped') AS stopped, SUM(state = 'failed') AS failed
       FROM deliveries INDEXED BY deliveries_settled
       WHERE updated_at_ms >= @fromMs AND updated_at_ms < @toMs AND state IN ('delivered', 'failed', 'stopped')
       GROUP BY bucket`,
    )
    .all(params);
  const stopped = db
    .prepare<typeof params, EventStats["stoppedByReason"][number]>(
      `SELECT stage, reason, COUNT(*) AS count
       FROM deliveries INDEXED BY deliveries_settled
       WHERE updated_at_ms >= @fromMs AND updated_at_ms < @toMs AND state IN ('delivered', 'failed', 'stopped')
         AND state = 'stopped'
       GROUP BY stage, reason ORDER BY count DESC, stage, reason LIMIT 20`,
    )
    .all(params);
  return statsFromRows(range, received, settled, stopped);
}

/**
 * Retention: delete samples received and paths last seen before `beforeMs`; returns the samples
 * removed. Run it inside a write transaction.
 *
 * @example
 * purgeObserveSqlite(db, cutoffs.deliveryLogBefore);
 */
export function purgeObserveSqlite(db: Database.Database, beforeMs: number): number {
  if (!hasObserveTables(db)) return 0;
  db.prepare("DELETE FROM seen_paths WHERE last_seen_ms < ?").run(beforeMs);
  return db.prepare("DELETE FROM event_samples WHERE received_at_ms < ?").run(beforeMs).changes;
}

/**
 * Erasure: delete the samples with one of the person's ordering keys and those `matchBody` picks or
 * cannot read (`sampleMatches`; it sees the stored body, `encryptStore` wraps it to decrypt first).
 * Reads first, then one delete.
 *
 * @example
 * forgetSamplesSqlite(db, [orderingKey], options.matchBody);
 */
export function forgetSamplesSqlite(
  db: Database.Database,
  orderingKeys: readonly string[],
  matchBody: ForgetOptions["matchBody"],
): number {
  if (!hasObserveTables(db)) return 0;
  const ids: number[] = [];
  if (matchBody !== undefined) {
    const rows = db
      .prepare<[], { id: number; body: string; sourceName: string; messageId: string }>(
        "SELECT id, body, source_name AS sourceName, message_id AS messageId FROM event_samples",
      )
      .all();
    for (const row of rows) if (sampleMatches(matchBody, row)) ids.push(row.id);
  }
  return db
    .prepare<{ keys: string; ids: string }>(
      `DELETE FROM event_samples WHERE ordering_key IN (SELECT value FROM json_each(@keys))
         OR id IN (SELECT value FROM json_each(@ids))`,
    )
    .run({ keys: JSON.stringify(orderingKeys), ids: JSON.stringify(ids) }).changes;
}

/** A connection opened beside Sluice may predate migration 8 (the CLI on an old file). */
function hasObserveTables(db: Database.Database): boolean {
  return (
    db
      .prepare<[], number>(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_samples'",
      )
      .pluck()
      .get() === 1
  );
}
