import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./simulator.js";
import { API_KEY, identifyItem, SITE_ID, send, VALID_V2_ITEMS } from "./test-support.js";
import { validateV2Item } from "./validate-v2.js";

const options = { nowSeconds: 1_700_000_000, allowAnonymousIdentifiers: true, checkItemSize: true };

/** A valid item with one top-level or nested field replaced by arbitrary JSON. */
const mutatedItem = fc
  .tuple(
    fc.constantFrom(...VALID_V2_ITEMS.map(([, item]) => item)),
    fc.string(),
    fc.jsonValue(),
    fc.boolean(),
  )
  .map(([item, key, value, nested]) => {
    const keys = Object.keys(item);
    const target = keys[key.length % keys.length] ?? "type";
    const current = item[target];
    if (nested && typeof current === "object" && current !== null && !Array.isArray(current)) {
      return { ...item, [target]: { ...current, [key]: value } };
    }
    return { ...item, [target]: value };
  });

describe("never crashes on arbitrary input", () => {
  it("validateV2Item returns a result for any JSON and any mutated item", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutatedItem), (item) => {
        const result = validateV2Item(item, options);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  describe("over HTTP", () => {
    let sim: Simulator;
    beforeAll(async () => {
      sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, allowAnonymousIdentifiers: true });
    });
    afterAll(async () => {
      await sim.close();
    });

    const routes = [
      ["POST", "/api/v2/batch"],
      ["POST", "/api/v2/entity"],
      ["PUT", "/api/v1/customers/42"],
      ["POST", "/api/v1/customers/a%40b.io/events"],
      ["POST", "/api/v1/events"],
      ["PUT", "/api/v1/customers/cio_1/devices"],
      ["POST", "/api/v1/merge_customers"],
      ["POST", "/api/v1/metrics"],
    ] as const;

    it("answers every route with a documented status and no internal error", async () => {
      const body = fc.oneof(
        fc.jsonValue(),
        mutatedItem,
        fc.array(mutatedItem, { minLength: 1, maxLength: 5 }).map((batch) => ({ batch })),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], value) => {
          const response = await send(sim, method, path, value);
          expect([200, 207, 400]).toContain(response.status);
        }),
        { numRuns: 300 },
      );
      expect(sim.state.internalErrors).toEqual([]);
    });

    it("stores a __proto__ attribute as data without touching prototypes", async () => {
      const body = `{"batch":[${JSON.stringify(identifyItem({ attributes: {} })).replace('"attributes":{}', '"attributes":{"__proto__":{"polluted":true}}')}]}`;
      expect((await send(sim, "POST", "/api/v2/batch", body)).status).toBe(200);
      const attributes = sim.state.findPerson({ id: "42" })?.attributes ?? {};
      expect(Object.hasOwn(attributes, "__proto__")).toBe(true);
      expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    });

    it("refuses absurdly nested JSON with 400 instead of overflowing the stack", async () => {
      const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
      const response = await send(
        sim,
        "POST",
        "/api/v2/batch",
        `{"batch":[{"type":"person","attributes":${deep}}]}`,
      );
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.json)).toContain("nested more than 64 levels");
    });
  });
});
