import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEntry } from "../store/port.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

const T0 = Date.parse("2026-11-28T12:00:00Z");

let dir: { path: string; remove: () => void };
let store: SqliteStore;
const dbPath = () => `${dir.path}/data/sluice.db`;

beforeEach(() => {
  dir = tempDir();
  // A running Sluice: the store stays open while the commands run.
  store = openSqliteStore({ path: dbPath() });
});
afterEach(async () => {
  await store.close();
  dir.remove();
});

async function sluice(args: readonly string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { SLUICE_DATA_DIR: "data", ...env },
    cwd: dir.path,
  };
  const code = await runCli(args, io);
  return { code, out: out.join(""), err: err.join("") };
}

const ENTRIES: AuditEntry[] = [
  {
    atMs: T0,
    actor: "sluice",
    action: "sluice.start",
    outcome: "ok",
    detail: { store: "sqlite", configFingerprint: null },
  },
  {
    atMs: T0 + 1000,
    actor: "ada.ops",
    action: "payload.view",
    target: "delivery:7",
    outcome: "ok",
    detail: { destination: "cio" },
  },
  { atMs: T0 + 2000, actor: "viewer", action: "payload.view", target: "delivery:8", outcome: "denied" },
];

async function appendAll(): Promise<string[]> {
  const hashes: string[] = [];
  for (const entry of ENTRIES) hashes.push((await store.appendAudit(entry)).hash);
  return hashes;
}

function tamper(sql: string): void {
  const db = new Database(dbPath());
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe("sluice audit verify", () => {
  it("reports an empty log as intact", async () => {
    expect(await sluice(["audit", "verify"])).toEqual({
      code: 0,
      out: "audit log intact: 0 entries, head 00000000\n",
      err: "",
    });
  });

  it("reports an intact log with its entry count and the head's first 8 hex digits", async () => {
    const hashes = await appendAll();
    expect(await sluice(["audit", "verify"])).toEqual({
      code: 0,
      out: `audit log intact: 3 entries, head ${hashes[2]?.slice(0, 8)}\n`,
      err: "",
    });
  });

  it("exits 1 naming the first broken seq and what is wrong, for edits, removals and reordering", async () => {
    await appendAll();
    tamper("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2");
    expect(await sluice(["audit", "verify"])).toEqual({
      code: 1,
      out: "audit log broken at seq 2: entry 2 was edited: its fields no longer match its hash (edited)\n1 entry before it verified\n",
      err: "",
    });
    tamper("UPDATE audit_log SET actor = 'ada.ops' WHERE seq = 2");
    expect((await sluice(["audit", "verify"])).code).toBe(0);
    tamper(
      "UPDATE audit_log SET seq = 0 WHERE seq = 1; UPDATE audit_log SET seq = 1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 0",
    );
    expect(await sluice(["audit", "verify"])).toMatchObject({
      code: 1,
      out: "audit log broken at seq 1: entry 1 holds an entry written at another place (reordered)\n0 entries before it verified\n",
    });
    tamper(
      "UPDATE audit_log SET seq = 0 WHERE seq = 1; UPDATE audit_log SET seq = 1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 0",
    );
    tamper("DELETE FROM audit_log WHERE seq = 3");
    expect(await sluice(["audit", "verify"])).toMatchObject({
      code: 1,
      out: "audit log broken at seq 3: entry 3, the last one written, was removed (removed)\n2 entries before it verified\n",
    });
  });

  it("verifies from the retention anchor after a purge, and says so", async () => {
    const hashes = await appendAll();
    await store.purge({
      deliveryLogBefore: 0,
      deadLettersBefore: 0,
      auditBefore: T0 + 1500,
      nowMs: T0,
      chunk: 10,
    });
    expect(await sluice(["audit", "verify"])).toEqual({
      code: 0,
      out: `audit log intact: 1 entries, head ${hashes[2]?.slice(0, 8)}\nentries 1 to 2 were removed by the retention purge; verified from its anchor (seq 2, ${hashes[1]?.slice(0, 8)})\n`,
      err: "",
    });
  });

  it("says plainly when there is no database", async () => {
    expect(await sluice(["audit", "verify"], { SLUICE_DATA_DIR: "elsewhere" })).toEqual({
      code: 1,
      out: "",
      err: `sluice: ER_STORE_CLOSED: no Sluice database at ${dir.path}/elsewhere/sluice.db (unreadable)\n`,
    });
  });
});

describe("sluice audit list", () => {
  it("prints the newest entries first as a table, the detail as canonical JSON", async () => {
    expect(await sluice(["audit", "list"])).toEqual({ code: 0, out: "the audit log is empty\n", err: "" });
    await appendAll();
    expect(await sluice(["audit", "list"])).toEqual({
      code: 0,
      out: [
        "seq  time                      actor    action        outcome  target      detail",
        "3    2026-11-28T12:00:02.000Z  viewer   payload.view  denied   delivery:8  -",
        '2    2026-11-28T12:00:01.000Z  ada.ops  payload.view  ok       delivery:7  {"destination":"cio"}',
        '1    2026-11-28T12:00:00.000Z  sluice   sluice.start  ok       -           {"configFingerprint":null,"store":"sqlite"}',
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("prints JSON lines with the chain fields, and honours --limit", async () => {
    const hashes = await appendAll();
    const result = await sluice(["audit", "list", "--json", "--limit", "2"]);
    expect(result.code).toBe(0);
    const lines = result.out
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { ...ENTRIES[2], seq: 3, prevHash: hashes[1], hash: hashes[2] },
      { ...ENTRIES[1], seq: 2, prevHash: hashes[0], hash: hashes[1] },
    ]);
  });

  it("rejects bad arguments with exit 2", async () => {
    expect((await sluice(["audit", "list", "--limit", "0"])).code).toBe(2);
    expect((await sluice(["audit", "list", "--limit", "0"])).err).toBe(
      "--limit must be an integer from 1 to 1000\n",
    );
    expect((await sluice(["audit", "list", "--since", "1d"])).code).toBe(2);
    expect((await sluice(["audit"])).err).toMatch(/^missing subcommand\n\nusage: sluice audit verify/);
    expect((await sluice(["audit", "verify", "--fast"])).code).toBe(2);
  });
});
