import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./simulator.js";
import { API_KEY, basicAuth, eventItem, identifyItem, SITE_ID, send } from "./test-support.js";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY });
});
afterEach(() => {
  sim.reset();
  sim.setCredentials(SITE_ID, API_KEY);
});
afterAll(async () => {
  await sim.close();
});

describe("auth", () => {
  it("answers 401 with the observed body when credentials are missing or wrong", async () => {
    for (const auth of [null, basicAuth(SITE_ID, "wrong"), "Bearer abc", "Basic !!!"]) {
      const response = await send(sim, "POST", "/api/v2/batch", { batch: [identifyItem()] }, { auth });
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ meta: { error: "Unauthorized request" } });
    }
    expect(sim.state.people.size).toBe(0);
  });

  it("accepts the standard and the URL-safe base64 alphabets", async () => {
    // ">>>" and "???" encode to "Pj4+" and "Pz8/": the two alphabets differ on this key.
    const apiKey = "k>>>???";
    sim.setCredentials(SITE_ID, apiKey);
    const standard = basicAuth(SITE_ID, apiKey, "standard");
    const urlSafe = basicAuth(SITE_ID, apiKey, "url");
    expect(standard).toMatch(/[+/]/);
    expect(urlSafe).toMatch(/[-_]/);
    for (const auth of [standard, urlSafe, standard.replace("Basic", "basic")]) {
      expect((await send(sim, "GET", "/api/v1/accounts/region", undefined, { auth })).status).toBe(200);
    }
  });

  it("follows setCredentials (key rotation)", async () => {
    sim.setCredentials(SITE_ID, "rotated");
    expect((await send(sim, "GET", "/api/v1/accounts/region")).status).toBe(401);
    const response = await send(sim, "GET", "/api/v1/accounts/region", undefined, {
      auth: basicAuth(SITE_ID, "rotated"),
    });
    expect(response.status).toBe(200);
  });
});

describe("region", () => {
  it("reports the US region by default", async () => {
    const response = await send(sim, "GET", "/api/v1/accounts/region");
    expect(response.json).toMatchObject({ url: "https://track.customer.io", region: "us" });
    expect(Number.isInteger((response.json as { environment_id: unknown }).environment_id)).toBe(true);
  });

  it("reports the EU region when configured", async () => {
    const eu = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, region: "eu" });
    try {
      const response = await send(eu, "GET", "/api/v1/accounts/region");
      expect(response.json).toMatchObject({ url: "https://track-eu.customer.io", region: "eu" });
    } finally {
      await eu.close();
    }
  });
});

