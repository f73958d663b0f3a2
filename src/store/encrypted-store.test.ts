import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.js";
import { event, T0 } from "./contract/fixtures.js";
import { encryptStore, openBody, SEALED_PREFIX, sealBody, sealedKeyId } from "./encrypted-store.js";
import { Keyring } from "./keyring.js";
import { openSqliteStore, type SqliteStore } from "./sqlite/sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";

const K1 = Keyring.fromKeys([{ id: "k1", key: Buffer.alloc(32, 1) }]);
const K2_K1 = Keyring.fromKeys([
  { id: "k2", key: Buffer.alloc(32, 2) },
  { id: "k1", key: Buffer.alloc(32, 1) },
]);
const K2 = Keyring.fromKeys([{ id: "k2", key: Buffer.alloc(32, 2) }]);
const M1 = { sourceName: "web", messageId: "m1" };
const M2 = { sourceName: "web", messageId: "m2" };
const BODY = '{"type":"track","event":"Viewed","properties":{"diagnosis":"E11.9","name":"Zoë 🩺"}}';

/** The error `work` throws (or rejects with). */
async function failure(work: () => unknown): Promise<{ code?: string; message: string }> {
  try {
    await work();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected an error");
}

/** A sealed body's bytes (iv | ciphertext | tag) and a function putting modified bytes back in place. */
function unpack(sealed: string): { bytes: Buffer; repack: (bytes: Buffer) => string } {
  const keyId = sealedKeyId(sealed) ?? "";
  const head = `${SEALED_PREFIX}${keyId}:`;
  return {
    bytes: Buffer.from(sealed.slice(head.length), "base64url"),
    repack: (bytes) => `${head}${bytes.toString("base64url")}`,
  };
}

describe("sealBody and openBody", () => {
  it("round-trips a body as sluice:v1:<keyId>:<base64url(iv | ciphertext | tag)>", () => {
    const sealed = sealBody(K1, BODY, M1);
    expect(sealed).toMatch(/^sluice:v1:k1:[A-Za-z0-9_-]+$/);
    expect(unpack(sealed).bytes.length).toBe(12 + Buffer.byteLength(BODY) + 16);
    expect(sealed).not.toContain("diagnosis");
    expect(openBody(K1, sealed, M1)).toBe(BODY);
    expect(sealedKeyId(sealed)).toBe("k1");
  });

  it("uses a fresh IV for every body: the same body never encrypts alike", () => {
    const sealed = Array.from({ length: 2000 }, () => sealBody(K1, BODY, M1));
    expect(new Set(sealed).size).toBe(2000);
    expect(new Set(sealed.map((text) => unpack(text).bytes.subarray(0, 12).toString("hex"))).size).toBe(2000);
  });

  it.each([
    ["the IV", 0],
    ["the ciphertext", 20],
    ["the tag", -1],
  ])("detects a flipped byte in %s (ER_STORE_DECRYPT_FAILED, never garbage)", async (_part, index) => {
    const { bytes, repack } = unpack(sealBody(K1, BODY, M1));
    const at = index < 0 ? bytes.length + index : index;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const error = await failure(() => openBody(K1, repack(bytes), M1, "the body of delivery 7"));
    expect(error).toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
      message:
        'ER_STORE_DECRYPT_FAILED: the body of delivery 7 failed authentication under key "k1": it was altered, or it belongs to another event; it is not used',
    });
  });

  it("detects a body moved to another event (messageId or source) or relabelled with another key id", async () => {
    const sealed = sealBody(K2_K1, BODY, M1);
    for (const other of [M2, { sourceName: "app", messageId: "m1" }]) {
      expect(await failure(() => openBody(K2_K1, sealed, other))).toMatchObject({
        code: "ER_STORE_DECRYPT_FAILED",
      });
    }
    const relabelled = sealed.replace("sluice:v1:k2:", "sluice:v1:k1:");
    expect(await failure(() => openBody(K2_K1, relabelled, M1))).toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
      message: expect.stringContaining('failed authentication under key "k1"'),
    });
  });

  it("names an unknown key id (and the keys it has), never the data", async () => {
    const sealed = sealBody(K1, BODY, M1);
    const error = await failure(() => openBody(K2, sealed, M1, "the body of delivery 3"));
    expect(error.message).toBe(
      'ER_STORE_DECRYPT_FAILED: the body of delivery 3 is encrypted under key id "k1", which is not in the keyring (keys: k2); add that key back to SLUICE_ENCRYPTION_KEY_FILE below the current one',
    );
  });

  it("reads bodies written before encryption was enabled as plaintext", () => {
    expect(openBody(K1, BODY, M1)).toBe(BODY);
    expect(openBody(K1, "", M1)).toBe("");
    expect(sealedKeyId(BODY)).toBeNull();
  });

  it("refuses damaged or unknown-format bodies instead of passing them as plaintext", async () => {
    const sealed = sealBody(K1, BODY, M1);
    for (const [text, message] of [
      ["sluice:v1:k1:", "truncated or not base64url"],
      [`${sealed.slice(0, 30)}`, "truncated or not base64url"],
      [`${sealed}!`, "truncated or not base64url"],
      ["sluice:v1:bad id:AAAA", "its key id is malformed"],
      ["sluice:v1:k1", "its key id is malformed"],
      [sealed.replace("sluice:v1:", "sluice:v2:"), "in an encryption format this Sluice does not know"],
    ] as const) {
      const error = await failure(() => openBody(K1, text, M1));
      expect(error.code).toBe("ER_STORE_DECRYPT_FAILED");
      expect(error.message).toContain(message);
    }
  });

  it("keeps old bodies readable after a rotation while new ones use the new key", () => {
    const old = sealBody(K1, BODY, M1);
    const fresh = sealBody(K2_K1, BODY, M1);
    expect(sealedKeyId(fresh)).toBe("k2");
    expect(openBody(K2_K1, old, M1)).toBe(BODY);
    expect(openBody(K2_K1, fresh, M1)).toBe(BODY);
  });
});

