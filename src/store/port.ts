/**
 * The store port: the one narrow interface between Sluice and its database.
 *
 * Every adapter (SQLite today, PostgreSQL for several nodes) implements it and passes the one
 * contract suite in `store-contract.ts`. All methods are async so that a networked adapter fits;
 * the SQLite adapter resolves them after its synchronous, durable work is done.
 *
 * Vocabulary:
 * - an *event* is one accepted Segment call, stored once with its JSON body;
 * - a *delivery* is one event × one destination: it is both the queue entry and the delivery-log row.
 *   It is created in the same transaction as its event, so nothing acknowledged lacks a delivery.
 *
 * Errors an adapter throws are `StoreError`s (`store-error.ts`) with a stable `code`; they never carry
 * an event body or any value taken from one.
 */

/** Lifecycle of a delivery. `queued` and `retrying` are waiting; the other three are terminal. */
export type DeliveryState = "queued" | "retrying" | "delivered" | "failed" | "stopped";

export const TERMINAL_STATES: readonly DeliveryState[] = ["delivered", "failed", "stopped"];

/** The pipeline stage at which a delivery stopped or failed (never a value from the payload). */
export type DeliveryStage =
  | "ingest"
  | "allowlist"
  | "consent"
  | "mapping"
  | "privacy"
  | "limits"
  | "delivery";

export interface EnqueueEvent {
  sourceName: string;
  messageId: string;
  /** Segment call type (identify, track, ...): kept on the log row, it carries no personal data. */
  eventType: string;
  receivedAtMs: number;
  /** The validated event as JSON text. */
  body: string;
  /** Destinations that get a delivery row. */
  destinations: readonly string[];
  /**
   * The person the event is about, as an opaque key (Sluice passes a hash of `userId`, else of
   * `anonymousId`): per destination, deliveries with the same key are claimed in id order (see
   * `claim`). Absent: the event is ordered with nothing.
   */
  orderingKey?: string;
  /**
   * The track event name or page/screen name, shown in the delivery log and filterable
   * (`DeliveryLogFilter.eventName`): adapters keep the first 200 characters. Ingest passes null when
   * the name looks like PHI (a name is shown to every role). Absent or null: no name.
   */
  eventName?: string | null;
}

export interface EnqueueResult {
  /** True when this source sent the same `messageId` within the dedupe window: acknowledged, not delivered again. */
  duplicate: boolean;
}

export interface ClaimOptions {
  /** Maximum deliveries returned (a positive integer). */
  limit: number;
  nowMs: number;
  /**
   * How long the claim holds before another claimer may take the delivery (crash recovery): the lease
   * runs until `nowMs + leaseMs`, and from that instant on the delivery can be claimed again.
   */
  leaseMs: number;
}

export interface ClaimedDelivery {
  deliveryId: number;
  destination: string;
  sourceName: string;
  messageId: string;
  eventType: string;
  receivedAtMs: number;
  body: string;
  /** Attempts already made before this claim. */
  attempts: number;
  /** When the first attempt that counted was settled, or null before any. */
  firstAttemptAtMs: number | null;
  /**
   * The claim's fencing token (opaque; the same for every delivery of one claim): each outcome for
   * this delivery carries it back (`DeliveryOutcome.leaseToken`), and `settle` ignores the outcome
   * once another claim took the delivery.
   */
  leaseToken: string;
}

interface OutcomeBase {
  deliveryId: number;
  /** The `leaseToken` of the claim that returned the delivery (see `Store.settle`). */
  leaseToken: string;
  /** Attempts made in total, including the one that led to this outcome. */
  attempts: number;
  /** HTTP status of this attempt, when there was one; without it the log keeps the previous status. */
  status?: number;
  /**
   * Present when this outcome ends a delivery attempt (an HTTP request, answered or not): the attempt
   * is appended to the delivery's history (`deliveryAttempts`) with the settle time, status, latency,
   * state and reason.
   */
  attempt?: { latencyMs: number };
}

export type DeliveryOutcome =
  | (OutcomeBase & { state: "delivered" })
  | (OutcomeBase & { state: "failed" | "stopped"; stage: DeliveryStage; reason: string; field?: string })
  | (OutcomeBase & { state: "retrying"; nextAttemptAtMs: number; reason: string })
  /** Hand the delivery back untouched (shutdown, destination paused): no attempt is counted. */
  | { deliveryId: number; leaseToken: string; state: "released"; nextAttemptAtMs?: number };

