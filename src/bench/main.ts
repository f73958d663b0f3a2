import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Client, escapeIdentifier } from "pg";
import { Pool } from "undici";
import { basicAuth } from "../destinations/customerio/request-builder.js";
import { postgresBloatBench } from "./postgres-bloat.js";
import { type Child, startChild, waitForHttp, waitForOutput } from "./processes.js";

/**
 * `npm run bench`: figures for this machine, not pass/fail. Each server under test runs in its own
 * process so the load generator (this process) and the server each have a core.
 */

const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const CEILING = fileURLToPath(new URL("./ceiling-server.js", import.meta.url));
const FAST_SIMULATOR = fileURLToPath(new URL("./bench-simulator.js", import.meta.url));
const WRITE_KEY = "wk_bench_0123456789";
const SITE_ID = "bench-site";
const API_KEY = "bench-key";
const INGEST_SECONDS = Number(process.env["BENCH_INGEST_SECONDS"] ?? 10);
const DRAIN_EVENTS = Number(process.env["BENCH_DRAIN_EVENTS"] ?? 200_000);
const NAIVE_SECONDS = Number(process.env["BENCH_NAIVE_SECONDS"] ?? 15);
const SIM_PORT = 4610;
const STORM_SIM_PORT = 4611;
const STORM_EVENTS = Number(process.env["BENCH_STORM_EVENTS"] ?? 12_000);
const STORM_SECONDS = Number(process.env["BENCH_STORM_SECONDS"] ?? 10);
const STORM_CAP_RPS = 20;
const SLUICE_PORT = 4680;
/** The PostgreSQL column: a fresh schema per measurement in this database, dropped afterwards. */
const PG_URL =
  process.env["BENCH_DATABASE_URL"] ??
  process.env["SLUICE_TEST_DATABASE_URL"] ??
  "postgres://postgres@127.0.0.1:5432/test";
const PG_DRAIN_EVENTS = Number(process.env["BENCH_PG_DRAIN_EVENTS"] ?? DRAIN_EVENTS);
const PG_SIM_PORT = 4612;
/**
 * The simulator of the PostgreSQL drains: `fast` (default: no OpenAPI validation, event ids only; see
 * bench-simulator.ts) or `strict` (`sluice sandbox`, validating every request against the spec, which
 * serialises the drain on its one core).
 */
const PG_SIMULATOR = process.env["BENCH_PG_SIMULATOR"] === "strict" ? "strict" : "fast";

const trackBody = JSON.stringify({
  userId: "user-42",
  event: "Order Completed",
  properties: { plan: "pro", total: 42.5, currency: "USD", sku: "SKU-1" },
  context: { library: { name: "bench", version: "1" } },
});

/** Events per `/v1/batch` request in the batched ingest load (analytics-node sends up to 15–20). */
const INGEST_BATCH_SIZE = Number(process.env["BENCH_INGEST_BATCH"] ?? 20);

/** Distinct people in the batched load, so per-person ordering keys vary as in real traffic. */
const batchBody = JSON.stringify({
  batch: Array.from({ length: INGEST_BATCH_SIZE }, (_, i) => ({
    type: "track",
    userId: `user-${i}`,
    event: "Order Completed",
    properties: { plan: "pro", total: 42.5 + i, currency: "USD", sku: `SKU-${i}` },
  })),
  context: { library: { name: "bench", version: "1" } },
});

