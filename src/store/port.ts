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
}

interface OutcomeBase {
  deliveryId: number;
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
  | { deliveryId: number; state: "released"; nextAttemptAtMs?: number };

export interface DeliveryLogEntry {
  deliveryId: number;
  destination: string;
  sourceName: string;
  messageId: string;
  eventType: string;
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
  /** A positive integer; default 100, at most 1000 (larger values are capped). */
  limit?: number;
  /** Newest (highest seq) first; default false: oldest first. */
  newestFirst?: boolean;
}

export interface PurgeOptions {
  /** Delivered and stopped deliveries last updated before this instant (epoch ms) are deleted. */
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
   * An outcome for a delivery that is already terminal is ignored (a late claimer cannot undo it);
   * an unknown `deliveryId` rejects the whole call with `ER_STORE_UNKNOWN_DELIVERY`.
   * Then an event's body is deleted once none of its deliveries is queued, retrying or failed
   * (failed keeps it for dead-letter replay).
   */
  settle(outcomes: readonly DeliveryOutcome[], nowMs: number): Promise<void>;
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
   * history kept. The event keeps its messageId, so Customer.io's dedupe still recognises it. At most
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
   * events `options.matchBody` picks, then the events left without deliveries. Leased deliveries
   * are stopped instead (see `ForgetResult.inFlight`).
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
   * Commit what was already accepted (pending group commits resolve), then release the database.
   * Calling it again resolves; any other method called afterwards rejects with `ER_STORE_CLOSED`.
   */
  close(): Promise<void>;
}
