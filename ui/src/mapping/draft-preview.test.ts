import { describe, expect, it } from "vitest";
import { type DestinationDocument, MASKED_SECRET } from "../../../src/contracts/config-document.js";
import { previewEvent } from "../../../src/destinations/customerio/preview.js";
import { checkDestination, resolvedFields, storedEventFrom } from "./draft-preview.js";

/** The example pane runs the server's validation and preview on a destination as the API answers it. */

const destination = (actions: DestinationDocument["actions"]): DestinationDocument => ({
  name: "customerio-main",
  type: "customerio",
  settings: { siteId: "site-1", apiKey: MASKED_SECRET, region: "us" },
  ...(actions ? { actions } : {}),
});

const ORDER = {
  name: "Order completed",
  type: "event",
  trigger: {
    all: [
      { path: "$.type", equals: "track" },
      { path: "$.event", equals: "Order Completed" },
    ],
  },
  fields: { id: "$.userId", name: "$.event", attributes: { object: { total: "$.properties.total" } } },
};

describe("checkDestination", () => {
  it("accepts a destination whose secrets are masked, and gives its configuration", () => {
    const checked = checkDestination(destination([ORDER]));
    expect(checked.issues).toEqual([]);
    expect(checked.config?.actions?.[0]?.name).toBe("Order completed");
    expect(checked.saltStandIn).toBe(false);
  });

  it("reports mapping problems with paths relative to the destination", () => {
    const checked = checkDestination(
      destination([
        ORDER,
        {
          name: "Bad",
          type: "event",
          fields: { id: "$.userId", name: { path: "$.event", transforms: ["lowercse"] } },
        },
      ]),
    );
    expect(checked.config).toBeNull();
    expect(checked.issues).toContainEqual({
      path: "actions[1].fields.name.transforms[0]",
      message: 'unknown transform "lowercse"; did you mean "lowercase"?',
    });
  });

  it("reports a one-of group that can never yield an identifier", () => {
    const checked = checkDestination(
      destination([{ name: "Nobody", type: "event", fields: { cio_id: null, id: null, email: null } }]),
    );
    expect(checked.issues.map((issue) => issue.path)).toContain("actions[0].fields");
  });

  it("uses a stand-in for a masked salt and says so", () => {
    const doc = destination([ORDER]);
    doc.settings.hashSalt = MASKED_SECRET;
    expect(checkDestination(doc).saltStandIn).toBe(true);
  });
});

describe("the example", () => {
  const raw = {
    type: "track",
    userId: "u_1",
    event: "Order Completed",
    properties: { total: 42.5 },
    timestamp: "2026-01-15T12:00:00Z",
  };

  it("previews the exact request with the key masked, and resolves each field", () => {
    const checked = checkDestination(destination([ORDER]));
    const stored = storedEventFrom(raw, Date.parse("2026-01-15T12:00:01Z"));
    if (!stored.ok || !checked.config) throw new Error("setup");
    const preview = previewEvent(stored.event, checked.config);
    expect(preview.requests).toHaveLength(1);
    expect(preview.requests[0]?.url).toBe("https://track.customer.io/api/v2/batch");
    expect(preview.requests[0]?.headers["authorization"]).toBe("Basic [redacted]");
    expect(JSON.parse(preview.requests[0]?.body ?? "{}").batch[0]).toMatchObject({
      name: "Order Completed",
      attributes: { total: 42.5 },
    });
    const fields = resolvedFields(stored.event, checked.config, "Order completed");
    expect(fields.get("id")).toMatchObject({ present: true, value: "u_1" });
    expect(fields.get("attributes")).toMatchObject({ present: true, value: { total: 42.5 } });
    // A default mapping is resolved too (event_id from $.messageId, filled in like ingest does).
    expect(fields.get("event_id")).toMatchObject({ present: true, value: "example-message-id" });
  });

  it("previews a masked sample: its masked times are left out, values stay masked", () => {
    const masked = {
      type: "track",
      event: "Order Completed",
      messageId: "m-1",
      userId: "<text, 3 chars>",
      timestamp: "<text, 20 chars>",
      receivedAt: "<text, 24 chars>",
      properties: { total: "<number, 4 chars>" },
    };
    const receivedAtMs = Date.parse("2026-01-15T12:00:01Z");
    expect(storedEventFrom(masked, receivedAtMs).ok).toBe(false);
    const stored = storedEventFrom(masked, receivedAtMs, { masked: true });
    if (!stored.ok) throw new Error(stored.message);
    expect(stored.event.receivedAt).toBe("2026-01-15T12:00:01.000Z");
    expect(stored.event.timestamp).toBeUndefined();
    const checked = checkDestination(destination([ORDER]));
    const preview = previewEvent(stored.event, checked.config!);
    expect(JSON.parse(preview.requests[0]?.body ?? "{}").batch[0]).toMatchObject({
      identifiers: { id: "<text, 3 chars>" },
      attributes: { total: "<number, 4 chars>" },
    });
  });

  it("checks an event like ingest does", () => {
    expect(storedEventFrom({ type: "track", userId: "u" }, 0)).toEqual({
      ok: false,
      message: "event: track calls need a non-empty `event` name",
    });
  });
});
