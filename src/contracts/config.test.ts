import { describe, expect, it } from "vitest";
import { parseConfigText } from "./config-file.js";

const VALID = `sources:
  - name: website
    writeKey: wk_live_0123
destinations:
  - name: customerio-main
    type: customerio
    settings:
      siteId: "abc123"
      apiKey: \${CIO_API_KEY}
      region: us
      trackUrl: http://127.0.0.1:4010/
    allow:
      events: ["Signed Up", "Order Completed"]
      traits: [email, first_name, plan]
      properties: [plan, total, currency]
`;

describe("configuration file", () => {
  it("accepts the documented example and resolves ${VAR} from the environment", () => {
    const result = parseConfigText(VALID, { CIO_API_KEY: "secret-key-value" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const destination = result.config.destinations[0]!;
    expect(destination.settings.apiKey.reveal()).toBe("secret-key-value");
    expect(destination.settings.trackUrl).toBe("http://127.0.0.1:4010");
    expect(destination.allow.events).toEqual(["Signed Up", "Order Completed"]);
    expect(result.config.sources[0]!.writeKey.reveal()).toBe("wk_live_0123");
  });

  it("never prints secrets", () => {
    const result = parseConfigText(VALID, { CIO_API_KEY: "secret-key-value" });
    if (!result.ok) throw new Error("expected valid");
    const printed = `${JSON.stringify(result.config)} ${String(result.config.destinations[0]!.settings.apiKey)}`;
    expect(printed).not.toContain("secret-key-value");
    expect(printed).not.toContain("wk_live_0123");
    expect(printed).toContain("[redacted]");
  });

  it("defaults region to us and allow lists to empty (deny by default)", () => {
    const result = parseConfigText(
      "destinations:\n  - name: d\n    type: customerio\n    settings: { siteId: s, apiKey: k }\n",
      {},
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.destinations[0]!.settings.region).toBe("us");
    expect(result.config.destinations[0]!.allow).toEqual({ events: [], traits: [], properties: [] });
    expect(result.config.sources).toEqual([]);
  });

  it("rejects unknown keys, naming each with its path and line", () => {
    const text = VALID.replace("      region: us\n", "      region: us\n      regoin: eu\n").replace(
      "sources:",
      "extra: 1\nsources:",
    );
    const result = parseConfigText(text, { CIO_API_KEY: "k" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "extra", message: 'unknown key "extra"', line: 1, column: 1 }),
        expect.objectContaining({
          path: "destinations[0].settings.regoin",
          message: 'unknown key "regoin"',
          line: 12,
          column: 7,
        }),
      ]),
    );
  });

  it("reports every error at once, each with its path", () => {
    const text = `sources:
  - name: a
    writeKey: same
  - name: a
    writeKey: same
destinations:
  - name: d
    type: customerio
    settings: { siteId: "", apiKey: k, region: mars, trackUrl: "ftp://x" }
  - name: e
    type: segment
`;
    const result = parseConfigText(text, {});
    if (result.ok) throw new Error("expected errors");
    const paths = result.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "destinations[0].settings.siteId",
        "destinations[0].settings.region",
        "destinations[0].settings.trackUrl",
        "destinations[1].type",
      ]),
    );
    expect(result.issues.every((issue) => typeof issue.line === "number")).toBe(true);
  });

  it("reports duplicate names and write keys after the shape is valid", () => {
    const result = parseConfigText(
      "sources:\n  - { name: a, writeKey: same }\n  - { name: a, writeKey: same }\n",
      {},
    );
    if (result.ok) throw new Error("expected errors");
    expect(result.issues.map((issue) => issue.path)).toEqual(["sources[1].name", "sources[1].writeKey"]);
  });

  it("names a missing environment variable without inventing a value", () => {
    const result = parseConfigText(VALID, {});
    if (result.ok) throw new Error("expected errors");
    expect(result.issues).toEqual([
      expect.objectContaining({
        path: "destinations[0].settings.apiKey",
        message: "environment variable CIO_API_KEY is not set (referenced as ${CIO_API_KEY})",
        line: 9,
      }),
    ]);
  });

  it("keeps $${ as a literal ${", () => {
    const result = parseConfigText(
      'destinations:\n  - name: d\n    type: customerio\n    settings: { siteId: "$${X}", apiKey: k }\n',
      {},
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.config.destinations[0]!.settings.siteId).toBe("${X}");
  });

  it("accepts JSON and reports YAML syntax errors with a line", () => {
    expect(parseConfigText('{"sources": [], "destinations": []}', {}).ok).toBe(true);
    const broken = parseConfigText("sources:\n  - name: [unclosed\n", {});
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.issues[0]!.line).toBeGreaterThan(0);
  });
});
