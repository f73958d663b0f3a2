import type { FastifyInstance } from "fastify";
import { seedDeliveryHistory, T0 } from "../../cli/test-support/dead-letter-fixture.js";
import { type CustomerioDestinationConfig, validateConfig } from "../../contracts/config.js";
import { Secret } from "../../contracts/secret.js";
import type { Store } from "../../store/port.js";
import { openSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../../test-support/silent-logger.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { createAdminApp } from "../admin-app.js";
import type { AdminAuthOptions } from "../admin-auth.js";

export { CANARIES, ORDER_BODY, T0 } from "../../cli/test-support/dead-letter-fixture.js";

/** The admin app's clock in the fixture. */
export const NOW = T0 + 10_000;

export const ADMIN_TOKEN = "adm_0123456789abcdef_TOKEN";
export const VIEWER_TOKEN = "vwr_0123456789abcdef_TOKEN";
export const API_KEY = "cio-api-key-SECRET-0001";
export const PROXY_PASSWORD = "proxy-pass-SECRET";

export const DESTINATIONS: CustomerioDestinationConfig[] = (() => {
  const result = validateConfig({
    destinations: [
      {
        name: "cio",
        type: "customerio",
        settings: {
          siteId: "site-1",
          apiKey: API_KEY,
          trackUrl: `http://proxy-user:${PROXY_PASSWORD}@127.0.0.1:4010`,
        },
        allow: { events: ["Order Completed"], traits: ["email"], properties: ["total"] },
      },
      {
        name: "cio-eu",
        type: "customerio",
        settings: { siteId: "site-2", apiKey: API_KEY, region: "eu" },
      },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config.destinations;
})();

export interface AdminFixture {
  /** The data directory (its `sluice.db` is the store's file). */
  dataDir: string;
  store: Store;
  app: FastifyInstance;
  logLines: string[];
  /** How many times the app asked the lanes to wake after a replay. */
  replayWakeups: () => number;
  close(): Promise<void>;
}

/**
 * A SQLite store holding deliveries in every state, written through the store API, and the admin
 * app over it (tokens `ADMIN_TOKEN` and `VIEWER_TOKEN` unless `auth` says otherwise): deliveries 1–5
 * are `seedDeliveryHistory`'s (5: web m-4 → cio, queued, received T0 + 9 s), plus
 * 6. web m-5 → cio: retrying after a 503 (received T0 + 2 s).
 * cio-eu is paused (401); cio's credential check said "ok".
 */
export async function adminFixture(
  auth?: AdminAuthOptions,
  options: { clock?: () => number } = {},
): Promise<AdminFixture> {
  const dir = tempDir("sluice-admin-");
  const store = openSqliteStore({ path: `${dir.path}/sluice.db` });
  await seedDeliveryHistory(store);
  await store.enqueue([
    {
      sourceName: "web",
      messageId: "m-5",
      eventType: "track",
      receivedAtMs: T0 + 2000,
      body: JSON.stringify({ type: "track", messageId: "m-5" }),
      destinations: ["cio"],
    },
  ]);
  const claimed = await store.claim("cio", { limit: 10, nowMs: T0 + 9100, leaseMs: 60_000 });
  const sixth = claimed.find((delivery) => delivery.messageId === "m-5");
  if (sixth?.deliveryId !== 6) throw new Error("unexpected delivery ids");
  await store.settle(
    [
      ...claimed
        .filter((delivery) => delivery.deliveryId !== 6)
        .map((delivery) => ({
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          state: "released" as const,
        })),
      {
        deliveryId: 6,
        leaseToken: sixth.leaseToken,
        state: "retrying",
        attempts: 1,
        status: 503,
        nextAttemptAtMs: T0 + 60_000,
        reason: "Customer.io answered 503",
        attempt: { latencyMs: 40 },
      },
    ],
    T0 + 9200,
  );
  await store.setDestinationState({
    name: "cio-eu",
    status: "unauthorized",
    reason: "Customer.io refused the credentials (401)",
    credentialsFingerprint: "f".repeat(32),
    updatedAtMs: T0 + 500,
  });
  const log = memoryLogger();
  let wakeups = 0;
  const app = createAdminApp({
    store,
    destinations: () => DESTINATIONS,
    logger: log.logger,
    clock: options.clock ?? (() => NOW),
    credentialsCheck: (name) =>
      name === "cio"
        ? { result: "ok", region: "us", message: "credentials accepted (region us)", checkedAtMs: T0 + 200 }
        : null,
    onReplayed: () => {
      wakeups += 1;
    },
    auth: auth ?? { adminToken: new Secret(ADMIN_TOKEN), viewerToken: new Secret(VIEWER_TOKEN) },
  });
  return {
    dataDir: dir.path,
    store,
    app,
    logLines: log.lines,
    replayWakeups: () => wakeups,
    async close() {
      await app.close();
      await store.close();
      dir.remove();
    },
  };
}
