import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../contracts/config.js";
import type { HttpService } from "../destinations/customerio/service.js";
import { createMetrics } from "../observability/metrics.js";
import type { Store } from "../store/port.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { CustomerioSink } from "./customerio-sink.js";
import { DestinationWorker, workspaceRateKey } from "./worker.js";

/**
 * A store with `takeRequestTokens` (PostgreSQL has one: a bucket shared by every node) makes each
 * Track request also wait for the shared bucket. Here a SQLite store is given a scripted bucket.
 */

const SETTINGS = { siteId: "site-1", apiKey: "k", region: "us" } as const;

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

type Take = NonNullable<Store["takeRequestTokens"]>;

/** A worker (one event per request) over a SQLite store whose shared bucket is `take`. */
async function laneWith(take: Take) {
  const dir = tempDir();
  const sqlite = openSqliteStore({ path: `${dir.path}/sluice.db` });
  cleanup.push(async () => {
    await sqlite.close();
    dir.remove();
  });
  const store = new Proxy(sqlite, {
    get(target, property) {
      if (property === "takeRequestTokens") return take;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Store;
  const config = validateConfig({
    destinations: [
      {
        name: "cio",
        type: "customerio",
        settings: SETTINGS,
        delivery: { requestsPerSecond: 50, maxEventsPerRequest: 1 },
        allow: { events: ["*"] },
      },
    ],
  });
  if (!config.ok) throw new Error(JSON.stringify(config.issues));
  await store.enqueue(
    ["m0", "m1", "m2"].map((messageId, i) => ({
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
      orderingKey: `u${i}`,
    })),
  );
  const sentAtMs: number[] = [];
  const service = {
    async send() {
      sentAtMs.push(Date.now());
      return { status: 200, headers: {}, body: {} };
    },
    close: async () => undefined,
    destroy: async () => undefined,
  } as unknown as HttpService;
  const log = memoryLogger();
  const worker = new DestinationWorker(
    {
      store,
      sink: new CustomerioSink(config.config.destinations[0]!),
      service,
      logger: log.logger,
      clock: Date.now,
      random: () => 0.5,
      onUnauthorized: async () => undefined,
      metrics: createMetrics(() => store.queueStats(Date.now())),
    },
    // main.ts passes the destination's delivery.requestsPerSecond.
    { lingerMs: 0, idlePollMs: 20, requestsPerSecond: 50 },
  );
  worker.start();
  cleanup.push(() => worker.stop());
  const delivered = async () => {
    await expect
      .poll(async () => (await store.listDeliveries({})).map((entry) => entry.state), { timeout: 5000 })
      .toEqual(["delivered", "delivered", "delivered"]);
  };
  return { sentAtMs, logLines: log.lines, delivered };
}

describe("the shared (cluster-wide) rate limit in a delivery lane", () => {
  it("takes a token per request for the workspace, at the configured rate, and waits as told", async () => {
    const calls: [string, number, number][] = [];
    const waits = [0, 400, 0];
    const lane = await laneWith(async (key, rate, burst) => {
      calls.push([key, rate, burst]);
      return waits[calls.length - 1] ?? 0;
    });
    await lane.delivered();
    const key = workspaceRateKey(SETTINGS);
    expect(calls).toEqual([
      [key, 50, 5],
      [key, 50, 5],
      [key, 50, 5],
    ]);
    expect(lane.sentAtMs).toHaveLength(3);
    // The local bucket (burst 5) would let all three go at once; the shared one held the second back.
    expect(lane.sentAtMs[1]! - lane.sentAtMs[0]!).toBeGreaterThanOrEqual(390);
    expect(lane.sentAtMs[2]! - lane.sentAtMs[1]!).toBeLessThan(390);
  });

  it("falls back to the node's own limit when the shared bucket fails, and says so", async () => {
    const lane = await laneWith(async () => {
      throw new Error("ER_STORE_WRITE_FAILED: takeRequestTokens failed: connect ECONNREFUSED");
    });
    await lane.delivered();
    expect(lane.sentAtMs).toHaveLength(3);
    const warnings = lane.logLines
      .map((line) => JSON.parse(line) as { msg: string; level: number })
      .filter((line) => line.msg === "shared rate limit unavailable; this node's own limit applies");
    expect(warnings).toHaveLength(3);
    expect(warnings.every((line) => line.level === 40)).toBe(true);
  });
});

describe("workspaceRateKey", () => {
  it("names one bucket per workspace (site id + Track API base URL), without the site id in it", () => {
    const us = workspaceRateKey({ siteId: "site-1", region: "us" });
    expect(us).toMatch(/^cio:[0-9a-f]{32}$/);
    expect(us).not.toContain("site-1");
    expect(workspaceRateKey({ siteId: "site-1", region: "us", trackUrl: "https://track.customer.io" })).toBe(
      us,
    );
    expect(workspaceRateKey({ siteId: "site-1", region: "eu" })).not.toBe(us);
    expect(workspaceRateKey({ siteId: "site-2", region: "us" })).not.toBe(us);
    expect(workspaceRateKey({ siteId: "site-1", region: "us", trackUrl: "http://127.0.0.1:4010" })).not.toBe(
      us,
    );
  });
});
