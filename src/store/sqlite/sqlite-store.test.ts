import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { describeStoreContract } from "../store-contract.js";
import { openSqliteStore, type SqliteStore } from "./sqlite-store.js";
import * as sql from "./statements.js";
import { tempDir } from "./test-support/temp-dir.js";

const T0 = 1_700_000_000_000;

describeStoreContract("sqlite", async () => {
  const dir = tempDir();
  const store = openSqliteStore({ path: join(dir.path, "sluice.db") });
  return {
    store,
    cleanup: async () => {
      await store.close();
      dir.remove();
    },
  };
});

function event(messageId: string) {
  return {
    sourceName: "web",
    messageId,
    eventType: "track",
    receivedAtMs: T0,
    body: `{"id":"${messageId}"}`,
    destinations: ["cio"],
  };
}

describe("SQLite store", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A store in a fresh directory, closed and removed after the test. */
  function open(options: Partial<Parameters<typeof openSqliteStore>[0]> = {}): {
    store: SqliteStore;
    path: string;
  } {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = options.path ?? join(dir.path, "sluice.db");
    const store = openSqliteStore({ ...options, path });
    cleanups.push(() => store.close());
    return { store, path };
  }

  /** A second, raw connection to the same file, closed after the test. */
  function rawConnection(path: string): Database.Database {
    const db = new Database(path);
    cleanups.push(() => {
      db.close();
    });
    return db;
  }

  it("runs with WAL, synchronous=FULL and foreign keys by default", () => {
    const { store, path } = open();
    expect(store.pragmas()).toEqual({ journalMode: "wal", synchronous: "FULL", foreignKeys: true });
    expect(rawConnection(path).pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("honours synchronous: NORMAL", () => {
    expect(open({ synchronous: "NORMAL" }).store.pragmas().synchronous).toBe("NORMAL");
  });

  it("creates the database directory when it is missing", () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = join(dir.path, "nested", "data", "sluice.db");
    open({ path });
    expect(existsSync(path)).toBe(true);
  });

  it("rejects out-of-range options with ER_STORE_INVALID_OPTION", () => {
    expect(() => open({ dedupeWindowMs: 0 })).toThrow(
      expect.objectContaining({ code: "ER_STORE_INVALID_OPTION" }),
    );
    expect(() => open({ maxEventsPerCommit: 1.5 })).toThrow(/maxEventsPerCommit/);
  });

  it("applies a custom dedupe window", async () => {
    const { store } = open({ dedupeWindowMs: 1000 });
    await store.enqueue([event("m1")]);
    const again = await store.enqueue([{ ...event("m1"), receivedAtMs: T0 + 999 }, { ...event("m2") }]);
    const later = await store.enqueue([{ ...event("m1"), receivedAtMs: T0 + 1000 }]);
    expect([...again, ...later].map((r) => r.duplicate)).toEqual([true, false, false]);
  });

  it("keeps data across close and reopen", async () => {
    const { store, path } = open();
    await store.enqueue([event("m1"), event("m2")]);
    await store.setDestinationState({
      name: "cio",
      status: "active",
      reason: null,
      credentialsFingerprint: "f",
      updatedAtMs: T0,
    });
    await store.close();
    const reopened = openSqliteStore({ path });
    cleanups.push(() => reopened.close());
    const claimed = await reopened.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 });
    expect(claimed.map((d) => [d.messageId, d.body])).toEqual([
      ["m1", '{"id":"m1"}'],
      ["m2", '{"id":"m2"}'],
    ]);
    expect((await reopened.getDestinationState("cio"))?.credentialsFingerprint).toBe("f");
    expect(await reopened.enqueue([event("m1")])).toEqual([{ duplicate: true }]);
  });

  it("clears every lease on open, so a restarted process need not wait for them to expire", async () => {
    const { store, path } = open();
    await store.enqueue([event("m1")]);
    const [first] = await store.claim("cio", { limit: 1, nowMs: T0, leaseMs: 3_600_000 });
    await store.close();
    const reopened = openSqliteStore({ path });
    cleanups.push(() => reopened.close());
    const again = await reopened.claim("cio", { limit: 1, nowMs: T0 + 1, leaseMs: 1000 });
    expect(again.map((d) => d.deliveryId)).toEqual([first!.deliveryId]);
  });

  it("records migrations once and applies nothing on later opens", async () => {
    const { store, path } = open();
    await store.migrate();
    await store.close();
    openSqliteStore({ path }).close();
    const rows = rawConnection(path).prepare("SELECT version, name FROM schema_migrations").all();
    expect(rows).toEqual([
      { version: 1, name: "events, deliveries, dedupe, destination_state" },
      { version: 2, name: "outcome counts for destination health" },
      { version: 3, name: "per-person ordering, attempt history, replays" },
      { version: 4, name: "audit log" },
      { version: 5, name: "consent and privacy stages" },
      { version: 6, name: "admin users and sessions" },
      { version: 7, name: "configuration versions and draft" },
      { version: 8, name: "event names, samples, seen paths" },
      { version: 9, name: "lease fencing token" },
    ]);
  });

  it("refuses a database migrated by a newer version", async () => {
    const { store, path } = open();
    await store.close();
    rawConnection(path).prepare("INSERT INTO schema_migrations VALUES (99, 'future', 0)").run();
    expect(() => openSqliteStore({ path })).toThrow(
      expect.objectContaining({ code: "ER_STORE_SCHEMA_TOO_NEW" }),
    );
  });

  it("says which store is closed", async () => {
    const { store, path } = open();
    await store.close();
    await expect(store.nextWakeMs("cio")).rejects.toThrow(`ER_STORE_CLOSED: the store at ${path} is closed`);
  });

  it("prunes more keys than one chunk", async () => {
    const { store } = open();
    const events = Array.from({ length: 25_000 }, (_, i) => ({ ...event(`p${i}`), destinations: [] }));
    await store.enqueue(events);
    expect(await store.pruneDedupe(T0 + 1)).toBe(25_000);
  });

  describe("settle in set-based batches", () => {
    async function claimIds(
      store: SqliteStore,
      count: number,
      nowMs = T0,
    ): Promise<{ ids: number[]; leaseToken: string }> {
      await store.enqueue(Array.from({ length: count }, (_, i) => event(`m${i}`)));
      const claimed = await store.claim("cio", { limit: count, nowMs, leaseMs: 1000 });
      return { ids: claimed.map((d) => d.deliveryId), leaseToken: claimed[0]?.leaseToken ?? "" };
    }

    it("applies outcomes naming one delivery twice in order, as separate calls would", async () => {
      const { store } = open();
      const {
        ids: [first, second],
        leaseToken,
      } = await claimIds(store, 2);
      await store.settle(
        [
          {
            deliveryId: first!,
            leaseToken,
            state: "retrying",
            attempts: 1,
            status: 503,
            nextAttemptAtMs: T0,
            reason: "5xx",
          },
          { deliveryId: second!, leaseToken, state: "released" },
          { deliveryId: first!, leaseToken, state: "delivered", attempts: 2 },
          {
            deliveryId: second!,
            leaseToken,
            state: "stopped",
            attempts: 0,
            stage: "limits",
            reason: "too big",
          },
          { deliveryId: first!, leaseToken, state: "released", nextAttemptAtMs: T0 + 5 },
        ],
        T0 + 1,
      );
      const entries = await store.listDeliveries({});
      expect(entries.map((e) => [e.deliveryId, e.state, e.attempts, e.lastStatus, e.reason])).toEqual([
        [second, "stopped", 0, null, "too big"],
        [first, "delivered", 2, 503, null],
      ]);
      expect([await store.eventBody(first!), await store.eventBody(second!)]).toEqual([null, null]);
      expect(await store.nextWakeMs("cio")).toBeNull();
    });

    it("names the first unknown delivery in input order and applies nothing of any run", async () => {
      const { store } = open();
      const {
        ids: [first, second],
        leaseToken,
      } = await claimIds(store, 2);
      const settling = store.settle(
        [
          { deliveryId: first!, leaseToken, state: "delivered", attempts: 1 },
          { deliveryId: first!, leaseToken, state: "released" },
          { deliveryId: second!, leaseToken, state: "released" },
          { deliveryId: 9_000_001, leaseToken, state: "delivered", attempts: 1 },
          { deliveryId: 9_000_000, leaseToken, state: "released" },
        ],
        T0 + 1,
      );
      await expect(settling).rejects.toMatchObject({
        code: "ER_STORE_UNKNOWN_DELIVERY",
        message: expect.stringContaining("delivery 9000001 does not exist"),
      });
      const entries = await store.listDeliveries({});
      expect(entries.map((e) => [e.state, e.updatedAtMs])).toEqual([
        ["queued", T0],
        ["queued", T0],
      ]);
      expect(await store.eventBody(first!)).toBe(event("m0").body);
      // Still leased by the claim: the rolled-back release did not clear the lease.
      expect(await store.claim("cio", { limit: 10, nowMs: T0 + 999, leaseMs: 1000 })).toEqual([]);
    });

    it("leases exactly the claimed deliveries, skipping ones not ready between them", async () => {
      const { store } = open();
      const { ids, leaseToken } = await claimIds(store, 6);
      // Put the 2nd back due later and the 4th back now: both lie among the next claim's ids.
      await store.settle(
        [
          { deliveryId: ids[1]!, leaseToken, state: "released", nextAttemptAtMs: T0 + 50_000 },
          { deliveryId: ids[3]!, leaseToken, state: "released" },
          { deliveryId: ids[0]!, leaseToken, state: "released" },
          { deliveryId: ids[2]!, leaseToken, state: "released" },
        ],
        T0 + 1,
      );
      const claimed = await store.claim("cio", { limit: 2, nowMs: T0 + 2, leaseMs: 1000 });
      expect(claimed.map((d) => d.deliveryId)).toEqual([ids[0], ids[2]]);
      const next = await store.claim("cio", { limit: 10, nowMs: T0 + 3, leaseMs: 1000 });
      expect(next.map((d) => d.deliveryId)).toEqual([ids[3]]);
      // ids[4] and ids[5] are still leased by the first claim until T0 + 1000.
      const later = await store.claim("cio", { limit: 10, nowMs: T0 + 1000, leaseMs: 1000 });
      expect(later.map((d) => d.deliveryId)).toEqual([ids[4], ids[5]]);
    });
  });

  describe("query plans", () => {
    /** EXPLAIN QUERY PLAN details of a statement, on a migrated database. */
    function plan(statement: string, params: Record<string, unknown> = {}): string {
      const { path } = open();
      const rows = rawConnection(path).prepare(`EXPLAIN QUERY PLAN ${statement}`).all(params) as {
        detail: string;
      }[];
      return rows.map((row) => row.detail).join(" | ");
    }
    const any = { destination: "cio", nowMs: 1, limit: 1, olderThanMs: 1, chunk: 1 };
    const json = { outcomes: "[]", ids: "[]", eventSeqs: "[]" };

    it("claims with a range scan of the waiting index, in id order, without sorting", () => {
      const detail = plan(sql.SQL_SELECT_READY_WINDOW, any);
      expect(detail).toMatch(/SEARCH deliveries USING INDEX deliveries_waiting \(destination=\?\)/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
      const key = { ...any, orderingKey: "k", beforeId: 1, afterId: 1 };
      expect(plan(sql.SQL_KEY_HAS_EARLIER_WAITING, key)).toMatch(
        /SEARCH deliveries USING (COVERING )?INDEX deliveries_waiting_key \(destination=\? AND ordering_key=\? AND id<\?\)/,
      );
      const run = plan(sql.SQL_KEY_RUN_AFTER, key);
      expect(run).toMatch(/INDEX deliveries_waiting_key \(destination=\? AND ordering_key=\? AND id>\?\)/);
      expect(run).not.toMatch(/TEMP B-TREE/);
      const perId = "SCAN j VIRTUAL TABLE INDEX 1: | SEARCH deliveries USING INTEGER PRIMARY KEY (rowid=?)";
      expect(plan(sql.SQL_LEASE_IDS, { ...json, leaseUntilMs: 2, leaseToken: "t" })).toBe(perId);
      expect(plan(sql.SQL_SELECT_CLAIMED, json)).toMatch(/SEARCH d USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    });

    it("settles a batch with one rowid lookup per outcome, never a scan of the log", () => {
      const perOutcome =
        "SCAN json_each VIRTUAL TABLE INDEX 1: | SEARCH deliveries USING INTEGER PRIMARY KEY (rowid=?)";
      expect(plan(sql.SQL_RECORD_OUTCOMES, { ...any, ...json })).toBe(perOutcome);
      const delivered = { ...any, ...json, attempts: 1, status: 200, latencyMs: 5, leaseToken: "t" };
      expect(plan(sql.SQL_RECORD_DELIVERED, delivered)).toBe(perOutcome.replace("json_each", "j"));
      expect(plan(sql.SQL_RELEASE_MANY, { ...any, ...json })).toBe(perOutcome);
      expect(plan(sql.SQL_FIRST_UNKNOWN_DELIVERY, json)).toMatch(/INTEGER PRIMARY KEY \(rowid=\?\)/);
    });

    it("counts health outcomes from a range of the settled-rows index", () => {
      expect(plan(sql.SQL_OUTCOME_COUNTS, { sinceMs: 0 })).toMatch(
        /SEARCH deliveries USING (COVERING )?INDEX deliveries_settled \(updated_at_ms>\?\)/,
      );
    });

    it("visits only waiting rows for wake-up times, stats and lease clearing", () => {
      expect(plan(sql.SQL_NEXT_WAKE, any)).toMatch(
        /SEARCH deliveries USING INDEX deliveries_waiting \(destination=\?\)/,
      );
      // Either index restricted to waiting rows will do; what must not happen is a scan of the whole log.
      for (const statement of [sql.SQL_QUEUE_STATS, sql.SQL_CLEAR_LEASES]) {
        expect(plan(statement)).toMatch(/SEARCH deliveries USING INDEX deliveries_(waiting|state)\b/);
      }
    });

    it("finds bodies, dead letters, messageIds and old dedupe keys by index", () => {
      const bodies = plan(sql.SQL_DROP_UNNEEDED_BODIES, json);
      expect(bodies).toMatch(/SEARCH events USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(bodies).toMatch(/SEARCH deliveries USING INDEX deliveries_event \(event_seq=\?\)/);
      expect(plan(sql.sqlListDeliveries([sql.LOG_WHERE.state]), { ...any, state: "failed" })).toMatch(
        /deliveries_state \(state=\?\)/,
      );
      expect(plan(sql.sqlListDeliveries([sql.LOG_WHERE.messageId]), { ...any, messageId: "m" })).toMatch(
        /events_message_id/,
      );
      expect(plan(sql.SQL_PRUNE_DEDUPE_CHUNK, any)).toMatch(/dedupe_seen_at/);
    });
  });
});

describe("SQLite migration 5 (consent and privacy stages)", () => {
  it("keeps every delivery, its id sequence and its indexes when the table is rebuilt", async () => {
    const dir = tempDir();
    const path = join(dir.path, "sluice.db");
    const db = new Database(path);
    const { MIGRATIONS, applyMigrations } = await import("./migrations.js");
    applyMigrations(
      db,
      MIGRATIONS.filter((m) => m.version < 5),
      0,
    );
    db.prepare(
      "INSERT INTO events (source_name, message_id, event_type, received_at_ms, body) VALUES ('w', 'm1', 'track', 1, '{}')",
    ).run();
    db.prepare(
      "INSERT INTO deliveries (event_seq, destination, state, created_at_ms, updated_at_ms, ordering_key, replays) VALUES (1, 'cio', 'queued', 1, 1, 'k', 2)",
    ).run();
    expect(() =>
      db.prepare("UPDATE deliveries SET state = 'stopped', stage = 'consent' WHERE id = 1").run(),
    ).toThrow(/CHECK/);
    applyMigrations(db, MIGRATIONS, 0);
    db.prepare("UPDATE deliveries SET state = 'stopped', stage = 'consent' WHERE id = 1").run();
    expect(db.prepare("SELECT id, ordering_key, replays, stage FROM deliveries").all()).toEqual([
      { id: 1, ordering_key: "k", replays: 2, stage: "consent" },
    ]);
    db.prepare(
      "INSERT INTO deliveries (event_seq, destination, state, created_at_ms, updated_at_ms) VALUES (1, 'x', 'queued', 1, 1)",
    ).run();
    expect(db.prepare("SELECT max(id) AS id FROM deliveries").get()).toEqual({ id: 2 });
    const indexes = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();
    expect(indexes).toEqual([
      "deliveries_event",
      "deliveries_settled",
      "deliveries_state",
      "deliveries_waiting",
      "deliveries_waiting_key",
    ]);
    expect(db.pragma("foreign_key_check")).toEqual([]);
    db.close();
    dir.remove();
  });
});
