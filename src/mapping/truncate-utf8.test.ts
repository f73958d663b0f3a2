import { describe, expect, it } from "vitest";
import { truncateUtf8, utf8ByteLength } from "./truncate-utf8.js";

describe("truncateUtf8", () => {
  it.each([
    ["hello", 3, "hel"],
    ["hello", 5, "hello"],
    ["hello", 50, "hello"],
    ["héllo", 2, "h"],
    ["héllo", 3, "hé"],
    ["日本語", 5, "日"],
    ["日本語", 6, "日本"],
    ["a😀b", 4, "a"],
    ["a😀b", 5, "a😀"],
    ["😀😀", 7, "😀"],
    ["👍🏽", 4, "👍"],
    ["", 3, ""],
  ])("%j to %i bytes → %j", (text, bytes, expected) => {
    expect(truncateUtf8(text, bytes)).toBe(expected);
    expect(new TextEncoder().encode(truncateUtf8(text, bytes)).length).toBeLessThanOrEqual(bytes);
  });

  it("counts a lone surrogate as the 3 bytes TextEncoder writes", () => {
    expect(truncateUtf8("a\ud800b", 3)).toBe("a");
    expect(truncateUtf8("a\ud800b", 4)).toBe("a\ud800");
    expect(utf8ByteLength("a\ud800b")).toBe(new TextEncoder().encode("a\ud800b").length);
  });

  it("measures UTF-8 length", () => {
    expect(utf8ByteLength("héllo 日本 😀")).toBe(new TextEncoder().encode("héllo 日本 😀").length);
  });
});
