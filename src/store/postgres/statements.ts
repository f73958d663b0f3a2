import { escapeIdentifier } from "pg";

/**
 * The SQL the PostgreSQL adapter runs, with every table qualified by the store's schema (so a
 * connection's `search_path` never matters, and PgBouncer-style poolers cannot mix schemas up).
 * Every value is a bound parameter; arrays go in as one parameter each and come out of `unnest`.
 *
 * `state IN ('queued', 'retrying')` is written exactly as in the partial indexes' predicates, so the
 * planner can prove a query covered by them.
 */
export type PostgresStatements = ReturnType<typeof postgresStatements>;

const WAITING = "state IN ('queued', 'retrying')";

/** The columns of a delivery-log entry, from `deliveries AS d JOIN events AS e`. */
const LOG_COLUMNS = `d.id AS "deliveryId", d.destination, e.source_name AS "sourceName",
  e.message_id AS "messageId", e.event_type AS "eventType", e.event_name AS "eventName", d.state,
  d.stage, d.reason, d.field,
  d.attempts, d.last_status AS "lastStatus", e.received_at_ms AS "receivedAtMs",
  d.first_attempt_at_ms AS "firstAttemptAtMs", d.updated_at_ms AS "updatedAtMs", d.replays`;

/**
 * WHERE fragments of the log query, by filter field; `$n` is filled with the parameter's position.
 * Only these fixed texts ever reach the SQL, never a filter value.
 */
export const LOG_WHERE = {
  destination: "d.destination = $n",
  messageId: "e.message_id = $n",
  sourceName: "e.source_name = $n",
  eventName: "e.event_name = $n",
  state: "d.state = $n",
  beforeId: "d.id < $n",
  fromMs: "d.updated_at_ms >= $n",
  toMs: "d.updated_at_ms < $n",
} as const;

/** WHERE fragments of replay's selection, as `LOG_WHERE`. */
export const REPLAY_WHERE = {
  destination: "d.destination = $n",
  messageId: "e.message_id = $n",
  deliveryIds: "d.id = ANY($n::bigint[])",
  fromMs: "d.updated_at_ms >= $n",
  toMs: "d.updated_at_ms < $n",
} as const;

/**
 * Every statement of the adapter for one schema.
 *
 * @example
 * const sql = postgresStatements("sluice");
 * await pool.query(sql.nextWake, ["customerio"]);
 */
