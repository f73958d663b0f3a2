import { type CustomTypesConfig, escapeIdentifier, Pool, type PoolClient, types as pgTypes } from "pg";
import { newLeaseToken } from "../lease-token.js";
import type {
  AttemptRecord,
  AuditChainState,
  AuditEntry,
  AuditListFilter,
  AuditRecord,
  BodyReplacement,
  ClaimedDelivery,
  ClaimOptions,
  ConfigDocumentReplacement,
  ConfigDraftRecord,
  ConfigVersionRecord,
  ConfigVersionSummary,
  DeliveryLogEntry,
  DeliveryLogFilter,
  DeliveryOutcome,
  DestinationState,
  EnqueueEvent,
  EnqueueResult,
  EventSample,
  EventStats,
  ForgetOptions,
  ForgetResult,
  NewEventSample,
  OutcomeCounts,
  PublishConfigInput,
  PurgeOptions,
  PurgeResult,
  QueueStats,
  ReplayFilter,
  SampleBodyReplacement,
  SampleFilter,
  SeenPath,
  SeenPathFilter,
  SeenPathUpdate,
  SessionRecord,
  SessionWithUser,
  SettleResult,
  StatsRange,
  Store,
  StoredBody,
  StoredConfigDocument,
  StoredEventSample,
  StoredSampleBody,
  UserChanges,
  UserRecord,
  UserWriteResult,
} from "../port.js";
import { GroupCommit, type GroupCommitStats } from "../sqlite/group-commit.js";
import { StoreError } from "../store-error.js";
import {
  validateListBodies,
  validateListPage,
  validateReplaceBodies,
  validateReplaceConfigDocuments,
  validateReplaceSampleBodies,
} from "../validate-bodies.js";
import {
  requireEpochMs,
  validateClaim,
  validateDestinationState,
  validateEnqueueEvents,
  validateLogFilter,
  validateOutcomes,
  validateReplay,
} from "../validate-input.js";
import { chooseClaim, extraCandidates, type KeyRunRow, type WindowRow } from "./claim-order.js";
import { type EnqueueGroupContext, writeEnqueueGroup } from "./enqueue-group.js";
import { applyPostgresMigrations, POSTGRES_MIGRATIONS } from "./migrations.js";
import { isLockTimeout, isRetryable, storeFailure } from "./pg-errors.js";
import { storableEvents, storableOutcome, storableText } from "./pg-text.js";
import {
  appendAuditPostgres,
  auditStatePostgres,
  listAuditPostgres,
  type PostgresRunner,
} from "./postgres-audit.js";
import * as config from "./postgres-config.js";
import * as observe from "./postgres-observe.js";
import {
  type PostgresSettings,
  type PostgresStoreOptions,
  validatePostgresOptions,
} from "./postgres-options.js";
import { forgetPersonPostgres, purgePostgres } from "./postgres-retention.js";
import {
  countUsersPostgres,
  createSessionPostgres,
  createUserPostgres,
  deleteExpiredSessionsPostgres,
  deleteSessionPostgres,
  deleteUserPostgres,
  getSessionPostgres,
  getUserPostgres,
  listUsersPostgres,
  touchSessionPostgres,
  updateUserPostgres,
} from "./postgres-users.js";
import { settleRunParameters, settleRuns } from "./settle-runs.js";
import { LOG_WHERE, type PostgresStatements, postgresStatements, REPLAY_WHERE } from "./statements.js";
import {
  replaceBodiesParameters,
  replaceConfigDocumentsParameters,
  replaceSampleBodiesParameters,
  storedBodiesStatements,
} from "./stored-bodies.js";
import { WorkChannel, type WorkListener } from "./work-channel.js";

export { POSTGRES_DEFAULTS, type PostgresStoreOptions } from "./postgres-options.js";

