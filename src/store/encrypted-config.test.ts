import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { escapeIdentifier } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.js";
import { T0 } from "./contract/fixtures.js";
import { encryptStore, sealedKeyId } from "./encrypted-store.js";
import { Keyring } from "./keyring.js";
import { adminQuery, requirePostgres, testStores } from "./postgres/test-support/test-database.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";

/**
 * Destination secrets encrypted at rest: configuration versions and the draft hold API keys, hash
 * salts and write keys, so `encryptStore` seals them like event bodies.
 */

const K1 = Keyring.fromKeys([{ id: "k1", key: Buffer.alloc(32, 1) }]);
const API_KEY = "CANARY-cio-api-key-5d1e";
const WRITE_KEY = "CANARY-wk_live_93ab";
const DOCUMENT = JSON.stringify({
  sources: [{ name: "web", writeKey: WRITE_KEY }],
  destinations: [{ name: "cio", type: "customerio", settings: { siteId: "s", apiKey: API_KEY } }],
});
const publish = (expectedLatest: number | null) => ({
  publishedAtMs: T0,
  publishedBy: "user:ada",
  note: "first",
  document: DOCUMENT,
  expectedLatest,
});

describe("encryptStore: configuration documents over SQLite", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function open() {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const inner = openSqliteStore({ path: join(dir.path, "sluice.db") });
    cleanups.push(() => inner.close());
    const raw = new Database(join(dir.path, "sluice.db"));
    cleanups.push(() => raw.close());
    const files = () =>
      readdirSync(dir.path)
        .map((name) => readFileSync(join(dir.path, name)).toString("latin1"))
        .join("\n");
    return { inner, store: encryptStore(inner, K1), raw, files };
  }

  it("stores no secret in the database files: versions and the draft are sealed, and read back in the clear", async () => {
    const { inner, store, raw, files } = open();
    expect(await store.publishConfigVersion(publish(null))).toBe(1);
    await store.saveConfigDraft({ basedOn: 1, updatedAtMs: T0, updatedBy: "user:ada", document: DOCUMENT });
    const stored = raw
      .prepare<[], string>("SELECT document FROM config_versions UNION ALL SELECT document FROM config_draft")
      .pluck()
      .all();
    expect(stored).toHaveLength(2);
    for (const text of stored) expect(sealedKeyId(text)).toBe("k1");
    expect(files()).toContain("sluice:v1:k1:"); // the files are readable: the search means something
    expect(files()).not.toContain(API_KEY);
    expect(files()).not.toContain(WRITE_KEY);
    expect((await store.getConfigVersion(1))?.document).toBe(DOCUMENT);
    expect((await store.latestConfigVersion())?.document).toBe(DOCUMENT);
    expect((await store.getConfigDraft())?.document).toBe(DOCUMENT);
    // The adapter alone sees only the sealed text.
    expect((await inner.getConfigVersion(1))?.document).not.toContain(API_KEY);
    await inner.close();
    expect(files()).not.toContain(API_KEY);
  });

  it("refuses a draft copied into a version row, or versions swapped, with ER_STORE_DECRYPT_FAILED", async () => {
    const { store, raw } = open();
    await store.publishConfigVersion(publish(null));
    await store.publishConfigVersion(publish(1));
    await store.saveConfigDraft({ basedOn: 2, updatedAtMs: T0, updatedBy: "user:ada", document: DOCUMENT });
    raw.exec("UPDATE config_versions SET document = (SELECT document FROM config_draft) WHERE version = 1");
    await expect(store.getConfigVersion(1)).rejects.toMatchObject({ code: "ER_STORE_DECRYPT_FAILED" });
    raw.exec("UPDATE config_draft SET document = (SELECT document FROM config_versions WHERE version = 2)");
    const error = await store.getConfigDraft().catch((caught: Error & { code?: string }) => caught);
    expect(error).toMatchObject({ code: "ER_STORE_DECRYPT_FAILED" });
    expect((error as Error).message).toContain("configuration draft");
    expect((error as Error).message).not.toContain(API_KEY);
    // Version 2 itself is intact.
    expect((await store.getConfigVersion(2))?.document).toBe(DOCUMENT);
  });

  it("reads documents written before encryption was enabled as they are", async () => {
    const { inner, store } = open();
    await inner.publishConfigVersion(publish(null));
    expect((await store.latestConfigVersion())?.document).toBe(DOCUMENT);
    expect(await store.publishConfigVersion(publish(1))).toBe(2);
    expect((await inner.getConfigVersion(2))?.document.startsWith("sluice:v1:k1:")).toBe(true);
  });
});

describe("encryptStore: configuration documents over PostgreSQL", () => {
  beforeAll(requirePostgres);
  const stores = testStores();
  afterEach(() => stores.cleanup());

  it("stores no secret in config_versions or config_draft", async () => {
    const inner = await stores.open();
    const store = encryptStore(inner, K1);
    await store.publishConfigVersion(publish(null));
    await store.saveConfigDraft({ basedOn: 1, updatedAtMs: T0, updatedBy: "user:ada", document: DOCUMENT });
    const schema = escapeIdentifier(inner.schema);
    const rows = await adminQuery<{ dump: string }>(
      `SELECT t::text AS dump FROM ${schema}.config_versions AS t
       UNION ALL SELECT t::text FROM ${schema}.config_draft AS t`,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.dump).toContain("sluice:v1:k1:");
      expect(row.dump).not.toContain(API_KEY);
      expect(row.dump).not.toContain(WRITE_KEY);
    }
    expect((await store.latestConfigVersion())?.document).toBe(DOCUMENT);
    expect((await store.getConfigDraft())?.document).toBe(DOCUMENT);
  });
});
