import { describe, expect, it } from "vitest";
import { type ConsentDecision, evaluateConsent } from "./evaluate-consent.js";

type ConsentEvent = object;

const MARKETING = { require: ["marketing"] };
const allowed = (source: ConsentDecision["source"]): ConsentDecision => ({
  allowed: true,
  reason: null,
  source,
});
const notGiven = (category = "marketing"): ConsentDecision => ({
  allowed: false,
  reason: `consent for "${category}" not given`,
  source: null,
});
const withdrawn = (source: ConsentDecision["source"], category = "marketing"): ConsentDecision => ({
  allowed: false,
  reason: `consent for "${category}" withdrawn`,
  source,
});
const gpc = (category = "marketing"): ConsentDecision => ({
  allowed: false,
  reason: `Global Privacy Control opts out of "${category}"`,
  source: "gpc",
});
const segment = (
  preferences: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ConsentEvent => ({
  context: { consent: { categoryPreferences: preferences }, ...extra },
});

describe("evaluateConsent", () => {
  it.each<[string, ConsentEvent, ConsentDecision]>([
    ["nothing anywhere", {}, notGiven()],
    ["context without consent", { context: { locale: "en" } }, notGiven()],
    ["segment grants", segment({ marketing: true }), allowed("segment")],
    ["segment withdraws", segment({ marketing: false }), withdrawn("segment")],
    ["segment answers another category only", segment({ analytics: true }), notGiven()],
    ["segment category in another case", segment({ Marketing: true }), allowed("segment")],
    [
      "segment case variants disagree: denial wins",
      segment({ Marketing: true, marketing: false }),
      withdrawn("segment"),
    ],
    ["segment non-boolean junk says nothing", segment({ marketing: "maybe" }), notGiven()],
    ["traits grant (boolean)", { traits: { consent: { marketing: true } } }, allowed("traits")],
    ["traits grant (granted)", { traits: { consent: { marketing: "granted" } } }, allowed("traits")],
    ["traits grant (YES)", { traits: { consent: { marketing: "YES" } } }, allowed("traits")],
    ["traits deny (denied)", { traits: { consent: { marketing: "denied" } } }, withdrawn("traits")],
    ["traits deny (no)", { traits: { consent: { marketing: "no" } } }, withdrawn("traits")],
    ["traits deny (false)", { traits: { consent: { marketing: false } } }, withdrawn("traits")],
    ["context.traits grant", { context: { traits: { consent: { marketing: "yes" } } } }, allowed("traits")],
    [
      "traits and context.traits disagree: denial wins",
      { traits: { consent: { marketing: true } }, context: { traits: { consent: { marketing: false } } } },
      withdrawn("traits"),
    ],
    ["traits junk value says nothing", { traits: { consent: { marketing: 1 } } }, notGiven()],
    ["traits consent not an object", { traits: { consent: "all" } }, notGiven()],
    [
      "segment beats traits (grant)",
      { ...segment({ marketing: true }), traits: { consent: { marketing: false } } },
      allowed("segment"),
    ],
    [
      "segment beats traits (withdraw)",
      { ...segment({ marketing: false }), traits: { consent: { marketing: true } } },
      withdrawn("segment"),
    ],
    ["GPC beats a segment grant", segment({ marketing: true }, { gpc: true }), gpc()],
    ["GPC beats a traits grant", { context: { gpc: true }, traits: { consent: { marketing: true } } }, gpc()],
    ["GPC must be the boolean true", segment({ marketing: true }, { gpc: "1" }), allowed("segment")],
    ["GPC false is no signal", segment({ marketing: true }, { gpc: false }), allowed("segment")],
  ])("marketing required: %s", (_, event, expected) => {
    expect(evaluateConsent(event, MARKETING)).toEqual(expected);
  });

  it.each<[string, ConsentEvent, { require?: string[]; gpcOptsOut?: string[] }, ConsentDecision]>([
    ["nothing required", {}, {}, allowed(null)],
    ["nothing required, GPC set", { context: { gpc: true } }, { require: [] }, allowed(null)],
    [
      "GPC does not touch categories outside gpcOptsOut",
      segment({ analytics: true }, { gpc: true }),
      { require: ["analytics"] },
      allowed("segment"),
    ],
    [
      "GPC with a custom list",
      segment({ analytics: true }, { gpc: true }),
      { require: ["analytics"], gpcOptsOut: ["Analytics"] },
      gpc("analytics"),
    ],
    [
      "GPC ignored with an empty list",
      segment({ marketing: true }, { gpc: true }),
      { require: ["marketing"], gpcOptsOut: [] },
      allowed("segment"),
    ],
    [
      "GPC reason wins over an earlier missing category",
      { context: { gpc: true } },
      { require: ["analytics", "advertising"] },
      gpc("advertising"),
    ],
    [
      "first missing category is named",
      segment({ analytics: true }),
      { require: ["analytics", "marketing", "ads"] },
      notGiven("marketing"),
    ],
    [
      "every category granted, from mixed sources",
      { ...segment({ analytics: true }), traits: { consent: { marketing: "granted" } } },
      { require: ["analytics", "marketing"] },
      allowed("segment"),
    ],
    [
      "source of the first category's grant",
      { ...segment({ marketing: true }), traits: { consent: { analytics: true } } },
      { require: ["analytics", "marketing"] },
      allowed("traits"),
    ],
    [
      "one of two withdrawn",
      segment({ analytics: true, marketing: false }),
      { require: ["analytics", "marketing"] },
      withdrawn("segment"),
    ],
    ["OneTrust-style ids", segment({ C0004: true }), { require: ["C0004"] }, allowed("segment")],
  ])("%s", (_, event, requirements, expected) => {
    expect(evaluateConsent(event, requirements)).toEqual(expected);
  });

  it("tolerates malformed events", () => {
    const odd = [
      { context: null },
      { context: [] },
      { context: { consent: [] } },
      { traits: "x" },
      { context: { consent: { categoryPreferences: null } } },
    ];
    for (const event of odd) expect(evaluateConsent(event, MARKETING)).toEqual(notGiven());
  });
});
