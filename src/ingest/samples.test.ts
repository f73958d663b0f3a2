import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Secret } from "../contracts/secret.js";
import { createMetrics, type SluiceMetrics } from "../observability/metrics.js";
import type { EnqueueEvent, Store } from "../store/port.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { eventNameOf } from "./event-name.js";
import { createIngestApp } from "./ingest-app.js";
import { createEventSampler, type EventSampler } from "./samples.js";

const WRITE_KEY = "wk_live_samples_0123";
const TEST_KEY = "wk_test_samples_0123";
const NOW = Date.parse("2026-11-28T12:00:00Z");
const CANARY = "CANARY-value-3f9a";
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

let dir: ReturnType<typeof tempDir>;
let store: SqliteStore;
let log: ReturnType<typeof memoryLogger>;
let metrics: SluiceMetrics;
const apps: FastifyInstance[] = [];

beforeEach(() => {
  dir = tempDir();
  store = openSqliteStore({ path: `${dir.path}/sluice.db` });
  log = memoryLogger();
  metrics = createMetrics(() => store.queueStats(NOW));
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await store.close();
  dir.remove();
});

/** An ingest app whose sampler only writes when told (`sampler.flush()`), over `over` (default the store). */
function setup(over: Store = store, sampler?: EventSampler) {
  const used =
    sampler ??
    createEventSampler(
      { store: over, logger: log.logger, clock: () => NOW, registry: metrics.registry },
      { flushEveryMs: 3_600_000 },
    );
  const app = createIngestApp({
    sources: [
      {
        name: "website",
        writeKey: new Secret(WRITE_KEY),
        testWriteKey: new Secret(TEST_KEY),
        requestContext: "drop",
      },
    ],
    destinations: () => ["cio"],
    store: over,
    logger: log.logger,
    clock: () => NOW,
    onEnqueued: () => undefined,
    metrics,
    sampler: used,
  });
  apps.push(app);
  const post = async (url: string, payload: unknown, key = WRITE_KEY) => {
    const response = await app.inject({
      method: "POST",
      url,
      headers: { "content-type": "application/json", authorization: basic(key) },
      payload: JSON.stringify(payload),
    });
    return { status: response.statusCode, body: response.json() as unknown };
  };
  return { app, sampler: used, post };
}

const ORDER = {
  userId: "u-1",
  event: "Order Completed",
  properties: { order_id: "o-1", total: 9.5, products: [{ sku: "a" }, { sku: 7 }], hiv_status: CANARY },
};

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const value = metric?.values.find((entry) =>
    Object.entries(labels).every(([key, label]) => entry.labels[key] === label),
  );
  return value?.value ?? 0;
}

describe("test write keys", () => {
  it("answer like the write key, keep the event as a test sample, and queue nothing", async () => {
    const { sampler, post } = setup();
    const live = await post("/v1/track", ORDER);
    const test = await post("/v1/track", { ...ORDER, messageId: "test-1" }, TEST_KEY);
    expect(test).toEqual(live);
    expect(test).toEqual({ status: 200, body: { success: true } });
    await sampler.flush();
    const samples = await store.listSamples({});
    expect(samples.map((sample) => [sample.messageId, sample.test, sample.eventName])).toEqual([
      ["test-1", true, "Order Completed"],
      [expect.any(String), false, "Order Completed"],
    ]);
    const deliveries = await store.listDeliveries({});
    expect(deliveries).toHaveLength(1);
    expect(deliveries.map((row) => row.messageId)).not.toContain("test-1");
    expect(await metricValue("sluice_ingest_events_total", { source: "website", outcome: "test" })).toBe(1);
  });

  it("validate like the write key: an invalid event gets the same 400 and is not kept", async () => {
    const { sampler, post } = setup();
    const test = await post("/v1/track", { userId: "u-1" }, TEST_KEY);
    expect(test.status).toBe(400);
    expect(test).toEqual(await post("/v1/track", { userId: "u-1" }));
    await sampler.flush();
    expect(await store.listSamples({})).toEqual([]);
  });

  it("leave unknown keys refused with 401", async () => {
    const { post } = setup();
    expect((await post("/v1/track", ORDER, "wk_unknown")).status).toBe(401);
  });
});

