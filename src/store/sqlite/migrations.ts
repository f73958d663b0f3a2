import type Database from "better-sqlite3";
import { StoreError } from "../store-error.js";
import { OBSERVE_MIGRATION } from "./sqlite-observe.js";

/** One schema change. Versions are applied in ascending order and recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The SQLite schema, as an append-only list: never edit a released migration, add the next number.
 * Tables are STRICT so a wrong type is an error rather than a silently coerced value.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events, deliveries, dedupe, destination_state",
    sql: `
      -- One row per accepted event. The body is set to NULL once no delivery needs it (see settle);
      -- the other columns stay: the delivery log shows them and they hold no payload values.
      -- AUTOINCREMENT: ids are never reused, even after rows are deleted by a future retention job.
      CREATE TABLE events (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        source_name    TEXT    NOT NULL,
        message_id     TEXT    NOT NULL,
        event_type     TEXT    NOT NULL,
        received_at_ms INTEGER NOT NULL,
        body           TEXT
      ) STRICT;
      CREATE INDEX events_message_id ON events (message_id);

      -- One row per event x destination: the queue entry while waiting, the delivery-log row for ever.
      -- lease_until_ms = 0 means "not leased"; next_attempt_at_ms = 0 means "due at once".
      CREATE TABLE deliveries (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        event_seq           INTEGER NOT NULL REFERENCES events (seq),
        destination         TEXT    NOT NULL,
        state               TEXT    NOT NULL
          CHECK (state IN ('queued', 'retrying', 'delivered', 'failed', 'stopped')),
        stage               TEXT
          CHECK (stage IN ('ingest', 'allowlist', 'mapping', 'limits', 'delivery')),
        reason              TEXT,
        field               TEXT,
        attempts            INTEGER NOT NULL DEFAULT 0,
        last_status         INTEGER,
        next_attempt_at_ms  INTEGER NOT NULL DEFAULT 0,
        lease_until_ms      INTEGER NOT NULL DEFAULT 0,
        first_attempt_at_ms INTEGER,
        created_at_ms       INTEGER NOT NULL,
        updated_at_ms       INTEGER NOT NULL
      ) STRICT;
      -- claim, nextWakeMs and queueStats: a range scan over one destination's waiting rows in id
      -- order. Partial, so delivered rows (the bulk of the table) cost nothing here.
      CREATE INDEX deliveries_waiting ON deliveries (destination, id) WHERE state IN ('queued', 'retrying');
      -- settle's "does any delivery still need this body?" and the log's messageId filter.
      CREATE INDEX deliveries_event ON deliveries (event_seq);
      -- The log filtered by state (dead letters: state = 'failed'), newest first.
      CREATE INDEX deliveries_state ON deliveries (state, id);

      -- First time a (source, messageId) was accepted; pruned by pruneDedupe.
      CREATE TABLE dedupe (
        source_name TEXT    NOT NULL,
        message_id  TEXT    NOT NULL,
        seen_at_ms  INTEGER NOT NULL,
        PRIMARY KEY (source_name, message_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX dedupe_seen_at ON dedupe (seen_at_ms);

      CREATE TABLE destination_state (
        name                    TEXT    PRIMARY KEY,
        status                  TEXT    NOT NULL CHECK (status IN ('active', 'unauthorized')),
        reason                  TEXT,
        credentials_fingerprint TEXT,
        updated_at_ms           INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: "outcome counts for destination health",
    sql: `
      -- Health counts the last 24 h of terminal outcomes per destination: a range scan, not the log.
      CREATE INDEX deliveries_settled ON deliveries (updated_at_ms, destination, state)
        WHERE state IN ('delivered', 'failed', 'stopped');
    `,
  },
  {
    version: 3,
    name: "per-person ordering, attempt history, replays",
    sql: `
      -- An opaque per-person key (a hash, never the id itself): a person's deliveries are claimed in order.
      ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
      -- JSON array of [atMs, status, latencyMs, state, reason], the last 50 attempts.
      ALTER TABLE deliveries ADD COLUMN attempt_history TEXT;
      ALTER TABLE deliveries ADD COLUMN replays INTEGER NOT NULL DEFAULT 0;
      -- claim: "does this person have an earlier waiting delivery?" and "the rest of this person's run",
      -- both one seek into one destination's waiting rows of one key.
      CREATE INDEX deliveries_waiting_key ON deliveries (destination, ordering_key, id)
        WHERE state IN ('queued', 'retrying') AND ordering_key IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: "audit log",
    sql: `
      -- The hash-chained audit log (src/store/audit-chain.ts). seq is assigned from audit_state, never
      -- by the table, so the chain has no gaps; nothing updates or deletes a row but the retention purge.
      CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        at_ms     INTEGER NOT NULL,
        actor     TEXT    NOT NULL,
        action    TEXT    NOT NULL,
        target    TEXT,
        outcome   TEXT    NOT NULL CHECK (outcome IN ('ok', 'denied')),
        detail    TEXT,
        prev_hash TEXT    NOT NULL,
        hash      TEXT    NOT NULL
      ) STRICT;
      -- One row: the last entry appended (head) and the last one the retention purge removed (anchor).
      CREATE TABLE audit_state (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        head_seq    INTEGER NOT NULL,
        head_hash   TEXT    NOT NULL,
        anchor_seq  INTEGER NOT NULL,
        anchor_hash TEXT    NOT NULL
      ) STRICT;
      INSERT INTO audit_state VALUES (1, 0, '${"0".repeat(64)}', 0, '${"0".repeat(64)}');
    `,
  },
  {
    version: 5,
    name: "consent and privacy stages",
    sql: `
      -- SQLite cannot change a CHECK constraint in place: rebuild the table with the two new stages
      -- (an event stopped for missing consent, or for PHI in what would leave), then its indexes.
      CREATE TABLE deliveries_v5 (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        event_seq           INTEGER NOT NULL REFERENCES events (seq),
        destination         TEXT    NOT NULL,
        state               TEXT    NOT NULL
          CHECK (state IN ('queued', 'retrying', 'delivered', 'failed', 'stopped')),
        stage               TEXT
          CHECK (stage IN ('ingest', 'allowlist', 'consent', 'mapping', 'privacy', 'limits', 'delivery')),
        reason              TEXT,
        field               TEXT,
        attempts            INTEGER NOT NULL DEFAULT 0,
        last_status         INTEGER,
        next_attempt_at_ms  INTEGER NOT NULL DEFAULT 0,
        lease_until_ms      INTEGER NOT NULL DEFAULT 0,
        first_attempt_at_ms INTEGER,
        created_at_ms       INTEGER NOT NULL,
        updated_at_ms       INTEGER NOT NULL,
        ordering_key        TEXT,
        attempt_history     TEXT,
        replays             INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      INSERT INTO deliveries_v5 (id, event_seq, destination, state, stage, reason, field, attempts,
        last_status, next_attempt_at_ms, lease_until_ms, first_attempt_at_ms, created_at_ms, updated_at_ms,
        ordering_key, attempt_history, replays)
      SELECT id, event_seq, destination, state, stage, reason, field, attempts, last_status,
        next_attempt_at_ms, lease_until_ms, first_attempt_at_ms, created_at_ms, updated_at_ms,
        ordering_key, attempt_history, replays
      FROM deliveries;
      DROP TABLE deliveries;
      ALTER TABLE deliveries_v5 RENAME TO deliveries;
      CREATE INDEX deliveries_waiting ON deliveries (destination, id) WHERE state IN ('queued', 'retrying');
      CREATE INDEX deliveries_event ON deliveries (event_seq);
      CREATE INDEX deliveries_state ON deliveries (state, id);
      CREATE INDEX deliveries_settled ON deliveries (updated_at_ms, destination, state)
        WHERE state IN ('delivered', 'failed', 'stopped');
      CREATE INDEX deliveries_waiting_key ON deliveries (destination, ordering_key, id)
        WHERE state IN ('queued', 'retrying') AND ordering_key IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: "admin users and sessions",
    sql: `
      -- Admin API accounts. password_hash is a self-describing scrypt string (src/auth/passwords.ts).
      CREATE TABLE users (
        name               TEXT    PRIMARY KEY,
        role               TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
        password_hash      TEXT    NOT NULL,
        created_at_ms      INTEGER NOT NULL,
        last_sign_in_at_ms INTEGER
      ) STRICT;
      -- Sign-in sessions: only the SHA-256 of the session id is kept, so the table cannot sign anyone in.
      CREATE TABLE sessions (
        id_hash         TEXT    PRIMARY KEY,
        user_name       TEXT    NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        csrf_token      TEXT    NOT NULL,
        created_at_ms   INTEGER NOT NULL,
        last_seen_at_ms INTEGER NOT NULL,
        expires_at_ms   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_user ON sessions (user_name);
      CREATE INDEX sessions_expires ON sessions (expires_at_ms);
    `,
  },
  {
    version: 7,
    name: "configuration versions and draft",
    sql: `
      -- Published configuration versions: immutable once inserted (no statement of Sluice updates or
      -- deletes a row). document: a ConfigDocument as JSON, sealed when encryption at rest is on.
      CREATE TABLE config_versions (
        version         INTEGER PRIMARY KEY,
        published_at_ms INTEGER NOT NULL,
        published_by    TEXT    NOT NULL,
        note            TEXT,
        document        TEXT    NOT NULL
      ) STRICT;
      -- The one draft (id 1): edits accumulate here until published.
      CREATE TABLE config_draft (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        based_on      INTEGER,
        updated_at_ms INTEGER NOT NULL,
        updated_by    TEXT    NOT NULL,
        document      TEXT    NOT NULL
      ) STRICT;
    `,
  },
  OBSERVE_MIGRATION,
  {
    version: 9,
    name: "lease fencing token",
    sql: `
      -- The fencing token of the claim that last leased the delivery (see Store.settle): an outcome
      -- applies only while it still matches. NULL: never claimed, or replayed since.
      ALTER TABLE deliveries ADD COLUMN lease_token TEXT;
    `,
  },
];

/**
 * Bring `db` up to the last of `migrations`, in one IMMEDIATE transaction: either every pending
 * migration is applied and recorded, or none is. Safe on every start (applied versions are skipped).
 * Throws `ER_STORE_SCHEMA_TOO_NEW` when the file was migrated further by a newer Sluice.
 *
 * @example
 * applyMigrations(db, MIGRATIONS, Date.now()); // [1] on a new file, [] afterwards
 */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[],
  nowMs: number,
): number[] {
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version       INTEGER PRIMARY KEY,
      name          TEXT    NOT NULL,
      applied_at_ms INTEGER NOT NULL
    ) STRICT`);
    const applied = new Set(db.prepare<[], number>("SELECT version FROM schema_migrations").pluck().all());
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new StoreError(
        "ER_STORE_SCHEMA_TOO_NEW",
        `the database is at schema version ${newest}, this Sluice knows up to ${known}; upgrade Sluice`,
      );
    }
    const record = db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
    );
    const pending = [...migrations]
      .filter((m) => !applied.has(m.version))
      .sort((a, b) => a.version - b.version);
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, nowMs);
    }
    return pending.map((m) => m.version);
  });
  return run.immediate();
}
