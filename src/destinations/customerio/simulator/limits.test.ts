import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DOCUMENTED_MESSAGES, TRACK_LIMITS, utf8Bytes, valueBytes } from "./limits.js";
import { type Simulator, startSimulator } from "./simulator.js";
import { API_KEY, eventItem, identifyItem, jsonSize, SITE_ID, send } from "./test-support.js";
import { validateV1Event, validateV1Identify } from "./validate-v1.js";
import { type V2ValidationOptions, validateV2Item } from "./validate-v2.js";

const options: V2ValidationOptions = {
  nowSeconds: 1_700_000_000,
  allowAnonymousIdentifiers: false,
  checkItemSize: true,
};
const v2 = (item: unknown) => validateV2Item(item, options);
const issueOf = (result: { ok: boolean; issue?: unknown }) => (result.ok ? null : result.issue);

/** `count` two-byte characters plus `ascii` one-byte ones: UTF-8 multibyte text of an exact size. */
const text = (bytes: number) => "é".repeat(Math.floor(bytes / 2)) + "a".repeat(bytes % 2);

describe("byte helpers", () => {
  it("measures strings in UTF-8 bytes and other values by their JSON", () => {
    expect(utf8Bytes("é€😀")).toBe(2 + 3 + 4);
    expect(valueBytes("é")).toBe(2);
    expect(valueBytes(12345)).toBe(5);
    expect(valueBytes(null)).toBe(4);
    expect(valueBytes({ a: "é" })).toBe(jsonSize({ a: "é" }));
  });
});

describe("documented limits at the limit and one byte over (UTF-8 multibyte)", () => {
  it("event name: 100 bytes", () => {
    expect(text(100)).toHaveLength(50);
    expect(issueOf(v2(eventItem({ name: text(100) })))).toBeNull();
    expect(issueOf(v2(eventItem({ name: text(101) })))).toEqual({
      field: "name",
      message: DOCUMENTED_MESSAGES.eventNameTooLong,
    });
  });

  it("attribute name: 150 bytes", () => {
    expect(issueOf(v2(identifyItem({ attributes: { [text(150)]: 1 } })))).toBeNull();
    expect(issueOf(v2(identifyItem({ attributes: { [text(151)]: 1 } })))).toEqual({
      field: `attributes.${text(151)}`,
      message: "attribute name cannot be longer than 150 bytes",
    });
  });

  it("attribute value: 1000 bytes for strings (UTF-8) and for other values (JSON)", () => {
    const euro = (bytes: number) => "€".repeat(Math.floor(bytes / 3)) + "a".repeat(bytes % 3);
    expect(issueOf(v2(identifyItem({ attributes: { plan: euro(1000) } })))).toBeNull();
    expect(issueOf(v2(identifyItem({ attributes: { plan: euro(1001) } })))).toEqual({
      field: "attributes.plan",
      message: "value for attribute 'plan' cannot be longer than 1000 bytes",
    });
    // ["xxx…"] is the string plus 4 bytes of JSON.
    expect(issueOf(v2(identifyItem({ attributes: { tags: ["x".repeat(996)] } })))).toBeNull();
    expect(issueOf(v2(identifyItem({ attributes: { tags: ["x".repeat(997)] } })))).toMatchObject({
      field: "attributes.tags",
    });
  });

  it("300 attributes per identify (directives such as _update do not count)", () => {
    const attributes = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, i]));
    expect(issueOf(v2(identifyItem({ attributes: { ...attributes(300), _update: false } })))).toBeNull();
    expect(issueOf(v2(identifyItem({ attributes: attributes(301) })))).toEqual({
      field: "attributes",
      message: "cannot identify more than 300 attributes in one request",
    });
  });

  it("person id and object id: 150 bytes", () => {
    expect(issueOf(v2(eventItem({ identifiers: { id: text(150) } })))).toBeNull();
    expect(issueOf(v2(eventItem({ identifiers: { id: text(151) } })))).toEqual({
      field: "identifiers.id",
      message: "id cannot be longer than 150 bytes",
    });
    const object = (objectId: string) => ({
      type: "object",
      identifiers: { object_type_id: "1", object_id: objectId },
      action: "identify",
    });
    expect(issueOf(v2(object(text(150))))).toBeNull();
    expect(issueOf(v2(object(text(151))))).toEqual({
      field: "identifiers.object_id",
      message: "object_id cannot be longer than 150 bytes",
    });
  });

  it("event data: 100,000 bytes of JSON (v1 data)", () => {
    const data = (bytes: number) => ({ pad: text(bytes - jsonSize({ pad: "" })) });
    expect(jsonSize(data(100_000))).toBe(100_000);
    const notes: never[] = [];
    expect(
      issueOf(validateV1Event(null, { name: "x", anonymous_id: "a", data: data(100_000) }, 0, notes)),
    ).toBeNull();
    expect(
      issueOf(validateV1Event(null, { name: "x", anonymous_id: "a", data: data(100_001) }, 0, notes)),
    ).toEqual({
      field: "data",
      message: DOCUMENTED_MESSAGES.eventDataTooLong,
    });
  });

  it("v1 identify uses the same wording", () => {
    const person = { kind: "id", value: "42" } as const;
    expect(issueOf(validateV1Identify(person, { plan: "x".repeat(1001) }, []))).toEqual({
      field: "plan",
      message: "value for attribute 'plan' cannot be longer than 1000 bytes",
    });
    expect(issueOf(validateV1Identify(person, { id: "" }, []))).toMatchObject({
      message: "id attribute cannot be an empty string",
    });
  });
});

