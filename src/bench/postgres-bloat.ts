import { join } from "node:path";
import { Client, escapeIdentifier } from "pg";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import type { Child } from "./processes.js";

/**
 * `BENCH_ONLY=pgbloat`: do the PostgreSQL tables stay small? One Sluice node on a fresh schema
 * delivers to a simulator without latency or rate limit, for BENCH_BLOAT_ROUNDS rounds (6) of
 * BENCH_BLOAT_EVENTS events (20,000) pushed through ingest and drained. After each round it records
 * per table the total size (heap, indexes, TOAST), live and dead tuples, updates and HOT updates,
 * and (auto)vacuum counts. Then the retention purge removes the first half of the rows, as Sluice's
 * retention job would, sizes are recorded again after VACUUM, and one more round shows whether the
 * freed space is reused.
 */

/** The tables that grow with traffic. */
export const BLOAT_TABLES = [
  "events",
  "deliveries",
  "event_bodies",
  "dedupe",
  "event_samples",
  "seen_paths",
  "audit_log",
] as const;
type BloatTable = (typeof BLOAT_TABLES)[number];

/** What `main.ts` lends this benchmark (its process helpers), so both share one way of starting things. */
export interface BloatBenchDeps {
  pgUrl: string;
  writeConfig(dir: string, options: { simPort: number; name: string }): string;
  startSluice(
    dataDir: string,
    config: string,
    delivery: "on" | "paused",
    options: { env: Record<string, string> },
  ): Promise<Child>;
  fillBacklog(count: number, idPrefix: string): Promise<void>;
  withSchema<T>(work: (schema: string, env: Record<string, string>) => Promise<T>): Promise<T>;
  /** The fast simulator (no OpenAPI validation, ids only) on `port`, no latency, no rate limit. */
  startFastSimulator(port: number): Promise<Child>;
  simulatorAccepted(port: number): Promise<number>;
}

interface TableStats {
  table: BloatTable;
  totalBytes: number;
  /** The heap alone (main fork): total minus indexes, TOAST and free-space maps. */
  heapBytes: number;
  live: number;
  dead: number;
  updates: number;
  hotUpdates: number;
  autovacuums: number;
  vacuums: number;
}

interface Snapshot {
  label: string;
  delivered: number;
  tables: TableStats[];
  /** Tables this step vacuumed (autovacuum emulation or the final VACUUM). */
  vacuumed: string[];
}

const ROUNDS = Number(process.env["BENCH_BLOAT_ROUNDS"] ?? 6);
const EVENTS = Number(process.env["BENCH_BLOAT_EVENTS"] ?? 20_000);
/**
 * `BENCH_BLOAT_FILLFACTOR`: an experiment, not a setting of Sluice: set this fillfactor on the
 * (still empty) deliveries table before the first round, to see what it does to HOT claims and size.
 */
const FILLFACTOR = process.env["BENCH_BLOAT_FILLFACTOR"];
const SIM_PORT = 4613;
/**
 * A backend publishes its table counters at most once a second while busy, and an idle one after
 * 10 s (PGSTAT_IDLE_INTERVAL): wait that long after the node stops writing before reading them.
 */
const STATS_SETTLE_MS = 11_000;

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function tableStats(url: string, schema: string): Promise<TableStats[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<Record<string, string>>(
      `SELECT relname, pg_total_relation_size(relid) AS total, pg_relation_size(relid) AS heap, n_live_tup, n_dead_tup, n_tup_upd,
         n_tup_hot_upd, autovacuum_count, vacuum_count
       FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = ANY($2::text[])`,
      [schema, [...BLOAT_TABLES]],
    );
    return BLOAT_TABLES.map((table) => {
      const row = rows.find((r) => r["relname"] === table) ?? {};
      return {
        table,
        totalBytes: Number(row["total"] ?? 0),
        heapBytes: Number(row["heap"] ?? 0),
        live: Number(row["n_live_tup"] ?? 0),
        dead: Number(row["n_dead_tup"] ?? 0),
        updates: Number(row["n_tup_upd"] ?? 0),
        hotUpdates: Number(row["n_tup_hot_upd"] ?? 0),
        autovacuums: Number(row["autovacuum_count"] ?? 0),
        vacuums: Number(row["vacuum_count"] ?? 0),
      };
    });
  });
}

