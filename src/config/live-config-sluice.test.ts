// A running Sluice without a configuration file follows the configuration versions published in its
// store: sources, destinations and mappings change without a restart, and no queued event is lost.
import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { type RunningSluice, readEnv, startSluice } from "../main.js";
import type { DeliveryLogEntry } from "../store/port.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { wholeLog } from "../test-support/whole-log.js";

const SITE_ID = "live-site";
const API_KEY = "live-api-key-never-logged-0001";

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi: loadTrackOpenApi() });
  cleanup.push(() => sim.close());
  return sim;
}

async function start(): Promise<{ sluice: RunningSluice; lines: string[] }> {
  const dir = tempDir("sluice-live-");
  cleanup.push(() => dir.remove());
  const log = memoryLogger();
  const sluice = await startSluice({
    env: readEnv(
      { PORT: "0", HOST: "127.0.0.1", SLUICE_DATA_DIR: dir.path, SLUICE_ADMIN_PORT: "0" },
      dir.path,
    ),
    rawEnv: {},
    logger: log.logger,
    worker: { lingerMs: 10, idlePollMs: 50 },
  });
  cleanup.push(() => sluice.stop());
  return { sluice, lines: log.lines };
}

interface Doc {
  sources: { name: string; writeKey: string }[];
  destinations: Record<string, unknown>[];
}

function cio(sim: Simulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "cio",
    type: "customerio",
    settings: { siteId: SITE_ID, apiKey: API_KEY, trackUrl: sim.url },
    allow: { events: ["*"], traits: ["email"], properties: [] },
    ...extra,
  };
}

/** Publish through the store, as the admin API's publish does, then apply it as the handler does. */
async function publish(sluice: RunningSluice, doc: Doc): Promise<number> {
  const version = await sluice.store.publishConfigVersion({
    publishedAtMs: Date.now(),
    publishedBy: "user:test",
    note: null,
    document: JSON.stringify(doc),
    expectedLatest: await sluice.store.latestConfigVersionNumber(),
  });
  await sluice.config.reload();
  return version;
}

async function track(
  sluice: RunningSluice,
  writeKey: string,
  body: Record<string, unknown>,
): Promise<number> {
  const response = await fetch(`${sluice.url}/v1/track`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${writeKey}:`)}` },
    body: JSON.stringify({ userId: "u-1", event: "Signed Up", ...body }),
  });
  await response.body?.cancel();
  return response.status;
}

async function waitFor<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const deliveries = (sluice: RunningSluice): Promise<DeliveryLogEntry[]> =>
  wholeLog((filter) => sluice.store.listDeliveries(filter));

