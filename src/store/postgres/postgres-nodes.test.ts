import { escapeIdentifier, Pool } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClaimedDelivery, EnqueueEvent } from "../port.js";
import { applyPostgresMigrations, POSTGRES_MIGRATIONS, type PostgresMigration } from "./migrations.js";
import { openPostgresStore, type PostgresStore } from "./postgres-store.js";
import {
  adminQuery,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
  testStores,
} from "./test-support/test-database.js";

// Several Sluice processes ("nodes") on one schema, simulated by several stores with their own pools.

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

/** `count` stores sharing one fresh schema. */
async function nodes(count: number): Promise<PostgresStore[]> {
  const first = await stores.open({ poolSize: 3 });
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () => stores.open({ schema: first.schema, poolSize: 3 })),
  );
  return [first, ...rest];
}

describe("migrations across nodes", () => {
  it("lets 4 nodes start at once on a fresh schema: all succeed, each migration applied once", async () => {
    const schema = freshSchemaName();
    stores.track(schema);
    const opened = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 })),
    );
    try {
      await Promise.all(opened.map((store) => store.migrate()));
      const rows = await adminQuery<{ version: number; name: string }>(
        `SELECT version, name FROM ${escapeIdentifier(schema)}.schema_migrations ORDER BY version`,
      );
      expect(rows).toEqual(POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })));
      // Every node works on the result.
      await opened[0]!.enqueue([event("m1")]);
      expect((await opened[3]!.claim("cio", { limit: 5, nowMs: T0, leaseMs: 1000 })).length).toBe(1);
    } finally {
      for (const store of opened) await store.close();
    }
  });

  it("applies a list of migrations exactly once when 4 connections race, in version order", async () => {
    const schema = freshSchemaName();
    stores.track(schema);
    // Each migration appends to a log table, so a second application would show.
    const migrations: PostgresMigration[] = [
      {
        version: 1,
        name: "log",
        sql: "CREATE TABLE log (version integer, at timestamptz DEFAULT clock_timestamp())",
      },
      { version: 3, name: "three", sql: "INSERT INTO log (version) VALUES (3)" },
      { version: 2, name: "two", sql: "INSERT INTO log (version) VALUES (2); SELECT pg_sleep(0.05)" },
    ];
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
    try {
      const applied = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const client = await pool.connect();
          try {
            return await applyPostgresMigrations(client, schema, migrations);
          } finally {
            client.release();
          }
        }),
      );
      expect(applied.filter((versions) => versions.length > 0)).toEqual([[1, 2, 3]]);
      expect(applied.filter((versions) => versions.length === 0)).toHaveLength(3);
      const log = await adminQuery<{ version: number }>(
        `SELECT version FROM ${escapeIdentifier(schema)}.log ORDER BY at`,
      );
      expect(log.map((row) => row.version)).toEqual([2, 3]);
    } finally {
      await pool.end();
    }
  });

  it("applies nothing of a batch when one migration fails", async () => {
    const schema = freshSchemaName();
    stores.track(schema);
    const migrations: PostgresMigration[] = [
      { version: 1, name: "table", sql: "CREATE TABLE kept_or_not (id integer)" },
      { version: 2, name: "broken", sql: "SELECT no_such_function()" },
    ];
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const client = await pool.connect();
      try {
        await expect(applyPostgresMigrations(client, schema, migrations)).rejects.toMatchObject({
          code: "42883",
        });
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    const tables = await adminQuery("SELECT 1 FROM pg_tables WHERE schemaname = $1", [schema]);
    expect(tables).toEqual([]);
  });
});

