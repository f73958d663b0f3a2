import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadTrackOpenApi, type Simulator, startSimulator } from "../simulator/index.js";
import { API_KEY, SITE_ID, send } from "../simulator/test-support.js";
import type { ActionOptions, BuildResult } from "./action-definition.js";
import { actionByType, CUSTOMERIO_ACTIONS } from "./customerio-actions.js";
import { ACTION_FIXTURES } from "./fixtures.js";

/**
 * Every request the catalogue builds must match the official Track OpenAPI spec and be accepted by the
 * strict simulator with no OpenAPI violation and no anomaly, and change its state as the action means.
 */

/** 2026-11-28T10:00:00Z: the fixtures' event time. The simulated clock is an hour later. */
const T = 1_795_860_000;
const openApi = loadTrackOpenApi();
let sim: Simulator;

beforeAll(async () => {
  if (!openApi) throw new Error("the Track OpenAPI spec must be present for these tests");
  sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi, clock: () => (T + 3600) * 1000 });
});
afterEach(() => sim.reset());
afterAll(async () => {
  await sim?.close();
});

function build(type: string, fields: Record<string, unknown>, options?: ActionOptions): BuildResult {
  const action = actionByType(type);
  if (!action) throw new Error(`no action ${type}`);
  const result = action.build(fields, options ? { options } : {});
  if (result.kind === "stop") throw new Error(`${type} stopped: ${result.reason}`);
  return result;
}

/** Sends one built request as Sluice would and expects a clean 200. */
async function deliver(result: BuildResult): Promise<void> {
  if (result.kind === "stop") throw new Error("a stop is not sent");
  const response =
    result.kind === "op"
      ? await send(sim, "POST", "/api/v2/batch", { batch: [result.op] })
      : await send(sim, result.request.method, result.request.path, result.request.body);
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  expect(response.json).toEqual({});
  expect(sim.state.openApiViolations).toEqual([]);
  expect(sim.state.anomalies).toEqual([]);
  expect(sim.state.internalErrors).toEqual([]);
}

const run = (type: string, fields: Record<string, unknown>, options?: ActionOptions) =>
  deliver(build(type, fields, options));

describe("against the official OpenAPI spec and the strict simulator", () => {
  it("has the spec", () => {
    expect(openApi).not.toBeNull();
  });

  const sent = ACTION_FIXTURES.filter((row) => row.expected.kind !== "stop");
  it.each(sent.map((row) => [`${row.action}: ${row.name}`, row] as const))("%s", async (_, row) => {
    const result = build(row.action, row.fields, row.options);
    if (result.kind === "op") {
      expect(openApi?.validateBatchItem(result.op)).toEqual({ ok: true });
      expect(openApi?.validate("POST", "/api/v2/batch", { batch: [result.op] })).toEqual({ ok: true });
    } else if (result.kind === "request") {
      expect(openApi?.validate(result.request.method, result.request.path, result.request.body)).toEqual({
        ok: true,
      });
    }
    await deliver(result);
  });

  it.each(CUSTOMERIO_ACTIONS.map((action) => [action.type, action] as const))(
    "the %s example of the reference",
    async (_, action) => {
      const options = action.example.options;
      await deliver(action.build(action.example.fields, options ? { options } : {}));
    },
  );
});

