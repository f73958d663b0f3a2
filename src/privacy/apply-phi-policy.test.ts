import { describe, expect, it } from "vitest";
import { DestinationPrivacySchema } from "../contracts/privacy.js";
import { applyPhiPolicy, type PhiPolicyInput } from "./apply-phi-policy.js";
import type { Detector } from "./detector.js";
import { scanPayload } from "./scan-payload.js";

function run(payload: unknown, policy: PhiPolicyInput, detectors?: readonly Detector[]) {
  const before = JSON.stringify(payload);
  const options = detectors ? { detectors } : {};
  const result = applyPhiPolicy(
    payload,
    scanPayload(payload, { ...options, ...policyTerms(policy) }),
    policy,
    options,
  );
  expect(JSON.stringify(payload)).toBe(before);
  return result;
}

function policyTerms(policy: PhiPolicyInput) {
  return policy.terms ? { terms: policy.terms } : {};
}

const SAMPLE = {
  identifiers: { id: "u_1", email: "ada@example.com" },
  attributes: {
    notes: "SSN 123-45-6789 and ada@example.com",
    plan: "pro",
    items: [{ name: "Socks" }, { name: "Ozempic pen" }, { name: "Hat" }, { name: "IVF kit" }],
    total: 4111111111111111,
  },
};

