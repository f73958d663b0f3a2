import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../store/port.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { deliveriesCommand } from "./deliveries.js";

const T0 = Date.parse("2026-11-28T12:00:00Z");
let dir: ReturnType<typeof tempDir>;
let store: Store;

function io(): CliIo & { out: string[]; err: string[] } {
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
}

beforeEach(async () => {
  dir = tempDir();
  store = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
  const body = JSON.stringify({ type: "track", properties: { diagnosis: "CANARY-PHI" } });
  await store.enqueue(
    ["m-ok", "m-bad", "m-wait"].map((messageId) => ({
      sourceName: "web",
      messageId,
      eventType: "track",
      receivedAtMs: T0,
      body,
      destinations: ["cio"],
    })),
  );
  const [ok, bad] = await store.claim("cio", { limit: 2, nowMs: T0 + 1, leaseMs: 60_000 });
  await store.settle(
    [
      {
        deliveryId: ok!.deliveryId,
        leaseToken: ok!.leaseToken,
        state: "delivered",
        attempts: 1,
        status: 200,
      },
      {
        deliveryId: bad!.deliveryId,
        leaseToken: bad!.leaseToken,
        state: "failed",
        stage: "delivery",
        reason: "Customer.io rejected it: invalid",
        field: "identifiers.email",
        attempts: 1,
        status: 207,
      },
    ],
    T0 + 2,
  );
});

afterEach(async () => {
  await store.close();
  dir.remove();
});

describe("sluice deliveries", () => {
  it("prints the log newest first, with why an event stopped, and no payload values", async () => {
    const cli = io();
    expect(await deliveriesCommand.run([], cli)).toBe(0);
    const lines = cli.out.join("").trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^updated\s+destination\s+source\s+type\s+messageId\s+state\s+attempts\s+status\s+why$/,
    );
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(4, 8))).toEqual([
      ["m-wait", "queued", "0", "-"],
      ["m-bad", "failed", "1", "207"],
      ["m-ok", "delivered", "1", "200"],
    ]);
    expect(lines[2]).toContain("delivery: field identifiers.email: Customer.io rejected it: invalid");
    expect(cli.out.join("")).not.toContain("CANARY");
  });

  it("filters, and prints JSON lines on request", async () => {
    const cli = io();
    expect(await deliveriesCommand.run(["--state", "failed", "--json"], cli)).toBe(0);
    const entries = cli.out
      .join("")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({ messageId: "m-bad", state: "failed", lastStatus: 207 }),
    ]);
  });

  it("reads beside a running store without disturbing its leases", async () => {
    const [leased] = await store.claim("cio", { limit: 1, nowMs: T0 + 3, leaseMs: 60_000 });
    expect(leased?.messageId).toBe("m-wait");
    expect(await deliveriesCommand.run(["--message-id", "m-wait"], io())).toBe(0);
    // Still leased: a second claim gets nothing.
    expect(await store.claim("cio", { limit: 1, nowMs: T0 + 4, leaseMs: 60_000 })).toEqual([]);
  });

  it("says what is wrong with bad flags or a missing database", async () => {
    const cli = io();
    expect(await deliveriesCommand.run(["--state", "lost"], cli)).toBe(2);
    expect(cli.err.join("")).toContain("--state must be one of queued, retrying, delivered, failed, stopped");
    const elsewhere = { ...io(), env: { SLUICE_DATA_DIR: "nowhere" } };
    expect(await deliveriesCommand.run([], elsewhere)).toBe(1);
    expect(elsewhere.err.join("")).toMatch(/no Sluice database at .*nowhere\/sluice\.db/);
  });
});
