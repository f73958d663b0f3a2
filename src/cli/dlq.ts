import { AUDIT_ACTIONS } from "../observability/audit.js";
import { maskPayload } from "../privacy/mask-payload.js";
import type { AttemptRecord, DeliveryLogFilter, ReplayFilter } from "../store/port.js";
import { auditFromCli } from "./audit-store.js";
import type { CliIo, Command } from "./command.js";
import { withLogStore } from "./log-store.js";
import { createProgress } from "./progress.js";

const USAGE = `sluice dlq list [--destination NAME] [--since ISO|DURATION] [--until ISO|DURATION] [--limit N] [--json]
       sluice dlq show <deliveryId> [--reveal]
       sluice dlq replay (--id N [N ...] | --destination NAME | --message-id ID | --since/--until ... | --all)
                         [--limit N] [--dry-run]

Dead letters are deliveries Customer.io rejected for good (state failed). list prints them newest
first; show prints one with its attempts and its payload with every value masked (--reveal shows the
values); replay puts the matching ones back in the queue, oldest first, with their original messageId.
DURATION is how long ago: 30m, 2h, 7d (also s). ISO is a date or date-time; without a zone it is UTC.
--since/--until compare with when the delivery failed. Reads SLUICE_DATA_DIR (default ./.sluice);
list and show open it read-only, and all three are safe while Sluice runs. With SLUICE_DATABASE_URL
set, all three work on PostgreSQL (schema SLUICE_DATABASE_SCHEMA, default public).`;

/** Dead letters replayed per transaction (one progress line per chunk, at most every 500 ms). */
const REPLAY_CHUNK = 1000;

/** `sluice dlq`: list, inspect and replay dead letters. */
export const dlqCommand: Command = {
  name: "dlq",
  summary: "List, inspect and replay dead letters (deliveries Customer.io rejected)",
  usage: USAGE,
  async run(args, io) {
    const [subcommand, ...rest] = args;
    try {
      switch (subcommand) {
        case "list":
          return await list(rest, io);
        case "show":
          return await show(rest, io);
        case "replay":
          return await replay(rest, io);
        default:
          return usageError(
            io,
            subcommand === undefined ? "missing subcommand" : `unknown subcommand "${subcommand}"`,
          );
      }
    } catch (error) {
      io.stderr(`sluice: ${(error as Error).message}\n`);
      return 1;
    }
  },
};

export { databasePath } from "./log-store.js";

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A `--since`/`--until` value as epoch ms: a DURATION (`30m`, `2h`, `7d`, `45s`) is that long before
 * `nowMs`; an ISO date (`2026-11-28`, UTC midnight) or date-time (zone-less means UTC); null when it
 * is neither or lies before 1970.
 *
 * @example
 * parseTimeArg("2h", Date.parse("2026-11-28T12:00:00Z")) // Date.parse("2026-11-28T10:00:00Z")
 */
export function parseTimeArg(text: string, nowMs: number): number | null {
  const duration = /^(\d+)([smhd])$/.exec(text);
  let ms: number;
  if (duration) ms = nowMs - Number(duration[1]) * (UNIT_MS[duration[2] ?? ""] ?? Number.NaN);
  else {
    const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
    if (!iso) return null;
    ms = Date.parse(iso[1] !== undefined && iso[4] === undefined ? `${text}Z` : text);
  }
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}

/** Apply a flag list and replay share: null when applied, an error message, or "unknown" for another flag. */
function applyCommonFlag(
  flag: string,
  value: string,
  filter: { destination?: string; fromMs?: number; toMs?: number },
  nowMs: number,
): string | null | "unknown" {
  if (flag === "--destination") {
    filter.destination = value;
    return null;
  }
  if (flag === "--since" || flag === "--until") {
    const ms = parseTimeArg(value, nowMs);
    if (ms === null) return `${flag} must be an ISO date or date-time, or a duration such as 30m, 2h or 7d`;
    if (flag === "--since") filter.fromMs = ms;
    else filter.toMs = ms;
    return null;
  }
  return "unknown";
}

