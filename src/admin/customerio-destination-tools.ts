import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import type { CustomerioDestinationConfig } from "../contracts/config.js";
import type { StoredEvent } from "../contracts/event.js";
import { Secret, withoutCredentials } from "../contracts/secret.js";
import { readRegionCheck, regionCheckRequest } from "../destinations/customerio/credentials-check.js";
import { previewRequestsWithKey } from "../destinations/customerio/preview.js";
import type { HttpRequestSpec } from "../destinations/customerio/request-builder.js";
import { HttpService } from "../destinations/customerio/service.js";
import type { Simulator } from "../destinations/customerio/simulator/index.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import type { DestinationTools } from "./destination-tools.js";

export interface DestinationToolsOptions {
  logger: Logger;
  /** Stamps `receivedAt` on a test event. Default `Date.now`. */
  clock?: () => number;
  /** Time to wait for Customer.io's answer (headers, then between body chunks). Default 10,000 ms. */
  timeoutMs?: number;
}

/** The tools and how to release what they hold (the sandbox simulator, connection pools). */
export interface RunningDestinationTools extends DestinationTools {
  /** The sandbox simulator (started now if no sandbox send started it yet): what it received, its faults. */
  sandbox(): Promise<Simulator>;
  close(): Promise<void>;
}

/** The site id the sandbox accepts (its API key is random per process). */
export const SANDBOX_SITE_ID = "sluice-sandbox";

/**
 * "Check credentials" and "Send test" for Customer.io destinations. A test send builds the exact
 * requests with the preview's code (`previewRequestsWithKey`: the same mapping, privacy gate and
 * request builders as the delivery lane) and sends them one after the other. `sandbox` sends them
 * to an in-process strict Customer.io simulator (validating against the official OpenAPI spec when
 * it is present), started on a loopback port at the first use and reused; `workspace` sends them to
 * the destination's own Track URL with its real key. Keys are never logged or answered.
 *
 * @example
 * const tools = createDestinationTools({ logger });
 * const { responses } = await tools.testSend({ destination, event, target: "sandbox" });
 * responses[0]?.status // 200
 * await tools.close();
 */
export function createDestinationTools(options: DestinationToolsOptions): RunningDestinationTools {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? Date.now;
  const agent = new Agent({ connections: 4, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const checkService = new HttpService({ connections: 4, timeoutMs });
  const sandboxKey = randomBytes(18).toString("base64url");
  let sandbox: Promise<Simulator> | null = null;
  let closed = false;

  const startSandbox = (): Promise<Simulator> => {
    if (closed) return Promise.reject(new Error("Sluice is stopping"));
    sandbox ??= (async () => {
      // Loaded only when needed: the simulator's OpenAPI check (ajv) is not needed to run Sluice.
      const { loadTrackOpenApi, startSimulator } = await import(
        "../destinations/customerio/simulator/index.js"
      );
      const openApi = loadTrackOpenApi({
        requireInCi: false,
        log: (line) => options.logger.warn({ event: LOG.sandbox }, line),
      });
      const sim = await startSimulator({
        siteId: SANDBOX_SITE_ID,
        apiKey: sandboxKey,
        host: "127.0.0.1",
        port: 0,
        openApi,
        logCapacity: 1000,
      });
      return sim;
    })();
    // A failed start is tried again at the next send.
    sandbox.catch(() => {
      sandbox = null;
    });
    return sandbox;
  };

  const send = async (spec: HttpRequestSpec) => {
    const started = performance.now();
    const url = withoutCredentials(spec.url);
    try {
      const response = await request(spec.url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body ?? null,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs + 1000),
      });
      const text = await response.body.text();
      return {
        method: spec.method,
        url,
        status: response.statusCode,
        body: readBody(text),
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      const { code, name } = error as { code?: string; name?: string };
      return {
        method: spec.method,
        url,
        status: null,
        body: `could not reach ${new URL(url).host} (${code ?? name ?? "request failed"})`,
        latencyMs: Math.round(performance.now() - started),
      };
    }
  };

  return {
    async checkCredentials(settings) {
      const response = await checkService.send(regionCheckRequest(settings, { revealKey: true }));
      const check = readRegionCheck(response, settings);
      return "region" in check
        ? { result: check.result, message: check.message, region: check.region }
        : { result: check.result, message: check.message };
    },

    async testSend({ destination, event, target }) {
      if (closed) throw new Error("Sluice is stopping");
      const stored: StoredEvent = {
        ...event,
        // A fresh id per send: the same example sent twice is not dropped as a duplicate.
        messageId: event.messageId ?? `test-send-${randomUUID()}`,
        receivedAt:
          typeof event["receivedAt"] === "string" ? event["receivedAt"] : new Date(clock()).toISOString(),
      };
      let sendTo = destination;
      if (target === "sandbox") {
        const sim = await startSandbox();
        sendTo = sandboxDestination(destination, sim.url, sandboxKey);
      }
      const responses = [];
      for (const spec of previewRequestsWithKey(stored, sendTo)) responses.push(await send(spec));
      return { responses };
    },

    sandbox: startSandbox,

    async close() {
      closed = true;
      const sim = sandbox ? await sandbox.catch(() => null) : null;
      await Promise.all([sim?.close(), agent.destroy(), checkService.destroy()]);
    },
  };
}

/** The destination as it is, but pointed at the sandbox with the sandbox's credentials. */
function sandboxDestination(
  destination: CustomerioDestinationConfig,
  url: string,
  apiKey: string,
): CustomerioDestinationConfig {
  return {
    ...destination,
    settings: { ...destination.settings, siteId: SANDBOX_SITE_ID, apiKey: new Secret(apiKey), trackUrl: url },
  };
}

/** Customer.io's answer: JSON when it parses, else the text; no body → null. */
function readBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
