import { describe, expect, it } from "vitest";
import { Secret } from "../../contracts/secret.js";
import { readRegionCheck, regionCheckRequest } from "./credentials-check.js";
import { HttpService } from "./service.js";
import { startSimulator } from "./simulator/simulator.js";

const settings = (apiKey: string, region: "us" | "eu", trackUrl?: string) => ({
  siteId: "site-1",
  apiKey: new Secret(apiKey),
  region,
  ...(trackUrl ? { trackUrl } : {}),
});

describe("credentials check (GET /api/v1/accounts/region)", () => {
  it("builds the documented request, credentials masked unless revealed", () => {
    expect(regionCheckRequest(settings("k", "eu"), { revealKey: false })).toEqual({
      method: "GET",
      url: "https://track-eu.customer.io/api/v1/accounts/region",
      headers: { authorization: "Basic [redacted]", "user-agent": "Sluice/0.1" },
    });
    expect(regionCheckRequest(settings("k", "us"), { revealKey: true }).headers["authorization"]).toBe(
      `Basic ${btoa("site-1:k")}`,
    );
  });

  it.each([
    ["right credentials and region", "key-1", "us", "us", "ok"],
    ["an EU workspace configured as US", "key-1", "us", "eu", "region-mismatch"],
    ["a wrong API key", "wrong", "us", "us", "unauthorized"],
  ] as const)("against the strict simulator: %s", async (_label, apiKey, configured, actual, result) => {
    const sim = await startSimulator({ siteId: "site-1", apiKey: "key-1", region: actual });
    const service = new HttpService();
    try {
      const config = settings(apiKey, configured, sim.url);
      const check = readRegionCheck(
        await service.send(regionCheckRequest(config, { revealKey: true })),
        config,
      );
      expect(check.result).toBe(result);
      expect(check.message).not.toContain(apiKey);
      if (result === "region-mismatch") expect(check.message).toContain('set settings.region to "eu"');
    } finally {
      await service.close();
      await sim.close();
    }
  });

  it("reports an unreachable host and an unexpected answer in plain words", () => {
    expect(readRegionCheck({ networkError: "ECONNREFUSED" }, { region: "us" })).toEqual({
      result: "unreachable",
      message: "could not reach Customer.io (ECONNREFUSED); check the network or trackUrl",
    });
    expect(readRegionCheck({ status: 500, headers: {}, body: undefined }, { region: "us" }).result).toBe(
      "unexpected",
    );
  });
});
