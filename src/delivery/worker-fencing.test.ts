import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../contracts/config.js";
import type { HttpService } from "../destinations/customerio/service.js";
import { LOG } from "../observability/log-events.js";
import { createMetrics } from "../observability/metrics.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { CustomerioSink } from "./customerio-sink.js";
import { DestinationWorker } from "./worker.js";

const LEASE_MS = 60_000;

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/**
 * A lane that stalls past its lease while another claimer takes its deliveries over: its late
 * outcomes must change nothing, and it says so in one warning line without any value.
 */
describe("DestinationWorker and a lease taken over while it sent", () => {
  it("leaves the other claimer's deliveries alone and logs one warning with the count", async () => {
    const dir = tempDir();
    const store = openSqliteStore({ path: `${dir.path}/sluice.db` });
    cleanup.push(async () => {
      await store.close();
      dir.remove();
    });
    const config = validateConfig({
      destinations: [
        { name: "cio", type: "customerio", settings: { siteId: "s", apiKey: "k" }, allow: { events: ["*"] } },
      ],
    });
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    await store.enqueue(
      ["m0", "m1"].map((messageId, i) => ({
        sourceName: "web",
        messageId,
        eventType: "track",
        receivedAtMs: Date.now(),
        body: JSON.stringify({
          type: "track",
          userId: `secret-user-${i}`,
          event: "Viewed",
          messageId,
          receivedAt: "2023-11-14T22:13:20.000Z",
        }),
        destinations: ["cio"],
      })),
    );

    // The request hangs until the test answers it: meanwhile the lease "runs out" and B claims.
    let answer: (() => void) | undefined;
    let requested: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const service = {
      send: () =>
        new Promise((resolve) => {
          answer = () => resolve({ status: 200, headers: {}, body: {} });
          requested();
        }),
      close: async () => undefined,
      destroy: async () => undefined,
    } as unknown as HttpService;
    const { logger, lines } = memoryLogger();
    const worker = new DestinationWorker(
      {
        store,
        sink: new CustomerioSink(config.config.destinations[0]!),
        service,
        logger,
        clock: Date.now,
        random: () => 0.5,
        onUnauthorized: async () => undefined,
        metrics: createMetrics(() => store.queueStats(Date.now())),
      },
      { lingerMs: 0, idlePollMs: 20, leaseMs: LEASE_MS },
    );
    worker.start();
    cleanup.push(() => worker.stop(1000));
    await sent;
    const takenOver = await store.claim("cio", {
      limit: 10,
      nowMs: Date.now() + LEASE_MS,
      leaseMs: LEASE_MS,
    });
    expect(takenOver.map((delivery) => delivery.messageId)).toEqual(["m0", "m1"]);
    answer?.();

    const stale = () => lines.filter((line) => line.includes(LOG.deliveryStale));
    await expect.poll(() => stale().length).toBe(1);
    const [warning] = stale();
    expect(JSON.parse(warning!)).toMatchObject({
      level: 40,
      event: LOG.deliveryStale,
      destination: "cio",
      stale: 2,
    });
    expect(warning).not.toMatch(/secret-user|m0|m1/);
    // The late "delivered" changed nothing: B still holds both, waiting, with no attempt counted.
    expect((await store.listDeliveries({})).map((entry) => [entry.state, entry.attempts])).toEqual([
      ["queued", 0],
      ["queued", 0],
    ]);
    const settled = await store.settle(
      takenOver.map((delivery) => ({
        deliveryId: delivery.deliveryId,
        leaseToken: delivery.leaseToken,
        state: "delivered",
        attempts: 1,
        status: 200,
      })),
      Date.now(),
    );
    expect(settled).toEqual({ stale: 0 });
    expect((await store.listDeliveries({})).map((entry) => entry.state)).toEqual(["delivered", "delivered"]);
  });
});
