import { afterEach, describe, expect, it } from "vitest";
import type { SluiceConfig } from "../contracts/config.js";
import type { ConfigVersionRecord } from "../store/port.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { fileConfig, type LiveConfig, openDatabaseConfig, type PublishedVersions } from "./live-config.js";

const API_KEY = "cio-api-key-never-logged-0001";

/** The two store methods, over an in-memory list of published documents. */
class FakeVersions implements PublishedVersions {
  readonly versions: ConfigVersionRecord[] = [];
  reads = 0;
  failing = false;

  publish(document: unknown): number {
    const version = this.versions.length + 1;
    this.versions.push({
      version,
      publishedAtMs: 1000 * version,
      publishedBy: "user:ada",
      note: null,
      document: typeof document === "string" ? document : JSON.stringify(document),
    });
    return version;
  }

  async latestConfigVersion(): Promise<ConfigVersionRecord | null> {
    this.reads += 1;
    if (this.failing) throw new Error("database unreachable");
    return this.versions.at(-1) ?? null;
  }

  async latestConfigVersionNumber(): Promise<number | null> {
    if (this.failing) throw new Error("database unreachable");
    return this.versions.at(-1)?.version ?? null;
  }
}

function doc(sources: string[], destinations: string[], apiKey = API_KEY) {
  return {
    sources: sources.map((name) => ({ name, writeKey: `wk_${name}_0001` })),
    destinations: destinations.map((name) => ({
      name,
      type: "customerio",
      settings: { siteId: "site", apiKey, trackUrl: "http://127.0.0.1:1" },
    })),
  };
}

const names = (config: SluiceConfig) => ({
  sources: config.sources.map((source) => source.name),
  destinations: config.destinations.map((destination) => destination.name),
});

const opened: LiveConfig[] = [];
afterEach(async () => {
  for (const live of opened.splice(0)) await live.stop();
});

