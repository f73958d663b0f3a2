import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { event, T0 } from "../store/contract/fixtures.js";
import { encryptStore, sealedKeyId } from "../store/encrypted-store.js";
import { Keyring } from "../store/keyring.js";
import type { DeliveryOutcome, NewEventSample, Store } from "../store/port.js";
import {
  requirePostgres,
  TEST_DATABASE_URL,
  testStores,
} from "../store/postgres/test-support/test-database.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.js";
import { openSqliteBodies } from "../store/sqlite/stored-bodies.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import {
  type BodyStore,
  configKind,
  reencryptBodies,
  reencryptSealed,
  rotateKeyWith,
  type SealedStore,
  samplesKind,
  scanBodies,
} from "./rotate-key.js";
import { runCli } from "./run-cli.js";

// The PostgreSQL half needs the local server: without it the whole file fails (never a skip).
beforeAll(requirePostgres);

const KEY1 = Buffer.alloc(32, 1);
const KEY2 = Buffer.alloc(32, 2);
const K1 = Keyring.fromKeys([{ id: "k1", key: KEY1 }]);
const K2_K1 = Keyring.fromKeys([
  { id: "k2", key: KEY2 },
  { id: "k1", key: KEY1 },
]);
const K2 = Keyring.fromKeys([{ id: "k2", key: KEY2 }]);
const KEY_FILE = `# the new key first\nk2 ${KEY2.toString("base64")}\nk1 ${KEY1.toString("base64")}\n`;

const cleanups: (() => Promise<void> | void)[] = [];
const pgStores = testStores();
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
  await pgStores.cleanup();
});

