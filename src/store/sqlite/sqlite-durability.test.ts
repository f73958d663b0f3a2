import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EnqueueEvent } from "../port.js";
import { openSqliteStore, type SqliteStore } from "./sqlite-store.js";
import { type CompiledStore, compileStoreForChild } from "./test-support/compile-store.js";
import { tempDir } from "./test-support/temp-dir.js";

const T0 = 1_700_000_000_000;
const SECRET_BODY = '{"traits":{"email":"secret-phi@example.com"}}';

function event(messageId: string): EnqueueEvent {
  return {
    sourceName: "web",
    messageId,
    eventType: "track",
    receivedAtMs: T0,
    body: SECRET_BODY,
    destinations: ["cio"],
  };
}

describe("SQLite group commit and durability", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function open(options: { maxEventsPerCommit?: number } = {}): { store: SqliteStore; path: string } {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = join(dir.path, "sluice.db");
    const store = openSqliteStore({ ...options, path });
    cleanups.push(() => store.close());
    return { store, path };
  }

  it("commits 200 concurrent enqueue calls in one transaction, every call durable", async () => {
    const { store } = open();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.enqueue([event(`g${i}`)])));
    expect(results.flat().filter((r) => !r.duplicate)).toHaveLength(200);
    expect(store.groupCommitStats()).toEqual({ commits: 1, failedCommits: 0, calls: 200, items: 200 });
    expect(await store.listDeliveries({ limit: 1000 })).toHaveLength(200);
  });

  it("caps a transaction at maxEventsPerCommit, never splitting a call", async () => {
    const { store } = open({ maxEventsPerCommit: 50 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.enqueue([event(`g${i}`)])));
    expect(store.groupCommitStats().commits).toBe(4);
    await store.enqueue(Array.from({ length: 120 }, (_, i) => event(`big${i}`)));
    expect(store.groupCommitStats()).toEqual({ commits: 5, failedCommits: 0, calls: 201, items: 320 });
  });

  it("commits calls made in different turns separately", async () => {
    const { store } = open();
    for (const id of ["a", "b", "c"]) await store.enqueue([event(id)]);
    expect(store.groupCommitStats().commits).toBe(3);
  });

  it("rejects every caller of a failed transaction, and commits nothing of it", async () => {
    const { store, path } = open();
    // Another connection adds a trigger that aborts the transaction holding the marker event.
    const raw = new Database(path);
    cleanups.push(() => {
      raw.close();
    });
    raw.exec(`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.message_id = 'poison'
              BEGIN SELECT RAISE(ABORT, 'poisoned'); END`);
    const ids = Array.from({ length: 10 }, (_, i) => (i === 7 ? "poison" : `v${i}`));
    const settled = await Promise.allSettled(ids.map((id) => store.enqueue([event(id)])));
    expect(settled.map((s) => s.status)).toEqual(ids.map(() => "rejected"));
    for (const outcome of settled) {
      const reason = (outcome as PromiseRejectedResult).reason as Error & { code: string };
      expect(reason.code).toBe("ER_STORE_WRITE_FAILED");
      expect(reason.message).not.toContain("secret-phi");
    }
    expect(store.groupCommitStats()).toMatchObject({ commits: 0, failedCommits: 1, calls: 0 });
    expect(await store.listDeliveries({})).toEqual([]);

    raw.exec("DROP TRIGGER poison");
    const retried = await store.enqueue(ids.map(event));
    expect(retried.every((r) => r.duplicate === false)).toBe(true); // no dedupe key survived either
  });

  describe("kill -9", () => {
    let compiled: CompiledStore;
    beforeAll(() => {
      compiled = compileStoreForChild();
    });
    afterAll(() => compiled.remove());

    it("keeps every acknowledged event, with its delivery, when the process is killed", async () => {
      const dir = tempDir();
      cleanups.push(dir.remove);
      const path = join(dir.path, "sluice.db");
      const fixture = fileURLToPath(new URL("./test-support/enqueue-until-killed.mjs", import.meta.url));
      const child = spawn(process.execPath, [fixture, compiled.sqliteStoreModule, path], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, signal) => resolve(signal)),
      );

      await waitFor(
        () => stdout.startsWith("ready\n"),
        10_000,
        () => `child did not start: ${stderr}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      expect(stderr).toBe("");

      // Only complete lines count: a line cut by the kill was not fully reported.
      const acknowledged = stdout.split("\n").slice(1, -1);
      expect(acknowledged.length).toBeGreaterThan(500);

      const reopened = openSqliteStore({ path });
      await reopened.close();
      const db = new Database(path, { readonly: true });
      cleanups.push(() => {
        db.close();
      });
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const stored = new Set(
        db
          .prepare<[], string>(
            "SELECT e.message_id FROM events e JOIN deliveries d ON d.event_seq = e.seq AND d.destination = 'other'",
          )
          .pluck()
          .all(),
      );
      const missing = acknowledged.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