/** What `settle` did not apply. */
export interface SettleResult {
  /**
   * Outcomes ignored because they came too late: another claim had taken the delivery since (its
   * lease token changed) or it was already terminal. 0 in normal operation.
   */
  stale: number;
}

export interface DeliveryLogEntry {
  deliveryId: number;
  destination: string;
  sourceName: string;
  messageId: string;
  eventType: string;
  /** The event's name (see `EnqueueEvent.eventName`), or null. */
  eventName: string | null;
  state: DeliveryState;
  stage: DeliveryStage | null;
  reason: string | null;
  field: string | null;
  attempts: number;
  lastStatus: number | null;
  receivedAtMs: number;
  /** When the first attempt that counted was settled, or null before any. */
  firstAttemptAtMs: number | null;
  updatedAtMs: number;
  /** How many times this delivery was replayed from the dead letters. */
  replays: number;
}

/** One attempt in a delivery's history: what was tried, when, and how it ended. No payload values. */
export interface AttemptRecord {
  /** When the attempt was settled (epoch ms). */
  atMs: number;
  /** HTTP status, or null when no response came (network error, timeout). */
  status: number | null;
  latencyMs: number;
  /** The state the attempt left the delivery in. */
  state: Exclude<DeliveryState, "queued">;
  reason: string | null;
}

/** Which dead letters (`failed` deliveries) to replay; every filter given must match. */
export interface ReplayFilter {
  destination?: string;
  messageId?: string;
  deliveryIds?: readonly number[];
  /** Failed at or after this instant (epoch ms, by last update). */
  fromMs?: number;
  /** Failed before this instant (epoch ms, exclusive). */
  toMs?: number;
}

export interface DeliveryLogFilter {
  destination?: string;
  messageId?: string;
  /** Only events of this source. */
  sourceName?: string;
  /** Only events with exactly this name (`EnqueueEvent.eventName`). */
  eventName?: string;
  state?: DeliveryState;
  /** Last updated at or after this instant (epoch ms). */
  fromMs?: number;
  /** Last updated before this instant (epoch ms, exclusive). */
  toMs?: number;
  /** Return entries with `deliveryId` below this (pagination, newest first). */
  beforeId?: number;
  /** A positive integer; default 100, at most 1000 (larger values are capped). */
  limit?: number;
}

export interface QueueStats {
  destination: string;
  /** Deliveries waiting (queued or retrying). */
  waiting: number;
  retrying: number;
  /** Age (`nowMs - receivedAtMs`, at least 0) of the oldest waiting delivery, or null when none waits. */
  oldestAgeMs: number | null;
}

/** Terminal outcomes recorded for a destination since a point in time (for health). */
export interface OutcomeCounts {
  destination: string;
  delivered: number;
  failed: number;
  stopped: number;
}

/** Persistent status of a destination, e.g. paused on 401/403 until its credentials change. */
export interface DestinationState {
  name: string;
  status: "active" | "unauthorized";
  reason: string | null;
  /** Keyed hash of the credentials the status was recorded with; a different one means "credentials changed". */
  credentialsFingerprint: string | null;
  updatedAtMs: number;
}

/**
 * An event body exactly as stored (`listBodies`): with encryption at rest enabled that is the
 * ciphertext (`sluice:v1:<keyId>:...`), else the JSON text. Used by key rotation.
 */
export interface StoredBody {
  eventSeq: number;
  sourceName: string;
  messageId: string;
  body: string;
}

/** One compare-and-swap of `replaceBodies`: `body` replaces the stored text only if it is still `expectedBody`. */
export interface BodyReplacement {
  eventSeq: number;
  body: string;
  expectedBody: string;
}

/**
 * A configuration document exactly as stored (`listConfigDocuments`): a published version's, or the
 * draft's (`version` null). Sealed (`sluice:v1:<keyId>:...`) under encryption at rest. Key rotation.
 */
export interface StoredConfigDocument {
  /** The version number, or null for the draft. */
  version: number | null;
  document: string;
}

