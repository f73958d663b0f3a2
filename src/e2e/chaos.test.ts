// Chaos: Sluice (a child process) is killed with SIGKILL at random moments, eight times in a row, under
// continuous load from several clients, while the strict simulator is sometimes failing or slow.
// Afterwards nothing acknowledged may be missing, nothing unknown may reach Customer.io, and every
// redelivery must carry its original event id. The seed is printed; rerun one with CHAOS_SEED=<seed>.
import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import type { DeliveryLogEntry } from "../store/port.js";
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
  waitForReady,
  waitingDeliveries,
  writeSluiceConfig,
} from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";

const PERSONS = 50;
const KILLS = 8;
const CLIENTS = 4;
/** Load between two kills, in ms (uniform). */
const RUN_MIN_MS = 300;
const RUN_MAX_MS = 2000;
/** Normal Track API latency: a delivery is usually in flight. */
const BASE_LATENCY_MS = 30;
/** Latency in the "hold" run: a batch the simulator applied is still unanswered at the kill. */
const HOLD_LATENCY_MS = 5000;
/** Attempts a client makes with the same messageIds before giving up on a request. */
const MAX_ATTEMPTS = 5;
const EVENT_NAMES = ["Signed Up", "Order Completed", "Viewed Pricing"] as const;
const PLANS = ["free", "pro", "team"] as const;

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max]. */
function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type EventType = "track" | "identify" | "page";

/** What the test sent for one messageId. */
interface SentEvent {
  messageId: string;
  type: EventType;
  userId: string;
  /** Track event name. */
  event?: string;
  /** Identify `plan` trait. */
  plan?: string;
}

interface IngestRequest {
  path: string;
  body: unknown;
  events: SentEvent[];
}

function personNumber(userId: string): number {
  return Number(userId.slice("chaos-user-".length));
}

function segmentBody(event: SentEvent, seq: number): Record<string, unknown> {
  const base = { userId: event.userId, messageId: event.messageId };
  switch (event.type) {
    case "track":
      return { ...base, event: event.event, properties: { plan: "pro", total: seq, currency: "USD" } };
    case "identify":
      return {
        ...base,
        traits: {
          email: `${event.userId}@example.com`,
          first_name: `First${personNumber(event.userId)}`,
          plan: event.plan,
        },
      };
    case "page":
      return { ...base, name: "Pricing" };
  }
}

/**
 * Several client loops sending identify/track/page calls (single and `/v1/batch`) over `PERSONS`
 * people. A 503 or a network error means "not acknowledged": the client retries some of those with
 * the same messageIds (as Segment's clients do) and gives up on the others.
 */
