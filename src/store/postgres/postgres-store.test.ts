import { escapeIdentifier, Pool } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EnqueueEvent } from "../port.js";
import { applyPostgresMigrations, POSTGRES_MIGRATIONS } from "./migrations.js";
import { openPostgresStore, POSTGRES_DEFAULTS } from "./postgres-store.js";
import { postgresStatements } from "./statements.js";
import {
  adminQuery,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
  testStores,
} from "./test-support/test-database.js";

// No PostgreSQL: every test of this file fails with how to start it (never a skip, in CI or not).
beforeAll(requirePostgres);

const T0 = 1_700_000_000_000;
const stores = testStores();
afterEach(() => stores.cleanup());

function event(messageId: string, overrides: Partial<EnqueueEvent> = {}): EnqueueEvent {
  return {
    sourceName: "web",
    messageId,
    eventType: "track",
    receivedAtMs: T0,
    body: `{"id":"${messageId}"}`,
    destinations: ["cio"],
    ...overrides,
  };
}

/** Rows of `table` in `schema`, counted by a connection of its own. */
async function countRows(schema: string, table: string, where = "TRUE"): Promise<number> {
  const [row] = await adminQuery<{ n: string }>(
    `SELECT count(*) AS n FROM ${escapeIdentifier(schema)}.${escapeIdentifier(table)} WHERE ${where}`,
  );
  return Number(row?.n);
}