/** One compare-and-swap of `replaceConfigDocuments` (`version` null: the draft). */
export interface ConfigDocumentReplacement {
  version: number | null;
  document: string;
  expectedDocument: string;
}

/** An event sample's body exactly as stored (`listSampleBodies`), with the event it is bound to. Key rotation. */
export interface StoredSampleBody {
  id: number;
  sourceName: string;
  messageId: string;
  body: string;
}

/** One compare-and-swap of `replaceSampleBodies`. */
export interface SampleBodyReplacement {
  id: number;
  body: string;
  expectedBody: string;
}

/** A JSON value an audit entry's `detail` may hold: counts, names, ids, filters — never payload values. */
export type AuditDetailValue =
  | string
  | number
  | boolean
  | null
  | readonly AuditDetailValue[]
  | { readonly [key: string]: AuditDetailValue };

/**
 * One audited action: who did what to what, and whether it was allowed. Never holds payload values or
 * a person's identifier (a hash of it, at most).
 */
export interface AuditEntry {
  /** When it happened (epoch ms). */
  atMs: number;
  /** Who: an admin user, the OS user running the CLI (`SLUICE_ACTOR` overrides), or `sluice` itself. */
  actor: string;
  /** What, as a stable dotted name: `sluice.start`, `dlq.replay`, `payload.view`, `person.forget`, ... */
  action: string;
  /** What it was done to: `delivery:42`, `person:<sha256>`, a destination name. */
  target?: string;
  outcome: "ok" | "denied";
  detail?: { readonly [key: string]: AuditDetailValue };
}

/**
 * An entry as stored: numbered from 1 without gaps, each chained to the one before it:
 * `hash = sha256hex(prevHash + "\n" + canonicalJson(entry + seq))`, the first entry's `prevHash`
 * being 64 zeros (`audit-chain.ts`).
 */
export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** A point of the audit chain: an entry's seq and hash (seq 0 and 64 zeros before the first entry). */
export interface AuditChainPoint {
  seq: number;
  hash: string;
}

/**
 * The store's view of its audit chain: `head` is the last entry appended; `anchor` the last entry the
 * retention purge removed (genesis until a purge removed one): verification starts from it.
 */
export interface AuditChainState {
  head: AuditChainPoint;
  anchor: AuditChainPoint;
}

export interface AuditListFilter {
  /** Entries with `seq >= fromSeq`. */
  fromSeq?: number;
  /** Entries with `seq < beforeSeq` (paging newest first). */
  beforeSeq?: number;
  /** Only entries of this action (`dlq.replay`, ...). */
  action?: string;
  /** A positive integer; default 100, at most 1000 (larger values are capped). */
  limit?: number;
  /** Newest (highest seq) first; default false: oldest first. */
  newestFirst?: boolean;
}

export interface PurgeOptions {
  /**
   * Delivered and stopped deliveries last updated before this instant (epoch ms) are deleted; so are
   * event samples received and seen paths last seen before it.
   */
  deliveryLogBefore: number;
  /** Failed deliveries (dead letters, with their bodies) last updated before this instant are deleted. */
  deadLettersBefore: number;
  /** Audit entries recorded before this instant are deleted (the oldest run of them, by seq). */
  auditBefore: number;
  nowMs: number;
  /** Rows deleted per transaction; the store serves other calls between chunks. A positive integer. */
  chunk: number;
  /** Called after every chunk with the rows removed so far and the rows the purge found to remove. */
  onProgress?: (removed: number, total: number) => void;
  /** Stops the purge between two chunks (what was removed stays removed). */
  signal?: AbortSignal;
}

export interface PurgeResult {
  /** Delivered and stopped deliveries removed. */
  deliveries: number;
  /** Failed deliveries removed. */
  deadLetters: number;
  /** Audit entries removed. */
  audit: number;
  /** Events removed because none of their deliveries was left. */
  events: number;
}

export interface ForgetOptions {
  nowMs: number;
  /**
   * Reads each event body still stored (waiting and failed deliveries keep theirs), as the adapter
   * holds it (`encryptStore` decrypts it first; a raw adapter under encryption at rest passes the
   * ciphertext, which `event` identifies for decryption): `person` when the event is about the person
   * (their deliveries and everything with the event's ordering key go), `event` when it only
   * mentions them (that event goes), null otherwise.
   */
  matchBody?: (body: string, event: { sourceName: string; messageId: string }) => "person" | "event" | null;
  /** Deliveries removed per transaction. Default 1000. */
  chunk?: number;
}

