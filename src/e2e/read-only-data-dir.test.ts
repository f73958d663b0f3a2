// A data directory that stops taking writes while Sluice runs: Sluice's data dir is a 4 MB tmpfs that
// the test fills with a junk file, so SQLite's commits fail with SQLITE_FULL for real. Intake must
// answer 503 ER_UNAVAILABLE (nothing acknowledged), stay up, accept again once space is freed, and
// deliver everything it acknowledged before, during and after.
//
// Mounting a tmpfs needs root (or passwordless sudo, as on CI runners). Without either the test fails
// saying so: chmod cannot stand in for it, because root ignores file permissions.
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { killRunningCliProcesses, startSluiceProcess } from "../test-support/cli-process.js";
import {
  deliveryLogOf,
  E2E_API_KEY,
  E2E_ENV,
  E2E_SITE_ID,
  IngestClient,
  type IngestOutcome,
  waitFor,
  waitForReady,
  waitingDeliveries,
  writeSluiceConfig,
} from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";

const TMPFS_SIZE = "4m";
const UNAVAILABLE_BODY = JSON.stringify({
  error: { code: "ER_UNAVAILABLE", message: "events could not be stored; retry later" },
});

/** Run a privileged command: directly as root, else through `sudo -n` (never prompts). */
function privileged(command: string, args: readonly string[]): void {
  if (process.getuid?.() === 0) execFileSync(command, args, { stdio: "pipe" });
  else execFileSync("sudo", ["-n", command, ...args], { stdio: "pipe" });
}

function mountTmpfs(path: string): void {
  try {
    privileged("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE},mode=0777`, "tmpfs", path]);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(
      `this test mounts a ${TMPFS_SIZE} tmpfs to fill it: run it as root or with passwordless sudo ` +
        `(mount failed: ${stderr || (error as Error).message})`,
    );
  }
}