/**
 * What autovacuum would have done by now, for a server that runs without it (this repository's CI
 * cluster sets `autovacuum = off`): VACUUM (ANALYZE) each table whose dead tuples passed its vacuum
 * threshold, or whose inserts since the last vacuum passed the insert threshold (PostgreSQL 13+), with
 * each table's own `autovacuum_*` storage parameters and the server's defaults otherwise.
 */
async function emulateAutovacuum(url: string, schema: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ relname: string; due: boolean }>(
      `WITH t AS (
         SELECT s.relname, s.n_dead_tup, s.n_ins_since_vacuum, greatest(c.reltuples, 0) AS reltuples,
           (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) AS o
             WHERE o LIKE 'autovacuum_vacuum_scale_factor=%') AS scale
         FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
         WHERE s.schemaname = $1 AND s.relname = ANY($2::text[]))
       SELECT relname,
         n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
           + coalesce(scale, current_setting('autovacuum_vacuum_scale_factor')::float8) * reltuples
         OR n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8
           + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * reltuples AS due
       FROM t`,
      [schema, [...BLOAT_TABLES]],
    );
    const due = rows.filter((row) => row.due).map((row) => row.relname);
    for (const table of due) await client.query(`VACUUM (ANALYZE) ${escapeIdentifier(schema)}.${table}`);
    return due;
  });
}

async function vacuumAll(url: string, schema: string): Promise<string[]> {
  return withClient(url, async (client) => {
    for (const table of BLOAT_TABLES)
      await client.query(`VACUUM (ANALYZE) ${escapeIdentifier(schema)}.${table}`);
    return [...BLOAT_TABLES];
  });
}

