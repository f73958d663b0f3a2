import { escapeIdentifier } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { personAuditTarget, userOrderingKey } from "../delivery/erasure.js";
import type { AuditEntry, Store } from "../store/port.js";
import { openPostgresStore, type PostgresStore } from "../store/postgres/postgres-store.js";
import {
  adminQuery,
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "../store/postgres/test-support/test-database.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

// `sluice audit` and `sluice forget` on PostgreSQL (SLUICE_DATABASE_URL) behave as on SQLite.

beforeAll(requirePostgres);

const T0 = Date.parse("2026-11-28T12:00:00Z");
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const ENTRIES: AuditEntry[] = [
  { atMs: T0, actor: "sluice", action: "sluice.start", outcome: "ok", detail: { store: "x" } },
  { atMs: T0 + 1, actor: "ops", action: "payload.view", target: "delivery:1", outcome: "ok" },
  {
    atMs: T0 + 2,
    actor: "ops",
    action: "dlq.replay",
    outcome: "ok",
    detail: { replayed: 2, filter: { all: true } },
  },
];

async function populate(store: Store): Promise<void> {
  for (const entry of ENTRIES) await store.appendAudit(entry);
  const key = userOrderingKey("ada-1");
  await store.enqueue([
    {
      sourceName: "web",
      messageId: "a-1",
      eventType: "track",
      receivedAtMs: T0,
      body: "{}",
      destinations: ["cio"],
      orderingKey: key,
    },
    {
      sourceName: "web",
      messageId: "b-1",
      eventType: "track",
      receivedAtMs: T0,
      body: "{}",
      destinations: ["cio"],
      orderingKey: "other",
    },
  ]);
}

async function bothStores() {
  const dir = tempDir();
  cleanup.push(() => dir.remove());
  const sqlite = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
  await populate(sqlite);
  await sqlite.close();
  const schema = freshSchemaName();
  cleanup.push(() => dropSchema(schema));
  const postgres = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
  cleanup.push(() => postgres.close());
  await populate(postgres);
  const envs = {
    sqlite: { SLUICE_DATA_DIR: "data", SLUICE_ACTOR: "dpo" },
    postgres: {
      SLUICE_DATABASE_URL: TEST_DATABASE_URL,
      SLUICE_DATABASE_SCHEMA: schema,
      SLUICE_DATA_DIR: "none",
      SLUICE_ACTOR: "dpo",
    },
  };
  return {
    postgres,
    async run(kind: keyof typeof envs, argv: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        stdout: (text) => out.push(text),
        stderr: (text) => err.push(text),
        env: envs[kind],
        cwd: dir.path,
      };
      const code = await runCli(argv, io);
      return { code, out: out.join(""), err: err.join("") };
    },
  };
}

describe("sluice audit on PostgreSQL", () => {
  it("prints what it prints on SQLite for the same entries", async () => {
    const stores = await bothStores();
    for (const argv of [
      ["audit", "verify"],
      ["audit", "list"],
      ["audit", "list", "--json", "--limit", "2"],
    ]) {
      const onPostgres = await stores.run("postgres", argv);
      expect(onPostgres.code, argv.join(" ")).toBe(0);
      expect(onPostgres, argv.join(" ")).toEqual(await stores.run("sqlite", argv));
    }
    expect((await stores.run("postgres", ["audit", "verify"])).out).toMatch(
      /^audit log intact: 3 entries, head [0-9a-f]{8}\n$/,
    );
  });

  it("catches an edited entry", async () => {
    const stores = await bothStores();
    await adminQuery(
      `UPDATE ${escapeIdentifier(stores.postgres.schema)}.audit_log SET outcome = 'denied' WHERE seq = 2`,
    );
    expect(await stores.run("postgres", ["audit", "verify"])).toEqual({
      code: 1,
      out: "audit log broken at seq 2: entry 2 was edited: its fields no longer match its hash (edited)\n1 entry before it verified\n",
      err: "",
    });
  });
});

describe("sluice forget on PostgreSQL", () => {
  it("erases locally and audits as on SQLite", async () => {
    const stores = await bothStores();
    for (const kind of ["sqlite", "postgres"] as const) {
      const result = await stores.run(kind, ["forget", "--user-id", "ada-1", "--yes"]);
      expect(result.code, kind).toBe(0);
      expect(result.out.split("\n").slice(0, 1), kind).toEqual([
        kind === "sqlite"
          ? expect.stringMatching(/^removed from the SQLite database .*: 1 deliveries and 1 events$/)
          : expect.stringMatching(/^removed from PostgreSQL schema sluice_t_\w+: 1 deliveries and 1 events$/),
      ]);
    }
    const store: PostgresStore = stores.postgres;
    expect((await store.listDeliveries({})).map((row) => row.messageId)).toEqual(["b-1"]);
    const [last] = await store.listAudit({ newestFirst: true, limit: 1 });
    expect(last).toMatchObject({
      seq: 4,
      actor: "dpo",
      action: "person.forget",
      target: personAuditTarget({ userId: "ada-1" }),
      detail: { local: { deliveries: 1, events: 1, inFlight: 0 }, customerio: [] },
    });
    expect(await stores.run("postgres", ["audit", "verify"])).toMatchObject({ code: 0 });
  });
});
