import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DestinationPrivacySchema,
  defaultDestinationPrivacy,
  PhiPolicySchema,
  SourcePrivacyFields,
} from "./privacy.js";

const issues = (input: unknown) =>
  DestinationPrivacySchema.safeParse(input).error?.issues.map((issue) => ({
    path: issue.path.join("."),
    code: issue.code,
    message: issue.message,
  }));

describe("privacy configuration", () => {
  it("defaults to no consent needed, GPC opting out of advertising and marketing, and block", () => {
    expect(DestinationPrivacySchema.parse({})).toEqual({
      consent: { require: [], gpcOptsOut: ["advertising", "marketing"] },
      phi: { action: "block", detectors: {}, terms: [], allow: [] },
    });
    expect(defaultDestinationPrivacy()).toEqual(DestinationPrivacySchema.parse({}));
  });

  it("does not share default objects between parses", () => {
    const a = defaultDestinationPrivacy();
    a.consent.gpcOptsOut.push("analytics");
    a.phi.terms.push("x");
    expect(defaultDestinationPrivacy().consent.gpcOptsOut).toEqual(["advertising", "marketing"]);
    expect(DestinationPrivacySchema.parse({}).phi.terms).toEqual([]);
  });

  it("accepts the documented example", () => {
    const parsed = DestinationPrivacySchema.parse({
      consent: { require: ["marketing"], gpcOptsOut: ["advertising", "marketing"] },
      phi: {
        action: "block",
        detectors: { email: "allow" },
        terms: ["ozempic", " chemotherapy "],
        allow: [{ field: "attributes.diagnosis_note", detector: "icd10" }],
      },
    });
    expect(parsed.phi.detectors).toEqual({ email: "allow" });
    expect(parsed.phi.terms).toEqual(["ozempic", "chemotherapy"]);
    expect(parsed.consent.require).toEqual(["marketing"]);
  });

  it.each([
    [{ phi: { action: "drop" } }, "phi.action", "must be one of block, redact, stop, allow"],
    [{ phi: { detectors: { emial: "allow" } } }, "phi.detectors", 'Unrecognized key: "emial"'],
    [
      { phi: { detectors: { email: "maybe" } } },
      "phi.detectors.email",
      "must be one of block, redact, stop, allow",
    ],
    [{ phi: { terms: ["x"] } }, "phi.terms.0", "must have at least 2 characters"],
    [{ phi: { terms: ["--"] } }, "phi.terms.0", "must contain a letter or digit"],
    [
      { phi: { allow: [{ field: "a", detector: "zip" }] } },
      "phi.allow.0.detector",
      "must be one of ssn, mrn, phone, email, dob, icd10, card, health_term",
    ],
    [{ phi: { allow: [{ field: "", detector: "ssn" }] } }, "phi.allow.0.field", "must not be empty"],
    [
      { consent: { require: [" marketing"] } },
      "consent.require.0",
      "use 1-64 letters, digits, spaces, '_', '.', ':' or '-', starting with a letter or digit",
    ],
  ])("rejects %j at %s", (input, path, message) => {
    expect(issues(input)).toEqual([expect.objectContaining({ path, message })]);
  });

  it.each([
    [{ phi: { block: true } }, "phi"],
    [{ consent: { requires: [] } }, "consent"],
    [{ pii: {} }, ""],
  ])("rejects unknown keys: %j", (input, path) => {
    expect(issues(input)).toEqual([expect.objectContaining({ path, code: "unrecognized_keys" })]);
  });

  it("gives sources requestContext: drop by default", () => {
    const Source = z.strictObject({ name: z.string(), ...SourcePrivacyFields });
    expect(Source.parse({ name: "web" })).toEqual({ name: "web", requestContext: "drop" });
    expect(Source.parse({ name: "web", requestContext: "keep" }).requestContext).toBe("keep");
    expect(Source.safeParse({ name: "web", requestContext: "yes" }).error?.issues[0]?.message).toBe(
      "must be keep or drop",
    );
  });

  it("accepts a policy with every detector overridden", () => {
    const detectors = {
      ssn: "stop",
      mrn: "stop",
      phone: "redact",
      email: "allow",
      dob: "redact",
      icd10: "block",
      card: "stop",
      health_term: "redact",
    };
    expect(PhiPolicySchema.parse({ detectors }).detectors).toEqual(detectors);
  });
});
