import type { AttemptRecord, DeliveryLogEntry, DeliveryStage } from "../store/port.js";
import type { Command } from "./command.js";
import { attemptTable } from "./dlq.js";
import { type CliLogStore, withLogStore } from "./log-store.js";

const USAGE = `sluice trace <messageId> [--json]

The story of one event: its source, type and when it was received, then per destination every stage
it passed or stopped at (ingest, allowlist, mapping, limits, delivery), each delivery attempt (time,
HTTP status, latency, resulting state, reason) and the final state with its reason and field. Never
payload values. Several sources may have sent the same messageId: each event is shown. Reads
SLUICE_DATA_DIR (default ./.sluice) read-only, so it is safe while Sluice runs; with
SLUICE_DATABASE_URL set, reads PostgreSQL (schema SLUICE_DATABASE_SCHEMA, default public).`;

/** The pipeline's stages, in the order an event goes through them. */
export const STAGES: readonly DeliveryStage[] = ["ingest", "allowlist", "mapping", "limits", "delivery"];

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

/** `sluice trace`: one event's path through Sluice, per destination. */
export const traceCommand: Command = {
  name: "trace",
  summary: "Follow one event (by messageId) through every stage, per destination",
  usage: USAGE,
  async run(args, io) {
    let json = false;
    let messageId: string | undefined;
    for (const arg of args) {
      if (arg === "--json") json = true;
      else if (messageId === undefined && !arg.startsWith("--") && arg.length > 0) messageId = arg;
      else {
        io.stderr(`unexpected argument: ${arg}\n\nusage: ${USAGE}\n`);
        return 2;
      }
    }
    if (messageId === undefined) {
      io.stderr(`trace needs a messageId\n\nusage: ${USAGE}\n`);
      return 2;
    }
    let traces: EventTrace[];
    try {
      traces = await withLogStore(io, (store) => readTraces(store, messageId));
    } catch (error) {
      io.stderr(`sluice: ${(error as Error).message}\n`);
      return 1;
    }
    if (traces.length === 0) {
      io.stderr(`no event with messageId ${messageId}\n`);
      return 1;
    }
    if (json) {
      for (const trace of traces) io.stdout(`${JSON.stringify(trace)}\n`);
      return 0;
    }
    io.stdout(`${traces.map(formatTrace).join("\n\n")}\n`);
    return 0;
  },
};

/**
 * Every event stored with this messageId, oldest first, each with its deliveries in id order.
 * Events are told apart by source and receipt time: a source's repeat within the dedupe window is
 * not stored, so two events of one source with one messageId were received at different times.
 */
async function readTraces(store: CliLogStore, messageId: string): Promise<EventTrace[]> {
  const entries: DeliveryLogEntry[] = [];
  for (;;) {
    const last = entries.at(-1);
    const page = await store.listDeliveries({
      messageId,
      limit: 1000,
      ...(last ? { beforeId: last.deliveryId } : {}),
    });
    entries.push(...page);
    if (page.length < 1000) break;
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

function formatTrace(event: EventTrace): string {
  const lines = [
    `event ${event.messageId}: source ${event.sourceName}, type ${event.eventType}, received ${new Date(event.receivedAtMs).toISOString()}`,
  ];
  for (const delivery of event.destinations) {
    lines.push(`  destination ${delivery.destination} (delivery ${delivery.deliveryId})`);
    const label = (text: string) => `    ${text.padEnd(10)} `;
    for (const { stage, status } of delivery.stages) lines.push(`${label(stage)}${status}`);
    if (delivery.history.length > 0) {
      const [header, ...rows] = attemptTable(delivery.history).split("\n");
      lines.push(`${label("attempts")}${header}`, ...rows.map((row) => `${label("")}${row}`));
    }
    if (delivery.replays > 0)
      lines.push(`${label("replayed")}${delivery.replays} time(s) from the dead letters`);
    const terminal =
      delivery.state === "delivered" || delivery.state === "failed" || delivery.state === "stopped";
    lines.push(`${label(terminal ? "final" : "now")}${describeState(delivery)}`);
  }
  return lines.join("\n");
}

function describeState(delivery: EventTrace["destinations"][number]): string {
  const counts = [
    delivery.attempts > 0 ? `${delivery.attempts} attempt(s)` : null,
    delivery.lastStatus === null ? null : `last status ${delivery.lastStatus}`,
  ].filter(Boolean);
  const count = counts.length > 0 ? ` (${counts.join(", ")})` : "";
  if (delivery.state === "delivered") return `delivered${count}`;
  if (delivery.state === "failed" || delivery.state === "stopped") {
    const where = [delivery.stage ?? "delivery", delivery.field ? `field ${delivery.field}` : null]
      .filter(Boolean)
      .join(", ");
    return `${delivery.state} at ${where}: ${delivery.reason ?? "no reason recorded"}${count}`;
  }
  if (delivery.state === "retrying") return `retrying: ${delivery.reason ?? "-"}${count}`;
  return delivery.attempts === 0 ? "queued, not attempted yet" : `queued${count}`;
}
