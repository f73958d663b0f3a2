// Three Sluice processes on one PostgreSQL schema, one strict simulator, continuous load spread across
// the three; one node is killed with SIGKILL and restarted along the way. Afterwards every acknowledged
// event must have been delivered, each person's events in the order they were sent, the workspace's
// rate limit must have held across the three nodes together, and a redelivery may only repeat an
// event id. No PostgreSQL: the file fails, saying how to start it (never a skip).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedEvent, SimPerson } from "../destinations/customerio/simulator/records.js";
import type { SimulatorSummary } from "../destinations/customerio/simulator/simulator.js";
import type { RequestLogEntry } from "../destinations/customerio/simulator/traffic-log.js";
import type { DeliveryLogEntry } from "../store/port.js";
import { openPostgresStore, type PostgresStore } from "../store/postgres/postgres-store.js";
import {
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "../store/postgres/test-support/test-database.js";
import {
  killRunningCliProcesses,
  runCliProcess,
  type SluiceProcess,
  startSluiceProcess,
} from "../test-support/cli-process.js";
import {
  E2E_API_KEY,
  E2E_ENV,
  E2E_SITE_ID,
  E2E_WRITE_KEY,
  freePort,
  IngestClient,
  waitFor,
  waitForReady,
} from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";
import { wholeLog } from "../test-support/whole-log.js";

beforeAll(requirePostgres);

const NODES = 3;
const PERSONS = 30;
/** The destination's `delivery.requestsPerSecond`: the limit the three nodes share. */
const RATE = 20;
/** The shared bucket's burst (a tenth of a second's worth, as the lanes use). */
const BURST = RATE / 10;
/** Small batches, so the load asks for more requests than the limit allows and the limit shows. */
const EVENTS_PER_REQUEST = 3;
/** A dead node's deliveries go to the others once its leases run out. */
const LEASE_MS = 3000;
const LOAD_MS = 14_000;
const KILL_AT_MS = 4000;
const RESTART_AFTER_MS = 3000;
const SIM_LATENCY_MS = 30;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the test sent for one messageId. */
interface SentEvent {
  messageId: string;
  person: number;
  type: "identify" | "track";
  /** Identify: the `plan` trait, unique per event, so the person's final plan names the last identify. */
  plan?: string;
}

const userId = (person: number) => `mn-user-${person}`;

function segmentBody(event: SentEvent): Record<string, unknown> {
  const base = { userId: userId(event.person), messageId: event.messageId };
  return event.type === "identify"
    ? { ...base, traits: { email: `${userId(event.person)}@example.com`, plan: event.plan } }
    : { ...base, event: "Order Completed", properties: { plan: "pro", total: 42, currency: "USD" } };
}

/**
 * One client loop per person, like a user's device: it sends the person's next event only once the
 * previous one was acknowledged, to the nodes in turn (round robin). A refused connection or a 503
 * (the node is down) is retried with the same messageId on the next node, as a client behind a load
 * balancer would, until it is acknowledged.
 */
class RoundRobinLoad {
  readonly sent: SentEvent[] = [];
  readonly acked = new Set<string>();
  readonly unexpected: string[] = [];
  retried = 0;
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly client: IngestClient,
    private readonly urls: readonly string[],
  ) {}

  start(): void {
    this.#loops = Array.from({ length: PERSONS }, (_, person) => this.#loop(person));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  async #loop(person: number): Promise<void> {
    // Staggered starts, so the people do not all send in the same millisecond.
    await sleep(person * 7);
    for (let seq = 0; !this.#stopped; seq++) {
      const type = seq % 5 === 0 ? "identify" : "track";
      const event: SentEvent = { messageId: `mn-${person}-${seq}`, person, type };
      if (type === "identify") event.plan = `plan-${seq}`;
      this.sent.push(event);
      let node = (person + seq) % NODES;
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.client.post(this.urls[node]!, `/v1/${type}`, segmentBody(event));
        if ("status" in outcome && outcome.status === 200) {
          if (outcome.body !== '{"success":true}') this.unexpected.push(`200 with ${outcome.body}`);
          this.acked.add(event.messageId);
          break;
        }
        if ("status" in outcome && outcome.status !== 503) {
          this.unexpected.push(`${event.messageId} → ${outcome.status} ${outcome.body.slice(0, 200)}`);
          return;
        }
        if (attempt >= 100) {
          this.unexpected.push(`${event.messageId}: no node acknowledged it after 100 attempts`);
          return;
        }
        this.retried += 1;
        node = (node + 1) % NODES;
        await sleep(50);
      }
      await sleep(300 + ((person * 31 + seq * 17) % 300));
    }
  }
}

