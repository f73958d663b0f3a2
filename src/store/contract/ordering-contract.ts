import { describe, expect, it } from "vitest";
import type { ClaimedDelivery } from "../port.js";
import { type CurrentStore, claimAll, event, LEASE_MS, messageIds, T0 } from "./fixtures.js";

/** Per-person ordering: claims follow each ordering key's id order across leases, retries and claimers. */
export function describeOrderingContract(current: CurrentStore): void {
  const person = (key: string, ids: string[]) => ids.map((id) => event(id, { orderingKey: key }));
  const claim = (limit: number, nowMs = T0) => current().claim("cio", { limit, nowMs, leaseMs: LEASE_MS });

  describe("per-person ordering", () => {
    it("does not hand out a person's later events while an earlier one is leased", async () => {
      await current().enqueue(person("p1", ["a1", "a2"]));
      const first = await claim(1);
      expect(messageIds(first)).toEqual(["a1"]);
      await current().enqueue([...person("p1", ["a3"]), ...person("p2", ["b1"])]);
      // a2 and a3 wait behind the leased a1; the other person goes ahead.
      expect(messageIds(await claim(10))).toEqual(["b1"]);
      await current().settle(
        [
          {
            deliveryId: first[0]!.deliveryId,
            leaseToken: first[0]!.leaseToken,
            state: "delivered",
            attempts: 1,
          },
        ],
        T0,
      );
      expect(messageIds(await claim(10))).toEqual(["a2", "a3"]);
    });

    it("keeps a person's later events behind a retry until it is due, then sends them in order", async () => {
      await current().enqueue(person("p1", ["a1"]));
      const [a1] = await claim(10);
      await current().settle(
        [
          {
            deliveryId: a1!.deliveryId,
            leaseToken: a1!.leaseToken,
            state: "retrying",
            attempts: 1,
            nextAttemptAtMs: T0 + 5000,
            reason: "HTTP 503",
          },
        ],
        T0 + 1,
      );
      await current().enqueue([...person("p1", ["a2"]), ...person("p2", ["b1"])]);
      expect(messageIds(await claim(10, T0 + 2))).toEqual(["b1"]);
      expect(messageIds(await claim(10, T0 + 4999))).toEqual([]);
      expect(messageIds(await claim(10, T0 + 5000))).toEqual(["a1", "a2"]);
    });

    it("stops a person's run at an event that is not due yet, even between ready ones", async () => {
      await current().enqueue(person("p1", ["a1", "a2"]));
      const [a1, a2] = await claim(10);
      // One failed batch, but its items come due at different times.
      await current().settle(
        [
          {
            deliveryId: a1!.deliveryId,
            leaseToken: a1!.leaseToken,
            state: "retrying",
            attempts: 1,
            nextAttemptAtMs: T0 + 100,
            reason: "503",
          },
          {
            deliveryId: a2!.deliveryId,
            leaseToken: a2!.leaseToken,
            state: "retrying",
            attempts: 1,
            nextAttemptAtMs: T0 + 900,
            reason: "503",
          },
        ],
        T0 + 1,
      );
      await current().enqueue(person("p1", ["a3"]));
      expect(messageIds(await claim(10, T0 + 100))).toEqual(["a1"]);
      expect(messageIds(await claim(10, T0 + LEASE_MS + 1000))).toEqual(["a1", "a2", "a3"]);
    });

    it("takes a person's whole ready run with them, person by person, contiguous", async () => {
      const interleaved = ["1", "2", "3"].flatMap((n) => [
        event(`a${n}`, { orderingKey: "p1" }),
        event(`b${n}`, { orderingKey: "p2" }),
        event(`c${n}`, { orderingKey: "p3" }),
      ]);
      await current().enqueue(interleaved);
      // The window holds a1, b1 (limit 2): p1's whole run comes first, then as much of p2's as fits.
      expect(messageIds(await claim(4))).toEqual(["a1", "a2", "a3", "b1"]);
      // b2 and b3 wait behind the leased b1; p3 is next.
      expect(messageIds(await claim(10))).toEqual(["c1", "c2", "c3"]);
    });

    it("never returns one delivery to two concurrent claimers, nor a person to both", async () => {
      const events = Array.from({ length: 60 }, (_, i) => event(`m${i}`, { orderingKey: `p${i % 7}` }));
      await current().enqueue(events);
      const results = await Promise.all(Array.from({ length: 6 }, () => claim(8)));
      const all = results.flat();
      expect(new Set(all.map((d) => d.deliveryId)).size).toBe(all.length);
      const owners = new Map<string, number>();
      results.forEach((claimed, claimer) => {
        for (const delivery of claimed) {
          const key = `p${Number(delivery.messageId.slice(1)) % 7}`;
          expect(owners.get(key) ?? claimer).toBe(claimer);
          owners.set(key, claimer);
        }
      });
    });

    it("returns each person's events in id order and as a prefix of their waiting events", async () => {
      const events = Array.from({ length: 40 }, (_, i) => event(`m${i}`, { orderingKey: `p${i % 3}` }));
      await current().enqueue(events);
      const order = new Map<string, number[]>();
      const seen: ClaimedDelivery[] = [];
      for (let round = 0; round < 20; round++) {
        const claimed = await claim(5, T0 + round);
        seen.push(...claimed);
        await current().settle(
          claimed.map((d) => ({
            deliveryId: d.deliveryId,
            leaseToken: d.leaseToken,
            state: "delivered" as const,
            attempts: 1,
          })),
          T0 + round,
        );
      }
      for (const delivery of seen) {
        const key = `p${Number(delivery.messageId.slice(1)) % 3}`;
        order.set(key, [...(order.get(key) ?? []), Number(delivery.messageId.slice(1))]);
      }
      expect(seen).toHaveLength(40);
      for (const ids of order.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });

    it("orders nothing across destinations: a person blocked on one destination flows on another", async () => {
      await current().enqueue([
        event("a1", { orderingKey: "p1", destinations: ["cio", "other"] }),
        event("a2", { orderingKey: "p1", destinations: ["cio", "other"] }),
      ]);
      expect(messageIds(await claim(1))).toEqual(["a1"]);
      expect(messageIds(await claimAll(current(), "other", T0))).toEqual(["a1", "a2"]);
    });
  });
}
