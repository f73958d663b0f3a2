import { describe, expect, it } from "vitest";
import { Secret } from "../contracts/secret.js";
import type { ClaimedDelivery } from "../store/port.js";
import { CustomerioSink } from "./customerio-sink.js";

const sink = new CustomerioSink({
  name: "cio",
  type: "customerio",
  settings: { siteId: "s", apiKey: new Secret("k"), region: "us" },
  allow: { events: ["*"], traits: [], properties: ["notes"] },
});

function claimed(notes: string): ClaimedDelivery {
  const event = {
    type: "track",
    userId: "u1",
    event: "Signed Up",
    properties: { notes },
    messageId: "m1",
    receivedAt: "2026-11-28T12:00:00.000Z",
  };
  return {
    deliveryId: 1,
    destination: "cio",
    sourceName: "web",
    messageId: "m1",
    eventType: "track",
    receivedAtMs: 0,
    body: JSON.stringify(event),
    attempts: 0,
    firstAttemptAtMs: null,
  };
}

describe("CustomerioSink.prepare", () => {
  it("serializes an operation within the 32,000-byte item limit", () => {
    const prepared = sink.prepare(claimed("x".repeat(1000)));
    expect(prepared.kind).toBe("item");
    if (prepared.kind === "item") expect(prepared.item.bytes).toBe(Buffer.byteLength(prepared.item.json));
  });

  it("stops an operation over 32,000 bytes (this also bounds event data) instead of sending it", () => {
    expect(sink.prepare(claimed("x".repeat(32_000)))).toEqual({
      kind: "stop",
      delivery: expect.objectContaining({ deliveryId: 1 }),
      stage: "limits",
      reason: "operation is over 32000 bytes",
    });
  });
});
