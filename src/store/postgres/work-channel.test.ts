import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EnqueueEvent } from "../port.js";
import type { StoreError } from "../store-error.js";
import type { PostgresStore } from "./postgres-store.js";
import { adminQuery, requirePostgres, testStores } from "./test-support/test-database.js";

// LISTEN/NOTIFY: a node hears, within a second, that any node committed work for a destination.

beforeAll(requirePostgres);

const T0 = 1_700_000_000_000;
const stores = testStores();
afterEach(() => stores.cleanup());

function event(messageId: string, destinations: string[] = ["cio"]): EnqueueEvent {
  return { sourceName: "web", messageId, eventType: "track", receivedAtMs: T0, body: "{}", destinations };
}

/** Subscribe to `store`'s work and collect the destinations it hears. */
function hear(store: PostgresStore) {
  const heard: string[] = [];
  const waiters = new Set<() => void>();
  const stop = store.onWork((destination) => {
    heard.push(destination);
    for (const check of waiters) check();
  });
  return {
    heard,
    stop,
    /** Resolves true as soon as `done(heard)` holds, false when it still does not after `ms`. */
    until(done: (heard: readonly string[]) => boolean, ms: number): Promise<boolean> {
      if (done(heard)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const check = () => {
          if (!done(heard)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(false);
        }, ms);
        waiters.add(check);
      });
    },
  };
}

/** `until` condition: at least `count` names heard. */
const count = (n: number) => (heard: readonly string[]) => heard.length >= n;

const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("work notifications", () => {
  it("lets a second node hear an enqueue made by the first within 1 s", async () => {
    const producer = await stores.open();
    const consumer = await stores.open({ schema: producer.schema });
    const listener = hear(consumer);
    await consumer.workListening();
    const started = performance.now();
    await producer.enqueue([event("m1", ["cio"])]);
    expect(await listener.until(count(1), 1000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(listener.heard).toEqual(["cio"]);
  });

  it("notifies once per destination per commit, and not for duplicates", async () => {
    const producer = await stores.open();
    const consumer = await stores.open({ schema: producer.schema });
    const listener = hear(consumer);
    await consumer.workListening();
    await producer.enqueue([event("m1", ["a", "b"]), event("m2", ["a"]), event("m3", ["b", "a"])]);
    expect(await listener.until(count(2), 1000)).toBe(true);
    await quiet(200);
    expect([...listener.heard].sort()).toEqual(["a", "b"]);
    // A duplicate and a destination-less event create no delivery: nothing to announce.
    await producer.enqueue([event("m1", ["a"]), event("m9", [])]);
    await quiet(300);
    expect(listener.heard).toHaveLength(2);
  });

  it("announces replayed dead letters", async () => {
    const store = await stores.open();
    await store.enqueue([event("m1", ["cio"])]);
    const [delivery] = await store.claim("cio", { limit: 1, nowMs: T0, leaseMs: 1000 });
    await store.settle(
      [
        {
          deliveryId: delivery!.deliveryId,
          leaseToken: delivery!.leaseToken,
          state: "failed",
          attempts: 1,
          stage: "delivery",
          reason: "HTTP 400",
        },
      ],
      T0,
    );
    const listener = hear(store);
    await store.workListening();
    expect(listener.heard).toEqual([]); // nothing waits: nothing announced on connect
    expect(await store.replay({}, { nowMs: T0 + 1, limit: 10 })).toBe(1);
    expect(await listener.until(count(1), 1000)).toBe(true);
    expect(listener.heard).toEqual(["cio"]);
  });

  it("announces destinations that already have waiting work when it starts listening", async () => {
    const store = await stores.open();
    await store.enqueue([event("m1", ["b"]), event("m2", ["a"])]);
    const listener = hear(store);
    await store.workListening();
    expect([...listener.heard].sort()).toEqual(["a", "b"]);
  });

  it("keeps schemas apart: a store on another schema hears nothing", async () => {
    const producer = await stores.open();
    const stranger = await stores.open();
    const listener = hear(stranger);
    await stranger.workListening();
    await producer.enqueue([event("m1")]);
    await quiet(300);
    expect(listener.heard).toEqual([]);
  });

  it("stops calling a listener after it unsubscribes", async () => {
    const store = await stores.open();
    const kept = hear(store);
    const dropped = hear(store);
    await store.workListening();
    dropped.stop();
    await store.enqueue([event("m1")]);
    expect(await kept.until(count(1), 1000)).toBe(true);
    await quiet(100);
    expect([kept.heard, dropped.heard]).toEqual([["cio"], []]);
  });

  it("reconnects when its connection is killed, and announces work committed meanwhile", async () => {
    const errors: StoreError[] = [];
    const producer = await stores.open();
    const consumer = await stores.open({
      schema: producer.schema,
      onBackgroundError: (error) => errors.push(error),
    });
    const listener = hear(consumer);
    await consumer.workListening();
    const killed = await adminQuery<{ pg_terminate_backend: boolean }>(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
      [`sluice-listen:${consumer.schema}`],
    );
    expect(killed).toEqual([{ pg_terminate_backend: true }]);
    // Commit only once the consumer saw its connection go (else the old one might still hear it).
    for (let waited = 0; errors.length === 0 && waited < 3000; waited += 10) await quiet(10);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((error) => error.code === "ER_STORE_WRITE_FAILED")).toBe(true);
    await producer.enqueue([event("m1", ["during"])]);
    expect(await listener.until((heard) => heard.includes("during"), 3000)).toBe(true);
    await consumer.workListening();
    // It listens again: a later commit is heard as a notification.
    await producer.enqueue([event("m2", ["after"])]);
    expect(await listener.until((heard) => heard.includes("after"), 1000)).toBe(true);
    expect(new Set(listener.heard)).toEqual(new Set(["during", "after"]));
  });

  it("rejects onWork after close with ER_STORE_CLOSED", async () => {
    const store = await stores.open();
    await store.close();
    expect(() => store.onWork(() => undefined)).toThrow(expect.objectContaining({ code: "ER_STORE_CLOSED" }));
  });
});