async function waiting(url: string, schema: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${escapeIdentifier(schema)}.deliveries WHERE state IN ('queued', 'retrying')`,
    );
    return Number(rows[0]?.n ?? 0);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function mb(bytes: number): string {
  return (bytes / 1_048_576).toFixed(2);
}

function printSnapshot(snapshot: Snapshot, previous: Snapshot | undefined): void {
  const total = snapshot.tables.reduce((sum, t) => sum + t.totalBytes, 0);
  const previousTotal = previous?.tables.reduce((sum, t) => sum + t.totalBytes, 0) ?? 0;
  const newEvents = snapshot.delivered - (previous?.delivered ?? 0);
  console.log(
    `\n${snapshot.label}: ${snapshot.delivered} events delivered so far; all tables ${mb(total)} MB = ` +
      `${Math.round(total / Math.max(1, snapshot.delivered))} B per delivered event` +
      (newEvents > 0
        ? `; this step +${Math.round((total - previousTotal) / newEvents)} B per new event`
        : "") +
      (snapshot.vacuumed.length > 0 ? `; vacuumed: ${snapshot.vacuumed.join(", ")}` : "; vacuumed: none"),
  );
  const header = [
    "table",
    "total MB",
    "Δ MB",
    "heap MB",
    "B/event",
    "live",
    "dead",
    "dead %",
    "upd",
    "HOT upd",
    "HOT %",
    "autovac",
    "vacuum",
  ];
  const lines = snapshot.tables.map((t) => {
    const before = previous?.tables.find((p) => p.table === t.table);
    const updates = t.updates - (before?.updates ?? 0);
    const hot = t.hotUpdates - (before?.hotUpdates ?? 0);
    return [
      t.table,
      mb(t.totalBytes),
      mb(t.totalBytes - (before?.totalBytes ?? 0)),
      mb(t.heapBytes),
      String(Math.round(t.totalBytes / Math.max(1, snapshot.delivered))),
      String(t.live),
      String(t.dead),
      t.live + t.dead > 0 ? ((100 * t.dead) / (t.live + t.dead)).toFixed(1) : "-",
      String(updates),
      String(hot),
      updates > 0 ? ((100 * hot) / updates).toFixed(1) : "-",
      String(t.autovacuums),
      String(t.vacuums),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(`  ${format(header)}`);
  for (const line of lines) console.log(`  ${format(line)}`);
}

/** Runs the rounds, the purge and the round after it; prints a table per step. */
export async function postgresBloatBench(dir: string, deps: BloatBenchDeps): Promise<Snapshot[]> {
  const simulator = await deps.startFastSimulator(SIM_PORT);
  const url = deps.pgUrl;
  try {
    const config = deps.writeConfig(dir, { simPort: SIM_PORT, name: "pg-bloat.yaml" });
    return await deps.withSchema(async (schema, env) => {
      const autovacuum = await withClient(url, async (client) =>
        String((await client.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]?.autovacuum),
      );
      console.log(
        `PostgreSQL table growth: ${ROUNDS} rounds of ${EVENTS} events, one node, schema ${schema}; ` +
          `server autovacuum = ${autovacuum}` +
          (autovacuum === "on"
            ? ""
            : " — after each round the tables past their autovacuum thresholds are VACUUMed (emulation)"),
      );
      const node = await deps.startSluice(join(dir, "pg-bloat"), config, "on", { env });
      if (FILLFACTOR !== undefined) {
        const fillfactor = Number(FILLFACTOR);
        if (!Number.isInteger(fillfactor) || fillfactor < 10 || fillfactor > 100)
          throw new Error("BENCH_BLOAT_FILLFACTOR must be an integer 10..100");
        await withClient(url, (client) =>
          client.query(`ALTER TABLE ${escapeIdentifier(schema)}.deliveries SET (fillfactor = ${fillfactor})`),
        );
        console.log(`experiment: deliveries fillfactor set to ${fillfactor} before the first round`);
      }
      const snapshots: Snapshot[] = [];
      const roundEndsMs: number[] = [];
      const base = await deps.simulatorAccepted(SIM_PORT);
      const round = async (label: string, index: number): Promise<void> => {
        const started = performance.now();
        await deps.fillBacklog(EVENTS, `bloat${index}`);
        const target = (snapshots.at(-1)?.delivered ?? 0) + EVENTS;
        while ((await deps.simulatorAccepted(SIM_PORT)) - base < target || (await waiting(url, schema)) > 0) {
          await sleep(200);
          if (performance.now() - started > 600_000) throw new Error(`${label} did not drain in 10 minutes`);
        }
        const seconds = (performance.now() - started) / 1000;
        roundEndsMs.push(Date.now());
        await sleep(STATS_SETTLE_MS);
        const snapshot: Snapshot = {
          label: `${label} (${seconds.toFixed(1)} s ingest + drain)`,
          delivered: target,
          tables: await tableStats(url, schema),
          vacuumed: autovacuum === "on" ? [] : await emulateAutovacuum(url, schema),
        };
        printSnapshot(snapshot, snapshots.at(-1));
        snapshots.push(snapshot);
      };
      try {
        for (let i = 1; i <= ROUNDS; i++) await round(`round ${i}`, i);
        // The retention purge as the node's retention job runs it (chunks of 5000), with every
        // cut-off at the end of the middle round: the first half of the rows goes.
        const cutoff = (roundEndsMs[Math.floor(ROUNDS / 2) - 1] ?? 0) + 1;
        const store = await openPostgresStore({ url, schema, applicationName: "sluice-bench-purge" });
        const purgeStarted = performance.now();
        const purged = await store.purge({
          deliveryLogBefore: cutoff,
          deadLettersBefore: cutoff,
          auditBefore: cutoff,
          nowMs: Date.now(),
          chunk: 5000,
        });
        const pruned = await store.pruneDedupe(cutoff);
        await store.close();
        const purgeSeconds = (performance.now() - purgeStarted) / 1000;
        console.log(
          `\nretention purge (cut-off after round ${Math.floor(ROUNDS / 2)}, ${purgeSeconds.toFixed(1)} s): ` +
            `${JSON.stringify(purged)}, dedupe keys pruned: ${pruned}`,
        );
        await sleep(STATS_SETTLE_MS);
        const last = snapshots.at(-1);
        const afterPurge: Snapshot = {
          label: "after the purge, before VACUUM",
          delivered: last?.delivered ?? 0,
          tables: await tableStats(url, schema),
          vacuumed: [],
        };
        printSnapshot(afterPurge, last);
        const vacuumed = await vacuumAll(url, schema);
        const afterVacuum: Snapshot = {
          label: "after the purge and a plain VACUUM (ANALYZE) of every table (not FULL)",
          delivered: afterPurge.delivered,
          tables: await tableStats(url, schema),
          vacuumed,
        };
        printSnapshot(afterVacuum, afterPurge);
        snapshots.push(afterPurge, afterVacuum);
        await round(`round ${ROUNDS + 1}, after the purge`, ROUNDS + 1);
        return snapshots;
      } finally {
        await node.stop();
      }
    });
  } finally {
    await simulator.stop();
  }
}
