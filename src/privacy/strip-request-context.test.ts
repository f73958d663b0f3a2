import { describe, expect, it } from "vitest";
import { stripRequestContext } from "./strip-request-context.js";

describe("stripRequestContext", () => {
  const event = {
    type: "track",
    event: "Viewed",
    context: {
      ip: "203.0.113.9",
      userAgent: "Mozilla/5.0",
      userAgentData: { platform: "macOS", mobile: false },
      locale: "en-US",
      page: { path: "/a" },
    },
  };

  it("drops ip, user agent and client hints, keeping the rest, without touching the input", () => {
    const before = JSON.stringify(event);
    const stripped = stripRequestContext(event, "drop");
    expect(stripped).toEqual({
      type: "track",
      event: "Viewed",
      context: { locale: "en-US", page: { path: "/a" } },
    });
    expect(JSON.stringify(event)).toBe(before);
  });

  it("keeps everything with keep, as a copy", () => {
    const kept = stripRequestContext(event, "keep");
    expect(kept).toEqual(event);
    expect(kept).not.toBe(event);
  });

  it.each([[{ type: "track" }], [{ type: "track", context: null }], [{ type: "track", context: "x" }]])(
    "copies events without a context object: %j",
    (input) => {
      expect(stripRequestContext(input, "drop")).toEqual(input);
    },
  );

  it("leaves an empty context when only request fields were there", () => {
    expect(stripRequestContext({ context: { ip: "1.2.3.4" } }, "drop")).toEqual({ context: {} });
  });
});
