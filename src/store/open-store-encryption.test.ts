import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../contracts/config.js";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { readEnv, startSluice } from "../main.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { event } from "./contract/fixtures.js";
import { sealedKeyId } from "./encrypted-store.js";
import { Keyring } from "./keyring.js";
import { NOT_ENCRYPTED_WARNING, openStore, type StoreEnv } from "./open-store.js";
import type { Store } from "./port.js";
import {
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "./postgres/test-support/test-database.js";

// The PostgreSQL case needs the local server: without it the whole file fails (never a skip).
beforeAll(requirePostgres);

const KEY_B64 = Buffer.alloc(32, 5).toString("base64");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

function storeEnv(overrides: Partial<StoreEnv>): StoreEnv {
  return {
    dataDir: "/nonexistent",
    synchronous: "FULL",
    databaseUrl: null,
    databaseSchema: "public",
    databasePoolSize: 3,
    leaseMs: null,
    ...overrides,
  };
}

function parsed(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function rawBodies(store: Store): Promise<string[]> {
  const listBodies = store.listBodies;
  if (listBodies === undefined) throw new Error("listBodies missing");
  return (await listBodies.call(store, 0, 100)).map((row) => row.body);
}

describe("openStore and encryption at rest", () => {
  it("encrypts with the configured key and says so after the store line, without key material", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { logger, lines } = memoryLogger();
    const keyring = Keyring.fromKeys([{ id: "k2", key: Buffer.from(KEY_B64, "base64") }]);
    const opened = await openStore(storeEnv({ dataDir: dir.path, keyring }), logger);
    cleanups.push(() => opened.store.close());
    expect(parsed(lines).map((line) => [line.level, line.event, line.msg])).toEqual([
      [30, "store.opened", "store opened"],
      [30, "store.opened", "data at rest: encrypted (AES-256-GCM, key k2)"],
    ]);
    expect(parsed(lines)[1]).toMatchObject({ encrypted: true, algorithm: "AES-256-GCM", keyId: "k2" });
    expect(lines.join("")).not.toContain(KEY_B64);
    await opened.store.enqueue([event("m1")]);
    expect((await rawBodies(opened.store)).map(sealedKeyId)).toEqual(["k2"]);
  });

  it("warns loudly, once, when no key is configured, and stores plaintext", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const { logger, lines } = memoryLogger();
    const opened = await openStore(storeEnv({ dataDir: dir.path }), logger);
    cleanups.push(() => opened.store.close());
    const warnings = parsed(lines).filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({ event: "store.opened", encrypted: false, msg: NOT_ENCRYPTED_WARNING }),
    ]);
    expect(NOT_ENCRYPTED_WARNING).toBe(
      "data at rest is NOT encrypted: set SLUICE_ENCRYPTION_KEY or SLUICE_ENCRYPTION_KEY_FILE (see docs/privacy.md)",
    );
    await opened.store.enqueue([event("m1")]);
    expect(await rawBodies(opened.store)).toEqual([event("m1").body]);
  });

  it("wraps the PostgreSQL store too, keeping its own methods (onWork)", async () => {
    const schema = freshSchemaName();
    cleanups.push(() => dropSchema(schema));
    const { logger, lines } = memoryLogger();
    const keyring = Keyring.fromKeys([{ id: "pg1", key: Buffer.alloc(32, 3) }]);
    const opened = await openStore(
      storeEnv({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, keyring }),
      logger,
    );
    cleanups.push(() => opened.store.close());
    // Among the start lines (an autovacuum warning may come first, on a server with it off).
    expect(parsed(lines)).toContainEqual(
      expect.objectContaining({ msg: "data at rest: encrypted (AES-256-GCM, key pg1)" }),
    );
    expect(typeof opened.store.takeRequestTokens).toBe("function");
    await opened.store.enqueue([event("m1")]);
    expect((await rawBodies(opened.store)).map(sealedKeyId)).toEqual(["pg1"]);
  });
});

describe("readEnv and a running Sluice", () => {
  it("reads the key from the environment, refuses a bad one, and defaults to none", () => {
    expect(readEnv({ SLUICE_ENCRYPTION_KEY: KEY_B64 }, "/srv").keyring?.currentKeyId).toBe("k1");
    expect(readEnv({}, "/srv").keyring).toBeNull();
    expect(() => readEnv({ SLUICE_ENCRYPTION_KEY: KEY_B64.slice(4) }, "/srv")).toThrow(
      'ER_STORE_KEY_INVALID: SLUICE_ENCRYPTION_KEY (key "k1") decodes to 29 bytes; AES-256 needs exactly 32 (generate one with `sluice keygen`)',
    );
  });

  it("stores an ingested event encrypted (no canary on disk) and delivers it decrypted after a restart", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const sim = await startSimulator({ siteId: "site-1", apiKey: "key-1", openApi: loadTrackOpenApi() });
    cleanups.push(() => sim.close());
    const result = validateConfig({
      sources: [{ name: "website", writeKey: "wk_enc_0001" }],
      destinations: [
        {
          name: "cio",
          type: "customerio",
          settings: { siteId: "site-1", apiKey: "key-1", trackUrl: sim.url },
          allow: { events: ["Order Completed"], properties: ["plan"] },
        },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const start = (delivery: "on" | "paused") =>
      startSluice({
        env: readEnv(
          {
            PORT: "0",
            HOST: "127.0.0.1",
            SLUICE_DATA_DIR: dir.path,
            SLUICE_DELIVERY: delivery,
            SLUICE_ENCRYPTION_KEY: `k1:${KEY_B64}`,
          },
          "/",
        ),
        rawEnv: {},
        config: result.config,
        logger: memoryLogger().logger,
        worker: { lingerMs: 0, idlePollMs: 50 },
        checkCredentials: false,
      });
    const canary = "CANARY-plan-5be1-gold";
    const paused = await start("paused");
    const response = await fetch(`${paused.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${btoa("wk_enc_0001:")}` },
      body: JSON.stringify({
        userId: "u1",
        event: "Order Completed",
        messageId: "m-enc",
        properties: { plan: canary },
      }),
    });
    expect(response.status).toBe(200);
    const files = () =>
      readdirSync(dir.path)
        .map((name) => readFileSync(join(dir.path, name)).toString("latin1"))
        .join("\n");
    expect(files()).toContain("sluice:v1:k1:");
    expect(files()).not.toContain(canary);
    await paused.stop();
    expect(files()).not.toContain(canary);

    const running = await start("on");
    cleanups.push(() => running.stop());
    const deadline = Date.now() + 10_000;
    while (!sim.state.eventIds.has("m-enc") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect([...sim.state.eventIds]).toEqual(["m-enc"]);
    expect(JSON.stringify(sim.state.events)).toContain(canary);
  });
});
