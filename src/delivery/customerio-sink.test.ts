import { describe, expect, it } from "vitest";
import { defaultDestinationPrivacy } from "../contracts/privacy.js";
import { Secret } from "../contracts/secret.js";
import type { ClaimedDelivery } from "../store/port.js";
import { CustomerioSink } from "./customerio-sink.js";

const sink = new CustomerioSink({
  name: "cio",
  type: "customerio",
  settings: { siteId: "s", apiKey: new Secret("k"), region: "us" },
  allow: { events: ["*"], traits: [], properties: ["notes"] },
  delivery: { requestsPerSecond: 100, retryForHours: 48, maxEventsPerRequest: 2000 },
  match: "first",
  privacy: defaultDestinationPrivacy(),
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
    leaseToken: "t1",
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
    expect(prepared.kind).toBe("items");
    if (prepared.kind === "items") {
      expect(prepared.items).toHaveLength(1);
      expect(prepared.items[0]?.bytes).toBe(Buffer.byteLength(prepared.items[0]?.json ?? ""));
    }
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

describe("CustomerioSink.pack", () => {
  const item = (deliveryId: number, person: string | null, bytes: number) => ({
    tag: { deliveryId, leaseToken: "t1", attempts: 0, firstAttemptAtMs: null, person },
    json: "x".repeat(bytes),
    bytes,
  });
  const ids = (batches: ReturnType<typeof sink.pack>) =>
    batches.map((batch) => [batch.items.map((i) => i.tag.deliveryId), batch.continuesPrevious]);

  it("keeps a person's run in one batch, starting a new batch rather than splitting it", () => {
    const items = [item(1, "a", 40), item(2, "a", 40), item(3, "b", 40), item(4, "b", 40), item(5, null, 40)];
    // 12 bytes of envelope + 41 per item: two items fit in 100 bytes, three do not.
    expect(ids(sink.pack(items, 100))).toEqual([
      [[1, 2], false],
      [[3, 4], false],
      [[5], false],
    ]);
    expect(ids(sink.pack(items, 1000))).toEqual([[[1, 2, 3, 4, 5], false]]);
  });

  it("also caps the events per request (delivery.maxEventsPerRequest)", () => {
    const items = [item(1, "a", 4), item(2, "a", 4), item(3, "a", 4), item(4, "b", 4), item(5, null, 4)];
    expect(ids(sink.pack(items, 1000, 2))).toEqual([
      [[1, 2], false],
      [[3], true],
      [[4, 5], false],
    ]);
  });

  it("spreads a run too big for one batch over consecutive batches marked as continuing", () => {
    const items = [item(1, "b", 40), item(2, "a", 40), item(3, "a", 40), item(4, "a", 40), item(5, "c", 40)];
    expect(ids(sink.pack(items, 100))).toEqual([
      [[1], false],
      [[2, 3], false],
      [[4], true],
      [[5], false],
    ]);
  });
});
