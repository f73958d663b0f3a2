// Dashboards, the audit log, samples and seen paths, through the admin app (fastify inject) over a
// real SQLite store seeded with the fixture's delivery history.
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import { ADMIN_ROUTES, type AdminOperationId } from "../contracts/admin.js";
import type { DeliveryOutcome, NewEventSample } from "../store/port.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import {
  ADMIN_TOKEN,
  type AdminFixture,
  adminFixture,
  NOW,
  T0,
  VIEWER_TOKEN,
} from "./test-support/admin-fixture.js";
import { openApiChecker } from "./test-support/openapi-check.js";

const check = openApiChecker(buildOpenApiDocument());
const CANARY = "CANARY-sample-PHI-77e1";
const PASSWORD = "Correct-Horse-Battery-7";
const MINUTE = 60_000;
const HOUR = 3_600_000;

let fx: AdminFixture;
beforeEach(async () => {
  fx = await adminFixture();
});
afterEach(async () => {
  await fx.close();
});

/** One request; its answer must match the schema the OpenAPI document declares for its status. */
async function call(
  operationId: AdminOperationId,
  options: { url?: string; token?: string; headers?: Record<string, string> } = {},
) {
  const route = ADMIN_ROUTES[operationId];
  const response = await fx.app.inject({
    method: route.method,
    url: options.url ?? route.path,
    headers: options.headers ?? { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}` },
  });
  const body = response.json();
  expect(check(operationId, response.statusCode, body), `${operationId} ${response.statusCode}`).toEqual([]);
  return { status: response.statusCode, body, text: response.body };
}

/** A signed-in editor's headers (a user account: tokens are admin or viewer only). */
async function editorHeaders(): Promise<Record<string, string>> {
  const created = await fx.store.createUser({
    name: "ed",
    role: "editor",
    passwordHash: await hashPassword(PASSWORD),
    createdAtMs: NOW,
    lastSignInAtMs: null,
  });
  if (!created.ok) throw new Error("could not add the editor");
  const response = await fx.app.inject({
    method: "POST",
    url: ADMIN_ROUTES.signIn.path,
    payload: { name: "ed", password: PASSWORD },
  });
  const cookie = /^(sluice_session=[^;]+)/.exec(String(response.headers["set-cookie"]))?.[1];
  if (cookie === undefined) throw new Error(`sign-in failed: ${response.body}`);
  return { cookie };
}

describe("GET /admin/api/stats", () => {
  /** Three more events at T0 + 61 s: two stopped for consent and one delivered at T0 + 70 s. */
  async function seedSecondMinute(): Promise<void> {
    await fx.store.enqueue(
      ["s-1", "s-2", "s-3"].map((messageId) => ({
        sourceName: "web",
        messageId,
        eventType: "track",
        eventName: "Order Completed",
        receivedAtMs: T0 + 61_000,
        body: JSON.stringify({ type: "track", messageId }),
        destinations: ["cio"],
      })),
    );
    const claimed = await fx.store.claim("cio", { limit: 100, nowMs: T0 + 62_000, leaseMs: 1000 });
    const outcomes: DeliveryOutcome[] = claimed.map((delivery) => {
      if (delivery.messageId === "s-3")
        return {
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          state: "delivered",
          attempts: 1,
        };
      if (delivery.messageId.startsWith("s-")) {
        return {
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          state: "stopped",
          stage: "consent",
          reason: "consent missing",
          attempts: 0,
        };
      }
      return { deliveryId: delivery.deliveryId, leaseToken: delivery.leaseToken, state: "released" };
    });
    await fx.store.settle(outcomes, T0 + 70_000);
  }

  it("counts per bucket exactly: received by receipt, outcomes by when they ended, stop reasons, the queue", async () => {
    await seedSecondMinute();
    const { status, body } = await call("getStats", {
      url: `/admin/api/stats?from=${T0}&to=${T0 + 3 * MINUTE}&bucketMs=${MINUTE}`,
      token: VIEWER_TOKEN,
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      fromMs: T0,
      toMs: T0 + 3 * MINUTE,
      bucketMs: MINUTE,
      buckets: [
        // The fixture: 5 events; delivery 4 delivered, 2 stopped (allowlist), 1 and 3 failed.
        { startMs: T0, received: 5, delivered: 1, stopped: 1, failed: 2 },
        { startMs: T0 + MINUTE, received: 3, delivered: 1, stopped: 2, failed: 0 },
        { startMs: T0 + 2 * MINUTE, received: 0, delivered: 0, stopped: 0, failed: 0 },
      ],
      stoppedByReason: [
        { stage: "consent", reason: "consent missing", count: 2 },
        { stage: "allowlist", reason: "event name not in allow.events", count: 1 },
      ],
      queue: [
        // Deliveries 5 (received T0 + 9 s) and 6 (T0 + 2 s) wait; the clock is T0 + 10 s.
        { destination: "cio", waiting: 2, oldestAgeMs: 8000 },
        { destination: "cio-eu", waiting: 0, oldestAgeMs: null },
      ],
    });
  });

  it("defaults to the last 24 h in 1 h buckets ending with the current hour", async () => {
    const { body } = await call("getStats");
    expect(body.bucketMs).toBe(HOUR);
    expect(body.toMs).toBe(T0 + HOUR); // T0 is on the hour; the clock is 10 s past it
    expect(body.fromMs).toBe(T0 - 23 * HOUR);
    expect(body.buckets).toHaveLength(24);
    expect(body.buckets.at(-1)).toEqual({ startMs: T0, received: 5, delivered: 1, stopped: 1, failed: 2 });
    expect(body.buckets.slice(0, -1).every((bucket: { received: number }) => bucket.received === 0)).toBe(
      true,
    );
  });

  it("refuses an empty range, too many buckets and buckets under a minute", async () => {
    const cases = [
      [`from=${T0}&to=${T0}`, "query.to"],
      [`from=0&to=${T0}&bucketMs=60000`, "query.bucketMs"],
      ["bucketMs=1000", "query.bucketMs"],
    ] as const;
    for (const [query, path] of cases) {
      const { status, body } = await call("getStats", { url: `/admin/api/stats?${query}` });
      expect(status, query).toBe(400);
      expect(body.error).toMatchObject({ code: "ER_ADMIN_INVALID_REQUEST", path });
    }
  });
});

describe("GET /admin/api/audit and /audit/verify", () => {
  async function seedAudit(count: number): Promise<void> {
    for (let n = 1; n <= count; n++) {
      await fx.store.appendAudit({
        atMs: T0 + n,
        actor: "ops",
        action: n % 2 === 0 ? "payload.view" : "dlq.replay",
        target: `delivery:${n}`,
        outcome: "ok",
        ...(n === 1 ? { detail: { replayed: 3 } } : {}),
      });
    }
  }

  it("pages newest first with nextBefore until the last page, and filters by action", async () => {
    await seedAudit(5);
    const first = await call("listAudit", { url: "/admin/api/audit?limit=2" });
    expect(first.body.entries.map((entry: { seq: number }) => entry.seq)).toEqual([5, 4]);
    expect(first.body.nextBefore).toBe(4);
    const second = await call("listAudit", { url: "/admin/api/audit?limit=2&before=4" });
    expect(second.body.entries.map((entry: { seq: number }) => entry.seq)).toEqual([3, 2]);
    const last = await call("listAudit", {
      url: `/admin/api/audit?limit=2&before=${second.body.nextBefore}`,
    });
    expect(last.body).toEqual({
      entries: [
        {
          seq: 1,
          atMs: T0 + 1,
          actor: "ops",
          action: "dlq.replay",
          target: "delivery:1",
          outcome: "ok",
          detail: { replayed: 3 },
        },
      ],
      nextBefore: null,
    });
    const views = await call("listAudit", { url: "/admin/api/audit?action=payload.view" });
    expect(views.body.entries.map((entry: { seq: number }) => entry.seq)).toEqual([4, 2]);
    expect(views.body.nextBefore).toBeNull();
  });

  it("is for admins only", async () => {
    expect((await call("listAudit", { token: VIEWER_TOKEN })).status).toBe(403);
    expect((await call("verifyAudit", { token: VIEWER_TOKEN })).status).toBe(403);
  });

  it("verifies the chain, and names the entry an edit broke (never its content)", async () => {
    await seedAudit(4);
    expect((await call("verifyAudit")).body).toEqual({ ok: true, checked: 4, problem: null });
    const raw = new Database(`${fx.dataDir}/sluice.db`);
    try {
      raw.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").run();
    } finally {
      raw.close();
    }
    const { body } = await call("verifyAudit");
    expect(body).toEqual({
      ok: false,
      checked: 2,
      problem: "entry 3 was edited: its fields no longer match its hash (edited)",
    });
    expect(JSON.stringify(body)).not.toContain("mallory");
  });
});

describe("event samples", () => {
  const sample = (n: number, overrides: Partial<NewEventSample> = {}): NewEventSample => ({
    sourceName: "web",
    eventType: "track",
    eventName: "Order Completed",
    messageId: `s-${n}`,
    receivedAtMs: T0 + n,
    test: false,
    body: JSON.stringify({
      type: "track",
      event: "Order Completed",
      messageId: `s-${n}`,
      userId: `u-${CANARY}`,
      properties: { note: CANARY, total: 12.5 },
    }),
    ...overrides,
  });

  async function newestId(): Promise<number> {
    const [newest] = await fx.store.listSamples({ limit: 1 });
    if (newest === undefined) throw new Error("no sample");
    return newest.id;
  }

  it("lists the newest first with their names, filtered, never their content", async () => {
    await fx.store.recordSamples([
      sample(1),
      sample(2, { sourceName: "app", test: true }),
      sample(3, { eventType: "identify", eventName: null }),
    ]);
    const all = await call("listSamples", { token: VIEWER_TOKEN });
    expect(all.body.samples.map((entry: { messageId: string }) => entry.messageId)).toEqual([
      "s-3",
      "s-2",
      "s-1",
    ]);
    expect(all.body.samples[1]).toEqual({
      id: expect.any(Number),
      source: "app",
      type: "track",
      name: "Order Completed",
      messageId: "s-2",
      receivedAtMs: T0 + 2,
      test: true,
    });
    expect(all.text).not.toContain(CANARY);
    const filtered = await call("listSamples", {
      url: "/admin/api/events/samples?source=web&type=track&limit=5",
    });
    expect(filtered.body.samples.map((entry: { messageId: string }) => entry.messageId)).toEqual(["s-1"]);
    const named = await call("listSamples", { url: "/admin/api/events/samples?name=Order%20Completed" });
    expect(named.body.samples).toHaveLength(2);
  });

  it("masks every value for a viewer and refuses the viewer's reveal (403)", async () => {
    await fx.store.recordSamples([sample(1)]);
    const id = await newestId();
    const masked = await call("getSample", { url: `/admin/api/events/samples/${id}`, token: VIEWER_TOKEN });
    expect(masked.status).toBe(200);
    expect(masked.body).toEqual({
      sample: {
        id,
        source: "web",
        type: "track",
        name: "Order Completed",
        messageId: "s-1",
        receivedAtMs: T0 + 1,
        test: false,
        event: {
          type: "track",
          event: "Order Completed",
          messageId: "s-1",
          userId: "<text, 24 chars>",
          properties: { note: "<text, 22 chars>", total: "<number, 4 chars>" },
        },
      },
      revealed: false,
    });
    const refused = await call("getSample", {
      url: `/admin/api/events/samples/${id}?reveal=true`,
      token: VIEWER_TOKEN,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("ER_ADMIN_FORBIDDEN");
    for (const answer of [masked, refused]) expect(answer.text).not.toContain(CANARY);
    expect((await fx.store.listAudit({})).some((entry) => entry.action === "payload.view")).toBe(false);
  });

  it("reveals the values to an editor, audited before the answer", async () => {
    await fx.store.recordSamples([sample(1)]);
    const id = await newestId();
    const headers = await editorHeaders();
    const revealed = await call("getSample", { url: `/admin/api/events/samples/${id}?reveal=true`, headers });
    expect(revealed.status).toBe(200);
    expect(revealed.body.revealed).toBe(true);
    expect(revealed.body.sample.event.properties.note).toBe(CANARY);
    const views = (await fx.store.listAudit({})).filter((entry) => entry.action === "payload.view");
    expect(views).toEqual([
      expect.objectContaining({
        actor: "user:ed",
        target: `sample:${id}`,
        outcome: "ok",
        detail: { source: "web", test: false, via: "admin api" },
      }),
    ]);
    expect(fx.logLines.join("\n")).not.toContain(CANARY);
  });

  it("shows nothing when the reveal cannot be audited", async () => {
    await fx.store.recordSamples([sample(1)]);
    const id = await newestId();
    const raw = new Database(`${fx.dataDir}/sluice.db`);
    try {
      // Every append now fails (the chain state row is gone), so the reveal must too.
      raw.prepare("DROP TABLE audit_state").run();
    } finally {
      raw.close();
    }
    const response = await fx.app.inject({
      url: `/admin/api/events/samples/${id}?reveal=true`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(CANARY);
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const missing = await call("getSample", { url: "/admin/api/events/samples/999" });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "ER_ADMIN_NOT_FOUND", path: "params.id" });
    expect((await call("getSample", { url: "/admin/api/events/samples/abc" })).status).toBe(400);
  });
});

describe("GET /admin/api/events/paths", () => {
  it("lists names and types only, filtered by source, type and name", async () => {
    await fx.store.recordSeenPaths([
      {
        sourceName: "web",
        eventType: "track",
        eventName: "Order Completed",
        path: "properties.order_id",
        types: ["string"],
        count: 3,
        lastSeenMs: T0,
      },
      {
        sourceName: "web",
        eventType: "track",
        eventName: "Order Completed",
        path: "properties.products[].sku",
        types: ["string", "number"],
        count: 2,
        lastSeenMs: T0 + 5,
      },
      {
        sourceName: "web",
        eventType: "identify",
        eventName: null,
        path: "traits.email",
        types: ["string"],
        count: 1,
        lastSeenMs: T0,
      },
    ]);
    const { body } = await call("listSeenPaths", {
      url: "/admin/api/events/paths?type=track&name=Order%20Completed&source=web",
      token: VIEWER_TOKEN,
    });
    expect(body).toEqual({
      paths: [
        { path: "properties.order_id", types: ["string"], count: 3, lastSeenMs: T0 },
        { path: "properties.products[].sku", types: ["string", "number"], count: 2, lastSeenMs: T0 + 5 },
      ],
    });
    const all = await call("listSeenPaths");
    expect(all.body.paths.map((entry: { path: string }) => entry.path)).toEqual([
      "properties.order_id",
      "properties.products[].sku",
      "traits.email",
    ]);
  });

  it("never answers a value: events ingested with a canary give paths without it", async () => {
    // The store as ingest fills it: paths extracted from an event holding the canary.
    const { extractPaths } = await import("../privacy/extract-paths.js");
    const event = {
      type: "track",
      properties: { note: CANARY, [`${CANARY}@example.com`]: 1, nested: { deep: [CANARY] } },
    };
    await fx.store.recordSeenPaths(
      extractPaths(event).map(({ path, types }) => ({
        sourceName: "web",
        eventType: "track",
        eventName: null,
        path,
        types,
        count: 1,
        lastSeenMs: T0,
      })),
    );
    const { text, body } = await call("listSeenPaths");
    expect(body.paths.map((entry: { path: string }) => entry.path)).toEqual(
      expect.arrayContaining(["properties.note", "properties.nested.deep", "properties.nested.deep[]"]),
    );
    expect(text).not.toContain(CANARY);
  });
});

describe("GET /admin/api/deliveries with source and eventName", () => {
  it("filters by both and shows the name on each row", async () => {
    await fx.store.enqueue([
      {
        sourceName: "app",
        messageId: "n-1",
        eventType: "track",
        eventName: "Order Completed",
        receivedAtMs: T0 + 100,
        body: "{}",
        destinations: ["cio"],
      },
    ]);
    const { body } = await call("listDeliveries", {
      url: "/admin/api/deliveries?source=app&eventName=Order%20Completed",
    });
    expect(
      body.deliveries.map((row: { messageId: string; eventName: string | null }) => [
        row.messageId,
        row.eventName,
      ]),
    ).toEqual([["n-1", "Order Completed"]]);
    const web = await call("listDeliveries", { url: "/admin/api/deliveries?source=web&limit=1000" });
    expect(web.body.deliveries.every((row: { sourceName: string }) => row.sourceName === "web")).toBe(true);
    expect(web.body.deliveries).toHaveLength(5);
  });
});
