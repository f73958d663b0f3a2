import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { newLeaseToken } from "../lease-token.js";
import { validateSamples } from "../observe-input.js";
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
import { StoreError } from "../store-error.js";
import {
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
import { GroupCommit, type GroupCommitStats } from "./group-commit.js";
import { applyMigrations, MIGRATIONS } from "./migrations.js";
import { appendAudit, auditState, listAudit } from "./sqlite-audit.js";
import * as config from "./sqlite-config.js";
import * as observe from "./sqlite-observe.js";
import { forgetPersonSqlite, purgeSqlite } from "./sqlite-retention.js";
import * as users from "./sqlite-users.js";
import * as sql from "./statements.js";
import {
  listStoredBodies,
  listStoredConfigDocuments,
  listStoredSampleBodies,
  replaceStoredBodies,
  replaceStoredConfigDocuments,
  replaceStoredSampleBodies,
} from "./stored-bodies.js";
import { startWriterThread, WriterThreadError } from "./writer-thread.js";

export interface SqliteStoreOptions {
  /** Database file; it and its directory are created when missing. Sluice passes `${dataDir}/sluice.db`. */
  path: string;
  /**
   * `FULL` (default): every commit is fsync'd before `enqueue` resolves, so an acknowledged event
   * survives a power loss. `NORMAL`: commits survive a crash or kill -9 of the process, but the last
   * ones may be lost on power loss or an OS crash; faster on disks with slow fsync.
   */
  synchronous?: "FULL" | "NORMAL";
  /** A repeated (source, messageId) received less than this after the first copy is a duplicate. Default 24 h. */
  dedupeWindowMs?: number;
  /** Most events one group-commit transaction holds; more waiting calls get further transactions. Default 5000. */
  maxEventsPerCommit?: number;
  /** How long a write waits for another connection's lock (e.g. a CLI reading the file). Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** The SQLite store: the port plus diagnostics only this adapter has. */
export interface SqliteStore extends Store {
  readonly path: string;
  /** Group-commit counters since open: `commits` < `calls` means enqueue calls shared transactions. */
  groupCommitStats(): GroupCommitStats;
  /** The connection's effective settings, e.g. for the startup log and `sluice doctor`. */
  pragmas(): { journalMode: string; synchronous: "OFF" | "NORMAL" | "FULL" | "EXTRA"; foreignKeys: boolean };
  /** The port's stored-text methods (key rotation): always present on this adapter. */
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
  listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]>;
  replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number>;
  listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]>;
  replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number>;
}

export const SQLITE_DEFAULTS = {
  synchronous: "FULL",
  dedupeWindowMs: 24 * 60 * 60 * 1000,
  maxEventsPerCommit: 5000,
  busyTimeoutMs: 5000,
} as const;

/** Keys deleted per pruneDedupe transaction; the event loop gets a turn between chunks. */
const PRUNE_CHUNK = 10_000;

