import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { readEnv, startSluice } from "../main.js";
import type { AuditEntry, AuditRecord } from "../store/port.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { AUDIT_ACTIONS, audit, auditActor, fileFingerprint } from "./audit.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("audit", () => {
  it("stamps the entry with the clock unless it has a time, and returns the stored record", async () => {
    const appended: AuditEntry[] = [];
    const store = {
      appendAudit: async (entry: AuditEntry): Promise<AuditRecord> => {
        appended.push(entry);
        return { ...entry, seq: appended.length, prevHash: "0".repeat(64), hash: "f".repeat(64) };
      },
    };
    const record = await audit(
      store,
      { actor: "ops", action: AUDIT_ACTIONS.dlqReplay, outcome: "ok" },
      () => 42,
    );
    await audit(
      store,
      { atMs: 7, actor: "ops", action: AUDIT_ACTIONS.payloadView, outcome: "denied" },
      () => 42,
    );
    expect(appended).toEqual([
      { atMs: 42, actor: "ops", action: "dlq.replay", outcome: "ok" },
      { atMs: 7, actor: "ops", action: "payload.view", outcome: "denied" },
    ]);
    expect(record.seq).toBe(1);
  });

  it("names the CLI's actor from SLUICE_ACTOR, else the OS user", () => {
    expect(auditActor({ SLUICE_ACTOR: "  ada.ops  " })).toBe("ada.ops");
    expect(auditActor({ SLUICE_ACTOR: "" })).toBe(userInfo().username);
    expect(auditActor({})).toBe(userInfo().username);
  });

  it("fingerprints a file by its bytes, and nothing without one", () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    writeFileSync(`${dir.path}/a.yaml`, "sources: []\n");
    expect(fileFingerprint(`${dir.path}/a.yaml`)).toBe(
      `sha256:${createHash("sha256").update("sources: []\n").digest("hex")}`,
    );
    expect(fileFingerprint(`${dir.path}/missing.yaml`)).toBeNull();
    expect(fileFingerprint(null)).toBeNull();
  });
});

describe("Sluice's start", () => {
  it("is audited with the configuration file's fingerprint, never its content", async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const text = "sources:\n  - name: website\n    writeKey: ${WRITE_KEY}\n";
    writeFileSync(`${dir.path}/sluice.yaml`, text);
    const env = readEnv(
      { PORT: "0", HOST: "127.0.0.1", SLUICE_DATA_DIR: "data", SLUICE_CONFIG: "sluice.yaml" },
      dir.path,
    );
    const sluice = await startSluice({
      env,
      rawEnv: { WRITE_KEY: "wk_secret_value_1" },
      logger: memoryLogger().logger,
      checkCredentials: false,
      clock: () => 1_800_000_000_000,
    });
    cleanups.push(() => sluice.stop());
    const entries = await sluice.store.listAudit({});
    expect(entries).toEqual([
      expect.objectContaining({
        seq: 1,
        atMs: 1_800_000_000_000,
        actor: "sluice",
        action: "sluice.start",
        outcome: "ok",
        detail: {
          configFingerprint: `sha256:${createHash("sha256").update(text).digest("hex")}`,
          store: "sqlite",
        },
      }),
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/website|wk_secret/);
  });
});