export function postgresStatements(schema: string) {
  const s = escapeIdentifier(schema);
  return {
    /**
     * One dedupe round of an enqueue group, with everything it accepts, in one statement: the keys (distinct
     * within the round, sorted so every node locks them in the same order and two groups sharing keys cannot
     * deadlock) go into `dedupe`, where a new key is inserted or a key first seen at least a window ($12)
     * before this copy is refreshed; the copies that did so are the accepted ones, and only they get an
     * event row, a body and deliveries. A key another transaction is inserting makes this wait for that
     * transaction's outcome, so of two concurrent copies exactly one is accepted.
     *
     * Ids are drawn from the identity sequences ($13, $14) and handed out in ascending order by input
     * position ($1) and, within an event, destination order, so the claim (oldest id first) takes a person's
     * events in the order they were received. Then one NOTIFY per destination that got a delivery: delivered
     * when the transaction commits, and not at all if it rolls back. Returns the input positions accepted.
     *
     * Parameters: per event $1 position, $2 source, $3 messageId, $4 type, $5 receivedAt, $6 name, $7 body
     * (null when it has no destination: kept for dedupe only), $8 ordering key; per delivery $9 the event's
     * position and $10 the destination, in input order.
     */
    enqueueRound: `
      WITH input AS MATERIALIZED (
        SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
          $7::text[], $8::text[])
          AS i (position, source_name, message_id, event_type, received_at_ms, event_name, body, ordering_key)
      ), accepted AS (
        INSERT INTO ${s}.dedupe AS k (source_name, message_id, seen_at_ms)
        SELECT source_name, message_id, received_at_ms FROM input
        ON CONFLICT (source_name, message_id) DO UPDATE SET seen_at_ms = excluded.seen_at_ms
          WHERE excluded.seen_at_ms - k.seen_at_ms >= $11
        RETURNING source_name, message_id
      ), new_events AS MATERIALIZED (
        SELECT i.*, row_number() OVER (ORDER BY i.position) AS n
        FROM input AS i JOIN accepted AS a USING (source_name, message_id)
      ), event_seqs AS MATERIALIZED (
        SELECT seq, row_number() OVER (ORDER BY seq) AS n
        FROM (SELECT nextval($12::regclass) AS seq FROM new_events) AS drawn
      ), numbered AS MATERIALIZED (
        SELECT e.*, s.seq FROM new_events AS e JOIN event_seqs AS s USING (n)
      ), delivery_rows AS MATERIALIZED (
        SELECT e.seq AS event_seq, d.destination, e.ordering_key, e.received_at_ms,
          row_number() OVER (ORDER BY d.ordinal) AS n
        FROM unnest($9::int[], $10::text[]) WITH ORDINALITY AS d (position, destination, ordinal)
        JOIN numbered AS e USING (position)
      ), delivery_ids AS MATERIALIZED (
        SELECT id, row_number() OVER (ORDER BY id) AS n
        FROM (SELECT nextval($13::regclass) AS id FROM delivery_rows) AS drawn
      ), new_event_rows AS (
        INSERT INTO ${s}.events (seq, source_name, message_id, event_type, received_at_ms, event_name)
        SELECT seq, source_name, message_id, event_type, received_at_ms, event_name FROM numbered
      ), new_bodies AS (
        INSERT INTO ${s}.event_bodies (event_seq, body) SELECT seq, body FROM numbered WHERE body IS NOT NULL
      ), new_deliveries AS (
        INSERT INTO ${s}.deliveries
          (id, event_seq, destination, ordering_key, state, created_at_ms, updated_at_ms)
        SELECT i.id, r.event_seq, r.destination, r.ordering_key, 'queued', r.received_at_ms, r.received_at_ms
        FROM delivery_rows AS r JOIN delivery_ids AS i USING (n)
      )
      SELECT coalesce((SELECT array_agg(position) FROM new_events), '{}') AS "accepted",
        (SELECT count(pg_notify($14, destination)) FROM (SELECT DISTINCT destination FROM delivery_rows) AS d)
          AS notified`,

    /** The sequences behind the identity columns (for `enqueueRound`) and the server's autovacuum, read once at open. */
    sequences: `
      SELECT pg_get_serial_sequence($1, 'seq') AS events, pg_get_serial_sequence($2, 'id') AS deliveries,
        current_setting('autovacuum')::boolean AS autovacuum`,

    /**
     * The claim's window: the oldest `limit` ready deliveries that no concurrent claimer holds, locked
     * until the claim commits. SKIP LOCKED lets several nodes claim the same destination at once
     * without waiting for, or ever taking, each other's rows.
     */
    selectReadyWindow: `
      SELECT id, ordering_key AS "orderingKey" FROM ${s}.deliveries
      WHERE destination = $1 AND ${WAITING} AND next_attempt_at_ms <= $2 AND lease_until_ms <= $2
      ORDER BY id
      LIMIT $3
      FOR UPDATE SKIP LOCKED`,

    /**
     * The first waiting deliveries of the ordering keys in `$2`, in id order, with whether each is ready
     * at `$3`: key by key in the order given (the window's), `$4` (the claim's limit) in all — a claim
     * can take no more, and a backlog of long runs (40 events per person: 80,000 rows for a 2,000-event
     * claim) no longer travels to the node. Each key's rows are a prefix of its waiting rows in id order,
     * so a cut run is only taken in part, never with a gap. The claim takes a key's run from its very
     * first waiting delivery and only while every next one is in hand: a leased, not yet due or foreign-locked delivery ends the run (or
     * blocks the key when it comes first), so a person's events never go out of order or to two
     * claimers at once.
     */
    keyRuns: `
      SELECT u.key, r.id, r.ready FROM unnest($2::text[]) WITH ORDINALITY AS u (key, ord)
      CROSS JOIN LATERAL (
        SELECT id, next_attempt_at_ms <= $3 AND lease_until_ms <= $3 AS ready FROM ${s}.deliveries
        WHERE destination = $1 AND ordering_key = u.key AND ${WAITING} AND ordering_key IS NOT NULL
        ORDER BY id
        LIMIT $4) AS r
      ORDER BY u.ord, r.id
      LIMIT $4`,

    /** What the planner believes the waiting index holds ($1: its qualified name), from pg_class. */
    waitingIndexTuples: "SELECT reltuples::float8 AS believed FROM pg_class WHERE oid = to_regclass($1)",

    /** One node at a time refreshes a schema's queue statistics; released when the claim ends. */
    tryAnalyzeLock: "SELECT pg_try_advisory_xact_lock(hashtext('sluice analyze ' || $1)) AS locked",

    analyzeDeliveries: `ANALYZE ${s}.deliveries`,

    /** Lock what is still ready among `$1`, skipping rows another claimer holds; the caller keeps prefixes. */
    lockReady: `
      SELECT id FROM ${s}.deliveries
      WHERE id = ANY($1::bigint[]) AND ${WAITING} AND next_attempt_at_ms <= $2 AND lease_until_ms <= $2
      FOR UPDATE SKIP LOCKED`,

    /**
     * Lease the chosen (already locked) deliveries under the claim's fencing token `$3` and return
     * them; the caller restores the order.
     */
    leaseAndFetch: `
      WITH leased AS (
        UPDATE ${s}.deliveries SET lease_until_ms = $2, lease_token = $3 WHERE id = ANY($1::bigint[])
        RETURNING id, event_seq, destination, attempts, first_attempt_at_ms, lease_token
      )
      SELECT l.id AS "deliveryId", l.destination, e.source_name AS "sourceName",
             e.message_id AS "messageId", e.event_type AS "eventType", e.received_at_ms AS "receivedAtMs",
             b.body, l.attempts, l.first_attempt_at_ms AS "firstAttemptAtMs", l.lease_token AS "leaseToken"
      FROM leased AS l
      JOIN ${s}.events AS e ON e.seq = l.event_seq
      JOIN ${s}.event_bodies AS b ON b.event_seq = l.event_seq`,

    /**
     * A run of outcomes with distinct ids, in one statement. `released` keeps the log fields and only
     * clears the lease (and moves the next attempt time when given); every other outcome records its
     * fields, appends the attempt to the history when it carries one, and sets the first-attempt time
     * once. The waiting guard ignores outcomes for terminal deliveries, and the token guard those of a
     * claim whose delivery another claim took since (`$11`: each outcome's lease token; a concurrent
     * claim's row lock makes the UPDATE wait and re-check the guards on the claimed row). Then the bodies of the events
     * this run may have finished are locked, in seq order: two nodes settling the last two deliveries
     * of one event serialise here, so the second sees the first's change when it checks the body.
     * Returns how many deliveries changed and the seqs of those candidate events.
     */
    settleRun: `
      WITH o AS (
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                             $7::bigint[], $8::bigint[], $9::bigint[], $11::text[])
          AS o (id, state, stage, reason, field, attempts, status, next_attempt_at_ms, latency_ms, lease_token)
      ), changed AS (
        UPDATE ${s}.deliveries AS d SET
          state = CASE WHEN o.state = 'released' THEN d.state ELSE o.state END,
          stage = CASE WHEN o.state = 'released' THEN d.stage ELSE o.stage END,
          reason = CASE WHEN o.state = 'released' THEN d.reason ELSE o.reason END,
          field = CASE WHEN o.state = 'released' THEN d.field ELSE o.field END,
          attempts = COALESCE(o.attempts, d.attempts),
          last_status = COALESCE(o.status, d.last_status),
          next_attempt_at_ms = COALESCE(o.next_attempt_at_ms, d.next_attempt_at_ms),
          first_attempt_at_ms = CASE WHEN o.state <> 'released' AND o.attempts > 0
            THEN COALESCE(d.first_attempt_at_ms, $10) ELSE d.first_attempt_at_ms END,
          attempt_history = CASE
            WHEN o.latency_ms IS NULL THEN d.attempt_history
            WHEN d.attempt_history IS NULL
              THEN jsonb_build_array(jsonb_build_array($10::bigint, o.status, o.latency_ms, o.state, o.reason))
            WHEN jsonb_array_length(d.attempt_history) >= 50
              THEN (d.attempt_history - 0)
                || jsonb_build_array(jsonb_build_array($10::bigint, o.status, o.latency_ms, o.state, o.reason))
            ELSE d.attempt_history
              || jsonb_build_array(jsonb_build_array($10::bigint, o.status, o.latency_ms, o.state, o.reason))
          END,
          lease_until_ms = 0,
          updated_at_ms = $10
        FROM o
        WHERE d.id = o.id AND d.${WAITING} AND d.lease_token = o.lease_token
        RETURNING d.event_seq, o.state
      ), locked AS (
        SELECT event_seq FROM ${s}.event_bodies
        WHERE event_seq IN (SELECT event_seq FROM changed WHERE state IN ('delivered', 'stopped'))
        ORDER BY event_seq
        FOR UPDATE
      )
      SELECT (SELECT count(*) FROM changed) AS changed,
             ARRAY(SELECT event_seq FROM locked) AS "eventSeqs"`,

    /** The first of `$1` (in array order) that names no delivery. */
    firstUnknownDelivery: `
      SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, ord)
      WHERE NOT EXISTS (SELECT 1 FROM ${s}.deliveries WHERE id = u.id)
      ORDER BY u.ord
      LIMIT 1`,

    /**
     * Delete the bodies no delivery needs any more (failed keeps it: a dead letter is replayed from it).
     * Run as its own statement after `settleRun` locked them, so its snapshot sees what a concurrent
     * settle of the same event committed meanwhile.
     */
    dropUnneededBodies: `
      DELETE FROM ${s}.event_bodies AS b
      WHERE b.event_seq = ANY($1::bigint[]) AND NOT EXISTS (
        SELECT 1 FROM ${s}.deliveries AS d
        WHERE d.event_seq = b.event_seq AND d.state IN ('queued', 'retrying', 'failed'))`,

    nextWake: `
      SELECT min(greatest(next_attempt_at_ms, lease_until_ms)) AS "wakeMs" FROM ${s}.deliveries
      WHERE destination = $1 AND ${WAITING}`,

    queueStats: `
      SELECT destination, count(*) AS waiting, count(*) FILTER (WHERE state = 'retrying') AS retrying,
             min(created_at_ms) AS "oldestCreatedAtMs"
      FROM ${s}.deliveries WHERE ${WAITING}
      GROUP BY destination ORDER BY destination`,

    outcomeCounts: `
      SELECT destination, count(*) FILTER (WHERE state = 'delivered') AS delivered,
             count(*) FILTER (WHERE state = 'failed') AS failed,
             count(*) FILTER (WHERE state = 'stopped') AS stopped
      FROM ${s}.deliveries
      WHERE updated_at_ms >= $1 AND state IN ('delivered', 'failed', 'stopped')
      GROUP BY destination ORDER BY destination`,

    eventBody: `
      SELECT b.body FROM ${s}.deliveries AS d JOIN ${s}.event_bodies AS b ON b.event_seq = d.event_seq
      WHERE d.id = $1`,

    attemptHistory: `SELECT attempt_history AS history FROM ${s}.deliveries WHERE id = $1`,

    /** One notification per destination; delivered when the surrounding transaction commits. */
    notifyWork: "SELECT pg_notify($1, destination) FROM unnest($2::text[]) AS destination",

    /** Destinations with waiting work, announced after the LISTEN connection (re)connects. */
    waitingDestinations: `SELECT DISTINCT destination FROM ${s}.deliveries WHERE ${WAITING}`,

    getDestinationState: `
      SELECT name, status, reason, credentials_fingerprint AS "credentialsFingerprint",
             updated_at_ms AS "updatedAtMs"
      FROM ${s}.destination_state WHERE name = $1`,

    setDestinationState: `
      INSERT INTO ${s}.destination_state (name, status, reason, credentials_fingerprint, updated_at_ms)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (name) DO UPDATE SET status = excluded.status, reason = excluded.reason,
        credentials_fingerprint = excluded.credentials_fingerprint, updated_at_ms = excluded.updated_at_ms`,

    /**
     * At most `$2` keys first seen before `$1`. SKIP LOCKED leaves keys an enqueue is refreshing right
     * now (and keys another node is pruning) alone; the row lock re-checks `seen_at_ms` on the newest
     * version, so a key refreshed meanwhile is not deleted.
     */
    pruneDedupeBatch: `
      DELETE FROM ${s}.dedupe AS k USING (
        SELECT source_name, message_id FROM ${s}.dedupe WHERE seen_at_ms < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED) AS old
      WHERE k.source_name = old.source_name AND k.message_id = old.message_id`,

    /**
     * Take one token from the shared bucket `$1` (rate `$2` per second, capacity `$3`) at `$4` ms, in
     * one atomic statement: the row lock serialises every node's takes. A new bucket starts full.
     * Refill counts only time after the last update (GREATEST: a node whose clock lags earns nothing,
     * so skew tightens the limit, never loosens it). Returns the tokens left; below zero, the caller
     * reserved a token that becomes its own after `-tokens / rate` seconds.
     */
    takeRequestToken: `
      INSERT INTO ${s}.rate_limits AS r (key, tokens, updated_at_ms)
      VALUES ($1, $3::float8 - 1, $4::bigint)
      ON CONFLICT (key) DO UPDATE SET
        tokens = LEAST($3::float8, r.tokens + GREATEST(0, $4::bigint - r.updated_at_ms) * $2::float8 / 1000) - 1,
        updated_at_ms = GREATEST(r.updated_at_ms, $4::bigint)
      RETURNING tokens`,

    /** The log query; `where` holds `LOG_WHERE` fragments only, the limit is the last parameter. */
    listDeliveries(where: readonly string[], limitParam: number): string {
      return `
        SELECT ${LOG_COLUMNS}
        FROM ${s}.deliveries AS d JOIN ${s}.events AS e ON e.seq = d.event_seq
        ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY d.id DESC
        LIMIT $${limitParam}`;
    },

    /**
     * Dead letters matching `where` (`REPLAY_WHERE` fragments) whose body is still there, oldest first,
     * back to queued and due at once. `$1` is nowMs, `$2` the limit. Returns one row per replayed
     * delivery with its destination, for the work notification.
     */
    replay(where: readonly string[]): string {
      // MATERIALIZED: the selection runs once. As an IN (...) subquery it can be rescanned after the
      // UPDATE changed the rows it picked first, and then picks more than the limit.
      return `
        WITH picked AS MATERIALIZED (
          SELECT d.id FROM ${s}.deliveries AS d JOIN ${s}.events AS e ON e.seq = d.event_seq
          WHERE d.state = 'failed'
            AND EXISTS (SELECT 1 FROM ${s}.event_bodies AS b WHERE b.event_seq = d.event_seq)
            ${where.map((fragment) => `AND ${fragment}`).join(" ")}
          ORDER BY d.id
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED)
        UPDATE ${s}.deliveries AS d SET state = 'queued', stage = NULL, reason = NULL, field = NULL,
          attempts = 0, first_attempt_at_ms = NULL, next_attempt_at_ms = 0, lease_until_ms = 0,
          lease_token = NULL, replays = d.replays + 1, updated_at_ms = $1
        FROM picked
        WHERE d.id = picked.id AND d.state = 'failed'
        RETURNING d.destination`;
    },
  };
}