describe("claims across nodes", () => {
  it("never gives one delivery to two of 3 nodes claiming in parallel, and drains everything", async () => {
    const claimers = await nodes(3);
    const ids = Array.from({ length: 300 }, (_, i) => `m${i}`);
    await claimers[0]!.enqueue(ids.map((id) => event(id)));
    const perNode = await Promise.all(
      claimers.map(async (store) => {
        const mine: ClaimedDelivery[] = [];
        for (;;) {
          const claimed = await store.claim("cio", { limit: 7, nowMs: T0, leaseMs: 60_000 });
          if (claimed.length === 0) return mine;
          mine.push(...claimed);
        }
      }),
    );
    const all = perNode.flat();
    expect(new Set(all.map((d) => d.deliveryId)).size).toBe(all.length);
    expect(all.map((d) => d.messageId).sort()).toEqual([...ids].sort());
    // The work was shared: with 300 deliveries and batches of 7, no node can take it all alone.
    expect(perNode.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
  });

  it("keeps each person's events in order and with one node at a time while 3 nodes drain them", async () => {
    const claimers = await nodes(3);
    const events = Array.from({ length: 120 }, (_, i) => event(`m${i}`, { orderingKey: `p${i % 9}` }));
    await claimers[0]!.enqueue(events);
    const sent = new Map<string, number[]>();
    const holder = new Map<string, number>();
    let overlaps = 0;
    await Promise.all(
      claimers.map(async (store, node) => {
        for (let idle = 0; idle < 3; ) {
          const claimed = await store.claim("cio", { limit: 6, nowMs: T0, leaseMs: 60_000 });
          if (claimed.length === 0) {
            idle += 1;
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          idle = 0;
          const keys = new Set(claimed.map((d) => `p${Number(d.messageId.slice(1)) % 9}`));
          for (const key of keys) {
            if (holder.has(key)) overlaps += 1;
            holder.set(key, node);
          }
          for (const delivery of claimed) {
            const key = `p${Number(delivery.messageId.slice(1)) % 9}`;
            sent.set(key, [...(sent.get(key) ?? []), Number(delivery.messageId.slice(1))]);
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
          for (const key of keys) holder.delete(key);
          await store.settle(
            claimed.map((d) => ({
              deliveryId: d.deliveryId,
              leaseToken: d.leaseToken,
              state: "delivered" as const,
              attempts: 1,
            })),
            T0,
          );
        }
      }),
    );
    expect(overlaps).toBe(0);
    expect([...sent.values()].flat()).toHaveLength(120);
    for (const [key, order] of sent) {
      const expected = events.map((_, i) => i).filter((i) => `p${i % 9}` === key);
      expect(order).toEqual(expected);
    }
  });

  it("lets another node take a delivery once its lease runs out (crash recovery)", async () => {
    const [crashed, survivor] = await nodes(2);
    await crashed!.enqueue([event("m1")]);
    const [taken] = await crashed!.claim("cio", { limit: 1, nowMs: T0, leaseMs: 30_000 });
    expect(await survivor!.claim("cio", { limit: 1, nowMs: T0 + 29_999, leaseMs: 30_000 })).toEqual([]);
    expect(await survivor!.nextWakeMs("cio")).toBe(T0 + 30_000);
    const [again] = await survivor!.claim("cio", { limit: 1, nowMs: T0 + 30_000, leaseMs: 30_000 });
    expect(again).toEqual({ ...taken, leaseToken: again!.leaseToken });
    expect(again!.leaseToken).not.toBe(taken!.leaseToken);
    // The first node was only stalled: its late release is fenced off and the survivor keeps the lease.
    expect(
      await crashed!.settle(
        [{ deliveryId: taken!.deliveryId, leaseToken: taken!.leaseToken, state: "released" }],
        T0 + 30_000,
      ),
    ).toEqual({ stale: 1 });
    expect(await crashed!.claim("cio", { limit: 1, nowMs: T0 + 30_000, leaseMs: 30_000 })).toEqual([]);
    await survivor!.settle(
      [{ deliveryId: again!.deliveryId, leaseToken: again!.leaseToken, state: "delivered", attempts: 1 }],
      T0 + 30_001,
    );
    expect(await crashed!.listDeliveries({})).toMatchObject([
      { state: "delivered", updatedAtMs: T0 + 30_001 },
    ]);
  });

  it("lets exactly one of 3 nodes accept concurrent copies of one messageId", async () => {
    const ingest = await nodes(3);
    const results = await Promise.all(
      ingest.flatMap((store) => [store.enqueue([event("same")]), store.enqueue([event("same")])]),
    );
    expect(results.flat().filter((result) => !result.duplicate)).toHaveLength(1);
    expect(await ingest[0]!.listDeliveries({ messageId: "same" })).toHaveLength(1);
  });

  it("commits groups sharing keys on different nodes without deadlocking", async () => {
    const ingest = await nodes(2);
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    // The same keys, in opposite orders, on two nodes at once, several times over.
    const rounds = await Promise.all(
      Array.from({ length: 5 }, (_, round) => [
        ingest[0]!.enqueue(keys.map((k) => event(`${k}-${round}`))),
        ingest[1]!.enqueue([...keys].reverse().map((k) => event(`${k}-${round}`))),
      ]).flat(),
    );
    const accepted = rounds.flat().filter((result) => !result.duplicate);
    expect(accepted).toHaveLength(150);
  });
});
