import type { DeliveryLogEntry, DeliveryLogFilter, DeliveryState } from "../store/port.js";
import type { Command } from "./command.js";
import { withLogStore } from "./log-store.js";

const STATES: readonly DeliveryState[] = ["queued", "retrying", "delivered", "failed", "stopped"];

const USAGE = `sluice deliveries [--state queued|retrying|delivered|failed|stopped] [--destination NAME]
                  [--message-id ID] [--limit N] [--json]

Prints the delivery log, newest first: for every event x destination, its state, the stage and
reason it stopped or failed at, attempts and the last HTTP status. Never payload values. Reads
SLUICE_DATA_DIR (default ./.sluice) read-only, so it is safe while Sluice runs; with
SLUICE_DATABASE_URL set, reads PostgreSQL (schema SLUICE_DATABASE_SCHEMA, default public).`;

/** `sluice deliveries`: the delivery log, filtered, as a table or JSON lines. */
export const deliveriesCommand: Command = {
  name: "deliveries",
  summary: "Show the delivery log (what happened to each event, and why)",
  usage: USAGE,
  async run(args, io) {
    const filter: DeliveryLogFilter = { limit: 50 };
    let json = false;
    for (let i = 0; i < args.length; i++) {
      const flag = args[i];
      const value = args[i + 1];
      if (flag === "--json") {
        json = true;
        continue;
      }
      if (
        value === undefined ||
        !["--state", "--destination", "--message-id", "--limit"].includes(flag ?? "")
      ) {
        io.stderr(`unknown or incomplete argument: ${flag}\n\nusage: ${USAGE}\n`);
        return 2;
      }
      i += 1;
      if (flag === "--state") {
        if (!STATES.includes(value as DeliveryState)) {
          io.stderr(`--state must be one of ${STATES.join(", ")}\n`);
          return 2;
        }
        filter.state = value as DeliveryState;
      } else if (flag === "--destination") filter.destination = value;
      else if (flag === "--message-id") filter.messageId = value;
      else {
        const limit = Number(value);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          io.stderr("--limit must be an integer from 1 to 1000\n");
          return 2;
        }
        filter.limit = limit;
      }
    }
    let entries: DeliveryLogEntry[];
    try {
      entries = await withLogStore(io, (store) => store.listDeliveries(filter));
    } catch (error) {
      io.stderr(`sluice: ${(error as Error).message}\n`);
      return 1;
    }
    if (json) {
      for (const entry of entries) io.stdout(`${JSON.stringify(entry)}\n`);
      return 0;
    }
    io.stdout(formatTable(entries));
    return 0;
  },
};

function formatTable(entries: readonly DeliveryLogEntry[]): string {
  if (entries.length === 0) return "no deliveries match\n";
  const rows = entries.map((entry) => [
    new Date(entry.updatedAtMs).toISOString(),
    entry.destination,
    entry.sourceName,
    entry.eventType,
    entry.messageId,
    entry.state,
    String(entry.attempts),
    entry.lastStatus === null ? "-" : String(entry.lastStatus),
    [entry.stage, entry.field ? `field ${entry.field}` : null, entry.reason].filter(Boolean).join(": ") ||
      "-",
  ]);
  const header = [
    "updated",
    "destination",
    "source",
    "type",
    "messageId",
    "state",
    "attempts",
    "status",
    "why",
  ];
  const widths = header.map((title, column) =>
    Math.max(
      title.length,
      ...rows.map((row) => (column === header.length - 1 ? 0 : (row[column]?.length ?? 0))),
    ),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ");
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