/** The PostgreSQL store: the port plus what only a shared, networked database offers. */
export interface PostgresStore extends Store {
  readonly schema: string;
  /** The NOTIFY channel: `sluice_work` for the `public` schema, `sluice_work_<schema>` for any other. */
  readonly channel: string;
  /**
   * Call `listener` with a destination's name whenever any node commits new deliveries for it
   * (enqueue or replay), and, after the LISTEN connection (re)connects, once for every destination
   * with waiting work. Starts the dedicated LISTEN connection on first use. Returns the unsubscribe.
   */
  onWork(listener: WorkListener): () => void;
  /** Resolves once the LISTEN connection started by `onWork` is listening. */
  workListening(): Promise<void>;
  /** Group-commit counters since open: `commits` < `calls` means enqueue calls shared transactions. */
  groupCommitStats(): GroupCommitStats;
  /**
   * Whether the server's autovacuum was on when the store opened. Off, nothing vacuums the queue
   * tables and nothing gathers the statistics the claim's plans depend on (see docs/postgres.md).
   */
  readonly autovacuum: boolean;
  /** Times this node ANALYZEd `deliveries` because the planner's statistics lagged the queue (see claim). */
  readonly statisticsRefreshes: number;
  /** The cluster-wide token bucket of the port (`rate_limits` table, one atomic upsert per token). */
  takeRequestTokens(key: string, ratePerSecond: number, burst: number, nowMs: number): Promise<number>;
  /** The port's stored-text methods (key rotation): always present on this adapter. */
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
  listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]>;
  replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number>;
  listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]>;
  replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number>;
}

/** A claim window at least this large checks whether the planner's idea of the queue is stale. */
const STATISTICS_CHECK_WINDOW = 100;
/** How often (real time, per node) that check runs at most. */
const STATISTICS_CHECK_EVERY_MS = 60_000;

/** Attempts of a transaction that hit a deadlock or serialization failure before giving up. */
const MAX_TRANSACTION_ATTEMPTS = 3;

/** `bigint` (and `bigint[]`) as JS numbers: every id and epoch-ms value Sluice stores is a safe integer. */
const INT8 = 20;
const INT8_ARRAY = 1016;
/** pg-types' own lookup, typed by plain OIDs (its `TypeId` enum lacks the array types). */
const builtinParser = pgTypes.getTypeParser as (oid: number, format?: "text" | "binary") => unknown;
const parseInt8Array = builtinParser(INT8_ARRAY, "text") as (value: string) => (string | null)[];
const TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8) return (value: string) => Number(value);
    if (oid === INT8_ARRAY)
      return (value: string) => parseInt8Array(value).map((item) => (item === null ? null : Number(item)));
    return builtinParser(oid, format);
  },
} as CustomTypesConfig;