export interface ForgetResult {
  /** Deliveries deleted. */
  deliveries: number;
  /** Events deleted (with their bodies). */
  events: number;
  /**
   * Deliveries that a delivery lane held at that moment (leased): they cannot be deleted under it, so
   * they were stopped (`stopped: erased on request`), unlinked from the person and their body
   * dropped. A request already in flight may still reach Customer.io.
   */
  inFlight: number;
}

export interface Store {
  /** Apply numbered migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /**
   * Durably record events and their deliveries. Resolves only after the data is committed
   * (fsync'd under the default settings). Concurrent calls may be committed together (group commit);
   * one call's events are committed atomically, and a rejection means none of them was.
   *
   * Results are in input order. An event is a duplicate when its source sent the same `messageId` with
   * a `receivedAtMs` less than the dedupe window (24 h by default) after the first copy was recorded;
   * a duplicate gets no deliveries. Within one call, the later copy is the duplicate. A new delivery is
   * due at once, whatever the clock. A destination named twice gets one delivery.
   */
  enqueue(events: readonly EnqueueEvent[]): Promise<EnqueueResult[]>;
  /**
   * Lease up to `limit` ready deliveries of one destination. Ready means queued or retrying, next
   * attempt time `<= nowMs`, and no lease running at `nowMs`.
   *
   * Order: deliveries without an ordering key are taken oldest (lowest id) first. Deliveries with one
   * are claimed per key: for every key, what a claim returns is that key's oldest waiting deliveries in
   * id order, so a delivery is never returned while an earlier waiting delivery of its key and
   * destination is leased or not yet due (retries cannot reorder a person's events, and two claimers
   * never hold one person at once). Keys are taken in the order of their oldest ready delivery, and
   * each key's whole ready run comes with it (up to `limit`), so a backlog goes out person by person
   * rather than one event per person per claim. The result lists each key's run contiguously.
   */
  claim(destination: string, options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Record outcomes, atomically. Terminal outcomes and `retrying` clear the lease and record the
   * log fields; `released` only clears the lease (and moves the next attempt time when given).
   *
   * Fenced by the lease token: an outcome applies only while the delivery is waiting and still holds
   * the outcome's `leaseToken`, i.e. no other claim took it since (a claimer that stalled past its
   * lease cannot undo, re-schedule or release the work of the claimer that took over). Outcomes that
   * do not apply, and those for a delivery that is already terminal, are ignored and counted in
   * `SettleResult.stale`. A settle does not change the token, so one call may name a delivery twice
   * (applied in order). An unknown `deliveryId` rejects the whole call with
   * `ER_STORE_UNKNOWN_DELIVERY`.
   * Then an event's body is deleted once none of its deliveries is queued, retrying or failed
   * (failed keeps it for dead-letter replay).
   */
  settle(outcomes: readonly DeliveryOutcome[], nowMs: number): Promise<SettleResult>;
  /**
   * When to look again: the earliest time a waiting (queued or retrying) delivery of the destination
   * becomes claimable — its next attempt time or, when later, the end of its lease — or null when none
   * waits. A value in the past (a fresh delivery gives 0) means "claim now".
   */
  nextWakeMs(destination: string): Promise<number | null>;
  /** Delivery-log rows, newest (highest id) first, matching every filter given. */
  listDeliveries(filter: DeliveryLogFilter): Promise<DeliveryLogEntry[]>;
  /** A delivery's attempts, oldest first (the most recent 50 are kept); empty for an unknown id. */
  deliveryAttempts(deliveryId: number): Promise<AttemptRecord[]>;
  /**
   * Put dead letters (`failed` deliveries matching `filter`) back in the queue, due at once: state
   * queued, attempts and first-attempt time reset (a new retry window), `replays` incremented, the
   * history kept, the lease token dropped (a late outcome of an earlier claim cannot touch the
   * replayed delivery). The event keeps its messageId, so Customer.io's dedupe still recognises it. At most
   * `limit` deliveries, oldest first; returns how many were replayed. A failed delivery whose body is
   * gone cannot be replayed and is left as it is.
   */
  replay(filter: ReplayFilter, options: { nowMs: number; limit: number }): Promise<number>;
  /**
   * One entry per destination that has at least one waiting delivery, sorted by destination name;
   * a destination with nothing waiting is absent (callers fill zeros for configured destinations).
   */
  queueStats(nowMs: number): Promise<QueueStats[]>;
  /**
   * Deliveries that reached delivered, failed or stopped at or after `sinceMs` (by their last update),
   * per destination that has any, sorted by name.
   */
  outcomeCounts(sinceMs: number): Promise<OutcomeCounts[]>;
  /**
   * The body of a delivery's event, or null once it was deleted (see `settle`) or when the delivery
   * does not exist. Dead-letter replay reads failed deliveries' bodies through it.
   */
  eventBody(deliveryId: number): Promise<string | null>;
  getDestinationState(name: string): Promise<DestinationState | null>;
  /** Insert or replace the state recorded under `state.name`. */
  setDestinationState(state: DestinationState): Promise<void>;
  /**
   * Forget dedupe keys first recorded before the instant `olderThanMs` (epoch ms, exclusive);
   * returns how many were removed.
   */
  pruneDedupe(olderThanMs: number): Promise<number>;
  /**
   * Optional: a token bucket shared by every process on this database (a cluster-wide rate limit).
   * Takes one token from the bucket named `key` (created full, with `burst` tokens), which refills at
   * `ratePerSecond` up to `burst`; returns 0 when a token was there ("go now"), else how many ms the
   * caller must wait before using the token it reserved. Over any span of T seconds, all callers
   * together get at most `burst + ratePerSecond × T` tokens whose wait has run out.
   * Time only moves forward: a caller whose `nowMs` is behind the bucket's last update earns no
   * refill (clock skew between nodes makes the limit stricter, never looser).
   * Adapters for a single process (SQLite) leave it out: an in-memory bucket does the same there.
   */
  takeRequestTokens?(key: string, ratePerSecond: number, burst: number, nowMs: number): Promise<number>;
  /**
   * Append an entry to the audit chain, atomically: it gets the next seq and is hashed onto the
   * current head. Appends from every process on the database are serialised, so the chain stays one
   * line. There is no way to change or delete an entry except `purge`.
   */
  appendAudit(entry: AuditEntry): Promise<AuditRecord>;
  /** Audit entries by seq (oldest first unless `newestFirst`). */
  listAudit(filter: AuditListFilter): Promise<AuditRecord[]>;
  /** The chain's head and the anchor verification starts from. */
  auditState(): Promise<AuditChainState>;
  /**
   * Retention: delete terminal delivery-log rows, dead letters and audit entries older than their
   * cut-offs, in chunks of `chunk` rows, each its own transaction. Waiting deliveries are never
   * touched; an event goes once none of its deliveries is left. Audit entries go oldest first and
   * only as an unbroken run from the oldest, and the anchor moves to the last one removed, in the same
   * transaction, so the rest still verifies.
   */
  purge(options: PurgeOptions): Promise<PurgeResult>;
  /**
   * Erasure: delete the deliveries (any state) whose ordering key is `orderingKey`, and those of the
   * events `options.matchBody` picks, then the events left without deliveries, and the person's
   * event samples (by ordering key, and those `matchBody` picks). Leased deliveries are stopped
   * instead (see `ForgetResult.inFlight`).
   */
  forgetPerson(orderingKey: string, options: ForgetOptions): Promise<ForgetResult>;
  /**
   * Optional for callers, implemented by both adapters (key rotation, `sluice rotate-key`): up to
   * `limit` (1 to 10,000) stored bodies of the events whose seq is above `afterEventSeq` (0 for the
   * first page), in seq order, as stored (never decrypted). Deleted bodies are not listed.
   */
  listBodies?(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  /**
   * Optional for callers, implemented by both adapters: replace stored bodies, each only where the
   * stored text still equals its `expectedBody` (compare-and-swap), atomically; returns how many were
   * replaced. A body deleted or changed meanwhile is left alone: a delivered event's body is never
   * brought back. Event seqs must be distinct; at most 10,000 rows per call.
   */
  replaceBodies?(rows: readonly BodyReplacement[]): Promise<number>;
  /**
   * Optional for callers, implemented by both adapters (key rotation): up to `limit` (1 to 10,000)
   * configuration documents as stored (never decrypted): the versions above `afterVersion` (0 for the
   * first page) in version order, then, on the page where the versions run out (fewer than `limit`
   * of them), the draft (`version` null) when there is one. A page ending with the draft is the last.
   */
  listConfigDocuments?(afterVersion: number, limit: number): Promise<StoredConfigDocument[]>;
  /**
   * Optional for callers, implemented by both adapters: replace the stored text of configuration
   * documents, each only where it still equals `expectedDocument` (compare-and-swap), atomically;
   * returns how many were replaced. Only the stored text changes (a re-sealing of the same document):
   * a version's metadata and the draft's `updatedAtMs`/`updatedBy` stay. A draft saved or published
   * meanwhile is left alone. Versions must be distinct (the draft at most once); at most 10,000 rows.
   */
  replaceConfigDocuments?(rows: readonly ConfigDocumentReplacement[]): Promise<number>;
  /**
   * Optional for callers, implemented by both adapters (key rotation): up to `limit` (1 to 10,000)
   * event samples' bodies as stored (never decrypted), of the samples whose id is above `afterId`
   * (0 for the first page), in id order.
   */
  listSampleBodies?(afterId: number, limit: number): Promise<StoredSampleBody[]>;
  /**
   * Optional for callers, implemented by both adapters: replace stored sample bodies, each only where
   * the stored text still equals `expectedBody` (compare-and-swap), atomically; returns how many were
   * replaced. A sample pruned or forgotten meanwhile is never brought back. Ids must be distinct; at
   * most 10,000 rows per call.
   */
  replaceSampleBodies?(rows: readonly SampleBodyReplacement[]): Promise<number>;
  // --- Admin user accounts and their sign-in sessions (types below the interface) ---
  /** How many user accounts exist (0: the admin API is not set up yet). */
  countUsers(): Promise<number>;
  /** One account by its exact name, or null. */
  getUser(name: string): Promise<UserRecord | null>;
  /** Every account, by name. */
  listUsers(): Promise<UserRecord[]>;
  /**
   * Add an account. `exists` when the name is taken; with `onlyIfNoUsers`, `users_exist` when any
   * account exists (first-run setup: of two concurrent calls, one wins), checked atomically.
   */
  createUser(user: UserRecord, options?: { onlyIfNoUsers?: boolean }): Promise<UserWriteResult>;
  /**
   * Change an account's role and/or password hash, atomically refusing (`last_admin`) to demote the
   * last admin. A new password hash deletes the account's sessions in the same transaction.
   */
  updateUser(name: string, changes: UserChanges): Promise<UserWriteResult>;
  /** Delete an account and its sessions; `last_admin` when it is the last admin (checked atomically). */
  deleteUser(name: string): Promise<{ ok: true } | { ok: false; reason: "not_found" | "last_admin" }>;
  /**
   * Record a new session, which is a sign-in: the user's `lastSignInAtMs` becomes the session's
   * `createdAtMs`, in the same transaction. False (nothing recorded) when the user does not exist.
   */
  createSession(session: SessionRecord): Promise<boolean>;
  /** A session by the SHA-256 of its id, with its user's current role, or null. Expiry is the caller's. */
  getSession(idHash: string): Promise<SessionWithUser | null>;
  /** Slide a session: new last-seen and expiry times (no-op for an unknown session). */
  touchSession(idHash: string, lastSeenAtMs: number, expiresAtMs: number): Promise<void>;
  /** Delete one session (sign-out); false when there was none. */
  deleteSession(idHash: string): Promise<boolean>;
  /** Delete every session whose `expiresAtMs` is at or before `nowMs`; returns how many. */
  deleteExpiredSessions(nowMs: number): Promise<number>;
  // --- Configuration versions and the draft (types below the interface) ---
  /**
   * Publish a configuration document as the next version (1, 2, 3, ... without gaps), atomically and
   * only if the latest version is still `expectedLatest` (null: none yet): else it rejects with
   * `ER_STORE_CONFLICT` and writes nothing, so of two concurrent publishes on one base one wins.
   * Returns the new version number (`expectedLatest + 1`). With `clearDraft`, the draft is deleted
   * in the same transaction. Versions are immutable: no method changes or deletes one (key
   * rotation's `replaceConfigDocuments` re-seals the same document).
   */
  publishConfigVersion(input: PublishConfigInput): Promise<number>;
  /** The newest version with its document, or null when none was published. */
  latestConfigVersion(): Promise<ConfigVersionRecord | null>;
  /** The newest version's number, or null: cheap, nodes poll it to follow publishes. */
  latestConfigVersionNumber(): Promise<number | null>;
  /** One version with its document, or null when there is no such version. */
  getConfigVersion(version: number): Promise<ConfigVersionRecord | null>;
  /**
   * Versions without their documents, newest first: `limit` (1 to 1000) of them with a number below
   * `before` when given.
   */
  listConfigVersions(filter: { limit: number; before?: number }): Promise<ConfigVersionSummary[]>;
  /** The one draft, or null. */
  getConfigDraft(): Promise<ConfigDraftRecord | null>;
  /** Insert or replace the one draft. */
  saveConfigDraft(draft: ConfigDraftRecord): Promise<void>;
  /** Delete the draft; false when there was none. */
  deleteConfigDraft(): Promise<boolean>;
  // --- Observe: event samples, seen paths, dashboard counts (types below the interface) ---
  /**
   * Keep events as samples (the last `SAMPLES_PER_SOURCE` of each source, older ones pruned in the
   * same transaction). Bodies are payloads: `encryptStore` seals them like event bodies.
   */
  recordSamples(samples: readonly NewEventSample[]): Promise<void>;
  /** Samples without their bodies, newest (highest id) first, matching every filter given. */
  listSamples(filter: SampleFilter): Promise<EventSample[]>;
  /** One sample with its body, or null. */
  getSample(id: number): Promise<StoredEventSample | null>;
  /**
   * Upsert seen paths, one row per (source, type, name, path): types are added to those recorded,
   * counts summed, `lastSeenMs` kept at the latest. Updates repeating a key are merged first.
   */
  recordSeenPaths(paths: readonly SeenPathUpdate[]): Promise<void>;
  /**
   * Seen paths of the rows matching every filter given, merged by path (types united, counts summed,
   * latest `lastSeenMs`), sorted by path.
   */
  listSeenPaths(filter: SeenPathFilter): Promise<SeenPath[]>;
  /**
   * Counts per time bucket: events received (by `receivedAtMs`), and deliveries that reached
   * delivered, stopped or failed (by their last update); and the top 20 (stage, reason) of the
   * deliveries stopped in the range.
   */
  eventStats(range: StatsRange): Promise<EventStats>;
  /**
   * Commit what was already accepted (pending group commits resolve), then release the database.
   * Calling it again resolves; any other method called afterwards rejects with `ER_STORE_CLOSED`.
   */
  close(): Promise<void>;
}

// --- Admin user accounts and sessions ---------------------------------------------------------

/** What a user account may do in the admin API (the same three roles as `contracts/admin-common.ts`). */
export type UserRole = "admin" | "editor" | "viewer";

/** A user account of the admin API. */
export interface UserRecord {
  /** The sign-in name, unique, case-sensitive. */
  name: string;
  role: UserRole;
  /** A self-describing scrypt hash (`scrypt$15$8$1$<salt>$<hash>`, `src/auth/passwords.ts`); never shown. */
  passwordHash: string;
  createdAtMs: number;
  /** When the account last signed in (its newest session was created), or null. */
  lastSignInAtMs: number | null;
}

/** What `updateUser` changes; absent members stay as they are. */
export interface UserChanges {
  role?: UserRole;
  passwordHash?: string;
}

/** The outcome of a user write: the account as stored, or why nothing changed. */
export type UserWriteResult =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: "exists" | "users_exist" | "not_found" | "last_admin" };

