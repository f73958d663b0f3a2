import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import { encryptStore } from "./encrypted-store.js";
import type { Keyring } from "./keyring.js";
import type { Store } from "./port.js";
import { openPostgresStore, POSTGRES_DEFAULTS, type PostgresStore } from "./postgres/postgres-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import { StoreError } from "./store-error.js";

/** The store's part of the environment (read once by `readEnv` in `main.ts`). */
export interface StoreEnv {
  /** `SLUICE_DATA_DIR`, resolved: where the SQLite database lives (unused with PostgreSQL). */
  dataDir: string;
  /** `SLUICE_SQLITE_SYNCHRONOUS`: `FULL` or `NORMAL` (SQLite only). */
  synchronous: "FULL" | "NORMAL";
  /** `SLUICE_DATABASE_URL`: a `postgres://` URL selects PostgreSQL; null (unset) selects SQLite. */
  databaseUrl: string | null;
  /** `SLUICE_DATABASE_SCHEMA`: the PostgreSQL schema holding Sluice's tables. Default `public`. */
  databaseSchema: string;
  /** `SLUICE_DATABASE_POOL_SIZE`: PostgreSQL connections per node for queries (LISTEN is one more). Default 10. */
  databasePoolSize: number;
  /**
   * `SLUICE_LEASE_MS`: how long a claimed delivery stays with the node that claimed it. With PostgreSQL
   * it is how soon another node takes over a dead node's work. Null: the worker default (120,000 ms).
   */
  leaseMs: number | null;
  /**
   * `SLUICE_ENCRYPTION_KEY` / `SLUICE_ENCRYPTION_KEY_FILE`, read by `readKeyring`: event bodies are
   * encrypted at rest (AES-256-GCM) with its current key. Null or absent: stored as plaintext, and
   * `openStore` warns about it.
   */
  keyring?: Keyring | null;
}

/** The database settings of a `StoreEnv`, or the problem with them (a message naming the variable). */
export type DatabaseEnv = Omit<StoreEnv, "dataDir" | "synchronous">;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/**
 * Read `SLUICE_DATABASE_URL`, `SLUICE_DATABASE_SCHEMA`, `SLUICE_DATABASE_POOL_SIZE` and `SLUICE_LEASE_MS`.
 * Returns `{ problem }` (never quoting the URL, which may hold a password) when one is invalid.
 *
 * @example
 * readDatabaseEnv({ SLUICE_DATABASE_URL: "postgres://sluice@db/sluice" }).databaseSchema; // "public"
 * readDatabaseEnv({ SLUICE_DATABASE_URL: "mysql://db" }); // { problem: "SLUICE_DATABASE_URL must ..." }
 */
export function readDatabaseEnv(
  env: Readonly<Record<string, string | undefined>>,
): DatabaseEnv | { problem: string } {
  const url = env["SLUICE_DATABASE_URL"];
  const databaseUrl = url === undefined || url === "" ? null : url;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/./.test(databaseUrl)) {
    return {
      problem: "SLUICE_DATABASE_URL must be a postgres:// or postgresql:// URL (unset it to use SQLite)",
    };
  }
  const databaseSchema = env["SLUICE_DATABASE_SCHEMA"] || POSTGRES_DEFAULTS.schema;
  if (!SCHEMA_NAME.test(databaseSchema)) {
    return {
      problem: "SLUICE_DATABASE_SCHEMA must be 1 to 51 letters, digits or _, not starting with a digit",
    };
  }
  const poolSize = env["SLUICE_DATABASE_POOL_SIZE"];
  const databasePoolSize = poolSize ? Number(poolSize) : POSTGRES_DEFAULTS.poolSize;
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 1 || databasePoolSize > 1000) {
    return { problem: "SLUICE_DATABASE_POOL_SIZE must be an integer from 1 to 1000" };
  }
  const lease = env["SLUICE_LEASE_MS"];
  const leaseMs = lease ? Number(lease) : null;
  if (leaseMs !== null && (!Number.isInteger(leaseMs) || leaseMs < 1000 || leaseMs > 86_400_000)) {
    return { problem: "SLUICE_LEASE_MS must be an integer from 1000 to 86400000 (milliseconds)" };
  }
  return { databaseUrl, databaseSchema, databasePoolSize, leaseMs };
}

/** What `openStore` gives the composition root. */
export interface OpenedStore {
  store: Store;
  kind: "sqlite" | "postgres";
  /**
   * Call `listener` with a destination's name whenever any node commits new deliveries for it
   * (PostgreSQL LISTEN/NOTIFY), so a lane wakes at once for events ingested elsewhere. With SQLite
   * this process is the only writer and ingest notifies its lanes itself: the listener never runs.
   * Returns the unsubscribe.
   */
  onWork(listener: (destination: string) => void): () => void;
  /** Delivery-lane options the environment sets (`SLUICE_LEASE_MS`); the caller's own options win. */
  workerOptions: { leaseMs?: number };
}

