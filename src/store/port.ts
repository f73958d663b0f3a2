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
 */

/** Lifecycle of a delivery. `queued` and `retrying` are waiting; the other three are terminal. */
export type DeliveryState = "queued" | "retrying" | "delivered" | "failed" | "stopped";

export const TERMINAL_STATES: readonly DeliveryState[] = ["delivered", "failed", "stopped"];

/** The pipeline stage at which a delivery stopped or failed (never a value from the payload). */
export type DeliveryStage = "ingest" | "allowlist" | "mapping" | "limits" | "delivery";

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
}

export interface EnqueueResult {
  /** True when this source sent the same `messageId` within the dedupe window: acknowledged, not delivered again. */
  duplicate: boolean;
}

export interface ClaimOptions {
  /** Maximum deliveries returned. */
  limit: number;
  nowMs: number;
  /** How long the claim holds before another claimer may take the delivery (crash recovery). */
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
  firstAttemptAtMs: number | null;
}

interface OutcomeBase {
  deliveryId: number;
  /** Attempts made in total, including the one that led to this outcome. */
  attempts: number;
  /** HTTP status of the last attempt, when there was one. */
  status?: number;
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
  updatedAtMs: number;
}

export interface DeliveryLogFilter {
  destination?: string;
  messageId?: string;
  state?: DeliveryState;
  /** Return entries with `deliveryId` below this (pagination, newest first). */
  beforeId?: number;
  /** Default 100. */
  limit?: number;
}

export interface QueueStats {
  destination: string;
  /** Deliveries waiting (queued or retrying). */
  waiting: number;
  retrying: number;
  /** Age of the oldest waiting delivery, or null when none waits. */
  oldestAgeMs: number | null;
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

export interface Store {
  /** Apply numbered migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /**
   * Durably record events and their deliveries. Resolves only after the data is committed
   * (fsync'd under the default settings). Concurrent calls may be committed together (group commit).
   */
  enqueue(events: readonly EnqueueEvent[]): Promise<EnqueueResult[]>;
  /** Lease up to `limit` ready deliveries of one destination, oldest first. */
  claim(destination: string, options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Record outcomes; a delivered event's body is deleted once no delivery needs it. */
  settle(outcomes: readonly DeliveryOutcome[], nowMs: number): Promise<void>;
  /** Time of the earliest retry that is not yet due for a destination, or null. */
  nextWakeMs(destination: string): Promise<number | null>;
  listDeliveries(filter: DeliveryLogFilter): Promise<DeliveryLogEntry[]>;
  queueStats(nowMs: number): Promise<QueueStats[]>;
  getDestinationState(name: string): Promise<DestinationState | null>;
  setDestinationState(state: DestinationState): Promise<void>;
  /** Forget dedupe keys older than `olderThanMs`; returns how many were removed. */
  pruneDedupe(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}
