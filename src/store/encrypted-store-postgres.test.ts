import { escapeIdentifier } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { event, T0 } from "./contract/fixtures.js";
import { encryptStore, sealedKeyId } from "./encrypted-store.js";
import { Keyring } from "./keyring.js";
import { adminQuery, requirePostgres, testStores } from "./postgres/test-support/test-database.js";

// No PostgreSQL: every test of this file fails with how to start it (never a skip).
beforeAll(requirePostgres);

const stores = testStores();
afterEach(() => stores.cleanup());

const K1 = Keyring.fromKeys([{ id: "k1", key: Buffer.alloc(32, 1) }]);

describe("encryptStore over PostgreSQL", () => {
  it("stores no plaintext: the canary is nowhere in the event_bodies table, and claims decrypt it", async () => {
    const inner = await stores.open();
    const store = encryptStore(inner, K1);
    const canary = "CANARY-PHI-pg-41c2-hiv";
    await store.enqueue(
      Array.from({ length: 10 }, (_, n) =>
        event(`m${n}`, { body: JSON.stringify({ type: "track", properties: { note: `${canary}-${n}` } }) }),
      ),
    );
    const table = `${escapeIdentifier(inner.schema)}.event_bodies`;
    const rows = await adminQuery<{ body: string }>(`SELECT body FROM ${table} ORDER BY event_seq`);
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(sealedKeyId(row.body)).toBe("k1");
      expect(row.body).not.toContain(canary);
    }
    // Nor anywhere in the schema's tables, as text.
    const everything = await adminQuery<{ dump: string }>(
      `SELECT string_agg(t::text, ' ') AS dump FROM ${escapeIdentifier(inner.schema)}.events AS t`,
    );
    expect(everything[0]?.dump ?? "").not.toContain(canary);
    const claimed = await store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 });
    expect(claimed.map((delivery) => JSON.parse(delivery.body).properties.note)).toEqual(
      Array.from({ length: 10 }, (_, n) => `${canary}-${n}`),
    );
  });

  it("refuses a body swapped between events in the table with ER_STORE_DECRYPT_FAILED", async () => {
    const inner = await stores.open();
    const store = encryptStore(inner, K1);
    await store.enqueue([event("m1", { body: '{"who":"alice"}' }), event("m2", { body: '{"who":"bob"}' })]);
    const table = `${escapeIdentifier(inner.schema)}.event_bodies`;
    await adminQuery(
      `UPDATE ${table} SET body = (SELECT body FROM ${table} WHERE event_seq = (SELECT max(event_seq) FROM ${table}))`,
    );
    await expect(store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 })).rejects.toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
    });
  });
});
