import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { replayThroughPort } from "../delivery/replay-dead-letters.js";
import type { Store } from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import {
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "../store/postgres/test-support/test-database.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

// `sluice deliveries`, `dlq` and `trace` on PostgreSQL (SLUICE_DATABASE_URL) print exactly what they
// print for the same history on SQLite.

beforeAll(requirePostgres);

const T0 = Date.parse("2026-11-28T12:00:00Z");

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** One history, through the port: 1 failed (207), 2 stopped, 3 failed (400), 4 delivered. */
async function populate(store: Store): Promise<void> {
  const event = (messageId: string, eventType: string, destinations: string[]) => ({
    sourceName: "web",
    messageId,
    eventType,
    receivedAtMs: T0,
    body: JSON.stringify({
      type: eventType,
      messageId,
      userId: "u-CANARY",
      traits: { email: "ada@example.com" },
    }),
    destinations,
  });
  await store.enqueue([
    event("m-1", "track", ["cio", "cio-eu"]),
    event("m-2", "identify", ["cio"]),
    event("m-3", "track", ["cio"]),
  ]);
  const cio = await store.claim("cio", { limit: 10, nowMs: T0 + 1000, leaseMs: 60_000 });
  const leaseToken = cio[0]?.leaseToken ?? "";
  await store.settle(
    [
      {
        deliveryId: 1,
        leaseToken,
        state: "failed",
        stage: "delivery",
        reason: "Customer.io rejected it: invalid (email is not valid)",
        field: "identifiers.email",
        attempts: 1,
        status: 207,
        attempt: { latencyMs: 60 },
      },
      {
        deliveryId: 3,
        leaseToken,
        state: "failed",
        stage: "delivery",
        reason: "rejected (400): malformed request",
        attempts: 1,
        status: 400,
        attempt: { latencyMs: 80 },
      },
      { deliveryId: 4, leaseToken, state: "delivered", attempts: 1, status: 200, attempt: { latencyMs: 95 } },
    ],
    T0 + 1120,
  );
  const [eu] = await store.claim("cio-eu", { limit: 10, nowMs: T0 + 1000, leaseMs: 60_000 });
  await store.settle(
    [
      {
        deliveryId: 2,
        leaseToken: eu?.leaseToken ?? "",
        state: "stopped",
        stage: "allowlist",
        reason: "event name not allowed",
        attempts: 0,
      },
    ],
    T0 + 1001,
  );
}

type RecordingIo = CliIo & { out: string[]; err: string[] };

function recordingIo(env: Record<string, string>, cwd: string): RecordingIo {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), env, cwd };
}

/** The same history in SQLite and in a fresh PostgreSQL schema; `run` runs a command on either. */
async function bothStores() {
  const dir = tempDir();
  cleanup.push(() => dir.remove());
  const sqlite = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
  await populate(sqlite);
  await sqlite.close();
  const schema = freshSchemaName();
  cleanup.push(() => dropSchema(schema));
  const postgres = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
  await populate(postgres);
  await postgres.close();
  const envs = {
    sqlite: { SLUICE_DATA_DIR: "data" },
    // No data dir there: PostgreSQL must be what is read.
    postgres: {
      SLUICE_DATABASE_URL: TEST_DATABASE_URL,
      SLUICE_DATABASE_SCHEMA: schema,
      SLUICE_DATA_DIR: "none",
    },
  };
  return {
    schema,
    async run(kind: keyof typeof envs, argv: string[]) {
      const io = recordingIo(envs[kind], dir.path);
      const code = await runCli(argv, io);
      return { code, out: io.out.join(""), err: io.err.join("") };
    },
  };
}

