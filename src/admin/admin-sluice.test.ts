// The admin API inside a running Sluice, over real sockets: its own port, token auth, start-up
// refusal, and a replay that really re-delivers to the strict simulator.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import type { DeadLetterPage, TraceResponse } from "../contracts/admin.js";
import { emptyConfig } from "../contracts/config.js";
import { type RunningSluice, readEnv, StartupError, startSluice } from "../main.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { startPipeline } from "../test-support/pipeline.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { ADMIN_TOKEN, VIEWER_TOKEN } from "./test-support/admin-fixture.js";

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function dataDir(): string {
  const dir = tempDir("sluice-admin-e2e-");
  cleanup.push(() => dir.remove());
  return dir.path;
}

describe("startSluice and the admin API", () => {
  it("refuses a non-loopback admin address with neither a token nor a user account", async () => {
    const dir = dataDir();
    const log = memoryLogger();
    const start = startSluice({
      env: readEnv({ PORT: "0", HOST: "127.0.0.1", SLUICE_DATA_DIR: dir, SLUICE_ADMIN_HOST: "0.0.0.0" }, dir),
      rawEnv: {},
      config: emptyConfig(),
      logger: log.logger,
    });
    await expect(start).rejects.toThrow(StartupError);
    await expect(start).rejects.toThrow(
      "SLUICE_ADMIN_HOST is 0.0.0.0, which is not a loopback address, and the admin API has no way to authenticate: create a user account (sluice users add <name> --role admin) to sign in with, or set SLUICE_ADMIN_TOKEN (and optionally SLUICE_VIEWER_TOKEN), or bind it to 127.0.0.1",
    );
    // Refused before anything listened or was recorded: no start in the audit log, the store closed.
    const store = openSqliteStore({ path: join(dir, "sluice.db") });
    cleanup.push(() => store.close());
    expect(await store.listAudit({})).toEqual([]);
    expect(log.lines.map((line) => JSON.parse(line).event)).not.toContain("admin.started");
  });

  it("starts on a non-loopback admin address without a token once a user account exists: sign-in is required", async () => {
    const dir = dataDir();
    const password = "correct horse battery staple";
    const seed = openSqliteStore({ path: join(dir, "sluice.db") });
    await seed.createUser({
      name: "ada",
      role: "admin",
      passwordHash: await hashPassword(password),
      createdAtMs: 1,
      lastSignInAtMs: null,
    });
    await seed.close();
    const sluice = await startSluice({
      env: readEnv(
        {
          PORT: "0",
          HOST: "127.0.0.1",
          SLUICE_DATA_DIR: dir,
          SLUICE_ADMIN_HOST: "0.0.0.0",
          SLUICE_ADMIN_PORT: "0",
        },
        dir,
      ),
      rawEnv: {},
      config: emptyConfig(),
      logger: memoryLogger().logger,
    });
    cleanup.push(() => sluice.stop());
    // Even from this machine: bound off loopback, a request without credentials is not admin.
    const anonymous = await fetch(`${sluice.adminUrl}/admin/api/health`);
    const refused = (await anonymous.json()) as { error: { code: string } };
    expect([anonymous.status, refused.error.code]).toEqual([401, "ER_ADMIN_UNAUTHORIZED"]);
    const signIn = await fetch(`${sluice.adminUrl}/admin/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ada", password }),
    });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^sluice_session=./);
    const health = await fetch(`${sluice.adminUrl}/admin/api/health`, { headers: { cookie } });
    expect(health.status).toBe(200);
  });

  it("refuses a token too short to be safe, without printing it", () => {
    expect(() => readEnv({ PORT: "0", SLUICE_ADMIN_TOKEN: "hunter2" }, "/srv")).toThrow(
      /^SLUICE_ADMIN_TOKEN must be at least 16 characters/,
    );
    expect(() => readEnv({ PORT: "0", SLUICE_ADMIN_TOKEN: "hunter2" }, "/srv")).not.toThrow(/hunter2/);
  });

  it("serves the admin API on its own port, with tokens, on any address once they are set", async () => {
    const dir = dataDir();
    const log = memoryLogger();
    let sluice: RunningSluice | undefined;
    sluice = await startSluice({
      env: readEnv(
        {
          PORT: "0",
          HOST: "127.0.0.1",
          SLUICE_DATA_DIR: dir,
          SLUICE_ADMIN_HOST: "0.0.0.0",
          SLUICE_ADMIN_PORT: "0",
          SLUICE_ADMIN_TOKEN: ADMIN_TOKEN,
          SLUICE_VIEWER_TOKEN: VIEWER_TOKEN,
        },
        dir,
      ),
      rawEnv: {},
      config: emptyConfig(),
      logger: log.logger,
    });
    cleanup.push(() => sluice?.stop());
    expect(sluice.adminPort).not.toBe(sluice.port);
    expect(sluice.adminUrl).toBe(`http://127.0.0.1:${sluice.adminPort}`);

    const get = async (base: string, path: string, token?: string) => {
      const response = await fetch(
        `${base}${path}`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
      return { status: response.status, body: await response.json() };
    };
    expect(await get(sluice.adminUrl, "/admin/api/health")).toEqual({
      status: 401,
      body: {
        error: {
          code: "ER_ADMIN_UNAUTHORIZED",
          message:
            "sign in (POST /admin/api/session), or send Authorization: Bearer <token> with SLUICE_ADMIN_TOKEN or SLUICE_VIEWER_TOKEN",
        },
      },
    });
    expect(await get(sluice.adminUrl, "/admin/api/health", VIEWER_TOKEN)).toEqual({
      status: 200,
      body: { windowHours: 24, destinations: [], queue: [] },
    });
    const replay = await fetch(`${sluice.adminUrl}/admin/api/dead-letters/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${VIEWER_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ all: true }),
    });
    expect(replay.status).toBe(403);
    const adminReplay = await fetch(`${sluice.adminUrl}/admin/api/dead-letters/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ all: true }),
    });
    expect(await adminReplay.json()).toEqual({ matched: 0, replayed: 0, dryRun: false });
    // Ingest and admin do not share routes.
    expect((await get(sluice.url, "/admin/api/health", ADMIN_TOKEN)).status).toBe(404);
    expect((await get(sluice.adminUrl, "/healthz", ADMIN_TOKEN)).status).toBe(404);

    await sluice.stop();
    sluice = undefined;
    const lines = log.lines.join("");
    expect(lines).not.toContain(ADMIN_TOKEN);
    expect(lines).not.toContain(VIEWER_TOKEN);
    const started = log.lines.map((line) => JSON.parse(line)).find((line) => line.event === "admin.started");
    expect(started).toMatchObject({
      host: "0.0.0.0",
      auth: ["user accounts", "admin token", "viewer token"],
    });
  });

  it("says which port is taken when the admin API cannot listen", async () => {
    const dir = dataDir();
    const first = await startSluice({
      env: readEnv({ PORT: "0", HOST: "127.0.0.1", SLUICE_DATA_DIR: dir, SLUICE_ADMIN_PORT: "0" }, dir),
      rawEnv: {},
      config: emptyConfig(),
      logger: memoryLogger().logger,
    });
    cleanup.push(() => first.stop());
    const other = dataDir();
    const second = startSluice({
      env: readEnv(
        { PORT: "0", HOST: "127.0.0.1", SLUICE_DATA_DIR: other, SLUICE_ADMIN_PORT: String(first.adminPort) },
        other,
      ),
      rawEnv: {},
      config: emptyConfig(),
      logger: memoryLogger().logger,
    });
    await expect(second).rejects.toThrow(
      `the admin API cannot listen on 127.0.0.1:${first.adminPort} (EADDRINUSE): set SLUICE_ADMIN_PORT to a free port`,
    );
  });
});

