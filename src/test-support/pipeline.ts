import { type SluiceConfig, validateConfig } from "../contracts/config.js";
import type { WorkerOptions } from "../delivery/worker.js";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { type RunningSluice, readEnv, startSluice } from "../main.js";
import type { DeliveryLogEntry } from "../store/port.js";
import { memoryLogger } from "./silent-logger.js";
import { tempDir } from "./temp-dir.js";
import { wholeLog } from "./whole-log.js";

export const WRITE_KEY = "wk_test_pipeline_0001";
export const SITE_ID = "site-1";
export const API_KEY = "api-key-secret-0001";

export interface Pipeline {
  sluice: RunningSluice;
  sim: Simulator;
  dataDir: string;
  logLines: string[];
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  /** Wait until every delivery is in a terminal state (or `states` match), then return the log. */
  settled(count: number, timeoutMs?: number): Promise<DeliveryLogEntry[]>;
  restart(overrides?: { apiKey?: string }): Promise<void>;
  close(): Promise<void>;
}

export interface PipelineOptions {
  allow?: { events?: string[]; traits?: string[]; properties?: string[] };
  worker?: Partial<WorkerOptions>;
  /** More destinations (raw config) besides "cio", e.g. one pointed at a second simulator. */
  extraDestinations?: unknown[];
  /** `actions:` of the "cio" destination (raw config); absent: the presets. */
  actions?: unknown[];
  /** Run the start-up credential check (it is one more request the simulator sees). Default false. */
  checkCredentials?: boolean;
}

function config(simUrl: string, options: PipelineOptions, apiKey: string): SluiceConfig {
  const result = validateConfig({
    sources: [{ name: "website", writeKey: WRITE_KEY }],
    destinations: [
      {
        name: "cio",
        type: "customerio",
        settings: { siteId: SITE_ID, apiKey, trackUrl: simUrl },
        allow: {
          events: options.allow?.events ?? ["Signed Up", "Order Completed"],
          traits: options.allow?.traits ?? ["email", "first_name", "plan"],
          properties: options.allow?.properties ?? ["plan", "total", "currency"],
        },
        ...(options.actions ? { actions: options.actions } : {}),
      },
      ...(options.extraDestinations ?? []),
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

/** The whole delivery log, newest first (pages through the store's 1000-row cap). */
export function allDeliveries(sluice: RunningSluice): Promise<DeliveryLogEntry[]> {
  return wholeLog((filter) => sluice.store.listDeliveries(filter));
}

/**
 * Sluice (in-process, real SQLite in a temp dir) wired to a strict simulator that also validates
 * every request against the official OpenAPI spec when it is present (always in CI).
 */
export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const dir = tempDir();
  const sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi: loadTrackOpenApi() });
  const log = memoryLogger();
  const worker = { lingerMs: 10, idlePollMs: 50, ...options.worker };
  const boot = (apiKey: string) =>
    startSluice({
      env: readEnv({ PORT: "0", HOST: "127.0.0.1", SLUICE_DATA_DIR: dir.path }, process.cwd()),
      rawEnv: {},
      config: config(sim.url, options, apiKey),
      logger: log.logger,
      worker,
      checkCredentials: options.checkCredentials ?? false,
    });
  let sluice = await boot(API_KEY);
  const pipeline: Pipeline = {
    get sluice() {
      return sluice;
    },
    sim,
    dataDir: dir.path,
    logLines: log.lines,
    async post(path, body) {
      const response = await fetch(`${sluice.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async settled(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const entries = await allDeliveries(sluice);
        const done = entries.filter((entry) => ["delivered", "failed", "stopped"].includes(entry.state));
        if (done.length >= count) return entries;
        if (Date.now() > deadline) {
          throw new Error(
            `only ${done.length}/${count} deliveries settled: ${JSON.stringify(entries.slice(0, 5))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async restart(overrides = {}) {
      await sluice.stop();
      sluice = await boot(overrides.apiKey ?? API_KEY);
    },
    async close() {
      await sluice.stop();
      await sim.close();
      dir.remove();
    },
  };
  return pipeline;
}
