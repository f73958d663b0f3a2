// SIGTERM while ingest requests and deliveries are in flight: intake closes at once, in-flight
// deliveries finish, the process exits 0, and a restart delivers the rest exactly once.
import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { killRunningCliProcesses, startSluiceProcess } from "../test-support/cli-process.js";
import {
  deliveryLogOf,
  E2E_API_KEY,
  E2E_ENV,
  E2E_SITE_ID,
  IngestClient,
  type IngestOutcome,
  waitFor,
  waitingDeliveries,
  writeSluiceConfig,
} from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";

const LATENCY_MS = 500;
const FIRST_BATCHES = 16;
const PER_BATCH = 25;
/** SIGTERM to exit: the in-flight deliveries (LATENCY_MS) plus closing the store, with room to spare. */
const EXIT_WITHIN_MS = 5000;
const PROBERS = 4;

interface Probe {
  messageId: string;
  /** Sent after this test saw Sluice log that it is stopping. */
  afterStopping: boolean;
  outcome: IngestOutcome;
}

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  await killRunningCliProcesses();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("SIGTERM", () => {
  it("refuses new events, finishes in-flight deliveries, exits 0, and loses nothing", async () => {
    const dir = tempDir("sluice-shutdown-");
    cleanup.push(async () => dir.remove());
    const sim: Simulator = await startSimulator({
      siteId: E2E_SITE_ID,
      apiKey: E2E_API_KEY,
      openApi: loadTrackOpenApi(),
    });
    cleanup.push(() => sim.close());
    sim.setLatencyMs(LATENCY_MS);
    const client = new IngestClient();
    cleanup.push(() => client.close());
    const configPath = writeSluiceConfig(dir.path, sim.url);
    const dataDir = `${dir.path}/data`;

    const first = await startSluiceProcess({ dataDir, configPath, env: E2E_ENV });
    const acked = new Set<string>();
    const batchOutcomes = await Promise.all(
      Array.from({ length: FIRST_BATCHES }, async (_, b) => {
        const batch = Array.from({ length: PER_BATCH }, (_, i) => ({
          type: "track",
          userId: `user-${i}`,
          event: "Order Completed",
          messageId: `sd-${b}-${i}`,
          properties: { total: i },
        }));
        const outcome = await client.post(first.url, "/v1/batch", { batch });
        if ("status" in outcome && outcome.status === 200)
          for (const event of batch) acked.add(event.messageId);
        return "status" in outcome ? outcome.status : outcome.networkError;
      }),
    );
    expect(batchOutcomes).toEqual(Array(FIRST_BATCHES).fill(200));

    // Keep sending single events from a few concurrent clients through the whole shutdown.
    let stoppingSeen = false;
    let probing = true;
    const probes: Probe[] = [];
    let sent = 0;
    const prober = async () => {
      while (probing) {
        const messageId = `probe-${sent++}`;
        const afterStopping = stoppingSeen;
        const outcome = await client.post(first.url, "/v1/track", {
          userId: "prober",
          event: "Probe",
          messageId,
        });
        probes.push({ messageId, afterStopping, outcome });
        if ("status" in outcome && outcome.status === 200) acked.add(messageId);
        await sleep(5);
      }
    };
    const probers = Promise.all(Array.from({ length: PROBERS }, prober));

    // SIGTERM while ingest requests are in flight and a delivery is too: one the simulator applied
    // less than LATENCY_MS ago, so its response is still to come.
    const pendingResponses = () =>
      sim.state.requests.filter(
        (request) => request.items > 0 && Date.now() - request.atMs < LATENCY_MS - 200,
      );
    await waitFor(
      () => probes.length >= 20 && pendingResponses().length > 0,
      10_000,
      () =>
        `probes (${probes.length}) and a delivery in flight (${sim.state.requests.length} requests so far)`,
    );
    const signalledAt = Date.now();
    first.process.kill("SIGTERM");
    await first.process.waitForStdout(/"event":"sluice\.stopping"/, EXIT_WITHIN_MS);
    stoppingSeen = true;
    const status = await first.process.waitForExit(EXIT_WITHIN_MS);
    const exitMs = Date.now() - signalledAt;
    probing = false;
    await probers;
    expect(status).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(EXIT_WITHIN_MS);
    const logs = first.process.logs();
    expect(logs.filter((line) => line.event?.startsWith("sluice.stop")).map((line) => line.msg)).toEqual([
      "stopping: intake closed, finishing in-flight deliveries",
      "stopped cleanly",
    ]);
    expect(logs.at(-1)).toMatchObject({ event: "sluice.stopped" });
    expect(first.process.stderr()).toBe("");

    // Intake was closed: every request sent after "stopping" was refused (503, or no connection).
    const late = probes.filter((probe) => probe.afterStopping);
    expect(late.length).toBeGreaterThan(0);
    const lateOutcomes = late.map((probe) =>
      "status" in probe.outcome ? probe.outcome.status : `network error ${probe.outcome.networkError}`,
    );
    expect(
      lateOutcomes.filter((outcome) => outcome !== 503 && !String(outcome).startsWith("network error")),
    ).toEqual([]);
    const definitelyRefused = new Set(
      probes
        .filter(
          (probe) =>
            ("status" in probe.outcome && probe.outcome.status === 503) ||
            ("networkError" in probe.outcome && probe.outcome.networkError === "ECONNREFUSED"),
        )
        .map((probe) => probe.messageId),
    );
    expect(definitelyRefused.size).toBeGreaterThan(0);

    // Deliveries in flight at SIGTERM were finished, not abandoned: what the simulator applied is
    // recorded as delivered; what was never sent waits in the queue.
    const appliedBeforeExit = new Set(sim.state.eventIds);
    const afterStop = await deliveryLogOf(dataDir);
    const delivered = afterStop
      .filter((entry) => entry.state === "delivered")
      .map((entry) => entry.messageId);
    expect(delivered.sort()).toEqual([...appliedBeforeExit].sort());
    expect(
      afterStop.filter((entry) => entry.state !== "delivered").every((entry) => entry.state === "queued"),
    ).toBe(true);

    // A request cut off mid-way has an unknown outcome: it may have been committed before the cut.
    const unknownOutcome = new Set(
      probes
        .filter((probe) => "networkError" in probe.outcome && !definitelyRefused.has(probe.messageId))
        .map((probe) => probe.messageId),
    );

    // Restart: the rest goes out, each event exactly once.
    const second = await startSluiceProcess({ dataDir, configPath, env: E2E_ENV });
    await waitFor(
      () => [...acked].every((id) => sim.state.eventIds.has(id)) && waitingDeliveries(dataDir) === 0,
      15_000,
      () => `${acked.size} events delivered (${sim.state.eventIds.size} so far) and the queue empty`,
    );
    second.process.kill("SIGTERM");
    expect(await second.process.waitForExit(EXIT_WITHIN_MS)).toEqual({ code: 0, signal: null });

    const ackedIds = [...acked].sort();
    const deliveredIds = [...sim.state.eventIds].sort();
    expect(deliveredIds.filter((id) => !acked.has(id) && !unknownOutcome.has(id))).toEqual([]);
    expect(deliveredIds.filter((id) => acked.has(id))).toEqual(ackedIds);
    expect(sim.state.events).toHaveLength(deliveredIds.length);
    expect(sim.state.duplicatesIgnored).toBe(0);
    const log = await deliveryLogOf(dataDir);
    expect(log.map((entry) => entry.messageId).sort()).toEqual(deliveredIds);
    expect(log.filter((entry) => entry.state !== "delivered")).toEqual([]);
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
    expect(sim.state.internalErrors).toEqual([]);
  }, 40_000);
});
