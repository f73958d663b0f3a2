import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../contracts/config.js";
import type { HttpService } from "../destinations/customerio/service.js";
import { createMetrics } from "../observability/metrics.js";
import type { Store } from "../store/port.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { CustomerioSink } from "./customerio-sink.js";
import { DestinationWorker } from "./worker.js";

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe("stopping a delivery lane", () => {
  it("returns at once when stop() comes while the lane awaits the store, not after its idle sleep", async () => {
    const dir = tempDir();
    const sqlite = openSqliteStore({ path: `${dir.path}/sluice.db` });
    cleanup.push(async () => {
      await sqlite.close();
      dir.remove();
    });
    // Each empty claim takes 100 ms: stop() lands while no sleep is there to be woken.
    let claims = 0;
    const store = new Proxy(sqlite, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property === "claim") {
          return async (...args: Parameters<Store["claim"]>) => {
            claims++;
            await new Promise((resolve) => setTimeout(resolve, 100));
            return target.claim(...args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store;
    const config = validateConfig({
      destinations: [{ name: "cio", type: "customerio", settings: { siteId: "s", apiKey: "k" } }],
    });
    if (!config.ok) throw new Error(JSON.stringify(config.issues));
    const worker = new DestinationWorker(
      {
        store,
        sink: new CustomerioSink(config.config.destinations[0]!),
        service: { close: async () => undefined, destroy: async () => undefined } as unknown as HttpService,
        logger: memoryLogger().logger,
        clock: Date.now,
        random: () => 0.5,
        onUnauthorized: async () => undefined,
        metrics: createMetrics(() => store.queueStats(Date.now())),
      },
      // An idle lane would look again only after a minute.
      { lingerMs: 0, idlePollMs: 60_000 },
    );
    worker.start();
    await expect.poll(() => claims).toBe(1);
    const stopping = Date.now();
    await worker.stop();
    expect(Date.now() - stopping).toBeLessThan(2000);
  });
});