interface IngestFigures {
  eventsPerSecond: number;
  /** Latency of one request (of one event, or of INGEST_BATCH_SIZE events when batched). */
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** What `loadIngest` sends: one event per `/v1/track` request, or INGEST_BATCH_SIZE per `/v1/batch`. */
type IngestLoad = "single" | "batch";

async function loadIngest(url: string, load: IngestLoad = "single"): Promise<IngestFigures> {
  const batched = load === "batch";
  const result = await autocannon({
    url: `${url}${batched ? "/v1/batch" : "/v1/track"}`,
    method: "POST",
    connections: 50,
    duration: INGEST_SECONDS,
    headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
    body: batched ? batchBody : trackBody,
  });
  return {
    eventsPerSecond: Math.round(result.requests.average * (batched ? INGEST_BATCH_SIZE : 1)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

function writeConfig(
  dir: string,
  options: { simPort?: number; maxEventsPerRequest?: number; name?: string } = {},
): string {
  const path = join(dir, options.name ?? "sluice.yaml");
  const delivery = options.maxEventsPerRequest
    ? `    delivery:\n      maxEventsPerRequest: ${options.maxEventsPerRequest}\n`
    : "";
  writeFileSync(
    path,
    `sources:
  - name: bench
    writeKey: ${WRITE_KEY}
destinations:
  - name: cio
    type: customerio
    settings:
      siteId: ${SITE_ID}
      apiKey: ${API_KEY}
      trackUrl: http://127.0.0.1:${options.simPort ?? SIM_PORT}
${delivery}    allow:
      events: ["Order Completed"]
      traits: [email, plan]
      properties: [plan, total, currency]
`,
  );
  return path;
}

/** `BENCH_PROFILE_DIR=/tmp/x`: write a CPU profile of the draining Sluice process there. */
const PROFILE_DIR = process.env["BENCH_PROFILE_DIR"];

async function startSluice(
  dataDir: string,
  config: string,
  delivery: "on" | "paused",
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<Child> {
  const profile = delivery === "on" && PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const port = options.port ?? SLUICE_PORT;
  const child = startChild(
    CLI,
    ["start"],
    {
      PORT: String(port),
      HOST: "127.0.0.1",
      SLUICE_DATA_DIR: dataDir,
      SLUICE_CONFIG: config,
      SLUICE_DELIVERY: delivery,
      SLUICE_LOG_LEVEL: "warn",
      // Several nodes run side by side: each admin API on a free port of its own.
      SLUICE_ADMIN_PORT: "0",
      ...options.env,
    },
    profile,
  );
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`);
  } catch (error) {
    await child.stop("SIGKILL");
    throw new Error(`${(error as Error).message}; its output:\n${child.output.join("").slice(-3000)}`);
  }
  return child;
}

async function simulatorState(
  port = SIM_PORT,
): Promise<{ requests: number; accepted: number; status429: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/__sim/state`);
  const state = (await response.json()) as Record<string, unknown>;
  return readSimState(state);
}

/** The counters the benchmark needs from the simulator's `/__sim/state`. */
function readSimState(state: Record<string, unknown>): {
  requests: number;
  accepted: number;
  status429: number;
} {
  const counters =
    (state as { totals?: { requests?: number; itemsAccepted?: number; byStatus?: Record<string, number> } })
      .totals ?? {};
  return {
    requests: counters.requests ?? 0,
    accepted: counters.itemsAccepted ?? 0,
    status429: counters.byStatus?.["429"] ?? 0,
  };
}

async function fillBacklog(count: number, idPrefix = "bench"): Promise<void> {
  const pool = new Pool(`http://127.0.0.1:${SLUICE_PORT}`, { connections: 8 });
  const perRequest = 250;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next += perRequest;
      const batch = [];
      for (let i = start; i < Math.min(count, start + perRequest); i++) {
        batch.push({
          type: "track",
          userId: `user-${i % 5000}`,
          event: "Order Completed",
          messageId: `${idPrefix}-${i}`,
          properties: { plan: "pro", total: i % 100, currency: "USD" },
        });
      }
      const response = await pool.request({
        path: "/v1/batch",
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
        body: JSON.stringify({ batch }),
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`backlog fill answered ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await pool.close();
}

interface DrainFigures {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  requests: number;
  requestsPerEvent: number;
  rejected429: number;
  peakRssMb: number;
}

async function drain(dataDir: string, config: string): Promise<DrainFigures> {
  const filler = await startSluice(dataDir, config, "paused");
  await fillBacklog(DRAIN_EVENTS);
  await filler.stop();
  const before = await simulatorState();
  const sluice = await startSluice(dataDir, config, "on");
  const started = performance.now();
  let state = before;
  while (state.accepted - before.accepted < DRAIN_EVENTS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = await simulatorState();
    if (performance.now() - started > 600_000) throw new Error("drain did not finish in 10 minutes");
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = sluice.peakRssMb();
  await sluice.stop();
  const requests = state.requests - before.requests;
  return {
    events: DRAIN_EVENTS,
    seconds,
    eventsPerSecond: Math.round(DRAIN_EVENTS / seconds),
    requests,
    requestsPerEvent: requests / DRAIN_EVENTS,
    rejected429: state.status429 - before.status429,
    peakRssMb,
  };
}

/** What people write by hand: one Track API call per event, 20 at a time, waiting out 429s. */
async function naiveForwarder(): Promise<DrainFigures> {
  const pool = new Pool(`http://127.0.0.1:${SIM_PORT}`, { connections: 20 });
  const auth = basicAuth(SITE_ID, API_KEY);
  const before = await simulatorState();
  const started = performance.now();
  const deadline = started + NAIVE_SECONDS * 1000;
  let sent = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const body = JSON.stringify({
        type: "person",
        action: "event",
        identifiers: { id: `user-${i % 5000}` },
        name: "Order Completed",
        id: `naive-${i}-${started}`,
        timestamp: Math.floor(Date.now() / 1000),
        attributes: { plan: "pro", total: i % 100, currency: "USD" },
      });
      for (;;) {
        const response = await pool.request({
          path: "/api/v2/entity",
          method: "POST",
          headers: { "content-type": "application/json", authorization: auth },
          body,
        });
        await response.body.dump();
        if (response.statusCode !== 429) break;
        await new Promise((resolve) =>
          setTimeout(resolve, Number(response.headers["retry-after"] ?? 1) * 1000),
        );
      }
      sent += 1;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const state = await simulatorState();
  const requests = state.requests - before.requests;
  return {
    events: sent,
    seconds,
    eventsPerSecond: Math.round(sent / seconds),
    requests,
    requestsPerEvent: requests / Math.max(1, sent),
    rejected429: state.status429 - before.status429,
    peakRssMb: Number.NaN,
  };
}

interface StormFigures {
  events: number;
  stormRequests: number;
  storm429: number;
  stormDelivered: number;
  requestsPerDeliveredEvent: number;
  attemptsPerAcceptedRequest: number;
  recoverySeconds: number;
  peakRequestsPerSecond: number;
}

/**
 * A 429 storm: the workspace accepts only STORM_CAP_RPS requests/s (429 + Retry-After: 1 above it)
 * while Sluice is configured for 100. Batches are capped at 10 events so that the request rate, not
 * the batch size, is what matters. After STORM_SECONDS the cap is lifted; recovery is the time until
 * Sluice sends 90 accepted requests within one second again.
 */
async function storm(dir: string): Promise<StormFigures> {
  const sim = `http://127.0.0.1:${STORM_SIM_PORT}`;
  const simulator = await startSandbox(STORM_SIM_PORT, 20, STORM_CAP_RPS);
  const config = writeConfig(dir, { simPort: STORM_SIM_PORT, maxEventsPerRequest: 10, name: "storm.yaml" });
  const dataDir = join(dir, "storm");
  const filler = await startSluice(dataDir, config, "paused");
  await fillBacklog(STORM_EVENTS, "storm");
  await filler.stop();
  const sluice = await startSluice(dataDir, config, "on");
  await new Promise((resolve) => setTimeout(resolve, STORM_SECONDS * 1000));
  const liftedAt = Date.now();
  const atLift = readSimState((await (await fetch(`${sim}/__sim/state`)).json()) as Record<string, unknown>);
  await fetch(`${sim}/__sim/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ rateLimitRps: null }),
  });
  for (;;) {
    const state = readSimState((await (await fetch(`${sim}/__sim/state`)).json()) as Record<string, unknown>);
    if (state.accepted >= STORM_EVENTS) break;
    if (Date.now() - liftedAt > 120_000) throw new Error("storm backlog did not drain in 2 minutes");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await sluice.stop();
  const log = (await (await fetch(`${sim}/__sim/requests?limit=100000`)).json()) as {
    requests: { atMs: number; status: number; path: string }[];
  };
  await simulator.stop();
  const batches = log.requests.filter((request) => request.path === "/api/v2/batch");
  const accepted = batches.filter((request) => request.status === 200).map((request) => request.atMs);
  let recoveredAt = Number.NaN;
  let peak = 0;
  for (let i = 0, j = 0; i < accepted.length; i++) {
    while ((accepted[j] ?? 0) <= (accepted[i] ?? 0) - 1000) j++;
    const inWindow = i - j + 1;
    if ((accepted[i] ?? 0) > liftedAt) {
      peak = Math.max(peak, inWindow);
      if (Number.isNaN(recoveredAt) && inWindow >= 90) recoveredAt = accepted[i] ?? Number.NaN;
    }
  }
  const total429 = batches.filter((request) => request.status === 429).length;
  return {
    events: STORM_EVENTS,
    stormRequests: atLift.requests,
    storm429: atLift.status429,
    stormDelivered: atLift.accepted,
    requestsPerDeliveredEvent: atLift.requests / Math.max(1, atLift.accepted),
    attemptsPerAcceptedRequest: batches.length / Math.max(1, batches.length - total429),
    recoverySeconds: (recoveredAt - liftedAt) / 1000,
    peakRequestsPerSecond: peak,
  };
}

/** Ingest into PostgreSQL, with how well enqueue calls were grouped into transactions. */
type PostgresIngestFigures = IngestFigures & {
  /** Events per enqueue transaction (group commit), from the events' `xmin`. */
  eventsPerCommit: number;
  commitsPerSecond: number;
};

interface PostgresFigures {
  ingest: PostgresIngestFigures;
  ingestBatch: PostgresIngestFigures;
  drainOne: DrainFigures;
  drainThree: DrainFigures;
}

async function pgQuery<Row>(sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Run `work` on a fresh schema of the benchmark database, dropped afterwards. */
async function withSchema<T>(work: (schema: string, env: Record<string, string>) => Promise<T>): Promise<T> {
  const schema = `sluice_bench_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  try {
    return await work(schema, { SLUICE_DATABASE_URL: PG_URL, SLUICE_DATABASE_SCHEMA: schema });
  } finally {
    await pgQuery(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
  }
}

/** Durable ingest into PostgreSQL (one node, delivery paused, a fresh schema), and its grouping. */
async function postgresIngest(dir: string, config: string, load: IngestLoad): Promise<PostgresIngestFigures> {
  return withSchema(async (schema, env) => {
    const node = await startSluice(join(dir, `pg-ingest-${load}`), config, "paused", { env });
    const figures = await loadIngest(`http://127.0.0.1:${SLUICE_PORT}`, load);
    await node.stop();
    // Rows one transaction inserted share its xmin: distinct xmins are the group commits.
    const [row] = await pgQuery<{ events: string; commits: string }>(
      `SELECT count(*) AS events, count(DISTINCT xmin::text) AS commits FROM ${escapeIdentifier(schema)}.events`,
    );
    const events = Number(row?.events ?? 0);
    const commits = Math.max(1, Number(row?.commits ?? 0));
    return { ...figures, eventsPerCommit: events / commits, commitsPerSecond: commits / INGEST_SECONDS };
  });
}

/**
 * Backlog drain through `nodes` Sluice processes on one PostgreSQL schema (ports SLUICE_PORT + i),
 * timed from their launch: a backlog of PG_DRAIN_EVENTS filled by one paused node, then drained to
 * the simulator on PG_SIM_PORT (capped at 100 req/s, 200 ms latency: the nodes share that limit).
 */
async function postgresDrain(dir: string, config: string, nodes: number): Promise<DrainFigures> {
  return withSchema(async (_schema, env) => {
    const filler = await startSluice(join(dir, "pg-fill"), config, "paused", { env });
    await fillBacklog(PG_DRAIN_EVENTS, `pg${nodes}`);
    await filler.stop();
    const before = await simulatorState(PG_SIM_PORT);
    const started = performance.now();
    const starting = await Promise.allSettled(
      Array.from({ length: nodes }, (_, i) =>
        startSluice(join(dir, `pg-node-${i}`), config, "on", { env, port: SLUICE_PORT + i }),
      ),
    );
    const children = starting.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    let state = before;
    let seconds: number;
    let peakRssMb: number;
    try {
      const failed = starting.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
      while (state.accepted - before.accepted < PG_DRAIN_EVENTS) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = await simulatorState(PG_SIM_PORT);
        if (performance.now() - started > 600_000) throw new Error("drain did not finish in 10 minutes");
      }
      seconds = (performance.now() - started) / 1000;
      peakRssMb = Math.max(...children.map((child) => child.peakRssMb()));
    } finally {
      await Promise.all(children.map((child) => child.stop()));
    }
    const requests = state.requests - before.requests;
    return {
      events: PG_DRAIN_EVENTS,
      seconds,
      eventsPerSecond: Math.round(PG_DRAIN_EVENTS / seconds),
      requests,
      requestsPerEvent: requests / PG_DRAIN_EVENTS,
      rejected429: state.status429 - before.status429,
      peakRssMb,
    };
  });
}

/** The PostgreSQL column: ingest, then the drain through one node and through three. */
async function postgresBench(dir: string): Promise<PostgresFigures> {
  const simulator =
    PG_SIMULATOR === "strict"
      ? await startSandbox(PG_SIM_PORT, 200, 100)
      : await startFastSimulator(PG_SIM_PORT, 200, 100);
  try {
    const config = writeConfig(dir, { simPort: PG_SIM_PORT, name: "pg.yaml" });
    console.log(
      `  PostgreSQL durable ingest: one node, ${INGEST_SECONDS} s at 50 connections, one event each…`,
    );
    const ingest = await postgresIngest(dir, config, "single");
    console.log(`  PostgreSQL durable ingest: the same with /v1/batch of ${INGEST_BATCH_SIZE} events…`);
    const ingestBatch = await postgresIngest(dir, config, "batch");
    console.log(`  PostgreSQL backlog drain: ${PG_DRAIN_EVENTS} events through one node…`);
    const drainOne = await postgresDrain(dir, config, 1);
    console.log(`  PostgreSQL backlog drain: ${PG_DRAIN_EVENTS} events through three nodes…`);
    const drainThree = await postgresDrain(dir, config, 3);
    return { ingest, ingestBatch, drainOne, drainThree };
  } finally {
    await simulator.stop();
  }
}

function printPostgres(figures: PostgresFigures): void {
  const { ingest, ingestBatch, drainOne, drainThree } = figures;
  const drain = (d: DrainFigures) =>
    `${d.eventsPerSecond} events/s (${fixed(d.seconds)} s, ${d.requests} requests, ${d.rejected429} × 429, peak RSS ${fixed(d.peakRssMb)} MB)`;
  console.log(
    `PostgreSQL (${PG_URL.replace(/\/\/[^@/]*@/, "//")}, synchronous_commit as configured on the server; ${PG_SIMULATOR} simulator)`,
  );
  for (const [label, figures] of [
    ["durable ingest       ", ingest],
    [`ingest, batches of ${String(INGEST_BATCH_SIZE).padEnd(2)}`, ingestBatch],
  ] as const) {
    console.log(
      `  ${label} ${figures.eventsPerSecond} events/s, request p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, ${figures.errors} errors; ` +
        `${fixed(figures.eventsPerCommit)} events per transaction, ${fixed(figures.commitsPerSecond)} transactions/s (one in flight)`,
    );
  }
  console.log(`  drain, one node      ${drain(drainOne)}`);
  console.log(`  drain, three nodes   ${drain(drainThree)}`);
}

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** `sluice sandbox` on a port, answering after `latencyMs`, 429 above `rateLimit` req/s; resolves once it answers. */
async function startSandbox(port: number, latencyMs: number, rateLimit: number): Promise<Child> {
  const args = ["sandbox", "--port", String(port), "--site-id", SITE_ID, "--api-key", API_KEY];
  const child = startChild(
    CLI,
    [...args, "--latency-ms", String(latencyMs), "--rate-limit", String(rateLimit)],
    {},
  );
  await waitForHttp(`http://127.0.0.1:${port}/__sim/state`);
  return child;
}

/**
 * The fast simulator (bench-simulator.ts: no OpenAPI validation, event ids only) on a port, answering
 * after `latencyMs`, 429 above `rateLimit` req/s (null: no cap); resolves once it answers.
 */
async function startFastSimulator(port: number, latencyMs: number, rateLimit: number | null): Promise<Child> {
  const child = startChild(FAST_SIMULATOR, [], {
    PORT: String(port),
    SITE_ID: SITE_ID,
    API_KEY: API_KEY,
    LATENCY_MS: String(latencyMs),
    RATE_LIMIT: rateLimit === null ? "" : String(rateLimit),
  });
  await waitForOutput(child, /"listening":\d+/);
  return child;
}

/** The ceiling: a parse-only HTTP server under the same load as durable ingest. */
async function ingestCeiling(): Promise<IngestFigures> {
  const child = startChild(CEILING, [], { PORT: "0" });
  const port = Number((await waitForOutput(child, /"listening":(\d+)/))[1]);
  const figures = await loadIngest(`http://127.0.0.1:${port}`);
  await child.stop();
  return figures;
}

/** Durable ingest into a Sluice on SQLite (delivery paused, so only ingest is measured). */
async function durableIngest(
  dir: string,
  config: string,
  load: IngestLoad = "single",
): Promise<IngestFigures> {
  const sluice = await startSluice(join(dir, `ingest-${load}`), config, "paused");
  const figures = await loadIngest(`http://127.0.0.1:${SLUICE_PORT}`, load);
  await sluice.stop();
  return figures;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"));
  const config = writeConfig(dir);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}`;
  console.log(`Sluice benchmark on ${machine}\n`);
  if (process.env["BENCH_ONLY"] === "storm") {
    const figures = await storm(dir);
    console.log(JSON.stringify(figures, null, 2));
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  if (process.env["BENCH_ONLY"] === "ingest") {
    const ceiling = await ingestCeiling();
    const durable = await durableIngest(dir, config);
    const durableBatch = await durableIngest(dir, config, "batch");
    console.log(JSON.stringify({ ceiling, durable, durableBatch }, null, 2));
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  if (process.env["BENCH_ONLY"] === "drain") {
    const simulator = await startSandbox(SIM_PORT, 200, 100);
    try {
      console.log(JSON.stringify(await drain(join(dir, "drain"), config), null, 2));
    } finally {
      await simulator.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  if (process.env["BENCH_ONLY"] === "pgbloat") {
    try {
      await postgresBloatBench(dir, {
        pgUrl: PG_URL,
        writeConfig,
        startSluice,
        fillBacklog,
        withSchema,
        startFastSimulator: (port) => startFastSimulator(port, 0, null),
        simulatorAccepted: async (port) => (await simulatorState(port)).accepted,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  if (process.env["BENCH_ONLY"] === "postgres") {
    try {
      printPostgres(await postgresBench(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return;
  }
  try {
    console.log(`1/6 ingest ceiling: parse-only HTTP server, ${INGEST_SECONDS} s at 50 connections…`);
    const ceiling = await ingestCeiling();

    console.log(
      `2/6 durable ingest: Sluice /v1/track (SQLite WAL, synchronous=FULL), ${INGEST_SECONDS} s at 50 connections…`,
    );
    const durable = await durableIngest(dir, config);
    console.log(`   … and /v1/batch with ${INGEST_BATCH_SIZE} events per request…`);
    const durableBatch = await durableIngest(dir, config, "batch");

    console.log(
      `3/6 backlog drain: ${DRAIN_EVENTS} queued events → simulator capped at 100 req/s, 200 ms latency…`,
    );
    const simulator = await startSandbox(SIM_PORT, 200, 100);
    const sluiceDrain = await drain(join(dir, "drain"), config);

    console.log(
      `4/6 naive forwarder: one request per event, 20 concurrent, ${NAIVE_SECONDS} s, same simulator…`,
    );
    const naive = await naiveForwarder();
    await simulator.stop();

    console.log(
      `5/6 429 storm: ${STORM_EVENTS} queued events, workspace capped at ${STORM_CAP_RPS} req/s for ${STORM_SECONDS} s (Sluice set to 100), batches of 10…`,
    );
    const storm429 = await storm(dir);

    console.log(
      `6/6 PostgreSQL: durable ingest, then ${PG_DRAIN_EVENTS} queued events drained through one node and through three…`,
    );
    const pg = await postgresBench(dir);
    const both = (d1: DrainFigures, d3: DrainFigures, show: (d: DrainFigures) => string) =>
      `${show(d1)} | ${show(d3)}`;
    const { drainOne, drainThree } = pg;

    // Columns: measure, SQLite, PostgreSQL (drain rows: one node | three nodes), reference.
    const rows: [string, string, string, string][] = [
      [
        "durable ingest events/s (50 conns)",
        String(durable.eventsPerSecond),
        String(pg.ingest.eventsPerSecond),
        `ceiling ${ceiling.eventsPerSecond}`,
      ],
      [
        "durable ingest p50 / p99 ms",
        `${durable.p50Ms} / ${durable.p99Ms}`,
        `${pg.ingest.p50Ms} / ${pg.ingest.p99Ms}`,
        `ceiling ${ceiling.p50Ms} / ${ceiling.p99Ms}`,
      ],
      [
        `durable ingest events/s, batches of ${INGEST_BATCH_SIZE}`,
        String(durableBatch.eventsPerSecond),
        String(pg.ingestBatch.eventsPerSecond),
        `request p99 ms: SQLite ${durableBatch.p99Ms}, PostgreSQL ${pg.ingestBatch.p99Ms}`,
      ],
      [
        "durable ingest errors",
        String(durable.errors + durableBatch.errors),
        String(pg.ingest.errors + pg.ingestBatch.errors),
        `ceiling ${ceiling.errors}`,
      ],
      [
        "ingest events per commit",
        "",
        fixed(pg.ingest.eventsPerCommit),
        `PostgreSQL: ${fixed(pg.ingest.commitsPerSecond)} commits/s`,
      ],
      [
        "drain events/s",
        String(sluiceDrain.eventsPerSecond),
        both(drainOne, drainThree, (d) => String(d.eventsPerSecond)),
        `naive ${naive.eventsPerSecond}`,
      ],
      [
        "drain seconds",
        fixed(sluiceDrain.seconds),
        both(drainOne, drainThree, (d) => fixed(d.seconds)),
        `naive ${fixed(naive.seconds)} (for ${naive.events} events)`,
      ],
      [
        "drain requests per delivered event",
        fixed(sluiceDrain.requestsPerEvent, 4),
        both(drainOne, drainThree, (d) => fixed(d.requestsPerEvent, 4)),
        `naive ${fixed(naive.requestsPerEvent, 3)}`,
      ],
      [
        "drain HTTP requests (429s)",
        `${sluiceDrain.requests} (${sluiceDrain.rejected429})`,
        both(drainOne, drainThree, (d) => `${d.requests} (${d.rejected429})`),
        `naive ${naive.requests} (${naive.rejected429})`,
      ],
      [
        "drain peak RSS MB",
        fixed(sluiceDrain.peakRssMb),
        both(drainOne, drainThree, (d) => fixed(d.peakRssMb)),
        "PostgreSQL: largest node",
      ],
      [
        "storm HTTP requests (429s)",
        `${storm429.stormRequests} (${storm429.storm429})`,
        "",
        `${storm429.stormDelivered} events delivered during the storm`,
      ],
      [
        "storm requests per delivered event",
        fixed(storm429.requestsPerDeliveredEvent, 3),
        "",
        "target ≤ 1.2",
      ],
      ["storm attempts per accepted request", fixed(storm429.attemptsPerAcceptedRequest, 3), "", "whole run"],
      [
        "storm seconds to full rate",
        fixed(storm429.recoverySeconds),
        "",
        `target ≤ 5 (90 accepted req/s; peak ${storm429.peakRequestsPerSecond}/s)`,
      ],
      [
        "drain speed-up over naive",
        `${fixed(sluiceDrain.eventsPerSecond / Math.max(1, naive.eventsPerSecond))}×`,
        "",
        "",
      ],
    ];
    console.log("");
    const width = Math.max(...rows.map((row) => row[0].length));
    const pgWidth = Math.max(10, ...rows.map((row) => row[2].length));
    console.log(
      `${"".padEnd(width)}  ${"SQLite".padStart(12)}   ${"PostgreSQL (1 node | 3 nodes)".padEnd(pgWidth)}`,
    );
    for (const [label, value, postgres, other] of rows)
      console.log(`${label.padEnd(width)}  ${value.padStart(12)}   ${postgres.padEnd(pgWidth)}   ${other}`);
    console.log(
      `\nTargets: ingest ≥ 10,000 events/s with p99 ≤ 20 ms; drain ≥ 40,000 events/s, RSS ≤ 256 MB.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