/** Fill the filesystem holding `path` with one file until a write fails with ENOSPC. */
function fillDisk(path: string): number {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(4096, 0x5a);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

interface Call {
  path: string;
  body: Record<string, unknown>;
  trackIds: string[];
  identifyIds: string[];
}

let seq = 0;
function track(userId: string): { type: "track"; userId: string; messageId: string; event: string } {
  return { type: "track", userId, messageId: `ro-t-${seq++}`, event: "Signed Up" };
}
function identify(userId: string): Record<string, unknown> & { messageId: string } {
  return {
    type: "identify",
    userId,
    messageId: `ro-i-${seq++}`,
    traits: { email: `${userId}@example.com`, first_name: "Ro", plan: "pro" },
  };
}
/** A single track, a single identify, or a batch of both, alternating. */
function nextCall(n: number): Call {
  const user = `ro-user-${n % 7}`;
  if (n % 3 === 0) {
    const { type: _type, ...body } = track(user);
    return { path: "/v1/track", body, trackIds: [body.messageId], identifyIds: [] };
  }
  if (n % 3 === 1) {
    const { type: _type, ...body } = identify(user);
    return { path: "/v1/identify", body, trackIds: [], identifyIds: [body.messageId] };
  }
  const tracks = [track(user), track(user), track(user)];
  const person = identify(user);
  return {
    path: "/v1/batch",
    body: { batch: [tracks[0], person, tracks[1], tracks[2]] },
    trackIds: tracks.map((event) => event.messageId),
    identifyIds: [person.messageId],
  };
}

const dir = tempDir("sluice-full-disk-");
const mountPoint = join(dir.path, "mnt");
let mounted = false;
let sim: Simulator | undefined;
const client = new IngestClient();

beforeAll(() => {
  mkdirSync(mountPoint);
  mountTmpfs(mountPoint);
  mounted = true;
});

afterAll(async () => {
  await killRunningCliProcesses();
  await client.close();
  await sim?.close();
  // Lazy unmount: succeeds even if something still holds a file open there.
  if (mounted) privileged("umount", ["-l", mountPoint]);
  dir.remove();
});

describe("a full data disk while Sluice runs", () => {
  it("answers 503 ER_UNAVAILABLE, stays up, recovers once space is freed and loses nothing", async () => {
    sim = await startSimulator({ siteId: E2E_SITE_ID, apiKey: E2E_API_KEY, openApi: loadTrackOpenApi() });
    // Customer.io rate-limits everything at first, so what is acknowledged stays queued on the full disk.
    sim.failNext(10_000, { status: 429, retryAfterSeconds: 1 });
    const configPath = writeSluiceConfig(dir.path, sim.url);
    const dataDir = join(mountPoint, "data");
    const sluice = await startSluiceProcess({ dataDir, configPath, env: E2E_ENV });
    await waitForReady(client, sluice.url, 10_000);

    const ackedTracks = new Set<string>();
    const ackedIdentifies = new Set<string>();
    const send = async (call: Call): Promise<IngestOutcome> => {
      const outcome = await client.post(sluice.url, call.path, call.body);
      if ("status" in outcome && outcome.status === 200) {
        for (const id of call.trackIds) ackedTracks.add(id);
        for (const id of call.identifyIds) ackedIdentifies.add(id);
      }
      return outcome;
    };

    // 1. Space left: every call is acknowledged.
    let n = 0;
    const before: IngestOutcome[] = [];
    for (; n < 30; n++) before.push(await send(nextCall(n)));
    expect(before.filter((outcome) => !("status" in outcome) || outcome.status !== 200)).toEqual([]);
    expect(ackedTracks.size).toBe(40);

    // 2. The disk fills up. A commit may still fit in space SQLite had already allocated, so send until
    //    the first 503; from then on every call must be refused the documented way.
    const junk = join(mountPoint, "junk");
    expect(fillDisk(junk)).toBeGreaterThan(0);
    const refused: Call[] = [];
    await waitFor(
      async () => {
        const call = nextCall(n++);
        const outcome = await send(call);
        if ("status" in outcome && outcome.status === 503) refused.push(call);
        return refused.length > 0;
      },
      10_000,
      () => `a 503 once the disk is full (${n} calls sent)`,
    );
    const whileFull: IngestOutcome[] = [];
    for (let i = 0; i < 12; i++) {
      const call = nextCall(n++);
      refused.push(call);
      whileFull.push(await send(call));
    }
    // Customer.io is back meanwhile: nothing may be marked delivered unless it was recorded.
    sim.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    whileFull.push(await send(refused[0]!));
    expect(whileFull).toEqual(Array.from({ length: 13 }, () => ({ status: 503, body: UNAVAILABLE_BODY })));
    // Still alive and answering.
    expect(await client.get(sluice.url, "/healthz")).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(sluice.process.exitStatus()).toBeNull();
    const storeFailed = sluice.process.logs().filter((line) => line.event === "ingest.store_failed");
    expect(storeFailed.length).toBeGreaterThan(0);
    // Readiness says so too, so a load balancer can send the traffic to a node that can store it.
    expect(await client.get(sluice.url, "/readyz")).toMatchObject({ status: 503 });
    expect(storeFailed[0]).toMatchObject({
      level: 50,
      err: { code: "ER_STORE_WRITE_FAILED", message: expect.stringContaining("SQLITE_FULL") },
      msg: "events could not be stored; answering 503",
    });

    // 3. Space is freed: the refused calls, retried with the same messageIds, are acknowledged.
    rmSync(junk);
    await waitFor(
      async () => {
        const outcome = await send(refused[0]!);
        return "status" in outcome && outcome.status === 200;
      },
      10_000,
      () => "intake to accept again after freeing space",
    );
    for (const call of refused.slice(1)) {
      expect(await send(call)).toEqual({ status: 200, body: '{"success":true}' });
    }
    const after: IngestOutcome[] = [];
    for (let i = 0; i < 6; i++) after.push(await send(nextCall(n++)));
    expect(after).toEqual(Array.from({ length: 6 }, () => ({ status: 200, body: '{"success":true}' })));

    // 4. Everything acknowledged is delivered, once per event id; Sluice never crashed.
    await waitFor(
      () => waitingDeliveries(dataDir) === 0,
      20_000,
      () => `the queue to drain (${waitingDeliveries(dataDir)} waiting)`,
    );
    expect(sluice.process.exitStatus()).toBeNull();
    const allTracks = [...ackedTracks].sort();
    expect([...sim.state.eventIds].sort()).toEqual(allTracks);
    expect(sim.state.events).toHaveLength(allTracks.length);
    const log = await deliveryLogOf(dataDir);
    expect(log.filter((entry) => entry.state !== "delivered")).toEqual([]);
    expect(log.map((entry) => entry.messageId).sort()).toEqual([...ackedTracks, ...ackedIdentifies].sort());
    for (let u = 0; u < 7; u++) {
      expect(sim.state.findPerson({ id: `ro-user-${u}` })?.attributes).toEqual({
        email: `ro-user-${u}@example.com`,
        first_name: "Ro",
        plan: "pro",
      });
    }
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
    expect(sim.state.internalErrors).toEqual([]);

    sluice.process.kill("SIGTERM");
    expect(await sluice.process.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
