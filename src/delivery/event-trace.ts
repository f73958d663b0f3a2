import type { AttemptRecord, DeliveryLogEntry, DeliveryStage, Store } from "../store/port.js";

/**
 * The story of one event, read from the delivery log: what `sluice trace` prints and the admin API's
 * `GET /admin/api/events/{messageId}/trace` returns. Never payload values: only the log's ids, names,
 * states, stages, reasons and attempt records.
 */

/** The pipeline's stages, in the order an event goes through them. */
export const STAGES: readonly DeliveryStage[] = [
  "ingest",
  "allowlist",
  "consent",
  "mapping",
  "privacy",
  "limits",
  "delivery",
];

/**
 * Where a delivery stands at one stage: `passed`; `stopped` or `failed` there (the final state); or,
 * while it waits, `pending` (not yet processed), `retrying` (delivery is being retried), and for the
 * stages after a stop, `not reached`.
 */
export type StageStatus = "passed" | "stopped" | "failed" | "pending" | "retrying" | "not reached";

/**
 * Each stage's status, derived from the delivery-log row: a delivery stopped or failed at a stage
 * passed every stage before it; delivered passed them all; a queued one passed ingest only (a
 * replayed one starts over), a retrying one everything up to the delivery being retried.
 *
 * @example
 * deliveryStages({ state: "stopped", stage: "allowlist" } as DeliveryLogEntry)
 * // [{ stage: "ingest", status: "passed" }, { stage: "allowlist", status: "stopped" },
 * //  { stage: "mapping", status: "not reached" }, ...]
 */
export function deliveryStages(
  entry: Pick<DeliveryLogEntry, "state" | "stage">,
): { stage: DeliveryStage; status: StageStatus }[] {
  const { state } = entry;
  return STAGES.map((stage, index) => {
    let status: StageStatus;
    if (state === "delivered") status = "passed";
    else if (state === "failed" || state === "stopped") {
      // A terminal row always names its stage; a row without one is blamed on delivery, the last.
      const at = STAGES.indexOf(entry.stage ?? "delivery");
      status = index < at ? "passed" : index === at ? state : "not reached";
    } else if (index === 0) status = "passed";
    else if (state === "retrying") status = stage === "delivery" ? "retrying" : "passed";
    else status = "pending";
    return { stage, status };
  });
}

/** One event (source × messageId × receipt) and what became of it at each destination. */
export interface EventTrace {
  messageId: string;
  sourceName: string;
  eventType: string;
  receivedAtMs: number;
  destinations: {
    deliveryId: number;
    destination: string;
    state: DeliveryLogEntry["state"];
    stage: DeliveryStage | null;
    reason: string | null;
    field: string | null;
    attempts: number;
    lastStatus: number | null;
    replays: number;
    stages: { stage: DeliveryStage; status: StageStatus }[];
    history: AttemptRecord[];
  }[];
}

/** Log rows read per query while collecting an event's deliveries. */
const PAGE = 1000;

/**
 * Every event stored with this messageId, oldest first, each with its deliveries in id order; empty
 * when there is none. Events are told apart by source and receipt time: a source's repeat within the
 * dedupe window is not stored, so two events of one source with one messageId were received at
 * different times.
 *
 * @example
 * const [event] = await readEventTraces(store, "m-1");
 * event?.destinations[0]?.stages; // [{ stage: "ingest", status: "passed" }, ...]
 */
export async function readEventTraces(
  store: Pick<Store, "listDeliveries" | "deliveryAttempts">,
  messageId: string,
): Promise<EventTrace[]> {
  const entries: DeliveryLogEntry[] = [];
  for (;;) {
    const last = entries.at(-1);
    const page = await store.listDeliveries({
      messageId,
      limit: PAGE,
      ...(last ? { beforeId: last.deliveryId } : {}),
    });
    entries.push(...page);
    if (page.length < PAGE) break;
  }
  const events = new Map<string, EventTrace>();
  for (const entry of entries.reverse()) {
    const key = `${entry.sourceName}\n${entry.receivedAtMs}`;
    let event = events.get(key);
    if (event === undefined) {
      event = {
        messageId: entry.messageId,
        sourceName: entry.sourceName,
        eventType: entry.eventType,
        receivedAtMs: entry.receivedAtMs,
        destinations: [],
      };
      events.set(key, event);
    }
    event.destinations.push({
      deliveryId: entry.deliveryId,
      destination: entry.destination,
      state: entry.state,
      stage: entry.stage,
      reason: entry.reason,
      field: entry.field,
      attempts: entry.attempts,
      lastStatus: entry.lastStatus,
      replays: entry.replays,
      stages: deliveryStages(entry),
      history: await store.deliveryAttempts(entry.deliveryId),
    });
  }
  return [...events.values()];
}
