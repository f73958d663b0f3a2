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
 * Write one group of enqueue calls inside the caller's open transaction: dedupe keys round by round,
 * then every accepted event with its body and deliveries in one statement, which also queues one
 * NOTIFY per destination for the commit. Returns each call's results, in call and input order.
 * A call's events are all in this transaction, so they commit or roll back together.
 *
 * @example
 * await client.query("BEGIN");
 * const results = await writeEnqueueGroup(client, [[event1], [event2, event3]], context);
 * await client.query("COMMIT");
 */
export async function writeEnqueueGroup(
  client: PoolClient,
  calls: readonly (readonly EnqueueEvent[])[],
  context: EnqueueGroupContext,
): Promise<EnqueueResult[][]> {
  const events = calls.flat();
  const accepted = await recordDedupeKeys(client, events, context);
  const newEvents = events.filter((_, index) => accepted[index]);
  const deliveryCount = newEvents.reduce((sum, event) => sum + event.destinations.length, 0);
  if (newEvents.length > 0) {
    const { rows } = await client.query<{ eventSeqs: number[]; deliveryIds: number[] }>(
      context.sql.allocateIds,
      [context.sequences.events, newEvents.length, context.sequences.deliveries, deliveryCount],
    );
    // Ascending, so deliveries get ids in input order: claim takes them oldest (lowest id) first.
    const eventSeqs = [...(rows[0]?.eventSeqs ?? [])].sort((a, b) => a - b);
    const deliveryIds = [...(rows[0]?.deliveryIds ?? [])].sort((a, b) => a - b);
    await client.query(
      context.sql.insertGroup,
      insertParameters(newEvents, eventSeqs, deliveryIds, context.channel),
    );
  }
  let next = 0;
  return calls.map((call) => call.map(() => ({ duplicate: !accepted[next++] })));
}

/** Run the dedupe rounds; `accepted[i]` tells whether `events[i]` is new. */
async function recordDedupeKeys(
  client: PoolClient,
  events: readonly EnqueueEvent[],
  context: EnqueueGroupContext,
): Promise<boolean[]> {
  const accepted = events.map(() => false);
  for (const round of dedupeRounds(events)) {
    const { rows } = await client.query<{ sourceName: string; messageId: string }>(
      context.sql.recordDedupeKeys,
      [
        round.map((i) => events[i]!.sourceName),
        round.map((i) => events[i]!.messageId),
        round.map((i) => events[i]!.receivedAtMs),
        context.dedupeWindowMs,
      ],
    );
    const keys = new Set(rows.map((row) => dedupeKey(row.sourceName, row.messageId)));
    for (const i of round) accepted[i] = keys.has(dedupeKey(events[i]!.sourceName, events[i]!.messageId));
  }
  return accepted;
}

/** The columns of `insertGroup`, as parallel arrays. */
function insertParameters(
  events: readonly EnqueueEvent[],
  eventSeqs: readonly number[],
  deliveryIds: readonly number[],
  channel: string,
): unknown[] {
  const bodySeqs: number[] = [];
  const bodies: string[] = [];
  const delivery = {
    ids: [] as number[],
    eventSeqs: [] as number[],
    destinations: [] as string[],
    orderingKeys: [] as (string | null)[],
    createdAtMs: [] as number[],
  };
  const destinations = new Set<string>();
  events.forEach((event, index) => {
    const seq = eventSeqs[index]!;
    // An event without destinations is kept for dedupe only: nothing will ever need its body.
    if (event.destinations.length === 0) return;
    bodySeqs.push(seq);
    bodies.push(event.body);
    for (const destination of event.destinations) {
      delivery.ids.push(deliveryIds[delivery.ids.length]!);
      delivery.eventSeqs.push(seq);
      delivery.destinations.push(destination);
      delivery.orderingKeys.push(event.orderingKey ?? null);
      delivery.createdAtMs.push(event.receivedAtMs);
      destinations.add(destination);
    }
  });
  return [
    eventSeqs,
    events.map((event) => event.sourceName),
    events.map((event) => event.messageId),
    events.map((event) => event.eventType),
    events.map((event) => event.receivedAtMs),
    bodySeqs,
    bodies,
    delivery.ids,
    delivery.eventSeqs,
    delivery.destinations,
    delivery.orderingKeys,
    delivery.createdAtMs,
    channel,
    [...destinations],
    events.map((event) => event.eventName ?? null),
  ];
}

/** Input text never contains NUL (the adapter rejects it: PostgreSQL text cannot hold it). */
function dedupeKey(sourceName: string, messageId: string): string {
  return `${sourceName}\u0000${messageId}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