describe("replay through the admin API", () => {
  it("re-delivers dead letters to the strict simulator with their original event id", async () => {
    const pipeline = await startPipeline();
    cleanup.push(() => pipeline.close());
    const ids = ["adm-replay-1", "adm-replay-2"];
    // Customer.io rejects every request as malformed: each event becomes a dead letter.
    pipeline.sim.failNext(1000, { status: 400 });
    const batch = ids.map((messageId, n) => ({
      type: "track",
      userId: `user-${n}`,
      messageId,
      event: "Order Completed",
      properties: { total: n + 1 },
    }));
    expect((await pipeline.post("/v1/batch", { batch })).status).toBe(200);
    const settled = await pipeline.settled(2);
    expect(settled.map((entry) => entry.state)).toEqual(["failed", "failed"]);
    expect(pipeline.sim.state.eventIds.size).toBe(0);
    pipeline.sim.clearFaults();

    // No token configured and bound to loopback: the local operator is admin.
    const admin = pipeline.sluice.adminUrl;
    const listed = (await (await fetch(`${admin}/admin/api/dead-letters`)).json()) as DeadLetterPage;
    expect(listed.deadLetters.map((row) => row.messageId)).toEqual([...ids].reverse());
    const response = await fetch(`${admin}/admin/api/dead-letters/replay`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ destination: "cio" }),
    });
    expect(await response.json()).toEqual({ matched: 2, replayed: 2, dryRun: false });

    const deadline = Date.now() + 10_000;
    while (pipeline.sim.state.eventIds.size < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect([...pipeline.sim.state.eventIds].sort()).toEqual(ids);
    expect(pipeline.sim.state.openApiViolations).toEqual([]);
    const trace = (await (
      await fetch(`${admin}/admin/api/events/adm-replay-1/trace`)
    ).json()) as TraceResponse;
    expect(trace.events[0]?.destinations[0]).toMatchObject({ state: "delivered", replays: 1 });
    expect(trace.events[0]?.destinations[0]?.history.map((attempt) => attempt.status)).toEqual([400, 200]);
  });
});
