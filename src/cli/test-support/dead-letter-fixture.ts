import type { Store } from "../../store/port.js";
import { openSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { tempDir } from "../../store/sqlite/test-support/temp-dir.js";
import type { CliIo } from "../command.js";

export const T0 = Date.parse("2026-11-28T12:00:00Z");

/** Values that must never reach the output unless `--reveal` asks for them. */
export const CANARIES = ["CANARY-PHI", "u-CANARY", "ada@example.com"] as const;

export const ORDER_BODY = {
  type: "track",
  event: "Order Completed",
  messageId: "m-1",
  userId: "u-CANARY",
  properties: { diagnosis: "CANARY-PHI", total: 42.5, vip: true, tags: ["a", "βeta"], note: null },
};

export interface Fixture {
  dir: { path: string; remove: () => void };
  store: Store;
  /** A CLI io rooted at the fixture (SLUICE_DATA_DIR=data), recording what is written. */
  io(): CliIo & { out: string[]; err: string[] };
  close(): Promise<void>;
}

/**
 * Writes, through the store API, deliveries in every state (shared by the CLI and admin API tests):
 * 1. web m-1 → cio: no response (retrying), then 207 → failed at delivery, field identifiers.email;
 * 2. web m-1 → cio-eu: stopped at allowlist, never attempted;
 * 3. web m-2 (identify) → cio: 400 → failed;
 * 4. app m-1 (same messageId, another source) → cio: delivered;
 * 5. web m-4 → cio: queued, not attempted.
 */
export async function seedDeliveryHistory(store: Store): Promise<void> {
  const event = (
    sourceName: string,
    messageId: string,
    eventType: string,
    body: object,
    destinations: string[],
  ) => ({
    sourceName,
    messageId,
    eventType,
    receivedAtMs: T0,
    body: JSON.stringify(body),
    destinations,
  });
  await store.enqueue([
    event("web", "m-1", "track", ORDER_BODY, ["cio", "cio-eu"]),
    event(
      "web",
      "m-2",
      "identify",
      { type: "identify", messageId: "m-2", traits: { email: "ada@example.com" } },
      ["cio"],
    ),
    event("app", "m-1", "track", { type: "track", event: "Signed Up", messageId: "m-1" }, ["cio"]),
  ]);
  const claimed = await store.claim("cio", { limit: 10, nowMs: T0 + 1000, leaseMs: 60_000 });
  if (claimed.map((d) => d.deliveryId).join() !== "1,3,4") throw new Error("unexpected delivery ids");
  const leaseToken = claimed[0]?.leaseToken ?? "";
  await store.settle(
    [
      {
        deliveryId: 1,
        leaseToken,
        state: "retrying",
        attempts: 1,
        nextAttemptAtMs: T0 + 2000,
        reason: "network error: UND_ERR_HEADERS_TIMEOUT",
        attempt: { latencyMs: 10_000 },
      },
      {
        deliveryId: 3,
        leaseToken,
        state: "failed",
        stage: "delivery",
        reason: "rejected (400): malformed request",
        attempts: 1,
        status: 400,
        attempt: { latencyMs: 80 },
      },
      { deliveryId: 4, leaseToken, state: "delivered", attempts: 1, status: 200, attempt: { latencyMs: 95 } },
    ],
    T0 + 1120,
  );
  const [retried] = await store.claim("cio", { limit: 10, nowMs: T0 + 3000, leaseMs: 60_000 });
  await store.settle(
    [
      {
        deliveryId: 1,
        leaseToken: retried?.leaseToken ?? "",
        state: "failed",
        stage: "delivery",
        reason: "Customer.io rejected it: invalid (email is not valid)",
        field: "identifiers.email",
        attempts: 2,
        status: 207,
        attempt: { latencyMs: 60 },
      },
    ],
    T0 + 8000,
  );
  const [eu] = await store.claim("cio-eu", { limit: 10, nowMs: T0 + 1000, leaseMs: 60_000 });
  await store.settle(
    [
      {
        deliveryId: 2,
        leaseToken: eu?.leaseToken ?? "",
        state: "stopped",
        stage: "allowlist",
        reason: "event name not in allow.events",
        attempts: 0,
      },
    ],
    T0 + 1001,
  );
  await store.enqueue([
    {
      ...event("web", "m-4", "track", { type: "track", messageId: "m-4" }, ["cio"]),
      receivedAtMs: T0 + 9000,
    },
  ]);
}

/** A store in a temp dir holding `seedDeliveryHistory`'s deliveries. */
export async function deadLetterFixture(): Promise<Fixture> {
  const dir = tempDir();
  const store = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
  await seedDeliveryHistory(store);
  return {
    dir,
    store,
    io() {
      const out: string[] = [];
      const err: string[] = [];
      return {
        out,
        err,
        stdout: (text) => out.push(text),
        stderr: (text) => err.push(text),
        env: { SLUICE_DATA_DIR: "data" },
        cwd: dir.path,
      };
    },
    async close() {
      await store.close();
      dir.remove();
    },
  };
}
