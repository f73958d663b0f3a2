import { describe, expect, it } from "vitest";
import { validateConfig } from "../contracts/config.js";
import type { HttpService } from "../destinations/customerio/service.js";
import { createMetrics } from "../observability/metrics.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { CustomerioSink } from "./customerio-sink.js";
import { DestinationWorker } from "./worker.js";

/**
 * A 207 maps each `batch_index` error back to its own event (the strict simulator rejects nothing
 * that Sluice's own checks let through, so this one answer is scripted by a fake service).
 */
describe("DestinationWorker and a 207 answer", () => {
  it("fails exactly the rejected items, with Customer.io's reason and field, and delivers the rest", async () => {
    const dir = tempDir();
    const store = openSqliteStore({ path: `${dir.path}/sluice.db` });
    const config = validateConfig({
      destinations: [
        { name: "cio", type: "customerio", settings: { siteId: "s", apiKey: "k" }, allow: { events: ["*"] } },
      ],
    });
    if (!config.ok) throw new Error("bad config");
    const destination = config.config.destinations[0]!;
    const events = ["m0", "m1", "m2"].map((messageId, i) => ({
      sourceName: "web",
      messageId,
      eventType: "track",
      receivedAtMs: 1_700_000_000_000,
      body: JSON.stringify({
        type: "track",
        userId: `u${i}`,
        event: "Viewed",
        messageId,
        receivedAt: "2023-11-14T22:13:20.000Z",
      }),
      destinations: ["cio"],
    }));
    await store.enqueue(events);
    const bodies: string[] = [];
    const service = {
      async send(spec: { body?: string }) {
        bodies.push(spec.body ?? "");
        return {
          status: 207,
          headers: {},
          body: {
            errors: [{ batch_index: 1, reason: "invalid", field: "name", message: "name is reserved" }],
          },
        };
      },
      close: async () => undefined,
      destroy: async () => undefined,
    } as unknown as HttpService;
    const worker = new DestinationWorker(
      {
        store,
        sink: new CustomerioSink(destination),
        service,
        logger: memoryLogger().logger,
        clock: Date.now,
        random: () => 0.5,
        onUnauthorized: async () => undefined,
        metrics: createMetrics(() => store.queueStats(Date.now())),
      },
      { lingerMs: 0, idlePollMs: 20 },
    );
    worker.start();
    await expect
      .poll(async () => (await store.listDeliveries({})).every((entry) => entry.state !== "queued"))
      .toBe(true);
    await worker.stop();
    const log = await store.listDeliveries({});
    const byId = Object.fromEntries(log.map((entry) => [entry.messageId, entry]));
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0]!).batch.map((item: { id: string }) => item.id)).toEqual(["m0", "m1", "m2"]);
    expect(byId["m1"]).toMatchObject({
      state: "failed",
      stage: "delivery",
      field: "name",
      lastStatus: 207,
      reason: "Customer.io rejected it: invalid (name is reserved)",
    });
    expect(byId["m0"]).toMatchObject({ state: "delivered", lastStatus: 207 });
    expect(byId["m2"]).toMatchObject({ state: "delivered", lastStatus: 207 });
    await store.close();
    dir.remove();
  });
});
