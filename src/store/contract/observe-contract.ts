import { describe, expect, it } from "vitest";
import type { DeliveryOutcome, NewEventSample, SeenPathUpdate } from "../port.js";
import { type CurrentStore, claimAll, event, T0 } from "./fixtures.js";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Event names on the log, samples, seen paths, dashboard counts, and the audit list's paging. */
export function describeObserveContract(current: CurrentStore): void {
  const sample = (n: number, overrides: Partial<NewEventSample> = {}): NewEventSample => ({
    sourceName: "web",
    eventType: "track",
    eventName: "Viewed",
    messageId: `s${n}`,
    receivedAtMs: T0 + n,
    test: false,
    body: JSON.stringify({ type: "track", event: "Viewed", messageId: `s${n}` }),
    ...overrides,
  });

  describe("event names on the delivery log", () => {
    it("stores the name (the first 200 characters), shows null without one, and filters by name and source", async () => {
      const long = `${"x".repeat(199)}🩺tail`;
      await current().enqueue([
        event("m1", { eventName: "Order Completed" }),
        event("m2", { eventName: null }),
        event("m3"),
        event("m4", { eventName: long }),
        event("m5", { eventName: "Order Completed", sourceName: "app" }),
      ]);
      const rows = await current().listDeliveries({});
      expect(rows.map((row) => [row.messageId, row.eventName])).toEqual([
        ["m5", "Order Completed"],
        ["m4", "x".repeat(199)],
        ["m3", null],
        ["m2", null],
        ["m1", "Order Completed"],
      ]);
      const named = await current().listDeliveries({ eventName: "Order Completed" });
      expect(named.map((row) => row.messageId)).toEqual(["m5", "m1"]);
      const both = await current().listDeliveries({ eventName: "Order Completed", sourceName: "web" });
      expect(both.map((row) => row.messageId)).toEqual(["m1"]);
      const app = await current().listDeliveries({ sourceName: "app" });
      expect(app.map((row) => row.messageId)).toEqual(["m5"]);
    });

    it("refuses a name that is not a string, and empty filters", async () => {
      await expect(
        current().enqueue([event("m1", { eventName: 7 as unknown as string })]),
      ).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      await expect(current().listDeliveries({ eventName: "" })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });

  describe("samples", () => {
    it("keeps the newest 200 per source, lists them newest first without bodies, and reads one with its body", async () => {
      const web = Array.from({ length: 205 }, (_, n) => sample(n));
      await current().recordSamples(web.slice(0, 150));
      await current().recordSamples([...web.slice(150), sample(900, { sourceName: "app", test: true })]);
      const listed = await current().listSamples({ sourceName: "web", limit: 1000 });
      expect(listed).toHaveLength(200);
      expect(listed[0]).toEqual({
        id: expect.any(Number),
        sourceName: "web",
        eventType: "track",
        eventName: "Viewed",
        messageId: "s204",
        receivedAtMs: T0 + 204,
        test: false,
      });
      expect(listed.at(-1)?.messageId).toBe("s5");
      const app = await current().listSamples({ sourceName: "app" });
      expect(app.map((entry) => [entry.messageId, entry.test])).toEqual([["s900", true]]);
      const first = listed[0]!;
      expect(await current().getSample(first.id)).toEqual({ ...first, body: web[204]?.body });
      expect(await current().getSample(999_999)).toBeNull();
      expect(await current().getSample(0)).toBeNull();
    });

    it("filters by type and name, pages with beforeId, and defaults to 50", async () => {
      await current().recordSamples([
        ...Array.from({ length: 60 }, (_, n) => sample(n)),
        sample(100, { eventType: "identify", eventName: null }),
        sample(101, { eventName: "Signed Up" }),
      ]);
      expect(await current().listSamples({})).toHaveLength(50);
      const identify = await current().listSamples({ eventType: "identify" });
      expect(identify.map((entry) => [entry.messageId, entry.eventName])).toEqual([["s100", null]]);
      const signedUp = await current().listSamples({ eventName: "Signed Up" });
      expect(signedUp.map((entry) => entry.messageId)).toEqual(["s101"]);
      const page = await current().listSamples({ eventName: "Viewed", limit: 2 });
      const next = await current().listSamples({ eventName: "Viewed", limit: 2, beforeId: page[1]!.id });
      expect([...page, ...next].map((entry) => entry.messageId)).toEqual(["s59", "s58", "s57", "s56"]);
    });

    it("refuses invalid samples whole", async () => {
      await expect(
        current().recordSamples([sample(1), { ...sample(2), test: "yes" as unknown as boolean }]),
      ).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
        message: expect.stringContaining("samples[1].test"),
      });
      expect(await current().listSamples({})).toEqual([]);
    });
  });

  describe("seen paths", () => {
    const update = (path: string, overrides: Partial<SeenPathUpdate> = {}): SeenPathUpdate => ({
      sourceName: "web",
      eventType: "track",
      eventName: "Order Completed",
      path,
      types: ["string"],
      count: 1,
      lastSeenMs: T0,
      ...overrides,
    });

    it("upserts: types united, counts summed, the latest time kept, repeated keys in one call merged", async () => {
      await current().recordSeenPaths([
        update("properties.order_id"),
        update("properties.total", { types: ["number"] }),
      ]);
      await current().recordSeenPaths([
        update("properties.order_id", { types: ["number"], count: 2, lastSeenMs: T0 + 50 }),
        update("properties.order_id", { types: ["null"], count: 1, lastSeenMs: T0 + 10 }),
        update("properties.total", { lastSeenMs: T0 - 5 }),
      ]);
      expect(await current().listSeenPaths({ eventType: "track", eventName: "Order Completed" })).toEqual([
        { path: "properties.order_id", types: ["string", "number", "null"], count: 4, lastSeenMs: T0 + 50 },
        { path: "properties.total", types: ["string", "number"], count: 2, lastSeenMs: T0 },
      ]);
    });

    it("keeps (source, type, name) apart and merges them by path when a filter is left out", async () => {
      await current().recordSeenPaths([
        update("properties.sku"),
        update("properties.sku", { sourceName: "app", types: ["number"], count: 3, lastSeenMs: T0 + 9 }),
        update("traits.email", { eventType: "identify", eventName: null }),
      ]);
      expect(await current().listSeenPaths({ sourceName: "app" })).toEqual([
        { path: "properties.sku", types: ["number"], count: 3, lastSeenMs: T0 + 9 },
      ]);
      expect(await current().listSeenPaths({})).toEqual([
        { path: "properties.sku", types: ["string", "number"], count: 4, lastSeenMs: T0 + 9 },
        { path: "traits.email", types: ["string"], count: 1, lastSeenMs: T0 },
      ]);
      expect(await current().listSeenPaths({ eventType: "identify" })).toEqual([
        { path: "traits.email", types: ["string"], count: 1, lastSeenMs: T0 },
      ]);
      expect(await current().listSeenPaths({ eventName: "Nope" })).toEqual([]);
    });

    it("refuses unknown types and counts below 1", async () => {
      await expect(
        current().recordSeenPaths([update("a", { types: ["date" as "string"] })]),
      ).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      await expect(current().recordSeenPaths([update("a", { count: 0 })])).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });

  describe("event stats", () => {
    it("counts received events by receipt and terminal deliveries by their last update, per bucket", async () => {
      await current().enqueue([
        event("a", { receivedAtMs: T0 }),
        event("b", { receivedAtMs: T0 + 10 }),
        event("c", { receivedAtMs: T0 + HOUR_MS + 1, destinations: ["cio", "other"] }),
        event("d", { receivedAtMs: T0 + 3 * HOUR_MS }), // outside the range
        event("e", { receivedAtMs: T0 - 1 }), // before it
      ]);
      const claimed = await claimAll(current(), "cio", T0 + 4 * HOUR_MS);
      const byId = new Map(claimed.map((delivery) => [delivery.messageId, delivery]));
      const outcome = (
        messageId: string,
        state: "delivered" | "failed" | "stopped",
        reason = "x",
      ): DeliveryOutcome => {
        const { deliveryId, leaseToken } = byId.get(messageId)!;
        return state === "delivered"
          ? { deliveryId, leaseToken, state, attempts: 1, status: 200 }
          : { deliveryId, leaseToken, state, attempts: 1, stage: "consent", reason };
      };
      await current().settle([outcome("a", "delivered"), outcome("b", "stopped", "no consent")], T0 + 100);
      await current().settle([outcome("c", "stopped", "no consent")], T0 + HOUR_MS + 100);
      await current().settle([outcome("e", "stopped", "withdrawn")], T0 + HOUR_MS + 200);
      await current().settle([outcome("d", "failed")], T0 + 5 * HOUR_MS);
      const stats = await current().eventStats({ fromMs: T0, toMs: T0 + 2 * HOUR_MS, bucketMs: HOUR_MS });
      expect(stats).toEqual({
        buckets: [
          { startMs: T0, received: 2, delivered: 1, stopped: 1, failed: 0 },
          { startMs: T0 + HOUR_MS, received: 1, delivered: 0, stopped: 2, failed: 0 },
        ],
        stoppedByReason: [
          { stage: "consent", reason: "no consent", count: 2 },
          { stage: "consent", reason: "withdrawn", count: 1 },
        ],
      });
      const empty = await current().eventStats({ fromMs: 0, toMs: 30, bucketMs: 7 });
      expect(empty.buckets.map((bucket) => bucket.startMs)).toEqual([0, 7, 14, 21, 28]);
      expect(empty.stoppedByReason).toEqual([]);
    });

    it("refuses an empty range or more than 1000 buckets", async () => {
      await expect(current().eventStats({ fromMs: T0, toMs: T0, bucketMs: 1 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
      await expect(current().eventStats({ fromMs: 0, toMs: 1001, bucketMs: 1 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });

  describe("retention and erasure of samples", () => {
    it("purge removes samples and paths older than the delivery-log cut-off", async () => {
      await current().recordSamples([sample(1), sample(2, { receivedAtMs: T0 + 6 * DAY_MS })]);
      await current().recordSeenPaths([
        {
          sourceName: "web",
          eventType: "track",
          eventName: null,
          path: "old",
          types: ["string"],
          count: 1,
          lastSeenMs: T0,
        },
        {
          sourceName: "web",
          eventType: "track",
          eventName: null,
          path: "new",
          types: ["string"],
          count: 1,
          lastSeenMs: T0 + 6 * DAY_MS,
        },
      ]);
      await current().purge({
        deliveryLogBefore: T0 + 5 * DAY_MS,
        deadLettersBefore: 0,
        auditBefore: 0,
        nowMs: T0 + 40 * DAY_MS,
        chunk: 100,
      });
      expect((await current().listSamples({})).map((entry) => entry.messageId)).toEqual(["s2"]);
      expect((await current().listSeenPaths({})).map((entry) => entry.path)).toEqual(["new"]);
    });

    it("forgetPerson removes the person's samples by ordering key and those the body matcher picks", async () => {
      await current().recordSamples([
        sample(1, { orderingKey: "person-1" }),
        sample(2, { orderingKey: "person-2" }),
        sample(3, { body: '{"type":"track","properties":{"friend":"ada@example.com"}}' }),
        sample(4),
      ]);
      await current().forgetPerson("person-1", {
        nowMs: T0 + 1000,
        matchBody: (body) => (body.includes("ada@example.com") ? "event" : null),
      });
      expect((await current().listSamples({})).map((entry) => entry.messageId)).toEqual(["s4", "s2"]);
    });
  });

  describe("audit list paging", () => {
    it("lists entries below a seq, newest first, and of one action", async () => {
      for (let n = 1; n <= 5; n++) {
        await current().appendAudit({
          atMs: T0 + n,
          actor: "ops",
          action: n % 2 === 0 ? "payload.view" : "dlq.replay",
          outcome: "ok",
        });
      }
      const page = await current().listAudit({ newestFirst: true, limit: 2, beforeSeq: 5 });
      expect(page.map((entry) => entry.seq)).toEqual([4, 3]);
      const views = await current().listAudit({ newestFirst: true, action: "payload.view" });
      expect(views.map((entry) => entry.seq)).toEqual([4, 2]);
      await expect(current().listAudit({ action: "not an action" })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });
}
