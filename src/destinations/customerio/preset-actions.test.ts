import { describe, expect, it } from "vitest";
import type { CustomerioDestinationConfig } from "../../contracts/config.js";
import type { StoredEvent } from "../../contracts/event.js";
import { defaultDestinationPrivacy } from "../../contracts/privacy.js";
import { Secret } from "../../contracts/secret.js";
import { mapWithPresets, resolveIdentifiers, toUnixSeconds } from "./preset-actions.js";

const destination: CustomerioDestinationConfig = {
  name: "cio",
  type: "customerio",
  settings: { siteId: "site", apiKey: new Secret("key"), region: "us" },
  allow: {
    events: ["Signed Up", "Order Completed"],
    traits: ["email", "first_name", "plan", "trial_ends"],
    properties: ["plan", "total", "currency"],
  },
  delivery: { requestsPerSecond: 100, retryForHours: 48, maxEventsPerRequest: 2000 },
  match: "first",
  privacy: defaultDestinationPrivacy(),
};

const base = { messageId: "m-1", receivedAt: "2026-11-28T12:00:00.000Z" };

function event(fields: Partial<StoredEvent> & Pick<StoredEvent, "type">): StoredEvent {
  return { ...base, ...fields } as StoredEvent;
}

describe("resolveIdentifiers", () => {
  it.each([
    [{ userId: "cio_abc" }, { cio_id: "abc" }],
    [{ userId: "u-42" }, { id: "u-42" }],
    [{ userId: "u-42", traits: { email: "a@b.co" } }, { id: "u-42" }],
    [{ traits: { email: "a@b.co" } }, { email: "a@b.co" }],
    [{ context: { traits: { email: "c@d.co" } } }, { email: "c@d.co" }],
    [{ userId: "cio_" }, null],
    [{ anonymousId: "anon" }, null],
    [{ traits: { email: "" } }, null],
  ])("%j → %j", (fields, expected) => {
    expect(resolveIdentifiers(fields as StoredEvent)).toEqual(expected);
  });
});

describe("preset Identify", () => {
  it("sends only allowed traits plus anonymous_id, dates as Unix seconds", () => {
    const result = mapWithPresets(
      event({
        type: "identify",
        userId: "u1",
        anonymousId: "anon-1",
        timestamp: "2026-11-28T10:00:00Z",
        traits: {
          email: "a@b.co",
          first_name: "Ann",
          diagnosis: "secret",
          trial_ends: "2026-12-01",
          plan: 0,
        },
      }),
      destination,
    );
    expect(result).toEqual({
      kind: "op",
      action: "Identify",
      op: {
        type: "person",
        action: "identify",
        identifiers: { id: "u1" },
        attributes: {
          email: "a@b.co",
          first_name: "Ann",
          plan: 0,
          trial_ends: 1796083200,
          anonymous_id: "anon-1",
        },
        timestamp: 1795860000,
      },
    });
  });

  it("stops an identify with no id, email or cio_id", () => {
    expect(mapWithPresets(event({ type: "identify", anonymousId: "a" }), destination)).toEqual({
      kind: "stop",
      stage: "mapping",
      reason: "no id, email or cio_id",
    });
  });
});

describe("preset Event", () => {
  it("sends an allowed track with messageId as id and allowed properties", () => {
    const result = mapWithPresets(
      event({
        type: "track",
        userId: "cio_x9",
        event: "Order Completed",
        timestamp: "2026-11-28T10:00:00.900Z",
        properties: { total: 12.5, currency: "USD", sku: "hidden", plan: false },
      }),
      destination,
    );
    expect(result).toEqual({
      kind: "op",
      action: "Event",
      op: {
        type: "person",
        action: "event",
        identifiers: { cio_id: "x9" },
        name: "Order Completed",
        id: "m-1",
        timestamp: 1795860000,
        attributes: { total: 12.5, currency: "USD", plan: false },
      },
    });
  });

  it("uses receivedAt when the event has no timestamp", () => {
    const result = mapWithPresets(event({ type: "track", userId: "u", event: "Signed Up" }), destination);
    expect(result.kind === "op" && result.op.timestamp).toBe(1795867200);
  });

  it("stops event names that are not allowed, and allows all with *", () => {
    const tracked = event({ type: "track", userId: "u", event: "Viewed Oncology Page" });
    expect(mapWithPresets(tracked, destination)).toEqual({
      kind: "stop",
      stage: "allowlist",
      reason: "event name not allowed",
      field: "event",
    });
    const all = { ...destination, allow: { ...destination.allow, events: ["*"] } };
    expect(mapWithPresets(tracked, all).kind).toBe("op");
  });

  it("stops a name over 100 bytes with a reason naming the field", () => {
    const name = "é".repeat(51); // 102 bytes
    const all = { ...destination, allow: { ...destination.allow, events: ["*"] } };
    expect(mapWithPresets(event({ type: "track", userId: "u", event: name }), all)).toEqual({
      kind: "stop",
      stage: "limits",
      field: "name",
      reason: "event name is 102 bytes; Customer.io allows 100",
    });
  });

  it("stops an identify with an attribute value over 1000 bytes", () => {
    const result = mapWithPresets(
      event({ type: "identify", userId: "u", traits: { plan: "x".repeat(1001) } }),
      destination,
    );
    expect(result).toMatchObject({ kind: "stop", stage: "limits", field: "attributes.plan" });
  });

  it("has no preset for page, screen, group and alias calls", () => {
    expect(mapWithPresets(event({ type: "page", userId: "u" }), destination)).toEqual({
      kind: "stop",
      stage: "mapping",
      reason: "no action for page calls",
    });
  });
});

describe("toUnixSeconds", () => {
  it.each([
    ["2026-11-28T10:00:00Z", 1795860000],
    ["2026-11-28T10:00:00", 1795860000],
    ["2026-11-28T11:00:00+01:00", 1795860000],
    ["2026-11-28", 1795824000],
    ["not a date", null],
    ["2026-13-45", null],
  ])("%s → %s", (input, expected) => {
    expect(toUnixSeconds(input)).toBe(expected);
  });
});

describe("event time", () => {
  it("corrects originalTimestamp for client clock skew using sentAt (RudderStack sends no timestamp)", () => {
    const result = mapWithPresets(
      event({
        type: "track",
        userId: "u",
        event: "Signed Up",
        originalTimestamp: "2026-11-28T09:00:00Z",
        sentAt: "2026-11-28T09:00:10Z",
        receivedAt: "2026-11-28T10:00:15.000Z",
      }),
      destination,
    );
    // The client clock is 1 h 5 s behind: the event happened 10 s before Sluice received it.
    expect(result.kind === "op" && result.op.timestamp).toBe(1795860005);
  });

  it("uses originalTimestamp as is without sentAt, and timestamp above all", () => {
    const withOriginal = mapWithPresets(
      event({ type: "track", userId: "u", event: "Signed Up", originalTimestamp: "2026-11-28T09:00:00Z" }),
      destination,
    );
    expect(withOriginal.kind === "op" && withOriginal.op.timestamp).toBe(1795856400);
    const withBoth = mapWithPresets(
      event({
        type: "track",
        userId: "u",
        event: "Signed Up",
        timestamp: "2026-11-28T10:00:00Z",
        originalTimestamp: "2026-11-28T09:00:00Z",
      }),
      destination,
    );
    expect(withBoth.kind === "op" && withBoth.op.timestamp).toBe(1795860000);
  });
});
