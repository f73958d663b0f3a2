import { StoreError } from "../store-error.js";

/** Options of `openPostgresStore`; every optional member documents its default. */
export interface PostgresStoreOptions {
  /**
   * Connection URL, e.g. `postgres://sluice@db.internal:5432/sluice` (libpq URL syntax; `sslmode` and
   * the like go in its query string). Required.
   */
  url: string;
  /**
   * Schema holding Sluice's tables; created when missing. Several Sluice deployments can share one
   * database in different schemas. Letters, digits and `_`, at most 51 characters. Default `public`.
   */
  schema?: string;
  /** Most connections this node opens for queries (the LISTEN connection is one more). Default 10. */
  poolSize?: number;
  /** A repeated (source, messageId) received less than this after the first copy is a duplicate. Default 24 h. */
  dedupeWindowMs?: number;
  /** Most events one group-commit transaction holds; more waiting calls get further transactions. Default 1000. */
  maxEventsPerCommit?: number;
  /** Dedupe keys deleted per statement by `pruneDedupe` (short transactions, little lock time). Default 5000. */
  pruneBatchSize?: number;
  /** How long to wait for a connection (from the pool, or a new one) before failing. Default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** `application_name` of the pool's connections, as `pg_stat_activity` shows them. Default `sluice`. */
  applicationName?: string;
  /**
   * Errors no caller is waiting for: an idle pooled connection that died, the LISTEN connection
   * dropping and reconnecting, an exception thrown by an `onWork` listener. Default: ignored.
   */
  onBackgroundError?: (error: StoreError) => void;
}

/** The default of every optional `PostgresStoreOptions` member (see each option for its meaning). */
export const POSTGRES_DEFAULTS = {
  schema: "public",
  poolSize: 10,
  dedupeWindowMs: 24 * 60 * 60 * 1000,
  maxEventsPerCommit: 1000,
  pruneBatchSize: 5000,
  connectionTimeoutMs: 10_000,
  applicationName: "sluice",
} as const;

/** Options with every default filled in. */
export type PostgresSettings = Required<Omit<PostgresStoreOptions, "onBackgroundError">> &
  Pick<PostgresStoreOptions, "onBackgroundError">;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/**
 * Options with defaults filled in, or `ER_STORE_INVALID_OPTION` naming the first bad one.
 *
 * @example
 * validatePostgresOptions({ url: "postgres://localhost/sluice" }).schema; // "public"
 */
export function validatePostgresOptions(options: PostgresStoreOptions): PostgresSettings {
  if (typeof options !== "object" || options === null) invalidOption("options must be an object");
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const settings = { ...POSTGRES_DEFAULTS, ...defined } as PostgresSettings;
  if (typeof settings.url !== "string" || settings.url.length === 0) {
    invalidOption("url must be a PostgreSQL connection URL");
  }
  if (typeof settings.schema !== "string" || !SCHEMA_NAME.test(settings.schema)) {
    invalidOption("schema must be 1 to 51 letters, digits or _, not starting with a digit");
  }
  for (const name of [
    "poolSize",
    "dedupeWindowMs",
    "maxEventsPerCommit",
    "pruneBatchSize",
    "connectionTimeoutMs",
  ] as const) {
    const value = settings[name];
    if (!Number.isSafeInteger(value) || value < 1) invalidOption(`${name} must be a positive integer`);
  }
  if (typeof settings.applicationName !== "string") invalidOption("applicationName must be a string");
  return settings;
}

function invalidOption(message: string): never {
  throw new StoreError("ER_STORE_INVALID_OPTION", message);
}
