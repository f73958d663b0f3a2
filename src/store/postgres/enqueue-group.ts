import type { PoolClient } from "pg";
import type { EnqueueEvent, EnqueueResult } from "../port.js";
import type { PostgresStatements } from "./statements.js";

/** What writing a group needs besides the events. */
export interface EnqueueGroupContext {
  sql: PostgresStatements;
  dedupeWindowMs: number;
  /** `regclass` names of the identity sequences of `events` and `deliveries`. */
  sequences: { events: string; deliveries: string };
  /** The NOTIFY channel of this store's schema. */
  channel: string;
}

/**
 * The dedupe rounds of a group: round k holds the k-th copy of every (source, messageId) key, as
 * indexes into `events`. One `INSERT ... ON CONFLICT` cannot touch a row twice, and copies must be
 * judged in order (the later copy of a call is the duplicate; a copy a whole window later restarts
 * it), so each round is one statement and sees what the previous one wrote. A group without repeated
 * keys is one round. Each round is sorted by key so that every node locks keys in the same order and
 * two groups sharing keys cannot deadlock.
 *
 * @example
 * dedupeRounds([{ sourceName: "web", messageId: "b" }, { sourceName: "web", messageId: "a" },
 *   { sourceName: "web", messageId: "b" }]); // [[1, 0], [2]]
 */
export function dedupeRounds(events: readonly Pick<EnqueueEvent, "sourceName" | "messageId">[]): number[][] {
  const rounds: number[][] = [];
  const copies = new Map<string, number>();
  events.forEach((event, index) => {
    const key = dedupeKey(event.sourceName, event.messageId);
    const round = copies.get(key) ?? 0;
    copies.set(key, round + 1);
    const indexes = rounds[round] ?? [];
    indexes.push(index);
    rounds[round] = indexes;
  });
  for (const round of rounds) {
    round.sort((a, b) => {
      const x = events[a]!;
      const y = events[b]!;
      return compare(x.sourceName, y.sourceName) || compare(x.messageId, y.messageId);
    });
  }
  return rounds;
}

/**
 * Write one group of enqueue calls: each dedupe round is one statement that records the round's keys
 * and inserts the events it accepts with their bodies and deliveries (`enqueueRound`). A group without
 * repeated keys (nearly every group) is a single autocommitted statement, one round trip; with more
 * rounds they share a transaction, so a call's events always commit or roll back together. Returns each
 * call's results, in call and input order.
 *
 * Within a round, delivery ids follow input order. A later round's ids come after the earlier rounds':
 * it only holds later copies of keys, which are accepted only when their copies lie a whole dedupe window
 * apart within one group, so input order is kept in every case that can arise in practice.
 *
 * @example
 * const results = await writeEnqueueGroup(client, [[event1], [event2, event3]], context);
 */
export async function writeEnqueueGroup(
  client: PoolClient,
  calls: readonly (readonly EnqueueEvent[])[],
  context: EnqueueGroupContext,
): Promise<EnqueueResult[][]> {
  const events = calls.flat();
  const rounds = dedupeRounds(events);
  const accepted = events.map(() => false);
  const several = rounds.length > 1;
  if (several) await client.query("BEGIN");
  for (const round of rounds) {
    const { rows } = await client.query<{ accepted: number[] }>(
      context.sql.enqueueRound,
      roundParameters(events, round, context),
    );
    for (const position of rows[0]?.accepted ?? []) accepted[position] = true;
  }
  if (several) await client.query("COMMIT");
  let next = 0;
  return calls.map((call) => call.map(() => ({ duplicate: !accepted[next++] })));
}

/** The parameters of `enqueueRound` for the events at `round` (indexes into `events`, key-sorted). */
function roundParameters(
  events: readonly EnqueueEvent[],
  round: readonly number[],
  context: EnqueueGroupContext,
): unknown[] {
  const inRound = round.map((i) => events[i]!);
  const deliveryPositions: number[] = [];
  const deliveryDestinations: string[] = [];
  // Input order, not key order: the statement numbers deliveries in the order given.
  for (const position of [...round].sort((a, b) => a - b)) {
    for (const destination of events[position]!.destinations) {
      deliveryPositions.push(position);
      deliveryDestinations.push(destination);
    }
  }
  return [
    round,
    inRound.map((event) => event.sourceName),
    inRound.map((event) => event.messageId),
    inRound.map((event) => event.eventType),
    inRound.map((event) => event.receivedAtMs),
    inRound.map((event) => event.eventName ?? null),
    // An event without destinations is kept for dedupe only: nothing will ever need its body.
    inRound.map((event) => (event.destinations.length > 0 ? event.body : null)),
    inRound.map((event) => event.orderingKey ?? null),
    deliveryPositions,
    deliveryDestinations,
    context.dedupeWindowMs,
    context.sequences.events,
    context.sequences.deliveries,
    context.channel,
  ];
}

/** Input text never contains NUL (the adapter rejects it: PostgreSQL text cannot hold it). */
function dedupeKey(sourceName: string, messageId: string): string {
  return `${sourceName}\u0000${messageId}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
