// Tests for `src/cli/sandbox.ts`, kept beside the simulator it wraps.
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../../cli/command.js";
import { parseSandboxArgs, runSandbox, sandboxCommand } from "../../../cli/sandbox.js";
import { basicAuth } from "./test-support.js";

function captureIo(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    cwd: process.cwd(),
  };
  return { io, out, err };
}

async function waitFor<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("parseSandboxArgs", () => {
  it("has the documented defaults", () => {
    expect(parseSandboxArgs([])).toEqual({
      ok: true,
      settings: {
        port: 4010,
        host: "127.0.0.1",
        siteId: "sandbox-site",
        apiKey: "sandbox-key",
        region: "us",
        latencyMs: 0,
        rateLimitRps: null,
      },
    });
  });

  it("reads --flag value and --flag=value", () => {
    const parsed = parseSandboxArgs([
      "--port=0",
      "--site-id",
      "s",
      "--api-key=k",
      "--region",
      "eu",
      "--latency-ms",
      "25",
      "--rate-limit=100",
    ]);
    expect(parsed).toMatchObject({
      ok: true,
      settings: { port: 0, siteId: "s", apiKey: "k", region: "eu", latencyMs: 25, rateLimitRps: 100 },
    });
  });

  it.each([
    [["--port", "http"]],
    [["--port", "70000"]],
    [["--region", "ap"]],
    [["--rate-limit", "0"]],
    [["--latency-ms", "-5"]],
    [["--site-id"]],
    [["--verbose"]],
  ])("rejects %j", (args) => {
    expect(parseSandboxArgs(args).ok).toBe(false);
  });
});

describe("sluice sandbox", () => {
  it("prints usage on stderr and exits 2 for bad flags", async () => {
    const { io, err } = captureIo();
    expect(await sandboxCommand.run(["--region", "mars"], io)).toBe(2);
    expect(err.join("")).toContain("--region must be us or eu");
    expect(err.join("")).toContain("Usage: sluice sandbox");
  });

  it("starts, prints the trackUrl and credentials, serves requests, and stops with exit 0", async () => {
    const { io, out } = captureIo();
    const stop = new AbortController();
    const exit = runSandbox(
      ["--port", "0", "--site-id", "s1", "--api-key", "k1", "--rate-limit", "50"],
      io,
      stop.signal,
    );
    const trackUrl = await waitFor(() => /trackUrl:\s+(\S+)/.exec(out.join(""))?.[1]);
    const printed = out.join("");
    expect(printed).toContain("site id:   s1");
    expect(printed).toContain("api key:   k1");
    expect(printed).toContain(`${trackUrl}/__sim/state`);
    const region = await fetch(`${trackUrl}/api/v1/accounts/region`, {
      headers: { authorization: basicAuth("s1", "k1") },
    });
    expect(region.status).toBe(200);
    const state = (await (await fetch(`${trackUrl}/__sim/state`)).json()) as { faults: unknown };
    expect(state.faults).toEqual({ queued: 0, latencyMs: 0, rateLimitRps: 50 });
    stop.abort();
    expect(await exit).toBe(0);
    await expect(fetch(`${trackUrl}/__sim/state`)).rejects.toThrow();
  });

  it("stops on SIGTERM when run as the command", async () => {
    const { io, out } = captureIo();
    const before = process.listeners("SIGTERM");
    const exit = sandboxCommand.run(["--port", "0"], io);
    await waitFor(() => /trackUrl:\s+(\S+)/.exec(out.join(""))?.[1]);
    // Call only the listener the command added: never signal the test worker itself.
    const added = process.listeners("SIGTERM").filter((listener) => !before.includes(listener));
    expect(added).toHaveLength(1);
    for (const listener of added) listener("SIGTERM");
    expect(await exit).toBe(0);
    expect(process.listeners("SIGTERM")).toEqual(before);
  });
});
