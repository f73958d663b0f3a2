import { describe, expect, it } from "vitest";
import { CONTEXT_PATHS_NEVER_SENT, URL_PATHS } from "./context-paths-never-sent.js";

describe("context paths never sent", () => {
  it("covers request metadata, page context, device ids and context traits", () => {
    for (const path of [
      "context.ip",
      "context.userAgent",
      "context.page.url",
      "context.page.referrer",
      "context.page.search",
      "context.device.id",
      "context.device.advertisingId",
      "context.traits",
    ]) {
      expect(CONTEXT_PATHS_NEVER_SENT).toContain(path);
    }
    expect(new Set(CONTEXT_PATHS_NEVER_SENT).size).toBe(CONTEXT_PATHS_NEVER_SENT.length);
    for (const path of CONTEXT_PATHS_NEVER_SENT) expect(path).toMatch(/^context(\.[A-Za-z]+)+$/);
  });

  it("lists the URL-valued paths to sanitize", () => {
    expect(URL_PATHS).toEqual([
      "context.page.url",
      "context.page.referrer",
      "properties.url",
      "properties.referrer",
    ]);
  });
});