describe("openPostgresStore options", () => {
  it("rejects bad options with ER_STORE_INVALID_OPTION before connecting", async () => {
    const bad = [
      { url: "" },
      { url: TEST_DATABASE_URL, schema: "drop table;" },
      { url: TEST_DATABASE_URL, schema: "x".repeat(52) },
      { url: TEST_DATABASE_URL, schema: "1abc" },
      { url: TEST_DATABASE_URL, poolSize: 0 },
      { url: TEST_DATABASE_URL, dedupeWindowMs: 1.5 },
      { url: TEST_DATABASE_URL, pruneBatchSize: -1 },
    ];
    for (const options of bad) {
      await expect(openPostgresStore(options)).rejects.toMatchObject({ code: "ER_STORE_INVALID_OPTION" });
    }
  });

  it("documents its defaults", () => {
    expect(POSTGRES_DEFAULTS).toEqual({
      schema: "public",
      poolSize: 10,
      dedupeWindowMs: 86_400_000,
      maxEventsPerCommit: 1000,
      pruneBatchSize: 5000,
      connectionTimeoutMs: 10_000,
      applicationName: "sluice",
    });
  });

  it("fails to open with ER_STORE_WRITE_FAILED, without the password, when the server is unreachable", async () => {
    const error: unknown = await openPostgresStore({
      url: "postgres://sluice:hunter2-secret@127.0.0.1:1/none",
      connectionTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ER_STORE_WRITE_FAILED" });
    expect(String((error as Error).message)).toMatch(
      /^ER_STORE_WRITE_FAILED: migrate failed: .*ECONNREFUSED/,
    );
    expect(String((error as Error).message)).not.toContain("hunter2");
  });

  it("names the channel after the schema, sluice_work for public", async () => {
    const store = await stores.open({ schema: "sluice_t_channel_name" });
    expect(store.channel).toBe("sluice_work_sluice_t_channel_name");
    expect(store.schema).toBe("sluice_t_channel_name");
  });
});

describe("PostgreSQL store", () => {
  it("keeps acknowledged enqueues: once enqueue resolves, a new connection pool sees them", async () => {
    const store = await stores.open();
    const results = await store.enqueue([event("m1", { destinations: ["a", "b"] }), event("m2")]);
    expect(results).toEqual([{ duplicate: false }, { duplicate: false }]);
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const s = escapeIdentifier(store.schema);
      const { rows } = await pool.query(
        `SELECT e.message_id, d.destination, d.state, b.body FROM ${s}.deliveries d
         JOIN ${s}.events e ON e.seq = d.event_seq JOIN ${s}.event_bodies b ON b.event_seq = e.seq
         ORDER BY d.id`,
      );
      expect(rows).toEqual([
        { message_id: "m1", destination: "a", state: "queued", body: '{"id":"m1"}' },
        { message_id: "m1", destination: "b", state: "queued", body: '{"id":"m1"}' },
        { message_id: "m2", destination: "cio", state: "queued", body: '{"id":"m2"}' },
      ]);
    } finally {
      await pool.end();
    }
  });

  it("group-commits concurrent enqueue calls: fewer transactions than calls, one xmin per commit", async () => {
    const store = await stores.open();
    const calls = Array.from({ length: 60 }, (_, i) => store.enqueue([event(`g${i}`)]));
    const results = await Promise.all(calls);
    expect(results.flat().every((result) => !result.duplicate)).toBe(true);
    const stats = store.groupCommitStats();
    expect(stats).toMatchObject({ calls: 60, items: 60, failedCommits: 0 });
    expect(stats.commits).toBeLessThan(60);
    // Rows written by one transaction share its xmin: the database agrees with the counter.
    const [row] = await adminQuery<{ n: string }>(
      `SELECT count(DISTINCT xmin::text) AS n FROM ${escapeIdentifier(store.schema)}.events`,
    );
    expect(Number(row?.n)).toBe(stats.commits);
    expect(await countRows(store.schema, "deliveries")).toBe(60);
  });

  it("splits a backlog of calls into transactions of at most maxEventsPerCommit events, never splitting a call", async () => {
    const store = await stores.open({ maxEventsPerCommit: 3 });
    const calls = [
      store.enqueue([event("a1"), event("a2")]),
      store.enqueue([event("b1"), event("b2")]),
      store.enqueue([event("c1"), event("c2"), event("c3"), event("c4")]),
    ];
    await Promise.all(calls);
    expect(store.groupCommitStats()).toMatchObject({ commits: 3, calls: 3, items: 8 });
  });

  it("rolls a failed group back whole, rejects every caller in it, and names no value", async () => {
    const store = await stores.open();
    const s = escapeIdentifier(store.schema);
    await adminQuery(
      `ALTER TABLE ${s}.events ADD CONSTRAINT no_secret CHECK (event_type <> 'secret-phi-type')`,
    );
    const good = store.enqueue([event("ok1")]);
    const bad = store.enqueue([
      event("bad1", { eventType: "secret-phi-type", body: '{"email":"x@example.com"}' }),
    ]);
    const errors = await Promise.all(
      [good, bad].map((call) =>
        call.then(
          () => null,
          (e: unknown) => e,
        ),
      ),
    );
    for (const error of errors) {
      expect(error).toMatchObject({ code: "ER_STORE_WRITE_FAILED" });
      const text = `${(error as Error).message} ${String((error as Error).cause)}`;
      expect(text).toContain("23514");
      expect(text).not.toContain("secret-phi-type");
      expect(text).not.toContain("x@example.com");
    }
    expect(store.groupCommitStats()).toMatchObject({ commits: 0, failedCommits: 1 });
    for (const table of ["events", "event_bodies", "deliveries", "dedupe"]) {
      expect(await countRows(store.schema, table)).toBe(0);
    }
    // Nothing of it was kept, not even the dedupe key: the retry is new.
    await adminQuery(`ALTER TABLE ${s}.events DROP CONSTRAINT no_secret`);
    expect(await store.enqueue([event("ok1")])).toEqual([{ duplicate: false }]);
  });

  it("numbers a group's rows in input order, destination by destination, skipping duplicates", async () => {
    const store = await stores.open();
    await store.enqueue([event("old")]);
    await store.enqueue([
      event("z1", { destinations: ["b", "a"] }),
      event("old"),
      event("a2", { destinations: [] }),
      event("m3", { destinations: ["a"] }),
    ]);
    const s = escapeIdentifier(store.schema);
    const deliveries = await adminQuery<{ messageId: string; destination: string }>(
      `SELECT e.message_id AS "messageId", d.destination FROM ${s}.deliveries d
       JOIN ${s}.events e ON e.seq = d.event_seq WHERE e.message_id <> 'old' ORDER BY d.id`,
    );
    expect(deliveries.map((row) => `${row.messageId}:${row.destination}`)).toEqual(["z1:b", "z1:a", "m3:a"]);
    const events = await adminQuery<{ messageId: string }>(
      `SELECT message_id AS "messageId" FROM ${s}.events ORDER BY seq`,
    );
    expect(events.map((row) => row.messageId)).toEqual(["old", "z1", "a2", "m3"]);
    // The event without destinations is kept for dedupe only: no body.
    expect(await countRows(store.schema, "event_bodies")).toBe(3);
  });

  it("writes a group with a repeated key in one transaction: a failing later round rolls back the first", async () => {
    const store = await stores.open({ dedupeWindowMs: 1000 });
    const s = escapeIdentifier(store.schema);
    await adminQuery(`ALTER TABLE ${s}.events ADD CONSTRAINT no_secret CHECK (event_type <> 'secret')`);
    // The second copy lies a whole window later, so it is accepted, in a second round, and fails.
    const call = store.enqueue([event("m1"), event("m1", { eventType: "secret", receivedAtMs: T0 + 1000 })]);
    await expect(call).rejects.toMatchObject({ code: "ER_STORE_WRITE_FAILED" });
    for (const table of ["events", "event_bodies", "deliveries", "dedupe"]) {
      expect(await countRows(store.schema, table)).toBe(0);
    }
    await adminQuery(`ALTER TABLE ${s}.events DROP CONSTRAINT no_secret`);
    await expect(
      store.enqueue([
        event("m1"),
        event("m1", { receivedAtMs: T0 + 1000 }),
        event("m1", { receivedAtMs: T0 + 1500 }),
      ]),
    ).resolves.toEqual([{ duplicate: false }, { duplicate: false }, { duplicate: true }]);
  });

  it("rejects a NUL character as invalid input for that caller only, without echoing it", async () => {
    const store = await stores.open();
    const good = store.enqueue([event("m1")]);
    const bad = store.enqueue([event("m2\u0000secret")]);
    const error: unknown = await bad.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
    expect((error as Error).message).toBe(
      "ER_STORE_INVALID_INPUT: events[0].messageId must not contain a NUL character (U+0000)",
    );
    await expect(good).resolves.toEqual([{ duplicate: false }]);
    await expect(store.claim("c\u0000", { limit: 1, nowMs: T0, leaseMs: 1 })).rejects.toMatchObject({
      code: "ER_STORE_INVALID_INPUT",
    });
  });

  it("stores a lone surrogate as U+FFFD and dedupes on what it stored", async () => {
    const store = await stores.open();
    expect(await store.enqueue([event("m\uD800"), event("m\uFFFD")])).toEqual([
      { duplicate: false },
      { duplicate: true },
    ]);
    const [claimed] = await store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 });
    expect(claimed?.messageId).toBe("m\uFFFD");
  });

  it("keeps bodies in their own table, deleted by key when the event is done", async () => {
    const store = await stores.open();
    await store.enqueue([event("m1", { destinations: ["a", "b"] }), event("m2", { destinations: [] })]);
    expect(await countRows(store.schema, "event_bodies")).toBe(1); // none for the dedupe-only event
    const [a] = await store.claim("a", { limit: 1, nowMs: T0, leaseMs: 1000 });
    const [b] = await store.claim("b", { limit: 1, nowMs: T0, leaseMs: 1000 });
    await store.settle(
      [{ deliveryId: a!.deliveryId, leaseToken: a!.leaseToken, state: "delivered", attempts: 1 }],
      T0 + 1,
    );
    expect(await countRows(store.schema, "event_bodies")).toBe(1);
    await store.settle(
      [{ deliveryId: b!.deliveryId, leaseToken: b!.leaseToken, state: "delivered", attempts: 1 }],
      T0 + 2,
    );
    expect(await countRows(store.schema, "event_bodies")).toBe(0);
    expect(await countRows(store.schema, "events")).toBe(2);
  });

  it("deletes the body when two nodes settle an event's last two deliveries at the same time", async () => {
    const schema = (await stores.open()).schema;
    const [nodeA, nodeB] = [await stores.open({ schema }), await stores.open({ schema })];
    const events = Array.from({ length: 40 }, (_, i) => event(`m${i}`, { destinations: ["a", "b"] }));
    await nodeA.enqueue(events);
    const claimedA = await nodeA.claim("a", { limit: 100, nowMs: T0, leaseMs: 60_000 });
    const claimedB = await nodeB.claim("b", { limit: 100, nowMs: T0, leaseMs: 60_000 });
    expect([claimedA.length, claimedB.length]).toEqual([40, 40]);
    // One settle per delivery, the two nodes interleaved, so many pairs race on one event.
    await Promise.all(
      claimedA.flatMap((delivery, i) => [
        nodeA.settle(
          [
            {
              deliveryId: delivery.deliveryId,
              leaseToken: delivery.leaseToken,
              state: "delivered",
              attempts: 1,
            },
          ],
          T0 + 1,
        ),
        nodeB.settle(
          [
            {
              deliveryId: claimedB[i]!.deliveryId,
              leaseToken: claimedB[i]!.leaseToken,
              state: "delivered",
              attempts: 1,
            },
          ],
          T0 + 1,
        ),
      ]),
    );
    expect(await countRows(schema, "deliveries", "state = 'delivered'")).toBe(80);
    expect(await countRows(schema, "event_bodies")).toBe(0);
  });

  it("prunes dedupe keys in batches of pruneBatchSize and counts them all", async () => {
    const store = await stores.open({ pruneBatchSize: 2 });
    await store.enqueue(["k1", "k2", "k3", "k4", "k5"].map((id, i) => event(id, { receivedAtMs: T0 + i })));
    expect(await store.pruneDedupe(T0 + 4)).toBe(4);
    expect(await countRows(store.schema, "dedupe")).toBe(1);
    expect(await store.enqueue([event("k1", { receivedAtMs: T0 + 10 }), event("k5")])).toEqual([
      { duplicate: false },
      { duplicate: true },
    ]);
  });

  it("refuses a schema migrated by a newer Sluice with ER_STORE_SCHEMA_TOO_NEW", async () => {
    const store = await stores.open();
    await adminQuery(
      `INSERT INTO ${escapeIdentifier(store.schema)}.schema_migrations (version, name) VALUES (999, 'future')`,
    );
    await expect(store.migrate()).rejects.toMatchObject({ code: "ER_STORE_SCHEMA_TOO_NEW" });
    await expect(openPostgresStore({ url: TEST_DATABASE_URL, schema: store.schema })).rejects.toMatchObject({
      code: "ER_STORE_SCHEMA_TOO_NEW",
    });
  });

  it("creates the indexes the queries rely on, with the storage settings the docs describe", async () => {
    const store = await stores.open();
    const indexes = await adminQuery<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
      [store.schema],
    );
    expect(indexes.map((row) => row.indexname)).toEqual([
      "audit_log_pkey",
      "audit_state_pkey",
      "config_draft_pkey",
      "config_versions_pkey",
      "dedupe_pkey",
      "dedupe_seen_at",
      "deliveries_destination",
      "deliveries_event",
      "deliveries_failed",
      "deliveries_pkey",
      "deliveries_settled",
      "deliveries_waiting",
      "deliveries_waiting_key",
      "destination_state_pkey",
      "event_bodies_pkey",
      "event_samples_person",
      "event_samples_pkey",
      "event_samples_received_at",
      "event_samples_source",
      "events_message_id",
      "events_pkey",
      "events_received_at",
      "rate_limits_pkey",
      "schema_migrations_pkey",
      "seen_paths_last_seen",
      "seen_paths_pkey",
      "sessions_expires",
      "sessions_pkey",
      "sessions_user",
      "users_pkey",
    ]);
    const options = await adminQuery<{ relname: string; reloptions: string[] }>(
      `SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname IN ('deliveries', 'event_bodies', 'dedupe', 'rate_limits')
       ORDER BY c.relname`,
      [store.schema],
    );
    expect(options).toEqual([
      { relname: "dedupe", reloptions: ["autovacuum_vacuum_scale_factor=0.02"] },
      {
        relname: "deliveries",
        reloptions: [
          "fillfactor=85",
          "autovacuum_vacuum_scale_factor=0.02",
          "autovacuum_analyze_scale_factor=0.02",
        ],
      },
      { relname: "event_bodies", reloptions: ["autovacuum_vacuum_scale_factor=0.01"] },
      { relname: "rate_limits", reloptions: ["fillfactor=50"] },
    ]);
  });

  /** The plan of `sql` (parameters `params`) with sequential scans disabled, as one text. */
  async function planWithoutSeqScan(sql: string, params: unknown[]): Promise<string> {
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const client = await pool.connect();
      try {
        await client.query("SET enable_seqscan = off");
        const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params);
        return rows.map((row) => row["QUERY PLAN"]).join("\n");
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  }

  it("claims through the partial waiting index", async () => {
    const store = await stores.open();
    const s = escapeIdentifier(store.schema);
    const plan = await planWithoutSeqScan(
      `SELECT id FROM ${s}.deliveries
       WHERE destination = $1 AND state IN ('queued', 'retrying') AND next_attempt_at_ms <= $2
         AND lease_until_ms <= $2 ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED`,
      ["cio", T0],
    );
    expect(plan).toContain("deliveries_waiting");
  });

  it("refreshes queue statistics gathered while the queue was empty before planning a large claim", async () => {
    const store = await stores.open();
    const s = escapeIdentifier(store.schema);
    await adminQuery(`ANALYZE ${s}.deliveries`); // the queue is empty: the waiting index looks empty
    await store.enqueue(
      Array.from({ length: 300 }, (_, i) => event(`m${i}`, { orderingKey: `person-${i}` })),
    );
    const believed = async () => {
      const [row] = await adminQuery<{ n: number }>(
        "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass",
        [`${store.schema}.deliveries_waiting`],
      );
      return row?.n;
    };
    expect(await believed()).toBe(0);
    // A small window does not check; a large one finds the planner behind and analyzes, once.
    await store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 60_000 });
    expect(store.statisticsRefreshes).toBe(0);
    const claimed = await store.claim("cio", { limit: 150, nowMs: T0, leaseMs: 60_000 });
    expect(claimed).toHaveLength(150);
    expect(store.statisticsRefreshes).toBe(1);
    expect(await believed()).toBeGreaterThanOrEqual(290);
    // Checked at most once a minute: the next large claim goes straight to work.
    await store.claim("cio", { limit: 140, nowMs: T0, leaseMs: 60_000 });
    expect(store.statisticsRefreshes).toBe(1);
    // With these statistics, the person lookup of a claim takes the key index.
    const plan = await planWithoutSeqScan(
      `SELECT u.key, r.id FROM unnest($2::text[]) AS u (key) CROSS JOIN LATERAL (
         SELECT id FROM ${s}.deliveries WHERE destination = $1 AND ordering_key = u.key
           AND state IN ('queued', 'retrying') AND ordering_key IS NOT NULL ORDER BY id LIMIT $3) AS r`,
      ["cio", ["person-1", "person-2"], 100],
    );
    expect(plan).toContain("deliveries_waiting_key");
  });

  it("claims with the old statistics when ANALYZE would wait for a vacuum holding the table", async () => {
    const store = await stores.open();
    const s = escapeIdentifier(store.schema);
    await adminQuery(`ANALYZE ${s}.deliveries`);
    await store.enqueue(
      Array.from({ length: 200 }, (_, i) => event(`m${i}`, { orderingKey: `person-${i}` })),
    );
    // What a (wraparound) VACUUM holds: the lock ANALYZE needs.
    const holder = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const client = await holder.connect();
    try {
      await client.query("BEGIN");
      await client.query(`LOCK TABLE ${s}.deliveries IN SHARE UPDATE EXCLUSIVE MODE`);
      const claimed = await store.claim("cio", { limit: 150, nowMs: T0, leaseMs: 60_000 });
      expect(claimed).toHaveLength(150);
      expect(store.statisticsRefreshes).toBe(0);
    } finally {
      await client.query("ROLLBACK");
      client.release();
      await holder.end();
    }
  });

  it("reads the window's people in window order, at most the claim's limit of rows in all", async () => {
    const store = await stores.open();
    const people = ["zed", "amy", "bob"];
    await store.enqueue(
      people.flatMap((person) => [1, 2, 3].map((n) => event(`${person}${n}`, { orderingKey: person }))),
    );
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const { rows } = await pool
      .query<{ key: string; id: string }>(postgresStatements(store.schema).keyRuns, [
        "cio",
        ["bob", "zed", "amy"],
        T0,
        4,
      ])
      .finally(() => pool.end());
    // bob's run whole, then the first row of zed's: a prefix of each, nothing of amy's.
    expect(rows.map((row) => row.key)).toEqual(["bob", "bob", "bob", "zed"]);
    expect(rows.map((row) => Number(row.id))).toEqual([7, 8, 9, 1]);
  });

  it("lists dead letters, newest first, through the partial failed index", async () => {
    const store = await stores.open();
    const s = escapeIdentifier(store.schema);
    const plan = await planWithoutSeqScan(
      `SELECT id FROM ${s}.deliveries WHERE state = $1 ORDER BY id DESC LIMIT 50`,
      ["failed"],
    );
    expect(plan).toContain("deliveries_failed");
  });

  it("upgrades a version-8 schema with queued events: foreign keys and (state, id) go, everything stays", async () => {
    const schema = freshSchemaName();
    stores.track(schema);
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const client = await pool.connect();
      try {
        await applyPostgresMigrations(client, schema, POSTGRES_MIGRATIONS.slice(0, 8));
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    const s = escapeIdentifier(schema);
    // Ids from the identity sequences, as Sluice 8 drew them: the first event and delivery are 1.
    await adminQuery(`INSERT INTO ${s}.events (source_name, message_id, event_type, received_at_ms)
      VALUES ('web', 'old', 'track', ${T0})`);
    await adminQuery(`INSERT INTO ${s}.event_bodies (event_seq, body) VALUES (1, '{"id":"old"}')`);
    await adminQuery(`INSERT INTO ${s}.deliveries (event_seq, destination, state, created_at_ms, updated_at_ms)
      VALUES (1, 'cio', 'queued', ${T0}, ${T0})`);
    const store = await stores.open({ schema });
    const constraints = await adminQuery<{ conname: string }>(
      "SELECT conname FROM pg_constraint WHERE connamespace = $1::regnamespace AND contype = 'f' ORDER BY conname",
      [schema],
    );
    // Only the sessions' user reference is left: enqueue rows are consistent by construction.
    expect(constraints.map((row) => row.conname)).toEqual(["sessions_user_name_fkey"]);
    await store.enqueue([event("new")]);
    const claimed = await store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 60_000 });
    expect(claimed.map((delivery) => [delivery.messageId, delivery.body])).toEqual([
      ["old", '{"id":"old"}'],
      ["new", '{"id":"new"}'],
    ]);
  });
});
