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
  INSERT INTO events (source_name, message_id, event_type, received_at_ms, body, event_name)
  VALUES (@sourceName, @messageId, @eventType, @receivedAtMs, @body, @eventName)`;

export const SQL_INSERT_DELIVERY = `
  INSERT INTO deliveries (event_seq, destination, state, created_at_ms, updated_at_ms, ordering_key)
  VALUES (@eventSeq, @destination, 'queued', @receivedAtMs, @receivedAtMs, @orderingKey)`;

/** The claim's window: the oldest ready deliveries, ids and keys only (no join, no body). */
export const SQL_SELECT_READY_WINDOW = `
  SELECT id, ordering_key AS orderingKey FROM deliveries
  WHERE destination = @destination AND ${WAITING}
    AND next_attempt_at_ms <= @nowMs AND lease_until_ms <= @nowMs
  ORDER BY id
  LIMIT @limit`;

/**
 * Whether a person has a waiting delivery before `@beforeId`. Called with the person's first ready id
 * in the window: every earlier waiting delivery of theirs is then leased or not yet due (a ready one
 * would be in the window), so the person is blocked. One seek into `deliveries_waiting_key`.
 */
export const SQL_KEY_HAS_EARLIER_WAITING = `
  SELECT EXISTS (
    SELECT 1 FROM deliveries
    WHERE destination = @destination AND ordering_key = @orderingKey AND ${WAITING} AND id < @beforeId
  )`;

/** The rest of a person's run past the window, in order; the caller stops at the first row that is not ready. */
export const SQL_KEY_RUN_AFTER = `
  SELECT id, next_attempt_at_ms <= @nowMs AND lease_until_ms <= @nowMs AS ready FROM deliveries
  WHERE destination = @destination AND ordering_key = @orderingKey AND ${WAITING} AND id > @afterId
  ORDER BY id
  LIMIT @limit`;

/**
 * Lease the chosen ids (a JSON array) under the claim's fencing token; `SQL_SELECT_CLAIMED` then
 * returns their rows.
 */
export const SQL_LEASE_IDS = `
  UPDATE deliveries SET lease_until_ms = @leaseUntilMs, lease_token = @leaseToken
  FROM json_each(@ids) AS j
  WHERE deliveries.id = j.value AND +deliveries.${WAITING}`;

/**
 * The claimed rows, in no particular order: the caller puts them back in the chosen order (an ORDER BY
 * here would copy every row, bodies included, through a temporary sorter).
 */
export const SQL_SELECT_CLAIMED = `
  SELECT d.id AS deliveryId, d.destination, e.source_name AS sourceName, e.message_id AS messageId,
         e.event_type AS eventType, e.received_at_ms AS receivedAtMs, e.body, d.attempts,
         d.first_attempt_at_ms AS firstAttemptAtMs, d.lease_token AS leaseToken
  FROM json_each(@ids) AS j JOIN deliveries AS d ON d.id = j.value JOIN events AS e ON e.seq = d.event_seq`;

/** Only waiting rows carry a lease (settle clears it), so the partial index finds them all. */
export const SQL_CLEAR_LEASES = `UPDATE deliveries SET lease_until_ms = 0 WHERE ${WAITING} AND lease_until_ms <> 0`;

/**
 * `history` with one attempt appended, keeping the last 50: `[atMs, status, latencyMs, state, reason]`.
 * Used only when the outcome carries a latency (it ended an attempt).
 */
function appendAttempt(status: string, latencyMs: string, state: string, reason: string): string {
  const entry = `json_array(@nowMs, ${status}, ${latencyMs}, ${state}, ${reason})`;
  return `CASE WHEN ${latencyMs} IS NULL THEN attempt_history
    WHEN attempt_history IS NULL THEN json_array(${entry})
    WHEN json_array_length(attempt_history) >= 50 THEN json_insert(json_remove(attempt_history, '$[0]'), '$[#]', ${entry})
    ELSE json_insert(attempt_history, '$[#]', ${entry}) END`;
}

/**
 * Terminal outcomes and `retrying`, a batch at a time: `@outcomes` is a JSON array of
 * `[deliveryId, state, stage, reason, field, attempts, status, nextAttemptAtMs, latencyMs, leaseToken]`
 * with distinct ids (UPDATE ... FROM applies one unspecified source row when several match, so the
 * caller splits repeated ids into separate batches). The waiting and token guards make an outcome
 * for an already terminal delivery, or one another claim took since, a no-op; RETURNING yields one event_seq per delivery that changed. The unary `+` keeps
 * SQLite from driving the update from an index on `state` (a scan of every waiting or delivered
 * row): the plan must be one rowid lookup per outcome.
 */
export const SQL_RECORD_OUTCOMES = `
  UPDATE deliveries SET
    state = o.state, stage = o.stage, reason = o.reason, field = o.field, attempts = o.attempts,
    last_status = COALESCE(o.status, last_status),
    next_attempt_at_ms = COALESCE(o.nextAttemptAtMs, next_attempt_at_ms),
    first_attempt_at_ms = COALESCE(first_attempt_at_ms, CASE WHEN o.attempts > 0 THEN @nowMs END),
    attempt_history = ${appendAttempt("o.status", "o.latencyMs", "o.state", "o.reason")},
    lease_until_ms = 0, updated_at_ms = @nowMs
  FROM (
    SELECT value ->> 0 AS id, value ->> 1 AS state, value ->> 2 AS stage, value ->> 3 AS reason,
           value ->> 4 AS field, value ->> 5 AS attempts, value ->> 6 AS status,
           value ->> 7 AS nextAttemptAtMs, value ->> 8 AS latencyMs, value ->> 9 AS leaseToken
    FROM json_each(@outcomes)
  ) AS o
  WHERE deliveries.id = o.id AND +deliveries.${WAITING} AND deliveries.lease_token = o.leaseToken
  RETURNING event_seq`;

/**
 * The hot path of `SQL_RECORD_OUTCOMES`: `delivered` outcomes that share `@attempts`, `@status`, `@latencyMs`
 * and `@leaseToken` (one claim's batch), their distinct ids in the JSON array `@ids`. Same effect, without extracting eight JSON fields per row.
 */
export const SQL_RECORD_DELIVERED = `
  UPDATE deliveries SET
    state = 'delivered', stage = NULL, reason = NULL, field = NULL, attempts = @attempts,
    last_status = COALESCE(@status, last_status),
    first_attempt_at_ms = COALESCE(first_attempt_at_ms, CASE WHEN @attempts > 0 THEN @nowMs END),
    attempt_history = ${appendAttempt("@status", "@latencyMs", "'delivered'", "NULL")},
    lease_until_ms = 0, updated_at_ms = @nowMs
  FROM json_each(@ids) AS j
  WHERE deliveries.id = j.value AND +deliveries.${WAITING} AND deliveries.lease_token = @leaseToken
  RETURNING event_seq`;

/**
 * `released` outcomes, a batch at a time: `@outcomes` is a JSON array of
 * `[deliveryId, nextAttemptAtMs, leaseToken]` with distinct ids; guards and `+` as in `SQL_RECORD_OUTCOMES`.
 */
export const SQL_RELEASE_MANY = `
  UPDATE deliveries SET
    lease_until_ms = 0, next_attempt_at_ms = COALESCE(o.nextAttemptAtMs, next_attempt_at_ms),
    updated_at_ms = @nowMs
  FROM (
    SELECT value ->> 0 AS id, value ->> 1 AS nextAttemptAtMs, value ->> 2 AS leaseToken FROM json_each(@outcomes)
  ) AS o
  WHERE deliveries.id = o.id AND +deliveries.${WAITING} AND deliveries.lease_token = o.leaseToken`;

/** The first id of the JSON array `@ids`, in array order, that names no delivery. */
export const SQL_FIRST_UNKNOWN_DELIVERY = `
  SELECT j.value FROM json_each(@ids) AS j
  WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE id = j.value)
  ORDER BY j.key LIMIT 1`;

/** Failed keeps the body: a dead letter is replayed from it. `@eventSeqs` is a JSON array of event seqs. */
export const SQL_DROP_UNNEEDED_BODIES = `
  UPDATE events SET body = NULL
  WHERE seq IN (SELECT value FROM json_each(@eventSeqs)) AND body IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM deliveries WHERE event_seq = events.seq AND state IN ('queued', 'retrying', 'failed'))`;

export const SQL_NEXT_WAKE = `
  SELECT MIN(MAX(next_attempt_at_ms, lease_until_ms)) FROM deliveries
  WHERE destination = @destination AND ${WAITING}`;

export const SQL_QUEUE_STATS = `
  SELECT destination, COUNT(*) AS waiting, SUM(state = 'retrying') AS retrying,
         MIN(created_at_ms) AS oldestCreatedAtMs
  FROM deliveries WHERE ${WAITING}
  GROUP BY destination ORDER BY destination`;

/** `INDEXED BY`: without statistics SQLite would walk `deliveries_state`, i.e. the whole log. */
export const SQL_OUTCOME_COUNTS = `
  SELECT destination, SUM(state = 'delivered') AS delivered, SUM(state = 'failed') AS failed,
         SUM(state = 'stopped') AS stopped
  FROM deliveries INDEXED BY deliveries_settled
  WHERE updated_at_ms >= @sinceMs AND state IN ('delivered', 'failed', 'stopped')
  GROUP BY destination ORDER BY destination`;

export const SQL_EVENT_BODY = `
  SELECT e.body FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq WHERE d.id = ?`;

/** The log query; `where` is assembled from fixed fragments only (see `logWhere`), never from input. */
export function sqlListDeliveries(where: readonly string[]): string {
  return `
  SELECT d.id AS deliveryId, d.destination, e.source_name AS sourceName, e.message_id AS messageId,
         e.event_type AS eventType, e.event_name AS eventName, d.state, d.stage, d.reason, d.field,
         d.attempts, d.last_status AS lastStatus, e.received_at_ms AS receivedAtMs,
         d.first_attempt_at_ms AS firstAttemptAtMs, d.updated_at_ms AS updatedAtMs, d.replays
  FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq
  ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
  ORDER BY d.id DESC
  LIMIT @limit`;
}

/** WHERE fragments of the log query, one per filter field. */
export const LOG_WHERE = {
  destination: "d.destination = @destination",
  messageId: "e.message_id = @messageId",
  sourceName: "e.source_name = @sourceName",
  eventName: "e.event_name = @eventName",
  state: "d.state = @state",
  beforeId: "d.id < @beforeId",
  fromMs: "d.updated_at_ms >= @fromMs",
  toMs: "d.updated_at_ms < @toMs",
} as const;

export const SQL_ATTEMPT_HISTORY = "SELECT attempt_history FROM deliveries WHERE id = ?";

/**
 * Dead letters matching the filter (fixed fragments, see `REPLAY_WHERE`) whose body is still there,
 * oldest first, back to queued and due at once. Returns the replayed ids.
 */
export function sqlReplay(where: readonly string[]): string {
  return `
  UPDATE deliveries SET state = 'queued', stage = NULL, reason = NULL, field = NULL, attempts = 0,
    first_attempt_at_ms = NULL, next_attempt_at_ms = 0, lease_until_ms = 0, lease_token = NULL,
    replays = replays + 1, updated_at_ms = @nowMs
  WHERE id IN (
    SELECT d.id FROM deliveries AS d JOIN events AS e ON e.seq = d.event_seq
    WHERE d.state = 'failed' AND e.body IS NOT NULL${where.map((w) => ` AND ${w}`).join("")}
    ORDER BY d.id LIMIT @limit)
  RETURNING id`;
}

export const REPLAY_WHERE = {
  destination: "d.destination = @destination",
  messageId: "e.message_id = @messageId",
  deliveryIds: "d.id IN (SELECT value FROM json_each(@deliveryIds))",
  fromMs: "d.updated_at_ms >= @fromMs",
  toMs: "d.updated_at_ms < @toMs",
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
