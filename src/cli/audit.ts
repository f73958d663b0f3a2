import { canonicalJson, verifyAuditChain } from "../store/audit-chain.js";
import type { AuditRecord } from "../store/port.js";
import { withCliAuditStore } from "./audit-store.js";
import type { CliIo, Command } from "./command.js";

const USAGE = `sluice audit verify
       sluice audit list [--limit N] [--json]

The audit log records who started Sluice (with a fingerprint of its configuration file), replayed
dead letters, viewed payload values, asked for an erasure (sluice forget) or rotated the key, and
what the retention purge removed. Each entry is hash-chained to the one before it.
verify checks the whole chain and exits 0 when it is intact, 1 naming the first entry that was
edited, removed or reordered (never its content). list prints the newest entries first (default 50,
at most 1000); --json prints one JSON object per line, with seq, prevHash and hash.
Reads SLUICE_DATA_DIR (default ./.sluice) read-only, safe while Sluice runs; with
SLUICE_DATABASE_URL set, reads PostgreSQL (schema SLUICE_DATABASE_SCHEMA, default public).`;

/** `sluice audit`: verify the hash chain, or list entries. */
export const auditCommand: Command = {
  name: "audit",
  summary: "Verify the hash-chained audit log, or list its newest entries",
  usage: USAGE,
  async run(args, io) {
    const [subcommand, ...rest] = args;
    try {
      if (subcommand === "verify") {
        if (rest.length > 0) return usageError(io, `unexpected argument: ${rest[0]}`);
        return await verify(io);
      }
      if (subcommand === "list") return await list(rest, io);
      return usageError(
        io,
        subcommand === undefined ? "missing subcommand" : `unknown subcommand "${subcommand}"`,
      );
    } catch (error) {
      io.stderr(`sluice: ${(error as Error).message}\n`);
      return 1;
    }
  },
};

async function verify(io: CliIo): Promise<number> {
  const { state, records } = await withCliAuditStore(io, (store) => store.readChain());
  const result = verifyAuditChain(records, state.anchor, state.head);
  if (!result.ok) {
    io.stdout(`audit log broken at seq ${result.seq}: ${result.message} (${result.problem})\n`);
    io.stdout(`${result.verified} entr${result.verified === 1 ? "y" : "ies"} before it verified\n`);
    return 1;
  }
  io.stdout(`audit log intact: ${result.entries} entries, head ${result.head.hash.slice(0, 8)}\n`);
  if (result.anchor.seq > 0) {
    io.stdout(
      `entries 1 to ${result.anchor.seq} were removed by the retention purge; verified from its anchor (seq ${result.anchor.seq}, ${result.anchor.hash.slice(0, 8)})\n`,
    );
  }
  return 0;
}

async function list(args: readonly string[], io: CliIo): Promise<number> {
  let limit = 50;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === "--json") {
      json = true;
      continue;
    }
    if (flag === "--limit" && args[i + 1] !== undefined) {
      limit = Number(args[++i]);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        io.stderr("--limit must be an integer from 1 to 1000\n");
        return 2;
      }
      continue;
    }
    return usageError(io, `unknown or incomplete argument: ${flag}`);
  }
  const records = await withCliAuditStore(io, (store) => store.listAudit({ newestFirst: true, limit }));
  if (json) {
    for (const record of records) io.stdout(`${JSON.stringify(record)}\n`);
    return 0;
  }
  if (records.length === 0) {
    io.stdout("the audit log is empty\n");
    return 0;
  }
  io.stdout(`${auditTable(records)}\n`);
  return 0;
}

/**
 * Audit records as a table (header first, no trailing newline): seq, time, actor, action, outcome,
 * target and the detail as canonical JSON.
 *
 * @example
 * auditTable([{ seq: 1, atMs: 0, actor: "sluice", action: "sluice.start", outcome: "ok", prevHash, hash }])
 * // "seq  time                      actor   action        outcome  target  detail\n1    1970-01-01T00:00:00.000Z  ..."
 */
export function auditTable(records: readonly AuditRecord[]): string {
  const header = ["seq", "time", "actor", "action", "outcome", "target", "detail"];
  const rows = records.map((record) => [
    String(record.seq),
    new Date(record.atMs).toISOString(),
    record.actor,
    record.action,
    record.outcome,
    record.target ?? "-",
    record.detail === undefined ? "-" : canonicalJson(record.detail),
  ]);
  const widths = header.map((title, column) =>
    column === header.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`${message}\n\nusage: ${USAGE}\n`);
  return 2;
}
