// `sluice dlq replay` and `sluice trace`, built, run as a user runs them beside a running Sluice.
import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { killRunningCliProcesses, runCliProcess, startSluiceProcess } from "../test-support/cli-process.js";
import {
  deliveryLogOf,
  E2E_API_KEY,
  E2E_ENV,
  E2E_SITE_ID,
  IngestClient,
  waitFor,
  writeSluiceConfig,
} from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  await killRunningCliProcesses();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const IDS = ["dlq-e2e-1", "dlq-e2e-2", "dlq-e2e-3"];

describe("sluice dlq replay beside a running Sluice", () => {
  it("sends the dead letters again, with their original event id, once the fault is fixed", async () => {
    const dir = tempDir("sluice-dlq-");
    cleanup.push(async () => dir.remove());
    const sim = await startSimulator({
      siteId: E2E_SITE_ID,
      apiKey: E2E_API_KEY,
      openApi: loadTrackOpenApi(),
    });
    cleanup.push(() => sim.close());
    const client = new IngestClient();
    cleanup.push(() => client.close());
    // Customer.io rejects every request as malformed: Sluice bisects down to single events and fails each.
    sim.failNext(1000, { status: 400 });

    const dataDir = `${dir.path}/data`;
    const sluice = await startSluiceProcess({
      dataDir,
      configPath: writeSluiceConfig(dir.path, sim.url),
      env: E2E_ENV,
    });
    const batch = IDS.map((messageId, n) => ({
      type: "track",
      userId: `user-${n}`,
      messageId,
      event: "Order Completed",
      properties: { total: n + 1, currency: "USD" },
    }));
    expect(await client.post(sluice.url, "/v1/batch", { batch })).toMatchObject({ status: 200 });
    await waitFor(
      async () => (await deliveryLogOf(dataDir)).filter((entry) => entry.state === "failed").length === 3,
      15_000,
      () => "the three events to be dead letters",
    );
    expect(sim.state.eventIds.size).toBe(0);

    const env = { SLUICE_DATA_DIR: dataDir };
    const list = runCliProcess(["dlq", "list"], { env });
    expect(await list.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(
      list
        .stdout()
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((line) => line.split(/\s+/)[6]),
    ).toEqual([...IDS].reverse());

    sim.clearFaults();
    const replay = runCliProcess(["dlq", "replay", "--destination", "cio"], { env });
    expect(await replay.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(replay.stdout()).toBe(
      "replayed 3 dead letter(s): they keep their messageId, so Customer.io drops any event it already received; a running Sluice sends them within a second\n",
    );
    expect(replay.stderr()).toMatch(/^replayed 3\/3 \(\d+\/s\)\n$/);

    // The running Sluice picks them up on its idle poll and sends them with their original id.
    await waitFor(
      () => sim.state.eventIds.size === 3,
      10_000,
      () => `the replayed events to arrive (${sim.state.eventIds.size} so far)`,
    );
    expect([...sim.state.eventIds].sort()).toEqual(IDS);
    expect(sim.state.events.map((event) => event.name)).toEqual([
      "Order Completed",
      "Order Completed",
      "Order Completed",
    ]);
    await waitFor(
      async () => (await deliveryLogOf(dataDir)).every((entry) => entry.state === "delivered"),
      10_000,
      () => "the delivery log to show them delivered",
    );
    expect((await deliveryLogOf(dataDir)).map(({ messageId, replays }) => ({ messageId, replays }))).toEqual(
      [...IDS].reverse().map((messageId) => ({ messageId, replays: 1 })),
    );

    const story = runCliProcess(["trace", IDS[0]!], { env });
    expect(await story.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    const lines = story.stdout().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^event dlq-e2e-1: source website, type track, received \d{4}-\d\d-\d\dT/);
    expect(
      lines
        .filter((line) => /^ {15}\d{4}-/.test(line))
        .map((line) => line.trim().split(/\s+/).slice(1, 2)[0]),
    ).toEqual(["400", "200"]);
    expect(lines.slice(-2)).toEqual([
      "    replayed   1 time(s) from the dead letters",
      "    final      delivered (1 attempt(s), last status 200)",
    ]);
    expect(story.stdout()).not.toContain("user-0");

    sluice.process.kill("SIGTERM");
    expect(await sluice.process.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
  }, 60_000);
});
