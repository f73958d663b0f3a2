import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../contracts/config.js";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { type RunningSluice, readEnv, StartupError, startSluice } from "../main.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { openStore, printableDatabaseUrl, readDatabaseEnv, type StoreEnv } from "./open-store.js";
import {
  adminQuery,
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "./postgres/test-support/test-database.js";

beforeAll(requirePostgres);

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** The test database's URL with a password in it (the local server trusts loopback, so any works). */
function urlWithPassword(): { url: string; password: string } {
  const url = new URL(TEST_DATABASE_URL);
  if (url.password === "") url.password = "s3cret-pw";
  return { url: url.toString(), password: url.password };
}

function storeEnv(overrides: Partial<StoreEnv>): StoreEnv {
  return {
    dataDir: "/nonexistent",
    synchronous: "FULL",
    databaseUrl: null,
    databaseSchema: "public",
    databasePoolSize: 10,
    leaseMs: null,
    ...overrides,
  };
}

describe("readDatabaseEnv", () => {
  it("defaults to SQLite, the public schema, 10 connections and the worker's lease", () => {
    expect(readDatabaseEnv({})).toEqual({
      databaseUrl: null,
      databaseSchema: "public",
      databasePoolSize: 10,
      leaseMs: null,
    });
    expect(readDatabaseEnv({ SLUICE_DATABASE_URL: "" })).toMatchObject({ databaseUrl: null });
  });

  it("reads every variable", () => {
    expect(
      readDatabaseEnv({
        SLUICE_DATABASE_URL: "postgresql://sluice@db.internal/sluice?sslmode=require",
        SLUICE_DATABASE_SCHEMA: "sluice_prod",
        SLUICE_DATABASE_POOL_SIZE: "4",
        SLUICE_LEASE_MS: "30000",
      }),
    ).toEqual({
      databaseUrl: "postgresql://sluice@db.internal/sluice?sslmode=require",
      databaseSchema: "sluice_prod",
      databasePoolSize: 4,
      leaseMs: 30_000,
    });
  });

  it.each([
    [{ SLUICE_DATABASE_URL: "mysql://root:pw@db/x" }, /^SLUICE_DATABASE_URL must be a postgres:\/\//],
    [{ SLUICE_DATABASE_URL: "db.internal" }, /^SLUICE_DATABASE_URL must be/],
    [{ SLUICE_DATABASE_SCHEMA: "1abc" }, /^SLUICE_DATABASE_SCHEMA must be/],
    [{ SLUICE_DATABASE_SCHEMA: "a-b" }, /^SLUICE_DATABASE_SCHEMA must be/],
    [{ SLUICE_DATABASE_POOL_SIZE: "0" }, /^SLUICE_DATABASE_POOL_SIZE must be an integer from 1 to 1000$/],
    [{ SLUICE_DATABASE_POOL_SIZE: "2.5" }, /^SLUICE_DATABASE_POOL_SIZE must be/],
    [{ SLUICE_LEASE_MS: "999" }, /^SLUICE_LEASE_MS must be an integer from 1000 to 86400000/],
    [{ SLUICE_LEASE_MS: "soon" }, /^SLUICE_LEASE_MS must be/],
  ])("refuses %j", (env, message) => {
    const result = readDatabaseEnv(env);
    expect(result).toHaveProperty("problem");
    expect((result as { problem: string }).problem).toMatch(message);
    // readEnv turns it into a start-up error, never quoting the URL (it may hold a password).
    expect(() => readEnv(env, "/srv")).toThrow(StartupError);
    expect(() => readEnv(env, "/srv")).not.toThrow(/pw/);
  });
});

describe("printableDatabaseUrl", () => {
  it.each([
    [
      "postgres://sluice:s3cret@db:5432/sluice?sslmode=require",
      "postgres://redacted@db:5432/sluice?sslmode=require",
    ],
    ["postgres://sluice@db/sluice", "postgres://redacted@db/sluice"],
    ["postgresql://db.internal/sluice", "postgresql://db.internal/sluice"],
    ["postgres://db/sluice?password=s3cret&sslmode=verify-full", "postgres://db/sluice?sslmode=verify-full"],
    ["postgres://db/sluice?sslpassword=s3cret&sslkey=/k", "postgres://db/sluice"],
    ["not a url", "[unparseable URL]"],
  ])("%s → %s", (input, expected) => {
    expect(printableDatabaseUrl(input)).toBe(expected);
  });
});

describe("openStore", () => {
  it("opens SQLite in the data dir when no database URL is set, and says so", async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const { logger, lines } = memoryLogger();
    const dataDir = join(dir.path, "data");
    const opened = await openStore(storeEnv({ dataDir, leaseMs: 5000 }), logger);
    cleanup.push(() => opened.store.close());
    expect(opened.kind).toBe("sqlite");
    expect(opened.workerOptions).toEqual({ leaseMs: 5000 });
    expect(existsSync(join(dataDir, "sluice.db"))).toBe(true);
    expect(opened.onWork(() => undefined)()).toBeUndefined();
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ event: "store.opened", store: "sqlite", dataDir, synchronous: "FULL" });
  });

  it("opens PostgreSQL when a URL is set, logs it without the password, and reports other nodes' work", async () => {
    const { url, password } = urlWithPassword();
    const schema = freshSchemaName();
    cleanup.push(() => dropSchema(schema));
    const { logger, lines } = memoryLogger();
    const env = storeEnv({ databaseUrl: url, databaseSchema: schema, databasePoolSize: 3 });
    const opened = await openStore(env, logger);
    cleanup.push(() => opened.store.close());
    const other = await openStore(env, memoryLogger().logger);
    cleanup.push(() => other.store.close());
    expect(opened.kind).toBe("postgres");
    expect(opened.workerOptions).toEqual({});
    expect(typeof opened.store.takeRequestTokens).toBe("function");
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      event: "store.opened",
      store: "postgres",
      database: printableDatabaseUrl(url),
      schema,
      poolSize: 3,
    });
    expect(lines.join("")).not.toContain(password);
    // Warned exactly when the server's autovacuum is off (CI's cluster runs with it off).
    const [setting] = await adminQuery<{ autovacuum: string }>("SHOW autovacuum");
    const warnings = lines.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(warnings.some((entry) => entry["event"] === "store.autovacuum_off")).toBe(
      setting?.autovacuum === "off",
    );

    const woken: string[] = [];
    opened.onWork((destination) => woken.push(destination));
    await (opened.store as unknown as { workListening(): Promise<void> }).workListening();
    await other.store.enqueue([
      {
        sourceName: "web",
        messageId: "m1",
        eventType: "track",
        receivedAtMs: Date.now(),
        body: "{}",
        destinations: ["cio"],
      },
    ]);
    const deadline = Date.now() + 5000;
    while (!woken.includes("cio") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(woken).toContain("cio");
  });

  it("names the database (without credentials) when PostgreSQL cannot be reached", async () => {
    const { logger } = memoryLogger();
    const error = await openStore(
      storeEnv({ databaseUrl: "postgres://sluice:s3cret-pw@127.0.0.1:1/sluice", databaseSchema: "s" }),
      logger,
    ).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      "ER_STORE_WRITE_FAILED: cannot open PostgreSQL at postgres://redacted@127.0.0.1:1/sluice (schema s): " +
        "migrate failed: connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED); nothing of it was committed",
    );
    expect((error as Error).message).not.toContain("s3cret");
  });
});

