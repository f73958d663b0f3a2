import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findTrackOpenApiSpec,
  isCi,
  loadTrackOpenApi,
  SPEC_PATCHES,
  type TrackOpenApiValidator,
} from "./openapi-validator.js";
import { type Simulator, startSimulator } from "./simulator.js";
import { API_KEY, eventItem, identifyItem, SITE_ID, send, VALID_V2_ITEMS } from "./test-support.js";

// In CI the spec must be present: these suites then run (and fail loudly if it is missing);
// elsewhere they are skipped when the spec is absent.
const specPath = findTrackOpenApiSpec();
const mustRun = specPath !== null || isCi(process.env);

describe("locating the spec", () => {
  it("is never missing in CI", () => {
    if (isCi(process.env)) expect(specPath, "CI must provide the Track OpenAPI spec").not.toBeNull();
  });

  it("without the spec: returns null and prints one line, or throws in CI", () => {
    const lines: string[] = [];
    const absent = { specPath: "/nonexistent/track-openapi.json", log: (line: string) => lines.push(line) };
    expect(loadTrackOpenApi({ ...absent, env: {} })).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^OpenAPI check skipped/);
    expect(() => loadTrackOpenApi({ ...absent, env: { CI: "true" } })).toThrow(/CI must not skip/);
    expect(loadTrackOpenApi({ ...absent, env: { CI: "true" }, requireInCi: false })).toBeNull();
  });

  it("SLUICE_CIO_OPENAPI_SPEC must exist when set", () => {
    const env = { SLUICE_CIO_OPENAPI_SPEC: "/nonexistent/spec.json" };
    expect(() => findTrackOpenApiSpec({ env })).toThrow(/does not exist/);
  });

  it.each([
    [undefined, false],
    ["", false],
    ["false", false],
    ["0", false],
    ["true", true],
    ["1", true],
  ])("CI=%j counts as CI: %s", (value, expected) => {
    expect(isCi({ CI: value })).toBe(expected);
  });
});

describe.runIf(mustRun)("the official schema", () => {
  let openApi: TrackOpenApiValidator;
  beforeAll(() => {
    const loaded = loadTrackOpenApi();
    if (!loaded) throw new Error("Track OpenAPI spec not found");
    openApi = loaded;
  });

  it("is found through SLUICE_CIO_OPENAPI_SPEC too, and cached", () => {
    expect(findTrackOpenApiSpec({ env: { SLUICE_CIO_OPENAPI_SPEC: openApi.specPath } })).toBe(
      openApi.specPath,
    );
    expect(loadTrackOpenApi()).toBe(openApi);
  });

  it("still needs every in-memory patch (each changes the current spec)", () => {
    const spec = JSON.parse(readFileSync(openApi.specPath, "utf8")) as Record<string, unknown>;
    for (const patch of SPEC_PATCHES) expect(patch.apply(spec), patch.name).toBeGreaterThan(0);
  });

  it("accepts a correct identify/event batch", () => {
    const body = { batch: [identifyItem(), eventItem(), eventItem({ action: "page", name: "/home" })] };
    expect(openApi.validate("POST", "/api/v2/batch", body)).toEqual({ ok: true });
  });

  it.each(VALID_V2_ITEMS)("agrees with the simulator's own rules on a valid %s", (_label, item) => {
    expect(openApi.validateBatchItem(item)).toEqual({ ok: true });
    expect(openApi.validate("POST", "/api/v2/entity", item)).toEqual({ ok: true });
  });

  it("rejects an event item missing name, and identifiers {}", () => {
    const missingName = openApi.validate("POST", "/api/v2/batch", {
      batch: [eventItem(), eventItem({ name: undefined })],
    });
    expect(missingName).toEqual({
      ok: false,
      errors: expect.arrayContaining(["/batch/1: must have required property 'name'"]),
    });
    const empty = openApi.validateBatchItem(eventItem({ identifiers: {} }));
    expect(empty).toEqual({
      ok: false,
      errors: expect.arrayContaining(["/identifiers: must have required property 'id'"]),
    });
    expect(openApi.validateBatchItem(eventItem({ identifiers: { id: "1", email: "a@b.io" } })).ok).toBe(
      false,
    );
    expect(openApi.validateBatchItem({ ...eventItem(), type: "thing" }).ok).toBe(false);
  });

  it("validates v1 bodies by path template", () => {
    const ok = (method: string, path: string, body: unknown) => openApi.validate(method, path, body).ok;
    expect(
      ok("PUT", "/api/v1/customers/a%2Fb", { email: "a@b.io", nested: { a: 1 }, unsubscribed: "1" }),
    ).toBe(true);
    expect(ok("POST", "/api/v1/customers/42/events", { name: "x", data: { a: 1 } })).toBe(true);
    expect(ok("POST", "/api/v1/customers/42/events", { name: "Home", type: "screen" })).toBe(true);
    expect(ok("POST", "/api/v1/customers/42/events", { name: "x", timestamp: "2024-01-01" })).toBe(true);
    expect(ok("POST", "/api/v1/customers/42/events", { data: {} })).toBe(false);
    expect(ok("POST", "/api/v1/events", { name: "x", anonymous_id: "a" })).toBe(true);
    expect(
      ok("PUT", "/api/v1/customers/42/devices", { device: { id: "t", platform: "ios", last_used: "1" } }),
    ).toBe(true);
    expect(ok("PUT", "/api/v1/customers/42/devices", { device: { id: "t" } })).toBe(false);
    expect(
      ok("POST", "/api/v1/merge_customers", { primary: { id: "1" }, secondary: { email: "a@b.io" } }),
    ).toBe(true);
    expect(ok("POST", "/api/v1/merge_customers", { primary: {}, secondary: { email: "a@b.io" } })).toBe(
      false,
    );
    expect(ok("POST", "/api/v1/metrics", { delivery_id: "d", metric: "opened" })).toBe(true);
    expect(ok("DELETE", "/api/v1/customers/42", undefined)).toBe(true);
    expect(ok("GET", "/api/v1/accounts/region?x=1", undefined)).toBe(true);
    expect(openApi.validate("POST", "/api/v3/nothing", {})).toEqual({
      ok: false,
      errors: ["the Track OpenAPI spec has no operation POST /api/v3/nothing"],
    });
  });

  it("accepts anonymous_id identifiers only in the variant that allows them", () => {
    const item = eventItem({ identifiers: { anonymous_id: "anon" } });
    expect(openApi.validateBatchItem(item).ok).toBe(false);
    expect(loadTrackOpenApi({ allowAnonymousIdentifiers: true })?.validateBatchItem(item)).toEqual({
      ok: true,
    });
  });
});