async function list(args: readonly string[], io: CliIo): Promise<number> {
  const filter: DeliveryLogFilter = { state: "failed", limit: 50 };
  const nowMs = Date.now();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? "";
    if (flag === "--json") {
      json = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) return usageError(io, `unknown or incomplete argument: ${flag}`);
    i += 1;
    if (flag === "--limit") {
      const limit = Number(value);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        return argumentError(io, "--limit must be an integer from 1 to 1000");
      }
      filter.limit = limit;
      continue;
    }
    const problem = applyCommonFlag(flag, value, filter, nowMs);
    if (problem === "unknown") return usageError(io, `unknown or incomplete argument: ${flag}`);
    if (problem !== null) return argumentError(io, problem);
  }
  const entries = await withLogStore(io, (store) => store.listDeliveries(filter));
  if (json) {
    for (const entry of entries) io.stdout(`${JSON.stringify(entry)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.stdout("no dead letters match\n");
    return 0;
  }
  io.stdout(
    `${table(
      [
        "id",
        "last attempt",
        "first attempt",
        "destination",
        "source",
        "type",
        "messageId",
        "attempts",
        "status",
        "field",
        "reason",
      ],
      entries.map((entry) => [
        String(entry.deliveryId),
        iso(entry.updatedAtMs),
        entry.firstAttemptAtMs === null ? "-" : iso(entry.firstAttemptAtMs),
        entry.destination,
        entry.sourceName,
        entry.eventType,
        entry.messageId,
        String(entry.attempts),
        entry.lastStatus === null ? "-" : String(entry.lastStatus),
        entry.field ?? "-",
        entry.reason ?? "-",
      ]),
    )}\n`,
  );
  return 0;
}

async function show(args: readonly string[], io: CliIo): Promise<number> {
  let reveal = false;
  let deliveryId: number | undefined;
  for (const arg of args) {
    if (arg === "--reveal") reveal = true;
    else if (deliveryId === undefined && /^\d+$/.test(arg) && Number(arg) >= 1) deliveryId = Number(arg);
    else return usageError(io, `unexpected argument: ${arg}`);
  }
  if (deliveryId === undefined) return usageError(io, "dlq show needs a delivery id (see `sluice dlq list`)");
  const { entry, attempts, body } = await withLogStore(io, async (store) => {
    // The log is newest first: the first row below id + 1 is this delivery, if it exists.
    const [entry] = await store.listDeliveries({ beforeId: deliveryId + 1, limit: 1 });
    if (entry?.deliveryId !== deliveryId || entry.state !== "failed")
      return { entry, attempts: [], body: null };
    return {
      entry,
      attempts: await store.deliveryAttempts(deliveryId),
      body: await store.eventBody(deliveryId),
    };
  });
  if (entry?.deliveryId !== deliveryId) {
    io.stderr(`no delivery with id ${deliveryId}\n`);
    return 1;
  }
  if (entry.state !== "failed") {
    io.stderr(
      `delivery ${deliveryId} is not a dead letter (it is ${entry.state}); \`sluice trace ${entry.messageId}\` tells its story\n`,
    );
    return 1;
  }
  const out: string[] = [
    `dead letter ${deliveryId}`,
    ...pairs([
      ["destination", entry.destination],
      ["source", entry.sourceName],
      ["type", entry.eventType],
      ["messageId", entry.messageId],
      ["failed at", `${entry.stage ?? "-"}${entry.field ? `, field ${entry.field}` : ""}`],
      ["reason", entry.reason ?? "-"],
      ["attempts", `${entry.attempts}, last status ${entry.lastStatus ?? "-"}`],
      ["received", iso(entry.receivedAtMs)],
      ["first attempt", entry.firstAttemptAtMs === null ? "-" : iso(entry.firstAttemptAtMs)],
      ["last attempt", iso(entry.updatedAtMs)],
      ["replays", String(entry.replays)],
    ]),
    "",
    "attempts",
  ];
  out.push(attempts.length === 0 ? "  none recorded" : indent(attemptTable(attempts)), "");
  if (body === null) out.push("payload: no longer stored");
  else {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      payload = undefined;
    }
    if (payload === undefined) out.push(`payload: not valid JSON (${body.length} characters)`);
    else if (reveal) {
      // Recorded before anything is shown: a view that cannot be audited does not happen.
      await auditFromCli(io, {
        action: AUDIT_ACTIONS.payloadView,
        target: `delivery:${deliveryId}`,
        outcome: "ok",
        detail: { via: "sluice dlq show --reveal", destination: entry.destination },
      });
      io.stderr(
        "warning: --reveal prints the payload's values, which may be personal or health data; viewing payload values will be audited\n",
      );
      out.push("payload", JSON.stringify(payload, null, 2));
    } else
      out.push("payload (values masked; --reveal shows them)", JSON.stringify(maskPayload(payload), null, 2));
  }
  io.stdout(`${out.join("\n")}\n`);
  return 0;
}

