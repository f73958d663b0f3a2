import { afterEach, describe, expect, it } from "vitest";
import { API_KEY, type Pipeline, startPipeline } from "../test-support/pipeline.js";

let pipeline: Pipeline;

afterEach(async () => {
  // Every request Sluice sent must have been valid for the strict simulator and the official spec.
  expect(pipeline.sim.state.openApiViolations).toEqual([]);
  expect(pipeline.sim.state.anomalies).toEqual([]);
  expect(pipeline.sim.state.internalErrors).toEqual([]);
  await pipeline.close();
});

describe("delivery to Customer.io (strict simulator)", () => {
  it("delivers identify as a person identify and track as a person event, allowed fields only", async () => {
    pipeline = await startPipeline();
    await pipeline.post("/v1/identify", {
      userId: "u1",
      anonymousId: "anon-1",
      messageId: "m-identify",
      traits: { email: "ann@example.com", first_name: "Ann", plan: "pro", diagnosis: "flu" },
    });
    await pipeline.post("/v1/track", {
      userId: "u1",
      event: "Order Completed",
      messageId: "m-order",
      timestamp: "2026-11-28T10:00:00.500Z",
      properties: { total: 42.5, currency: "USD", sku: "hidden" },
    });
    const log = await pipeline.settled(2);
    expect(log.map((entry) => [entry.messageId, entry.state, entry.attempts, entry.lastStatus])).toEqual([
      ["m-order", "delivered", 1, 200],
      ["m-identify", "delivered", 1, 200],
    ]);
    const person = pipeline.sim.state.findPerson({ id: "u1" });
    expect(person).toMatchObject({
      id: "u1",
      email: "ann@example.com",
      attributes: { first_name: "Ann", plan: "pro" },
      anonymousIds: ["anon-1"],
    });
    expect(pipeline.sim.state.events).toEqual([
      expect.objectContaining({
        name: "Order Completed",
        id: "m-order",
        timestamp: 1795860000,
        attributes: { total: 42.5, currency: "USD" },
      }),
    ]);
    const requests = pipeline.sim.state.requests;
    expect(requests.every((request) => request.path === "/api/v2/batch" && request.method === "POST")).toBe(
      true,
    );
  });

  it("records stopped events with their stage and reason, and sends nothing for them", async () => {
    pipeline = await startPipeline();
    await pipeline.post("/v1/track", { userId: "u1", event: "Viewed Oncology Page", messageId: "m-denied" });
    await pipeline.post("/v1/track", { anonymousId: "a1", event: "Signed Up", messageId: "m-anon" });
    await pipeline.post("/v1/page", { userId: "u1", name: "Home", messageId: "m-page" });
    await pipeline.post("/v1/track", { userId: "u1", event: "Signed Up", messageId: "m-ok" });
    const log = await pipeline.settled(4);
    const byId = Object.fromEntries(
      log.map((entry) => [entry.messageId, [entry.state, entry.stage, entry.reason]]),
    );
    expect(byId).toEqual({
      "m-denied": ["stopped", "allowlist", "event name not allowed"],
      "m-anon": ["stopped", "mapping", "no id, email or cio_id"],
      "m-page": ["stopped", "mapping", "no action for page calls"],
      "m-ok": ["delivered", null, null],
    });
    expect([...pipeline.sim.state.eventIds]).toEqual(["m-ok"]);
    const metrics = await (await fetch(`${pipeline.sluice.url}/metrics`)).text();
    expect(metrics).toContain('sluice_deliveries_total{destination="cio",outcome="stopped"} 3');
    expect(metrics).not.toContain("Oncology");
  });

  it("stops an identifier Customer.io would reject before sending, and delivers the rest", async () => {
    pipeline = await startPipeline();
    await pipeline.post("/v1/batch", {
      batch: [
        { type: "identify", userId: "u1", messageId: "ok-1", traits: { plan: "a" } },
        { type: "identify", anonymousId: "a1", messageId: "bad-email", traits: { email: "not-an-email" } },
        { type: "identify", userId: "u2", messageId: "ok-2", traits: { plan: "b" } },
      ],
    });
    const log = await pipeline.settled(3);
    const health = await (await fetch(`${pipeline.sluice.url}/health/destinations`)).json();
    expect(health).toEqual({
      windowHours: 24,
      destinations: [
        {
          destination: "cio",
          status: "healthy",
          successRate: 1,
          delivered: 2,
          failed: 0,
          stopped: 1,
          paused: null,
          credentials: null,
        },
      ],
    });
    const bad = log.find((entry) => entry.messageId === "bad-email");
    expect(bad).toMatchObject({
      state: "stopped",
      stage: "mapping",
      field: "email",
      reason: "email is not an email address",
      attempts: 0,
    });
    expect(
      log
        .filter((entry) => entry.state === "delivered")
        .map((entry) => entry.messageId)
        .sort(),
    ).toEqual(["ok-1", "ok-2"]);
    expect(pipeline.sim.state.requests).toHaveLength(1);
  });

  it("retries 429 no sooner than Retry-After, then delivers", async () => {
    pipeline = await startPipeline();
    pipeline.sim.enqueueFaults({ status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await pipeline.post("/v1/track", { userId: "u1", event: "Signed Up", messageId: "m-429" });
    const [entry] = await pipeline.settled(1);
    expect(entry).toMatchObject({ state: "delivered", attempts: 2, lastStatus: 200 });
    const statuses = pipeline.sim.state.requests.map((request) => request.status);
    expect(statuses).toEqual([429, 200]);
    const times = pipeline.sim.state.requests.map((request) => request.atMs);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(8000);
    const metrics = await (await fetch(`${pipeline.sluice.url}/metrics`)).text();
    expect(metrics).toContain('sluice_delivery_rate_limited_total{destination="cio"} 1');
    expect(metrics).toContain('sluice_delivery_retries_total{destination="cio",cause="429"} 1');
    expect(metrics).toContain('sluice_deliveries_total{destination="cio",outcome="retrying"} 1');
    expect(metrics).toContain('sluice_deliveries_total{destination="cio",outcome="delivered"} 1');
    expect(metrics).toContain(
      'sluice_delivery_request_duration_seconds_count{destination="cio",status_class="4xx"} 1',
    );
  });

  it.each([
    ["a 503", { status: 503 }],
    ["a dropped connection", { kind: "drop" as const }],
  ])("retries after %s and delivers exactly once", async (_label, fault) => {
    pipeline = await startPipeline({
      worker: { backoff: { baseDelayMs: 50, maxDelayMs: 200, maxRetryAgeMs: 60_000 } },
    });
    pipeline.sim.failNext(2, fault);
    await pipeline.post("/v1/track", { userId: "u1", event: "Signed Up", messageId: "m-retry" });
    const [entry] = await pipeline.settled(1);
    expect(entry).toMatchObject({ state: "delivered", attempts: 3 });
    expect([...pipeline.sim.state.eventIds]).toEqual(["m-retry"]);
  });

  it("bisects a batch the API rejected whole (400), delivering every good item", async () => {
    pipeline = await startPipeline({ worker: { lingerMs: 100 } });
    pipeline.sim.enqueueFaults({ status: 400 });
    await pipeline.post("/v1/batch", {
      batch: [1, 2, 3, 4].map((n) => ({
        type: "track",
        userId: `u${n}`,
        event: "Signed Up",
        messageId: `b-${n}`,
      })),
    });
    const log = await pipeline.settled(4);
    expect(log.every((entry) => entry.state === "delivered")).toBe(true);
    expect(pipeline.sim.state.requests.map((request) => [request.status, request.items])).toEqual([
      [400, 4],
      [200, 2],
      [200, 2],
    ]);
  });

  it("pauses on 401 without dropping anything, and resumes when the credentials change", async () => {
    pipeline = await startPipeline({ checkCredentials: true });
    pipeline.sim.setCredentials("site-1", "rotated-key-0002");
    await pipeline.post("/v1/track", { userId: "u1", event: "Signed Up", messageId: "m-auth" });
    await expect
      .poll(async () => (await pipeline.sluice.store.getDestinationState("cio"))?.status)
      .toBe("unauthorized");
    const health = (await (await fetch(`${pipeline.sluice.url}/health/destinations`)).json()) as {
      destinations: { status: string; paused: { reason: string } | null }[];
    };
    expect(health.destinations[0]).toMatchObject({
      status: "no_data",
      paused: { reason: "credentials refused (401): check siteId and apiKey" },
    });
    const [waiting] = await pipeline.sluice.store.listDeliveries({});
    expect(waiting).toMatchObject({ state: "queued", attempts: 0 });
    // Same credentials after a restart: still paused, nothing sent.
    await pipeline.restart();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pipeline.sim.state.eventIds.size).toBe(0);
    // The start-up credential check says so in plain words, too.
    const checked = (await (await fetch(`${pipeline.sluice.url}/health/destinations`)).json()) as {
      destinations: { credentials: { result: string; message: string } }[];
    };
    expect(checked.destinations[0]?.credentials).toMatchObject({ result: "unauthorized" });
    expect(checked.destinations[0]?.credentials.message).toContain("Settings → API Credentials");
    expect(pipeline.logLines.join("")).not.toContain(API_KEY);
    // New credentials: resumes by itself.
    await pipeline.restart({ apiKey: "rotated-key-0002" });
    const [entry] = await pipeline.settled(1);
    expect(entry).toMatchObject({ state: "delivered" });
    expect([...pipeline.sim.state.eventIds]).toEqual(["m-auth"]);
  });

  it("aborts a hung request after the shutdown grace period, and redelivers it after restart", async () => {
    pipeline = await startPipeline({ worker: { shutdownGraceMs: 200 } });
    pipeline.sim.enqueueFaults({ kind: "timeout" });
    await pipeline.post("/v1/track", { userId: "u1", event: "Signed Up", messageId: "m-hung" });
    await expect.poll(() => pipeline.sim.state.requests.length).toBe(1);
    const started = Date.now();
    await pipeline.restart();
    expect(Date.now() - started).toBeLessThan(3000);
    const [entry] = await pipeline.settled(1);
    expect(entry).toMatchObject({ messageId: "m-hung", state: "delivered" });
    expect([...pipeline.sim.state.eventIds]).toEqual(["m-hung"]);
  });

  it("packs many events into few requests, each within 500,000 bytes", async () => {
    pipeline = await startPipeline({ worker: { lingerMs: 200 } });
    const batch = Array.from({ length: 1500 }, (_, n) => ({
      type: "track",
      userId: `user-${n}`,
      event: "Order Completed",
      messageId: `pack-${n}`,
      properties: { plan: "x".repeat(300), total: n },
    }));
    for (let i = 0; i < batch.length; i += 500)
      await pipeline.post("/v1/batch", { batch: batch.slice(i, i + 500) });
    await pipeline.settled(1500, 20_000);
    const requests = pipeline.sim.state.requests;
    expect(pipeline.sim.state.eventIds.size).toBe(1500);
    expect(requests.length).toBeLessThanOrEqual(6);
    expect(Math.max(...requests.map((request) => request.bodyBytes))).toBeLessThanOrEqual(500_000);
  });
});