/**
 * Open (and migrate) the store the environment names: PostgreSQL when `databaseUrl` is set, else
 * SQLite in `dataDir`. Logs which one at `info` (`store.opened`), the URL without its credentials.
 *
 * @example
 * const { store, onWork } = await openStore(readEnv(process.env, process.cwd()), logger);
 * onWork((destination) => lanes.get(destination)?.notify());
 */
export async function openStore(env: StoreEnv, logger: Logger): Promise<OpenedStore> {
  const workerOptions: { leaseMs?: number } = env.leaseMs === null ? {} : { leaseMs: env.leaseMs };
  if (env.databaseUrl === null) {
    mkdirSync(env.dataDir, { recursive: true });
    const store = openSqliteStore({ path: join(env.dataDir, "sluice.db"), synchronous: env.synchronous });
    await store.migrate();
    logger.info(
      { event: LOG.dataAtRest, store: "sqlite", dataDir: env.dataDir, synchronous: env.synchronous },
      "store opened",
    );
    return {
      store: protectAtRest(store, env, logger),
      kind: "sqlite",
      onWork: () => () => undefined,
      workerOptions,
    };
  }
  const database = printableDatabaseUrl(env.databaseUrl);
  let store: PostgresStore;
  try {
    store = await openPostgresStore({
      url: env.databaseUrl,
      schema: env.databaseSchema,
      poolSize: env.databasePoolSize,
      onBackgroundError: (error) =>
        logger.warn(
          { event: LOG.storeBackgroundError, store: "postgres", err: { message: error.message } },
          "PostgreSQL background error (a dropped idle or LISTEN connection is reopened)",
        ),
    });
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    const reason = error.message.startsWith(`${error.code}: `)
      ? error.message.slice(error.code.length + 2)
      : error.message;
    throw new StoreError(
      error.code,
      `cannot open PostgreSQL at ${database} (schema ${env.databaseSchema}): ${reason}`,
      { cause: error },
    );
  }
  logger.info(
    {
      event: LOG.dataAtRest,
      store: "postgres",
      database,
      schema: env.databaseSchema,
      poolSize: env.databasePoolSize,
    },
    "store opened",
  );
  if (!store.autovacuum)
    logger.warn(
      { event: LOG.storeAutovacuumOff, store: "postgres", database },
      "autovacuum is off on this PostgreSQL server: nothing reclaims the queue tables' dead rows or " +
        "gathers the statistics the delivery claims are planned with, so claims can slow down by orders " +
        "of magnitude; turn it on (see docs/postgres.md)",
    );
  return {
    store: protectAtRest(store, env, logger),
    kind: "postgres",
    onWork: (listener) =>
      store.onWork((destination) => {
        listener(destination);
      }),
    workerOptions,
  };
}

/** The warning Sluice logs at start when no encryption key is configured. */
export const NOT_ENCRYPTED_WARNING =
  "data at rest is NOT encrypted: set SLUICE_ENCRYPTION_KEY or SLUICE_ENCRYPTION_KEY_FILE (see docs/privacy.md)";

/**
 * The store with event bodies encrypted at rest when `env.keyring` is set (logged at `info` with the
 * key id), else the store itself, with a warning that says how to encrypt.
 */
function protectAtRest<S extends Store>(store: S, env: StoreEnv, logger: Logger): S {
  const keyring = env.keyring ?? null;
  if (keyring === null) {
    logger.warn({ event: LOG.dataAtRest, encrypted: false }, NOT_ENCRYPTED_WARNING);
    return store;
  }
  logger.info(
    { event: LOG.dataAtRest, encrypted: true, algorithm: "AES-256-GCM", keyId: keyring.currentKeyId },
    `data at rest: encrypted (AES-256-GCM, key ${keyring.currentKeyId})`,
  );
  return encryptStore(store, keyring);
}

/**
 * A database URL as it may be logged: user name and password masked (as `withoutCredentials` does in
 * `main.ts`), and password-like query parameters (`password`, `sslpassword`) dropped.
 *
 * @example
 * printableDatabaseUrl("postgres://sluice:s3cret@db:5432/sluice?sslmode=require")
 * // "postgres://redacted@db:5432/sluice?sslmode=require"
 */
export function printableDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "[unparseable URL]";
  }
  if (parsed.username !== "" || parsed.password !== "") {
    parsed.username = "redacted";
    parsed.password = "";
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (/password|passfile|sslkey/i.test(name)) parsed.searchParams.delete(name);
  }
  return parsed.toString();
}