describe("applyPhiPolicy", () => {
  it("blocks by default: the fields are removed, the objects around them stay", () => {
    const result = run(SAMPLE, {});
    expect(result.payload).toEqual({
      identifiers: { id: "u_1", email: "ada@example.com" },
      attributes: { plan: "pro", items: [{ name: "Socks" }, {}, { name: "Hat" }, {}] },
    });
    expect(result.decisions).toEqual([
      { detector: "ssn", path: "attributes.notes", action: "blocked" },
      { detector: "email", path: "attributes.notes", action: "blocked" },
      { detector: "health_term", path: "attributes.items[1].name", action: "blocked" },
      { detector: "health_term", path: "attributes.items[3].name", action: "blocked" },
      { detector: "card", path: "attributes.total", action: "blocked" },
    ]);
    expect(result.stop).toBeNull();
  });

  it("redacts only the matched spans, and whole non-string values", () => {
    const result = run(SAMPLE, { action: "redact" });
    expect(result.payload).toEqual({
      identifiers: { id: "u_1", email: "ada@example.com" },
      attributes: {
        notes: "SSN [redacted] and [redacted]",
        plan: "pro",
        items: [{ name: "Socks" }, { name: "[redacted] pen" }, { name: "Hat" }, { name: "[redacted] kit" }],
        total: "[redacted]",
      },
    });
    expect(result.decisions.map((d) => d.action)).toEqual([
      "redacted",
      "redacted",
      "redacted",
      "redacted",
      "redacted",
    ]);
  });

  it("stops the event with a reason naming detector and path, and still strips the field", () => {
    const result = run(SAMPLE, { action: "redact", detectors: { card: "stop" } });
    expect(result.stop).toEqual({ reason: "PHI detected (card) in attributes.total" });
    expect(result.payload).toMatchObject({ attributes: { notes: "SSN [redacted] and [redacted]" } });
    expect((result.payload as { attributes: object }).attributes).not.toHaveProperty("total");
    expect(result.decisions.at(-1)).toEqual({
      detector: "card",
      path: "attributes.total",
      action: "stopped",
    });
    expect(JSON.stringify(result)).not.toMatch(/4111|123-45|ada@example\.com"?\s*and/);
  });

  it.each<[string, PhiPolicyInput, unknown, string[]]>([
    ["stop beats block", { detectors: { ssn: "stop", email: "block" } }, undefined, ["stopped", "stopped"]],
    [
      "block beats redact",
      { detectors: { ssn: "block", email: "redact" } },
      undefined,
      ["blocked", "blocked"],
    ],
    [
      "redact beats allow (the allowed span stays)",
      { detectors: { ssn: "redact", email: "allow" } },
      "SSN [redacted] and ada@example.com",
      ["redacted", "allowed"],
    ],
    [
      "allow keeps the value",
      { action: "allow" },
      "SSN 123-45-6789 and ada@example.com",
      ["allowed", "allowed"],
    ],
  ])("precedence in one field: %s", (_, policy, notes, actions) => {
    const payload = { attributes: { notes: "SSN 123-45-6789 and ada@example.com" } };
    const result = run(payload, policy);
    expect(result.decisions.map((d) => d.action)).toEqual(actions);
    expect((result.payload as { attributes: { notes?: string } }).attributes.notes).toBe(notes);
  });

  it("applies an allow exception to its exact field and detector only", () => {
    const payload = {
      attributes: {
        diagnosis_note: "E11.9 since 2019, SSN 123-45-6789",
        other_note: "E11.9",
        items: [{ code: "E11.9" }],
      },
    };
    const result = run(payload, {
      allow: [
        { field: "attributes.diagnosis_note", detector: "icd10" },
        { field: "attributes.items", detector: "icd10" },
      ],
    });
    expect(result.payload).toEqual({ attributes: { items: [{}] } });
    expect(result.decisions).toEqual([
      { detector: "ssn", path: "attributes.diagnosis_note", action: "blocked" },
      { detector: "icd10", path: "attributes.diagnosis_note", action: "blocked" },
      { detector: "icd10", path: "attributes.other_note", action: "blocked" },
      { detector: "icd10", path: "attributes.items[0].code", action: "blocked" },
    ]);
    const allowed = run(
      { attributes: { diagnosis_note: "E11.9" } },
      { allow: [{ field: "attributes.diagnosis_note", detector: "icd10" }] },
    );
    expect(allowed.payload).toEqual({ attributes: { diagnosis_note: "E11.9" } });
    expect(allowed.decisions).toEqual([
      { detector: "icd10", path: "attributes.diagnosis_note", action: "allowed" },
    ]);
  });

  it("lets email identifiers through with a per-detector allow", () => {
    const payload = { identifiers: { email: "ada@example.com" }, attributes: { alt: "bob@example.com" } };
    const result = run(payload, { detectors: { email: "allow" } });
    expect(result.payload).toEqual(payload);
    expect(result.decisions).toEqual([{ detector: "email", path: "attributes.alt", action: "allowed" }]);
  });

  it("removes several items of nested arrays without shifting the wrong ones", () => {
    const payload = {
      rows: [["ok", "HIV", "ok2", "IVF"], ["dialysis"], ["x", ["chemo", "y"]]],
      tail: ["insulin", "a", "insulin", "b"],
    };
    const result = run(payload, {});
    expect(result.payload).toEqual({ rows: [["ok", "ok2"], [], ["x", ["y"]]], tail: ["a", "b"] });
    expect(result.decisions.map((d) => d.path)).toEqual([
      "rows[0][1]",
      "rows[0][3]",
      "rows[1][0]",
      "rows[2][1][0]",
      "tail[0]",
      "tail[2]",
    ]);
  });

  it("removes an entry whose key matched, even under redact, and reports what was inside as blocked", () => {
    const payload = { cart: { socks: 1, "ozempic-2mg": { qty: 2, note: "SSN 123-45-6789" } } };
    const result = run(payload, { action: "redact" });
    expect(result.payload).toEqual({ cart: { socks: 1 } });
    expect(result.decisions).toEqual([
      { detector: "health_term", path: "cart{1}", action: "blocked" },
      { detector: "ssn", path: "cart{1}.note", action: "blocked" },
    ]);
  });

  it("redacts the value but keeps a key that only an allowed detector matched", () => {
    const payload = { prefs: { "ada@example.com": "SSN 123-45-6789" } };
    const result = run(payload, { action: "redact", detectors: { email: "allow" } });
    expect(result.payload).toEqual({ prefs: { "ada@example.com": "SSN [redacted]" } });
    expect(result.decisions).toEqual([
      { detector: "email", path: "prefs{0}", action: "allowed" },
      { detector: "ssn", path: "prefs{0}", action: "redacted" },
    ]);
  });

  it("fails closed on a detection whose path is not in the payload", () => {
    const payload = { a: "fine" };
    const result = applyPhiPolicy(
      payload,
      [
        { detector: "ssn", path: "a.b" },
        { detector: "email", path: "nope" },
      ],
      { detectors: { email: "allow" } },
    );
    expect(result.stop).toEqual({ reason: "PHI detected (ssn) in a.b" });
    expect(result.decisions).toEqual([
      { detector: "ssn", path: "a.b", action: "stopped" },
      { detector: "email", path: "nope", action: "allowed" },
    ]);
    expect(result.payload).toEqual({ a: "fine" });
  });

  it("redacts everything when redaction leaves something behind, and blocks when even that fails", () => {
    const firstOnly: Detector = {
      id: "secret",
      description: "finds only the first 'secret'",
      scan: (text) => {
        const at = text.indexOf("secret");
        return at === -1 ? [] : [{ start: at, end: at + 6 }];
      },
    };
    const first = run({ a: "secret and secret" }, { action: "redact" }, [firstOnly]);
    expect(first.payload).toEqual({ a: "[redacted]" });
    expect(first.decisions).toEqual([{ detector: "secret", path: "a", action: "redacted" }]);
    const red: Detector = {
      id: "red",
      description: "finds 'red'",
      scan: (text) => [...text.matchAll(/red/g)].map((m) => ({ start: m.index, end: m.index + 3 })),
    };
    const second = run({ a: "red", b: "ok" }, { action: "redact" }, [red]);
    expect(second.payload).toEqual({ b: "ok" });
    expect(second.decisions).toEqual([{ detector: "red", path: "a", action: "blocked" }]);
  });

  it("handles a matching root value", () => {
    expect(run("SSN 123-45-6789", { action: "redact" }).payload).toBe("SSN [redacted]");
    expect(run("SSN 123-45-6789", {}).payload).toBeUndefined();
  });

  it("copies __proto__ keys as data, never as a prototype", () => {
    const payload = JSON.parse('{"__proto__": {"polluted": "IVF"}, "ok": 1}') as object;
    const result = run(payload, {});
    expect(Object.getPrototypeOf(result.payload)).toBe(Object.prototype);
    expect(Object.keys(result.payload as object)).toEqual(["__proto__", "ok"]);
    expect(JSON.stringify(result.payload)).toBe('{"__proto__":{},"ok":1}');
  });

  it("uses the policy's terms to find spans to redact", () => {
    const result = run({ q: "buy rybelsus now" }, { action: "redact", terms: ["rybelsus"] });
    expect(result.payload).toEqual({ q: "buy [redacted] now" });
  });

  it("returns a new payload even when nothing was found", () => {
    const payload = { a: { b: [1, 2] } };
    const result = run(payload, {});
    expect(result.payload).toEqual(payload);
    expect(result.payload).not.toBe(payload);
    expect((result.payload as typeof payload).a).not.toBe(payload.a);
    expect(result.decisions).toEqual([]);
  });

  it("takes a parsed destination configuration as its policy", () => {
    const { phi } = DestinationPrivacySchema.parse({
      phi: { action: "redact", detectors: { email: "allow" }, terms: ["rybelsus"] },
    });
    const payload = { attributes: { note: "rybelsus for ada@example.com" } };
    expect(run(payload, phi).payload).toEqual({ attributes: { note: "[redacted] for ada@example.com" } });
  });

  it("handles deeply nested payloads without recursion", () => {
    let deep: unknown = ["dialysis", "ok"];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    // Not via run(): JSON.stringify itself overflows the stack at this depth.
    const result = applyPhiPolicy(deep, scanPayload(deep), {});
    let cursor = result.payload;
    for (let i = 0; i < 20_000; i++) cursor = (cursor as unknown[])[0];
    expect(cursor).toEqual(["ok"]);
    expect(result.decisions).toHaveLength(1);
    expect(result.decisions[0]!.action).toBe("blocked");
  });
});
