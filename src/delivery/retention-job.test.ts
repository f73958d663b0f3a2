import { afterEach, describe, expect, it } from "vitest";
import type { PurgeOptions, Store } from "../store/port.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { startRetentionJob } from "./retention-job.js";

const DAY_MS = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00Z");
const NOW = T0 + 40 * DAY_MS;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store with `count` events delivered at T0, and one waiting since T0. */
async function storeWithHistory(count: number): Promise<SqliteStore> {
  const dir = tempDir();
  const store = openSqliteStore({ path: `${dir.path}/sluice.db` });
  cleanups.push(
    () => dir.remove(),
    () => store.close(),
  );
  const events = Array.from({ length: count + 1 }, (_, n) => ({
    sourceName: "web",
    messageId: `m-${n}`,
    eventType: "track",
    receivedAtMs: T0,
    body: "{}",
    destinations: ["cio"],
  }));
  await store.enqueue(events);
  const claimed = await store.claim("cio", { limit: count, nowMs: T0, leaseMs: 1000 });
  await store.settle(
    claimed.map((delivery) => ({
      deliveryId: delivery.deliveryId,
      leaseToken: delivery.leaseToken,
      state: "delivered" as const,
      attempts: 1,
    })),
    T0,
  );
  return store;
}

const parsed = (lines: readonly string[]) =>
  lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => String(line["event"]).startsWith("retention."));

describe("the retention purge job", () => {
  it("purges what the settings no longer keep, logs it and audits it", async () => {
    const store = await storeWithHistory(3);
    const log = memoryLogger();
    const job = startRetentionJob(
      {
        store,
        retention: { deliveryLogDays: 30, deadLetterDays: 30, auditDays: 2190 },
        logger: log.logger,
        clock: () => NOW,
      },
      { firstRunAfterMs: 3_600_000 },
    );
    cleanups.push(() => job.stop());
    expect(await job.runNow()).toEqual({ deliveries: 3, deadLetters: 0, audit: 0, events: 3 });
    expect((await store.listDeliveries({})).map((row) => row.state)).toEqual(["queued"]);
    expect(parsed(log.lines)).toEqual([
      expect.objectContaining({
        event: "retention.purged",
        level: 30,
        deliveries: 3,
        deadLetters: 0,
        audit: 0,
        events: 3,
        deliveryLogBefore: "2026-01-11T00:00:00.000Z",
        deadLettersBefore: "2026-01-11T00:00:00.000Z",
        auditBefore: "2020-02-12T00:00:00.000Z",
        msg: "retention purge removed 3 delivery-log rows, 0 dead letters, 0 audit entries and 3 events",
      }),
    ]);
    expect(await store.listAudit({})).toEqual([
      expect.objectContaining({
        seq: 1,
        atMs: NOW,
        actor: "sluice",
        action: "retention.purge",
        outcome: "ok",
        detail: {
          deliveries: 3,
          deadLetters: 0,
          audit: 0,
          events: 3,
          deliveryLogBefore: "2026-01-11T00:00:00.000Z",
          deadLettersBefore: "2026-01-11T00:00:00.000Z",
          auditBefore: "2020-02-12T00:00:00.000Z",
        },
      }),
    ]);
    // Nothing left to purge: nothing logged, nothing audited.
    expect(await job.runNow()).toEqual({ deliveries: 0, deadLetters: 0, audit: 0, events: 0 });
    expect(parsed(log.lines)).toHaveLength(1);
    expect(await store.listAudit({})).toHaveLength(1);
  });

  it("logs progress lines while a large purge runs", async () => {
    const store = await storeWithHistory(6);
    const log = memoryLogger();
    let now = NOW;
    const job = startRetentionJob(
      {
        store,
        retention: { deliveryLogDays: 1, deadLetterDays: 1, auditDays: 1 },
        logger: log.logger,
        clock: () => (now += 1000),
      },
      { firstRunAfterMs: 3_600_000, chunk: 2, largePurgeRows: 5, progressEveryMs: 1000 },
    );
    cleanups.push(() => job.stop());
    await job.runNow();
    const lines = parsed(log.lines);
    expect(lines.filter((line) => line["event"] === "retention.progress").map((line) => line["msg"])).toEqual(
      ["retention purge: removed 2/6 (2/s, ETA 2s)", "retention purge: removed 4/6 (2/s, ETA 1s)"],
    );
    expect(lines.at(-1)).toMatchObject({ event: "retention.purged", deliveries: 6 });
  });

  it("runs by itself after its first delay, and again at its interval", async () => {
    const store = await storeWithHistory(1);
    const calls: PurgeOptions[] = [];
    const spy: Pick<Store, "purge" | "appendAudit"> = {
      purge: async (options) => {
        calls.push(options);
        return store.purge(options);
      },
      appendAudit: (entry) => store.appendAudit(entry),
    };
    const job = startRetentionJob(
      {
        store: spy,
        retention: { deliveryLogDays: 30, deadLetterDays: 30, auditDays: 30 },
        logger: memoryLogger().logger,
        clock: () => NOW,
      },
      { firstRunAfterMs: 10, everyMs: 30 },
    );
    cleanups.push(() => job.stop());
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toMatchObject({
      deliveryLogBefore: NOW - 30 * DAY_MS,
      deadLettersBefore: NOW - 30 * DAY_MS,
      auditBefore: NOW - 30 * DAY_MS,
      nowMs: NOW,
      chunk: 5000,
    });
    await job.stop();
    const stopped = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls.length).toBe(stopped);
  });

  it("logs a failed run and never throws", async () => {
    const log = memoryLogger();
    const failing: Pick<Store, "purge" | "appendAudit"> = {
      purge: async () => {
        throw Object.assign(new Error("ER_STORE_WRITE_FAILED: purge failed (SQLITE_FULL)"), {
          code: "ER_STORE_WRITE_FAILED",
        });
      },
      appendAudit: async () => {
        throw new Error("not reached");
      },
    };
    const job = startRetentionJob(
      {
        store: failing,
        retention: { deliveryLogDays: 30, deadLetterDays: 30, auditDays: 30 },
        logger: log.logger,
        clock: () => NOW,
      },
      { firstRunAfterMs: 3_600_000 },
    );
    cleanups.push(() => job.stop());
    expect(await job.runNow()).toBeNull();
    expect(parsed(log.lines)).toEqual([
      expect.objectContaining({
        event: "retention.failed",
        level: 40,
        err: expect.objectContaining({
          code: "ER_STORE_WRITE_FAILED",
          message: "ER_STORE_WRITE_FAILED: purge failed (SQLITE_FULL)",
        }),
        msg: "retention purge failed; it runs again within the hour",
      }),
    ]);
  });
});
