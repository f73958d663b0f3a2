import { startSimulator } from "../destinations/customerio/simulator/index.js";

/**
 * The benchmark's "fast" Customer.io simulator: the same in-process simulator as `sluice sandbox`
 * (its own strict checks of every request still run), but without the OpenAPI validation and keeping
 * only event ids (`recordEvents: "ids"`). The strict sandbox validates each 2,000-event batch against
 * the OpenAPI spec on its one core (0.1–0.4 s per request on a 2-vCPU machine), which serialises a
 * drain that Sluice could run faster; correctness against the spec is what the tests prove, not the
 * benchmark.
 *
 * Environment: `PORT` (0 = a free one), `SITE_ID`, `API_KEY`, `LATENCY_MS` (default 0), `RATE_LIMIT`
 * (requests/s; unset = no cap). Prints `{"listening":<port>}` once it answers; SIGTERM stops it.
 */
const simulator = await startSimulator({
  port: Number(process.env["PORT"] ?? 0),
  siteId: process.env["SITE_ID"] ?? "sandbox-site",
  apiKey: process.env["API_KEY"] ?? "sandbox-key",
  openApi: null,
  recordEvents: "ids",
});
simulator.setLatencyMs(Number(process.env["LATENCY_MS"] ?? 0));
const rateLimit = process.env["RATE_LIMIT"];
simulator.setRateLimit(rateLimit === undefined || rateLimit === "" ? null : Number(rateLimit));
process.stdout.write(`${JSON.stringify({ listening: simulator.port })}\n`);
process.once("SIGTERM", () => {
  void simulator.close().then(() => process.exit(0));
});
