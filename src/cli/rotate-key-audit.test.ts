import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { encryptStore } from "../store/encrypted-store.js";
import { Keyring } from "../store/keyring.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

// `sluice rotate-key` is recorded in the audit log (a dry run is not).

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

describe("the audit trail of sluice rotate-key", () => {
  it("records a rotation with the new key id, never key material", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const key1 = Buffer.alloc(32, 1);
    const key2 = Buffer.alloc(32, 2);
    const store = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
    cleanups.push(() => store.close());
    await encryptStore(store, Keyring.fromKeys([{ id: "k1", key: key1 }])).enqueue([
      {
        sourceName: "web",
        messageId: "m1",
        eventType: "track",
        receivedAtMs: 1,
        body: "{}",
        destinations: ["cio"],
      },
    ]);
    writeFileSync(`${dir.path}/keys.txt`, `k2 ${key2.toString("base64")}\nk1 ${key1.toString("base64")}\n`);
    const io: CliIo = {
      stdout: () => undefined,
      stderr: () => undefined,
      env: { SLUICE_DATA_DIR: "data", SLUICE_ENCRYPTION_KEY_FILE: "keys.txt", SLUICE_ACTOR: "secops" },
      cwd: dir.path,
    };
    expect(await runCli(["rotate-key", "--dry-run"], io)).toBe(0);
    expect(await store.listAudit({})).toEqual([]);
    expect(await runCli(["rotate-key"], io)).toBe(0);
    const audit = await store.listAudit({});
    expect(audit).toEqual([
      expect.objectContaining({
        seq: 1,
        actor: "secops",
        action: "key.rotate",
        outcome: "ok",
        detail: { exitCode: 0, keyId: "k2" },
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(key2.toString("base64"));
  });
});
