import { describe, expect, it } from "vitest";
import { diagnosticText, storableEvents, storableOutcome, storableText } from "./pg-text.js";

describe("storableText", () => {
  it("passes ordinary text through unchanged, astral characters included", () => {
    expect(storableText('Zoë "Ω" 🚀\n', "x")).toBe('Zoë "Ω" 🚀\n');
  });

  it("replaces lone surrogates with U+FFFD, as the driver would", () => {
    expect(storableText("a\uD800b\uDC00", "x")).toBe("a\uFFFDb\uFFFD");
  });

  it("rejects NUL with ER_STORE_INVALID_INPUT naming the field, not the value", () => {
    expect(() => storableText("secret\u0000", "events[2].body")).toThrow(
      expect.objectContaining({
        code: "ER_STORE_INVALID_INPUT",
        message: "ER_STORE_INVALID_INPUT: events[2].body must not contain a NUL character (U+0000)",
      }),
    );
  });
});

describe("diagnosticText and storableOutcome", () => {
  it("replace NUL in a reason or field instead of failing the settle", () => {
    expect(diagnosticText("a\u0000b")).toBe("a\uFFFDb");
    expect(
      storableOutcome({
        deliveryId: 1,
        leaseToken: "t",
        state: "failed",
        attempts: 1,
        stage: "delivery",
        reason: "r\u0000",
        field: "f\u0000",
      }),
    ).toEqual({
      deliveryId: 1,
      leaseToken: "t",
      state: "failed",
      attempts: 1,
      stage: "delivery",
      reason: "r\uFFFD",
      field: "f\uFFFD",
    });
    expect(
      storableOutcome({
        deliveryId: 1,
        leaseToken: "t",
        state: "retrying",
        attempts: 1,
        nextAttemptAtMs: 2,
        reason: "\u0000",
      }),
    ).toMatchObject({ reason: "\uFFFD" });
  });
});

describe("storableEvents", () => {
  it("normalises every text field and de-duplicates destinations that became equal", () => {
    const [event] = storableEvents([
      {
        sourceName: "web",
        messageId: "m\uD800",
        eventType: "track",
        receivedAtMs: 1,
        body: "{}",
        destinations: ["a\uD800", "a\uDC00"],
        orderingKey: "k",
      },
    ]);
    expect(event).toEqual({
      sourceName: "web",
      messageId: "m\uFFFD",
      eventType: "track",
      receivedAtMs: 1,
      body: "{}",
      destinations: ["a\uFFFD"],
      orderingKey: "k",
    });
  });
});
