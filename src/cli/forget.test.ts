import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { personAuditTarget } from "../delivery/erasure.js";
import {
  loadTrackOpenApi,
  type Simulator,
  startSimulator,
} from "../destinations/customerio/simulator/index.js";
import { API_KEY, SITE_ID, send } from "../destinations/customerio/simulator/test-support.js";
import { orderingKeyOf } from "../ingest/ingest-app.js";
import { verifyAuditChain } from "../store/audit-chain.js";
import { encryptStore } from "../store/encrypted-store.js";
import { readKeyring } from "../store/keyring.js";
import type { EnqueueEvent, Store } from "../store/port.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

// `sluice forget` against a real SQLite store (open, as a running Sluice holds it) and the strict
// Customer.io simulator.

const T0 = Date.parse("2026-11-28T12:00:00Z");
const openApi = loadTrackOpenApi();
let sim: Simulator;
let dir: { path: string; remove: () => void };
let store: SqliteStore;

beforeAll(async () => {
  if (!openApi) throw new Error("the Track OpenAPI spec must be present for these tests");
  sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  sim.reset();
  dir = tempDir();
  store = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
  writeFileSync(
    `${dir.path}/sluice.yaml`,
    [
      "destinations:",
      "  - name: cio",
      "    type: customerio",
      "    settings:",
      `      siteId: ${SITE_ID}`,
      "      apiKey: ${CIO_API_KEY}",
      `      trackUrl: ${sim.url}`,
      "  - name: cio-eu",
      "    type: customerio",
      "    settings:",
      `      siteId: ${SITE_ID}`,
      "      apiKey: ${CIO_API_KEY}",
      `      trackUrl: ${sim.url}`,
      "",
    ].join("\n"),
  );
  await history(store);
  // Customer.io knows both people.
  const identify = (identifiers: object) => ({
    type: "person",
    action: "identify",
    identifiers,
    attributes: {},
  });
  const response = await send(sim, "POST", "/api/v2/batch", {
    batch: [identify({ id: "ada-1" }), identify({ id: "bob-1" }), identify({ email: "ada@example.com" })],
  });
  expect(response.status).toBe(200);
});
afterEach(async () => {
  await store.close();
  dir.remove();
});

/** What ingest would store for a call (the ordering key as ingest computes it). */
function call(messageId: string, body: Record<string, unknown>, destinations = ["cio"]): EnqueueEvent {
  return {
    sourceName: "web",
    messageId,
    eventType: String(body["type"]),
    receivedAtMs: T0,
    body: JSON.stringify({ messageId, ...body }),
    destinations,
    ...orderingKeyOf(body),
  };
}

/**
 * Ada (userId ada-1): an identify delivered, a track failed (dead letter), a track waiting. Bob: the
 * same. An anonymous visitor whose waiting identify carries Ada's email, and Tom, whose waiting track
 * mentions it.
 */
async function history(target: Store): Promise<void> {
  await target.enqueue([
    call("ada-identify", { type: "identify", userId: "ada-1", traits: { email: "ada@example.com" } }),
    call("ada-order", { type: "track", userId: "ada-1", event: "Order Completed" }),
    call("bob-identify", { type: "identify", userId: "bob-1", traits: { email: "bob@example.com" } }),
    call("bob-order", { type: "track", userId: "bob-1", event: "Order Completed" }),
  ]);
  const claimed = await target.claim("cio", { limit: 10, nowMs: T0 + 1000, leaseMs: 1000 });
  await target.settle(
    claimed.map((delivery) =>
      delivery.messageId.endsWith("identify")
        ? {
            deliveryId: delivery.deliveryId,
            leaseToken: delivery.leaseToken,
            state: "delivered" as const,
            attempts: 1,
            status: 200,
          }
        : {
            deliveryId: delivery.deliveryId,
            leaseToken: delivery.leaseToken,
            state: "failed" as const,
            stage: "delivery" as const,
            reason: "rejected (400)",
            attempts: 1,
            status: 400,
          },
    ),
    T0 + 1100,
  );
  await target.enqueue([
    call("ada-later", { type: "track", userId: "ada-1", event: "Signed Up" }, ["cio", "cio-eu"]),
    call("bob-later", { type: "track", userId: "bob-1", event: "Signed Up" }),
    call("anon-identify", { type: "identify", anonymousId: "anon-9", traits: { email: "ADA@example.com" } }),
    call("tom-track", {
      type: "track",
      userId: "tom-1",
      event: "Referred",
      properties: { friend: "ada@example.com" },
    }),
  ]);
}