describe("several Sluice nodes on one PostgreSQL schema (in process)", () => {
  it("wakes a node's lane at once for events another node ingested (LISTEN/NOTIFY, not polling)", async () => {
    const sim: Simulator = await startSimulator({
      siteId: "site-1",
      apiKey: "key-1",
      openApi: loadTrackOpenApi(),
    });
    cleanup.push(() => sim.close());
    const schema = freshSchemaName();
    cleanup.push(() => dropSchema(schema));
    const result = validateConfig({
      sources: [{ name: "website", writeKey: "wk_nodes_0001" }],
      destinations: [
        {
          name: "cio",
          type: "customerio",
          settings: { siteId: "site-1", apiKey: "key-1", trackUrl: sim.url },
          allow: { events: ["Signed Up"] },
        },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const start = (delivery: "on" | "paused"): Promise<RunningSluice> =>
      startSluice({
        env: readEnv(
          {
            PORT: "0",
            HOST: "127.0.0.1",
            SLUICE_DATABASE_URL: TEST_DATABASE_URL,
            SLUICE_DATABASE_SCHEMA: schema,
            SLUICE_DATABASE_POOL_SIZE: "3",
            SLUICE_DELIVERY: delivery,
          },
          process.cwd(),
        ),
        rawEnv: {},
        config: result.config,
        logger: memoryLogger().logger,
        // An idle lane would look again only after a minute: only a notification can wake it sooner.
        worker: { idlePollMs: 60_000, lingerMs: 0 },
        checkCredentials: false,
      });
    const deliverer = await start("on");
    cleanup.push(() => deliverer.stop());
    const ingest = await start("paused");
    cleanup.push(() => ingest.stop());
    // Let the deliverer's lane go idle (an empty claim, then its one-minute sleep) and LISTEN.
    await (deliverer.store as unknown as { workListening(): Promise<void> }).workListening();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const sentAt = Date.now();
    const response = await fetch(`${ingest.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${btoa("wk_nodes_0001:")}` },
      body: JSON.stringify({ userId: "u1", event: "Signed Up", messageId: "m-wake" }),
    });
    expect(response.status).toBe(200);
    while (!sim.state.eventIds.has("m-wake") && Date.now() - sentAt < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect([...sim.state.eventIds]).toEqual(["m-wake"]);
    expect(Date.now() - sentAt).toBeLessThan(5000);
  });
});
