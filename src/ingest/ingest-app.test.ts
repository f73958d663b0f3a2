import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Secret } from "../contracts/secret.js";
import { createMetrics, type SluiceMetrics } from "../observability/metrics.js";
import type { Store } from "../store/port.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { createIngestApp } from "./ingest-app.js";

const WRITE_KEY = "wk_test_0123456789";
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
const NOW = Date.parse("2026-11-28T12:00:00Z");

let dir: ReturnType<typeof tempDir>;
let store: Store;
let log: ReturnType<typeof memoryLogger>;
let notified = 0;
let metrics: SluiceMetrics;

let requestContext: "keep" | "drop" = "drop";

function app() {
  return createIngestApp({
    sources: [{ name: "website", writeKey: new Secret(WRITE_KEY), requestContext }],
    destinations: () => ["cio"],
    store,
    logger: log.logger,
    clock: () => NOW,
    onEnqueued: () => {
      notified += 1;
    },
    metrics,
  });
}

async function post(
  url: string,
  payload: unknown,
  headers: Record<string, string> = { authorization: basic(WRITE_KEY) },
) {
  const response = await app().inject({
    method: "POST",
    url,
    headers: { "content-type": "application/json", ...headers },
    payload: typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

async function stored() {
  const claimed = await store.claim("cio", { limit: 1000, nowMs: NOW + 1, leaseMs: 1000 });
  return claimed.map((delivery) => JSON.parse(delivery.body) as Record<string, unknown>);
}

beforeEach(() => {
  dir = tempDir();
  store = openSqliteStore({ path: `${dir.path}/sluice.db` });
  log = memoryLogger();
  notified = 0;
  metrics = createMetrics(() => store.queueStats(NOW));
});

afterEach(async () => {
  await store.close();
  dir.remove();
});

describe("ingest API", () => {
  beforeEach(async () => {
    await store.migrate();
  });

  it.each(["identify", "track", "page", "screen", "group", "alias"])(
    "accepts /v1/%s and stores it",
    async (type) => {
      const payload = {
        userId: "u1",
        event: "Signed Up",
        groupId: "g1",
        previousId: "p1",
        messageId: `m-${type}`,
      };
      const { status, body } = await post(`/v1/${type}`, payload);
      expect({ status, body }).toEqual({ status: 200, body: { success: true } });
      const [event] = await stored();
      expect(event).toMatchObject({
        type,
        userId: "u1",
        messageId: `m-${type}`,
        receivedAt: "2026-11-28T12:00:00.000Z",
      });
      expect(notified).toBe(1);
    },
  );

  it("generates a messageId when absent and never stores the writeKey", async () => {
    await post("/v1/track", { userId: "u1", event: "E", writeKey: WRITE_KEY }, {});
    const [event] = await stored();
    expect(event?.["messageId"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(event)).not.toContain(WRITE_KEY);
  });

  it("accepts a batch, applying batch-level context", async () => {
    const { status } = await post("/v1/batch", {
      context: { library: { name: "x" } },
      batch: [
        { type: "identify", userId: "u1", traits: { plan: "pro" } },
        { type: "track", userId: "u1", event: "E", context: { page: { path: "/" } } },
      ],
    });
    expect(status).toBe(200);
    const events = await stored();
    expect(events.map((event) => event["type"])).toEqual(["identify", "track"]);
    expect(events[1]?.["context"]).toEqual({ library: { name: "x" }, page: { path: "/" } });
  });

  it("accepts gzip bodies (RudderStack's SDK compresses)", async () => {
    const payload = gzipSync(JSON.stringify({ batch: [{ type: "track", userId: "u", event: "E" }] }));
    const { status } = await post("/v1/batch", payload, {
      authorization: basic(WRITE_KEY),
      "content-encoding": "gzip",
    });
    expect(status).toBe(200);
    expect(await stored()).toHaveLength(1);
  });

  it("acknowledges a repeated messageId but stores it once", async () => {
    await post("/v1/track", { userId: "u", event: "E", messageId: "dup" });
    const again = await post("/v1/track", { userId: "u", event: "E", messageId: "dup" });
    expect(again.status).toBe(200);
    expect(await stored()).toHaveLength(1);
  });

  describe("rejects bad input with a clear 4xx", () => {
    it.each([
      ["invalid JSON", "/v1/track", "{not json", 400, "ER_INVALID_JSON", undefined],
      ["an array body", "/v1/track", [], 400, "ER_INVALID_JSON", undefined],
      ["no identity", "/v1/track", { event: "E" }, 400, "ER_MISSING_IDENTITY", "userId"],
      [
        "empty identity",
        "/v1/identify",
        { userId: "", anonymousId: "" },
        400,
        "ER_MISSING_IDENTITY",
        "userId",
      ],
      [
        "a bad timestamp",
        "/v1/track",
        { userId: "u", event: "E", timestamp: "yesterday" },
        400,
        "ER_INVALID_TIMESTAMP",
        "timestamp",
      ],
      ["track without event", "/v1/track", { userId: "u" }, 400, "ER_INVALID_FIELD", "event"],
      [
        "a non-object traits",
        "/v1/identify",
        { userId: "u", traits: "x" },
        400,
        "ER_INVALID_FIELD",
        "traits",
      ],
      [
        "an unknown batch type",
        "/v1/batch",
        { batch: [{ type: "purchase", userId: "u" }] },
        400,
        "ER_INVALID_BATCH",
        undefined,
      ],
      ["a batch that is not an array", "/v1/batch", { batch: {} }, 400, "ER_INVALID_BATCH", "batch"],
    ])("%s", async (_label, url, payload, status, code, path) => {
      const response = await post(url, payload);
      expect(response.status).toBe(status);
      const error = response.body["error"] as Record<string, unknown>;
      expect(error["code"]).toBe(code);
      expect(error["path"]).toBe(path);
      expect(typeof error["message"]).toBe("string");
      expect(await stored()).toHaveLength(0);
    });

    it("401 for an unknown or missing write key", async () => {
      expect(
        (await post("/v1/track", { userId: "u", event: "E" }, { authorization: basic("nope") })).status,
      ).toBe(401);
      const missing = await post("/v1/track", { userId: "u", event: "E" }, {});
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({
        error: {
          code: "ER_UNAUTHORIZED",
          message: "missing or unknown write key (send it as the HTTP Basic user name)",
        },
      });
    });

    it("413 for an event over 32 KB and a request over 500 KB", async () => {
      const big = await post("/v1/track", {
        userId: "u",
        event: "E",
        properties: { x: "a".repeat(33 * 1024) },
      });
      expect(big.status).toBe(413);
      expect((big.body["error"] as { code: string }).code).toBe("ER_EVENT_TOO_LARGE");
      const batch = Array.from({ length: 20 }, () => ({
        type: "track",
        userId: "u",
        event: "E",
        properties: { x: "a".repeat(30_000) },
      }));
      const huge = await post("/v1/batch", { batch });
      expect(huge.status).toBe(413);
      expect((huge.body["error"] as { code: string }).code).toBe("ER_REQUEST_TOO_LARGE");
      expect(await stored()).toHaveLength(0);
    });

    it("says which events of a batch were bad, and keeps the good ones", async () => {
      const response = await post("/v1/batch", {
        batch: [
          { type: "track", userId: "u", event: "ok-1" },
          { type: "track", userId: "u", event: "bad", timestamp: "nope" },
          { type: "identify" },
          { type: "track", userId: "u", event: "ok-2" },
        ],
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        success: false,
        accepted: 2,
        rejected: 2,
        errors: [
          { index: 1, code: "ER_INVALID_TIMESTAMP", path: "batch[1].timestamp" },
          { index: 2, code: "ER_MISSING_IDENTITY", path: "batch[2].userId" },
        ],
      });
      expect((await stored()).map((event) => event["event"])).toEqual(["ok-1", "ok-2"]);
    });

    it("never echoes payload values in errors or logs", async () => {
      const canary = "CANARY-123-45-6789";
      await post("/v1/track", { userId: canary, event: "E", timestamp: canary });
      await post("/v1/batch", { batch: [{ type: canary, userId: canary }] });
      expect(log.lines.join("")).not.toContain(canary);
      const response = await post("/v1/identify", { userId: 5, traits: canary });
      expect(JSON.stringify(response.body)).not.toContain(canary);
    });
  });

  it("serves liveness, readiness and Prometheus metrics without payload values in labels", async () => {
    const ingest = app();
    await post("/v1/track", { userId: "CANARY-USER-1", event: "Viewed HIV Test Page", messageId: "m1" });
    await post("/v1/track", { userId: "CANARY-USER-1", event: "Viewed HIV Test Page", messageId: "m1" });
    await post("/v1/track", { userId: "CANARY-USER-1", timestamp: "CANARY-TS" });
    expect((await ingest.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await ingest.inject({ method: "GET", url: "/readyz" })).json()).toEqual({ status: "ready" });
    const response = await ingest.inject({ method: "GET", url: "/metrics" });
    expect(response.headers["content-type"]).toContain("text/plain");
    const text = response.body;
    expect(text).toContain('sluice_ingest_events_total{source="website",outcome="accepted"} 1');
    expect(text).toContain('sluice_ingest_events_total{source="website",outcome="duplicate"} 1');
    expect(text).toContain('sluice_ingest_events_total{source="website",outcome="rejected"} 1');
    expect(text).toContain('sluice_queue_depth{destination="cio",state="queued"} 1');
    expect(text).toMatch(/sluice_ingest_requests_total\{route="\/v1\/track",status="200"\} 2/);
    expect(text).toMatch(/sluice_ingest_requests_total\{route="\/v1\/track",status="400"\} 1/);
    for (const canary of ["CANARY", "HIV", WRITE_KEY]) expect(text).not.toContain(canary);
    await store.close();
    const notReady = await ingest.inject({ method: "GET", url: "/readyz" });
    expect(notReady.statusCode).toBe(503);
    store = openSqliteStore({ path: `${dir.path}/sluice.db` });
  });

  it("answers 503 in the documented error format while shutting down", async () => {
    const ingest = app();
    await ingest.ready();
    const closing = ingest.close();
    const response = await ingest.inject({
      method: "POST",
      url: "/v1/track",
      headers: { "content-type": "application/json", authorization: basic(WRITE_KEY) },
      payload: JSON.stringify({ userId: "u", event: "E" }),
    });
    await closing;
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: { code: "ER_UNAVAILABLE", message: "Sluice is shutting down; retry shortly" },
    });
    expect(await stored()).toHaveLength(0);
  });

  it("answers 503 and acknowledges nothing when the store cannot commit", async () => {
    await store.close();
    const response = await post("/v1/track", { userId: "u", event: "E" });
    expect(response.status).toBe(503);
    expect((response.body["error"] as { code: string }).code).toBe("ER_UNAVAILABLE");
    // On one server, failures within 5 s are counted, not logged line by line (a full disk fails them all).
    const ingest = app();
    const before = log.lines.length;
    for (let i = 0; i < 5; i++) {
      const failed = await ingest.inject({
        method: "POST",
        url: "/v1/track",
        headers: { "content-type": "application/json", authorization: basic(WRITE_KEY) },
        payload: JSON.stringify({ userId: "u", event: "E" }),
      });
      expect(failed.statusCode).toBe(503);
    }
    expect(log.lines.slice(before).filter((line) => line.includes("ingest.store_failed"))).toHaveLength(1);
    store = openSqliteStore({ path: `${dir.path}/sluice.db` });
    await store.migrate();
    expect(await stored()).toHaveLength(0);
  });
});

describe("request context and Global Privacy Control, before anything is stored", () => {
  afterEach(() => {
    requestContext = "drop";
  });
  const withContext = {
    userId: "u1",
    event: "Viewed",
    context: { ip: "203.0.113.9", userAgent: "Canary/1.0", userAgentData: { mobile: true }, locale: "en-US" },
  };

  it("drops the IP address, user agent and client hints by default", async () => {
    expect((await post("/v1/track", withContext)).status).toBe(200);
    const [event] = await stored();
    expect(event?.["context"]).toEqual({ locale: "en-US" });
  });

  it("keeps them with requestContext: keep, filling in the request's own when the client sent none", async () => {
    requestContext = "keep";
    await post("/v1/track", withContext);
    await post(
      "/v1/track",
      { userId: "u2", event: "Viewed" },
      { authorization: basic(WRITE_KEY), "user-agent": "curl/8" },
    );
    const [kept, filled] = await stored();
    expect(kept?.["context"]).toEqual(withContext.context);
    expect(filled?.["context"]).toEqual({ ip: "127.0.0.1", userAgent: "curl/8" });
  });

  it("records Sec-GPC: 1 as context.gpc on every event of the request", async () => {
    const batch = {
      batch: [
        { type: "track", userId: "u1", event: "A" },
        { type: "identify", userId: "u2" },
      ],
    };
    await post("/v1/batch", batch, { authorization: basic(WRITE_KEY), "sec-gpc": "1" });
    await post("/v1/track", { userId: "u3", event: "B" });
    const events = await stored();
    expect(events.map((event) => (event["context"] as { gpc?: boolean } | undefined)?.gpc ?? false)).toEqual([
      true,
      true,
      false,
    ]);
  });
});
