/**
 * The SQL the SQLite adapter runs, in one place so tests can EXPLAIN it.
 *
 * `state IN ('queued', 'retrying')` is written exactly as in the `deliveries_waiting` index: SQLite
 * uses a partial index only when the query's WHERE visibly implies the index's WHERE, and a bound
 * parameter in its place would not.
 */

export const WAITING = "state IN ('queued', 'retrying')";

/**
 * Upsert of the dedupe key: inserts a new key, or refreshes one first seen at least a window before
 * this event's receipt. RETURNING yields a row only when one of those happened; no row = duplicate.
 */
export const SQL_RECORD_DEDUPE_KEY = `
  INSERT INTO dedupe (source_name, message_id, seen_at_ms) VALUES (@sourceName, @messageId, @receivedAtMs)
  ON CONFLICT (source_name, message_id) DO UPDATE SET seen_at_ms = excluded.seen_at_ms
    WHERE excluded.seen_at_ms - dedupe.seen_at_ms >= @dedupeWindowMs
  RETURNING 1`;

export const SQL_INSERT_EVENT = `
  INSERT INTO events (source_name, message_id, event_type, received_at_ms, body)
  VALUES (@sourceName, @messageId, @eventType, @receivedAtMs, @body)`;

export const SQL_INSERT_DELIVERY = `
  INSERT INTO deliveries (event_seq, destination, state, created_at_ms, updated_at_ms)
  VALUES (@eventSeq, @destination, 'queued', @receivedAtMs, @receivedAtMs)`;

export const SQL_SELECT_READY = `
  SELECT d.id AS deliveryId, d.destination, e.source_name AS sourceName, e.message_id AS messageId,
         e.event_type AS eventType, e.received_at_ms AS receivedAtMs, e.body, d.attempts,
         d.first_attempt_at_ms AS firstAttemptAtMs
  FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq
  WHERE d.destination = @destination AND d.${WAITING}
    AND d.next_attempt_at_ms <= @nowMs AND d.lease_until_ms <= @nowMs
  ORDER BY d.id
  LIMIT @limit`;

export const SQL_SET_LEASE = "UPDATE deliveries SET lease_until_ms = @leaseUntilMs WHERE id = @id";

/** Only waiting rows carry a lease (settle clears it), so the partial index finds them all. */
export const SQL_CLEAR_LEASES = `UPDATE deliveries SET lease_until_ms = 0 WHERE ${WAITING} AND lease_until_ms <> 0`;

/**
 * Terminal outcomes and `retrying`. The `WAITING` guard makes an outcome for an already terminal
 * delivery a no-op; RETURNING tells the caller whether a row changed and which event it belongs to.
 */
export const SQL_RECORD_OUTCOME = `
  UPDATE deliveries SET
    state = @state, stage = @stage, reason = @reason, field = @field, attempts = @attempts,
    last_status = COALESCE(@status, last_status),
    next_attempt_at_ms = COALESCE(@nextAttemptAtMs, next_attempt_at_ms),
    first_attempt_at_ms = COALESCE(first_attempt_at_ms, CASE WHEN @attempts > 0 THEN @nowMs END),
    lease_until_ms = 0, updated_at_ms = @nowMs
  WHERE id = @id AND ${WAITING}
  RETURNING event_seq AS eventSeq`;

export const SQL_RELEASE = `
  UPDATE deliveries SET
    lease_until_ms = 0, next_attempt_at_ms = COALESCE(@nextAttemptAtMs, next_attempt_at_ms),
    updated_at_ms = @nowMs
  WHERE id = @id AND ${WAITING}
  RETURNING event_seq AS eventSeq`;

export const SQL_DELIVERY_EXISTS = "SELECT 1 FROM deliveries WHERE id = ?";

/** Failed keeps the body: a dead letter is replayed from it. */
export const SQL_DROP_UNNEEDED_BODY = `
  UPDATE events SET body = NULL
  WHERE seq = @eventSeq AND body IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM deliveries WHERE event_seq = @eventSeq AND state IN ('queued', 'retrying', 'failed'))`;

export const SQL_NEXT_WAKE = `
  SELECT MIN(MAX(next_attempt_at_ms, lease_until_ms)) FROM deliveries
  WHERE destination = @destination AND ${WAITING}`;

export const SQL_QUEUE_STATS = `
  SELECT destination, COUNT(*) AS waiting, SUM(state = 'retrying') AS retrying,
         MIN(created_at_ms) AS oldestCreatedAtMs
  FROM deliveries WHERE ${WAITING}
  GROUP BY destination ORDER BY destination`;

export const SQL_EVENT_BODY = `
  SELECT e.body FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq WHERE d.id = ?`;

/** The log query; `where` is assembled from fixed fragments only (see `logWhere`), never from input. */
export function sqlListDeliveries(where: readonly string[]): string {
  return `
  SELECT d.id AS deliveryId, d.destination, e.source_name AS sourceName, e.message_id AS messageId,
         e.event_type AS eventType, d.state, d.stage, d.reason, d.field, d.attempts,
         d.last_status AS lastStatus, e.received_at_ms AS receivedAtMs, d.updated_at_ms AS updatedAtMs
  FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq
  ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
  ORDER BY d.id DESC
  LIMIT @limit`;
}

/** WHERE fragments of the log query, one per filter field. */
export const LOG_WHERE = {
  destination: "d.destination = @destination",
  messageId: "e.message_id = @messageId",
  state: "d.state = @state",
  beforeId: "d.id < @beforeId",
} as const;

export const SQL_GET_DESTINATION_STATE = `
  SELECT name, status, reason, credentials_fingerprint AS credentialsFingerprint, updated_at_ms AS updatedAtMs
  FROM destination_state WHERE name = ?`;

export const SQL_SET_DESTINATION_STATE = `
  INSERT INTO destination_state (name, status, reason, credentials_fingerprint, updated_at_ms)
  VALUES (@name, @status, @reason, @credentialsFingerprint, @updatedAtMs)
  ON CONFLICT (name) DO UPDATE SET status = excluded.status, reason = excluded.reason,
    credentials_fingerprint = excluded.credentials_fingerprint, updated_at_ms = excluded.updated_at_ms`;

/** Deletes at most @chunk keys, so a large prune yields the event loop between chunks. */
export const SQL_PRUNE_DEDUPE_CHUNK = `
  DELETE FROM dedupe WHERE (source_name, message_id) IN (
    SELECT source_name, message_id FROM dedupe WHERE seen_at_ms < @olderThanMs LIMIT @chunk)`;
