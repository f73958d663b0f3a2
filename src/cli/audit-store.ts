import { type AuditInput, auditActor } from "../observability/audit.js";
import { readDatabaseEnv } from "../store/open-store.js";
import type {
  AuditChainState,
  AuditListFilter,
  AuditRecord,
  ForgetOptions,
  ForgetResult,
} from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import { readAuditChainThroughPort } from "../store/read-audit-chain.js";
import { appendAuditBeside, readAuditChain, readAuditLog } from "../store/sqlite/sqlite-audit.js";
import { forgetPersonBeside } from "../store/sqlite/sqlite-retention.js";
import { StoreError } from "../store/store-error.js";
import type { CliIo } from "./command.js";
import { databasePath } from "./log-store.js";

/**
 * The audit log and erasure, from the command line, on whichever database Sluice uses: the SQLite
 * file in `SLUICE_DATA_DIR` through connections of their own that leave a running Sluice alone
 * (read-only to read; short IMMEDIATE transactions to write), or PostgreSQL when
 * `SLUICE_DATABASE_URL` is set (the adapter itself, whose appends lock the chain head like every node's).
 */
export interface CliAuditStore {
  readonly kind: "sqlite" | "postgres";
  /** Where the data is, for messages: the SQLite file or the PostgreSQL schema (never a password). */
  readonly location: string;
  appendAudit(entry: AuditInput & { atMs: number }): Promise<AuditRecord>;
  listAudit(filter: AuditListFilter): Promise<AuditRecord[]>;
  /** Every entry and the chain's state, read consistently (one snapshot, or re-read until stable). */
  readChain(): Promise<{ state: AuditChainState; records: AuditRecord[] }>;
  forgetPerson(orderingKey: string, options: ForgetOptions): Promise<ForgetResult>;
  close(): Promise<void>;
}

/**
 * Open the audit store the environment names, run `work` on it and close it.
 *
 * @example
 * const entries = await withCliAuditStore(io, (store) => store.listAudit({ newestFirst: true }));
 */
export async function withCliAuditStore<T>(
  io: CliIo,
  work: (store: CliAuditStore) => Promise<T>,
): Promise<T> {
  const store = await openCliAuditStore(io);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * The audit store of `io.env`: PostgreSQL when `SLUICE_DATABASE_URL` is set, else the SQLite file.
 *
 * @example
 * const store = await openCliAuditStore(io);
 * try { await store.readChain(); } finally { await store.close(); }
 */
export async function openCliAuditStore(io: CliIo): Promise<CliAuditStore> {
  const database = readDatabaseEnv(io.env);
  if ("problem" in database) throw new StoreError("ER_STORE_INVALID_OPTION", database.problem);
  if (database.databaseUrl === null) {
    const path = databasePath(io);
    return {
      kind: "sqlite",
      location: `the SQLite database ${path}`,
      appendAudit: async (entry) => appendAuditBeside(path, entry),
      listAudit: async (filter) => readAuditLog(path, filter),
      readChain: async () => readAuditChain(path),
      forgetPerson: (orderingKey, options) => forgetPersonBeside(path, orderingKey, options),
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
    location: `PostgreSQL schema ${database.databaseSchema}`,
    appendAudit: (entry) => store.appendAudit(entry),
    listAudit: (filter) => store.listAudit(filter),
    readChain: () => readAuditChainThroughPort(store),
    forgetPerson: (orderingKey, options) => store.forgetPerson(orderingKey, options),
    close: () => store.close(),
  };
}

/**
 * Record what a CLI command did, as the person running it (`SLUICE_ACTOR`, else the OS user).
 *
 * @example
 * await auditFromCli(io, { action: "dlq.replay", outcome: "ok", detail: { replayed: 3 } });
 */
export async function auditFromCli(io: CliIo, entry: Omit<AuditInput, "actor">): Promise<AuditRecord> {
  return withCliAuditStore(io, (store) =>
    store.appendAudit({ ...entry, actor: auditActor(io.env), atMs: entry.atMs ?? Date.now() }),
  );
}
