import { describe, expect, it } from "vitest";
import type { DestinationState, Store } from "../port.js";
import { type CurrentStore, claimAll, claimOne, event, messageIds, T0 } from "./fixtures.js";

/** listDeliveries, queueStats, destination state, pruneDedupe, migrate and close. */
export function describeLogContract(current: CurrentStore): void {
  describe("listDeliveries", () => {
    it("lists newest first and applies every filter", async () => {
      await current().enqueue([
        event("m1", { destinations: ["a", "b"] }),
        event("m2", { destinations: ["a"] }),
      ]);
      await current().enqueue([event("m3", { destinations: ["b"] })]);
      const m1a = await current().claim("a", { limit: 1, nowMs: T0, leaseMs: 1 });
      await current().settle(
        [{ deliveryId: m1a[0]!.deliveryId, leaseToken: m1a[0]!.leaseToken, state: "delivered", attempts: 1 }],
        T0 + 1,
      );

      const all = await current().listDeliveries({});
      expect(all.map((e) => [e.messageId, e.destination, e.state])).toEqual([
        ["m3", "b", "queued"],
        ["m2", "a", "queued"],
        ["m1", "b", "queued"],
        ["m1", "a", "delivered"],
      ]);
      const ids = all.map((e) => e.deliveryId);
      expect([...ids].sort((x, y) => y - x)).toEqual(ids);
      const list = async (filter: Parameters<Store["listDeliveries"]>[0]) =>
        (await current().listDeliveries(filter)).map((e) => `${e.messageId}@${e.destination}`);
      expect(await list({ destination: "a" })).toEqual(["m2@a", "m1@a"]);
      expect(await list({ messageId: "m1" })).toEqual(["m1@b", "m1@a"]);
      expect(await list({ state: "delivered" })).toEqual(["m1@a"]);
      expect(await list({ destination: "b", state: "queued" })).toEqual(["m3@b", "m1@b"]);
      expect(await list({ beforeId: ids[1]! })).toEqual(["m1@b", "m1@a"]);
      expect(await list({ limit: 2 })).toEqual(["m3@b", "m2@a"]);
      expect(await list({ messageId: "m1", destination: "b", state: "queued", beforeId: ids[0]! })).toEqual([
        "m1@b",
      ]);
      expect(await list({ messageId: "none" })).toEqual([]);
    });

    it("pages through the log with beforeId without gaps or repeats", async () => {
      await current().enqueue(["p1", "p2", "p3", "p4", "p5"].map((id) => event(id)));
      const seen: string[] = [];
      let beforeId: number | undefined;
      for (let page = 0; page < 10; page += 1) {
        const entries = await current().listDeliveries(
          beforeId === undefined ? { limit: 2 } : { limit: 2, beforeId },
        );
        if (entries.length === 0) break;
        seen.push(...messageIds(entries));
        beforeId = entries.at(-1)!.deliveryId;
      }
      expect(seen).toEqual(["p5", "p4", "p3", "p2", "p1"]);
    });

    it("returns 100 entries by default and at most 1000", async () => {
      await current().enqueue(Array.from({ length: 1005 }, (_, i) => event(`n${i}`)));
      const page = await current().listDeliveries({});
      expect(page).toHaveLength(100);
      expect(page[0]?.messageId).toBe("n1004");
      expect(await current().listDeliveries({ limit: 5000 })).toHaveLength(1000);
    });
  });

  describe("outcomeCounts", () => {
    it("counts terminal outcomes per destination since a time, by their last update", async () => {
      expect(await current().outcomeCounts(T0)).toEqual([]);
      await current().enqueue(
        ["m1", "m2", "m3", "m4", "m5"].map((id) => event(id, { destinations: ["a", "b"] })),
      );
      const claimedA = await claimAll(current(), "a", T0 + 1);
      const claimedB = await claimAll(current(), "b", T0 + 1);
      const [a1, a2, a3, a4] = claimedA;
      await current().settle(
        [
          { deliveryId: a1!.deliveryId, leaseToken: a1!.leaseToken, state: "delivered", attempts: 1 },
          { deliveryId: a2!.deliveryId, leaseToken: a2!.leaseToken, state: "delivered", attempts: 1 },
          {
            deliveryId: a3!.deliveryId,
            leaseToken: a3!.leaseToken,
            state: "failed",
            stage: "delivery",
            reason: "x",
            attempts: 1,
          },
          {
            deliveryId: a4!.deliveryId,
            leaseToken: a4!.leaseToken,
            state: "retrying",
            nextAttemptAtMs: T0 + 9000,
            reason: "x",
            attempts: 1,
          },
        ],
        T0 + 100,
      );
      await current().settle(
        [
          {
            deliveryId: claimedB[0]!.deliveryId,
            leaseToken: claimedB[0]!.leaseToken,
            state: "stopped",
            stage: "allowlist",
            reason: "x",
            attempts: 0,
          },
          {
            deliveryId: claimedB[1]!.deliveryId,
            leaseToken: claimedB[1]!.leaseToken,
            state: "delivered",
            attempts: 1,
          },
        ],
        T0 + 200,
      );
      expect(await current().outcomeCounts(T0)).toEqual([
        { destination: "a", delivered: 2, failed: 1, stopped: 0 },
        { destination: "b", delivered: 1, failed: 0, stopped: 1 },
      ]);
      // Only what settled at or after the cut-off.
      expect(await current().outcomeCounts(T0 + 200)).toEqual([
        { destination: "b", delivered: 1, failed: 0, stopped: 1 },
      ]);
      expect(await current().outcomeCounts(T0 + 201)).toEqual([]);
    });
  });

  describe("queueStats", () => {
    it("counts waiting and retrying deliveries per destination, with the oldest's age", async () => {
      expect(await current().queueStats(T0)).toEqual([]);
      await current().enqueue([
        event("m1", { destinations: ["b"], receivedAtMs: T0 }),
        event("m2", { destinations: ["b"], receivedAtMs: T0 + 1000 }),
        event("m3", { destinations: ["b"], receivedAtMs: T0 + 2000 }),
        event("m4", { destinations: ["a"], receivedAtMs: T0 + 500 }),
      ]);
      const [m1, m2] = await current().claim("b", { limit: 2, nowMs: T0 + 3000, leaseMs: 60_000 });
      await current().settle(
        [
          { deliveryId: m1!.deliveryId, leaseToken: m1!.leaseToken, state: "delivered", attempts: 1 },
          {
            deliveryId: m2!.deliveryId,
            leaseToken: m2!.leaseToken,
            state: "retrying",
            attempts: 1,
            nextAttemptAtMs: T0 + 9000,
            reason: "x",
          },
        ],
        T0 + 3000,
      );
      await claimOne(current(), "a", T0 + 3000); // leased deliveries still wait
      expect(await current().queueStats(T0 + 10_000)).toEqual([
        { destination: "a", waiting: 1, retrying: 0, oldestAgeMs: 9500 },
        { destination: "b", waiting: 2, retrying: 1, oldestAgeMs: 9000 },
      ]);
      expect((await current().queueStats(T0))[1]).toEqual({
        destination: "b",
        waiting: 2,
        retrying: 1,
        oldestAgeMs: 0,
      });
      const rest = [
        ...(await claimAll(current(), "a", T0 + 100_000)),
        ...(await claimAll(current(), "b", T0 + 100_000)),
      ];
      await current().settle(
        rest.map(
          (d) =>
            ({
              deliveryId: d.deliveryId,
              leaseToken: d.leaseToken,
              state: "delivered",
              attempts: 1,
            }) as const,
        ),
        T0 + 100_000,
      );
      expect(await current().queueStats(T0 + 100_000)).toEqual([]);
    });
  });

  describe("destination state", () => {
    it("returns null until set, then what was set, replaced on each set", async () => {
      expect(await current().getDestinationState("cio")).toBeNull();
      const paused: DestinationState = {
        name: "cio",
        status: "unauthorized",
        reason: "HTTP 401",
        credentialsFingerprint: "fp-1",
        updatedAtMs: T0,
      };
      await current().setDestinationState(paused);
      expect(await current().getDestinationState("cio")).toEqual(paused);
      const active: DestinationState = {
        name: "cio",
        status: "active",
        reason: null,
        credentialsFingerprint: null,
        updatedAtMs: T0 + 1,
      };
      await current().setDestinationState(active);
      expect(await current().getDestinationState("cio")).toEqual(active);
      expect(await current().getDestinationState("other")).toBeNull();
    });
  });

  describe("pruneDedupe", () => {
    it("forgets keys first seen before the cut-off and counts them", async () => {
      await current().enqueue([
        event("m1", { receivedAtMs: T0 }),
        event("m2", { receivedAtMs: T0 + 1000 }),
        event("m3", { receivedAtMs: T0 + 2000 }),
      ]);
      await current().enqueue([event("m1", { receivedAtMs: T0 + 10 })]); // a duplicate: still one key
      expect(await current().pruneDedupe(T0 + 1500)).toBe(2);
      expect(await current().pruneDedupe(T0 + 1500)).toBe(0);
      expect(await current().pruneDedupe(T0 + 2000)).toBe(0); // the cut-off is exclusive
      const again = await current().enqueue([
        event("m1", { receivedAtMs: T0 + 3000 }),
        event("m3", { receivedAtMs: T0 + 3000 }),
      ]);
      expect(again).toEqual([{ duplicate: false }, { duplicate: true }]);
    });
  });

  describe("migrate and close", () => {
    it("migrates idempotently, keeping data", async () => {
      await current().enqueue([event("m1")]);
      await current().migrate();
      await current().migrate();
      expect((await claimOne(current(), "cio", T0)).body).toBe(event("m1").body);
      await expect(current().enqueue([event("m1")])).resolves.toEqual([{ duplicate: true }]);
    });

    it("commits accepted enqueues on close, then rejects every call with ER_STORE_CLOSED", async () => {
      const store = current();
      const pending = store.enqueue([event("m1")]);
      await store.close();
      await expect(pending).resolves.toEqual([{ duplicate: false }]);
      await expect(store.close()).resolves.toBeUndefined();
      const calls: Array<() => Promise<unknown>> = [
        () => store.migrate(),
        () => store.enqueue([event("m2")]),
        () => store.claim("cio", { limit: 1, nowMs: T0, leaseMs: 1 }),
        () => store.settle([], T0),
        () => store.nextWakeMs("cio"),
        () => store.listDeliveries({}),
        () => store.queueStats(T0),
        () => store.eventBody(1),
        () => store.getDestinationState("cio"),
        () =>
          store.setDestinationState({
            name: "cio",
            status: "active",
            reason: null,
            credentialsFingerprint: null,
            updatedAtMs: T0,
          }),
        () => store.pruneDedupe(T0),
        () => store.deliveryAttempts(1),
        () => store.replay({}, { nowMs: T0, limit: 1 }),
      ];
      for (const call of calls) await expect(call()).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
    });
  });
}
