import { afterEach, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../destinations/customerio/simulator/simulator.js";
import { allDeliveries, type Pipeline, SITE_ID, startPipeline } from "../test-support/pipeline.js";

/**
 * The privacy proof: events carrying unique PHI-shaped canaries in every place go through the whole
 * pipeline with realistic configurations. No canary may reach Customer.io unless a mapping names it
 * AND the policy allows it — and none may appear in Sluice's logs, metrics, error responses or
 * delivery log. One canary is mapped and explicitly allowed, so the test shows it can see a leak.
 */
const CANARIES = {
  ip: "10.77.77.77",
  userAgent: "CanaryAgent/7.7 (canary-ua-7731)",
  urlEmail: "canary.url@example.com",
  referrerTerm: "canary-referrer-hiv",
  traitDiagnosis: "E11.9",
  traitSsn: "123-45-6701",
  propertyMrn: "8877665544",
  propertyCard: "4111 1111 1111 1111",
  nested: "canary-nested-ozempic",
  arrayPhone: "+1 415 555 0199",
  contextTraitPhone: "+1 415 555 0123",
  advertisingId: "canary-adid-7777",
  badEvent: "canary-bad-event-9999",
  allowedPhone: "+1 415 555 0100",
} as const;

function canaryEvent(type: "identify" | "track" | "page", messageId: string): Record<string, unknown> {
  return {
    type,
    messageId,
    userId: "patient-1",
    ...(type === "track" ? { event: "Order Completed" } : {}),
    traits: {
      email: "ada@example.com",
      plan: "pro",
      notes: `SSN ${CANARIES.traitSsn}`,
      diagnosis: `dx ${CANARIES.traitDiagnosis} diabetes`,
      tags: [`call ${CANARIES.arrayPhone}`],
    },
    properties: {
      plan: "pro",
      total: 10,
      notes: `card ${CANARIES.propertyCard}`,
      mrn: `MRN ${CANARIES.propertyMrn}`,
      cart: { items: [{ name: CANARIES.nested }] },
      callback: CANARIES.allowedPhone,
      url: `https://clinic.example/book?email=${encodeURIComponent(CANARIES.urlEmail)}&utm_source=news`,
    },
    context: {
      ip: CANARIES.ip,
      userAgent: CANARIES.userAgent,
      traits: { phone: CANARIES.contextTraitPhone },
      device: { advertisingId: CANARIES.advertisingId },
      page: {
        url: `https://clinic.example/book?email=${encodeURIComponent(CANARIES.urlEmail)}&utm_source=news`,
        referrer: `https://search.example/?q=${CANARIES.referrerTerm}`,
      },
    },
  };
}

const simText = (sim: Simulator) =>
  JSON.stringify({
    people: [...sim.state.people.values()].map((person) => ({
      ...person,
      devices: [...person.devices.values()],
    })),
    events: sim.state.events,
    objects: sim.state.objects,
  });

describe("canaries: PHI-shaped values in every place", () => {
  let pipeline: Pipeline | undefined;
  let second: Simulator | undefined;
  afterEach(async () => {
    await pipeline?.close();
    await second?.close();
  });

  it("reach Customer.io only when mapped and allowed, and never Sluice's own outputs", async () => {
    second = await startSimulator({ siteId: SITE_ID, apiKey: "key-2", openApi: loadTrackOpenApi() });
    pipeline = await startPipeline({
      // The presets, with the PHI-carrying fields allow-listed: the scanner must still block them.
      allow: {
        events: ["Order Completed"],
        traits: ["email", "plan", "notes"],
        properties: ["plan", "total", "notes"],
      },
      extraDestinations: [
        {
          name: "mapped",
          type: "customerio",
          settings: { siteId: SITE_ID, apiKey: "key-2", trackUrl: second.url },
          actions: [
            {
              name: "Order",
              type: "event",
              trigger: { path: "$.type", equals: "track" },
              fields: {
                attributes: {
                  object: {
                    landing: "$.context.page.url",
                    referrer: "$.context.page.referrer",
                    notes: "$.properties.notes",
                    callback: "$.properties.callback",
                  },
                },
              },
            },
          ],
          privacy: { phi: { allow: [{ field: "attributes.callback", detector: "phone" }] } },
        },
      ],
    });
    const p = pipeline;
    for (const [i, type] of (["identify", "track", "page"] as const).entries()) {
      const response = await p.post(`/v1/${type}`, canaryEvent(type, `canary-${i}`));
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.body)).not.toMatch(/canary/i);
    }
    // A rejected event: the error names the problem, never the values.
    const bad = await p.post("/v1/track", { ...canaryEvent("track", "bad"), timestamp: CANARIES.badEvent });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain(CANARIES.badEvent);

    await p.settled(6, 15_000);
    const log = await allDeliveries(p.sluice);
    expect(log.map((entry) => [entry.destination, entry.eventType, entry.state]).sort()).toEqual([
      ["cio", "identify", "delivered"],
      ["cio", "page", "stopped"],
      ["cio", "track", "delivered"],
      ["mapped", "identify", "stopped"],
      ["mapped", "page", "stopped"],
      ["mapped", "track", "delivered"],
    ]);

    const leaked = (text: string) =>
      Object.entries(CANARIES).filter(([name, value]) => name !== "allowedPhone" && text.includes(value));
    // What Customer.io received (both workspaces), and the one allowed canary to prove we would see it.
    expect(leaked(simText(p.sim))).toEqual([]);
    expect(leaked(simText(second))).toEqual([]);
    expect(simText(second)).toContain(CANARIES.allowedPhone);
    expect(simText(second)).toContain("https://clinic.example/book?utm_source=news");
    expect(p.sim.state.openApiViolations).toEqual([]);
    expect(second.state.openApiViolations).toEqual([]);
    // Sluice's own outputs: logs, metrics, the delivery log and attempt histories.
    const metrics = await (await fetch(`${p.sluice.url}/metrics`)).text();
    // Each detection is recorded by detector, field path and action (never the value).
    const recorded = p.logLines
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "privacy.decisions");
    expect(recorded.flatMap((line) => line.decisions)).toEqual(
      expect.arrayContaining([
        { detector: "ssn", path: "attributes.notes", action: "blocked" },
        { detector: "card", path: "attributes.notes", action: "blocked" },
        { detector: "phone", path: "attributes.callback", action: "allowed" },
      ]),
    );
    expect(metrics).toMatch(
      /sluice_privacy_decisions_total\{destination="cio",detector="ssn",action="blocked"\} 1/,
    );
    const histories = await Promise.all(
      log.map((entry) => p.sluice.store.deliveryAttempts(entry.deliveryId)),
    );
    for (const text of [p.logLines.join("\n"), metrics, JSON.stringify(log), JSON.stringify(histories)]) {
      expect(leaked(text)).toEqual([]);
      expect(text).not.toContain(CANARIES.allowedPhone);
    }
  });
});