/**
 * A sign-in session. Only the SHA-256 of its random id is stored (`idHash`, hex), so the table
 * cannot be used to sign in; the CSRF token is the one the UI echoes in `x-csrf-token`.
 */
export interface SessionRecord {
  idHash: string;
  userName: string;
  csrfToken: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  /** The session is over at this instant (idle or absolute timeout, whichever comes first). */
  expiresAtMs: number;
}

/** A session and its user's current role. */
export interface SessionWithUser extends SessionRecord {
  role: UserRole;
}

// --- Configuration versions and the draft -------------------------------------------------------

/**
 * A published configuration version without its document. `document` (in the records below) is the
 * JSON text of a `ConfigDocument` (`src/contracts/config-document.ts`): it holds secrets, so
 * `encryptStore` seals it at rest like an event body.
 */
export interface ConfigVersionSummary {
  version: number;
  publishedAtMs: number;
  /** Who published it: an admin API actor (`user:ada`, `token:admin`) or `sluice`. */
  publishedBy: string;
  note: string | null;
}

export interface ConfigVersionRecord extends ConfigVersionSummary {
  document: string;
}

export interface PublishConfigInput {
  publishedAtMs: number;
  publishedBy: string;
  note: string | null;
  document: string;
  /** The latest version the caller saw (null: none): the publish fails with `ER_STORE_CONFLICT` otherwise. */
  expectedLatest: number | null;
  /** Delete the draft in the same transaction (a publish of the draft). Default false. */
  clearDraft?: boolean;
}