async function open(store: FakeVersions, options: { pollMs?: number; env?: Record<string, string> } = {}) {
  const log = memoryLogger();
  const live = await openDatabaseConfig({
    store,
    env: options.env ?? {},
    logger: log.logger,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  opened.push(live);
  const applied: { next: SluiceConfig; previous: SluiceConfig }[] = [];
  live.start(async (next, previous) => {
    applied.push({ next, previous });
  });
  const logs = () => log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { live, applied, logs, lines: log.lines };
}

async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("openDatabaseConfig", () => {
  it("starts empty when nothing was published, in database mode", async () => {
    const { live, applied } = await open(new FakeVersions());
    expect(live.mode).toBe("database");
    expect(live.filePath).toBeNull();
    expect(live.current()).toEqual({ version: null, config: { sources: [], destinations: [] } });
    await live.reload();
    expect(applied).toEqual([]);
  });

  it("starts with the latest published version", async () => {
    const store = new FakeVersions();
    store.publish(doc(["old"], []));
    store.publish(doc(["web"], ["cio"]));
    const { live, applied } = await open(store);
    expect(live.current().version).toBe(2);
    expect(names(live.current().config)).toEqual({ sources: ["web"], destinations: ["cio"] });
    // The composition root applies the start-up configuration itself.
    expect(applied).toEqual([]);
  });

  it("reload applies a newer version once, logging its names and never its secrets", async () => {
    const store = new FakeVersions();
    const { live, applied, logs, lines } = await open(store);
    store.publish(doc(["web", "app"], ["cio"]));
    await live.reload();
    expect(live.current().version).toBe(1);
    expect(applied).toHaveLength(1);
    expect(names(applied[0]!.next)).toEqual({ sources: ["web", "app"], destinations: ["cio"] });
    expect(applied[0]!.previous).toEqual({ sources: [], destinations: [] });
    expect(applied[0]!.next.destinations[0]?.settings.apiKey.reveal()).toBe(API_KEY);
    // Nothing newer: nothing applied again.
    await live.reload();
    expect(applied).toHaveLength(1);
    const line = logs().find((entry) => entry["event"] === "config.applied");
    expect(line).toMatchObject({
      version: 1,
      sources: ["web", "app"],
      destinations: ["cio"],
      msg: "configuration version 1 applied",
    });
    expect(lines.join("")).not.toContain(API_KEY);
    expect(lines.join("")).not.toContain("wk_web_0001");
  });

  it("resolves ${VAR} from the environment it was given", async () => {
    const store = new FakeVersions();
    const { live } = await open(store, { env: { CIO_KEY: "from-env-0001" } });
    store.publish(doc(["web"], ["cio"], "${CIO_KEY}"));
    await live.reload();
    expect(live.current().config.destinations[0]?.settings.apiKey.reveal()).toBe("from-env-0001");
  });

  it("keeps the configuration in force when a version fails validation, logs its issues once, and applies the next good one", async () => {
    const store = new FakeVersions();
    store.publish(doc(["web"], ["cio"]));
    const { live, applied, logs } = await open(store, { pollMs: 10 });
    // A variable this node does not have, and an action that does not exist.
    const bad = doc(["web", "app"], ["cio"], "${NOT_SET_HERE}");
    store.publish({
      ...bad,
      destinations: [{ ...bad.destinations[0], actions: [{ name: "a", type: "nope" }] }],
    });
    await live.reload();
    expect(live.current().version).toBe(1);
    expect(names(live.current().config)).toEqual({ sources: ["web"], destinations: ["cio"] });
    expect(applied).toEqual([]);
    const rejected = logs().filter((entry) => entry["event"] === "config.rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      level: 50,
      version: 2,
      inForce: 1,
      issues: [
        {
          path: "destinations[0].settings.apiKey",
          message: "environment variable NOT_SET_HERE is not set (referenced as ${NOT_SET_HERE})",
        },
      ],
      msg: "configuration version 2 cannot be applied (1 problem(s)); version 1 stays in force",
    });
    // Polls do not try (and log) the same bad version again.
    const reads = store.reads;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.reads).toBe(reads);
    expect(logs().filter((entry) => entry["event"] === "config.rejected")).toHaveLength(1);
    // Unparseable and wrongly shaped documents are rejected the same way.
    store.publish("{not json");
    await live.reload();
    store.publish({ sources: "nope" });
    await live.reload();
    expect(live.current().version).toBe(1);
    expect(
      logs()
        .filter((entry) => entry["event"] === "config.rejected")
        .map((entry) => entry["version"]),
    ).toEqual([2, 3, 4]);
    store.publish(doc(["web", "app"], ["cio"]));
    await live.reload();
    expect(live.current().version).toBe(5);
    expect(applied.map((entry) => names(entry.next).sources)).toEqual([["web", "app"]]);
  });

  it("follows versions other nodes publish by polling", async () => {
    const store = new FakeVersions();
    const { live, applied } = await open(store, { pollMs: 10 });
    store.publish(doc(["web"], []));
    await waitUntil(() => live.current().version === 1);
    store.publish(doc(["web"], ["cio"]));
    await waitUntil(() => live.current().version === 2);
    expect(applied.map((entry) => names(entry.next).destinations)).toEqual([[], ["cio"]]);
  });

  it("logs a failing poll once and recovers", async () => {
    const store = new FakeVersions();
    const { live, logs } = await open(store, { pollMs: 10 });
    store.failing = true;
    await new Promise((resolve) => setTimeout(resolve, 60));
    const failures = logs().filter((entry) => entry["event"] === "config.poll_failed");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 40 });
    store.failing = false;
    store.publish(doc(["web"], []));
    await waitUntil(() => live.current().version === 1);
  });

  it("applies again at the next poll when applying failed", async () => {
    const store = new FakeVersions();
    const log = memoryLogger();
    const live = await openDatabaseConfig({ store, env: {}, logger: log.logger, pollMs: 10 });
    opened.push(live);
    let calls = 0;
    live.start(async () => {
      calls += 1;
      if (calls === 1) throw new Error("the store refused");
    });
    store.publish(doc(["web"], ["cio"]));
    await live.reload();
    expect(live.current().version).toBe(1);
    await waitUntil(() => calls === 2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls).toBe(2);
  });

  it("runs reloads one at a time, in order", async () => {
    const store = new FakeVersions();
    const log = memoryLogger();
    const live = await openDatabaseConfig({ store, env: {}, logger: log.logger });
    opened.push(live);
    let running = 0;
    let overlapped = false;
    const seen: number[] = [];
    live.start(async (next) => {
      running += 1;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push(next.sources.length);
      running -= 1;
    });
    store.publish(doc(["a"], []));
    const first = live.reload();
    store.publish(doc(["a", "b"], []));
    const second = live.reload();
    await Promise.all([first, second, live.reload()]);
    expect(overlapped).toBe(false);
    expect(seen).toEqual([2]);
  });

  it("stops polling on stop", async () => {
    const store = new FakeVersions();
    const { live } = await open(store, { pollMs: 10 });
    await live.stop();
    store.publish(doc(["web"], []));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live.current().version).toBeNull();
  });
});

describe("fileConfig", () => {
  it("keeps the file's configuration; reload has nothing to read", async () => {
    const config: SluiceConfig = { sources: [], destinations: [] };
    const live = fileConfig(config, "/etc/sluice.yaml");
    expect(live.mode).toBe("file");
    expect(live.filePath).toBe("/etc/sluice.yaml");
    await live.reload();
    expect(live.current()).toEqual({ version: null, config });
    expect(live.current().config).toBe(config);
  });
});
