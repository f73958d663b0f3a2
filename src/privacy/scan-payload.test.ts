import { describe, expect, it } from "vitest";
import type { Detector } from "./detector.js";
import { scanPayload } from "./scan-payload.js";

describe("scanPayload", () => {
  it("reports detector and path for every field, never the value", () => {
    const payload = {
      identifiers: { id: "u_123", email: "ada@example.com" },
      attributes: {
        notes: "SSN 123-45-6789, call (415) 555-2671",
        items: [{ name: "Ozempic 2mg pen" }, { name: "Socks" }, { name: "card 4111 1111 1111 1111" }],
        contact: "write to ada@example.com",
        dob: "1985-03-04",
        total: 4111111111111111,
        nested: { deeper: ["E11.9", { mrn: "MRN: 00482913" }] },
        visited: "https://clinic.example/conditions/type-2-diabetes?utm_source=x",
      },
    };
    const detections = scanPayload(payload);
    expect(detections).toEqual([
      { detector: "ssn", path: "attributes.notes" },
      { detector: "phone", path: "attributes.notes" },
      { detector: "health_term", path: "attributes.items[0].name" },
      { detector: "card", path: "attributes.items[2].name" },
      { detector: "email", path: "attributes.contact" },
      { detector: "dob", path: "attributes.dob" },
      { detector: "card", path: "attributes.total" },
      { detector: "icd10", path: "attributes.nested.deeper[0]" },
      { detector: "mrn", path: "attributes.nested.deeper[1].mrn" },
      { detector: "health_term", path: "attributes.visited" },
    ]);
    expect(JSON.stringify(detections)).not.toMatch(/123-45-6789|ada@|Ozempic|4111|00482913|diabetes/);
  });

  it("scans object keys and hides a key that matched in every path through it", () => {
    const payload = {
      cart: { socks: 1, "ozempic-2mg": { qty: 2, note: "SSN 123-45-6789" } },
      "ada@example.com": true,
    };
    expect(scanPayload(payload)).toEqual([
      { detector: "health_term", path: "cart{1}" },
      { detector: "ssn", path: "cart{1}.note" },
      { detector: "email", path: "{1}" },
    ]);
  });

  it("merges a key hit and a value hit of the same detector into one detection", () => {
    expect(scanPayload({ "insulin pump": "insulin" })).toEqual([{ detector: "health_term", path: "{0}" }]);
  });

  it("uses configured terms", () => {
    expect(scanPayload({ q: "rybelsus" })).toEqual([]);
    expect(scanPayload({ q: "rybelsus" }, { terms: ["Rybelsus"] })).toEqual([
      { detector: "health_term", path: "q" },
    ]);
  });

  it("passes the field name and path to detectors", () => {
    const seen: string[] = [];
    const spy: Detector = {
      id: "spy",
      description: "records its context",
      scan: (text, ctx) => {
        seen.push(`${ctx.part}:${ctx.key}:${ctx.path}:${text}`);
        return [];
      },
    };
    scanPayload({ a: { "b c": [1, "x"] }, d: true, e: null }, { detectors: [spy] });
    expect(seen).toEqual([
      "key:null::a",
      "key:null::d",
      "key:null::e",
      "key:a:a:b c",
      'value:b c:a["b c"][0]:1',
      'value:b c:a["b c"][1]:x',
    ]);
  });

  it("fails closed when a detector throws or answers nonsense", () => {
    const throwing: Detector = {
      id: "boom",
      description: "throws",
      scan: () => {
        throw new Error("bug");
      },
    };
    const nonsense = { id: "odd", description: "no array", scan: () => "yes" } as unknown as Detector;
    expect(scanPayload({ a: "x" }, { detectors: [throwing, nonsense] })).toEqual([
      { detector: "boom", path: "{0}" },
      { detector: "odd", path: "{0}" },
    ]);
  });

  it("handles roots, big integers, cycles, deep nesting and odd values without throwing", () => {
    expect(scanPayload("SSN 123-45-6789")).toEqual([{ detector: "ssn", path: "" }]);
    expect(scanPayload(4111111111111111n)).toEqual([{ detector: "card", path: "" }]);
    expect(scanPayload([undefined, () => 1, Symbol("s"), true, null, Number.NaN])).toEqual([]);
    const cyclic: Record<string, unknown> = { note: "IVF" };
    cyclic["self"] = cyclic;
    expect(scanPayload(cyclic)).toEqual([{ detector: "health_term", path: "note" }]);
    let deep: unknown = "dialysis";
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(scanPayload(deep)).toHaveLength(1);
    const hostile = {
      get boom() {
        throw new Error("getter");
      },
      ok: "HIV",
    };
    expect(scanPayload(hostile)).toEqual([{ detector: "health_term", path: "ok" }]);
  });

  it("scans a shared object at each place it appears", () => {
    const shared = { name: "chemo" };
    expect(scanPayload({ a: shared, b: shared })).toEqual([
      { detector: "health_term", path: "a.name" },
      { detector: "health_term", path: "b.name" },
    ]);
  });
});
