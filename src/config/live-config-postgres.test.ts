// Two Sluice nodes on one PostgreSQL schema: a version published on one is applied by the other
// within a few seconds (its poll), with no call to reload. No PostgreSQL: the file fails (never a skip).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { type RunningSluice, readEnv, startSluice } from "../main.js";
import {
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "../store/postgres/test-support/test-database.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";

beforeAll(requirePostgres);

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function node(schema: string): Promise<RunningSluice> {
  const dir = tempDir("sluice-live-pg-");
  cleanup.push(() => dir.remove());
  const env = {
    PORT: "0",
    HOST: "127.0.0.1",
    SLUICE_DATA_DIR: dir.path,
    SLUICE_ADMIN_PORT: "0",
    SLUICE_DATABASE_URL: TEST_DATABASE_URL,
    SLUICE_DATABASE_SCHEMA: schema,
  };
  const sluice = await startSluice({
    env: readEnv(env, dir.path),
    rawEnv: {},
    logger: memoryLogger().logger,
    worker: { lingerMs: 10, idlePollMs: 50 },
  });
  cleanup.push(() => sluice.stop());
  return sluice;
}

async function track(sluice: RunningSluice, writeKey: string, messageId: string): Promise<number> {
  const response = await fetch(`${sluice.url}/v1/track`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${writeKey}:`)}` },
    body: JSON.stringify({ userId: "u-1", event: "Signed Up", messageId }),
  });
  await response.body?.cancel();
  return response.status;
}

describe("configuration versions on several nodes", () => {
  it("a second node applies a version published on the first within a few seconds", async () => {
    const schema = freshSchemaName();
    cleanup.push(() => dropSchema(schema));
    const sim = await startSimulator({
      siteId: "pg-site",
      apiKey: "pg-api-key-0001",
      openApi: loadTrackOpenApi(),
    });
    cleanup.push(() => sim.close());
    const first = await node(schema);
    const second = await node(schema);
    expect(second.config.current().version).toBeNull();

    const document = {
      sources: [{ name: "web", writeKey: "wk_pg_0001" }],
      destinations: [
        {
          name: "cio",
          type: "customerio",
          settings: { siteId: "pg-site", apiKey: "pg-api-key-0001", trackUrl: sim.url },
          allow: { events: ["*"] },
        },
      ],
    };
    await first.store.publishConfigVersion({
      publishedAtMs: Date.now(),
      publishedBy: "user:test",
      note: "from the first node",
      document: JSON.stringify(document),
      expectedLatest: null,
    });
    await first.config.reload();
    expect(await track(first, "wk_pg_0001", "pg-1")).toBe(200);

    // The second node was not told: its poll (every 2 s) finds the version.
    const published = Date.now();
    expect(await track(second, "wk_pg_0001", "pg-early")).toBe(401);
    while (second.config.current().version !== 1) {
      if (Date.now() - published > 5000)
        throw new Error("the second node did not apply version 1 within 5 s");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await track(second, "wk_pg_0001", "pg-2")).toBe(200);
    // Both nodes' events reach the workspace.
    const deadline = Date.now() + 10_000;
    while (!["pg-1", "pg-2"].every((id) => sim.state.eventIds.has(id))) {
      if (Date.now() > deadline) throw new Error(`not delivered: ${[...sim.state.eventIds].join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
});