describe("request and item sizes over HTTP", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY });
  });
  afterEach(() => sim.reset());
  afterAll(async () => {
    await sim.close();
  });

  /** An event item whose compact JSON is exactly `bytes` long, padded with multibyte text. */
  function itemOfSize(bytes: number, id: string): Record<string, unknown> {
    const base = eventItem({ id, attributes: { pad: "" } });
    const item = eventItem({ id, attributes: { pad: text(bytes - jsonSize(base)) } });
    expect(jsonSize(item)).toBe(bytes);
    return item;
  }

  /** A batch body of exactly `bytes`, made of items of at most 31,000 bytes. */
  function batchOfSize(bytes: number): string {
    const items: Record<string, unknown>[] = [];
    const envelope = jsonSize({ batch: [] });
    let remaining = bytes - envelope;
    let index = 0;
    while (remaining > 0) {
      const separator = items.length > 0 ? 1 : 0;
      const size = Math.min(31_000, remaining - separator);
      items.push(itemOfSize(size, `i${index++}`));
      remaining -= size + separator;
    }
    const body = JSON.stringify({ batch: items });
    expect(Buffer.byteLength(body)).toBe(bytes);
    return body;
  }

  it("a batch body of exactly 500,000 bytes is accepted; one byte more is a 400", async () => {
    expect(
      (await send(sim, "POST", "/api/v2/batch", batchOfSize(TRACK_LIMITS.maxBatchBodyBytes))).status,
    ).toBe(200);
    const over = await send(sim, "POST", "/api/v2/batch", batchOfSize(TRACK_LIMITS.maxBatchBodyBytes + 1));
    expect(over.status).toBe(400);
    expect(over.json).toEqual({
      errors: [
        {
          reason: "invalid",
          field: "",
          message: "request body is 500001 bytes; a /api/v2/batch body must be at most 500000 bytes",
        },
      ],
    });
  });

  it("a batch item of exactly 32,000 bytes is accepted; one byte more fails that item with 207", async () => {
    const body = { batch: [itemOfSize(32_000, "ok"), itemOfSize(32_001, "big")] };
    const response = await send(sim, "POST", "/api/v2/batch", body);
    expect(response.status).toBe(207);
    expect(response.json).toEqual({
      errors: [
        { batch_index: 1, reason: "invalid", field: "", message: "item must be at most 32000 bytes of JSON" },
      ],
    });
    expect([...sim.state.eventIds]).toEqual(["ok"]);
  });

  it("an /entity body of exactly 32,000 bytes is accepted; one byte more is a 400", async () => {
    expect((await send(sim, "POST", "/api/v2/entity", itemOfSize(32_000, "a"))).status).toBe(200);
    const over = await send(sim, "POST", "/api/v2/entity", itemOfSize(32_001, "b"));
    expect(over.status).toBe(400);
    expect(JSON.stringify(over.json)).toContain("a /api/v2/entity body must be at most 32000 bytes");
  });

  it("keeps the connection usable after an over-size body", async () => {
    await send(sim, "POST", "/api/v2/batch", batchOfSize(600_000));
    expect((await send(sim, "GET", "/api/v1/accounts/region")).status).toBe(200);
  });
});