describe.runIf(mustRun)("the simulator with the OpenAPI check", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi: loadTrackOpenApi() });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("reports an item only the official schema rejects as a 207 item error, and records it", async () => {
    // The simulator's own rules do not check event data; the spec says from_address is an email.
    const bad = eventItem({ id: "bad", attributes: { from_address: "not an email" } });
    const response = await send(sim, "POST", "/api/v2/batch", { batch: [eventItem({ id: "good" }), bad] });
    expect(response.status).toBe(207);
    expect(response.json).toEqual({
      errors: [
        {
          batch_index: 1,
          reason: "invalid",
          field: "attributes.from_address",
          message: expect.stringContaining("does not match the Track OpenAPI schema"),
        },
      ],
    });
    expect([...sim.state.eventIds]).toEqual(["good"]);
    expect(sim.state.openApiViolations).toEqual([
      expect.objectContaining({
        path: "/api/v2/batch",
        batchIndex: 1,
        errors: [expect.stringContaining("from_address")],
      }),
    ]);
  });

  it("answers 400 to a v1 body the schema rejects, and records it", async () => {
    sim.reset();
    const response = await send(sim, "POST", "/api/v1/events", {
      name: "x",
      anonymous_id: "a",
      data: { from_address: "nope" },
    });
    expect(response.status).toBe(400);
    expect(sim.state.openApiViolations).toHaveLength(1);
    expect(sim.state.events).toHaveLength(0);
  });

  it("records nothing for valid traffic", async () => {
    sim.reset();
    await send(sim, "POST", "/api/v2/batch", { batch: VALID_V2_ITEMS.map(([, item]) => item) });
    await send(sim, "PUT", "/api/v1/customers/42", { email: "a@b.io", plan: "pro" });
    expect(sim.state.openApiViolations).toEqual([]);
  });

  it("refuses a validator built for another anonymous-identifier setting", async () => {
    await expect(
      startSimulator({ openApi: loadTrackOpenApi(), allowAnonymousIdentifiers: true }),
    ).rejects.toThrow(/allowAnonymousIdentifiers differs/);
  });
});