describe("the log commands on PostgreSQL", () => {
  it("print what they print on SQLite for the same history", async () => {
    const stores = await bothStores();
    const commands = [
      ["deliveries"],
      ["deliveries", "--json"],
      ["deliveries", "--state", "failed", "--destination", "cio"],
      ["dlq", "list"],
      ["dlq", "list", "--json", "--limit", "1"],
      ["dlq", "show", "1"],
      ["dlq", "show", "4"],
      ["dlq", "show", "99"],
      ["trace", "m-1"],
      ["trace", "m-1", "--json"],
      ["trace", "m-404"],
      ["dlq", "replay", "--id", "3", "4", "--dry-run"],
      ["dlq", "replay", "--destination", "cio-eu"],
    ];
    for (const argv of commands) {
      const onPostgres = await stores.run("postgres", argv);
      expect(onPostgres, argv.join(" ")).toEqual(await stores.run("sqlite", argv));
    }
    expect((await stores.run("postgres", ["dlq", "list"])).out.split("\n")).toEqual([
      "id  last attempt              first attempt             destination  source  type      messageId  attempts  status  field              reason",
      "3   2026-11-28T12:00:01.120Z  2026-11-28T12:00:01.120Z  cio          web     identify  m-2        1         400     -                  rejected (400): malformed request",
      "1   2026-11-28T12:00:01.120Z  2026-11-28T12:00:01.120Z  cio          web     track     m-1        1         207     identifiers.email  Customer.io rejected it: invalid (email is not valid)",
      "",
    ]);
    expect(await stores.run("postgres", ["dlq", "replay", "--id", "3", "4", "--dry-run"])).toEqual({
      code: 0,
      out: "1 dead letter(s) would be replayed (dry run: nothing changed)\n",
      err: "",
    });
    const show = await stores.run("postgres", ["dlq", "show", "1"]);
    expect(show.out).toContain('"userId": "<text, 8 chars>"');
    expect(show.out).not.toContain("CANARY");
  });

  it("replays dead letters on PostgreSQL as on SQLite: oldest first, by id, each once", async () => {
    const stores = await bothStores();
    for (const kind of ["sqlite", "postgres"] as const) {
      const replay = await stores.run(kind, ["dlq", "replay", "--all"]);
      expect(replay.code, kind).toBe(0);
      expect(replay.out, kind).toMatch(/^replayed 2 dead letter\(s\): they keep their messageId/);
      const queued = await stores.run(kind, ["deliveries", "--state", "queued", "--json"]);
      const rows = queued.out
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { deliveryId: number; attempts: number; replays: number });
      expect(
        rows.map(({ deliveryId, attempts, replays }) => ({ deliveryId, attempts, replays })),
        kind,
      ).toEqual([
        { deliveryId: 3, attempts: 0, replays: 1 },
        { deliveryId: 1, attempts: 0, replays: 1 },
      ]);
      expect(await stores.run(kind, ["dlq", "list"]), kind).toEqual({
        code: 0,
        out: "no dead letters match\n",
        err: "",
      });
    }
  });

  it("replays fixed matches in chunks through the port, with a limit", async () => {
    const schema = freshSchemaName();
    cleanup.push(() => dropSchema(schema));
    const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    cleanup.push(() => store.close());
    await populate(store);
    const chunks: [number, number][] = [];
    const oldestOnly = await replayThroughPort(
      store,
      { destination: "cio" },
      { nowMs: T0 + 5000, limit: 1, chunkSize: 1, onChunk: (done, total) => chunks.push([done, total]) },
    );
    expect(oldestOnly).toEqual({ matched: 1, replayed: 1 });
    expect(chunks).toEqual([[1, 1]]);
    expect((await store.listDeliveries({ state: "queued" })).map((entry) => entry.deliveryId)).toEqual([1]);
    expect(await replayThroughPort(store, { deliveryIds: [1, 3, 4] }, { nowMs: T0 + 6000 })).toEqual({
      matched: 1,
      replayed: 1,
    });
    expect(await replayThroughPort(store, {}, { nowMs: T0 + 7000 })).toEqual({ matched: 0, replayed: 0 });
  });

  it("says what is wrong with the database settings or the server, with exit 1", async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const bad = recordingIo({ SLUICE_DATABASE_URL: "mysql://root:pw@db/x" }, dir.path);
    expect(await runCli(["deliveries"], bad)).toBe(1);
    expect(bad.err.join("")).toBe(
      "sluice: ER_STORE_INVALID_OPTION: SLUICE_DATABASE_URL must be a postgres:// or postgresql:// URL (unset it to use SQLite)\n",
    );
    const down = recordingIo({ SLUICE_DATABASE_URL: "postgres://u:s3cret@127.0.0.1:1/x" }, dir.path);
    expect(await runCli(["dlq", "list"], down)).toBe(1);
    expect(down.err.join("")).toMatch(/^sluice: ER_STORE_WRITE_FAILED: .*ECONNREFUSED/);
    expect(down.err.join("")).not.toContain("s3cret");
  });
});
