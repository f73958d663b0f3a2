import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./simulator.js";
import { API_KEY, SITE_ID, send } from "./test-support.js";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY });
});
afterEach(() => sim.reset());
afterAll(async () => {
  await sim.close();
});

describe("the {identifier} path segment", () => {
  it.each([
    ["a%2Fb", { id: "a/b" }],
    ["a+b", { id: "a+b" }],
    ["a%20b", { id: "a b" }],
    ["a%2Bb%40example.com", { email: "a+b@example.com" }],
    ["a+b@example.com", { email: "a+b@example.com" }],
    ["%2B15555550100", { id: "+15555550100" }],
    ["J%C3%BCrgen", { id: "Jürgen" }],
  ])("%s is decoded once and classified", async (segment, identifier) => {
    const response = await send(sim, "PUT", `/api/v1/customers/${segment}`, { plan: "pro" });
    expect(response).toMatchObject({ status: 200, json: {} });
    expect(sim.state.findPerson(identifier)?.attributes).toEqual({ plan: "pro" });
  });

  it("addresses cio_<id> as a cio_id", async () => {
    await send(sim, "PUT", "/api/v1/customers/42", { email: "a@b.io" });
    const cioId = sim.state.findPerson({ id: "42" })?.cioId;
    await send(sim, "PUT", `/api/v1/customers/cio_${cioId}`, { email: "new@b.io" });
    expect(sim.state.findPerson({ id: "42" })?.email).toBe("new@b.io");
  });

  it("rejects a malformed escape and an over-long id with 400", async () => {
    expect((await send(sim, "PUT", "/api/v1/customers/%E0%A4%A", {})).json).toEqual({
      meta: { error: "invalid identifier" },
    });
    const long = await send(sim, "PUT", `/api/v1/customers/${"x".repeat(151)}`, {});
    expect(long).toMatchObject({
      status: 400,
      json: { meta: { error: "id cannot be longer than 150 bytes" } },
    });
  });
});

describe("v1 validation errors use the documented §4.2 strings", () => {
  it.each([
    ["PUT", "/api/v1/customers/1", { id: 5 }, "id attribute must be a string value"],
    ["PUT", "/api/v1/customers/1", { id: "" }, "id attribute cannot be an empty string"],
    [
      "PUT",
      "/api/v1/customers/1",
      Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`a${i}`, 1])),
      "cannot identify more than 300 attributes in one request",
    ],
    [
      "PUT",
      "/api/v1/customers/1",
      { ["k".repeat(151)]: 1 },
      "attribute name cannot be longer than 150 bytes",
    ],
    [
      "PUT",
      "/api/v1/customers/1",
      { bio: "x".repeat(1001) },
      "value for attribute 'bio' cannot be longer than 1000 bytes",
    ],
    ["POST", "/api/v1/customers/1/events", { data: {} }, "event name must not be blank"],
    ["POST", "/api/v1/customers/1/events", { name: "   " }, "event name must not be blank"],
    [
      "POST",
      "/api/v1/customers/1/events",
      { name: "n".repeat(101) },
      "event name cannot be longer than 100 bytes",
    ],
    [
      "POST",
      "/api/v1/customers/1/events",
      { name: "x", data: "" },
      'event data must be a hash (e.g., send "data":{} instead of "data":"")',
    ],
    [
      "POST",
      "/api/v1/customers/1/events",
      { name: "x", data: { pad: "x".repeat(100_000) } },
      "event data cannot be longer than 100000 bytes",
    ],
  ])("%s %s", async (method, path, body, error) => {
    const response = await send(sim, method as "PUT" | "POST", path, body);
    expect(response).toMatchObject({ status: 400, json: { meta: { error } } });
    expect(sim.state.people.size).toBe(0);
  });

  it("rejects unknown event fields and types", async () => {
    const props = await send(sim, "POST", "/api/v1/customers/1/events", { name: "x", properties: {} });
    expect(props.json).toEqual({ meta: { error: "unknown field 'properties'" } });
    const type = await send(sim, "POST", "/api/v1/customers/1/events", { name: "x", type: "track" });
    expect(type.json).toEqual({ meta: { error: "type must be one of event, page, screen" } });
  });
});

