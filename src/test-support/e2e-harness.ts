import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Agent, request } from "undici";
import type { DeliveryLogEntry } from "../store/port.js";
import { readDeliveryLog } from "../store/sqlite/sqlite-store.js";
import { wholeLog } from "./whole-log.js";

/** Credentials shared by the child-process tests, their config file and their simulator. */
export const E2E_WRITE_KEY = "wk_e2e_0001";
export const E2E_SITE_ID = "e2e-site";
export const E2E_API_KEY = "e2e-api-key-0001";
/** The config references the API key as ${CIO_API_KEY}; pass this env to the child. */
export const E2E_ENV = { CIO_API_KEY: E2E_API_KEY };

/**
 * Write a YAML config (one source, one Customer.io destination pointing at `trackUrl`, every event
 * name allowed) into `dir`, and return its path.
 */
export function writeSluiceConfig(dir: string, trackUrl: string): string {
  const path = join(dir, "sluice.yaml");
  writeFileSync(
    path,
    `sources:
  - name: website
    writeKey: ${E2E_WRITE_KEY}
destinations:
  - name: cio
    type: customerio
    settings:
      siteId: ${E2E_SITE_ID}
      apiKey: \${CIO_API_KEY}
      trackUrl: ${trackUrl}
    allow:
      events: ["*"]
      traits: [email, first_name, plan]
      properties: [plan, total, currency]
`,
  );
  return path;
}

/** What one ingest request came back with: an HTTP status, or the network error's code. */
export type IngestOutcome = { status: number; body: string } | { networkError: string };

/**
 * A Segment-style HTTP client for the ingest API, on its own connection pool (closed with `close`).
 *
 * @example
 * const client = new IngestClient();
 * await client.post(url, "/v1/track", { userId: "u1", event: "Signed Up" }); // { status: 200, body: ... }
 */
export class IngestClient {
  readonly #agent = new Agent({ connections: 32, connectTimeout: 2000, headersTimeout: 15_000 });

  async post(baseUrl: string, path: string, body: unknown, writeKey = E2E_WRITE_KEY): Promise<IngestOutcome> {
    try {
      const response = await request(`${baseUrl}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`,
        },
        body: JSON.stringify(body),
        dispatcher: this.#agent,
      });
      return { status: response.statusCode, body: await response.body.text() };
    } catch (error) {
      const { code, name } = error as { code?: string; name?: string };
      const cause = (error as { cause?: { code?: string } }).cause;
      return { networkError: code ?? cause?.code ?? name ?? "error" };
    }
  }

  /** `GET baseUrl + path` on the same pool (health and readiness probes); network errors as for `post`. */
  async get(baseUrl: string, path: string): Promise<IngestOutcome> {
    try {
      const response = await request(`${baseUrl}${path}`, { method: "GET", dispatcher: this.#agent });
      return { status: response.statusCode, body: await response.body.text() };
    } catch (error) {
      const { code, name } = error as { code?: string; name?: string };
      return { networkError: code ?? name ?? "error" };
    }
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

/**
 * Poll `GET /readyz` until it answers `200 {"status":"ready"}`; fail after `timeoutMs` with the last answer.
 *
 * @example
 * const sluice = await startSluiceProcess({ dataDir, configPath });
 * await waitForReady(client, sluice.url, 10_000);
 */
export async function waitForReady(client: IngestClient, baseUrl: string, timeoutMs: number): Promise<void> {
  let last: IngestOutcome | undefined;
  await waitFor(
    async () => {
      last = await client.get(baseUrl, "/readyz");
      return "status" in last && last.status === 200 && last.body === '{"status":"ready"}';
    },
    timeoutMs,
    () => `${baseUrl}/readyz to answer 200 (last: ${JSON.stringify(last)})`,
  );
}

/** Poll `check` every 10 ms until it returns true; fail after `timeoutMs` saying what was awaited. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A TCP port that was free a moment ago (for a child that must keep its port across restarts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * Deliveries still waiting (queued or retrying) in a data dir a running Sluice owns. Reads the file
 * through a read-only connection: opening the store adapter would clear the running process's leases.
 */
export function waitingDeliveries(dataDir: string): number {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], number>("SELECT COUNT(*) FROM deliveries WHERE state IN ('queued', 'retrying')")
      .pluck()
      .get()!;
  } finally {
    db.close();
  }
}

/** The whole delivery log of a data dir, read-only (safe whether or not a Sluice is running on it). */
export function deliveryLogOf(dataDir: string): Promise<DeliveryLogEntry[]> {
  return wholeLog((filter) => readDeliveryLog(join(dataDir, "sluice.db"), filter));
}
