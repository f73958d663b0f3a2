import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { CANARIES, deadLetterFixture, type Fixture } from "./test-support/dead-letter-fixture.js";

// `sluice dlq` records payload views and replays in the audit log.

let fixture: Fixture;

beforeEach(async () => {
  fixture = await deadLetterFixture();
});
afterEach(async () => {
  await fixture.close();
});

async function dlq(args: readonly string[]) {
  const base = fixture.io();
  const io = { ...base, env: { ...base.env, SLUICE_ACTOR: "ada.ops" } };
  const code = await runCli(["dlq", ...args], io);
  return { code, out: base.out.join(""), err: base.err.join("") };
}

describe("the audit trail of sluice dlq", () => {
  it("records a --reveal view of a payload, naming the delivery and never a value", async () => {
    expect((await dlq(["show", "1"])).code).toBe(0);
    expect(await fixture.store.listAudit({})).toEqual([]);
    const shown = await dlq(["show", "--reveal", "1"]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain("CANARY-PHI");
    const audit = await fixture.store.listAudit({});
    expect(audit).toEqual([
      expect.objectContaining({
        seq: 1,
        actor: "ada.ops",
        action: "payload.view",
        target: "delivery:1",
        outcome: "ok",
        detail: { destination: "cio", via: "sluice dlq show --reveal" },
      }),
    ]);
    for (const canary of CANARIES) expect(JSON.stringify(audit)).not.toContain(canary);
  });

  it("shows nothing when the view cannot be recorded", async () => {
    // A damaged audit log (its chain head is gone): the append fails, so nothing is revealed.
    const db = new Database(`${fixture.dir.path}/data/sluice.db`);
    db.exec("DROP TABLE audit_state");
    db.close();
    const shown = await dlq(["show", "--reveal", "1"]);
    expect(shown).toEqual({
      code: 1,
      out: "",
      err: "sluice: ER_STORE_WRITE_FAILED: audit append failed (SQLITE_ERROR); nothing was recorded\n",
    });
  });

  it("records a replay with its filter and counts, and not a dry run", async () => {
    expect((await dlq(["replay", "--all", "--dry-run"])).code).toBe(0);
    expect(await fixture.store.listAudit({})).toEqual([]);
    expect(
      (await dlq(["replay", "--destination", "cio", "--since", "2026-11-28", "--limit", "5"])).code,
    ).toBe(0);
    expect((await dlq(["replay", "--id", "3", "7"])).code).toBe(0);
    const audit = await fixture.store.listAudit({});
    expect(audit.map(({ actor, action, outcome, detail }) => ({ actor, action, outcome, detail }))).toEqual([
      {
        actor: "ada.ops",
        action: "dlq.replay",
        outcome: "ok",
        detail: {
          filter: { destination: "cio", since: "2026-11-28T00:00:00.000Z" },
          limit: 5,
          matched: 2,
          replayed: 2,
        },
      },
      {
        actor: "ada.ops",
        action: "dlq.replay",
        outcome: "ok",
        detail: { filter: { deliveryIds: [3, 7] }, matched: 0, replayed: 0 },
      },
    ]);
  });
});