describe("v1 operations", () => {
  it("tracks events, pages and screens for a person, deduping by id", async () => {
    for (const body of [
      { name: "Signed Up", id: "e1", timestamp: 1_700_000_000, data: { plan: "pro" } },
      { name: "Signed Up", id: "e1" },
      { name: "/home", type: "page", id: "p1" },
      { name: "Home", type: "screen", id: "s1" },
    ]) {
      expect((await send(sim, "POST", "/api/v1/customers/42/events", body)).status).toBe(200);
    }
    expect(sim.state.events.map((event) => [event.api, event.action, event.name])).toEqual([
      ["v1", "event", "Signed Up"],
      ["v1", "page", "/home"],
      ["v1", "screen", "Home"],
    ]);
    expect(sim.state.duplicatesIgnored).toBe(1);
  });

  it("tracks anonymous events and attaches them on identify with anonymous_id", async () => {
    await send(sim, "POST", "/api/v1/events", { name: "Viewed", anonymous_id: "anon-1", id: "a1" });
    const invite = await send(sim, "POST", "/api/v1/events", { name: "Invite" });
    expect(invite.json).toEqual({
      meta: { error: "an anonymous event without anonymous_id must set data.recipient" },
    });
    await send(sim, "POST", "/api/v1/events", { name: "Invite", data: { recipient: "x@y.io" } });
    await send(sim, "PUT", "/api/v1/customers/42", { anonymous_id: "anon-1" });
    expect(sim.state.events[0]?.personCioId).toBe(sim.state.findPerson({ id: "42" })?.cioId);
  });

  it("adds and deletes devices (tokens are URL-encoded in the delete path)", async () => {
    const add = await send(sim, "PUT", "/api/v1/customers/42/devices", {
      device: { id: "tok/1+2", platform: "ios", last_used: "1700000000", attributes: { app_version: "1.0" } },
    });
    expect(add.status).toBe(200);
    expect([...(sim.state.findPerson({ id: "42" })?.devices.keys() ?? [])]).toEqual(["tok/1+2"]);
    const bad = await send(sim, "PUT", "/api/v1/customers/42/devices", {
      device: { id: "t", platform: "web" },
    });
    expect(bad.status).toBe(400);
    expect((await send(sim, "DELETE", "/api/v1/customers/42/devices/tok%2F1%2B2")).status).toBe(200);
    expect(sim.state.findPerson({ id: "42" })?.devices.size).toBe(0);
  });

  it("deletes, suppresses and unsuppresses (SDKs send {} or no body)", async () => {
    await send(sim, "PUT", "/api/v1/customers/42", { email: "a@b.io" });
    expect((await send(sim, "POST", "/api/v1/customers/42/suppress", {})).status).toBe(200);
    expect(sim.state.suppressedIdentifiers).toEqual(["id:42", "email:a@b.io"]);
    await send(sim, "PUT", "/api/v1/customers/a%40b.io", { plan: "x" });
    expect(sim.state.people.size).toBe(0);
    expect((await send(sim, "POST", "/api/v1/customers/42/unsuppress")).status).toBe(200);
    await send(sim, "PUT", "/api/v1/customers/42", {});
    expect((await send(sim, "DELETE", "/api/v1/customers/42")).status).toBe(200);
    expect(sim.state.people.size).toBe(0);
  });

  it("merges customers; a missing primary is a 200 no-op", async () => {
    await send(sim, "PUT", "/api/v1/customers/2", { plan: "free" });
    const missing = await send(sim, "POST", "/api/v1/merge_customers", {
      primary: { id: "1" },
      secondary: { id: "2" },
    });
    expect(missing).toMatchObject({ status: 200, json: {} });
    expect(sim.state.activity.map((entry) => entry.kind)).toEqual(["merge-primary-missing"]);
    await send(sim, "PUT", "/api/v1/customers/1", {});
    await send(sim, "POST", "/api/v1/merge_customers", { primary: { id: "1" }, secondary: { id: "2" } });
    expect(sim.state.people.size).toBe(1);
    expect(sim.state.findPerson({ id: "1" })?.attributes).toEqual({ plan: "free" });
    const bad = await send(sim, "POST", "/api/v1/merge_customers", {
      primary: { id: "1", email: "a@b.io" },
      secondary: { id: "2" },
    });
    expect(bad).toMatchObject({
      status: 400,
      json: { meta: { error: "primary must contain exactly one of id, email, cio_id" } },
    });
  });

  it("records delivery metrics (v1 metrics and v2 delivery events)", async () => {
    expect(
      (
        await send(sim, "POST", "/api/v1/metrics", {
          delivery_id: "d1",
          metric: "clicked",
          href: "https://x",
        })
      ).status,
    ).toBe(200);
    const v2 = {
      type: "delivery",
      identifiers: { id: "d2" },
      action: "event",
      name: "delivered",
      attributes: { device_token: "t" },
    };
    expect((await send(sim, "POST", "/api/v2/batch", { batch: [v2] })).status).toBe(200);
    expect(sim.state.deliveryMetrics.map((m) => [m.api, m.deliveryId, m.metric])).toEqual([
      ["v1", "d1", "clicked"],
      ["v2", "d2", "delivered"],
    ]);
    expect((await send(sim, "POST", "/api/v1/metrics", { delivery_id: "d1", metric: "read" })).status).toBe(
      400,
    );
  });
});
