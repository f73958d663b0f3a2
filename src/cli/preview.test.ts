import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../contracts/config.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { presetsCommand } from "./presets.js";
import { previewCommand } from "./preview.js";

let dir: ReturnType<typeof tempDir>;

function io(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: dir.path };
}

const CONFIG = `sources:
  - name: web
    writeKey: wk_1
destinations:
  - name: cio
    type: customerio
    settings: { siteId: site-1, apiKey: "\${CIO_API_KEY}" }
    allow: { events: [Signed Up], traits: [plan], properties: [plan] }
  - name: other
    type: customerio
    settings: { siteId: site-2, apiKey: k2, region: eu }
    actions:
      - { name: Anything, type: event, fields: { attributes: null } }
`;

beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir.path, "sluice.yaml"), CONFIG);
  writeFileSync(
    join(dir.path, "event.json"),
    JSON.stringify({
      type: "track",
      userId: "u-1",
      event: "Signed Up",
      messageId: "m-1",
      timestamp: "2026-11-28T12:00:00Z",
      properties: { plan: "pro", diagnosis: "flu" },
    }),
  );
});
afterEach(() => dir.remove());

describe("sluice preview", () => {
  it("prints each destination's exact request with the key masked, and which action ran", async () => {
    const cli = io({ CIO_API_KEY: "very-secret-key" });
    expect(await previewCommand.run(["--config", "sluice.yaml", "--event", "event.json"], cli)).toBe(0);
    const text = cli.out.join("");
    expect(text).toContain("destination cio\n  · Identify (identify): did not run");
    expect(text).toContain('  ✓ Event (event): ran — $.type equals "track": yes (got text)');
    expect(text).toContain("POST https://track.customer.io/api/v2/batch\nauthorization: Basic [redacted]");
    expect(text).toMatch(/"attributes": \{\s+"plan": "pro"\s+\}/);
    expect(text).toContain("destination other");
    expect(text).toContain("POST https://track-eu.customer.io/api/v2/batch");
    expect(text).not.toContain("very-secret-key");
    expect(text).not.toContain("diagnosis");
  });

  it("--destination and --json give one destination's preview as data", async () => {
    const cli = io({ CIO_API_KEY: "k" });
    const code = await previewCommand.run(
      ["--config", "sluice.yaml", "--event", "event.json", "--destination", "other", "--json"],
      cli,
    );
    expect(code).toBe(0);
    const [preview] = JSON.parse(cli.out.join(""));
    expect(preview.destination).toBe("other");
    expect(JSON.parse(preview.requests[0].body).batch[0]).toMatchObject({
      action: "event",
      name: "Signed Up",
      id: "m-1",
    });
  });

  it("explains bad input and exits 1 or 2", async () => {
    const missing = io();
    expect(await previewCommand.run(["--config", "sluice.yaml"], missing)).toBe(2);
    expect(missing.err.join("")).toContain("--config and --event are required");
    const unset = io();
    expect(await previewCommand.run(["--config", "sluice.yaml", "--event", "event.json"], unset)).toBe(1);
    expect(unset.err.join("")).toContain("environment variable CIO_API_KEY is not set");
    writeFileSync(join(dir.path, "bad.json"), JSON.stringify({ type: "track", event: "x" }));
    const bad = io({ CIO_API_KEY: "k" });
    expect(await previewCommand.run(["--config", "sluice.yaml", "--event", "bad.json"], bad)).toBe(1);
    expect(bad.err.join("")).toContain("needs userId or anonymousId");
    const nope = io({ CIO_API_KEY: "k" });
    expect(
      await previewCommand.run(
        ["--config", "sluice.yaml", "--event", "event.json", "--destination", "x"],
        nope,
      ),
    ).toBe(1);
    expect(nope.err.join("")).toContain('no destination "x" in sluice.yaml; it has cio, other');
  });
});

describe("sluice presets customerio", () => {
  it("prints the presets as configuration that validates, with the destination's allow lists", async () => {
    const cli = io({ CIO_API_KEY: "k" });
    expect(
      await presetsCommand.run(["customerio", "--config", "sluice.yaml", "--destination", "cio"], cli),
    ).toBe(0);
    const printed = parse(cli.out.join("")) as { actions: unknown[] };
    expect(printed.actions).toHaveLength(2);
    expect(JSON.stringify(printed)).toContain('"pick":["plan"]');
    const result = validateConfig({
      destinations: [
        { name: "cio", type: "customerio", settings: { siteId: "s", apiKey: "k" }, actions: printed.actions },
      ],
    });
    expect(result.ok).toBe(true);
    expect(await presetsCommand.run(["segment"], io())).toBe(2);
  });
});