function cliIo(env: Record<string, string>, cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, cwd, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

function body(id: string): string {
  return JSON.stringify({ type: "track", event: "Viewed", properties: { id } });
}

/** Settle the claimed deliveries of these messageIds (claiming everything ready first). */
async function settle(store: Store, states: Record<string, "delivered" | "failed">): Promise<void> {
  const claimed = await store.claim("cio", { limit: 1000, nowMs: T0, leaseMs: 1 });
  const outcomes: DeliveryOutcome[] = claimed.flatMap((delivery): DeliveryOutcome[] => {
    const state = states[delivery.messageId];
    if (state === "delivered")
      return [
        { deliveryId: delivery.deliveryId, leaseToken: delivery.leaseToken, state, attempts: 1, status: 200 },
      ];
    if (state === "failed") {
      return [
        {
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          state,
          stage: "delivery",
          reason: "HTTP 400",
          attempts: 1,
        },
      ];
    }
    return [{ deliveryId: delivery.deliveryId, leaseToken: delivery.leaseToken, state: "released" }];
  });
  await store.settle(outcomes, T0 + 1);
}

/**
 * A store holding bodies of every kind: 3 plaintext (from before encryption), 20 under k1 of which
 * 5 delivered (bodies gone) and 2 dead letters, then 4 under k2 (after the restart with the new key).
 */
async function fill(inner: Store): Promise<{ waiting: string[]; failed: string[] }> {
  const plain = ["p0", "p1", "p2"];
  const old = Array.from({ length: 20 }, (_, n) => `a${n}`);
  const fresh = ["b0", "b1", "b2", "b3"];
  await inner.enqueue(plain.map((id) => event(id, { body: body(id) })));
  await encryptStore(inner, K1).enqueue(old.map((id) => event(id, { body: body(id) })));
  await settle(inner, {
    a0: "delivered",
    a1: "delivered",
    a2: "delivered",
    a3: "delivered",
    a4: "delivered",
    a5: "failed",
    a6: "failed",
  });
  await encryptStore(inner, K2_K1).enqueue(fresh.map((id) => event(id, { body: body(id) })));
  return { waiting: [...plain, ...old.slice(7), ...fresh], failed: ["a5", "a6"] };
}

/** With only k2 left, every remaining body reads back as it was enqueued. */
async function expectReadableWithK2Only(inner: Store, expected: { waiting: string[]; failed: string[] }) {
  const store = encryptStore(inner, K2);
  const claimed = await store.claim("cio", { limit: 1000, nowMs: T0 + 10, leaseMs: 1000 });
  expect(claimed.map((delivery) => [delivery.messageId, delivery.body])).toEqual(
    expected.waiting.map((id) => [id, body(id)]),
  );
  const failed = (await store.listDeliveries({ state: "failed" })).map((entry) => entry.deliveryId);
  expect(await Promise.all(failed.map((id) => store.eventBody(id)))).toEqual(
    [...expected.failed].reverse().map((id) => body(id)),
  );
}

/** The store's stored-text methods, bound: what the command opens. */
function sealedMethods(inner: SealedStore): SealedStore {
  return {
    listBodies: (after, limit) => inner.listBodies(after, limit),
    replaceBodies: (rows) => inner.replaceBodies(rows),
    listConfigDocuments: (after, limit) => inner.listConfigDocuments(after, limit),
    replaceConfigDocuments: (rows) => inner.replaceConfigDocuments(rows),
    listSampleBodies: (after, limit) => inner.listSampleBodies(after, limit),
    replaceSampleBodies: (rows) => inner.replaceSampleBodies(rows),
  };
}

/** A configuration document holding a destination API key (the secret rotation must keep sealed). */
function doc(n: number): string {
  return JSON.stringify({
    sources: [{ name: "web", writeKey: `wk_${n}` }],
    destinations: [
      { name: "cio", type: "customerio", settings: { siteId: "site", apiKey: `api-key-${n}`, region: "us" } },
    ],
  });
}

const DRAFT = { basedOn: 3, updatedAtMs: T0 + 9, updatedBy: "user:bo", document: doc(9) };

/** Version 1 in plaintext (from before encryption), versions 2 and 3 and the draft under k1. */
async function fillConfig(inner: Store): Promise<void> {
  const publish = (store: Store, n: number) =>
    store.publishConfigVersion({
      publishedAtMs: T0 + n,
      publishedBy: "user:ada",
      note: `v${n}`,
      document: doc(n),
      expectedLatest: n === 1 ? null : n - 1,
    });
  await publish(inner, 1);
  await publish(encryptStore(inner, K1), 2);
  await publish(encryptStore(inner, K1), 3);
  await encryptStore(inner, K1).saveConfigDraft(DRAFT);
}

/** With only k2 left, the latest version, the older ones and the draft read back; none is under k1. */
async function expectConfigReadableWithK2Only(inner: Store & SealedStore): Promise<void> {
  const store = encryptStore(inner, K2);
  expect(await store.latestConfigVersion()).toEqual({
    version: 3,
    publishedAtMs: T0 + 3,
    publishedBy: "user:ada",
    note: "v3",
    document: doc(3),
  });
  expect((await store.getConfigVersion(1))?.document).toBe(doc(1));
  expect((await store.getConfigVersion(2))?.document).toBe(doc(2));
  expect(await store.getConfigDraft()).toEqual(DRAFT);
  const stored = await inner.listConfigDocuments(0, 100);
  expect(stored.map((row) => [row.version, sealedKeyId(row.document)])).toEqual([
    [1, "k2"],
    [2, "k2"],
    [3, "k2"],
    [null, "k2"],
  ]);
  expect(stored.map((row) => row.document).join()).not.toContain("api-key-");
}

function sample(messageId: string): NewEventSample {
  return {
    sourceName: "web",
    eventType: "track",
    eventName: "Viewed",
    messageId,
    receivedAtMs: T0,
    test: false,
    body: body(messageId),
    orderingKey: `person-${messageId}`,
  };
}

/** 2 plaintext samples, 3 under k1, then 1 under k2 (after the restart with the new key). */
async function fillSamples(inner: Store): Promise<string[]> {
  await inner.recordSamples([sample("t0"), sample("t1")]);
  await encryptStore(inner, K1).recordSamples(["u0", "u1", "u2"].map(sample));
  await encryptStore(inner, K2_K1).recordSamples([sample("v0")]);
  return ["t0", "t1", "u0", "u1", "u2", "v0"];
}

/** With only k2 left, every sample reads back as it was recorded; none is under k1 or plaintext. */
async function expectSamplesReadableWithK2Only(inner: Store & SealedStore, messageIds: string[]) {
  const store = encryptStore(inner, K2);
  const listed = [...(await store.listSamples({}))].reverse();
  expect(listed.map((row) => row.messageId)).toEqual(messageIds);
  for (const row of listed) expect((await store.getSample(row.id))?.body).toBe(body(row.messageId));
  const stored = await inner.listSampleBodies(0, 100);
  expect(stored.map((row) => sealedKeyId(row.body))).toEqual(messageIds.map(() => "k2"));
}

function sqliteFixture(): { dir: string; inner: SqliteStore; io: ReturnType<typeof cliIo> } {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const inner = openSqliteStore({ path: join(dir.path, "data", "sluice.db") });
  cleanups.push(() => inner.close());
  writeFileSync(join(dir.path, "keys.txt"), KEY_FILE);
  const io = cliIo({ SLUICE_DATA_DIR: "data", SLUICE_ENCRYPTION_KEY_FILE: "keys.txt" }, dir.path);
  return { dir: dir.path, inner, io };
}

describe("sluice rotate-key on SQLite, beside an open store", () => {
  it("counts with --dry-run, then re-encrypts every body not under k2, in chunks, with a progress line", async () => {
    const { inner, io } = sqliteFixture();
    const expected = await fill(inner);

    expect(await runCli(["rotate-key", "--dry-run"], io)).toBe(0);
    expect(io.out.splice(0)).toEqual([
      "18 of 22 event bodies, 0 of 0 configuration documents and 0 of 0 event samples would be re-encrypted to key k2 (dry run: nothing changed)\n",
    ]);
    expect((await inner.listBodies(0, 100)).map((row) => sealedKeyId(row.body) ?? "plain")).toEqual([
      ...Array(3).fill("plain"),
      ...Array(15).fill("k1"),
      ...Array(4).fill("k2"),
    ]);

    expect(await runCli(["rotate-key", "--chunk-size", "4"], io)).toBe(0);
    expect(io.out).toEqual([
      "re-encrypted 18 event bodies to key k2; 0 were delivered or changed meanwhile and left alone\n",
      "re-encrypted 0 configuration documents: all 0 were under key k2\n",
      "re-encrypted 0 event samples: all 0 were under key k2\n",
      "every stored event body, configuration document and event sample is under key k2: older keys can now be removed from the key file\n",
    ]);
    expect(io.err.at(-1)).toMatch(/^re-encrypted event bodies 18\/18( \(\d+\/s\))?\n$/);
    const stored = await inner.listBodies(0, 100);
    expect(stored.map((row) => sealedKeyId(row.body))).toEqual(Array(22).fill("k2"));
    await expectReadableWithK2Only(inner, expected);

    io.out.length = 0;
    expect(await runCli(["rotate-key"], io)).toBe(0);
    expect(io.out).toEqual([
      "all 22 event bodies, 0 configuration documents and 0 event samples are under key k2: nothing to do\n",
    ]);
  });

  it("never brings back a body the running Sluice deleted between listing and replacing", async () => {
    const { dir, inner } = sqliteFixture();
    const store = encryptStore(inner, K1);
    await store.enqueue(["m1", "m2", "m3"].map((id) => event(id, { body: body(id) })));
    const side = openSqliteBodies(join(dir, "data", "sluice.db"));
    cleanups.push(() => side.close());
    let deleted = false;
    const racing: BodyStore = {
      async listBodies(after, limit) {
        const page = await side.listBodies(after, limit);
        if (!deleted) {
          deleted = true;
          await settle(inner, { m2: "delivered" }); // Sluice delivers m2 meanwhile: its body is deleted
        }
        return page;
      },
      replaceBodies: (rows) => side.replaceBodies(rows),
    };
    const result = await reencryptBodies(racing, K2_K1, { chunkSize: 10 });
    expect(result).toEqual({ reencrypted: 2, leftAlone: 1, unreadable: 0, firstProblem: null });
    expect((await inner.listBodies(0, 10)).map((row) => [row.messageId, sealedKeyId(row.body)])).toEqual([
      ["m1", "k2"],
      ["m3", "k2"],
    ]);
    expect(await scanBodies(side, K2_K1)).toEqual({ stored: 2, pending: 0 });
  });

  it("leaves bodies under a key it lacks as they are, names that key, and exits 1", async () => {
    const { inner, io } = sqliteFixture();
    const k0 = Keyring.fromKeys([{ id: "k0", key: Buffer.alloc(32, 9) }]);
    await encryptStore(inner, k0).enqueue([event("lost", { body: body("lost") })]);
    await encryptStore(inner, K1).enqueue([event("m1", { body: body("m1") })]);
    expect(await runCli(["rotate-key"], io)).toBe(1);
    expect(io.out).toEqual([
      "re-encrypted 1 event bodies to key k2; 0 were delivered or changed meanwhile and left alone\n",
      "re-encrypted 0 configuration documents: all 0 were under key k2\n",
      "re-encrypted 0 event samples: all 0 were under key k2\n",
    ]);
    expect(io.err.at(-1)).toBe(
      '1 event bodies could not be decrypted and were left as they are; the first: ER_STORE_DECRYPT_FAILED: the body of event 1 is encrypted under key id "k0", which is not in the keyring (keys: k2, k1); add that key back to SLUICE_ENCRYPTION_KEY_FILE below the current one\n',
    );
    expect((await inner.listBodies(0, 10)).map((row) => sealedKeyId(row.body))).toEqual(["k0", "k2"]);
  });

  it("says so (exit 1) when a node still writes under the old key during the rotation", async () => {
    const { inner } = sqliteFixture();
    const oldNode = encryptStore(inner, K1);
    await oldNode.enqueue([event("m1", { body: body("m1") })]);
    await oldNode.saveConfigDraft({ basedOn: null, updatedAtMs: T0, updatedBy: "user:ada", document: "{}" });
    const store: SealedStore = {
      ...sealedMethods(inner),
      async replaceBodies(rows) {
        await oldNode.enqueue([event(`late-${rows.length}`, { body: body("late") })]);
        return inner.replaceBodies(rows);
      },
      async replaceConfigDocuments(rows) {
        const replaced = await inner.replaceConfigDocuments(rows);
        await oldNode.publishConfigVersion({
          publishedAtMs: T0,
          publishedBy: "user:ada",
          note: null,
          document: "{}",
          expectedLatest: null,
        });
        return replaced;
      },
    };
    const io = cliIo({}, "/");
    expect(await rotateKeyWith(store, K2_K1, { dryRun: false, chunkSize: 500 }, io)).toBe(1);
    expect(io.err.at(-1)).toBe(
      "1 event bodies, 1 configuration documents are still not under key k2: a node still writes with another key? Restart every node with the new key file first, then run sluice rotate-key again\n",
    );
  });

  it("re-seals every configuration version and the draft: they read with the old key removed", async () => {
    const { inner, io } = sqliteFixture();
    await fillConfig(inner);
    await expect(encryptStore(inner, K2).latestConfigVersion()).rejects.toMatchObject({
      code: "ER_STORE_DECRYPT_FAILED",
    });
    expect(await runCli(["rotate-key", "--chunk-size", "2"], io)).toBe(0);
    expect(io.out).toEqual([
      "re-encrypted 0 event bodies: all 0 were under key k2\n",
      "re-encrypted 4 configuration documents to key k2; 0 were changed meanwhile (a draft saved or published) and left alone\n",
      "re-encrypted 0 event samples: all 0 were under key k2\n",
      "every stored event body, configuration document and event sample is under key k2: older keys can now be removed from the key file\n",
    ]);
    expect(io.err.at(-1)).toMatch(/^re-encrypted configuration documents 4\/4( \(\d+\/s\))?\n$/);
    await expectConfigReadableWithK2Only(inner);
  });

  it("re-seals every event sample: they read with the old key removed", async () => {
    const { inner, io } = sqliteFixture();
    const messageIds = await fillSamples(inner);
    expect(await runCli(["rotate-key", "--dry-run"], io)).toBe(0);
    expect(io.out.splice(0)).toEqual([
      "0 of 0 event bodies, 0 of 0 configuration documents and 5 of 6 event samples would be re-encrypted to key k2 (dry run: nothing changed)\n",
    ]);
    expect(await runCli(["rotate-key", "--chunk-size", "2"], io)).toBe(0);
    expect(io.out).toEqual([
      "re-encrypted 0 event bodies: all 0 were under key k2\n",
      "re-encrypted 0 configuration documents: all 0 were under key k2\n",
      "re-encrypted 5 event samples to key k2; 0 were pruned or changed meanwhile and left alone\n",
      "every stored event body, configuration document and event sample is under key k2: older keys can now be removed from the key file\n",
    ]);
    await expectSamplesReadableWithK2Only(inner, messageIds);
  });

  it("leaves a draft saved meanwhile and a sample erased meanwhile alone", async () => {
    const { dir, inner } = sqliteFixture();
    await fillConfig(inner);
    await fillSamples(inner);
    const side = openSqliteBodies(join(dir, "data", "sluice.db"));
    cleanups.push(() => side.close());
    const running = encryptStore(inner, K2_K1); // the running Sluice, restarted with the new key file
    const racing: SealedStore = {
      ...sealedMethods(side),
      async listConfigDocuments(after, limit) {
        const page = await side.listConfigDocuments(after, limit);
        await running.saveConfigDraft({ ...DRAFT, document: doc(10), updatedAtMs: T0 + 10 });
        return page;
      },
      async listSampleBodies(after, limit) {
        const page = await side.listSampleBodies(after, limit);
        await running.forgetPerson("person-u1", { nowMs: T0 + 10 });
        return page;
      },
    };
    expect(await reencryptSealed(configKind(racing), K2_K1, { chunkSize: 10 })).toEqual({
      reencrypted: 3,
      leftAlone: 1,
      unreadable: 0,
      firstProblem: null,
    });
    expect(await encryptStore(inner, K2).getConfigDraft()).toEqual({
      ...DRAFT,
      document: doc(10),
      updatedAtMs: T0 + 10,
    });
    expect(await reencryptSealed(samplesKind(racing), K2_K1, { chunkSize: 10 })).toEqual({
      reencrypted: 4,
      leftAlone: 1,
      unreadable: 0,
      firstProblem: null,
    });
    expect(
      (await inner.listSampleBodies(0, 10)).map((row) => [row.messageId, sealedKeyId(row.body)]),
    ).toEqual([
      ["t0", "k2"],
      ["t1", "k2"],
      ["u0", "k2"],
      ["u2", "k2"],
      ["v0", "k2"],
    ]);
  });

  it("refuses to run without keys, and with bad arguments", async () => {
    const { dir } = sqliteFixture();
    const io = cliIo({ SLUICE_DATA_DIR: "data" }, dir);
    expect(await runCli(["rotate-key"], io)).toBe(2);
    expect(io.err).toEqual([
      "rotate-key needs the keys: set SLUICE_ENCRYPTION_KEY_FILE (the new key on the first line, the old ones below), as for the running Sluice\n",
    ]);
    expect(await runCli(["rotate-key", "--chunk-size", "0"], io)).toBe(2);
    expect(io.err.at(-1)).toBe("--chunk-size must be an integer from 1 to 10000\n");
    const noDb = cliIo({ SLUICE_DATA_DIR: "missing", SLUICE_ENCRYPTION_KEY_FILE: "keys.txt" }, dir);
    expect(await runCli(["rotate-key"], noDb)).toBe(1);
    expect(noDb.err).toEqual([
      `sluice: ER_STORE_CLOSED: no Sluice database at ${join(dir, "missing", "sluice.db")} (unreadable)\n`,
    ]);
  });
});

describe("sluice rotate-key on PostgreSQL, beside an open store", () => {
  it("re-encrypts every body not under k2 from another connection while the store stays open", async () => {
    const inner = await pgStores.open();
    const expected = await fill(inner);
    const dir = tempDir();
    cleanups.push(dir.remove);
    writeFileSync(join(dir.path, "keys.txt"), KEY_FILE);
    const io = cliIo(
      {
        SLUICE_DATABASE_URL: TEST_DATABASE_URL,
        SLUICE_DATABASE_SCHEMA: inner.schema,
        SLUICE_ENCRYPTION_KEY_FILE: "keys.txt",
      },
      dir.path,
    );
    expect(await runCli(["rotate-key", "--chunk-size", "5"], io)).toBe(0);
    expect(io.out).toEqual([
      "re-encrypted 18 event bodies to key k2; 0 were delivered or changed meanwhile and left alone\n",
      "re-encrypted 0 configuration documents: all 0 were under key k2\n",
      "re-encrypted 0 event samples: all 0 were under key k2\n",
      "every stored event body, configuration document and event sample is under key k2: older keys can now be removed from the key file\n",
    ]);
    expect((await inner.listBodies(0, 100)).map((row) => sealedKeyId(row.body))).toEqual(
      Array(22).fill("k2"),
    );
    await expectReadableWithK2Only(inner, expected);
  });

  it("never brings back a body deleted between listing and replacing", async () => {
    const inner = await pgStores.open();
    await encryptStore(inner, K1).enqueue(["m1", "m2", "m3"].map((id) => event(id, { body: body(id) })));
    let deleted = false;
    const racing: BodyStore = {
      async listBodies(after, limit) {
        const page = await inner.listBodies(after, limit);
        if (!deleted) {
          deleted = true;
          await settle(inner, { m1: "delivered", m3: "delivered" });
        }
        return page;
      },
      replaceBodies: (rows) => inner.replaceBodies(rows),
    };
    const result = await reencryptBodies(racing, K2_K1, { chunkSize: 10 });
    expect(result).toEqual({ reencrypted: 1, leftAlone: 2, unreadable: 0, firstProblem: null });
    expect((await inner.listBodies(0, 10)).map((row) => [row.messageId, sealedKeyId(row.body)])).toEqual([
      ["m2", "k2"],
    ]);
  });
  function pgIo(schema: string): ReturnType<typeof cliIo> {
    const dir = tempDir();
    cleanups.push(dir.remove);
    writeFileSync(join(dir.path, "keys.txt"), KEY_FILE);
    return cliIo(
      {
        SLUICE_DATABASE_URL: TEST_DATABASE_URL,
        SLUICE_DATABASE_SCHEMA: schema,
        SLUICE_ENCRYPTION_KEY_FILE: "keys.txt",
      },
      dir.path,
    );
  }

  it("re-seals every configuration version and the draft: they read with the old key removed", async () => {
    const inner = await pgStores.open();
    await fillConfig(inner);
    const io = pgIo(inner.schema);
    expect(await runCli(["rotate-key", "--chunk-size", "3"], io)).toBe(0);
    expect(io.out[1]).toBe(
      "re-encrypted 4 configuration documents to key k2; 0 were changed meanwhile (a draft saved or published) and left alone\n",
    );
    await expectConfigReadableWithK2Only(inner);
  });

  it("re-seals every event sample: they read with the old key removed", async () => {
    const inner = await pgStores.open();
    const messageIds = await fillSamples(inner);
    const io = pgIo(inner.schema);
    expect(await runCli(["rotate-key", "--chunk-size", "4"], io)).toBe(0);
    expect(io.out[2]).toBe(
      "re-encrypted 5 event samples to key k2; 0 were pruned or changed meanwhile and left alone\n",
    );
    await expectSamplesReadableWithK2Only(inner, messageIds);
  });
});