/** The most requests any one-second window [t, t + 1 s) holds, over sorted times. */
function busiestSecond(times: readonly number[]): number {
  let most = 0;
  for (let end = 0, start = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

let cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await killRunningCliProcesses();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe("three Sluice nodes on one PostgreSQL schema", () => {
  it("deliver every acknowledged event once per id, in order per person, within the shared rate limit, across a kill -9", async () => {
    const startedAt = Date.now();
    const dir = tempDir("sluice-multi-node-");
    cleanup.push(() => dir.remove());
    const schema = freshSchemaName();
    cleanup.push(() => dropSchema(schema));

    // The strict simulator runs in a process of its own (`sluice sandbox`, validating every request
    // against the official OpenAPI spec), so the times it records are not skewed by this process's
    // load loops. The workspace accepts a little more than the shared limit allows (rate × 1.1 +
    // burst per second): without a limit shared by the nodes, three lanes at 20 req/s would earn 429s.
    const ceiling = Math.floor(RATE * 1.1 + BURST);
    const sandbox = runCliProcess(
      [
        "sandbox",
        "--port",
        "0",
        "--site-id",
        E2E_SITE_ID,
        "--api-key",
        E2E_API_KEY,
        "--latency-ms",
        String(SIM_LATENCY_MS),
        "--rate-limit",
        String(ceiling),
      ],
      {
        env: process.env["SLUICE_CIO_OPENAPI_SPEC"]
          ? { SLUICE_CIO_OPENAPI_SPEC: process.env["SLUICE_CIO_OPENAPI_SPEC"] }
          : {},
      },
    );
    cleanup.push(async () => {
      sandbox.kill("SIGTERM");
      await sandbox.waitForExit(10_000);
    });
    const simUrl = (await sandbox.waitForStdout(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000))[1]!;
    await sandbox.waitForStdout(/OpenAPI: +validating against /, 1000);
    const simGet = async <T>(path: string): Promise<T> =>
      (await (await fetch(`${simUrl}${path}`)).json()) as T;

    const configPath = join(dir.path, "sluice.yaml");
    writeFileSync(
      configPath,
      `sources:
  - name: website
    writeKey: ${E2E_WRITE_KEY}
destinations:
  - name: cio
    type: customerio
    settings:
      siteId: ${E2E_SITE_ID}
      apiKey: \${CIO_API_KEY}
      trackUrl: ${simUrl}
    delivery:
      requestsPerSecond: ${RATE}
      maxEventsPerRequest: ${EVENTS_PER_REQUEST}
    allow:
      events: ["Order Completed"]
      traits: [email, plan]
      properties: [plan, total, currency]
`,
    );
    const client = new IngestClient();
    cleanup.push(() => client.close());
    const ports = await Promise.all(Array.from({ length: NODES }, () => freePort()));
    const env = {
      ...E2E_ENV,
      SLUICE_DATABASE_URL: TEST_DATABASE_URL,
      SLUICE_DATABASE_SCHEMA: schema,
      SLUICE_DATABASE_POOL_SIZE: "4",
      SLUICE_LEASE_MS: String(LEASE_MS),
      // Three nodes on one machine: each admin API on a free port of its own.
      SLUICE_ADMIN_PORT: "0",
    };
    const start = async (index: number): Promise<SluiceProcess> => {
      const sluice = await startSluiceProcess({
        dataDir: join(dir.path, `unused-${index}`),
        configPath,
        port: ports[index]!,
        env,
        startTimeoutMs: 20_000,
      });
      await waitForReady(client, sluice.url, 10_000);
      return sluice;
    };
    // The first node migrates the fresh schema; the other two start together.
    const nodes: SluiceProcess[] = [await start(0)];
    nodes.push(...(await Promise.all([start(1), start(2)])));
    const opened = nodes[0]!.process.logs().find((line) => line.event === "store.opened");
    expect(opened).toMatchObject({ store: "postgres", schema });

    const load = new RoundRobinLoad(
      client,
      nodes.map((node) => node.url),
    );
    load.start();
    await sleep(KILL_AT_MS);
    const victim = nodes[1]!;
    victim.process.kill("SIGKILL");
    expect(await victim.process.waitForExit(5000)).toEqual({ code: null, signal: "SIGKILL" });
    const ackedAtKill = load.acked.size;
    await sleep(RESTART_AFTER_MS);
    nodes[1] = await start(1);
    await sleep(Math.max(0, LOAD_MS - KILL_AT_MS - RESTART_AFTER_MS));
    await load.stop();

    // Drain: every event's delivery reaches a final state.
    const reader: PostgresStore = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    cleanup.push(() => reader.close());
    const drainStartedAt = Date.now();
    let log: DeliveryLogEntry[] = [];
    await waitFor(
      async () => {
        log = await wholeLog((filter) => reader.listDeliveries(filter));
        return log.length >= load.acked.size && log.every((entry) => entry.state === "delivered");
      },
      30_000,
      () =>
        `every delivery to be delivered (${log.filter((entry) => entry.state !== "delivered").length} of ${log.length} not yet)`,
    );
    const drainMs = Date.now() - drainStartedAt;
    for (const node of nodes) node.process.kill("SIGTERM");
    for (const node of nodes)
      expect(await node.process.waitForExit(20_000)).toEqual({ code: 0, signal: null });

    expect(load.unexpected).toEqual([]);
    // The load was real, and the kill cut it: some requests went to the dead node and were retried.
    expect(load.acked.size).toBeGreaterThan(400);
    expect(load.acked.size).toBeGreaterThan(ackedAtKill);
    expect(load.retried).toBeGreaterThan(0);
    expect(load.acked.size).toBe(load.sent.length);

    // The delivery log: each acknowledged messageId exactly once (a retry on another node was a
    // duplicate), nothing unknown.
    const sentById = new Map(load.sent.map((event) => [event.messageId, event]));
    expect(log.map((entry) => entry.messageId).sort()).toEqual([...load.acked].sort());

    // The simulator: exactly the tracks, each id recorded once, in each person's send order.
    const summary = await simGet<SimulatorSummary>("/__sim/state");
    const { events } = await simGet<{ events: ReceivedEvent[] }>("/__sim/events?limit=1000000");
    const { people } = await simGet<{ people: SimPerson[] }>("/__sim/people?limit=1000000");
    const { requests } = await simGet<{ requests: RequestLogEntry[] }>("/__sim/requests?limit=1000000");
    const tracks = load.sent.filter((event) => event.type === "track");
    expect(events.map((event) => event.id).sort()).toEqual(tracks.map((event) => event.messageId).sort());
    expect(summary.workspace.eventsRecorded).toBe(tracks.length);
    const misdelivered = events.filter((event) => {
      const sent = sentById.get(event.id ?? "");
      return (
        sent === undefined ||
        event.name !== "Order Completed" ||
        event.identifier?.kind !== "id" ||
        event.identifier.value !== userId(sent.person)
      );
    });
    expect(misdelivered).toEqual([]);
    const outOfOrder: string[] = [];
    for (let person = 0; person < PERSONS; person++) {
      const received = events
        .filter((event) => event.identifier?.kind === "id" && event.identifier.value === userId(person))
        .map((event) => event.id);
      const sentOrder = tracks.filter((event) => event.person === person).map((event) => event.messageId);
      if (JSON.stringify(received) !== JSON.stringify(sentOrder)) {
        outOfOrder.push(`${userId(person)}: received ${received.join(",")} sent ${sentOrder.join(",")}`);
      }
      // Identifies in order too: the person's plan is the one its last identify set.
      const lastIdentify = load.sent
        .filter((event) => event.person === person && event.type === "identify")
        .at(-1);
      const attributes = people.find((candidate) => candidate.id === userId(person))?.attributes;
      if (attributes?.["plan"] !== lastIdentify?.plan) {
        outOfOrder.push(
          `${userId(person)}: plan ${String(attributes?.["plan"])}, last sent ${lastIdentify?.plan}`,
        );
      }
    }
    expect(outOfOrder).toEqual([]);

    // The shared limit: no one-second window of Track requests (429s included) above rate × 1.1 +
    // burst, so the simulator never had to refuse one; and the load did push against it.
    const trackRequests = requests.filter((request) => request.method === "POST");
    const busiest = busiestSecond(trackRequests.map((request) => request.atMs).sort((a, b) => a - b));
    expect(busiest).toBeLessThanOrEqual(ceiling);
    expect(busiest).toBeGreaterThanOrEqual(RATE * 0.75);
    expect(trackRequests.filter((request) => request.status === 429)).toEqual([]);

    expect(summary.openApiViolations).toEqual({ count: 0, recent: [] });
    expect(summary.anomalies).toEqual({ counts: {}, recent: [] });
    expect(summary.internalErrors).toBe(0);
    console.log(
      [
        `multi-node: acknowledged=${load.acked.size} (at kill ${ackedAtKill})`,
        `client-retries=${load.retried}`,
        `track-requests=${trackRequests.length} busiest-second=${busiest} (limit ${RATE}/s, ceiling ${ceiling})`,
        `redelivered-duplicates=${summary.workspace.duplicatesIgnored}`,
        `drain=${drainMs}ms elapsed=${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
      ].join(" "),
    );
  }, 90_000);
});
