import {
  loadTrackOpenApi,
  type SimulatorOptions,
  startSimulator,
} from "../destinations/customerio/simulator/index.js";
import type { CliIo, Command } from "./command.js";

const USAGE = `sluice sandbox [--port 4010] [--host 127.0.0.1] [--site-id sandbox-site] [--api-key sandbox-key]
                [--region us|eu] [--latency-ms 0] [--rate-limit RPS]

Runs a local, strict Customer.io Track API simulator until Ctrl+C (SIGINT) or SIGTERM.
Point Sluice's Customer.io track URL at the printed trackUrl and use the printed credentials.

Options:
  --port N          listen port; 0 picks a free one (default 4010)
  --host ADDR       listen address (default 127.0.0.1; the /__sim/ endpoints need no credentials)
  --site-id ID      site id accepted in Basic auth (default sandbox-site)
  --api-key KEY     API key accepted in Basic auth (default sandbox-key)
  --region us|eu    region reported by /api/v1/accounts/region (default us)
  --latency-ms N    delay every response by N ms (default 0)
  --rate-limit RPS  answer 429 (Retry-After: 1) above RPS requests per second (default: no cap)`;

export interface SandboxSettings {
  port: number;
  host: string;
  siteId: string;
  apiKey: string;
  region: "us" | "eu";
  latencyMs: number;
  rateLimitRps: number | null;
}

const FLAGS = [
  "--port",
  "--host",
  "--site-id",
  "--api-key",
  "--region",
  "--latency-ms",
  "--rate-limit",
] as const;
type Flag = (typeof FLAGS)[number];

/**
 * Parses `sluice sandbox` flags (`--flag value` or `--flag=value`).
 *
 * @example
 * parseSandboxArgs(["--port", "0", "--region=eu"]); // { ok: true, settings: { port: 0, region: "eu", ... } }
 */
export function parseSandboxArgs(
  args: readonly string[],
): { ok: true; settings: SandboxSettings } | { ok: false; message: string } {
  const settings: SandboxSettings = {
    port: 4010,
    host: "127.0.0.1",
    siteId: "sandbox-site",
    apiKey: "sandbox-key",
    region: "us",
    latencyMs: 0,
    rateLimitRps: null,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const equals = arg.indexOf("=");
    const flag = (equals === -1 ? arg : arg.slice(0, equals)) as Flag;
    if (!FLAGS.includes(flag)) return { ok: false, message: `unknown argument: ${arg}` };
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1);
    if (value === undefined || value === "") return { ok: false, message: `${flag} needs a value` };
    const integer = Number(value);
    const isInteger = /^\d+$/.test(value) && Number.isSafeInteger(integer);
    switch (flag) {
      case "--port":
        if (!isInteger || integer > 65_535)
          return { ok: false, message: "--port must be an integer 0..65535" };
        settings.port = integer;
        break;
      case "--host":
        settings.host = value;
        break;
      case "--site-id":
        settings.siteId = value;
        break;
      case "--api-key":
        settings.apiKey = value;
        break;
      case "--region":
        if (value !== "us" && value !== "eu") return { ok: false, message: "--region must be us or eu" };
        settings.region = value;
        break;
      case "--latency-ms":
        if (!isInteger) return { ok: false, message: "--latency-ms must be a non-negative integer" };
        settings.latencyMs = integer;
        break;
      case "--rate-limit":
        if (!isInteger || integer < 1)
          return { ok: false, message: "--rate-limit must be a positive integer" };
        settings.rateLimitRps = integer;
        break;
    }
  }
  return { ok: true, settings };
}

/**
 * Runs the sandbox until `stop` aborts; resolves with the exit code. `sandboxCommand` wires `stop`
 * to SIGINT/SIGTERM; tests pass their own signal.
 *
 * @example
 * const stop = new AbortController();
 * const exit = runSandbox(["--port", "0"], io, stop.signal);
 * stop.abort();
 * await exit; // 0
 */
export async function runSandbox(args: readonly string[], io: CliIo, stop: AbortSignal): Promise<number> {
  const parsed = parseSandboxArgs(args);
  if (!parsed.ok) {
    io.stderr(`sluice sandbox: ${parsed.message}\n\nUsage: ${USAGE}\n`);
    return 2;
  }
  const { settings } = parsed;
  // The spec is not shipped with Sluice: users run the sandbox without it, even in their CI.
  let openApi: ReturnType<typeof loadTrackOpenApi>;
  try {
    openApi = loadTrackOpenApi({
      cwd: io.cwd,
      env: io.env,
      requireInCi: false,
      log: (line) => io.stderr(`${line}\n`),
    });
  } catch (error) {
    io.stderr(`sluice sandbox: ${(error as Error).message}\n`);
    return 1;
  }
  const options: SimulatorOptions = {
    port: settings.port,
    host: settings.host,
    siteId: settings.siteId,
    apiKey: settings.apiKey,
    region: settings.region,
    openApi,
  };
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    io.stderr(
      `sluice sandbox: cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  simulator.setLatencyMs(settings.latencyMs);
  simulator.setRateLimit(settings.rateLimitRps);
  const { url } = simulator;
  io.stdout(
    [
      `Customer.io Track API simulator (region ${settings.region}) listening on ${url}`,
      `  trackUrl:  ${url}    (the Customer.io track URL in your Sluice config)`,
      `  site id:   ${settings.siteId}`,
      `  api key:   ${settings.apiKey}`,
      `  OpenAPI:   ${openApi ? `validating against ${openApi.specPath}` : "off (spec not found)"}`,
      `  latency:   ${settings.latencyMs} ms; rate limit: ${settings.rateLimitRps ?? "none"}`,
      "Control endpoints (no credentials):",
      `  GET  ${url}/__sim/state      GET ${url}/__sim/people      GET ${url}/__sim/events`,
      `  GET  ${url}/__sim/requests   POST ${url}/__sim/reset`,
      `  POST ${url}/__sim/faults     e.g. {"enqueue":[{"status":429,"retryAfterSeconds":2},{"kind":"timeout"}]}`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
  if (!stop.aborted) await new Promise((resolve) => stop.addEventListener("abort", resolve, { once: true }));
  await simulator.close();
  io.stdout("sandbox stopped\n");
  return 0;
}

/** `sluice sandbox`: a local strict Customer.io Track API simulator. */
export const sandboxCommand: Command = {
  name: "sandbox",
  summary: "Run a local strict Customer.io Track API simulator to try mappings without a workspace",
  usage: USAGE,
  async run(args, io) {
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      return await runSandbox(args, io, controller.signal);
    } finally {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
  },
};