describe("samples and seen paths from live events", () => {
  it("keeps the event and its paths after the flush: names and types only, PHI-looking keys skipped", async () => {
    const { sampler, post } = setup();
    expect((await post("/v1/track", ORDER)).status).toBe(200);
    expect(await store.listSamples({})).toEqual([]); // nothing before the flush: off the request path
    await sampler.flush();
    const [sample] = await store.listSamples({});
    expect(sample).toMatchObject({ sourceName: "website", eventType: "track", test: false });
    expect(JSON.parse((await store.getSample(sample!.id))?.body ?? "{}").properties.order_id).toBe("o-1");
    const paths = await store.listSeenPaths({ eventType: "track", eventName: "Order Completed" });
    expect(paths.map((entry) => [entry.path, entry.types, entry.count])).toEqual(
      expect.arrayContaining([
        ["properties.order_id", ["string"], 1],
        ["properties.products[].sku", ["string", "number"], 1],
        ["userId", ["string"], 1],
      ]),
    );
    expect(paths.map((entry) => entry.path)).not.toContain("properties.hiv_status");
    expect(JSON.stringify(paths)).not.toContain(CANARY);
    expect(JSON.stringify(paths)).not.toContain("o-1");
  });

  it("stores the event name on the log row, null when a PHI detector flags it, and samples no duplicate", async () => {
    const { sampler, post } = setup();
    await post("/v1/track", { ...ORDER, messageId: "m-1" });
    await post("/v1/track", { ...ORDER, messageId: "m-1" }); // a duplicate: acknowledged, not stored again
    await post("/v1/track", { userId: "u-1", event: "Refill for SSN 123-45-6789", messageId: "m-2" });
    await post("/v1/page", { userId: "u-1", name: "Pricing", messageId: "m-3" });
    await sampler.flush();
    const rows = await store.listDeliveries({});
    expect(rows.map((row) => [row.messageId, row.eventName])).toEqual([
      ["m-3", "Pricing"],
      ["m-2", null],
      ["m-1", "Order Completed"],
    ]);
    expect((await store.listSamples({})).map((sample) => sample.messageId)).toEqual(["m-3", "m-2", "m-1"]);
  });

  it("writes by itself once 1,000 events wait, keeping the newest 200 of the source and every path", async () => {
    const { post } = setup();
    for (let request = 0; request < 2; request++) {
      await post("/v1/batch", {
        batch: Array.from({ length: 500 }, (_, n) => ({
          type: "track",
          userId: "u",
          event: "E",
          messageId: `b${request * 500 + n}`,
          properties: { n },
        })),
      });
    }
    await expect.poll(async () => (await store.listSamples({ limit: 1000 })).length).toBe(200);
    const samples = await store.listSamples({ limit: 1000 });
    expect(samples[0]?.messageId).toBe("b999");
    expect(samples.at(-1)?.messageId).toBe("b800");
    const paths = await store.listSeenPaths({ sourceName: "website" });
    expect(paths.find((path) => path.path === "properties.n")?.count).toBe(1000);
  });
});

describe("sampler failures never fail ingest", () => {
  it("a store that refuses samples: ingest answers 200, the events are delivered, the loss is counted and logged without values", async () => {
    const failing = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "recordSamples") return () => Promise.reject(new Error(`disk on fire ${CANARY}`));
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store;
    const { sampler, post } = setup(failing);
    expect(await post("/v1/track", ORDER)).toEqual({ status: 200, body: { success: true } });
    await expect(sampler.flush()).resolves.toBeUndefined();
    expect(await store.listDeliveries({})).toHaveLength(1);
    expect(await metricValue("sluice_event_samples_dropped_total", { reason: "store_failed" })).toBe(1);
    const line = log.lines.find((text) => text.includes("ingest.samples_failed"));
    expect(line).toBeDefined();
    expect(log.lines.join("\n")).not.toContain("o-1");
  });

  it("a sampler that throws: ingest answers 200 and stores the event", async () => {
    const broken: EventSampler = {
      offer() {
        throw new Error("sampler bug");
      },
      flush: async () => undefined,
      close: async () => undefined,
    };
    const { post } = setup(store, broken);
    expect(await post("/v1/track", ORDER)).toEqual({ status: 200, body: { success: true } });
    expect(await post("/v1/track", ORDER, TEST_KEY)).toEqual({ status: 200, body: { success: true } });
    expect(await store.listDeliveries({})).toHaveLength(1);
  });

  it("a full buffer drops and counts what does not fit", async () => {
    const sampler = createEventSampler(
      { store, logger: log.logger, clock: () => NOW, registry: metrics.registry },
      { flushEveryMs: 3_600_000, flushAtEvents: 1000, maxBufferedEvents: 3 },
    );
    const events: EnqueueEvent[] = Array.from({ length: 5 }, (_, n) => ({
      sourceName: "website",
      messageId: `m${n}`,
      eventType: "track",
      receivedAtMs: NOW,
      body: "{}",
      destinations: [],
    }));
    sampler.offer(events, false);
    await sampler.close();
    expect((await store.listSamples({})).map((sample) => sample.messageId)).toEqual(["m2", "m1", "m0"]);
    expect(await metricValue("sluice_event_samples_dropped_total", { reason: "buffer_full" })).toBe(2);
    sampler.offer(events, false); // after close: ignored
    expect(await store.listSamples({})).toHaveLength(3);
  });
});

describe("eventNameOf", () => {
  it.each([
    [{ type: "track", event: "Order Completed" }, "Order Completed"],
    [{ type: "page", name: "Pricing" }, "Pricing"],
    [{ type: "screen", name: "Home" }, "Home"],
    [{ type: "identify", name: "Ada" }, null],
    [{ type: "track", event: "" }, null],
    [{ type: "track", event: "Emailed ada@example.com" }, null],
    [{ type: "track", event: "Ozempic refill" }, null],
    [{ type: "track", event: "x".repeat(300) }, "x".repeat(200)],
  ])("%j → %j", (event, expected) => {
    expect(eventNameOf(event)).toBe(expected);
  });
});