/**
 * Open (creating if needed) the SQLite database, apply migrations and clear every lease.
 *
 * Clearing leases is safe because one Sluice process owns a SQLite file: any lease found at open was
 * taken by a process that is gone (e.g. killed with -9), and its deliveries should go out now rather
 * than after the lease runs out. Never open the same file from two running Sluice processes.
 *
 * Pragmas: `journal_mode=WAL` (readers never block the writer), `synchronous` as configured,
 * `foreign_keys=ON` (a delivery always points at its event), `busy_timeout`, and `secure_delete=FAST`
 * (a deleted body's bytes are zeroed in its page when that costs no extra I/O).
 *
 * @example
 * const store = openSqliteStore({ path: `${dataDir}/sluice.db` });
 * const [result] = await store.enqueue([{ sourceName: "web", messageId: "m1", eventType: "track",
 *   receivedAtMs: Date.now(), body: "{}", destinations: ["customerio"] }]);
 * await store.close();
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const settings = { ...SQLITE_DEFAULTS, ...definedOnly(options) };
  if (typeof settings.path !== "string" || settings.path.length === 0)
    invalidOption("path must be a file path");
  if (settings.synchronous !== "FULL" && settings.synchronous !== "NORMAL") {
    invalidOption("synchronous must be FULL or NORMAL");
  }
  for (const name of ["dedupeWindowMs", "maxEventsPerCommit", "busyTimeoutMs"] as const) {
    const value = settings[name];
    if (!Number.isSafeInteger(value) || value < (name === "busyTimeoutMs" ? 0 : 1)) {
      invalidOption(`${name} must be a positive integer`);
    }
  }
  mkdirSync(dirname(settings.path), { recursive: true });
  const db = new Database(settings.path, { timeout: settings.busyTimeoutMs });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${settings.synchronous}`);
    db.pragma("foreign_keys = ON");
    db.pragma("secure_delete = FAST");
    applyMigrations(db, MIGRATIONS, Date.now());
    db.prepare(sql.SQL_CLEAR_LEASES).run();
    return new SqliteStoreImpl(db, settings);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteStoreImpl implements SqliteStore {
  private closed = false;
  private readonly groupCommit: GroupCommit<EnqueueEvent, EnqueueResult>;
  private readonly statements;
  private readonly writer: ReturnType<typeof startWriterThread>;
  /** One transaction wrapper for every write: better-sqlite3 builds four functions per `transaction()`. */
  private readonly inImmediateTransaction: (work: () => unknown) => unknown;

  readonly path: string;

  constructor(
    private readonly db: Database.Database,
    settings: Required<
      Pick<
        SqliteStoreOptions,
        "path" | "synchronous" | "busyTimeoutMs" | "dedupeWindowMs" | "maxEventsPerCommit"
      >
    >,
  ) {
    const { path, synchronous, busyTimeoutMs, dedupeWindowMs, maxEventsPerCommit } = settings;
    this.path = path;
    this.statements = {
      selectReadyWindow: db.prepare<
        { destination: string; nowMs: number; limit: number },
        { id: number; orderingKey: string | null }
      >(sql.SQL_SELECT_READY_WINDOW),
      keyHasEarlierWaiting: db
        .prepare<{ destination: string; orderingKey: string; beforeId: number }, number>(
          sql.SQL_KEY_HAS_EARLIER_WAITING,
        )
        .pluck(),
      keyRunAfter: db.prepare<
        { destination: string; orderingKey: string; afterId: number; nowMs: number; limit: number },
        { id: number; ready: number }
      >(sql.SQL_KEY_RUN_AFTER),
      leaseIds: db.prepare<{ ids: string; leaseUntilMs: number; leaseToken: string }>(sql.SQL_LEASE_IDS),
      selectClaimed: db.prepare<{ ids: string }, ClaimedDelivery>(sql.SQL_SELECT_CLAIMED),
      attemptHistory: db.prepare<[number], string | null>(sql.SQL_ATTEMPT_HISTORY).pluck(),
      recordOutcomes: db
        .prepare<{ outcomes: string; nowMs: number }, number>(sql.SQL_RECORD_OUTCOMES)
        .pluck(),
      recordDelivered: db
        .prepare<
          {
            ids: string;
            attempts: number;
            status: number | null;
            latencyMs: number | null;
            leaseToken: string;
            nowMs: number;
          },
          number
        >(sql.SQL_RECORD_DELIVERED)
        .pluck(),
      releaseMany: db.prepare<{ outcomes: string; nowMs: number }>(sql.SQL_RELEASE_MANY),
      firstUnknownDelivery: db.prepare<{ ids: string }, number>(sql.SQL_FIRST_UNKNOWN_DELIVERY).pluck(),
      dropUnneededBodies: db.prepare<{ eventSeqs: string }>(sql.SQL_DROP_UNNEEDED_BODIES),
      nextWake: db.prepare<Record<string, string>, number | null>(sql.SQL_NEXT_WAKE).pluck(),
      outcomeCounts: db.prepare<{ sinceMs: number }, OutcomeCounts>(sql.SQL_OUTCOME_COUNTS),
      queueStats: db.prepare<
        [],
        { destination: string; waiting: number; retrying: number; oldestCreatedAtMs: number }
      >(sql.SQL_QUEUE_STATS),
      eventBody: db.prepare<[number], string | null>(sql.SQL_EVENT_BODY).pluck(),
      getDestinationState: db.prepare<[string], DestinationState>(sql.SQL_GET_DESTINATION_STATE),
      setDestinationState: db.prepare(sql.SQL_SET_DESTINATION_STATE),
      pruneDedupeChunk: db.prepare(sql.SQL_PRUNE_DEDUPE_CHUNK),
    };
    this.inImmediateTransaction = db.transaction((work: () => unknown) => work()).immediate;
    this.writer = startWriterThread({ path, synchronous, busyTimeoutMs, dedupeWindowMs });
    this.groupCommit = new GroupCommit(async (calls) => {
      try {
        const duplicates = await this.writer.commit(calls);
        return duplicates.map((flags) => flags.map((duplicate) => ({ duplicate })));
      } catch (error) {
        throw writeFailed(`could not commit ${calls.length} enqueue call(s)`, error);
      }
    }, maxEventsPerCommit);
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    applyMigrations(this.db, MIGRATIONS, Date.now());
  }

  async enqueue(events: readonly EnqueueEvent[]): Promise<EnqueueResult[]> {
    this.assertOpen();
    const copies = validateEnqueueEvents(events);
    if (copies.length === 0) return [];
    return this.groupCommit.submit(copies);
  }

  async claim(destination: string, options: ClaimOptions): Promise<ClaimedDelivery[]> {
    this.assertOpen();
    validateClaim(destination, options);
    const { limit, nowMs, leaseMs } = options;
    return this.write("claim", () => {
      const ids = this.chooseClaim(destination, nowMs, limit);
      if (ids.length === 0) return [];
      const json = JSON.stringify(ids);
      this.statements.leaseIds.run({ ids: json, leaseUntilMs: nowMs + leaseMs, leaseToken: newLeaseToken() });
      const rows = this.statements.selectClaimed.all({ ids: json });
      const position = new Map(ids.map((id, index) => [id, index]));
      return rows.sort((a, b) => (position.get(a.deliveryId) ?? 0) - (position.get(b.deliveryId) ?? 0));
    });
  }

  /**
   * The ids one claim takes, in the order it returns them (see `Store.claim`). The window is the
   * oldest `limit` ready deliveries; each person in it (in order of their first ready delivery) is
   * skipped when an earlier delivery of theirs is leased or not yet due, and otherwise contributes
   * their whole ready run, continued past the window when the window was full.
   */
  private chooseClaim(destination: string, nowMs: number, limit: number): number[] {
    const window = this.statements.selectReadyWindow.all({ destination, nowMs, limit });
    const windowFull = window.length === limit;
    const runs = new Map<string, number[]>();
    const order: (string | number)[] = [];
    for (const row of window) {
      if (row.orderingKey === null) {
        order.push(row.id);
        continue;
      }
      const run = runs.get(row.orderingKey);
      if (run === undefined) {
        runs.set(row.orderingKey, [row.id]);
        order.push(row.orderingKey);
      } else run.push(row.id);
    }
    const chosen: number[] = [];
    for (const entry of order) {
      if (chosen.length >= limit) break;
      if (typeof entry === "number") {
        chosen.push(entry);
        continue;
      }
      const run = runs.get(entry) ?? [];
      const firstId = run[0];
      if (firstId === undefined) continue;
      const blocked = this.statements.keyHasEarlierWaiting.get({
        destination,
        orderingKey: entry,
        beforeId: firstId,
      });
      if (blocked === 1) continue;
      if (run.length === 1 && !windowFull) {
        chosen.push(firstId);
        continue;
      }
      // The person's run from their first ready delivery, stopping at the first one that is leased
      // or not yet due (items of one failed batch may come due at different times): past the
      // window too when it was full.
      const rows = this.statements.keyRunAfter.all({
        destination,
        orderingKey: entry,
        afterId: firstId - 1,
        nowMs,
        limit: limit - chosen.length,
      });
      for (const row of rows) {
        if (row.ready !== 1) break;
        chosen.push(row.id);
      }
    }
    return chosen;
  }

  async settle(outcomes: readonly DeliveryOutcome[], nowMs: number): Promise<SettleResult> {
    this.assertOpen();
    validateOutcomes(outcomes, nowMs);
    return this.write("settle", () => {
      const settledEventSeqs: number[] = [];
      let stale = 0;
      for (const run of distinctIdRuns(outcomes)) stale += this.settleRun(run, nowMs, settledEventSeqs);
      if (settledEventSeqs.length > 0) {
        this.statements.dropUnneededBodies.run({ eventSeqs: JSON.stringify(settledEventSeqs) });
      }
      return { stale };
    });
  }

  async nextWakeMs(destination: string): Promise<number | null> {
    this.assertOpen();
    return this.statements.nextWake.get({ destination }) ?? null;
  }

  async listDeliveries(filter: DeliveryLogFilter): Promise<DeliveryLogEntry[]> {
    this.assertOpen();
    return queryDeliveryLog(this.db, filter);
  }

  async deliveryAttempts(deliveryId: number): Promise<AttemptRecord[]> {
    this.assertOpen();
    return parseAttemptHistory(this.statements.attemptHistory.get(deliveryId) ?? null);
  }

  async replay(filter: ReplayFilter, options: { nowMs: number; limit: number }): Promise<number> {
    this.assertOpen();
    validateReplay(filter, options);
    const where: string[] = [];
    const params: Record<string, string | number> = { nowMs: options.nowMs, limit: options.limit };
    for (const key of ["destination", "messageId", "deliveryIds", "fromMs", "toMs"] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(sql.REPLAY_WHERE[key]);
      params[key] = typeof value === "object" ? JSON.stringify(value) : value;
    }
    return this.write("replay", () => this.db.prepare(sql.sqlReplay(where)).all(params).length);
  }

  async queueStats(nowMs: number): Promise<QueueStats[]> {
    this.assertOpen();
    requireEpochMs(nowMs, "nowMs");
    return this.statements.queueStats.all().map((row) => ({
      destination: row.destination,
      waiting: row.waiting,
      retrying: row.retrying,
      oldestAgeMs: Math.max(0, nowMs - row.oldestCreatedAtMs),
    }));
  }

  async outcomeCounts(sinceMs: number): Promise<OutcomeCounts[]> {
    this.assertOpen();
    requireEpochMs(sinceMs, "sinceMs");
    return this.statements.outcomeCounts.all({ sinceMs });
  }

  async eventBody(deliveryId: number): Promise<string | null> {
    this.assertOpen();
    return this.statements.eventBody.get(deliveryId) ?? null;
  }

  async getDestinationState(name: string): Promise<DestinationState | null> {
    this.assertOpen();
    return this.statements.getDestinationState.get(name) ?? null;
  }

  async setDestinationState(state: DestinationState): Promise<void> {
    this.assertOpen();
    validateDestinationState(state);
    const { name, status, reason, credentialsFingerprint, updatedAtMs } = state;
    this.write("setDestinationState", () =>
      this.statements.setDestinationState.run({ name, status, reason, credentialsFingerprint, updatedAtMs }),
    );
  }

  async pruneDedupe(olderThanMs: number): Promise<number> {
    this.assertOpen();
    requireEpochMs(olderThanMs, "olderThanMs");
    let removed = 0;
    // A day of keys can be millions of rows: delete in chunks and let ingest run in between.
    while (!this.closed) {
      const { changes } = this.write("pruneDedupe", () =>
        this.statements.pruneDedupeChunk.run({ olderThanMs, chunk: PRUNE_CHUNK }),
      );
      removed += changes;
      if (changes < PRUNE_CHUNK) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return removed;
  }

  async listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]> {
    this.assertOpen();
    return listStoredBodies(this.db, afterEventSeq, limit);
  }

  async replaceBodies(rows: readonly BodyReplacement[]): Promise<number> {
    this.assertOpen();
    const checked = validateReplaceBodies(rows);
    if (checked.length === 0) return 0;
    return this.write("replaceBodies", () => replaceStoredBodies(this.db, checked));
  }

  async listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]> {
    this.assertOpen();
    return listStoredConfigDocuments(this.db, afterVersion, limit);
  }

  async replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number> {
    this.assertOpen();
    const checked = validateReplaceConfigDocuments(rows);
    if (checked.length === 0) return 0;
    return this.write("replaceConfigDocuments", () => replaceStoredConfigDocuments(this.db, checked));
  }

  async listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]> {
    this.assertOpen();
    return listStoredSampleBodies(this.db, afterId, limit);
  }

  async replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number> {
    this.assertOpen();
    const checked = validateReplaceSampleBodies(rows);
    if (checked.length === 0) return 0;
    return this.write("replaceSampleBodies", () => replaceStoredSampleBodies(this.db, checked));
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    this.assertOpen();
    return appendAudit(this.db, entry);
  }

  async listAudit(filter: AuditListFilter): Promise<AuditRecord[]> {
    this.assertOpen();
    return listAudit(this.db, filter);
  }

  async auditState(): Promise<AuditChainState> {
    this.assertOpen();
    return auditState(this.db);
  }

  async purge(options: PurgeOptions): Promise<PurgeResult> {
    this.assertOpen();
    return purgeSqlite(this.db, options, () => this.closed);
  }

  async forgetPerson(orderingKey: string, options: ForgetOptions): Promise<ForgetResult> {
    this.assertOpen();
    return forgetPersonSqlite(this.db, orderingKey, options);
  }

  async countUsers(): Promise<number> {
    this.assertOpen();
    return users.countUsers(this.db);
  }

  async getUser(name: string): Promise<UserRecord | null> {
    this.assertOpen();
    return users.getUser(this.db, name);
  }

  async listUsers(): Promise<UserRecord[]> {
    this.assertOpen();
    return users.listUsers(this.db);
  }

  async createUser(user: UserRecord, options?: { onlyIfNoUsers?: boolean }): Promise<UserWriteResult> {
    this.assertOpen();
    return users.createUser(this.db, user, options);
  }

  async updateUser(name: string, changes: UserChanges): Promise<UserWriteResult> {
    this.assertOpen();
    return users.updateUser(this.db, name, changes);
  }

  async deleteUser(name: string): ReturnType<Store["deleteUser"]> {
    this.assertOpen();
    return users.deleteUser(this.db, name);
  }

  async createSession(session: SessionRecord): Promise<boolean> {
    this.assertOpen();
    return users.createSession(this.db, session);
  }

  async getSession(idHash: string): Promise<SessionWithUser | null> {
    this.assertOpen();
    return users.getSession(this.db, idHash);
  }

  async touchSession(idHash: string, lastSeenAtMs: number, expiresAtMs: number): Promise<void> {
    this.assertOpen();
    users.touchSession(this.db, idHash, lastSeenAtMs, expiresAtMs);
  }

  async deleteSession(idHash: string): Promise<boolean> {
    this.assertOpen();
    return users.deleteSession(this.db, idHash);
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    this.assertOpen();
    return users.deleteExpiredSessions(this.db, nowMs);
  }

  async publishConfigVersion(input: PublishConfigInput): Promise<number> {
    this.assertOpen();
    return config.publishConfigVersionSqlite(this.db, input);
  }

  async latestConfigVersion(): Promise<ConfigVersionRecord | null> {
    this.assertOpen();
    return config.latestConfigVersionSqlite(this.db);
  }

  async latestConfigVersionNumber(): Promise<number | null> {
    this.assertOpen();
    return config.latestConfigVersionNumberSqlite(this.db);
  }

  async getConfigVersion(version: number): Promise<ConfigVersionRecord | null> {
    this.assertOpen();
    return config.getConfigVersionSqlite(this.db, version);
  }

  async listConfigVersions(filter: { limit: number; before?: number }): Promise<ConfigVersionSummary[]> {
    this.assertOpen();
    return config.listConfigVersionsSqlite(this.db, filter);
  }

  async getConfigDraft(): Promise<ConfigDraftRecord | null> {
    this.assertOpen();
    return config.getConfigDraftSqlite(this.db);
  }

  async saveConfigDraft(draft: ConfigDraftRecord): Promise<void> {
    this.assertOpen();
    config.saveConfigDraftSqlite(this.db, draft);
  }

  async deleteConfigDraft(): Promise<boolean> {
    this.assertOpen();
    return config.deleteConfigDraftSqlite(this.db);
  }

  async recordSamples(samples: readonly NewEventSample[]): Promise<void> {
    this.assertOpen();
    const checked = validateSamples(samples);
    if (checked.length === 0) return;
    this.write("recordSamples", () => observe.recordSamplesSqlite(this.db, checked));
  }

  async listSamples(filter: SampleFilter): Promise<EventSample[]> {
    this.assertOpen();
    return observe.listSamplesSqlite(this.db, filter);
  }

  async getSample(id: number): Promise<StoredEventSample | null> {
    this.assertOpen();
    return observe.getSampleSqlite(this.db, id);
  }

  async recordSeenPaths(paths: readonly SeenPathUpdate[]): Promise<void> {
    this.assertOpen();
    this.write("recordSeenPaths", () => observe.recordSeenPathsSqlite(this.db, paths));
  }

  async listSeenPaths(filter: SeenPathFilter): Promise<SeenPath[]> {
    this.assertOpen();
    return observe.listSeenPathsSqlite(this.db, filter);
  }

  async eventStats(range: StatsRange): Promise<EventStats> {
    this.assertOpen();
    return observe.eventStatsSqlite(this.db, range);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.groupCommit.drain();
    await this.writer.close();
    try {
      this.db.pragma("optimize");
    } finally {
      this.db.close();
    }
  }

  groupCommitStats(): GroupCommitStats {
    return this.groupCommit.stats();
  }

  pragmas(): ReturnType<SqliteStore["pragmas"]> {
    this.assertOpen();
    const levels = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;
    return {
      journalMode: String(this.db.pragma("journal_mode", { simple: true })),
      synchronous: levels[Number(this.db.pragma("synchronous", { simple: true }))] ?? "OFF",
      foreignKeys: this.db.pragma("foreign_keys", { simple: true }) === 1,
    };
  }

  /**
   * Apply outcomes whose delivery ids are distinct, in two set-based statements, and append the event
   * of every delivery that reached a terminal state or `retrying` to `settledEventSeqs`. Distinct ids
   * make the order of the outcomes irrelevant within the run. When fewer deliveries changed than
   * outcomes were given, either some were stale (already terminal, or claimed again under another
   * lease token: ignored) or some id is unknown: the latter throws, and the caller's transaction
   * rolls every change back. Returns how many outcomes of the run were stale.
   */
  private settleRun(run: readonly DeliveryOutcome[], nowMs: number, settledEventSeqs: number[]): number {
    // Delivered outcomes, the bulk of a drain, grouped by their only varying fields: a worker's batch
    // usually makes one group, recorded from a plain array of ids.
    const delivered = new Map<
      string,
      {
        attempts: number;
        status: number | null;
        latencyMs: number | null;
        leaseToken: string;
        ids: number[];
      }
    >();
    const recorded: unknown[][] = [];
    const released: unknown[][] = [];
    for (const outcome of run) {
      if (outcome.state === "delivered") {
        const status = outcome.status ?? null;
        const latencyMs = outcome.attempt?.latencyMs ?? null;
        const { attempts, leaseToken } = outcome;
        const key = JSON.stringify([attempts, status, latencyMs, leaseToken]);
        const group = delivered.get(key);
        if (group === undefined)
          delivered.set(key, { attempts, status, latencyMs, leaseToken, ids: [outcome.deliveryId] });
        else group.ids.push(outcome.deliveryId);
      } else if (outcome.state === "released") {
        released.push([outcome.deliveryId, outcome.nextAttemptAtMs ?? null, outcome.leaseToken]);
      } else {
        recorded.push(outcomeRow(outcome));
      }
    }
    let changed = 0;
    for (const { attempts, status, latencyMs, leaseToken, ids } of delivered.values()) {
      const eventSeqs = this.statements.recordDelivered.all({
        ids: JSON.stringify(ids),
        attempts,
        status,
        latencyMs,
        leaseToken,
        nowMs,
      });
      changed += eventSeqs.length;
      for (const eventSeq of eventSeqs) settledEventSeqs.push(eventSeq);
    }
    if (recorded.length > 0) {
      const eventSeqs = this.statements.recordOutcomes.all({ outcomes: JSON.stringify(recorded), nowMs });
      changed += eventSeqs.length;
      for (const eventSeq of eventSeqs) settledEventSeqs.push(eventSeq);
    }
    if (released.length > 0) {
      changed += this.statements.releaseMany.run({ outcomes: JSON.stringify(released), nowMs }).changes;
    }
    if (changed === run.length) return 0;
    const ids = JSON.stringify(run.map((outcome) => outcome.deliveryId));
    const unknown = this.statements.firstUnknownDelivery.get({ ids });
    if (unknown !== undefined) {
      throw new StoreError("ER_STORE_UNKNOWN_DELIVERY", `delivery ${unknown} does not exist`);
    }
    return run.length - changed;
  }

  /** Run `work` in an IMMEDIATE transaction; engine errors become ER_STORE_WRITE_FAILED. */
  private write<T>(operation: string, work: () => T): T {
    try {
      return this.inImmediateTransaction(work) as T;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw writeFailed(`${operation} failed`, error);
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new StoreError("ER_STORE_CLOSED", `the store at ${this.path} is closed; open a new one`);
    }
  }
}

