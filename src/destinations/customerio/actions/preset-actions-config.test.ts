import { describe, expect, it } from "vitest";
import type { CustomerioDestinationConfig } from "../../../contracts/config.js";
import type { StoredEvent } from "../../../contracts/event.js";
import { Secret } from "../../../contracts/secret.js";
import { mapWithPresets } from "../preset-actions.js";
import { actionByType } from "./customerio-actions.js";
import { PRESET_ACTIONS_CONFIG } from "./preset-actions-config.js";

/**
 * The preset configuration must do what `preset-actions.ts` does. The mapping engine is not ours, so
 * this test resolves the few mapping forms the presets use (path, coalesce, if/starts_with, equals)
 * and applies the allow lists to `attributes` as the glue will.
 */

// Only `allow` matters to the presets; the cast keeps this test independent of the other settings.
const destination = {
  name: "cio",
  type: "customerio",
  settings: { siteId: "site", apiKey: new Secret("key"), region: "us" },
  allow: {
    events: ["*"],
    traits: ["email", "first_name", "plan", "trial_ends"],
    properties: ["plan", "total", "currency"],
  },
} as CustomerioDestinationConfig;

function pathValue(event: unknown, path: string): unknown {
  let node: unknown = event;
  for (const key of path.replace(/^\$\./, "").split(".")) {
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function holds(condition: Record<string, unknown>, event: unknown): boolean {
  const value = pathValue(event, String(condition["path"]));
  if ("equals" in condition) return value === condition["equals"];
  if ("starts_with" in condition)
    return typeof value === "string" && value.startsWith(String(condition["starts_with"]));
  throw new Error(`condition not used by the presets: ${JSON.stringify(condition)}`);
}

function resolve(mapping: unknown, event: unknown): unknown {
  if (typeof mapping === "string") return mapping.startsWith("$") ? pathValue(event, mapping) : mapping;
  const form = mapping as Record<string, unknown>;
  if (Array.isArray(form["coalesce"])) {
    for (const inner of form["coalesce"]) {
      const value = resolve(inner, event);
      if (value !== undefined && value !== null) return value;
    }
    return undefined;
  }
  if ("if" in form)
    return holds(form["if"] as Record<string, unknown>, event) ? resolve(form["then"], event) : undefined;
  throw new Error(`mapping not used by the presets: ${JSON.stringify(mapping)}`);
}

/** What the glue will do: trigger, resolve every field, filter attributes by the allow list, build. */
function runPresets(event: StoredEvent) {
  for (const preset of PRESET_ACTIONS_CONFIG) {
    if (!holds(preset.trigger as Record<string, unknown>, event)) continue;
    const allowed = preset.type === "identify" ? destination.allow.traits : destination.allow.properties;
    const fields: Record<string, unknown> = {};
    for (const [name, mapping] of Object.entries(preset.fields)) {
      let value = resolve(mapping, event);
      if (name === "attributes" && value && typeof value === "object") {
        value = Object.fromEntries(Object.entries(value).filter(([key]) => allowed.includes(key)));
      }
      if (value !== undefined) fields[name] = value;
    }
    return { name: preset.name, result: actionByType(preset.type)?.build(fields) };
  }
  return null;
}

const base = { messageId: "m-1", receivedAt: "2026-11-28T12:00:00.000Z" };
const event = (fields: Partial<StoredEvent> & Pick<StoredEvent, "type">) =>
  ({ ...base, ...fields }) as StoredEvent;

const EVENTS: Array<[string, StoredEvent]> = [
  [
    "identify with allowed and disallowed traits, a date and anonymousId",
    event({
      type: "identify",
      userId: "u1",
      anonymousId: "anon-1",
      timestamp: "2026-11-28T10:00:00Z",
      traits: { email: "a@b.co", first_name: "Ann", diagnosis: "secret", trial_ends: "2026-12-01", plan: 0 },
    }),
  ],
  ["identify by a cio_ userId", event({ type: "identify", userId: "cio_abc", traits: { plan: "pro" } })],
  ["identify by traits.email", event({ type: "identify", anonymousId: "a", traits: { email: "a@b.co" } })],
  [
    "identify by context.traits.email",
    event({ type: "identify", anonymousId: "a", context: { traits: { email: "c@d.co" } } }),
  ],
  ["identify with an email-shaped userId", event({ type: "identify", userId: "jane@example.com" })],
  ["identify without an identifier", event({ type: "identify", anonymousId: "a", traits: { plan: "pro" } })],
  [
    "track with properties",
    event({
      type: "track",
      userId: "u1",
      event: "Order Completed",
      originalTimestamp: "2026-11-28T09:00:00Z",
      properties: { total: 42.5, currency: "EUR", card: "4111" },
    }),
  ],
  [
    "track with no allowed property",
    event({ type: "track", userId: "u1", event: "Signed Up", properties: { x: 1 } }),
  ],
  ["anonymous track", event({ type: "track", anonymousId: "a", event: "Signed Up" })],
];

describe("PRESET_ACTIONS_CONFIG", () => {
  it("is Identify on identify calls and Event on track calls", () => {
    expect(
      PRESET_ACTIONS_CONFIG.map(({ name, type, enabled, trigger }) => ({ name, type, enabled, trigger })),
    ).toEqual([
      { name: "Identify", type: "identify", enabled: true, trigger: { path: "$.type", equals: "identify" } },
      { name: "Event", type: "event", enabled: true, trigger: { path: "$.type", equals: "track" } },
    ]);
    expect(PRESET_ACTIONS_CONFIG[0]?.fields["attributes"]).toBe("$.traits");
    expect(PRESET_ACTIONS_CONFIG[1]?.fields["attributes"]).toBe("$.properties");
  });

  it("is plain JSON data", () => {
    expect(JSON.parse(JSON.stringify(PRESET_ACTIONS_CONFIG))).toEqual(PRESET_ACTIONS_CONFIG);
  });

  it.each(EVENTS)("builds what the preset actions build: %s", (_, input) => {
    const expected = mapWithPresets(input, destination);
    const actual = runPresets(input);
    if (expected.kind === "op") {
      expect(actual).toEqual({ name: expected.action, result: { kind: "op", op: expected.op } });
    } else {
      expect(actual?.result).toEqual({ kind: "stop", stage: expected.stage, reason: expected.reason });
    }
  });

  it("runs no preset for other call types", () => {
    expect(runPresets(event({ type: "group", userId: "u1", groupId: "g1" }))).toBeNull();
  });
});
