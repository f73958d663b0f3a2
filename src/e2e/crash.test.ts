// Nothing acknowledged is lost across kill -9: Sluice runs as a child process and is killed twice
// while it is ingesting and while deliveries are in flight to the (in-process) simulator.
import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import {
  killRunningCliProcesses,
  type SluiceProcess,
  startSluiceProcess,
} from "../test-support/cli-process.js";
import {
  deliveryLogOf,
  E2E_API_KEY,
  E2E_ENV,
  E2E_SITE_ID,
  freePort,
  IngestClient,
  waitFor,
  waitingDeliveries,
  writeSluiceConfig,
} from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";

const USERS = 300;
const SINGLE_TRACKS = 600;
const BATCHES = 100;
const TRACKS_PER_BATCH = 24;
const IDENTIFIES_PER_BATCH = 2;
const SINGLE_IDENTIFIES = USERS - BATCHES * IDENTIFIES_PER_BATCH;
const INVALID = 10;
const TRACKS = SINGLE_TRACKS + BATCHES * TRACKS_PER_BATCH;
/** Normal Track API latency: deliveries are in flight most of the time. */
const LATENCY_MS = 100;
/** Latency while arming a kill: the requests applied meanwhile are answered only after the kill. */
const HOLD_MS = 8_000;
const SENDERS = 6;

interface IngestRequest {
  path: string;
  body: unknown;
  trackIds: string[];
  identifyIds: string[];
  /** Events that must be refused with 400 (no userId or anonymousId). */
  invalid: boolean;
}

/** A fixed workload in a fixed, interleaved order: single tracks and identifies, batches, bad events. */
function workload(): IngestRequest[] {
  const user = (n: number) => `user-${n % USERS}`;
  const track = (n: number) => ({
    type: "track",
    userId: user(n),
    messageId: `crash-t-${n}`,
    event: ["Order Completed", "Signed Up", "Viewed Pricing"][n % 3],
    properties: { total: n, currency: "USD", plan: `plan-${n % 3}`, internal_note: "not allowed" },
  });
  const identify = (u: number) => ({
    type: "identify",
    userId: `user-${u}`,
    messageId: `crash-i-${u}`,
    traits: {
      email: `user-${u}@example.com`,
      first_name: `First${u}`,
      plan: `plan-${u % 3}`,
      ssn: "not allowed",
    },
  });
  const singles: IngestRequest[] = [];
  for (let n = 0; n < SINGLE_TRACKS; n++) {
    const { type: _type, ...body } = track(n);
    singles.push({ path: "/v1/track", body, trackIds: [body.messageId], identifyIds: [], invalid: false });
  }
  for (let u = 0; u < SINGLE_IDENTIFIES; u++) {
    const { type: _type, ...body } = identify(u);
    singles.push({ path: "/v1/identify", body, trackIds: [], identifyIds: [body.messageId], invalid: false });
  }
  const batches: IngestRequest[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const tracks = Array.from({ length: TRACKS_PER_BATCH }, (_, i) =>
      track(SINGLE_TRACKS + b * TRACKS_PER_BATCH + i),
    );
    const identifies = Array.from({ length: IDENTIFIES_PER_BATCH }, (_, i) =>
      identify(SINGLE_IDENTIFIES + b * IDENTIFIES_PER_BATCH + i),
    );
    batches.push({
      path: "/v1/batch",
      body: { batch: [...tracks.slice(0, 12), ...identifies, ...tracks.slice(12)] },
      trackIds: tracks.map((event) => event.messageId),
      identifyIds: identifies.map((event) => event.messageId),
      invalid: false,
    });
  }
  const out: IngestRequest[] = [];
  // 7 singles then 1 batch, repeated; the bad events are spread through the run.
  while (singles.length > 0 || batches.length > 0) {
    out.push(...singles.splice(0, 7));
    const batch = batches.shift();
    if (batch) out.push(batch);
  }
  for (let i = 0; i < INVALID; i++) {
    const body = { event: "Signed Up", messageId: `crash-bad-${i}` };
    out.splice(40 + i * 70, 0, { path: "/v1/track", body, trackIds: [], identifyIds: [], invalid: true });
  }
  return out;
}

/**
 * Sends requests with a few concurrent senders, as a well-behaved client does: a network error or a
 * 503 (outcome unknown or "retry later") is retried with the same messageIds until it is answered.
 */
class Sender {
  readonly ackedTracks = new Set<string>();
  readonly ackedIdentifies = new Set<string>();
  readonly refused = new Set<string>();
  readonly unexpected: string[] = [];
  networkErrors = 0;
  answered = 0;
  #next = 0;

  constructor(
    private readonly client: IngestClient,
    private readonly url: string,
    private readonly requests: readonly IngestRequest[],
  ) {}