describe("POST /api/v2/batch", () => {
  it("applies a correct batch and answers 200 {}", async () => {
    const response = await send(sim, "POST", "/api/v2/batch", {
      batch: [identifyItem(), eventItem(), eventItem({ action: "page", name: "/home", id: "p1" })],
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({});
    const person = sim.state.findPerson({ id: "42" });
    expect(person).toMatchObject({ id: "42", email: "jane@example.com" });
    // Attributes are kept as sent, identifiers included; only directives such as _update are dropped.
    expect(person?.attributes).toEqual({ email: "jane@example.com", plan: "pro" });
    expect(sim.state.findPerson({ email: "JANE@example.com" })).toBe(person);
    expect(sim.state.events.map((event) => [event.action, event.name, event.personCioId])).toEqual([
      ["event", "Signed Up", person?.cioId],
      ["page", "/home", person?.cioId],
    ]);
    expect(sim.state.totals).toMatchObject({ requests: 1, itemsAccepted: 3, itemsRejected: 0 });
    expect(sim.state.anomalies).toEqual([]);
  });

  it("answers 207 naming each invalid item, and applies the valid ones", async () => {
    const response = await send(sim, "POST", "/api/v2/batch", {
      batch: [
        eventItem({ id: "a" }),
        eventItem({ id: "b", name: " " }),
        identifyItem({ identifiers: { id: "7" }, attributes: { plan: "x".repeat(1001) } }),
        eventItem({ id: "c", bogus: true }),
        eventItem({ id: "d" }),
      ],
    });
    expect(response.status).toBe(207);
    expect(response.json).toEqual({
      errors: [
        { batch_index: 1, reason: "invalid", field: "name", message: "event name must not be blank" },
        {
          batch_index: 2,
          reason: "invalid",
          field: "attributes.plan",
          message: "value for attribute 'plan' cannot be longer than 1000 bytes",
        },
        { batch_index: 3, reason: "invalid", field: "bogus", message: "unknown field 'bogus'" },
      ],
    });
    expect([...sim.state.eventIds]).toEqual(["a", "d"]);
    expect(sim.state.findPerson({ id: "7" })).toBeUndefined();
    expect(sim.state.totals).toMatchObject({ itemsAccepted: 2, itemsRejected: 3 });
  });

  it.each([
    ["not JSON", "{batch:", "request body is not valid JSON"],
    ["not an object", "[]", 'request body must be a JSON object {"batch": [...]}'],
    ["no batch", "{}", "batch is required and must be a non-empty array"],
    ["an empty batch", '{"batch":[]}', "batch is required and must be a non-empty array"],
    ["a batch that is not an array", '{"batch":{}}', "batch is required and must be a non-empty array"],
    ["an empty body", "", 'request body must be a JSON object {"batch": [...]}'],
  ])("answers 400 for %s", async (_label, body, message) => {
    const response = await send(sim, "POST", "/api/v2/batch", body);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errors: [expect.objectContaining({ reason: "invalid", message })] });
  });

  it("rejects unknown envelope keys with 400", async () => {
    const response = await send(sim, "POST", "/api/v2/batch", { batch: [eventItem()], extra: 1 });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      errors: [{ reason: "invalid", field: "extra", message: "unknown field 'extra'" }],
    });
  });

  it("rejects a body that is not UTF-8", async () => {
    const body = Buffer.concat([Buffer.from('{"batch":["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
    const response = await send(sim, "POST", "/api/v2/batch", body);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.json)).toContain("not valid UTF-8");
  });
});

describe("POST /api/v2/entity", () => {
  it("applies one valid entity with 200 {}", async () => {
    const response = await send(sim, "POST", "/api/v2/entity", identifyItem());
    expect(response).toMatchObject({ status: 200, json: {} });
    expect(sim.state.findPerson({ id: "42" })).toBeDefined();
  });

  it("answers an invalid entity with 400 and the v2 error shape", async () => {
    const response = await send(sim, "POST", "/api/v2/entity", eventItem({ name: undefined }));
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      errors: [{ reason: "invalid", field: "name", message: "event name must not be blank" }],
    });
  });
});

describe("dedupe and anomalies", () => {
  it("ignores an event whose id was already received, still answering 200", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await send(sim, "POST", "/api/v2/batch", { batch: [eventItem({ id: "same" })] })).status).toBe(
        200,
      );
    }
    expect(sim.state.events).toHaveLength(1);
    expect(sim.state.duplicatesIgnored).toBe(2);
  });

  it("replaces a non-integer timestamp with now and records the anomaly", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await send(sim, "POST", "/api/v2/batch", {
      batch: [eventItem({ id: "1" }), eventItem({ id: "2", timestamp: "2024-01-01T00:00:00Z" })],
    });
    expect(response.status).toBe(200);
    expect(sim.state.events[1]?.timestamp).toBeGreaterThanOrEqual(before);
    expect(sim.state.anomalies).toEqual([
      expect.objectContaining({ kind: "non-integer-timestamp", batchIndex: 1, field: "timestamp" }),
    ]);
  });

  it("records millisecond timestamps, events without id and a missing content type", async () => {
    const batch = [eventItem({ timestamp: 1_700_000_000_000 }), eventItem({ id: undefined })];
    await send(sim, "POST", "/api/v2/batch", JSON.stringify({ batch }), {
      headers: { "content-type": "text/plain" },
    });
    expect(sim.state.anomalies.map((a) => [a.kind, a.batchIndex ?? null])).toEqual([
      ["missing-content-type", null],
      ["millisecond-timestamp", 0],
      ["event-without-id", 1],
    ]);
  });
});

