import { type EventTrace, readEventTraces } from "../delivery/event-trace.js";
import type { Command } from "./command.js";
import { attemptTable } from "./dlq.js";
import { withLogStore } from "./log-store.js";

const USAGE = `sluice trace <messageId> [--json]

The story of one event: its source, type and when it was received, then per destination every stage
it passed or stopped at (ingest, allowlist, mapping, limits, delivery), each delivery attempt (time,
HTTP status, latency, resulting state, reason) and the final state with its reason and field. Never
payload values. Several sources may have sent the same messageId: each event is shown. Reads
SLUICE_DATA_DIR (default ./.sluice) read-only, so it is safe while Sluice runs; with
SLUICE_DATABASE_URL set, reads PostgreSQL (schema SLUICE_DATABASE_SCHEMA, default public).`;

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
      traces = await withLogStore(io, (store) => readEventTraces(store, messageId));
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