  /** Send requests until `until` of them were answered (or all of them). */
  run(until: number): Promise<void> {
    const worker = async () => {
      while (this.#next < until) {
        const item = this.requests[this.#next++]!;
        await this.#send(item);
        // Pace the load so it spans both kills (a client that sends, not a benchmark).
        await sleep(8);
      }
    };
    return Promise.all(Array.from({ length: SENDERS }, worker)).then(() => undefined);
  }

  async #send(item: IngestRequest): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const outcome = await this.client.post(this.url, item.path, item.body);
      if ("status" in outcome && outcome.status !== 503) {
        this.answered += 1;
        if (outcome.status === 200 && !item.invalid) {
          for (const id of item.trackIds) this.ackedTracks.add(id);
          for (const id of item.identifyIds) this.ackedIdentifies.add(id);
        } else if (outcome.status === 400 && item.invalid) {
          this.refused.add((item.body as { messageId: string }).messageId);
        } else {
          this.unexpected.push(`${item.path} → ${outcome.status} ${outcome.body.slice(0, 200)}`);
        }
        return;
      }
      this.networkErrors += 1;
      if (Date.now() > deadline) {
        this.unexpected.push(`${item.path}: no answer for 30 s (${JSON.stringify(outcome)})`);
        return;
      }
      await sleep(20);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  await killRunningCliProcesses();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe("kill -9 while ingesting and delivering", () => {
  it("delivers every acknowledged event after two crashes, redelivering only with the same id", async () => {
    const dir = tempDir("sluice-crash-");
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
    // A fixed port, as a real client's host is fixed: requests sent while Sluice is down are retried.
    const port = await freePort();
    const start = () => startSluiceProcess({ dataDir, configPath, port, env: E2E_ENV });

    const requests = workload();
    let sluice: SluiceProcess = await start();
    const sender = new Sender(client, sluice.url, requests);
    const sending: Promise<void>[] = [];

    /**
     * Kill -9 once `ackedAtLeast` requests were answered, at an instant when the simulator has
     * applied events whose response Sluice has not received: hold the simulator's responses, wait
     * until a held request carried new events, kill, then let it answer normally again.
     */
    const crash = async (ackedAtLeast: number) => {
      await waitFor(
        () => sender.answered >= ackedAtLeast,
        20_000,
        () => `${ackedAtLeast} answered requests (${sender.answered})`,
      );
      const seen = sim.state.eventIds.size;
      sim.setLatencyMs(HOLD_MS);
      await waitFor(
        () => sim.state.eventIds.size > seen,
        10_000,
        () => `a delivery to arrive while responses are held (${seen} events so far)`,
      );
      sluice.process.kill("SIGKILL");
      const status = await sluice.process.waitForExit(5000);
      sim.setLatencyMs(LATENCY_MS);
      expect(status).toEqual({ code: null, signal: "SIGKILL" });
      return sim.state.duplicatesIgnored;
    };

    // Run 1: first 40% of the requests, killed in the middle of it.
    sending.push(sender.run(Math.floor(requests.length * 0.4)));
    const duplicatesAtKill1 = await crash(Math.floor(requests.length * 0.2));

    // Run 2: the held deliveries go out again (same ids: the simulator ignores them); more load; kill again.
    sluice = await start();
    sending.push(sender.run(Math.floor(requests.length * 0.8)));
    await waitFor(
      () => sim.state.duplicatesIgnored > duplicatesAtKill1,
      15_000,
      () => "the events in flight at the first kill to be redelivered",
    );
    const duplicatesAtKill2 = await crash(Math.floor(requests.length * 0.6));

    // Run 3: the rest of the load.
    sluice = await start();
    sending.push(sender.run(requests.length));
    await Promise.all(sending);
    await waitFor(
      () => sim.state.duplicatesIgnored > duplicatesAtKill2,
      15_000,
      () => "the events in flight at the second kill to be redelivered",
    );

    expect(sender.unexpected).toEqual([]);
    expect(sender.ackedTracks.size).toBe(TRACKS);
    expect(sender.ackedIdentifies.size).toBe(USERS);
    expect(sender.refused.size).toBe(INVALID);
    // Requests sent while Sluice was down, or cut by the kill, were retried.
    expect(sender.networkErrors).toBeGreaterThanOrEqual(2);

    await waitFor(
      () => sim.state.eventIds.size >= TRACKS && waitingDeliveries(dataDir) === 0,
      30_000,
      () => `all ${TRACKS} events delivered (${sim.state.eventIds.size}) and the queue empty`,
    );
    sluice.process.kill("SIGTERM");
    expect(await sluice.process.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(sluice.process.logs().at(-1)).toMatchObject({ event: "sluice.stopped", msg: "stopped cleanly" });

    // Every acknowledged track event reached Customer.io, nothing else did, and each id is one event.
    const expectedTracks = [...sender.ackedTracks].sort();
    expect([...sim.state.eventIds].sort()).toEqual(expectedTracks);
    expect(sim.state.events).toHaveLength(TRACKS);
    expect(sim.state.eventsRecorded).toBe(TRACKS);
    expect(sim.state.events.every((event) => Number.isInteger(event.timestamp))).toBe(true);
    // Redelivered events carried their original id (the simulator counted them as repeats).
    expect(sim.state.duplicatesIgnored).toBeGreaterThan(0);
    for (let u = 0; u < USERS; u++) {
      const person = sim.state.findPerson({ id: `user-${u}` });
      expect(person?.attributes).toEqual({
        email: `user-${u}@example.com`,
        first_name: `First${u}`,
        plan: `plan-${u % 3}`,
      });
    }
    expect(sim.state.people.size).toBe(USERS);
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
    expect(sim.state.internalErrors).toEqual([]);

    // The delivery log: one delivered row per accepted event (retried requests were deduplicated).
    const log = await deliveryLogOf(dataDir);
    expect(log).toHaveLength(TRACKS + USERS);
    expect(log.filter((entry) => entry.state !== "delivered")).toEqual([]);
    expect(
      log
        .filter((entry) => entry.eventType === "track")
        .map((entry) => entry.messageId)
        .sort(),
    ).toEqual(expectedTracks);
    expect(
      log
        .filter((entry) => entry.eventType === "identify")
        .map((entry) => entry.messageId)
        .sort(),
    ).toEqual([...sender.ackedIdentifies].sort());
  }, 60_000);
});
