import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CustomerioDestinationConfig, validateConfig } from "../contracts/config.js";
import { HttpService } from "../destinations/customerio/service.js";
import {
  loadTrackOpenApi,
  type Simulator,
  startSimulator,
} from "../destinations/customerio/simulator/index.js";
import { API_KEY, SITE_ID, send } from "../destinations/customerio/simulator/test-support.js";
import { orderingKeyOf } from "../ingest/ingest-app.js";
import { bodyMatcher, localErasure, personAuditTarget, requestErasure, userOrderingKey } from "./erasure.js";

describe("who the person is to the store and to the audit log", () => {
  it("uses the ordering key ingest stores for the userId", () => {
    for (const userId of ["u-42", "ada@example.com", "日本", "cio_abc"]) {
      expect(userOrderingKey(userId)).toBe(orderingKeyOf({ userId }).orderingKey);
    }
  });

  it("names the person in the audit log by a hash, emails without regard to case", () => {
    const target = personAuditTarget({ email: " Ada@Example.com " });
    expect(target).toMatch(/^person:[0-9a-f]{64}$/);
    expect(target).toBe(personAuditTarget({ email: "ada@example.com" }));
    expect(target).not.toBe(personAuditTarget({ userId: "ada@example.com" }));
    expect(personAuditTarget({ userId: "u-42" })).not.toContain("u-42");
  });

  it("recognises an email in identity fields as the person, elsewhere as a mention", () => {
    const match = bodyMatcher({ email: "ada@example.com" });
    if (match === null) throw new Error("an email needs a matcher");
    const rows: [object | string, "person" | "event" | null][] = [
      [{ userId: "ADA@example.com" }, "person"],
      [{ traits: { email: " ada@EXAMPLE.com" } }, "person"],
      [{ context: { traits: { email: "ada@example.com" } } }, "person"],
      [{ properties: { email: "ada@example.com" } }, "person"],
      [{ properties: { referred: ["x", { to: "Ada@Example.com" }] } }, "event"],
      [{ properties: { note: "write to ada@example.com soon" } }, "event"],
      [{ traits: { email: "bob@example.com" } }, null],
      [{ traits: { email: "nada@example.community" } }, "event"],
      ["not json ada@example.com", null],
    ];
    for (const [body, expected] of rows) {
      expect(match(typeof body === "string" ? body : JSON.stringify(body)), JSON.stringify(body)).toBe(
        expected,
      );
    }
    expect(bodyMatcher({ userId: "u-42" })).toBeNull();
  });

  it("counts bodies it cannot read and matches nothing in them", () => {
    const local = localErasure({ email: "ada@example.com" }, (stored) => {
      if (stored.startsWith("sealed:")) throw new Error("no key");
      return stored;
    });
    expect(local.orderingKey).toBe(userOrderingKey("ada@example.com"));
    const match = local.options.matchBody;
    if (match === undefined) throw new Error("expected a body matcher");
    const event = { sourceName: "web", messageId: "m1" };
    expect(match("sealed:xyz", event)).toBeNull();
    expect(match('{"traits":{"email":"ada@example.com"}}', event)).toBe("person");
    expect(local.unreadable()).toBe(1);
    expect(localErasure({ userId: "u-1" }).options).toEqual({});
  });
});

