import { join, resolve } from "node:path";
import { readDatabaseEnv } from "../store/open-store.js";
import type {
  AttemptRecord,
  DeliveryLogEntry,
  DeliveryLogFilter,
  ReplayFilter,
  Store,
} from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import {
  type ReplayDeadLettersOptions,
  readAttempts,
  readDeliveryLog,
  readEventBody,
  replayDeadLetters,
} from "../store/sqlite/sqlite-store.js";
import { StoreError } from "../store/store-error.js";
import { validateReplay } from "../store/validate-input.js";
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
  if (database.databaseUrl === null) {
    const path = databasePath(io);
    return {
      kind: "sqlite",
      listDeliveries: async (filter) => readDeliveryLog(path, filter),
      deliveryAttempts: async (deliveryId) => readAttempts(path, deliveryId),
      eventBody: async (deliveryId) => readEventBody(path, deliveryId),
      replayDeadLetters: (filter, options) => replayDeadLetters(path, filter, options),
      close: async () => undefined,
    };
  }
  const store = await openPostgresStore({
    url: database.databaseUrl,
    schema: database.databaseSchema,
    poolSize: 2,
    applicationName: "sluice-cli",
  });
  return {
    kind: "postgres",
    listDeliveries: (filter) => store.listDeliveries(filter),
    deliveryAttempts: (deliveryId) => store.deliveryAttempts(deliveryId),
    eventBody: (deliveryId) => store.eventBody(deliveryId),
    replayDeadLetters: (filter, options) => replayThroughPort(store, filter, options),
    close: () => store.close(),
  };
}

/** Log rows read per query while collecting the dead letters a replay will take. */
const PAGE = 1000;

/**
 * The SQLite replay's steps through the store port: fix the matching dead letters first (oldest
 * first, up to `limit`), then replay them by id in chunks, each its own transaction. A delivery that
 * fails again while a long replay runs is not replayed a second time by a later chunk.
 *
 * @example
 * await replayThroughPort(store, { destination: "cio" }, { nowMs: Date.now() }); // { matched: 3, replayed: 3 }
 */
export async function replayThroughPort(
  store: Pick<Store, "listDeliveries" | "replay">,
  filter: ReplayFilter,
  options: ReplayDeadLettersOptions,
): Promise<{ matched: number; replayed: number }> {
  const chunkSize = options.chunkSize ?? 1000;
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  validateReplay(filter, { nowMs: options.nowMs, limit });
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new StoreError("ER_STORE_INVALID_OPTION", "chunkSize must be a positive integer");
  }
  const ids = (await matchingDeadLetters(store, filter)).slice(0, limit);
  if (options.dryRun === true || ids.length === 0) return { matched: ids.length, replayed: 0 };
  let replayed = 0;
  for (let start = 0; start < ids.length; start += chunkSize) {
    const chunk = ids.slice(start, start + chunkSize);
    replayed += await store.replay({ deliveryIds: chunk }, { nowMs: options.nowMs, limit: chunk.length });
    options.onChunk?.(replayed, ids.length);
  }
  return { matched: ids.length, replayed };
}

/** Ids of the failed deliveries matching `filter`, oldest first. */
async function matchingDeadLetters(
  store: Pick<Store, "listDeliveries">,
  filter: ReplayFilter,
): Promise<number[]> {
  const { deliveryIds, ...rest } = filter;
  const logFilter: DeliveryLogFilter = { ...rest, state: "failed" };
  const ids: number[] = [];
  if (deliveryIds !== undefined) {
    // A few ids: look each one up (the log is newest first, so the first row below id + 1 is it).
    for (const id of [...new Set(deliveryIds)].sort((a, b) => a - b)) {
      const [entry] = await store.listDeliveries({ ...logFilter, beforeId: id + 1, limit: 1 });
      if (entry?.deliveryId === id) ids.push(id);
    }
    return ids;
  }
  for (let beforeId: number | undefined; ; ) {
    const page = await store.listDeliveries({
      ...logFilter,
      limit: PAGE,
      ...(beforeId === undefined ? {} : { beforeId }),
    });
    for (const entry of page) ids.push(entry.deliveryId);
    if (page.length < PAGE) break;
    beforeId = page.at(-1)?.deliveryId;
  }
  return ids.reverse();
}
