import { beforeEach, describe, expect, it } from "vitest";
import type { PersonKey } from "./identifiers.js";
import type { EventOperation, IdentifyOperation } from "./operations.js";
import { Workspace } from "./workspace.js";

const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
let ws: Workspace;

beforeEach(() => {
  ws = new Workspace({ recordEvents: "full", clock: () => NOW_MS });
});

const id = (value: string): PersonKey => ({ kind: "id", value });
const email = (value: string): PersonKey => ({ kind: "email", value });
const cio = (value: string): PersonKey => ({ kind: "cio_id", value });

function identify(person: PersonKey, attributes: Record<string, unknown> = {}, updateOnly = false): void {
  const op: IdentifyOperation = {
    op: "identify",
    person,
    attributes,
    updateOnly,
    links: [],
    linkAction: "add",
  };
  ws.apply(op, "v2");
}

function track(person: PersonKey | null, extra: Partial<EventOperation> = {}): void {
  ws.apply(
    { op: "event", action: "event", person, name: "Viewed", timestamp: NOW_S, attributes: {}, ...extra },
    "v2",
  );
}

const activityKinds = () => ws.activity.map((entry) => entry.kind);

describe("identify", () => {
  it("creates, then merges attributes; null and empty string remove an attribute", () => {
    identify(id("1"), { plan: "pro", seats: 3, color: "red" });
    identify(id("1"), { plan: "team", seats: null, color: "" });
    expect(ws.findPerson(id("1"))?.attributes).toEqual({ plan: "team" });
  });

  it("finds email case-insensitively but keeps the first spelling", () => {
    identify(email("Jane@Example.com"), { plan: "pro" });
    identify(email("jane@example.COM"), { seats: 2 });
    const person = ws.findPerson(email("JANE@example.com"));
    expect(person).toMatchObject({ email: "Jane@Example.com", attributes: { plan: "pro", seats: 2 } });
    expect(ws.people.size).toBe(1);
  });

  it("gives an unknown path identifier to the person a body identifier finds", () => {
    identify(email("a@b.io"));
    identify(id("42"), { email: "a@b.io" });
    expect(ws.people.size).toBe(1);
    expect(ws.findPerson(id("42"))).toBe(ws.findPerson(email("a@b.io")));
  });

  it("logs an attribute update failure when path and body identify different people", () => {
    identify(id("1"));
    identify(email("a@b.io"));
    identify(id("1"), { email: "a@b.io", plan: "x" });
    expect(ws.findPerson(id("1"))?.email).toBeUndefined();
    expect(ws.findPerson(id("1"))?.attributes).toEqual({});
    expect(activityKinds()).toEqual(["attribute-update-failure"]);
  });

  it("changes an id once set only when addressed by cio_id", () => {
    identify(email("a@b.io"), { id: "1" });
    identify(email("a@b.io"), { id: "2" });
    expect(ws.findPerson(email("a@b.io"))?.id).toBe("1");
    const cioId = ws.findPerson(id("1"))?.cioId ?? "";
    identify(cio(cioId), { id: "2" });
    expect(ws.findPerson(id("2"))?.cioId).toBe(cioId);
    expect(ws.findPerson(id("1"))).toBeUndefined();
  });

  it("drops an identify addressed to an unknown cio_id", () => {
    identify(cio("ffff"), { plan: "x" });
    expect(ws.people.size).toBe(0);
    expect(activityKinds()).toEqual(["unknown-cio-id-dropped"]);
  });

  it("with _update never creates a person", () => {
    identify(id("1"), { plan: "x" }, true);
    expect(ws.people.size).toBe(0);
    expect(activityKinds()).toEqual(["update-only-person-missing"]);
    identify(id("1"));
    identify(id("1"), { plan: "x" }, true);
    expect(ws.findPerson(id("1"))?.attributes).toEqual({ plan: "x" });
  });

  it("attaches earlier anonymous events when it carries their anonymous_id", () => {
    track(null, { anonymousId: "anon-1", id: "e1" });
    track(null, { anonymousId: "anon-1", id: "old", timestamp: NOW_S - 31 * 24 * 3600 });
    track(null, { anonymousId: "anon-2", id: "e2" });
    identify(id("1"), { anonymous_id: "anon-1" });
    const cioId = ws.findPerson(id("1"))?.cioId;
    expect(ws.events.map((event) => [event.id, event.personCioId])).toEqual([
      ["e1", cioId],
      ["old", undefined],
      ["e2", undefined],
    ]);
    track(null, { anonymousId: "anon-1", id: "e3" });
    expect(ws.events.at(-1)?.personCioId).toBe(cioId);
  });
});

describe("events", () => {
  it("dedupes by id across the workspace and counts the duplicates", () => {
    track(id("1"), { id: "x" });
    track(id("2"), { id: "x" });
    track(id("1"));
    track(id("1"));
    expect(ws.events).toHaveLength(3);
    expect(ws.counters.duplicatesIgnored).toBe(1);
  });

  it("creates the person for an unknown id or email, but drops an unknown cio_id", () => {
    track(email("new@b.io"));
    expect(ws.findPerson(email("new@b.io"))).toBeDefined();
    track(cio("ffff"), { id: "lost" });
    expect(ws.eventIds.has("lost")).toBe(false);
    expect(activityKinds()).toEqual(["unknown-cio-id-dropped"]);
  });
});