/** One element of `SQL_RECORD_OUTCOMES`'s JSON array; fields an outcome's state does not have are null. */
function outcomeRow(outcome: Exclude<DeliveryOutcome, { state: "released" }>): unknown[] {
  const failure = outcome.state === "failed" || outcome.state === "stopped";
  return [
    outcome.deliveryId,
    outcome.state,
    failure ? outcome.stage : null,
    outcome.state === "delivered" ? null : outcome.reason,
    failure ? (outcome.field ?? null) : null,
    outcome.attempts,
    outcome.status ?? null,
    outcome.state === "retrying" ? outcome.nextAttemptAtMs : null,
    outcome.attempt?.latencyMs ?? null,
    outcome.leaseToken,
  ];
}

/** `attempt_history` JSON → records; a malformed entry is skipped rather than failing the trace. */
function parseAttemptHistory(json: string | null): AttemptRecord[] {
  if (json === null) return [];
  const entries = JSON.parse(json) as unknown[];
  const records: AttemptRecord[] = [];
  for (const entry of entries) {
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

/**
 * Split outcomes into consecutive runs whose delivery ids are distinct, in input order. A call that
 * names a delivery twice (e.g. `retrying` then `delivered`) must apply the two in order, which one
 * set-based statement cannot promise; callers rarely do it, so the usual call is a single run.
 */
function distinctIdRuns(outcomes: readonly DeliveryOutcome[]): (readonly DeliveryOutcome[])[] {
  const runs: (readonly DeliveryOutcome[])[] = [];
  let ids = new Set<number>();
  let start = 0;
  outcomes.forEach((outcome, index) => {
    if (ids.has(outcome.deliveryId)) {
      runs.push(outcomes.slice(start, index));
      ids = new Set();
      start = index;
    }
    ids.add(outcome.deliveryId);
  });
  if (start < outcomes.length) runs.push(start === 0 ? outcomes : outcomes.slice(start));
  return runs;
}

/** SQLite's messages name tables and constraints, not bound values, so the code is safe to surface. */
/** The delivery-log query, shared by the store and the read-only reader (`sluice deliveries`). */
function queryDeliveryLog(db: Database.Database, filter: DeliveryLogFilter): DeliveryLogEntry[] {
  const limit = validateLogFilter(filter);
  const where: string[] = [];
  const params: Record<string, string | number> = { limit };
  for (const key of Object.keys(sql.LOG_WHERE) as (keyof typeof sql.LOG_WHERE)[]) {
    const value = filter[key];
    if (value === undefined) continue;
    where.push(sql.LOG_WHERE[key]);
    params[key] = value;
  }
  // One text per combination of filters; better-sqlite3 prepares fast, and SQLite caches nothing per text anyway.
  return db
    .prepare<Record<string, string | number>, DeliveryLogEntry>(sql.sqlListDeliveries(where))
    .all(params);
}

/**
 * Read the delivery log of a SQLite store without owning it: a read-only connection that a running
 * Sluice can keep writing under. Unlike `openSqliteStore` it migrates nothing and clears no leases,
 * so it is safe beside the server.
 *
 * @example
 * readDeliveryLog(".sluice/sluice.db", { state: "failed", limit: 20 })
 */
export function readDeliveryLog(path: string, filter: DeliveryLogFilter): DeliveryLogEntry[] {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError("ER_STORE_CLOSED", `no Sluice database at ${path} (${code})`);
  }
  try {
    return queryDeliveryLog(db, filter);
  } finally {
    db.close();
  }
}

function writeFailed(message: string, cause: unknown): StoreError {
  // SQLite's own code (SQLITE_FULL, SQLITE_READONLY, ...): on the error, or carried over from the writer thread.
  const code =
    cause instanceof WriterThreadError
      ? cause.sqliteCode
      : typeof cause === "object" && cause !== null && "code" in cause
        ? String(cause.code)
        : "unknown";
  return new StoreError("ER_STORE_WRITE_FAILED", `${message} (${code}); nothing of it was committed`, {
    cause,
  });
}

function invalidOption(message: string): never {
  throw new StoreError("ER_STORE_INVALID_OPTION", message);
}

/** Drop `undefined` members so they do not override defaults when spread. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Open a Sluice database read-only, or say plainly that there is none at `path`. */
function openReadOnly(path: string): Database.Database {
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError("ER_STORE_CLOSED", `no Sluice database at ${path} (${code})`);
  }
}