describe("a Sluice started without a configuration file", () => {
  it("applies published versions at once: sources, destinations, mappings", async () => {
    const sim = await simulator();
    const { sluice, lines } = await start();
    expect(sluice.config.mode).toBe("database");
    expect(sluice.config.current().version).toBeNull();
    const guide = lines.map((line) => JSON.parse(line)).find((line) => line.event === "config.none");
    expect(guide?.msg).toContain(`web UI at ${sluice.adminUrl}/`);
    expect(await track(sluice, "wk_web_0001", {})).toBe(401);

    // A new source's write key is accepted at once.
    await publish(sluice, { sources: [{ name: "web", writeKey: "wk_web_0001" }], destinations: [] });
    expect(sluice.config.current().version).toBe(1);
    expect(await track(sluice, "wk_web_0001", { messageId: "before-cio" })).toBe(200);

    // A new destination gets a lane (and a credential check): the next event reaches it.
    await publish(sluice, { sources: [{ name: "web", writeKey: "wk_web_0001" }], destinations: [cio(sim)] });
    expect(await track(sluice, "wk_web_0001", { messageId: "m-1" })).toBe(200);
    await waitFor(
      () => sim.state.events.map((event) => event.id),
      (ids) => ids.includes("m-1"),
      "m-1",
    );
    expect(sim.state.events.find((event) => event.id === "m-1")?.name).toBe("Signed Up");
    // The event that arrived before the destination existed was never meant for it.
    expect((await deliveries(sluice)).map((entry) => entry.messageId)).toEqual(["m-1"]);
    type Health = { destinations: { credentials: { result: string } | null }[] };
    const health = await waitFor(
      async () => (await (await fetch(`${sluice.url}/health/destinations`)).json()) as Health,
      (body) => body.destinations[0]?.credentials !== null && body.destinations[0]?.credentials !== undefined,
      "the new destination's credential check",
    );
    expect(health.destinations[0]?.credentials?.result).toBe("ok");
    const regionChecks = () => sim.state.requests.filter((entry) => entry.path === "/api/v1/accounts/region");
    expect(regionChecks()).toHaveLength(1);

    // A changed mapping takes effect for the next event.
    await publish(sluice, {
      sources: [{ name: "web", writeKey: "wk_web_0001" }],
      destinations: [
        cio(sim, { actions: [{ name: "Renamed", type: "event", fields: { name: "Renamed Event" } }] }),
      ],
    });
    expect(await track(sluice, "wk_web_0001", { messageId: "m-2" })).toBe(200);
    await waitFor(
      () => sim.state.events.map((event) => event.id),
      (ids) => ids.includes("m-2"),
      "m-2",
    );
    expect(sim.state.events.find((event) => event.id === "m-2")?.name).toBe("Renamed Event");
    // A mapping change does not check the (same) credentials again.
    expect(regionChecks()).toHaveLength(1);

    // A removed source's key is refused at once; the new one works.
    await publish(sluice, {
      sources: [{ name: "app", writeKey: "wk_app_0001" }],
      destinations: [cio(sim)],
    });
    expect(await track(sluice, "wk_web_0001", {})).toBe(401);
    expect(await track(sluice, "wk_app_0001", { messageId: "m-3" })).toBe(200);
    await waitFor(
      () => sim.state.events.map((event) => event.id),
      (ids) => ids.includes("m-3"),
      "m-3",
    );

    // New credentials are checked again: a wrong key is reported on health (and the lane pauses on 401).
    await publish(sluice, {
      sources: [{ name: "app", writeKey: "wk_app_0001" }],
      destinations: [
        cio(sim, { settings: { siteId: SITE_ID, apiKey: "a-wrong-key-0001", trackUrl: sim.url } }),
      ],
    });
    const refused = await waitFor(
      async () => (await (await fetch(`${sluice.url}/health/destinations`)).json()) as Health,
      (body) => body.destinations[0]?.credentials?.result === "unauthorized",
      "the changed credentials' check",
    );
    expect(refused.destinations).toHaveLength(1);
    expect(regionChecks()).toHaveLength(2);

    const log = lines.join("");
    expect(log).not.toContain(API_KEY);
    expect(log).not.toContain("wk_app_0001");
    const applied = lines
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "config.applied")
      .map((line) => [line.version, line.sources, line.destinations]);
    expect(applied).toEqual([
      [1, ["web"], []],
      [2, ["web"], ["cio"]],
      [3, ["web"], ["cio"]],
      [4, ["app"], ["cio"]],
      [5, ["app"], ["cio"]],
    ]);
  });

  it("loses no event queued while a changed destination's lane restarts", async () => {
    const sim = await simulator();
    const { sluice, lines } = await start();
    const source = { name: "web", writeKey: "wk_web_0001" };
    await publish(sluice, { sources: [source], destinations: [cio(sim)] });
    // Slow answers: requests are in flight when the lane is told to restart.
    sim.setLatencyMs(150);
    const sent: string[] = [];
    const sendSome = async (prefix: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const messageId = `${prefix}-${i}`;
        expect(await track(sluice, "wk_web_0001", { messageId, userId: `u-${i % 5}` })).toBe(200);
        sent.push(messageId);
      }
    };
    await sendSome("a", 30);
    await waitFor(
      () => sim.state.totals.requests,
      (requests) => requests > 1,
      "requests in flight",
    );
    // Publish a change (delivery settings) while events are queued and in flight, and keep sending.
    const restarting = publish(sluice, {
      sources: [source],
      destinations: [cio(sim, { delivery: { requestsPerSecond: 50 } })],
    });
    await sendSome("b", 30);
    await restarting;
    await sendSome("c", 10);
    await waitFor(
      () => new Set(sim.state.events.map((event) => event.id)),
      (ids) => sent.every((id) => ids.has(id)),
      "every event delivered",
      20_000,
    );
    const log = await waitFor(
      () => deliveries(sluice),
      (entries) => entries.length === sent.length && entries.every((entry) => entry.state === "delivered"),
      "every delivery settled",
    );
    expect(log.map((entry) => entry.messageId).sort()).toEqual([...sent].sort());
    const lanes = lines
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "delivery.lane_stopped" || line.event === "delivery.lane_started")
      .map((line) => `${line.event}:${line.why ?? ""}`);
    expect(lanes).toEqual([
      "delivery.lane_started:",
      "delivery.lane_stopped:changed",
      "delivery.lane_started:",
    ]);
  });

  it("stops a removed destination's lane and keeps its queued events, which health shows", async () => {
    const sim = await simulator();
    const { sluice } = await start();
    const source = { name: "web", writeKey: "wk_web_0001" };
    await publish(sluice, { sources: [source], destinations: [cio(sim)] });
    sim.failNext(1000, { status: 503 });
    expect(await track(sluice, "wk_web_0001", { messageId: "queued-1" })).toBe(200);
    await waitFor(
      () => deliveries(sluice),
      (entries) => entries[0]?.lastStatus === 503,
      "a first attempt, answered 503",
    );
    await publish(sluice, { sources: [source], destinations: [] });
    const requests = sim.state.totals.requests;
    // New events get no delivery for it; the queued one stays queued, not attempted any more.
    expect(await track(sluice, "wk_web_0001", { messageId: "after-removal" })).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.state.totals.requests).toBe(requests);
    const log = await deliveries(sluice);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ messageId: "queued-1", state: "retrying", lastStatus: 503 });
    const health = (await (await fetch(`${sluice.adminUrl}/admin/api/health`)).json()) as {
      destinations: unknown[];
      queue: { destination: string; waiting: number }[];
    };
    expect(health.destinations).toEqual([]);
    expect(health.queue).toMatchObject([{ destination: "cio", waiting: 1 }]);
    // Adding it back delivers what waited.
    sim.clearFaults();
    await publish(sluice, { sources: [source], destinations: [cio(sim)] });
    await waitFor(
      () => sim.state.events.map((event) => event.id),
      (ids) => ids.includes("queued-1"),
      "the queued event",
      15_000,
    );
  });
});