describe("delete, suppress, unsuppress", () => {
  it("delete removes the person; a later identify re-creates it", () => {
    identify(id("1"), { plan: "x" });
    ws.apply({ op: "delete", person: id("1") }, "v1");
    expect(ws.findPerson(id("1"))).toBeUndefined();
    identify(id("1"));
    expect(ws.findPerson(id("1"))?.attributes).toEqual({});
  });

  it("suppress deletes the profile and ignores later calls for its email and id, until unsuppress", () => {
    identify(id("1"), { email: "a@b.io" });
    ws.apply({ op: "suppress", person: id("1") }, "v1");
    expect(ws.people.size).toBe(0);
    expect(ws.suppressedIdentifiers).toEqual(["id:1", "email:a@b.io"]);
    identify(email("A@b.io"));
    track(id("1"), { id: "ignored" });
    expect(ws.people.size).toBe(0);
    expect(ws.eventIds.size).toBe(0);
    expect(activityKinds()).toEqual(["suppressed-identifier-ignored", "suppressed-identifier-ignored"]);
    ws.apply({ op: "unsuppress", person: email("a@b.io") }, "v1");
    expect(ws.suppressedIdentifiers).toEqual([]);
    identify(id("1"));
    expect(ws.people.size).toBe(1);
  });

  it("suppressing an unknown identifier still suppresses it", () => {
    ws.apply({ op: "suppress", person: email("x@y.io") }, "v1");
    identify(email("x@y.io"));
    expect(ws.people.size).toBe(0);
  });
});

describe("merge", () => {
  it("with a missing primary does nothing (200 in the API) and logs it", () => {
    identify(id("2"));
    ws.apply({ op: "merge", primary: id("1"), secondary: id("2") }, "v1");
    expect(ws.findPerson(id("2"))).toBeDefined();
    expect(activityKinds()).toEqual(["merge-primary-missing"]);
  });

  it("moves empty attributes, devices, recent events and identifiers, then deletes the secondary", () => {
    identify(id("1"), { plan: "pro", empty: "" });
    identify(email("s@b.io"), { plan: "free", seats: 4 });
    ws.apply(
      { op: "add_device", person: email("s@b.io"), device: { token: "t1", platform: "ios", attributes: {} } },
      "v2",
    );
    track(email("s@b.io"), { id: "recent" });
    track(email("s@b.io"), { id: "old", timestamp: NOW_S - 40 * 24 * 3600 });
    const secondaryCio = ws.findPerson(email("s@b.io"))?.cioId;
    ws.apply({ op: "merge", primary: id("1"), secondary: email("s@b.io") }, "v2");
    const primary = ws.findPerson(id("1"));
    expect(primary).toMatchObject({ email: "s@b.io", attributes: { plan: "pro", seats: 4 } });
    expect([...(primary?.devices.keys() ?? [])]).toEqual(["t1"]);
    expect(ws.people.size).toBe(1);
    expect(ws.events.map((event) => [event.id, event.personCioId])).toEqual([
      ["recent", primary?.cioId],
      ["old", secondaryCio],
    ]);
  });
});

describe("devices and objects", () => {
  it("moves a device token to its newest owner and deletes it", () => {
    const device = { token: "t", platform: "android" as const, attributes: {} };
    ws.apply({ op: "add_device", person: id("1"), device }, "v2");
    ws.apply({ op: "add_device", person: id("2"), device }, "v2");
    expect(ws.findPerson(id("1"))?.devices.size).toBe(0);
    ws.apply({ op: "delete_device", person: id("2"), token: "t" }, "v2");
    expect(ws.findPerson(id("2"))?.devices.size).toBe(0);
  });

  it("identifies objects, links people both ways, and removes links with the object", () => {
    const acme = { objectTypeId: "1", objectId: "acme" };
    ws.apply(
      {
        op: "object_identify",
        object: acme,
        attributes: { name: "Acme" },
        links: [{ person: id("1"), attributes: { role: "admin" } }],
        anonymous: false,
      },
      "v2",
    );
    identify(id("2"));
    ws.apply({ op: "add_relationships", person: id("2"), links: [{ object: acme, attributes: {} }] }, "v2");
    expect(ws.graph.objects).toMatchObject([{ objectId: "acme", attributes: { name: "Acme" } }]);
    expect(ws.graph.relationships).toHaveLength(2);
    ws.apply({ op: "object_delete", object: acme }, "v2");
    expect(ws.graph.relationships).toHaveLength(0);
  });

  it("logs an unknown cio_object_id instead of creating it", () => {
    ws.apply(
      { op: "object_identify", object: { cioObjectId: "nope" }, attributes: {}, links: [], anonymous: false },
      "v2",
    );
    expect(ws.graph.objects).toHaveLength(0);
    expect(activityKinds()).toEqual(["unknown-object"]);
  });

  it("gives anonymous relationships to the person who later claims the anonymous_id", () => {
    const acme = { objectTypeId: "1", objectId: "acme" };
    ws.apply(
      {
        op: "object_identify",
        object: acme,
        attributes: {},
        links: [{ person: { kind: "anonymous_id", value: "anon" }, attributes: {} }],
        anonymous: true,
      },
      "v2",
    );
    expect(ws.graph.relationships[0]?.anonymousId).toBe("anon");
    identify(id("1"), { anonymous_id: "anon" });
    expect(ws.graph.relationships[0]?.personCioId).toBe(ws.findPerson(id("1"))?.cioId);
  });
});
