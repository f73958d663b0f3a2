// The built `sluice` command line, run as a user runs it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { killRunningCliProcesses, runCliProcess, startSluiceProcess } from "../test-support/cli-process.js";
import { IngestClient } from "../test-support/e2e-harness.js";
import { tempDir } from "../test-support/temp-dir.js";

const GOOD = `sources:
  - name: website
    writeKey: wk_live_0123
destinations:
  - name: customerio-main
    type: customerio
    settings:
      siteId: "abc123"
      apiKey: \${CIO_API_KEY}
      region: eu
    allow:
      events: ["Signed Up"]
      traits: [email]
`;

// Three problems: an unknown key (line 4), a missing \${VAR} (line 10), a bad region (line 11).
const BAD = `sources:
  - name: website
    writeKey: wk_live_0123
    colour: blue
destinations:
  - name: customerio-main
    type: customerio
    settings:
      siteId: "abc123"
      apiKey: \${CIO_MISSING_KEY}
      region: mars
    allow:
      events: ["Signed Up"]
`;

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  await killRunningCliProcesses();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function workDir(): string {
  const dir = tempDir("sluice-cli-");
  cleanup.push(async () => dir.remove());
  return dir.path;
}

describe("sluice validate-config", () => {
  it("accepts a good file (exit 0)", async () => {
    const cwd = workDir();
    writeFileSync(join(cwd, "sluice.yaml"), GOOD);
    const cli = runCliProcess(["validate-config", "sluice.yaml"], { cwd, env: { CIO_API_KEY: "k" } });
    expect(await cli.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toBe("sluice.yaml: valid (1 source(s), 1 destination(s))\n");
    expect(cli.stderr()).toBe("");
  });

  it("lists every problem of a bad file as file:line:col  path: message (exit 1)", async () => {
    const cwd = workDir();
    writeFileSync(join(cwd, "bad.yaml"), BAD);
    const cli = runCliProcess(["validate-config", "bad.yaml"], { cwd });
    expect(await cli.waitForExit(10_000)).toEqual({ code: 1, signal: null });
    expect(cli.stdout()).toBe("");
    const lines = cli.stderr().trimEnd().split("\n").sort();
    expect(lines).toHaveLength(4);
    expect(lines).toEqual([
      "3 problem(s) found",
      "bad.yaml:10:15  destinations[0].settings.apiKey: environment variable CIO_MISSING_KEY is not set (referenced as ${CIO_MISSING_KEY})",
      'bad.yaml:11:15  destinations[0].settings.region: Invalid option: expected one of "us"|"eu"',
      expect.stringMatching(/^bad\.yaml:4:\d+ {2}sources\[0\]\.colour: unknown key "colour"$/),
    ]);
    // The secret's value never appears, even when it is set and the file is otherwise bad.
    const withSecret = runCliProcess(["validate-config", "bad.yaml"], {
      cwd,
      env: { CIO_MISSING_KEY: "super-secret-value" },
    });
    expect(await withSecret.waitForExit(10_000)).toEqual({ code: 1, signal: null });
    expect(withSecret.stderr()).not.toContain("super-secret-value");
    expect(withSecret.stderr()).toContain("2 problem(s) found");
  });
});

describe("sluice start without a configuration", () => {
  it("starts, accepts nothing, logs how to configure a source and a destination, and exits 0 on SIGTERM", async () => {
    const dataDir = join(workDir(), "data");
    const sluice = await startSluiceProcess({ dataDir });
    const guide = sluice.process.logs().find((line) => line.event === "config.none");
    expect(guide?.level).toBe(40);
    for (const needed of [
      "sources:",
      "writeKey:",
      "destinations:",
      "type: customerio",
      "apiKey: ${CIO_API_KEY}",
      "SLUICE_CONFIG=sluice.yaml",
      "npm run sluice -- sandbox",
      "trackUrl",
    ]) {
      expect(guide?.msg).toContain(needed);
      // Also plain text on stderr for the person at the terminal (the log line is JSON).
      expect(sluice.process.stderr()).toContain(needed);
    }

    const client = new IngestClient();
    cleanup.push(() => client.close());
    const outcome = await client.post(
      sluice.url,
      "/v1/track",
      { userId: "u1", event: "Signed Up" },
      "wk_any",
    );
    expect(outcome).toMatchObject({ status: 401 });

    sluice.process.kill("SIGTERM");
    expect(await sluice.process.waitForExit(5000)).toEqual({ code: 0, signal: null });
    expect(sluice.process.logs().at(-1)).toMatchObject({ event: "sluice.stopped", msg: "stopped cleanly" });
  });
});

describe("sluice sandbox", () => {
  it("prints the trackUrl of a working simulator and stops on SIGTERM", async () => {
    const sandbox = runCliProcess(["sandbox", "--port", "0"], { cwd: workDir() });
    const [, trackUrl] = await sandbox.waitForStdout(/trackUrl: {2}(http:\/\/127\.0\.0\.1:\d+)/);
    const response = await fetch(`${trackUrl}/api/v2/batch`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from("sandbox-site:sandbox-key").toString("base64")}`,
      },
      body: JSON.stringify({
        batch: [
          { type: "person", action: "identify", identifiers: { id: "u1" }, attributes: { plan: "pro" } },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const people = (await (await fetch(`${trackUrl}/__sim/people`)).json()) as unknown;
    expect(JSON.stringify(people)).toContain('"plan":"pro"');

    sandbox.kill("SIGTERM");
    expect(await sandbox.waitForExit(5000)).toEqual({ code: 0, signal: null });
    expect(sandbox.stdout()).toContain("sandbox stopped\n");
  });
});
