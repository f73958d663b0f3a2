import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { escapeIdentifier } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.js";
import { T0 } from "./contract/fixtures.js";
import { encryptStore, sealedKeyId } from "./encrypted-store.js";
import { Keyring } from "./keyring.js";
import type { NewEventSample, Store } from "./port.js";
import { adminQuery, requirePostgres, testStores } from "./postgres/test-support/test-database.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";

// No PostgreSQL: every test of this file fails with how to start it (never a skip).
beforeAll(requirePostgres);

const K1 = Keyring.fromKeys([{ id: "k1", key: Buffer.alloc(32, 1) }]);
const CANARY = "CANARY-PHI-sample-5e2b-oncology";

const samples = (count: number): NewEventSample[] =>
  Array.from({ length: count }, (_, n) => ({
    sourceName: "web",
    eventType: "track",
    eventName: "Viewed",
    messageId: `m${n}`,
    receivedAtMs: T0 + n,
    test: n % 2 === 0,
    body: JSON.stringify({ type: "track", messageId: `m${n}`, properties: { note: `${CANARY}-${n}` } }),
    orderingKey: `person-${n}`,
  }));

/** The bodies come back in plaintext through the decorator, and a sample's body is bound to its event. */
async function roundTrip(store: Store): Promise<number> {
  const [newest] = await store.listSamples({ limit: 1 });
  if (newest === undefined) throw new Error("no sample");
  const read = await store.getSample(newest.id);
  expect(JSON.parse(read?.body ?? "{}").properties.note).toBe(`${CANARY}-9`);
  return newest.id;
}

describe("encryptStore seals samples at rest", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  });

  it("SQLite: no canary in the database files, sealed bodies, decrypted reads, a moved body refused", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const inner = openSqliteStore({ path: join(dir.path, "sluice.db") });
    cleanups.push(() => inner.close());
    const store = encryptStore(inner, K1);
    await store.recordSamples(samples(10));
    const id = await roundTrip(store);
    const files = readdirSync(dir.path)
      .map((name) => readFileSync(join(dir.path, name)).toString("latin1"))
      .join("\n");
    expect(files).toContain("sluice:v1:k1:");
    expect(files).not.toContain(CANARY);
    const raw = new Database(join(dir.path, "sluice.db"));
    cleanups.push(() => {
      raw.close();
    });
    const bodies = raw.prepare<[], string>("SELECT body FROM event_samples").pluck().all();
    expect(bodies).toHaveLength(10);
    for (const body of bodies) expect(sealedKeyId(body)).toBe("k1");
    raw
      .prepare("UPDATE event_samples SET body = (SELECT body FROM event_samples WHERE id = 1) WHERE id = ?")
      .run(id);
    await expect(store.getSample(id)).rejects.toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
      message: expect.not.stringContaining(CANARY),
    });
  });

  it("erasure removes samples it cannot decrypt (their key was dropped) instead of stopping", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const inner = openSqliteStore({ path: join(dir.path, "sluice.db") });
    cleanups.push(() => inner.close());
    await encryptStore(inner, K1).recordSamples(samples(3));
    const withoutK1 = encryptStore(inner, Keyring.fromKeys([{ id: "k2", key: Buffer.alloc(32, 2) }]));
    await withoutK1.recordSamples([{ ...samples(1)[0]!, messageId: "fresh", orderingKey: "other" }]);
    const result = await withoutK1.forgetPerson("nobody", { nowMs: T0, matchBody: () => null });
    expect(result).toEqual({ deliveries: 0, events: 0, inFlight: 0 });
    expect((await withoutK1.listSamples({})).map((sample) => sample.messageId)).toEqual(["fresh"]);
  });

  it("PostgreSQL: no canary anywhere in the samples table, decrypted reads", async () => {
    const stores = testStores();
    cleanups.push(() => stores.cleanup());
    const inner = await stores.open();
    const store = encryptStore(inner, K1);
    await store.recordSamples(samples(10));
    await roundTrip(store);
    const table = `${escapeIdentifier(inner.schema)}.event_samples`;
    const rows = await adminQuery<{ body: string }>(`SELECT body FROM ${table}`);
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(sealedKeyId(row.body)).toBe("k1");
    const dump = await adminQuery<{ dump: string }>(
      `SELECT string_agg(t::text, ' ') AS dump FROM ${table} AS t`,
    );
    expect(dump[0]?.dump ?? "").not.toContain(CANARY);
  });
});
