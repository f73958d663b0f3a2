import { escapeIdentifier } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../store-error.js";
import type { PostgresStore } from "./postgres-store.js";
import { adminQuery, requirePostgres, testStores } from "./test-support/test-database.js";

// The cluster-wide token bucket (`takeRequestTokens`, table `rate_limits`): exact arithmetic on one
// store, then several stores ("nodes") with their own pools taking from one bucket at once.

beforeAll(requirePostgres);

const T0 = 1_700_000_000_000;
const stores = testStores();
afterEach(() => stores.cleanup());

async function nodes(count: number): Promise<PostgresStore[]> {
  const first = await stores.open({ poolSize: 4 });
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () => stores.open({ schema: first.schema, poolSize: 4 })),
  );
  return [first, ...rest];
}

describe("takeRequestTokens", () => {
  it("starts full, then reserves tokens at the rate: the waits are exact", async () => {
    const [store] = await nodes(1);
    const take = (nowMs: number) => store!.takeRequestTokens("ws", 10, 3, nowMs);
    // 3 tokens of burst, then one every 100 ms (rate 10/s), reserved in turn.
    expect([await take(T0), await take(T0), await take(T0), await take(T0), await take(T0)]).toEqual([
      0, 0, 0, 100, 200,
    ]);
    // 250 ms later: 2.5 tokens earned, 2 were owed: half a token, so the next is 50 ms away.
    expect(await take(T0 + 250)).toBe(50);
    expect(await take(T0 + 250)).toBe(150);
    expect(await take(T0 + 400)).toBe(100);
    // A long pause refills up to the burst only.
    expect([await take(T0 + 60_000), await take(T0 + 60_000), await take(T0 + 60_000)]).toEqual([0, 0, 0]);
    expect(await take(T0 + 60_000)).toBe(100);
  });

  it("earns nothing from a clock that lags the bucket's last update (skew only tightens the limit)", async () => {
    const [store] = await nodes(1);
    expect(await store!.takeRequestTokens("ws", 10, 1, T0 + 5000)).toBe(0);
    // A node whose clock is 5 s behind: no refill, its token is reserved after the first.
    expect(await store!.takeRequestTokens("ws", 10, 1, T0)).toBe(100);
    const [row] = await adminQuery<{ tokens: number; updated_at_ms: string }>(
      `SELECT tokens, updated_at_ms FROM ${escapeIdentifier(store!.schema)}.rate_limits WHERE key = 'ws'`,
    );
    expect(row).toEqual({ tokens: -1, updated_at_ms: String(T0 + 5000) });
  });

  it("keeps one bucket per key", async () => {
    const [store] = await nodes(1);
    expect(await store!.takeRequestTokens("workspace-a", 1, 1, T0)).toBe(0);
    expect(await store!.takeRequestTokens("workspace-b", 1, 1, T0)).toBe(0);
    expect(await store!.takeRequestTokens("workspace-a", 1, 1, T0)).toBe(1000);
  });

  it("rejects bad input with ER_STORE_INVALID_INPUT and nothing written", async () => {
    const [store] = await nodes(1);
    const attempts: [string, number, number, number][] = [
      ["", 10, 1, T0],
      ["ws", 0, 1, T0],
      ["ws", Number.NaN, 1, T0],
      ["ws", 10, 0.5, T0],
      ["ws", 10, 1, -1],
      ["ws\u0000", 10, 1, T0],
    ];
    for (const [key, rate, burst, nowMs] of attempts) {
      const error = await store!
        .takeRequestTokens(key, rate, burst, nowMs)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe("ER_STORE_INVALID_INPUT");
    }
    const rows = await adminQuery(`SELECT * FROM ${escapeIdentifier(store!.schema)}.rate_limits`);
    expect(rows).toEqual([]);
  });

  it("never lets several nodes together exceed rate × seconds + burst, and shares one budget", async () => {
    const rate = 100;
    const burst = 10;
    const perLoop = 40;
    const [a, b, c] = await nodes(3);
    const started = Date.now();
    // 3 nodes × 3 concurrent loops, each taking 40 tokens as fast as it can (no sleeping: each
    // token's go time is when the answer came plus the wait it was given).
    const goTimes = (
      await Promise.all(
        [a!, b!, c!].flatMap((node) =>
          Array.from({ length: 3 }, async () => {
            const times: number[] = [];
            for (let i = 0; i < perLoop; i++) {
              const wait = await node.takeRequestTokens("shared", rate, burst, Date.now());
              times.push(Date.now() + wait);
            }
            return times;
          }),
        ),
      )
    )
      .flat()
      .sort((x, y) => x - y);
    expect(goTimes.length).toBe(9 * perLoop);
    // The k-th token (1-based) cannot be usable before burst + rate × elapsed allows it.
    const early = goTimes.filter((at, index) => index + 1 > burst + (rate * (at - started)) / 1000 + 1);
    expect(early).toEqual([]);
    // One budget for all: the last of 360 tokens is 3.5 s out, not a third of that (one bucket each).
    const lastMs = goTimes.at(-1)! - started;
    expect(lastMs).toBeGreaterThanOrEqual(((9 * perLoop - burst) / rate) * 1000 - 50);
  });
});