describe("routing, logging, recording modes", () => {
  it("answers 404 for unknown routes and wrong methods", async () => {
    expect((await send(sim, "GET", "/api/v2/batch")).status).toBe(404);
    expect((await send(sim, "POST", "/api/v3/batch", {})).status).toBe(404);
    expect((await send(sim, "PUT", "/api/v1/customers/", {})).status).toBe(404);
  });

  it("logs each request with status, items and bytes", async () => {
    await send(sim, "POST", "/api/v2/batch", { batch: [eventItem(), identifyItem()] });
    await send(sim, "GET", "/api/v1/accounts/region", undefined, { auth: null });
    expect(sim.state.requests).toEqual([
      expect.objectContaining({ method: "POST", path: "/api/v2/batch", status: 200, items: 2 }),
      expect.objectContaining({ method: "GET", path: "/api/v1/accounts/region", status: 401 }),
    ]);
    expect(sim.state.requests[0]?.bodyBytes).toBeGreaterThan(100);
    expect(sim.state.totals.byStatus).toEqual({ "200": 1, "401": 1 });
  });

  it("keeps only ids and counters when recordEvents is 'ids'", async () => {
    const lean = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, recordEvents: "ids" });
    try {
      const batch = Array.from({ length: 50 }, (_, i) => eventItem({ id: `e${i}` }));
      expect((await send(lean, "POST", "/api/v2/batch", { batch })).status).toBe(200);
      expect(lean.state.events).toEqual([]);
      expect(lean.state.eventIds.size).toBe(50);
      expect(lean.state.eventsRecorded).toBe(50);
      expect(lean.state.findPerson({ id: "42" })?.attributes).toEqual({});
    } finally {
      await lean.close();
    }
  });

  it("serves many large batches concurrently over kept-alive connections", async () => {
    const batch = Array.from({ length: 400 }, (_, i) =>
      eventItem({ id: `big-${i}`, attributes: { pad: "x".repeat(1000) } }),
    );
    const bodies = Array.from({ length: 20 }, (_, r) => ({
      batch: batch.map((item) => ({ ...item, id: `${item["id"]}-${r}` })),
    }));
    const responses = await Promise.all(bodies.map((body) => send(sim, "POST", "/api/v2/batch", body)));
    expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));
    expect(sim.state.eventsRecorded).toBe(8000);
    expect(sim.state.internalErrors).toEqual([]);
  });
});

describe("control endpoints", () => {
  it("report state, people and events without credentials, and reset", async () => {
    await send(sim, "POST", "/api/v2/batch", { batch: [identifyItem(), eventItem()] });
    const state = await send(sim, "GET", "/__sim/state", undefined, { auth: null });
    expect(state.json).toMatchObject({
      region: "us",
      totals: { requests: 1, itemsAccepted: 2 },
      workspace: { people: 1, eventsRecorded: 1 },
    });
    const people = await send(sim, "GET", "/__sim/people", undefined, { auth: null });
    expect(people.json).toMatchObject({ total: 1, people: [{ id: "42", devices: [] }] });
    const events = await send(sim, "GET", "/__sim/events?limit=5", undefined, { auth: null });
    expect(events.json).toMatchObject({ total: 1, events: [{ name: "Signed Up" }] });
    const requests = await send(sim, "GET", "/__sim/requests", undefined, { auth: null });
    expect(requests.json).toMatchObject({ total: 1 });
    expect((await send(sim, "POST", "/__sim/reset", undefined, { auth: null })).status).toBe(200);
    expect(sim.state.people.size).toBe(0);
    expect((await send(sim, "GET", "/__sim/nothing", undefined, { auth: null })).status).toBe(404);
  });
});
