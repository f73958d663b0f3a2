import { afterEach, describe, expect, it } from "vitest";
import { allDeliveries, type Pipeline, startPipeline } from "../../test-support/pipeline.js";
import { actionByType } from "./actions/index.js";

/**
 * Every Customer.io action through the whole pipeline: Segment calls into ingest, the configured
 * actions (each with its preset trigger) map them, the lane sends them, and the strict simulator
 * (with the official OpenAPI spec) must accept every request and end in the expected state.
 */
const ORDER = [
  "identify",
  "merge_people",
  "object_identify",
  "object_identify_anonymous",
  "page",
  "screen",
  "add_device",
  "delete_device",
  "delete_person",
  "suppress",
  "unsuppress",
  "object_delete",
  "add_relationships",
  "delete_relationships",
  "delivery_metric",
  "anonymous_event",
  "event",
];

const actions = ORDER.map((type) => ({
  name: `preset ${type}`,
  type,
  trigger: actionByType(type)?.presetTrigger,
}));

describe("every Customer.io action, end to end", () => {
  let pipeline: Pipeline | undefined;
  afterEach(async () => {
    if (pipeline) {
      expect(pipeline.sim.state.openApiViolations).toEqual([]);
      expect(pipeline.sim.state.anomalies).toEqual([]);
      expect(pipeline.sim.state.internalErrors).toEqual([]);
      await pipeline.close();
    }
    pipeline = undefined;
  });

  it("delivers each action's request and the simulator's state follows", async () => {
    pipeline = await startPipeline({ actions });
    const p = pipeline;
    let sent = 0;
    /** Send one call and wait until it is delivered (calls depend on each other's effects). */
    const send = async (call: Record<string, unknown>) => {
      sent += 1;
      const response = await p.post(`/v1/${String(call["type"])}`, { messageId: `m-${sent}`, ...call });
      expect(response.status).toBe(200);
      const log = await p.settled(sent);
      const entry = log.find((candidate) => candidate.messageId === `m-${sent}`);
      expect(entry, JSON.stringify(entry)).toMatchObject({ state: "delivered" });
    };
    const device = { token: "tok-ios-1", type: "ios", model: "iPhone15,2" };

    await send({ type: "identify", userId: "u1", traits: { email: "ada@example.com", plan: "pro" } });
    await send({
      type: "track",
      anonymousId: "anon-1",
      event: "Viewed Pricing",
      properties: { tier: "team" },
    });
    await send({ type: "identify", userId: "u1", anonymousId: "anon-1", traits: { plan: "team" } });
    await send({ type: "track", userId: "u1", event: "Order Completed", properties: { total: 42 } });
    await send({ type: "page", userId: "u1", properties: { url: "https://shop.example/pricing" } });
    await send({ type: "screen", userId: "u1", name: "Home" });
    await send({ type: "track", userId: "u1", event: "Application Installed", context: { device } });
    await send({ type: "group", userId: "u1", groupId: "acme", traits: { name: "Acme Inc" } });
    await send({ type: "group", anonymousId: "anon-2", groupId: "beta", traits: { name: "Beta" } });
    await send({
      type: "track",
      userId: "u1",
      event: "Relationship Added",
      properties: { object_id: "beta" },
    });
    await send({
      type: "track",
      userId: "u1",
      event: "Relationship Deleted",
      properties: { object_id: "acme" },
    });
    await send({ type: "track", userId: "u1", event: "Application Uninstalled", context: { device } });
    await send({ type: "identify", userId: "u2", traits: { plan: "free" } });
    await send({ type: "track", userId: "u2", event: "User Suppressed" });
    await send({ type: "track", userId: "u2", event: "User Unsuppressed" });
    await send({ type: "identify", userId: "u3", traits: { legacy: true } });
    await send({ type: "alias", userId: "u1", previousId: "u3" });
    await send({ type: "identify", userId: "u4", traits: { plan: "gone" } });
    await send({ type: "track", userId: "u4", event: "User Deleted" });
    await send({ type: "track", userId: "u1", event: "Object Deleted", properties: { object_id: "beta" } });
    await send({
      type: "track",
      userId: "u1",
      event: "Report Delivery Event",
      properties: { delivery_id: "dlv-1", metric: "opened" },
    });

    const { state } = p.sim;
    const ada = state.findPerson({ id: "u1" });
    expect(ada?.attributes).toMatchObject({ plan: "team", legacy: true }); // merged from u3
    expect(state.findPerson({ id: "u3" })).toBeUndefined();
    expect(state.findPerson({ id: "u4" })).toBeUndefined(); // deleted
    expect(ada?.devices.size).toBe(0); // added, then deleted
    const names = state.events.map((event) => [event.action, event.name]);
    expect(names).toEqual(
      expect.arrayContaining([
        ["event", "Viewed Pricing"],
        ["event", "Order Completed"],
        ["page", "https://shop.example/pricing"],
        ["screen", "Home"],
      ]),
    );
    const anonymous = state.events.find((event) => event.name === "Viewed Pricing");
    expect(anonymous?.personCioId).toBe(ada?.cioId); // attached by the later identify
    expect(state.objects.map((object) => object.objectId)).toEqual(["acme"]); // beta deleted
    expect(state.relationships.filter((r) => r.personCioId === ada?.cioId).map((r) => r.objectId)).toEqual(
      [],
    );
    expect(state.suppressedIdentifiers).toEqual([]);
    expect(state.deliveryMetrics).toMatchObject([{ deliveryId: "dlv-1", metric: "opened" }]);
    // The two v1 actions went to their own endpoints; everything else in batches.
    expect(new Set(state.requests.map((request) => request.path))).toEqual(
      new Set(["/api/v2/batch", "/api/v1/events", "/api/v1/metrics"]),
    );
    const log = await allDeliveries(p.sluice);
    expect(log.every((entry) => entry.state === "delivered")).toBe(true);
  });
});
