// "Check credentials" and "Send test" over real sockets: the in-process sandbox simulator, and a
// second strict simulator standing in for the customer's workspace.
import { afterEach, describe, expect, it } from "vitest";
import { type CustomerioDestinationConfig, validateConfig } from "../contracts/config.js";
import type { SegmentEvent } from "../contracts/event.js";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { freePort } from "../test-support/e2e-harness.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { createDestinationTools, type RunningDestinationTools } from "./customerio-destination-tools.js";

const SITE_ID = "workspace-site";
const API_KEY = "workspace-api-key-do-not-leak-0001";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function tools(): { tools: RunningDestinationTools; lines: string[] } {
  const log = memoryLogger();
  const running = createDestinationTools({
    logger: log.logger,
    clock: () => Date.parse("2026-03-01T12:00:00Z"),
  });
  cleanup.push(() => running.close());
  return { tools: running, lines: log.lines };
}

async function workspace(options: { region?: "us" | "eu" } = {}): Promise<Simulator> {
  const sim = await startSimulator({
    siteId: SITE_ID,
    apiKey: API_KEY,
    openApi: loadTrackOpenApi(),
    ...options,
  });
  cleanup.push(() => sim.close());
  return sim;
}

function destination(trackUrl: string, settings: Record<string, unknown> = {}): CustomerioDestinationConfig {
  const parsed = validateConfig({
    destinations: [
      {
        name: "cio",
        type: "customerio",
        settings: { siteId: SITE_ID, apiKey: API_KEY, trackUrl, ...settings },
        allow: { events: ["Order Completed"], traits: ["email"], properties: ["total"] },
      },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config.destinations[0]!;
}

const ORDER: SegmentEvent = {
  type: "track",
  userId: "u-1",
  event: "Order Completed",
  properties: { total: 42, secret_note: "never sent" },
};

describe("testSend to the sandbox", () => {
  it("sends the preview's exact request to the in-process strict simulator and answers its 200", async () => {
    const { tools: t, lines } = tools();
    // The destination's own workspace is unreachable: the sandbox never needs it.
    const result = await t.testSend({
      destination: destination(`http://127.0.0.1:${await freePort()}`),
      event: ORDER,
      target: "sandbox",
    });
    const sim = await t.sandbox();
    expect(result.responses).toEqual([
      {
        method: "POST",
        url: `${sim.url}/api/v2/batch`,
        status: 200,
        body: {},
        latencyMs: expect.any(Number),
      },
    ]);
    expect(sim.state.events).toHaveLength(1);
    expect(sim.state.events[0]).toMatchObject({ name: "Order Completed", attributes: { total: 42 } });
    expect(sim.state.events[0]?.attributes).not.toHaveProperty("secret_note");
    expect(sim.state.openApiViolations).toEqual([]);
    // Started once, then reused.
    await t.testSend({ destination: destination("http://127.0.0.1:1"), event: ORDER, target: "sandbox" });
    expect((await t.sandbox()).url).toBe(sim.url);
    expect(sim.state.events).toHaveLength(2);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(lines.join("")).not.toContain(API_KEY);
  });

  it("shows the simulator's rejection with its status and body", async () => {
    const { tools: t } = tools();
    const sim = await t.sandbox();
    sim.enqueueFaults({ status: 400 });
    const rejected = await t.testSend({
      destination: destination("http://127.0.0.1:1"),
      event: ORDER,
      target: "sandbox",
    });
    expect(rejected.responses).toHaveLength(1);
    expect(rejected.responses[0]?.status).toBe(400);
    expect(rejected.responses[0]?.body).toEqual({ meta: { error: "scripted 400 response" } });
    expect(sim.state.events).toHaveLength(0);
  });

  it("answers nothing when the mapping stops the event (nothing would leave)", async () => {
    const { tools: t } = tools();
    const result = await t.testSend({
      destination: destination("http://127.0.0.1:1"),
      event: { type: "track", userId: "u-1", event: "Not Allowed" },
      target: "sandbox",
    });
    expect(result.responses).toEqual([]);
  });
});

describe("testSend to the workspace", () => {
  it("sends with the destination's real credentials to its trackUrl", async () => {
    const { tools: t, lines } = tools();
    const sim = await workspace();
    const result = await t.testSend({ destination: destination(sim.url), event: ORDER, target: "workspace" });
    expect(result.responses).toEqual([
      {
        method: "POST",
        url: `${sim.url}/api/v2/batch`,
        status: 200,
        body: {},
        latencyMs: expect.any(Number),
      },
    ]);
    expect(sim.state.events.map((event) => event.name)).toEqual(["Order Completed"]);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(lines.join("")).not.toContain(API_KEY);
  });

  it("shows Customer.io's refusal of a wrong key, and an unreachable workspace as no status", async () => {
    const { tools: t } = tools();
    const sim = await workspace();
    const refused = await t.testSend({
      destination: destination(sim.url, { apiKey: "a-wrong-key-0000" }),
      event: ORDER,
      target: "workspace",
    });
    expect(refused.responses[0]).toMatchObject({ status: 401 });
    expect(sim.state.events).toHaveLength(0);
    const port = await freePort();
    const unreachable = await t.testSend({
      destination: destination(`http://127.0.0.1:${port}`),
      event: ORDER,
      target: "workspace",
    });
    expect(unreachable.responses).toEqual([
      {
        method: "POST",
        url: `http://127.0.0.1:${port}/api/v2/batch`,
        status: null,
        body: `could not reach 127.0.0.1:${port} (ECONNREFUSED)`,
        latencyMs: expect.any(Number),
      },
    ]);
  });
});

describe("checkCredentials", () => {
  it("says ok with the region, unauthorized, or the wrong region, in plain words", async () => {
    const { tools: t, lines } = tools();
    const sim = await workspace({ region: "eu" });
    expect(await t.checkCredentials(destination(sim.url, { region: "eu" }).settings)).toEqual({
      result: "ok",
      region: "eu",
      message: "credentials valid; workspace region EU",
    });
    const unauthorized = await t.checkCredentials(
      destination(sim.url, { apiKey: "wrong-key-0000" }).settings,
    );
    expect(unauthorized.result).toBe("unauthorized");
    expect(unauthorized.message).toMatch(/^Customer.io refused the Site ID and API key \(401\)/);
    expect(unauthorized).not.toHaveProperty("region");
    expect(await t.checkCredentials(destination(sim.url, { region: "us" }).settings)).toMatchObject({
      result: "region-mismatch",
      region: "eu",
    });
    expect(lines.join("")).not.toContain(API_KEY);
  });
});