/** The one configuration draft: edits accumulate here until they are published. */
export interface ConfigDraftRecord {
  /** The version the draft was started from (null: none was published then). */
  basedOn: number | null;
  updatedAtMs: number;
  updatedBy: string;
  document: string;
}

// --- Observe: event samples, seen paths, dashboard counts --------------------------------------

/** How many samples a source keeps: a new one pushes out its oldest. */
export const SAMPLES_PER_SOURCE = 200;

/** The JSON type of a value seen at a path (the same names as `src/privacy/extract-paths.ts`). */
export type SeenValueType = "string" | "number" | "boolean" | "object" | "array" | "null";

/** A kept event, without its body. */
export interface EventSample {
  id: number;
  sourceName: string;
  eventType: string;
  /** As `EnqueueEvent.eventName`. */
  eventName: string | null;
  messageId: string;
  receivedAtMs: number;
  /** Sent with the source's test write key: validated and kept, never delivered. */
  test: boolean;
}

/** A sample to keep. */
export interface NewEventSample {
  sourceName: string;
  eventType: string;
  eventName?: string | null;
  messageId: string;
  receivedAtMs: number;
  test: boolean;
  /** The validated event as JSON text. */
  body: string;
  /** As `EnqueueEvent.orderingKey`: `forgetPerson` removes the person's samples by it. */
  orderingKey?: string;
}

