import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { allDeliveries, type Pipeline, SITE_ID, startPipeline } from "../test-support/pipeline.js";

/**
 * Per-person order and per-destination isolation, end to end against the strict simulator.
 * Small claims, several requests in flight and injected 503s give every chance to reorder; the
 * simulator's event log must still show each person's events in the order they were sent.
 */
describe("delivery order and isolation", () => {
  let pipeline: Pipeline | undefined;
  let other: Simulator | undefined;
  afterEach(async () => {
    await pipeline?.close();
    await other?.close();
    pipeline = undefined;
    other = undefined;
  });

  it("delivers each person's events in order despite retries, while people proceed in parallel", async () => {
    pipeline = await startPipeline({
      worker: {
        claimLimit: 7,
        concurrency: 4,
        lingerMs: 0,
        backoff: { baseDelayMs: 100, maxDelayMs: 400, maxRetryAgeMs: 60_000 },
      },
    });
    const { sim } = pipeline;
    sim.setLatencyMs(20);
    // A 503 now and then while batches holding later events of the same people are in flight: without
    // ordering, those would overtake the retried ones.
    const faults = setInterval(() => sim.enqueueFaults({ status: 503 }), 60);
    setTimeout(() => clearInterval(faults), 500);
    const people = Array.from({ length: 10 }, (_, i) => `user-${i}`);
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const batch = people.map((userId) => ({
        type: round === 0 ? "identify" : "track",
        userId,
        messageId: `${userId}-${String(round).padStart(2, "0")}`,
        ...(round === 0
          ? { traits: { plan: "pro" } }
          : { event: "Order Completed", properties: { total: round } }),
      }));
      const response = await pipeline.post("/v1/batch", { batch });
      expect(response.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const log = await pipeline.settled(people.length * rounds, 30_000);
    expect(log.every((entry) => entry.state === "delivered")).toBe(true);
    expect(sim.state.requests.filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(3);

    for (const userId of people) {
      const received = sim.state.events
        .filter((event) => event.identifier?.kind === "id" && event.identifier.value === userId)
        .map((event) => event.id);
      const expected = Array.from(
        { length: rounds - 1 },
        (_, i) => `${userId}-${String(i + 1).padStart(2, "0")}`,
      );
      expect(received).toEqual(expected);
      expect(sim.state.findPerson({ id: userId })?.attributes).toMatchObject({ plan: "pro" });
    }
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
  });

  it("keeps a failing destination from delaying a healthy one", async () => {
    other = await startSimulator({ siteId: SITE_ID, apiKey: "other-key", openApi: loadTrackOpenApi() });
    other.setLatencyMs(3000);
    other.enqueueFaults(...Array.from({ length: 50 }, () => ({ status: 503 })));
    pipeline = await startPipeline({
      worker: { backoff: { baseDelayMs: 200, maxDelayMs: 1000, maxRetryAgeMs: 60_000 } },
      extraDestinations: [
        {
          name: "broken",
          type: "customerio",
          settings: { siteId: SITE_ID, apiKey: "other-key", trackUrl: other.url },
          allow: { events: ["Signed Up"] },
        },
      ],
    });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const response = await pipeline.post("/v1/track", {
        userId: `u${i}`,
        event: "Signed Up",
        messageId: `m${i}`,
      });
      expect(response.status).toBe(200);
    }
    // The healthy lane delivers everything while the broken one is slow and failing.
    for (;;) {
      const log = await allDeliveries(pipeline.sluice);
      const healthy = log.filter((entry) => entry.destination === "cio");
      if (healthy.length === 20 && healthy.every((entry) => entry.state === "delivered")) break;
      expect(Date.now() - started).toBeLessThan(2500);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pipeline.sim.state.eventIds.size).toBe(20);
    const broken = (await allDeliveries(pipeline.sluice)).filter((entry) => entry.destination === "broken");
    expect(broken).toHaveLength(20);
    expect(broken.every((entry) => entry.state === "queued" || entry.state === "retrying")).toBe(true);
  });
});
