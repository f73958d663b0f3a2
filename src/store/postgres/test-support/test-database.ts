import { randomUUID } from "node:crypto";
import { Client, escapeIdentifier } from "pg";
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from "../postgres-store.js";

/**
 * The database the PostgreSQL tests use: `SLUICE_TEST_DATABASE_URL`, by default the local server's
 * `test` database. Each test works in its own schema and drops it afterwards.
 */
export const TEST_DATABASE_URL =
  process.env.SLUICE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const START_HINT =
  "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` " +
  "(.ci/run does this), or point SLUICE_TEST_DATABASE_URL at a reachable server";

/** The URL without its password, for messages. */
function printableUrl(): string {
  try {
    const url = new URL(TEST_DATABASE_URL);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable SLUICE_TEST_DATABASE_URL)";
  }
}

/**
 * Throw (failing the whole file, in CI and locally alike: these tests never skip) unless the test
 * database answers. Use as a top-level `beforeAll(requirePostgres)`.
 *
 * @example
 * beforeAll(requirePostgres);
 */
export async function requirePostgres(): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
    throw new Error(`PostgreSQL is not reachable at ${printableUrl()} (${reason}): ${START_HINT}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A schema name no other test uses.
 *
 * @example
 * const schema = freshSchemaName(); // "sluice_t_3f2a..."
 */
export function freshSchemaName(): string {
  return `sluice_t_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/**
 * Run `sql` on a short-lived connection of its own (not a store's pool) and return the rows.
 *
 * @example
 * const rows = await adminQuery<{ n: string }>("SELECT count(*) AS n FROM pg_namespace");
 */
export async function adminQuery<Row = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

/**
 * Drop a test schema and everything in it.
 *
 * @example
 * await dropSchema(schema);
 */
export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
}

/**
 * Stores opened by a test, closed and their schemas dropped by `cleanup()` (call it in `afterEach`).
 *
 * @example
 * const stores = testStores();
 * afterEach(() => stores.cleanup());
 * const store = await stores.open();
 */
export function testStores() {
  const opened: PostgresStore[] = [];
  const schemas = new Set<string>();
  return {
    /** A store on `schema` (a fresh one by default); several calls with one schema act as several nodes. */
    async open(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
      const schema = options.schema ?? freshSchemaName();
      schemas.add(schema);
      const store = await openPostgresStore({ url: TEST_DATABASE_URL, ...options, schema });
      opened.push(store);
      return store;
    },
    /** Remember a schema created another way, so cleanup drops it. */
    track(schema: string): void {
      schemas.add(schema);
    },
    async cleanup(): Promise<void> {
      for (const store of opened.splice(0)) await store.close();
      for (const schema of [...schemas]) await dropSchema(schema);
      schemas.clear();
    },
  };
}