export interface StoredEventSample extends EventSample {
  body: string;
}

export interface SampleFilter {
  sourceName?: string;
  eventType?: string;
  eventName?: string;
  /** Samples with an id below this (pagination, newest first). */
  beforeId?: number;
  /** A positive integer; default 50, at most 1000 (larger values are capped). */
  limit?: number;
}

/** What one batch of events showed at one path of one (source, type, name). */
export interface SeenPathUpdate {
  sourceName: string;
  eventType: string;
  eventName: string | null;
  /** `properties.order_id`, `properties.products[].sku` (see `extractPaths`); never a value. */
  path: string;
  types: readonly SeenValueType[];
  /** Events that had the path. */
  count: number;
  lastSeenMs: number;
}

export interface SeenPathFilter {
  sourceName?: string;
  eventType?: string;
  eventName?: string;
}

export interface SeenPath {
  path: string;
  /** In `SeenValueType` order: string, number, boolean, object, array, null. */
  types: SeenValueType[];
  count: number;
  lastSeenMs: number;
}

/** `[fromMs, toMs)` cut into buckets of `bucketMs` from `fromMs`; at most 1000 buckets. */
export interface StatsRange {
  fromMs: number;
  toMs: number;
  bucketMs: number;
}

export interface StatsBucket {
  startMs: number;
  received: number;
  delivered: number;
  stopped: number;
  failed: number;
}

export interface EventStats {
  /** Every bucket of the range, in time order, zeros included. */
  buckets: StatsBucket[];
  /** Most frequent first (ties by stage, then reason); at most 20. */
  stoppedByReason: { stage: DeliveryStage; reason: string; count: number }[];
}