describeStoreContract("sqlite+encryption", async () => {
  const dir = tempDir();
  const store = encryptStore(openSqliteStore({ path: join(dir.path, "sluice.db") }), K1);
  return {
    store,
    cleanup: async () => {
      await store.close();
      dir.remove();
    },
  };
});

describe("encryptStore over SQLite", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  });

  function open(keyring: Keyring = K1): {
    inner: SqliteStore;
    store: SqliteStore;
    dir: string;
    raw: Database.Database;
  } {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const inner = openSqliteStore({ path: join(dir.path, "sluice.db") });
    cleanups.push(() => inner.close());
    const raw = new Database(join(dir.path, "sluice.db"));
    cleanups.push(() => {
      raw.close();
    });
    return { inner, store: encryptStore(inner, keyring), dir: dir.path, raw };
  }

  /** Every byte of every file of the database (main file, WAL, shared memory) as latin1 text. */
  function rawFiles(dir: string): string {
    return readdirSync(dir)
      .map((name) => readFileSync(join(dir, name)).toString("latin1"))
      .join("\n");
  }

  it("stores no plaintext: the canary is in neither the database file nor its WAL, open or closed", async () => {
    const { inner, store, dir } = open();
    const canary = "CANARY-PHI-7f3a9c-diabetes";
    await store.enqueue(
      Array.from({ length: 20 }, (_, n) =>
        event(`m${n}`, { body: JSON.stringify({ type: "track", properties: { note: `${canary}-${n}` } }) }),
      ),
    );
    const claimed = await store.claim("cio", { limit: 5, nowMs: T0, leaseMs: 1000 });
    expect(claimed.map((delivery) => JSON.parse(delivery.body).properties.note)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `${canary}-${n}`),
    );
    const stored = await inner.listBodies(0, 100);
    expect(stored).toHaveLength(20);
    for (const row of stored) expect(row.body.startsWith("sluice:v1:k1:")).toBe(true);
    expect(rawFiles(dir)).toContain("sluice:v1:k1:"); // the files are readable: the search is meaningful
    expect(rawFiles(dir)).not.toContain(canary);
    await inner.close();
    expect(rawFiles(dir)).not.toContain(canary);
  });

  it("refuses to claim a tampered body with ER_STORE_DECRYPT_FAILED, naming the delivery and key only", async () => {
    const { store, raw } = open();
    await store.enqueue([event("m1", { body: BODY })]);
    const stored = raw.prepare<[], string>("SELECT body FROM events").pluck().get() ?? "";
    const { bytes, repack } = unpack(stored);
    bytes[15] = (bytes[15] ?? 0) ^ 0x80;
    raw.prepare("UPDATE events SET body = ?").run(repack(bytes));
    const error = await failure(() => store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 }));
    expect(error).toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
      message:
        'ER_STORE_DECRYPT_FAILED: the body of delivery 1 failed authentication under key "k1": it was altered, or it belongs to another event; it is not used',
    });
  });

  it("detects bodies swapped between two events in the database", async () => {
    const { store, raw } = open();
    await store.enqueue([event("m1", { body: '{"who":"alice"}' }), event("m2", { body: '{"who":"bob"}' })]);
    raw.exec(`UPDATE events SET body = CASE seq WHEN 1 THEN (SELECT body FROM events WHERE seq = 2)
                                           ELSE (SELECT body FROM events WHERE seq = 1) END`);
    const error = await failure(() => store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 }));
    expect(error).toMatchObject({ code: "ER_STORE_DECRYPT_FAILED" });
    expect(error.message).not.toContain("alice");
  });

  it("decrypts eventBody (dead letters), reads plaintext rows as they are, and refuses a swapped body", async () => {
    const { inner, store, raw } = open();
    await inner.enqueue([event("m0", { body: '{"old":"plaintext"}' })]); // written before encryption
    await store.enqueue([event("m1", { body: '{"who":"alice"}' }), event("m2", { body: '{"who":"bob"}' })]);
    const claimed = await store.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 });
    expect(claimed.map((delivery) => delivery.body)).toEqual([
      '{"old":"plaintext"}',
      '{"who":"alice"}',
      '{"who":"bob"}',
    ]);
    await store.settle(
      claimed.map((delivery) => ({
        deliveryId: delivery.deliveryId,
        leaseToken: delivery.leaseToken,
        state: "failed" as const,
        stage: "delivery" as const,
        reason: "HTTP 400",
        attempts: 1,
      })),
      T0 + 1,
    );
    expect(await store.eventBody(1)).toBe('{"old":"plaintext"}');
    expect(await store.eventBody(2)).toBe('{"who":"alice"}');
    expect(await store.eventBody(99)).toBeNull();
    raw.exec("UPDATE events SET body = (SELECT body FROM events WHERE seq = 3) WHERE seq = 2");
    expect(await failure(() => store.eventBody(2))).toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
      message: expect.stringContaining("the body of delivery 2 failed authentication"),
    });
  });

  it("keeps the adapter's own methods and properties reachable", async () => {
    const { inner, store } = open();
    expect(store.path).toBe(inner.path);
    expect(store.pragmas()).toMatchObject({ journalMode: "wal" });
    await store.enqueue([event("m1")]);
    expect(store.groupCommitStats()).toEqual(inner.groupCommitStats());
    await store.close();
    await expect(inner.enqueue([event("m2")])).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
  });

  it("reads old-key bodies after a restart with the new key first", async () => {
    const { inner, store } = open(K1);
    await store.enqueue([event("m1", { body: '{"n":1}' })]);
    const rotated = encryptStore(inner, K2_K1);
    await rotated.enqueue([event("m2", { body: '{"n":2}' })]);
    expect((await inner.listBodies(0, 10)).map((row) => sealedKeyId(row.body))).toEqual(["k1", "k2"]);
    const claimed = await rotated.claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 });
    expect(claimed.map((delivery) => delivery.body)).toEqual(['{"n":1}', '{"n":2}']);
  });
});
