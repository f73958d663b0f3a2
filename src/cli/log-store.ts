import { join, resolve } from "node:path";
import { replayThroughPort } from "../delivery/replay-dead-letters.js";
import { encryptStore, openBody } from "../store/encrypted-store.js";
import { readKeyring } from "../store/keyring.js";
import { readDatabaseEnv } from "../store/open-store.js";
import type { AttemptRecord, DeliveryLogEntry, DeliveryLogFilter, ReplayFilter } from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import {
  type ReplayDeadLettersOptions,
  readAttempts,
  readDeliveryLog,
  readEventBody,
  replayDeadLetters,
} from "../store/sqlite/sqlite-store.js";
import { StoreError } from "../store/store-error.js";
import type { CliIo } from "./command.js";

/**
 * What the `deliveries`, `dlq` and `trace` commands read and change, on whichever database Sluice
 * uses: the SQLite file in `SLUICE_DATA_DIR` (read-only connections that leave the running Sluice's
 * leases alone), or PostgreSQL when `SLUICE_DATABASE_URL` is set (the adapter itself: PostgreSQL
 * clears no leases when a store opens, so sharing the database with running nodes is safe).
 */
export interface CliLogStore {
  readonly kind: "sqlite" | "postgres";
  listDeliveries(filter: DeliveryLogFilter): Promise<DeliveryLogEntry[]>;
  deliveryAttempts(deliveryId: number): Promise<AttemptRecord[]>;
  eventBody(deliveryId: number): Promise<string | null>;
  /** `replayDeadLetters` of the SQLite adapter, or the same steps through the port on PostgreSQL. */
  replayDeadLetters(
    filter: ReplayFilter,
    options: ReplayDeadLettersOptions,
  ): Promise<{ matched: number; replayed: number }>;
  close(): Promise<void>;
}

/**
 * `${SLUICE_DATA_DIR:-.sluice}/sluice.db`, resolved against the working directory.
 *
 * @example
 * databasePath({ ...io, cwd: "/srv", env: { SLUICE_DATA_DIR: "data" } }) // "/srv/data/sluice.db"
 */
export function databasePath(io: CliIo): string {
  return join(resolve(io.cwd, io.env["SLUICE_DATA_DIR"] ?? ".sluice"), "sluice.db");
}

/**
 * Open the log store the environment names, run `work` on it and close it.
 *
 * @example
 * const failed = await withLogStore(io, (store) => store.listDeliveries({ state: "failed" }));
 */
export async function withLogStore<T>(io: CliIo, work: (store: CliLogStore) => Promise<T>): Promise<T> {
  const store = await openLogStore(io);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * The log store of `io.env`: PostgreSQL when `SLUICE_DATABASE_URL` is set (schema
 * `SLUICE_DATABASE_SCHEMA`), else the SQLite file in `SLUICE_DATA_DIR`.
 *
 * @example
 * const store = await openLogStore(io);
 * try { await store.listDeliveries({ limit: 10 }); } finally { await store.close(); }
 */
export async function openLogStore(io: CliIo): Promise<CliLogStore> {
  const database = readDatabaseEnv(io.env);
  if ("problem" in database) throw new StoreError("ER_STORE_INVALID_OPTION", database.problem);
  // Bodies encrypted at rest are opened with the same keys Sluice uses (SLUICE_ENCRYPTION_KEY[_FILE]).
  const keyring = readKeyring(io.env, io.cwd);
  if (database.databaseUrl === null) {
    const path = databasePath(io);
    return {
      kind: "sqlite",
      listDeliveries: async (filter) => readDeliveryLog(path, filter),
      deliveryAttempts: async (deliveryId) => readAttempts(path, deliveryId),
      eventBody: async (deliveryId) => {
        const stored = readEventBody(path, deliveryId);
        if (stored === null || keyring === null) return stored;
        const [entry] = readDeliveryLog(path, { beforeId: deliveryId + 1, limit: 1 });
        if (entry === undefined || entry.deliveryId !== deliveryId) return null;
        return openBody(keyring, stored, { sourceName: entry.sourceName, messageId: entry.messageId });
      },
      replayDeadLetters: (filter, options) => replayDeadLetters(path, filter, options),
      close: async () => undefined,
    };
  }
  const opened = await openPostgresStore({
    url: database.databaseUrl,
    schema: database.databaseSchema,
    poolSize: 2,
    applicationName: "sluice-cli",
  });
  const store = keyring === null ? opened : encryptStore(opened, keyring);
  return {
    kind: "postgres",
    listDeliveries: (filter) => store.listDeliveries(filter),
    deliveryAttempts: (deliveryId) => store.deliveryAttempts(deliveryId),
    eventBody: (deliveryId) => store.eventBody(deliveryId),
    replayDeadLetters: (filter, options) => replayThroughPort(store, filter, options),
    close: () => store.close(),
  };
}