async function replay(args: readonly string[], io: CliIo): Promise<number> {
  const filter: {
    destination?: string;
    messageId?: string;
    fromMs?: number;
    toMs?: number;
  } = {};
  const ids: number[] = [];
  const nowMs = Date.now();
  let all = false;
  let dryRun = false;
  let limit: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? "";
    if (flag === "--all") {
      all = true;
      continue;
    }
    if (flag === "--dry-run") {
      dryRun = true;
      continue;
    }
    if (flag === "--id") {
      const start = i;
      while (args[i + 1] !== undefined && !args[i + 1]?.startsWith("--")) {
        const id = args[++i] ?? "";
        if (!/^\d+$/.test(id) || Number(id) < 1)
          return argumentError(io, "--id takes delivery ids (positive integers)");
        ids.push(Number(id));
      }
      if (i === start) return argumentError(io, "--id needs at least one delivery id");
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) return usageError(io, `unknown or incomplete argument: ${flag}`);
    i += 1;
    if (flag === "--message-id") {
      filter.messageId = value;
      continue;
    }
    if (flag === "--limit") {
      limit = Number(value);
      if (!Number.isSafeInteger(limit) || limit < 1)
        return argumentError(io, "--limit must be a positive integer");
      continue;
    }
    const problem = applyCommonFlag(flag, value, filter, nowMs);
    if (problem === "unknown") return usageError(io, `unknown or incomplete argument: ${flag}`);
    if (problem !== null) return argumentError(io, problem);
  }
  const replayFilter: ReplayFilter = { ...filter, ...(ids.length > 0 ? { deliveryIds: ids } : {}) };
  if (!all && Object.keys(replayFilter).length === 0) {
    return argumentError(
      io,
      "dlq replay needs a filter (--id, --destination, --message-id, --since, --until) or --all to replay every dead letter",
    );
  }
  const startedMs = performance.now();
  let progress: ReturnType<typeof createProgress> | undefined;
  const result = await withLogStore(io, (store) =>
    store.replayDeadLetters(replayFilter, {
      nowMs,
      chunkSize: REPLAY_CHUNK,
      dryRun,
      ...(limit === undefined ? {} : { limit }),
      onChunk(replayed, total) {
        progress ??= createProgress({ label: "replayed", total, write: io.stderr, startedMs });
        progress.update(replayed);
      },
    }),
  );
  progress?.finish(result.replayed);
  if (!dryRun) {
    await auditFromCli(io, {
      action: AUDIT_ACTIONS.dlqReplay,
      outcome: "ok",
      detail: {
        filter: replayFilterDetail(replayFilter, all),
        ...(limit === undefined ? {} : { limit }),
        matched: result.matched,
        replayed: result.replayed,
      },
    });
  }
  if (result.matched === 0) {
    io.stdout("no dead letters match\n");
    return 0;
  }
  if (dryRun) {
    io.stdout(`${result.matched} dead letter(s) would be replayed (dry run: nothing changed)\n`);
    return 0;
  }
  io.stdout(
    `replayed ${result.replayed} dead letter(s): they keep their messageId, so Customer.io drops any event it already received; a running Sluice sends them within a second\n`,
  );
  if (result.replayed < result.matched) {
    io.stdout(
      `${result.matched - result.replayed} changed meanwhile (no longer dead letters) and were left as they are\n`,
    );
  }
  return 0;
}

/** A replay's filter for the audit log: the flags as given, times as ISO dates. */
function replayFilterDetail(filter: ReplayFilter, all: boolean): Record<string, string | boolean | number[]> {
  const detail: Record<string, string | boolean | number[]> = {};
  if (all) detail["all"] = true;
  if (filter.destination !== undefined) detail["destination"] = filter.destination;
  if (filter.messageId !== undefined) detail["messageId"] = filter.messageId;
  if (filter.deliveryIds !== undefined) detail["deliveryIds"] = [...filter.deliveryIds];
  if (filter.fromMs !== undefined) detail["since"] = iso(filter.fromMs);
  if (filter.toMs !== undefined) detail["until"] = iso(filter.toMs);
  return detail;
}

/**
 * An attempt history as a table (header line first, no trailing newline): time, HTTP status or
 * "no response", latency, resulting state, reason.
 *
 * @example
 * attemptTable([{ atMs: 0, status: null, latencyMs: 10_000, state: "retrying", reason: "network error: ETIMEDOUT" }])
 * // "time                      status       latency   state     reason\n1970-01-01T00:00:00.000Z  no response  ..."
 */
export function attemptTable(attempts: readonly AttemptRecord[]): string {
  return table(
    ["time", "status", "latency", "state", "reason"],
    attempts.map((attempt) => [
      iso(attempt.atMs),
      attempt.status === null ? "no response" : String(attempt.status),
      `${attempt.latencyMs} ms`,
      attempt.state,
      attempt.reason ?? "-",
    ]),
  );
}

/** A plain-text table: columns padded to their widest cell, the last one left ragged. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    column === header.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

function pairs(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`${message}\n\nusage: ${USAGE}\n`);
  return 2;
}

function argumentError(io: CliIo, message: string): number {
  io.stderr(`${message}\n`);
  return 2;
}
