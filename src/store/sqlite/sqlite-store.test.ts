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
    expect(rows).toEqual([{ version: 1, name: "events, deliveries, dedupe, destination_state" }]);
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

  describe("query plans", () => {
    /** EXPLAIN QUERY PLAN details of a statement, on a migrated database. */
    function plan(statement: string, params: Record<string, unknown> = {}): string {
      const { path } = open();
      const rows = rawConnection(path).prepare(`EXPLAIN QUERY PLAN ${statement}`).all(params) as {
        detail: string;
      }[];
      return rows.map((row) => row.detail).join(" | ");
    }
    const any = { destination: "cio", nowMs: 1, limit: 1, olderThanMs: 1, chunk: 1, eventSeq: 1 };

    it("claims with a range scan of the waiting index, in id order, without sorting", () => {
      const detail = plan(sql.SQL_SELECT_READY, any);
      expect(detail).toMatch(/SEARCH d USING INDEX deliveries_waiting \(destination=\?\)/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
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
      expect(plan(sql.SQL_DROP_UNNEEDED_BODY, any)).toMatch(/deliveries_event/);
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
