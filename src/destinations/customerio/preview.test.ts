import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../../contracts/config.js";
import type { StoredEvent } from "../../contracts/event.js";
import { sha256Hex } from "../../mapping/index.js";
import { mapEvent } from "./map-event.js";
import { mapWithPresets } from "./preset-actions.js";
import { previewEvent } from "./preview.js";

interface Row {
  label: string;
  destination: { settings?: Record<string, unknown>; [key: string]: unknown };
  event: Record<string, unknown>;
  requests?: { method: string; url: string; headers: Record<string, string>; body: unknown }[];
  stop?: unknown;
}

const rows = parse(readFileSync(new URL("./fixtures/preview.yaml", import.meta.url), "utf8")) as Row[];

function destinationOf(row: Pick<Row, "destination">) {
  const { settings, ...rest } = row.destination;
  const result = validateConfig({
    destinations: [
      {
        name: "cio",
        type: "customerio",
        settings: { siteId: "site-1", apiKey: "secret-api-key", ...settings },
        ...rest,
      },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config.destinations[0]!;
}

const stored = (event: Record<string, unknown>) =>
  ({ receivedAt: "2026-11-28T12:00:05.000Z", ...event }) as StoredEvent;

describe("previewEvent (Example mapping)", () => {
  it.each(rows.map((row) => [row.label, row] as const))("%s", (_label, row) => {
    const preview = previewEvent(stored(row.event), destinationOf(row));
    if (row.stop) {
      expect(preview.outcome).toEqual(row.stop);
      expect(preview.requests).toEqual([]);
      return;
    }
    const expected = (row.requests ?? []).map((request) => {
      const body = request.body as { batch?: { attributes?: Record<string, unknown> }[] };
      // The fixture cannot know the salted hash: compute the one value that depends on it.
      for (const item of body.batch ?? []) {
        if (item.attributes && "email_hash" in item.attributes) {
          item.attributes["email_hash"] = sha256Hex("pepperada@example.com");
        }
      }
      return { ...request, body: JSON.stringify(request.body) };
    });
    expect(preview.requests).toEqual(expected);
    expect(JSON.stringify(preview)).not.toContain("secret-api-key");
  });

  it("explains which action ran, why the others did not, and where each field came from", () => {
    const row = rows[0]!;
    const preview = previewEvent(stored(row.event), destinationOf(row));
    expect(preview.actions).toHaveLength(1);
    const [action] = preview.actions;
    expect(action).toMatchObject({ name: "Order completed", type: "event", matched: true });
    expect(action?.why).toContain('$.event equals "Order Completed": yes');
    const fields = Object.fromEntries(action!.fields.map((field) => [field.name, field]));
    expect(fields["id"]).toMatchObject({
      source: "default",
      present: true,
      trace: { kind: "path", paths: ["$.userId"] },
    });
    expect(fields["cio_id"]).toMatchObject({ present: false });
    expect(fields["attributes"]?.source).toBe("config");
    // The report names paths and transforms, never values taken from the event.
    expect(JSON.stringify(preview.actions)).not.toContain("4111");
    expect(JSON.stringify(preview.actions)).not.toMatch(/Ada@Example/i);
  });
});

describe("the presets, run as actions, send what the hand-written presets sent", () => {
  const destination = destinationOf({
    destination: {
      allow: {
        events: ["Signed Up", "Order Completed"],
        traits: ["email", "first_name", "plan", "trial_ends"],
        properties: ["plan", "total", "currency"],
      },
    },
  });
  const events: Record<string, unknown>[] = [
    {
      type: "identify",
      userId: "u-42",
      anonymousId: "an-1",
      traits: { email: "a@b.co", plan: "pro", ssn: "x", trial_ends: "2026-12-01T00:00:00Z" },
    },
    { type: "identify", userId: "cio_abc", traits: { first_name: "Zoë" } },
    { type: "identify", traits: { email: "c@d.co" }, anonymousId: "an-2" },
    { type: "identify", anonymousId: "an-3" },
    {
      type: "track",
      userId: "u-1",
      event: "Order Completed",
      properties: { total: 0, paid: false, plan: "x", secret: 1 },
    },
    { type: "track", userId: "u-1", event: "Viewed" },
    {
      type: "track",
      userId: "u-1",
      event: "Signed Up",
      originalTimestamp: "2026-11-28T11:00:00Z",
      sentAt: "2026-11-28T11:00:10Z",
    },
    { type: "track", userId: "u-1", event: "Signed Up", timestamp: "2026-11-28T10:00:00+02:00" },
    { type: "page", userId: "u-1" },
    { type: "group", userId: "u-1", groupId: "g" },
    { type: "alias", userId: "u-1", previousId: "u-0" },
  ];
  it.each(events.map((event, i) => [i, event] as const))("event %i", (i, event) => {
    const e = stored({ messageId: `m-${i}`, ...event });
    const before = mapWithPresets(e, destination);
    const now = mapEvent(e, destination);
    if (before.kind === "op")
      expect(now).toEqual({
        kind: "send",
        parts: [{ kind: "op", action: before.action, op: before.op }],
        privacy: [],
      });
    else expect(now).toEqual(before);
  });
});
