import { describe, expect, it } from "vitest";
import { withoutCredentials } from "./main.js";

describe("withoutCredentials", () => {
  it.each([
    ["https://track.customer.io", "https://track.customer.io"],
    ["http://proxy-user:s3cret@proxy.internal:8080", "http://redacted@proxy.internal:8080"],
    ["http://only-user@proxy.internal", "http://redacted@proxy.internal"],
  ])("%s → %s", (input, expected) => {
    expect(withoutCredentials(input)).toBe(expected);
    expect(withoutCredentials(input)).not.toContain("s3cret");
  });
});