/**
 * Connect to PostgreSQL, apply migrations (serialised across nodes by an advisory lock) and return
 * the store. Unlike SQLite it clears no leases at open: other nodes may hold them; a crashed node's
 * leases simply run out.
 *
 * @example
 * const store = await openPostgresStore({ url: process.env.SLUICE_DATABASE_URL!, schema: "sluice" });
 * const stop = store.onWork((destination) => workers.get(destination)?.notify());
 * await store.enqueue([{ sourceName: "web", messageId: "m1", eventType: "track",
 *   receivedAtMs: Date.now(), body: "{}", destinations: ["customerio"] }]);
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const settings = validatePostgresOptions(options);
  const pool = new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    application_name: settings.applicationName,
    types: TYPES,
  });
  const report = (error: unknown) => settings.onBackgroundError?.(storeFailure("background work", error));
  pool.on("error", report);
  try {
    const store = new PostgresStoreImpl(pool, settings, report);
    await store.migrate();
    await store.lookUpSequencesAndAutovacuum();
    return store;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw storeFailure("open", error);
  }
}

class PostgresStoreImpl implements PostgresStore {
  readonly schema: string;
  readonly channel: string;
  private closed = false;
  private readonly sql: PostgresStatements;
  private readonly groupCommit: GroupCommit<EnqueueEvent, EnqueueResult>;
  private readonly work: WorkChannel;
  private workStarted = false;
  autovacuum = true;
  private statisticsCheckedAtMs = Number.NEGATIVE_INFINITY;
  private statisticsRefreshCount = 0;
  private sequences: EnqueueGroupContext["sequences"] | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly settings: PostgresSettings,
    report: (error: unknown) => void,
  ) {
    this.schema = settings.schema;
    this.channel = settings.schema === "public" ? "sluice_work" : `sluice_work_${settings.schema}`;
    this.sql = postgresStatements(settings.schema);
    this.groupCommit = new GroupCommit(
      (calls) =>
        // Not `transaction`: a group is usually one statement, and writeEnqueueGroup opens one otherwise.
        this.withClient("enqueue", false, (client) =>
          writeEnqueueGroup(client, calls, {
            sql: this.sql,
            dedupeWindowMs: settings.dedupeWindowMs,
            sequences: this.requireSequences(),
            channel: this.channel,
          }),
        ),
      settings.maxEventsPerCommit,
    );
    this.work = new WorkChannel({
      connection: {
        connectionString: settings.url,
        connectionTimeoutMillis: settings.connectionTimeoutMs,
        // Names the connection in pg_stat_activity (63 bytes at most; longer names are cut).
        application_name: `${settings.applicationName}-listen:${settings.schema}`,
        types: TYPES,
      },
      channel: this.channel,
      waitingDestinations: async () =>
        (await this.pool.query<{ destination: string }>(this.sql.waitingDestinations)).rows.map(
          (row) => row.destination,
        ),
      onError: report,
    });
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeFailure("migrate", error);
    }
    let broken = false;
    try {
      await applyPostgresMigrations(client, this.schema, POSTGRES_MIGRATIONS);
    } catch (error) {
      // A database error may have left the connection unusable: discard it rather than pool it.
      broken = !(error instanceof StoreError);
      throw storeFailure("migrate", error);
    } finally {
      client.release(broken);
    }
  }

  /** Called once by `openPostgresStore`, after the tables exist; also reads the server's autovacuum. */
  async lookUpSequencesAndAutovacuum(): Promise<void> {
    const { rows } = await this.pool.query<{ events: string; deliveries: string; autovacuum: boolean }>(
      this.sql.sequences,
      [`${escapeIdentifier(this.schema)}.events`, `${escapeIdentifier(this.schema)}.deliveries`],
    );
    const row = rows[0];
    if (row === undefined) throw new Error("identity sequences not found");
    this.sequences = { events: row.events, deliveries: row.deliveries };
    this.autovacuum = row.autovacuum;
  }

  async enqueue(events: readonly EnqueueEvent[]): Promise<EnqueueResult[]> {
    this.assertOpen();
    const copies = storableEvents(validateEnqueueEvents(events));
    if (copies.length === 0) return [];
    return this.groupCommit.submit(copies);
  }

  async claim(destination: string, options: ClaimOptions): Promise<ClaimedDelivery[]> {
    this.assertOpen();
    validateClaim(destination, options);
    const name = storableText(destination, "destination");
    const { limit, nowMs, leaseMs } = options;
    return this.transaction("claim", async (client) => {
      const window = (await client.query<WindowRow>(this.sql.selectReadyWindow, [name, nowMs, limit])).rows;
      if (window.length === 0) return [];
      // In window order: keyRuns reads the keys in this order, up to the limit in all.
      const keys = [...new Set(window.flatMap((row) => (row.orderingKey === null ? [] : [row.orderingKey])))];
      let keyRuns: KeyRunRow[] = [];
      const locked = new Set<number>();
      if (keys.length > 0) {
        if (window.length >= STATISTICS_CHECK_WINDOW)
          await this.refreshStaleQueueStatistics(client, window.length);
        keyRuns = (await client.query<KeyRunRow>(this.sql.keyRuns, [name, keys, nowMs, limit])).rows;
        const candidates = extraCandidates(window, keyRuns, limit);
        if (candidates.length > 0) {
          const { rows } = await client.query<{ id: number }>(this.sql.lockReady, [candidates, nowMs]);
          for (const row of rows) locked.add(row.id);
        }
      }
      const chosen = chooseClaim(window, keyRuns, locked, limit);
      if (chosen.length === 0) return [];
      const { rows } = await client.query<ClaimedDelivery>(this.sql.leaseAndFetch, [
        chosen,
        nowMs + leaseMs,
        newLeaseToken(),
      ]);
      const byId = new Map(rows.map((row) => [row.deliveryId, row]));
      return chosen.flatMap((id) => {
        const row = byId.get(id);
        return row === undefined ? [] : [row];
      });
    });
  }

  /**
   * ANALYZE `deliveries` when the planner believes fewer rows are waiting than one claim window just
   * saw. Statistics gathered while the queue was empty (or never gathered: a new table, autovacuum off)
   * make both waiting indexes look empty, and the planner then may answer `keyRuns` from the waiting
   * index in id order, filtered by person: one pass over the whole queue per person in the window
   * (measured: 8.6 s for a 2,000-delivery claim on a 14,000-event backlog, instead of 20 ms). Autovacuum
   * would analyze too, but only after 2 % of the table changed and its next round. Checked at most
   * once a minute per node (one catalog read); one node at a time analyzes (an advisory lock), inside
   * the claim's transaction, so this very claim is planned with the new statistics.
   */
  private async refreshStaleQueueStatistics(client: PoolClient, waiting: number): Promise<void> {
    const now = Date.now();
    if (now - this.statisticsCheckedAtMs < STATISTICS_CHECK_EVERY_MS) return;
    this.statisticsCheckedAtMs = now;
    const { rows } = await client.query<{ believed: number | null }>(this.sql.waitingIndexTuples, [
      `${escapeIdentifier(this.schema)}.deliveries_waiting`,
    ]);
    if ((rows[0]?.believed ?? 0) >= waiting) return;
    const { rows: lock } = await client.query<{ locked: boolean }>(this.sql.tryAnalyzeLock, [this.schema]);
    if (lock[0]?.locked !== true) return;
    // ANALYZE waits for a VACUUM of the table (an anti-wraparound one does not give way), while this
    // claim holds its rows: give up after a moment, inside a savepoint, and claim with the old plan.
    await client.query("SAVEPOINT sluice_analyze");
    try {
      await client.query("SET LOCAL lock_timeout = 1000");
      await client.query(this.sql.analyzeDeliveries);
      await client.query("SET LOCAL lock_timeout = DEFAULT");
      await client.query("RELEASE SAVEPOINT sluice_analyze");
      this.statisticsRefreshCount += 1;
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      await client.query("ROLLBACK TO SAVEPOINT sluice_analyze");
    }
  }

  get statisticsRefreshes(): number {
    return this.statisticsRefreshCount;
  }

  async settle(outcomes: readonly DeliveryOutcome[], nowMs: number): Promise<SettleResult> {
    this.assertOpen();
    validateOutcomes(outcomes, nowMs);
    if (outcomes.length === 0) return { stale: 0 };
    const runs = settleRuns(outcomes.map(storableOutcome));
    return this.transaction("settle", async (client) => {
      const finished = new Set<number>();
      let stale = 0;
      for (const run of runs) {
        const { rows } = await client.query<{ changed: number; eventSeqs: number[] }>(
          this.sql.settleRun,
          settleRunParameters(run, nowMs),
        );
        const result = rows[0] ?? { changed: 0, eventSeqs: [] };
        for (const seq of result.eventSeqs) finished.add(seq);
        if (result.changed === run.ids.length) continue;
        // Fewer changed than given: some were stale (terminal already, or claimed again under another
        // lease token: ignored) or some id is unknown.
        const unknown = await client.query<{ id: number }>(this.sql.firstUnknownDelivery, [run.ids]);
        const id = unknown.rows[0]?.id;
        if (id !== undefined) {
          throw new StoreError("ER_STORE_UNKNOWN_DELIVERY", `delivery ${id} does not exist`);
        }
        stale += run.ids.length - Number(result.changed);
      }
      if (finished.size > 0) await client.query(this.sql.dropUnneededBodies, [[...finished]]);
      return { stale };
    });
  }

  async nextWakeMs(destination: string): Promise<number | null> {
    this.assertOpen();
    const name = storableText(destination, "destination");
    const rows = await this.query<{ wakeMs: number | null }>("nextWakeMs", this.sql.nextWake, [name]);
    return rows[0]?.wakeMs ?? null;
  }

  async listDeliveries(filter: DeliveryLogFilter): Promise<DeliveryLogEntry[]> {
    this.assertOpen();
    const limit = validateLogFilter(filter);
    const where: string[] = [];
    const params: unknown[] = [];
    for (const key of Object.keys(LOG_WHERE) as (keyof typeof LOG_WHERE)[]) {
      const value = filter[key];
      if (value === undefined) continue;
      params.push(typeof value === "string" ? storableText(value, `filter.${key}`) : value);
      where.push(LOG_WHERE[key].replace("$n", `$${params.length}`));
    }
    params.push(limit);
    return this.query<DeliveryLogEntry>(
      "listDeliveries",
      this.sql.listDeliveries(where, params.length),
      params,
    );
  }

  async deliveryAttempts(deliveryId: number): Promise<AttemptRecord[]> {
    this.assertOpen();
    requireEpochMs(deliveryId, "deliveryId");
    const rows = await this.query<{ history: unknown }>("deliveryAttempts", this.sql.attemptHistory, [
      deliveryId,
    ]);
    return parseAttemptHistory(rows[0]?.history ?? null);
  }

  async replay(filter: ReplayFilter, options: { nowMs: number; limit: number }): Promise<number> {
    this.assertOpen();
    validateReplay(filter, options);
    const where: string[] = [];
    const params: unknown[] = [options.nowMs, options.limit];
    for (const key of ["destination", "messageId", "deliveryIds", "fromMs", "toMs"] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      params.push(typeof value === "string" ? storableText(value, `filter.${key}`) : value);
      where.push(REPLAY_WHERE[key].replace("$n", `$${params.length}`));
    }
    return this.transaction("replay", async (client) => {
      const { rows } = await client.query<{ destination: string }>(this.sql.replay(where), params);
      const destinations = [...new Set(rows.map((row) => row.destination))];
      if (destinations.length > 0) await client.query(this.sql.notifyWork, [this.channel, destinations]);
      return rows.length;
    });
  }

  async queueStats(nowMs: number): Promise<QueueStats[]> {
    this.assertOpen();
    requireEpochMs(nowMs, "nowMs");
    const rows = await this.query<{
      destination: string;
      waiting: number;
      retrying: number;
      oldestCreatedAtMs: number;
    }>("queueStats", this.sql.queueStats, []);
    return rows.map((row) => ({
      destination: row.destination,
      waiting: row.waiting,
      retrying: row.retrying,
      oldestAgeMs: Math.max(0, nowMs - row.oldestCreatedAtMs),
    }));
  }

  async outcomeCounts(sinceMs: number): Promise<OutcomeCounts[]> {
    this.assertOpen();
    requireEpochMs(sinceMs, "sinceMs");
    return this.query<OutcomeCounts>("outcomeCounts", this.sql.outcomeCounts, [sinceMs]);
  }

  async eventBody(deliveryId: number): Promise<string | null> {
    this.assertOpen();
    requireEpochMs(deliveryId, "deliveryId");
    const rows = await this.query<{ body: string }>("eventBody", this.sql.eventBody, [deliveryId]);
    return rows[0]?.body ?? null;
  }

  async getDestinationState(name: string): Promise<DestinationState | null> {
    this.assertOpen();
    const key = storableText(String(name), "name");
    const rows = await this.query<DestinationState>("getDestinationState", this.sql.getDestinationState, [
      key,
    ]);
    return rows[0] ?? null;
  }

  async setDestinationState(state: DestinationState): Promise<void> {
    this.assertOpen();
    validateDestinationState(state);
    const text = (value: string | null, name: string) => (value === null ? null : storableText(value, name));
    await this.query("setDestinationState", this.sql.setDestinationState, [
      storableText(state.name, "state.name"),
      state.status,
      text(state.reason, "state.reason"),
      text(state.credentialsFingerprint, "state.credentialsFingerprint"),
      state.updatedAtMs,
    ]);
  }

  async pruneDedupe(olderThanMs: number): Promise<number> {
    this.assertOpen();
    requireEpochMs(olderThanMs, "olderThanMs");
    const batch = this.settings.pruneBatchSize;
    let removed = 0;
    // Each batch is its own short transaction: no long lock, and vacuum can reclaim as it goes.
    while (!this.closed) {
      let deleted: number;
      try {
        deleted = (await this.pool.query(this.sql.pruneDedupeBatch, [olderThanMs, batch])).rowCount ?? 0;
      } catch (error) {
        throw storeFailure("pruneDedupe", error);
      }
      removed += deleted;
      if (deleted < batch) break;
    }
    return removed;
  }

  async takeRequestTokens(key: string, ratePerSecond: number, burst: number, nowMs: number): Promise<number> {
    this.assertOpen();
    const name = storableText(String(key), "key");
    if (name.length === 0) throw new StoreError("ER_STORE_INVALID_INPUT", "key must be a non-empty string");
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new StoreError("ER_STORE_INVALID_INPUT", "ratePerSecond must be a positive number");
    }
    if (!Number.isFinite(burst) || burst < 1) {
      throw new StoreError("ER_STORE_INVALID_INPUT", "burst must be a number of at least 1");
    }
    requireEpochMs(nowMs, "nowMs");
    const rows = await this.query<{ tokens: number }>("takeRequestTokens", this.sql.takeRequestToken, [
      name,
      ratePerSecond,
      burst,
      nowMs,
    ]);
    const tokens = rows[0]?.tokens ?? 0;
    return tokens >= 0 ? 0 : Math.ceil((-tokens / ratePerSecond) * 1000);
  }

  async listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]> {
    this.assertOpen();
    validateListBodies(afterEventSeq, limit);
    return this.query<StoredBody>("listBodies", storedBodiesStatements(this.schema).listBodies, [
      afterEventSeq,
      limit,
    ]);
  }

  async replaceBodies(rows: readonly BodyReplacement[]): Promise<number> {
    this.assertOpen();
    const checked = validateReplaceBodies(rows);
    if (checked.length === 0) return 0;
    const parameters = replaceBodiesParameters(checked);
    const sql = storedBodiesStatements(this.schema);
    return this.transaction("replaceBodies", async (client) => {
      await client.query(sql.lockBodies, [parameters[0]]);
      return (await client.query(sql.replaceBodies, parameters)).rowCount ?? 0;
    });
  }

  async listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]> {
    this.assertOpen();
    validateListPage("afterVersion", afterVersion, limit);
    const sql = storedBodiesStatements(this.schema);
    const versions = await this.query<StoredConfigDocument>("listConfigDocuments", sql.listConfigVersions, [
      afterVersion,
      limit,
    ]);
    if (versions.length === limit) return versions;
    const draft = await this.query<StoredConfigDocument>("listConfigDocuments", sql.getDraftDocument, []);
    return [...versions, ...draft];
  }

  async replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number> {
    this.assertOpen();
    const checked = validateReplaceConfigDocuments(rows);
    if (checked.length === 0) return 0;
    const { versions, draft } = replaceConfigDocumentsParameters(checked);
    const sql = storedBodiesStatements(this.schema);
    return this.transaction("replaceConfigDocuments", async (client) => {
      let replaced = 0;
      if (versions[0].length > 0) {
        replaced += (await client.query(sql.replaceConfigVersions, versions)).rowCount ?? 0;
      }
      if (draft !== null) replaced += (await client.query(sql.replaceDraftDocument, draft)).rowCount ?? 0;
      return replaced;
    });
  }

  async listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]> {
    this.assertOpen();
    validateListPage("afterId", afterId, limit);
    return this.query<StoredSampleBody>(
      "listSampleBodies",
      storedBodiesStatements(this.schema).listSampleBodies,
      [afterId, limit],
    );
  }

  async replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number> {
    this.assertOpen();
    const checked = validateReplaceSampleBodies(rows);
    if (checked.length === 0) return 0;
    const parameters = replaceSampleBodiesParameters(checked);
    const sql = storedBodiesStatements(this.schema);
    return this.transaction("replaceSampleBodies", async (client) => {
      await client.query(sql.lockSamples, [parameters[0]]);
      return (await client.query(sql.replaceSampleBodies, parameters)).rowCount ?? 0;
    });
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    this.assertOpen();
    return appendAuditPostgres(this.runner(), entry);
  }

  async listAudit(filter: AuditListFilter): Promise<AuditRecord[]> {
    this.assertOpen();
    return listAuditPostgres(this.runner(), filter);
  }

  async auditState(): Promise<AuditChainState> {
    this.assertOpen();
    return auditStatePostgres(this.runner());
  }

  async purge(options: PurgeOptions): Promise<PurgeResult> {
    this.assertOpen();
    return purgePostgres(this.runner(), options);
  }

  async forgetPerson(orderingKey: string, options: ForgetOptions): Promise<ForgetResult> {
    this.assertOpen();
    return forgetPersonPostgres(this.runner(), orderingKey, options);
  }

  async countUsers(): Promise<number> {
    this.assertOpen();
    return countUsersPostgres(this.runner());
  }

  async getUser(name: string): Promise<UserRecord | null> {
    this.assertOpen();
    return getUserPostgres(this.runner(), name);
  }

  async listUsers(): Promise<UserRecord[]> {
    this.assertOpen();
    return listUsersPostgres(this.runner());
  }

  async createUser(user: UserRecord, options?: { onlyIfNoUsers?: boolean }): Promise<UserWriteResult> {
    this.assertOpen();
    return createUserPostgres(this.runner(), user, options);
  }

  async updateUser(name: string, changes: UserChanges): Promise<UserWriteResult> {
    this.assertOpen();
    return updateUserPostgres(this.runner(), name, changes);
  }

  async deleteUser(name: string): ReturnType<Store["deleteUser"]> {
    this.assertOpen();
    return deleteUserPostgres(this.runner(), name);
  }

  async createSession(session: SessionRecord): Promise<boolean> {
    this.assertOpen();
    return createSessionPostgres(this.runner(), session);
  }

  async getSession(idHash: string): Promise<SessionWithUser | null> {
    this.assertOpen();
    return getSessionPostgres(this.runner(), idHash);
  }

  async touchSession(idHash: string, lastSeenAtMs: number, expiresAtMs: number): Promise<void> {
    this.assertOpen();
    await touchSessionPostgres(this.runner(), idHash, lastSeenAtMs, expiresAtMs);
  }

  async deleteSession(idHash: string): Promise<boolean> {
    this.assertOpen();
    return deleteSessionPostgres(this.runner(), idHash);
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    this.assertOpen();
    return deleteExpiredSessionsPostgres(this.runner(), nowMs);
  }

  async publishConfigVersion(input: PublishConfigInput): Promise<number> {
    this.assertOpen();
    return config.publishConfigVersionPostgres(this.runner(), input);
  }

  async latestConfigVersion(): Promise<ConfigVersionRecord | null> {
    this.assertOpen();
    return config.latestConfigVersionPostgres(this.runner());
  }

  async latestConfigVersionNumber(): Promise<number | null> {
    this.assertOpen();
    return config.latestConfigVersionNumberPostgres(this.runner());
  }

  async getConfigVersion(version: number): Promise<ConfigVersionRecord | null> {
    this.assertOpen();
    return config.getConfigVersionPostgres(this.runner(), version);
  }

  async listConfigVersions(filter: { limit: number; before?: number }): Promise<ConfigVersionSummary[]> {
    this.assertOpen();
    return config.listConfigVersionsPostgres(this.runner(), filter);
  }

  async getConfigDraft(): Promise<ConfigDraftRecord | null> {
    this.assertOpen();
    return config.getConfigDraftPostgres(this.runner());
  }

  async saveConfigDraft(draft: ConfigDraftRecord): Promise<void> {
    this.assertOpen();
    await config.saveConfigDraftPostgres(this.runner(), draft);
  }

  async deleteConfigDraft(): Promise<boolean> {
    this.assertOpen();
    return config.deleteConfigDraftPostgres(this.runner());
  }

  async recordSamples(samples: readonly NewEventSample[]): Promise<void> {
    this.assertOpen();
    await observe.recordSamplesPostgres(this.runner(), samples);
  }

  async listSamples(filter: SampleFilter): Promise<EventSample[]> {
    this.assertOpen();
    return observe.listSamplesPostgres(this.runner(), filter);
  }

  async getSample(id: number): Promise<StoredEventSample | null> {
    this.assertOpen();
    return observe.getSamplePostgres(this.runner(), id);
  }

  async recordSeenPaths(paths: readonly SeenPathUpdate[]): Promise<void> {
    this.assertOpen();
    await observe.recordSeenPathsPostgres(this.runner(), paths);
  }

  async listSeenPaths(filter: SeenPathFilter): Promise<SeenPath[]> {
    this.assertOpen();
    return observe.listSeenPathsPostgres(this.runner(), filter);
  }

  async eventStats(range: StatsRange): Promise<EventStats> {
    this.assertOpen();
    return observe.eventStatsPostgres(this.runner(), range);
  }

  /** This store's schema and transactions, for the audit and retention functions. */
  private runner(): PostgresRunner {
    return {
      schema: this.schema,
      transaction: (operation, work) => this.transaction(operation, work),
      query: (operation, text, params) => this.query(operation, text, params),
      closed: () => this.closed,
    };
  }

  onWork(listener: WorkListener): () => void {
    this.assertOpen();
    this.workStarted = true;
    return this.work.subscribe(listener);
  }

  workListening(): Promise<void> {
    this.assertOpen();
    return this.workStarted ? this.work.listening() : Promise.resolve();
  }

  groupCommitStats(): GroupCommitStats {
    return this.groupCommit.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.groupCommit.drain();
    await this.work.close();
    await this.pool.end();
  }

  /**
   * Run `work` in a transaction on one pooled connection. A deadlock or serialization failure runs it
   * again (nothing was committed); other errors become `ER_STORE_WRITE_FAILED` (a `StoreError` thrown
   * by `work` passes through). A connection that fails to roll back is discarded, not reused.
   */
  private transaction<T>(operation: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(operation, true, work);
  }

  /**
   * Run `work` on a pooled connection, inside BEGIN/COMMIT when `transaction` (else `work` manages
   * its own), retried from the start on a serialization failure or deadlock. After an error the
   * connection is rolled back (a no-op outside a transaction) or, if even that fails, discarded.
   */
  private async withClient<T>(
    operation: string,
    transaction: boolean,
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw storeFailure(operation, error);
      }
      let broken = false;
      try {
        if (transaction) await client.query("BEGIN");
        const result = await work(client);
        if (transaction) await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        if (!(error instanceof StoreError) && isRetryable(error) && attempt < MAX_TRANSACTION_ATTEMPTS)
          continue;
        throw storeFailure(operation, error);
      } finally {
        client.release(broken);
      }
    }
  }

  /** One autocommitted statement; errors become `StoreError`s. */
  private async query<Row extends object>(
    operation: string,
    text: string,
    params: unknown[],
  ): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>(text, params)).rows;
    } catch (error) {
      throw storeFailure(operation, error);
    }
  }

  private requireSequences(): EnqueueGroupContext["sequences"] {
    if (this.sequences === undefined) throw new Error("the store has not finished opening");
    return this.sequences;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new StoreError("ER_STORE_CLOSED", `the store on schema ${this.schema} is closed; open a new one`);
    }
  }
}

/** `attempt_history` (jsonb, already parsed) → records; a malformed entry is skipped. */
function parseAttemptHistory(history: unknown): AttemptRecord[] {
  if (!Array.isArray(history)) return [];
  const records: AttemptRecord[] = [];
  for (const entry of history) {
    if (!Array.isArray(entry)) continue;
    const [atMs, status, latencyMs, state, reason] = entry as [
      number,
      number | null,
      number,
      AttemptRecord["state"],
      string | null,
    ];
    records.push({ atMs, status: status ?? null, latencyMs, state, reason: reason ?? null });
  }
  return records;
}