/**
 * A delivery's attempt history, oldest first, read through a read-only connection (safe beside a
 * running Sluice, like `readDeliveryLog`); empty for an unknown id.
 *
 * @example
 * readAttempts(".sluice/sluice.db", 42) // [{ atMs, status: 503, latencyMs: 120, state: "retrying", reason }]
 */
export function readAttempts(path: string, deliveryId: number): AttemptRecord[] {
  const db = openReadOnly(path);
  try {
    const history = db.prepare<[number], string | null>(sql.SQL_ATTEMPT_HISTORY).pluck().get(deliveryId);
    return parseAttemptHistory(history ?? null);
  } finally {
    db.close();
  }
}

/**
 * The stored event JSON of a delivery, read-only; null once the body was deleted (see `Store.settle`:
 * failed deliveries keep it) or when the delivery does not exist.
 *
 * @example
 * readEventBody(".sluice/sluice.db", 42) // '{"type":"track",...}'
 */
export function readEventBody(path: string, deliveryId: number): string | null {
  const db = openReadOnly(path);
  try {
    return db.prepare<[number], string | null>(sql.SQL_EVENT_BODY).pluck().get(deliveryId) ?? null;
  } finally {
    db.close();
  }
}

export interface ReplayDeadLettersOptions {
  /** The replay's clock: replayed deliveries get this as their update time. */
  nowMs: number;
  /** Replay at most this many (the oldest first). Default: every match. */
  limit?: number;
  /** Deliveries replayed per transaction. Default 1000. */
  chunkSize?: number;
  /** Count the matches without changing anything. Default false. */
  dryRun?: boolean;
  /** Called after every chunk with the replayed count so far and the total to replay. */
  onChunk?: (replayed: number, total: number) => void;
  /** How long a chunk waits for the running Sluice's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * Put dead letters back in the queue from beside a running Sluice: the same replay as `Store.replay`
 * (state queued, due at once, messageId kept, `replays` + 1), on a connection of its own that clears
 * no leases and starts no writer thread — `openSqliteStore` would clear the running process's leases.
 *
 * The matches are fixed first (oldest first, up to `limit`), then replayed by id in chunks, each its
 * own short IMMEDIATE transaction followed by a pause as long as the chunk took, so the running
 * Sluice's group commits get the write lock between chunks and a delivery that fails again during
 * a long replay is not replayed twice. The running Sluice picks them up within its idle poll.
 *
 * @example
 * await replayDeadLetters(".sluice/sluice.db", { destination: "customerio" }, { nowMs: Date.now() })
 * // { matched: 12, replayed: 12 }
 */
export async function replayDeadLetters(
  path: string,
  filter: ReplayFilter,
  options: ReplayDeadLettersOptions,
): Promise<{ matched: number; replayed: number }> {
  const chunkSize = options.chunkSize ?? 1000;
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  validateReplay(filter, { nowMs: options.nowMs, limit });
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    invalidOption("chunkSize must be a positive integer");
  const busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs;
  let db: Database.Database;
  try {
    db = new Database(path, {
      readonly: options.dryRun === true,
      fileMustExist: true,
      timeout: busyTimeoutMs,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError("ER_STORE_CLOSED", `no Sluice database at ${path} (${code})`);
  }
  try {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit };
    for (const key of ["destination", "messageId", "deliveryIds", "fromMs", "toMs"] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(sql.REPLAY_WHERE[key]);
      params[key] = typeof value === "object" ? JSON.stringify(value) : value;
    }
    // The selection of `sql.sqlReplay`, without the update: which dead letters the replay will take.
    const ids = db
      .prepare<Record<string, string | number>, number>(
        `SELECT d.id FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq
         WHERE d.state = 'failed' AND e.body IS NOT NULL${where.map((w) => ` AND ${w}`).join("")}
         ORDER BY d.id LIMIT @limit`,
      )
      .pluck()
      .all(params);
    if (options.dryRun === true || ids.length === 0) return { matched: ids.length, replayed: 0 };
    db.pragma("synchronous = FULL");
    const replayChunk = db.prepare<{ deliveryIds: string; nowMs: number; limit: number }>(
      sql.sqlReplay([sql.REPLAY_WHERE.deliveryIds]),
    );
    const inTransaction = db.transaction((chunk: readonly number[]) =>
      replayChunk.all({ deliveryIds: JSON.stringify(chunk), nowMs: options.nowMs, limit: chunk.length }),
    );
    let replayed = 0;
    for (let start = 0; start < ids.length; start += chunkSize) {
      const chunk = ids.slice(start, start + chunkSize);
      const startedMs = performance.now();
      try {
        replayed += inTransaction.immediate(chunk).length;
      } catch (error) {
        throw writeFailed(`replay of ${chunk.length} dead letter(s) failed`, error);
      }
      options.onChunk?.(replayed, ids.length);
      if (start + chunkSize < ids.length) {
        const pauseMs = Math.min(100, Math.max(1, Math.ceil(performance.now() - startedMs)));
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    return { matched: ids.length, replayed };
  } finally {
    db.close();
  }
}
