// The real Segment and RudderStack Node clients, pointed at Sluice by changing only their host, as
// the README promises; Sluice delivers to the strict simulator (checked against the official spec).
import { gunzipSync } from "node:zlib";
import RudderAnalytics from "@rudderstack/rudder-sdk-node";
import { Analytics as SegmentAnalytics } from "@segment/analytics-node";
import { afterEach, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline, WRITE_KEY } from "../test-support/pipeline.js";

const ORDER_TIME = new Date("2026-11-28T10:00:00.750Z");
const ORDER_SECONDS = 1795860000;

const TRAITS = { email: "ann@example.com", first_name: "Ann", plan: "pro", diagnosis: "flu" };
const PROPERTIES = { total: 42.5, currency: "USD", sku: "hidden-sku" };

let pipeline: Pipeline | undefined;

afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

interface SentMessage {
  type: string;
  messageId: string;
  userId?: string;
}

function expectCleanWire(sim: Pipeline["sim"]): void {
  expect(sim.state.openApiViolations).toEqual([]);
  expect(sim.state.anomalies).toEqual([]);
  expect(sim.state.internalErrors).toEqual([]);
}

/** What the simulator must hold after the identify + "Order Completed" scenario for `userId`. */
function expectScenarioDelivered(
  sim: Pipeline["sim"],
  userId: string,
  anonymousId: string,
  orderId: string,
): void {
  const person = sim.state.findPerson({ id: userId });
  expect(person).toMatchObject({ id: userId, email: "ann@example.com", anonymousIds: [anonymousId] });
  // Allowed traits only: `diagnosis` is not in allow.traits, so it never leaves Sluice.
  expect(person?.attributes).toEqual({
    email: "ann@example.com",
    first_name: "Ann",
    plan: "pro",
    anonymous_id: anonymousId,
  });
  expect(sim.state.events).toEqual([
    expect.objectContaining({
      api: "v2",
      name: "Order Completed",
      id: orderId,
      timestamp: ORDER_SECONDS,
      identifier: { kind: "id", value: userId },
      attributes: { total: 42.5, currency: "USD" },
    }),
  ]);
  expect(sim.state.duplicatesIgnored).toBe(0);
  expectCleanWire(sim);
}

describe("@segment/analytics-node → Sluice → Customer.io", () => {
  it("delivers identify and track with the client's messageIds, allowed fields only", async () => {
    pipeline = await startPipeline();
    const analytics = new SegmentAnalytics({
      writeKey: WRITE_KEY,
      host: pipeline.sluice.url,
      flushAt: 2,
      flushInterval: 60_000,
      maxRetries: 0,
    });
    const requests: { url: string; authorization: string | undefined; messages: SentMessage[] }[] = [];
    const statuses: number[] = [];
    const errors: unknown[] = [];
    analytics.on("http_request", (request) => {
      const body = JSON.parse(request.body) as { batch: SentMessage[] };
      requests.push({
        url: request.url,
        authorization: request.headers["Authorization"],
        messages: body.batch,
      });
    });
    analytics.on("http_response", (response) => statuses.push(response.status));
    analytics.on("error", (error) => errors.push(error));

    analytics.identify({ userId: "seg-user-1", anonymousId: "seg-anon-1", traits: TRAITS });
    analytics.track({
      userId: "seg-user-1",
      event: "Order Completed",
      properties: PROPERTIES,
      timestamp: ORDER_TIME,
    });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    expect(statuses).toEqual([200]);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.url).toBe(`${pipeline.sluice.url}/v1/batch`);
    expect(request?.authorization).toBe(`Basic ${Buffer.from(`${WRITE_KEY}:`).toString("base64")}`);
    expect(request?.messages.map((message) => message.type)).toEqual(["identify", "track"]);
    const [identifyId, orderId] = request!.messages.map((message) => message.messageId);

    const log = await pipeline.settled(2);
    expect(log.map((entry) => [entry.messageId, entry.eventType, entry.state, entry.attempts])).toEqual([
      [orderId, "track", "delivered", 1],
      [identifyId, "identify", "delivered", 1],
    ]);
    expectScenarioDelivered(pipeline.sim, "seg-user-1", "seg-anon-1", orderId!);
  });
});

describe("@rudderstack/rudder-sdk-node → Sluice → Customer.io", () => {
  it("delivers its gzip-compressed batches with the client's messageIds, allowed fields only", async () => {
    pipeline = await startPipeline();
    const client = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: pipeline.sluice.url,
      flushAt: 20,
      flushInterval: 60_000,
      retryCount: 0,
      logLevel: "error",
    });
    // Rudder calls each message's callback with (error, the request body as sent): gzip by default.
    const sent: { error: unknown; gzipped: boolean; messages: SentMessage[] }[] = [];
    const record =
      (done: () => void) =>
      (...args: unknown[]) => {
        const [error, data] = args;
        const gzipped = Buffer.isBuffer(data);
        const body = (gzipped ? JSON.parse(gunzipSync(data).toString("utf8")) : data) as {
          batch: SentMessage[];
        };
        sent.push({ error, gzipped, messages: body.batch });
        done();
      };
    const identified = new Promise<void>((resolve) =>
      client.identify({ userId: "rs-user-1", anonymousId: "rs-anon-1", traits: TRAITS }, record(resolve)),
    );
    const tracked = new Promise<void>((resolve) =>
      client.track(
        { userId: "rs-user-1", event: "Order Completed", properties: PROPERTIES, timestamp: ORDER_TIME },
        record(resolve),
      ),
    );
    // The first message is sent at once; the second waits for flushAt or flush().
    await identified;
    await client.flush();
    await tracked;

    expect(sent.map((request) => [request.error ?? null, request.gzipped])).toEqual([
      [null, true],
      [null, true],
    ]);
    const messages = sent.flatMap((request) => request.messages);
    expect(messages.map((message) => message.type)).toEqual(["identify", "track"]);
    const [identifyId, orderId] = messages.map((message) => message.messageId);

    const log = await pipeline.settled(2);
    expect(log.map((entry) => [entry.messageId, entry.eventType, entry.state, entry.attempts])).toEqual([
      [orderId, "track", "delivered", 1],
      [identifyId, "identify", "delivered", 1],
    ]);
    expectScenarioDelivered(pipeline.sim, "rs-user-1", "rs-anon-1", orderId!);
  });
});