class ChaosLoad {
  readonly sent = new Map<string, SentEvent>();
  readonly acked = new Set<string>();
  readonly unexpected: string[] = [];
  /** Attempts answered with a network error or 503. */
  failedAttempts = 0;
  /** Requests sent again with the same messageIds. */
  resent = 0;
  /** Requests given up on without an acknowledgement. */
  abandoned = 0;
  #seq = 0;
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly client: IngestClient,
    private readonly url: string,
    private readonly random: () => number,
  ) {}

  start(): void {
    this.#loops = Array.from({ length: CLIENTS }, () => this.#loop());
  }

  /** Stop sending new requests; resolves once every loop finished its current request. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      await this.#send(this.#nextRequest());
      await sleep(between(this.random, 5, 20));
    }
  }

  #newEvent(type: EventType): SentEvent {
    const seq = this.#seq++;
    const userId = `chaos-user-${between(this.random, 0, PERSONS - 1)}`;
    const event: SentEvent = { messageId: `chaos-${seq}`, type, userId };
    if (type === "track") event.event = EVENT_NAMES[seq % EVENT_NAMES.length]!;
    if (type === "identify") event.plan = PLANS[between(this.random, 0, PLANS.length - 1)]!;
    this.sent.set(event.messageId, event);
    return event;
  }

  #nextRequest(): IngestRequest {
    const roll = this.random();
    if (roll < 0.75) {
      const type: EventType = roll < 0.5 ? "track" : roll < 0.7 ? "identify" : "page";
      const event = this.#newEvent(type);
      return { path: `/v1/${type}`, body: segmentBody(event, this.#seq), events: [event] };
    }
    const events = Array.from({ length: between(this.random, 2, 8) }, () => {
      const r = this.random();
      return this.#newEvent(r < 0.6 ? "track" : r < 0.9 ? "identify" : "page");
    });
    const batch = events.map((event) => ({ type: event.type, ...segmentBody(event, this.#seq) }));
    return { path: "/v1/batch", body: { batch }, events };
  }

  async #send(request: IngestRequest): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.client.post(this.url, request.path, request.body);
      if ("status" in outcome && outcome.status === 200) {
        if (outcome.body !== '{"success":true}') this.unexpected.push(`200 with body ${outcome.body}`);
        for (const event of request.events) this.acked.add(event.messageId);
        return;
      }
      if ("status" in outcome && outcome.status !== 503) {
        this.unexpected.push(`${request.path} → ${outcome.status} ${outcome.body.slice(0, 200)}`);
        return;
      }
      this.failedAttempts += 1;
      // Retry about half of the unacknowledged requests, with the same body and messageIds.
      if (attempt >= MAX_ATTEMPTS || this.random() < 0.5) {
        this.abandoned += 1;
        return;
      }
      this.resent += 1;
      await sleep(between(this.random, 50, 300));
    }
  }
}

let cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await killRunningCliProcesses();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe("chaos: repeated kill -9 under load, with a failing Customer.io", () => {
  it("loses nothing acknowledged and redelivers only under the original event id", async () => {
    const startedAt = Date.now();
    const envSeed = Number(process.env["CHAOS_SEED"]);
    const seed = Number.isInteger(envSeed) && envSeed > 0 ? envSeed : between(Math.random, 1, 2 ** 31 - 1);
    console.log(`chaos: seed=${seed} (rerun with CHAOS_SEED=${seed})`);
    // The schedule (run lengths, fault choices) replays exactly from the seed; the load's interleaving
    // also depends on timing.
    const schedule = seededRandom(seed);
    const loadRandom = seededRandom(seed ^ 0x5bd1e995);

    const dir = tempDir("sluice-chaos-");
    cleanup.push(() => dir.remove());
    const sim: Simulator = await startSimulator({
      siteId: E2E_SITE_ID,
      apiKey: E2E_API_KEY,
      openApi: loadTrackOpenApi(),
    });
    cleanup.push(() => sim.close());
    sim.setLatencyMs(BASE_LATENCY_MS);
    const client = new IngestClient();
    cleanup.push(() => client.close());

    const configPath = writeSluiceConfig(dir.path, sim.url);
    const dataDir = `${dir.path}/data`;
    // A fixed port, as a real client's host is fixed: requests sent while Sluice is down fail to connect.
    const port = await freePort();
    let startingMs = 0;
    const start = async (): Promise<SluiceProcess> => {
      const before = Date.now();
      const sluice = await startSluiceProcess({ dataDir, configPath, port, env: E2E_ENV });
      await waitForReady(client, sluice.url, 10_000);
      startingMs += Date.now() - before;
      return sluice;
    };

    // Three different runs (never the first or last) get a failing or slow simulator.
    const faultRuns = [1, 2, 3, 4, 5, 6];
    for (let i = faultRuns.length - 1; i > 0; i--) {
      const j = between(schedule, 0, i);
      [faultRuns[i], faultRuns[j]] = [faultRuns[j]!, faultRuns[i]!];
    }
    const [unavailableRun, rateLimitedRun, holdRun] = faultRuns;

    let sluice = await start();
    const load = new ChaosLoad(client, sluice.url, loadRandom);
    load.start();
    const kills: string[] = [];
    for (let run = 0; run < KILLS; run++) {
      if (run === unavailableRun) sim.failNext(10_000, { status: 503 });
      if (run === rateLimitedRun) {
        sim.failNext(10_000, { status: 429, retryAfterSeconds: 1 });
        sim.setLatencyMs(300);
      }
      const runMs = between(schedule, RUN_MIN_MS, RUN_MAX_MS);
      await sleep(runMs);
      if (run === holdRun) {
        // Kill while the simulator holds the answer to a batch it has already applied.
        const seen = sim.state.eventIds.size;
        sim.setLatencyMs(HOLD_LATENCY_MS);
        await waitFor(
          () => sim.state.eventIds.size > seen,
          10_000,
          () => `a delivery to be applied while answers are held (seed ${seed})`,
        );
      }
      sluice.process.kill("SIGKILL");
      expect(await sluice.process.waitForExit(5000)).toEqual({ code: null, signal: "SIGKILL" });
      kills.push(
        `${runMs}ms${run === unavailableRun ? "/503" : run === rateLimitedRun ? "/429" : run === holdRun ? "/hold" : ""}`,
      );
      // Heal the simulator.
      sim.clearFaults();
      sim.setLatencyMs(BASE_LATENCY_MS);
      sluice = await start();
    }
    // One last stretch of load on the final run, then let it drain.
    await sleep(between(schedule, RUN_MIN_MS, RUN_MAX_MS));
    await load.stop();
    const drainStartedAt = Date.now();
    await waitFor(
      () => waitingDeliveries(dataDir) === 0,
      40_000,
      () => `the queue to drain (${waitingDeliveries(dataDir)} waiting, seed ${seed})`,
    );
    const drainMs = Date.now() - drainStartedAt;
    sluice.process.kill("SIGTERM");
    expect(await sluice.process.waitForExit(20_000)).toEqual({ code: 0, signal: null });

    const context = `seed ${seed}, kills ${kills.join(" ")}`;
    expect(load.unexpected, context).toEqual([]);
    // The load was real and the kills cut it: some requests failed and some were retried.
    expect(load.acked.size, context).toBeGreaterThan(300);
    expect(load.failedAttempts, context).toBeGreaterThan(0);
    expect(load.resent, context).toBeGreaterThan(0);

    // The delivery log: each messageId once (client retries were deduplicated), none unknown, no
    // acknowledged one missing, and each with the outcome its type calls for.
    const log = await deliveryLogOf(dataDir);
    const byId = new Map<string, DeliveryLogEntry>(log.map((entry) => [entry.messageId, entry]));
    expect(byId.size, context).toBe(log.length);
    expect(
      log.filter((entry) => !load.sent.has(entry.messageId)).map((entry) => entry.messageId),
      context,
    ).toEqual([]);
    expect(
      [...load.acked].filter((id) => !byId.has(id)),
      context,
    ).toEqual([]);
    const wrongOutcome = log.filter((entry) => {
      const sent = load.sent.get(entry.messageId)!;
      if (entry.eventType !== sent.type) return true;
      if (sent.type === "page") {
        return !(
          entry.state === "stopped" &&
          entry.stage === "mapping" &&
          entry.reason === "no action for page calls"
        );
      }
      return entry.state !== "delivered";
    });
    expect(wrongOutcome, context).toEqual([]);

    // The simulator: exactly the delivered track events, each id held once, each as it was sent.
    const deliveredTracks = log
      .filter((entry) => entry.eventType === "track")
      .map((entry) => entry.messageId)
      .sort();
    const simIds = [...sim.state.eventIds].sort();
    expect(simIds, context).toEqual(deliveredTracks);
    expect(sim.state.events.map((event) => event.id).sort(), context).toEqual(simIds);
    expect(sim.state.eventsRecorded, context).toBe(simIds.length);
    const misdelivered = sim.state.events.filter((event) => {
      const sent = load.sent.get(event.id ?? "");
      return (
        sent === undefined ||
        event.name !== sent.event ||
        event.identifier?.kind !== "id" ||
        event.identifier.value !== sent.userId
      );
    });
    expect(misdelivered, context).toEqual([]);
    // Batches in flight at a kill were sent again; the simulator recognised the repeated ids.
    expect(sim.state.duplicatesIgnored, context).toBeGreaterThan(0);

    // People: each delivered identify's person exists with its traits (plan from one of its identifies).
    const plansByUser = new Map<string, Set<string>>();
    for (const entry of log) {
      const sent = load.sent.get(entry.messageId)!;
      if (sent.type !== "identify") continue;
      const plans = plansByUser.get(sent.userId) ?? new Set<string>();
      plans.add(sent.plan!);
      plansByUser.set(sent.userId, plans);
    }
    const wrongPeople: string[] = [];
    for (const [userId, plans] of plansByUser) {
      const attributes = sim.state.findPerson({ id: userId })?.attributes;
      const expected = { email: `${userId}@example.com`, first_name: `First${personNumber(userId)}` };
      const { plan, ...rest } = attributes ?? {};
      const sameTraits =
        Object.keys(rest).length === 2 &&
        rest["email"] === expected.email &&
        rest["first_name"] === expected.first_name;
      if (!sameTraits || !plans.has(String(plan))) {
        wrongPeople.push(`${userId}: ${JSON.stringify(attributes)}`);
      }
    }
    expect(wrongPeople, context).toEqual([]);
    expect(plansByUser.size, context).toBeGreaterThan(0);
    expect(sim.state.openApiViolations, context).toEqual([]);
    expect(sim.state.anomalies, context).toEqual([]);
    expect(sim.state.internalErrors, context).toEqual([]);

    const unacknowledged = load.sent.size - load.acked.size;
    const committedAnyway = log.filter((entry) => !load.acked.has(entry.messageId)).length;
    console.log(
      [
        `chaos: acknowledged=${load.acked.size}`,
        `unacknowledged=${unacknowledged} (committed anyway: ${committedAnyway})`,
        `delivered=${log.filter((entry) => entry.state === "delivered").length}`,
        `stopped=${log.filter((entry) => entry.state === "stopped").length}`,
        `client-resends=${load.resent} abandoned-requests=${load.abandoned}`,
        `redelivered-duplicates=${sim.state.duplicatesIgnored}`,
        `kills=${kills.length} [${kills.join(" ")}] seed=${seed}`,
        `starting=${startingMs}ms drain=${drainMs}ms elapsed=${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
      ].join(" "),
    );
  }, 85_000);
});
