import { describe, expect, it } from "vitest";
import { validateConfig } from "../../contracts/config.js";
import type { StoredEvent } from "../../contracts/event.js";
import { mapEvent } from "./map-event.js";

function destination(extra: Record<string, unknown>) {
  const result = validateConfig({
    destinations: [
      {
        name: "cio",
        type: "customerio",
        settings: { siteId: "s", apiKey: "k" },
        allow: { events: ["*"], traits: ["plan", "notes"], properties: ["plan", "notes", "page"] },
        ...extra,
      },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config.destinations[0]!;
}

const track = (fields: Record<string, unknown>) =>
  ({
    type: "track",
    userId: "u-1",
    event: "Viewed",
    messageId: "m-1",
    receivedAt: "2026-11-28T12:00:00.000Z",
    ...fields,
  }) as StoredEvent;

function attributesOf(outcome: ReturnType<typeof mapEvent>): unknown {
  if (outcome.kind !== "send") return outcome;
  const [part] = outcome.parts;
  return part?.kind === "op" ? (part.op as { attributes?: unknown }).attributes : part;
}

describe("consent, enforced per destination before any action runs", () => {
  const needsMarketing = destination({ privacy: { consent: { require: ["marketing"] } } });
  it.each([
    ["no consent anywhere (deny by default)", {}, 'consent for "marketing" not given'],
    [
      "withdrawn in the Segment consent object",
      { context: { consent: { categoryPreferences: { marketing: false } } } },
      'consent for "marketing" withdrawn',
    ],
    [
      "Global Privacy Control, even with consent given",
      { context: { gpc: true, consent: { categoryPreferences: { marketing: true } } } },
      'Global Privacy Control opts out of "marketing"',
    ],
  ])("%s → stopped", (_label, fields, reason) => {
    expect(mapEvent(track(fields), needsMarketing)).toEqual({ kind: "stop", stage: "consent", reason });
  });
  it.each([
    ["the Segment consent object", { context: { consent: { categoryPreferences: { marketing: true } } } }],
    ["traits", { traits: { consent: { marketing: "granted" } } }],
  ])("consent given in %s → sent", (_label, fields) => {
    expect(mapEvent(track(fields), needsMarketing).kind).toBe("send");
  });
  it("a destination that requires nothing ignores consent", () => {
    expect(mapEvent(track({ context: { gpc: true } }), destination({})).kind).toBe("send");
  });
});

describe("PHI in what would leave", () => {
  const ssn = { properties: { plan: "pro", notes: "patient SSN 123-45-6789 called" } };
  it("blocks the field by default, and says so by detector and path only", () => {
    const outcome = mapEvent(track(ssn), destination({}));
    expect(attributesOf(outcome)).toEqual({ plan: "pro" });
    expect(outcome.kind === "send" && outcome.privacy).toEqual([
      { detector: "ssn", path: "attributes.notes", action: "blocked" },
    ]);
  });
  it("redacts only the match, stops the event, or allows an explicit exception, per policy", () => {
    expect(
      attributesOf(mapEvent(track(ssn), destination({ privacy: { phi: { action: "redact" } } }))),
    ).toEqual({
      plan: "pro",
      notes: "patient SSN [redacted] called",
    });
    expect(
      mapEvent(track(ssn), destination({ privacy: { phi: { detectors: { ssn: "stop" } } } })),
    ).toMatchObject({
      kind: "stop",
      stage: "privacy",
      reason: "PHI detected (ssn) in attributes.notes",
      field: "attributes.notes",
    });
    const excepted = destination({
      privacy: { phi: { allow: [{ field: "attributes.notes", detector: "ssn" }] } },
    });
    expect(attributesOf(mapEvent(track(ssn), excepted))).toEqual(ssn.properties);
  });
  it("stops an event whose name or identifier carries PHI, rather than send it without its name", () => {
    expect(mapEvent(track({ event: "Diabetes Screening Booked" }), destination({}))).toMatchObject({
      kind: "stop",
      stage: "privacy",
      reason: "PHI detected (health_term) in name",
    });
    expect(mapEvent(track({ userId: "123-45-6789" }), destination({}))).toMatchObject({
      kind: "stop",
      stage: "privacy",
    });
  });
  it("finds condition terms in URLs, and the configured ones too", () => {
    const builtin = track({ properties: { page: "https://clinic.example/services/ozempic-consult" } });
    expect(attributesOf(mapEvent(builtin, destination({})))).toBeUndefined();
    const custom = track({ properties: { page: "https://clinic.example/services/glowup-clinic" } });
    expect(attributesOf(mapEvent(custom, destination({})))).toEqual({ page: custom.properties?.["page"] });
    const withTerm = destination({ privacy: { phi: { terms: ["glowup"] } } });
    expect(attributesOf(mapEvent(custom, withTerm))).toBeUndefined();
  });
});

describe("page URLs a mapping reads keep scheme, host, path and utm_* only", () => {
  it("strips other query parameters and the fragment", () => {
    const cio = destination({
      actions: [
        { name: "Views", type: "event", fields: { attributes: { object: { url: "$.context.page.url" } } } },
      ],
    });
    const event = track({
      context: { page: { url: "https://shop.example/cart?email=a%40b.co&utm_source=mail&token=x#top" } },
    });
    expect(attributesOf(mapEvent(event, cio))).toEqual({ url: "https://shop.example/cart?utm_source=mail" });
  });
});