describe("simulator state after each action", () => {
  it("identify: creates the person with attributes, anonymous_id and relationships", async () => {
    await run("identify", {
      id: "u-1",
      anonymous_id: "anon-1",
      attributes: { email: "jane@example.com", plan: "pro", trial_ends: "2026-12-01" },
      timestamp: T,
      cio_relationships: [
        { object_type_id: "1", object_id: "acme", relationship_attributes: { role: "admin" } },
      ],
    });
    const person = sim.state.findPerson({ id: "u-1" });
    expect(person).toMatchObject({ id: "u-1", email: "jane@example.com", anonymousIds: ["anon-1"] });
    expect(person?.attributes).toEqual({
      email: "jane@example.com",
      plan: "pro",
      trial_ends: 1_796_083_200,
      anonymous_id: "anon-1",
    });
    expect(sim.state.relationships).toEqual([
      {
        personCioId: person?.cioId,
        anonymousId: undefined,
        objectTypeId: "1",
        objectId: "acme",
        attributes: { role: "admin" },
      },
    ]);
  });

  it("identify by a prefixed cio_id updates that person", async () => {
    await run("identify", { id: "u-1" });
    const cioId = sim.state.findPerson({ id: "u-1" })?.cioId;
    await run("identify", { cio_id: `cio_${cioId}`, id: "u-1", attributes: { plan: "team" } });
    expect(sim.state.findPerson({ cio_id: cioId ?? "" })?.attributes).toEqual({ plan: "team" });
    expect(sim.state.activity).toEqual([]);
  });

  it("event, page, screen: recorded for the person; a repeated event_id is ignored", async () => {
    await run("identify", { id: "u-1" });
    const cioId = sim.state.findPerson({ id: "u-1" })?.cioId;
    await run("event", {
      id: "u-1",
      name: "Order Completed",
      event_id: "m-1",
      timestamp: T,
      attributes: { total: 5 },
    });
    await run("page", { id: "u-1", name: "/pricing", event_id: "m-2", timestamp: T });
    await run("screen", { id: "u-1", name: "Dashboard", event_id: "m-3", timestamp: T });
    await run("event", { id: "u-1", name: "Order Completed", event_id: "m-1", timestamp: T });
    expect(
      sim.state.events.map(({ action, name, id, personCioId, timestamp }) => ({
        action,
        name,
        id,
        personCioId,
        timestamp,
      })),
    ).toEqual([
      { action: "event", name: "Order Completed", id: "m-1", personCioId: cioId, timestamp: T },
      { action: "page", name: "/pricing", id: "m-2", personCioId: cioId, timestamp: T },
      { action: "screen", name: "Dashboard", id: "m-3", personCioId: cioId, timestamp: T },
    ]);
    expect(sim.state.events[0]?.attributes).toEqual({ total: 5 });
    expect(sim.state.duplicatesIgnored).toBe(1);
  });

  it("anonymous_event: kept anonymous, then attached by an identify carrying the same anonymous_id", async () => {
    await run("anonymous_event", {
      anonymous_id: "anon-9",
      name: "Viewed Pricing",
      event_id: "m-9",
      timestamp: T,
    });
    expect(sim.state.events).toHaveLength(1);
    expect(sim.state.events[0]).toMatchObject({ api: "v1", anonymousId: "anon-9", personCioId: undefined });
    await run("identify", { id: "u-9", anonymous_id: "anon-9" });
    const person = sim.state.findPerson({ id: "u-9" });
    expect(sim.state.events[0]?.personCioId).toBe(person?.cioId);
  });

  it("add_device then delete_device", async () => {
    await run("identify", { id: "u-1" });
    await run("add_device", {
      id: "u-1",
      token: "tok-1",
      platform: "iPadOS",
      last_used: T,
      push_enabled: true,
    });
    expect(sim.state.findPerson({ id: "u-1" })?.devices.get("tok-1")).toEqual({
      token: "tok-1",
      platform: "ios",
      lastUsed: T,
      attributes: { push_enabled: "true" },
    });
    await run("delete_device", { id: "u-1", token: "tok-1" });
    expect(sim.state.findPerson({ id: "u-1" })?.devices.size).toBe(0);
  });

  it("delete_person deletes the person", async () => {
    await run("identify", { email: "jane@example.com" });
    expect(sim.state.people.size).toBe(1);
    await run("delete_person", { email: "JANE@example.com" });
    expect(sim.state.people.size).toBe(0);
  });

  it("suppress deletes and suppresses; unsuppress lifts it", async () => {
    await run("identify", { id: "u-5", attributes: { email: "five@example.com" } });
    await run("suppress", { id: "u-5" });
    expect(sim.state.findPerson({ id: "u-5" })).toBeUndefined();
    expect([...sim.state.suppressedIdentifiers].sort()).toEqual(["email:five@example.com", "id:u-5"]);
    await run("identify", { id: "u-5" });
    expect(sim.state.findPerson({ id: "u-5" })).toBeUndefined();
    expect(sim.state.activity.map((entry) => entry.kind)).toEqual(["suppressed-identifier-ignored"]);
    await run("unsuppress", { email: "five@example.com" });
    expect(sim.state.suppressedIdentifiers).toEqual([]);
    await run("identify", { id: "u-5" });
    expect(sim.state.findPerson({ id: "u-5" })).toBeDefined();
  });

  it("merge_people moves the secondary into the primary and deletes it", async () => {
    await run("identify", { id: "u-1", attributes: { plan: "pro" } });
    await run("identify", { id: "old-1", attributes: { city: "Oslo", plan: "free" } });
    await run("event", { id: "old-1", name: "Signed Up", event_id: "m-1", timestamp: T });
    await run("merge_people", { primary_id: "u-1", secondary_id: "old-1" });
    const primary = sim.state.findPerson({ id: "u-1" });
    expect(sim.state.findPerson({ id: "old-1" })).toBeUndefined();
    expect(sim.state.people.size).toBe(1);
    expect(primary?.attributes).toEqual({ plan: "pro", city: "Oslo" });
    expect(sim.state.events[0]?.personCioId).toBe(primary?.cioId);
    expect(sim.state.activity).toEqual([]);
  });

  it("object_identify creates the object and relates the person", async () => {
    await run("identify", { id: "u-1" });
    await run("object_identify", {
      object_type_id: "1",
      object_id: "acme",
      attributes: { name: "Acme" },
      id: "u-1",
      relationship_attributes: { role: "admin" },
    });
    expect(sim.state.objects).toMatchObject([
      { objectTypeId: "1", objectId: "acme", attributes: { name: "Acme" } },
    ]);
    expect(sim.state.relationships).toMatchObject([
      {
        personCioId: sim.state.findPerson({ id: "u-1" })?.cioId,
        objectId: "acme",
        attributes: { role: "admin" },
      },
    ]);
  });

  it("object_identify_anonymous relates the visitor; an identify with that anonymous_id claims it", async () => {
    await run("object_identify_anonymous", {
      object_type_id: "1",
      object_id: "acme",
      anonymous_id: "anon-2",
    });
    expect(sim.state.relationships).toMatchObject([{ anonymousId: "anon-2", personCioId: undefined }]);
    await run("identify", { id: "u-2", anonymous_id: "anon-2" });
    expect(sim.state.relationships).toMatchObject([
      { personCioId: sim.state.findPerson({ id: "u-2" })?.cioId, objectId: "acme" },
    ]);
  });

  it("object_delete deletes the object and its relationships", async () => {
    await run("object_identify", { object_type_id: "1", object_id: "acme", id: "u-1" });
    expect(sim.state.relationships).toHaveLength(1);
    await run("object_delete", { object_type_id: "1", object_id: "acme" });
    expect(sim.state.objects).toEqual([]);
    expect(sim.state.relationships).toEqual([]);
  });

  it("add_relationships then delete_relationships", async () => {
    await run("identify", { id: "u-1" });
    await run("add_relationships", {
      id: "u-1",
      object_type_id: "1",
      object_id: "acme",
      relationship_attributes: { role: "owner" },
    });
    expect(sim.state.relationships).toMatchObject([{ objectId: "acme", attributes: { role: "owner" } }]);
    await run("delete_relationships", { id: "u-1", object_type_id: "1", object_id: "acme" });
    expect(sim.state.relationships).toEqual([]);
    expect(sim.state.objects).toHaveLength(1);
  });

  it("delivery_metric records the metric", async () => {
    await run("delivery_metric", {
      delivery_id: "dlv-1",
      metric: "opened",
      timestamp: T,
      recipient: "a@b.co",
    });
    expect(sim.state.deliveryMetrics).toEqual([
      {
        api: "v1",
        deliveryId: "dlv-1",
        metric: "opened",
        timestamp: T,
        deviceToken: undefined,
        recipient: "a@b.co",
      },
    ]);
  });
});