async function sluice(args: readonly string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { SLUICE_DATA_DIR: "data", CIO_API_KEY: API_KEY, SLUICE_ACTOR: "dpo@clinic", ...env },
    cwd: dir.path,
  };
  const code = await runCli(args, io);
  return { code, out: out.join(""), err: err.join("") };
}

async function messageIds(): Promise<string[]> {
  return (await store.listDeliveries({ limit: 1000 }))
    .map((row) => `${row.messageId}/${row.destination}`)
    .reverse();
}

const EVERYONE = [
  "ada-identify/cio",
  "ada-order/cio",
  "bob-identify/cio",
  "bob-order/cio",
  "ada-later/cio",
  "ada-later/cio-eu",
  "bob-later/cio",
  "anon-identify/cio",
  "tom-track/cio",
];

describe("sluice forget", () => {
  it("without --yes prints what it would do, changes nothing and exits 2", async () => {
    const target = personAuditTarget({ userId: "ada-1" });
    expect(await sluice(["forget", "--user-id", "ada-1", "--config", "sluice.yaml"])).toEqual({
      code: 2,
      out: [
        "sluice forget would, for the person with this user id:",
        `  1. remove their queued and logged data from the SQLite database ${dir.path}/data/sluice.db: deliveries and events with their ordering key`,
        `  2. ask Customer.io to delete them in: cio (${sim.url}), cio-eu (${sim.url})`,
        `  3. record the request in the audit log as ${target} (a hash, never the identifier)`,
        "nothing was changed: run again with --yes to do it",
        "",
      ].join("\n"),
      err: "",
    });
    expect(await messageIds()).toEqual(EVERYONE);
    expect(sim.state.people.size).toBe(3);
    expect(await store.listAudit({})).toEqual([]);
  });

  it("removes the person's rows in every state, deletes them at Customer.io and audits it without the id", async () => {
    const result = await sluice(["forget", "--user-id", "ada-1", "--config", "sluice.yaml", "--yes"]);
    const target = personAuditTarget({ userId: "ada-1" });
    expect(result).toEqual({
      code: 0,
      out: [
        `removed from the SQLite database ${dir.path}/data/sluice.db: 4 deliveries and 3 events`,
        "cio: Customer.io accepted the delete (200)",
        "cio-eu: Customer.io accepted the delete (200)",
        `recorded in the audit log as entry 1 (target ${target})`,
        "",
      ].join("\n"),
      err: "",
    });
    expect(await messageIds()).toEqual([
      "bob-identify/cio",
      "bob-order/cio",
      "bob-later/cio",
      "anon-identify/cio",
      "tom-track/cio",
    ]);
    expect(sim.state.findPerson({ id: "ada-1" })).toBeUndefined();
    expect(sim.state.findPerson({ id: "bob-1" })).toBeDefined();
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
    const audit = await store.listAudit({});
    expect(audit).toEqual([
      {
        seq: 1,
        atMs: expect.any(Number),
        actor: "dpo@clinic",
        action: "person.forget",
        target,
        outcome: "ok",
        detail: {
          customerio: [
            { destination: "cio", result: "accepted", status: 200 },
            { destination: "cio-eu", result: "accepted", status: 200 },
          ],
          identifier: "user_id",
          local: { deliveries: 4, events: 3, inFlight: 0 },
          mode: "delete",
        },
        prevHash: "0".repeat(64),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain("ada-1");
    const state = await store.auditState();
    expect(verifyAuditChain(audit, state.anchor, state.head)).toMatchObject({ ok: true, entries: 1 });
  });

  it("finds an email's events through the stored bodies and suppresses it in one destination", async () => {
    const result = await sluice([
      "forget",
      "--email",
      "Ada@Example.com",
      "--suppress",
      "--destination",
      "cio",
      "--config",
      "sluice.yaml",
      "--yes",
    ]);
    expect(result.code).toBe(0);
    expect(result.out.split("\n").slice(0, 2)).toEqual([
      `removed from the SQLite database ${dir.path}/data/sluice.db: 2 deliveries and 2 events`,
      "cio: Customer.io accepted the suppress (200)",
    ]);
    // The anonymous identify (about Ada) and Tom's mention go; Ada's delivered identify had no body left,
    // and her userId is not an email: `--user-id ada-1` erases the rest.
    expect(await messageIds()).toEqual([
      "ada-identify/cio",
      "ada-order/cio",
      "bob-identify/cio",
      "bob-order/cio",
      "ada-later/cio",
      "ada-later/cio-eu",
      "bob-later/cio",
    ]);
    expect(sim.state.suppressedIdentifiers).toEqual(["email:ada@example.com"]);
    const [entry] = await store.listAudit({});
    expect(entry).toMatchObject({
      action: "person.forget",
      target: personAuditTarget({ email: "ada@example.com" }),
      detail: {
        identifier: "email",
        mode: "suppress",
        customerio: [{ destination: "cio", result: "accepted" }],
      },
    });
    expect(JSON.stringify(entry).toLowerCase()).not.toContain("ada@example.com");
  });

  it("reports a destination Customer.io refused and exits 1, after erasing locally and auditing", async () => {
    writeFileSync(
      `${dir.path}/wrong.yaml`,
      `destinations:\n  - name: cio\n    type: customerio\n    settings: { siteId: ${SITE_ID}, apiKey: wrong-key, trackUrl: "${sim.url}" }\n`,
    );
    const result = await sluice(["forget", "--user-id", "bob-1", "--config", "wrong.yaml", "--yes"]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      "cio: unauthorized after 1 attempt(s) (401): credentials refused (401): check siteId and apiKey\n",
    );
    expect(await messageIds()).not.toContain("bob-later/cio");
    expect((await store.listAudit({}))[0]?.detail).toMatchObject({
      customerio: [{ destination: "cio", result: "unauthorized", status: 401 }],
    });
  });

  it("erases locally only, and says so, without a configuration", async () => {
    const result = await sluice(["forget", "--user-id", "bob-1", "--yes"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("Customer.io: nothing sent (no destination configured)\n");
    expect(await messageIds()).toEqual([
      "ada-identify/cio",
      "ada-order/cio",
      "ada-later/cio",
      "ada-later/cio-eu",
      "anon-identify/cio",
      "tom-track/cio",
    ]);
  });

  it("refuses bad arguments with exit 2 and an unknown destination with exit 1", async () => {
    for (const args of [
      [],
      ["--user-id", "a", "--email", "a@b.co"],
      ["--email", "not-an-email"],
      ["--user-id", ""],
      ["--user-id", "a", "--frobnicate"],
    ]) {
      const result = await sluice(["forget", ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err).toContain("usage: sluice forget");
    }
    expect(
      await sluice(["forget", "--user-id", "a", "--destination", "nope", "--config", "sluice.yaml"]),
    ).toEqual({
      code: 1,
      out: "",
      err: 'sluice: no destination "nope" in sluice.yaml; it has cio, cio-eu\n',
    });
    expect(await messageIds()).toEqual(EVERYONE);
  });
});

describe("sluice forget with encryption at rest", () => {
  it("reads the encrypted bodies with the key, and says which it could not read without it", async () => {
    const key = `k1:${randomBytes(32).toString("base64")}`;
    const keyring = readKeyring({ SLUICE_ENCRYPTION_KEY: key }, dir.path);
    if (keyring === null) throw new Error("expected a keyring");
    const encrypted = encryptStore(openSqliteStore({ path: `${dir.path}/sealed/sluice.db` }), keyring);
    try {
      await encrypted.enqueue([
        call("sealed-anon", {
          type: "identify",
          anonymousId: "anon-1",
          traits: { email: "ada@example.com" },
        }),
        call("sealed-bob", { type: "identify", userId: "bob-1", traits: { email: "bob@example.com" } }),
      ]);
      const withoutKey = await sluice(["forget", "--email", "ada@example.com", "--yes"], {
        SLUICE_DATA_DIR: "sealed",
      });
      expect(withoutKey.code).toBe(0);
      expect(withoutKey.out.split("\n").slice(0, 2)).toEqual([
        `removed from the SQLite database ${dir.path}/sealed/sluice.db: 0 deliveries and 0 events`,
        "  2 stored bodies are encrypted and could not be read, so they were not searched for the address: set SLUICE_ENCRYPTION_KEY or SLUICE_ENCRYPTION_KEY_FILE as for sluice start and run again",
      ]);
      const withKey = await sluice(["forget", "--email", "ada@example.com", "--yes"], {
        SLUICE_DATA_DIR: "sealed",
        SLUICE_ENCRYPTION_KEY: key,
      });
      expect(withKey.out.split("\n")[0]).toBe(
        `removed from the SQLite database ${dir.path}/sealed/sluice.db: 1 deliveries and 1 events`,
      );
      expect((await encrypted.listDeliveries({})).map((row) => row.messageId)).toEqual(["sealed-bob"]);
    } finally {
      await encrypted.close();
    }
  });
});