describe("requestErasure against the strict simulator", () => {
  const openApi = loadTrackOpenApi();
  let sim: Simulator;
  const service = new HttpService({ timeoutMs: 5000 });
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
  };

  function destination(name: string, apiKey = API_KEY): CustomerioDestinationConfig {
    const result = validateConfig({
      destinations: [{ name, type: "customerio", settings: { siteId: SITE_ID, apiKey, trackUrl: sim.url } }],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.config.destinations[0] as CustomerioDestinationConfig;
  }

  async function identify(identifiers: Record<string, string>, attributes: Record<string, string> = {}) {
    const response = await send(sim, "POST", "/api/v2/batch", {
      batch: [{ type: "person", action: "identify", identifiers, attributes }],
    });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    if (!openApi) throw new Error("the Track OpenAPI spec must be present for these tests");
    sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi });
  });
  beforeEach(() => {
    sim.reset();
    slept.length = 0;
  });
  afterAll(async () => {
    await service.close();
    await sim?.close();
  });

  it("deletes the person by id in every destination", async () => {
    await identify({ id: "u-42" });
    await identify({ id: "u-43" });
    const answers = await requestErasure(
      [destination("cio"), destination("cio-copy")],
      { userId: "u-42" },
      "delete",
      service,
      { sleep },
    );
    expect(answers).toEqual([
      { destination: "cio", result: "accepted", status: 200, attempts: 1, reason: null },
      { destination: "cio-copy", result: "accepted", status: 200, attempts: 1, reason: null },
    ]);
    expect(sim.state.findPerson({ id: "u-42" })).toBeUndefined();
    expect(sim.state.findPerson({ id: "u-43" })).toBeDefined();
    expect(sim.state.openApiViolations).toEqual([]);
    expect(sim.state.anomalies).toEqual([]);
  });

  it("suppresses by email, and by cio_id for a cio_ userId", async () => {
    await identify({ email: "ada@example.com" });
    expect(
      await requestErasure([destination("cio")], { email: "ada@example.com" }, "suppress", service),
    ).toEqual([{ destination: "cio", result: "accepted", status: 200, attempts: 1, reason: null }]);
    expect(sim.state.suppressedIdentifiers).toEqual(["email:ada@example.com"]);
    expect(sim.state.people.size).toBe(0);
    await identify({ id: "u-7" });
    const person = sim.state.findPerson({ id: "u-7" });
    expect(person).toBeDefined();
    const [answer] = await requestErasure(
      [destination("cio")],
      { userId: `cio_${person?.cioId ?? ""}` },
      "delete",
      service,
    );
    expect(answer?.result).toBe("accepted");
    expect(sim.state.findPerson({ id: "u-7" })).toBeUndefined();
    expect(sim.state.openApiViolations).toEqual([]);
  });

  it("retries 5xx and 429 with backoff, then reports what Customer.io answered", async () => {
    sim.enqueueFaults({ status: 503 }, { status: 429, retryAfterSeconds: 2 });
    const [ok] = await requestErasure([destination("cio")], { userId: "u-1" }, "delete", service, { sleep });
    expect(ok).toEqual({ destination: "cio", result: "accepted", status: 200, attempts: 3, reason: null });
    expect(slept).toEqual([1000, 2000]);
    sim.failNext(3, { status: 500 });
    const [failed] = await requestErasure([destination("cio")], { userId: "u-1" }, "delete", service, {
      sleep,
    });
    expect(failed).toEqual({
      destination: "cio",
      result: "failed",
      status: 500,
      attempts: 3,
      reason: "Customer.io answered 500",
    });
  });

  it("reports refused credentials, a rejected request and an operation it cannot build", async () => {
    const answers = await requestErasure(
      [destination("wrong-key", "not-the-key")],
      { userId: "u-1" },
      "delete",
      service,
    );
    expect(answers).toEqual([
      {
        destination: "wrong-key",
        result: "unauthorized",
        status: 401,
        attempts: 1,
        reason: "credentials refused (401): check siteId and apiKey",
      },
    ]);
    sim.enqueueFaults({ status: 400 });
    expect(
      (await requestErasure([destination("cio")], { userId: "u-1" }, "delete", service))[0],
    ).toMatchObject({
      result: "rejected",
      status: 400,
    });
    expect(
      await requestErasure([destination("cio")], { userId: "x".repeat(200) }, "delete", service),
    ).toEqual([
      {
        destination: "cio",
        result: "not_sent",
        status: null,
        attempts: 0,
        reason: "identifier is over 150 bytes",
      },
    ]);
  });
});
