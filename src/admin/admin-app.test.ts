import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { traceCommand } from "../cli/trace.js";
import { ADMIN_ROUTES, type AdminOperationId } from "../contracts/admin.js";
import { previewEvent } from "../destinations/customerio/preview.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import {
  ADMIN_TOKEN,
  type AdminFixture,
  API_KEY,
  adminFixture,
  CANARIES,
  DESTINATIONS,
  NOW,
  ORDER_BODY,
  PROXY_PASSWORD,
  T0,
  VIEWER_TOKEN,
} from "./test-support/admin-fixture.js";
import { openApiChecker } from "./test-support/openapi-check.js";

const check = openApiChecker(buildOpenApiDocument());

let fx: AdminFixture;
beforeEach(async () => {
  fx = await adminFixture();
});
afterEach(async () => {
  await fx.close();
});

interface Call {
  url?: string;
  token?: string | null;
  payload?: unknown;
  headers?: Record<string, string>;
}

/** One request; its answer must match the schema the OpenAPI document declares for it. */
async function call(operationId: AdminOperationId, options: Call = {}) {
  const route = ADMIN_ROUTES[operationId];
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const response = await fx.app.inject({
    method: route.method,
    url: options.url ?? route.path,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
    ...(options.payload === undefined ? {} : { payload: options.payload as string }),
  });
  const body = response.json();
  expect(check(operationId, response.statusCode, body)).toEqual([]);
  return { status: response.statusCode, body, text: response.body, headers: response.headers };
}

const D1 = {
  deliveryId: 1,
  destination: "cio",
  sourceName: "web",
  messageId: "m-1",
  eventType: "track",
  eventName: null,
  state: "failed",
  stage: "delivery",
  reason: "Customer.io rejected it: invalid (email is not valid)",
  field: "identifiers.email",
  attempts: 2,
  lastStatus: 207,
  receivedAtMs: T0,
  firstAttemptAtMs: T0 + 1120,
  updatedAtMs: T0 + 8000,
  replays: 0,
};
const D3 = {
  deliveryId: 3,
  destination: "cio",
  sourceName: "web",
  messageId: "m-2",
  eventType: "identify",
  eventName: null,
  state: "failed",
  stage: "delivery",
  reason: "rejected (400): malformed request",
  field: null,
  attempts: 1,
  lastStatus: 400,
  receivedAtMs: T0,
  firstAttemptAtMs: T0 + 1120,
  updatedAtMs: T0 + 1120,
  replays: 0,
};
const D1_ATTEMPTS = [
  {
    atMs: T0 + 1120,
    status: null,
    latencyMs: 10_000,
    state: "retrying",
    reason: "network error: UND_ERR_HEADERS_TIMEOUT",
  },
  {
    atMs: T0 + 8000,
    status: 207,
    latencyMs: 60,
    state: "failed",
    reason: "Customer.io rejected it: invalid (email is not valid)",
  },
];
const MASKED_ORDER = {
  type: "track",
  event: "Order Completed",
  messageId: "m-1",
  userId: "<text, 8 chars>",
  properties: {
    diagnosis: "<text, 10 chars>",
    total: "<number, 4 chars>",
    vip: "<boolean>",
    tags: ["<text, 1 char>", "<text, 4 chars>"],
    note: null,
  },
};

const ids = (rows: { deliveryId: number }[]) => rows.map((row) => row.deliveryId);

describe("GET /admin/api/health", () => {
  it("reports each destination's 24 h outcomes, pause, credential check and queue", async () => {
    const { status, body } = await call("getHealth");
    expect(status).toBe(200);
    expect(body).toEqual({
      windowHours: 24,
      destinations: [
        {
          destination: "cio",
          status: "unhealthy",
          successRate: 1 / 3,
          delivered: 1,
          failed: 2,
          stopped: 0,
          paused: null,
          credentials: {
            result: "ok",
            region: "us",
            message: "credentials accepted (region us)",
            checkedAtMs: T0 + 200,
          },
        },
        {
          destination: "cio-eu",
          status: "no_data",
          successRate: null,
          delivered: 0,
          failed: 0,
          stopped: 1,
          paused: { reason: "Customer.io refused the credentials (401)" },
          credentials: null,
        },
      ],
      queue: [
        // m-4 (queued, received T0 + 9 s) and m-5 (retrying, received T0 + 2 s): the oldest is 8 s old.
        { destination: "cio", waiting: 2, retrying: 1, oldestAgeMs: NOW - (T0 + 2000) },
        { destination: "cio-eu", waiting: 0, retrying: 0, oldestAgeMs: null },
      ],
    });
  });
});

describe("GET /admin/api/deliveries", () => {
  it("lists every state newest first, with the exact log fields", async () => {
    const { status, body } = await call("listDeliveries");
    expect(status).toBe(200);
    expect(ids(body.deliveries)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(body.deliveries.map((row: { state: string }) => row.state)).toEqual([
      "retrying",
      "queued",
      "delivered",
      "failed",
      "stopped",
      "failed",
    ]);
    expect(body.deliveries.at(-1)).toEqual(D1);
    expect(body.nextBefore).toBeNull();
  });

  it.each([
    ["state=failed", [3, 1]],
    ["state=retrying", [6]],
    ["state=queued", [5]],
    ["state=delivered", [4]],
    ["state=stopped", [2]],
    ["destination=cio-eu", [2]],
    ["messageId=m-1", [4, 2, 1]],
    ["messageId=m-1&destination=cio", [4, 1]],
    // `from`/`to` compare with the last update: d1 failed at T0 + 8 s, d6 and d5 changed at T0 + 9.2 s.
    ["from=2026-11-28T12:00:05Z", [6, 5, 1]],
    [`from=${T0 + 8000}&to=${T0 + 9000}`, [1]],
    ["to=2026-11-28T12:00:01.5", [4, 3, 2]],
    ["to=2026-11-28", []],
    ["before=4", [3, 2, 1]],
  ])("filters by %s", async (query, expected) => {
    const { status, body } = await call("listDeliveries", { url: `/admin/api/deliveries?${query}` });
    expect(status).toBe(200);
    expect(ids(body.deliveries)).toEqual(expected);
  });

  it("pages with limit and nextBefore, without an empty last page", async () => {
    const pages: number[][] = [];
    const cursors: (number | null)[] = [];
    let url = "/admin/api/deliveries?limit=2";
    for (;;) {
      const { body } = await call("listDeliveries", { url });
      pages.push(ids(body.deliveries));
      cursors.push(body.nextBefore);
      if (body.nextBefore === null) break;
      url = `/admin/api/deliveries?limit=2&before=${body.nextBefore}`;
    }
    expect(pages).toEqual([
      [6, 5],
      [4, 3],
      [2, 1],
    ]);
    expect(cursors).toEqual([5, 3, null]);
    // A full page with nothing after it has no cursor either.
    expect(
      (await call("listDeliveries", { url: "/admin/api/deliveries?limit=6" })).body.nextBefore,
    ).toBeNull();
  });

  it.each([
    ["limit=0", "query.limit", "query.limit: must be an integer from 1 to 1000"],
    ["limit=1001", "query.limit", "query.limit: must be an integer from 1 to 1000"],
    ["limit=ten", "query.limit", "query.limit: must be an integer from 1 to 1000"],
    ["before=-1", "query.before", "query.before: must be a positive integer (a delivery id)"],
    ["state=lost", "query.state", "query.state: must be one of queued, retrying, delivered, failed, stopped"],
    [
      "from=yesterday",
      "query.from",
      "query.from: must be an ISO-8601 date or date-time such as 2026-11-28T12:00:00Z (zone-less = UTC), or epoch milliseconds",
    ],
    ["stat=failed", "query.stat", "query.stat: unknown query parameter"],
    ["limit=1&limit=2", "query.limit", "query.limit: Invalid input: expected string, received array"],
  ])("answers 400 for %s, naming the parameter", async (query, path, message) => {
    const { status, body } = await call("listDeliveries", { url: `/admin/api/deliveries?${query}` });
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: "ER_ADMIN_INVALID_REQUEST", message, path } });
  });
});

describe("GET /admin/api/events/{messageId}/trace", () => {
  it("tells the story of every event sharing the messageId, as `sluice trace --json` does", async () => {
    const { status, body } = await call("traceEvent", { url: "/admin/api/events/m-1/trace" });
    expect(status).toBe(200);
    expect(body.messageId).toBe("m-1");
    expect(
      body.events.map(
        (event: {
          sourceName: string;
          destinations: { deliveryId: number; stages: { status: string }[] }[];
        }) => [
          event.sourceName,
          event.destinations.map((d) => [d.deliveryId, d.stages.map((stage) => stage.status).join(",")]),
        ],
      ),
    ).toEqual([
      [
        "web",
        [
          [1, "passed,passed,passed,passed,passed,passed,failed"],
          [2, "passed,stopped,not reached,not reached,not reached,not reached,not reached"],
        ],
      ],
      ["app", [[4, "passed,passed,passed,passed,passed,passed,passed"]]],
    ]);
    expect(body.events[0].destinations[0].history).toEqual(D1_ATTEMPTS);

    const out: string[] = [];
    const code = await traceCommand.run(["m-1", "--json"], {
      stdout: (text) => out.push(text),
      stderr: () => undefined,
      env: { SLUICE_DATA_DIR: fx.dataDir },
      cwd: fx.dataDir,
    });
    expect(code).toBe(0);
    const cliEvents = out
      .join("")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(body.events).toEqual(cliEvents);
  });

  it("answers 404 for an unknown messageId and 400 for one over 200 characters", async () => {
    expect((await call("traceEvent", { url: "/admin/api/events/nope/trace" })).body).toEqual({
      error: {
        code: "ER_ADMIN_NOT_FOUND",
        message: "no event with this messageId",
        path: "params.messageId",
      },
    });
    const long = await call("traceEvent", { url: `/admin/api/events/${"x".repeat(201)}/trace` });
    expect(long.status).toBe(400);
    expect(long.body.error.path).toBe("params.messageId");
  });
});

describe("GET /admin/api/dead-letters", () => {
  it("lists the failed deliveries only, newest first", async () => {
    const { status, body } = await call("listDeadLetters");
    expect(status).toBe(200);
    expect(body).toEqual({ deadLetters: [D3, D1], nextBefore: null });
  });

  it.each([
    ["destination=cio", [3, 1]],
    ["destination=cio-eu", []],
    ["from=2026-11-28T12:00:05Z", [1]],
    ["to=2026-11-28T12:00:05", [3]],
    [`to=${T0 + 5000}`, [3]],
    ["limit=1", [3]],
    ["before=3", [1]],
  ])("filters by %s", async (query, expected) => {
    const { body } = await call("listDeadLetters", { url: `/admin/api/dead-letters?${query}` });
    expect(ids(body.deadLetters)).toEqual(expected);
  });

  it("pages", async () => {
    const first = await call("listDeadLetters", { url: "/admin/api/dead-letters?limit=1" });
    expect(first.body).toEqual({ deadLetters: [D3], nextBefore: 3 });
    const second = await call("listDeadLetters", { url: "/admin/api/dead-letters?limit=1&before=3" });
    expect(second.body).toEqual({ deadLetters: [D1], nextBefore: null });
  });

  it("refuses a state filter: dead letters are failed by definition", async () => {
    const { status, body } = await call("listDeadLetters", { url: "/admin/api/dead-letters?state=queued" });
    expect(status).toBe(400);
    expect(body.error).toEqual({
      code: "ER_ADMIN_INVALID_REQUEST",
      message: "query.state: unknown query parameter",
      path: "query.state",
    });
  });
});

describe("GET /admin/api/dead-letters/{deliveryId}", () => {
  it("returns the row, the attempts and the payload with every value masked", async () => {
    const { status, body, text } = await call("getDeadLetter", { url: "/admin/api/dead-letters/1" });
    expect(status).toBe(200);
    expect(body).toEqual({
      delivery: D1,
      attempts: D1_ATTEMPTS,
      revealed: false,
      payload: { state: "masked", value: MASKED_ORDER },
    });
    for (const canary of CANARIES) expect(text).not.toContain(canary);
  });

  it("reveals the values to the admin role, says so, and logs it without the values", async () => {
    const { status, body } = await call("getDeadLetter", { url: "/admin/api/dead-letters/1?reveal=true" });
    expect(status).toBe(200);
    expect(body).toEqual({
      delivery: D1,
      attempts: D1_ATTEMPTS,
      revealed: true,
      payload: { state: "revealed", value: ORDER_BODY },
    });
    const audit = fx.logLines
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "admin.payload_revealed");
    expect(audit).toEqual([
      expect.objectContaining({ deliveryId: 1, destination: "cio", role: "admin", level: 40 }),
    ]);
    for (const canary of CANARIES) expect(fx.logLines.join("")).not.toContain(canary);
    // reveal=false is the default.
    expect(
      (await call("getDeadLetter", { url: "/admin/api/dead-letters/1?reveal=false" })).body.revealed,
    ).toBe(false);
  });

  it("answers 404 once a replayed dead letter was delivered", async () => {
    await fx.store.replay({ deliveryIds: [3] }, { nowMs: NOW, limit: 1 });
    const [replayed] = await fx.store.claim("cio", { limit: 10, nowMs: NOW + 61_000, leaseMs: 60_000 });
    await fx.store.settle(
      [
        {
          deliveryId: 3,
          leaseToken: replayed?.leaseToken ?? "",
          state: "delivered",
          attempts: 1,
          status: 200,
        },
      ],
      NOW + 61_100,
    );
    const { status, body } = await call("getDeadLetter", { url: "/admin/api/dead-letters/3" });
    expect(status).toBe(404);
    expect(body.error.message).toBe(
      "delivery 3 is not a dead letter (it is delivered); its event's trace tells its story",
    );
    expect(await fx.store.eventBody(3)).toBeNull();
  });

  it.each([
    [
      "/admin/api/dead-letters/999",
      404,
      "ER_ADMIN_NOT_FOUND",
      "no delivery with id 999",
      "params.deliveryId",
    ],
    [
      "/admin/api/dead-letters/4",
      404,
      "ER_ADMIN_NOT_FOUND",
      "delivery 4 is not a dead letter (it is delivered); its event's trace tells its story",
      "params.deliveryId",
    ],
    [
      "/admin/api/dead-letters/abc",
      400,
      "ER_ADMIN_INVALID_REQUEST",
      "params.deliveryId: must be a positive integer (a delivery id)",
      "params.deliveryId",
    ],
    [
      "/admin/api/dead-letters/1?reveal=yes",
      400,
      "ER_ADMIN_INVALID_REQUEST",
      "query.reveal: must be true or false",
      "query.reveal",
    ],
  ])("%s → %i", async (url, status, code, message, path) => {
    const response = await call("getDeadLetter", { url });
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { code, message, path } });
  });
});

describe("POST /admin/api/dead-letters/replay", () => {
  it("counts without changing anything on a dry run", async () => {
    const { status, body } = await call("replayDeadLetters", {
      payload: { destination: "cio", dryRun: true },
    });
    expect(status).toBe(200);
    expect(body).toEqual({ matched: 2, replayed: 0, dryRun: true });
    expect(ids((await call("listDeadLetters")).body.deadLetters)).toEqual([3, 1]);
    expect(fx.replayWakeups()).toBe(0);
  });

  it("replays by id, keeping the messageId, and wakes the lanes", async () => {
    const { body } = await call("replayDeadLetters", { payload: { deliveryIds: [3, 4, 999] } });
    expect(body).toEqual({ matched: 1, replayed: 1, dryRun: false });
    expect(fx.replayWakeups()).toBe(1);
    const [row] = (await call("listDeliveries", { url: "/admin/api/deliveries?messageId=m-2" })).body
      .deliveries;
    expect(row).toEqual({
      ...D3,
      state: "queued",
      stage: null,
      reason: null,
      attempts: 0,
      firstAttemptAtMs: null,
      updatedAtMs: NOW,
      replays: 1,
    });
    expect(ids((await call("listDeadLetters")).body.deadLetters)).toEqual([1]);
  });

  it.each([
    [{ messageId: "m-1" }, 1, [3]],
    [{ from: "2026-11-28T12:00:05Z" }, 1, [3]],
    [{ to: T0 + 5000 }, 1, [1]],
    [{ destination: "cio-eu" }, 0, [3, 1]],
    [{ all: true }, 2, []],
  ])("replays by filter %o", async (payload, replayed, left) => {
    const { body } = await call("replayDeadLetters", { payload });
    expect(body).toEqual({ matched: replayed, replayed, dryRun: false });
    expect(ids((await call("listDeadLetters")).body.deadLetters)).toEqual(left);
  });

  it.each([
    [{}, "ER_ADMIN_FILTER_REQUIRED", "body"],
    [{ dryRun: true }, "ER_ADMIN_FILTER_REQUIRED", "body"],
    [{ all: false }, "ER_ADMIN_INVALID_REQUEST", "body.all"],
    [{ deliveryIds: [] }, "ER_ADMIN_INVALID_REQUEST", "body.deliveryIds"],
    [{ deliveryIds: [1, "2"] }, "ER_ADMIN_INVALID_REQUEST", "body.deliveryIds[1]"],
    [{ deliveryIds: [0] }, "ER_ADMIN_INVALID_REQUEST", "body.deliveryIds[0]"],
    [{ from: "last week" }, "ER_ADMIN_INVALID_REQUEST", "body.from"],
    [{ destination: "cio", everything: true }, "ER_ADMIN_INVALID_REQUEST", "body.everything"],
    [[1, 2], "ER_ADMIN_INVALID_REQUEST", "body"],
  ])("refuses %o with 400", async (payload, code, path) => {
    const { status, body } = await call("replayDeadLetters", { payload });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code, path });
    expect(ids((await call("listDeadLetters")).body.deadLetters)).toEqual([3, 1]);
  });

  it("answers 400 for invalid JSON, 415 for another media type, 400 for no body", async () => {
    const json = await call("replayDeadLetters", {
      payload: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect([json.status, json.body]).toEqual([
      400,
      { error: { code: "ER_INVALID_JSON", message: "body is not valid JSON" } },
    ]);
    const text = await call("replayDeadLetters", {
      payload: "all",
      headers: { "content-type": "text/plain" },
    });
    expect([text.status, text.body.error.code]).toEqual([415, "ER_UNSUPPORTED_MEDIA_TYPE"]);
    const big = await call("replayDeadLetters", { payload: { messageId: "x".repeat(600_000) } });
    expect([big.status, big.body.error.code]).toEqual([413, "ER_REQUEST_TOO_LARGE"]);
    const none = await call("replayDeadLetters");
    expect([none.status, none.body.error.code, none.body.error.path]).toEqual([
      400,
      "ER_ADMIN_INVALID_REQUEST",
      "body",
    ]);
  });
});

describe("POST /admin/api/preview", () => {
  const event = {
    type: "identify",
    userId: "u-CANARY",
    messageId: "pv-1",
    timestamp: "2026-11-28T12:00:00Z",
    traits: { email: "ada@example.com", diagnosis: "CANARY-PHI" },
  };

  it("returns previewEvent's result with the API key and URL credentials masked", async () => {
    const { status, body, text } = await call("previewEvent", { payload: { destination: "cio", event } });
    expect(status).toBe(200);
    expect(body.valuesMasked).toBe(false);
    expect(body.requests).toEqual([
      {
        method: "POST",
        url: "http://redacted@127.0.0.1:4010/api/v2/batch",
        headers: {
          authorization: "Basic [redacted]",
          "content-type": "application/json",
          "user-agent": "Sluice/0.1",
        },
        body: `{"batch":[{"type":"person","action":"identify","identifiers":{"id":"u-CANARY"},"attributes":{"email":"ada@example.com"},"timestamp":${T0 / 1000}}]}`,
      },
    ]);
    const direct = previewEvent(
      { ...event, receivedAt: new Date(NOW).toISOString() } as Parameters<typeof previewEvent>[0],
      DESTINATIONS[0]!,
    );
    expect({ ...body, requests: undefined, valuesMasked: undefined }).toEqual(
      JSON.parse(JSON.stringify({ ...direct, requests: undefined })),
    );
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(PROXY_PASSWORD);
    expect(text).not.toContain("CANARY-PHI"); // not in allow.traits: deny by default
  });

  it("shows a stop instead of requests", async () => {
    const { body } = await call("previewEvent", {
      payload: { destination: "cio", event: { type: "track", userId: "u1", event: "Secret Diagnosis" } },
    });
    expect(body.requests).toEqual([]);
    expect(body.outcome).toMatchObject({ kind: "stop", stage: "allowlist" });
  });

  it.each([
    [
      { destination: "cio", event: { type: "track", event: "x" } },
      400,
      "ER_MISSING_IDENTITY",
      "body.event.userId",
    ],
    [{ destination: "cio", event: { type: "fly", userId: "u" } }, 400, "ER_UNKNOWN_TYPE", "body.event.type"],
    [
      { destination: "cio", event: { type: "track", userId: "u", event: "x", timestamp: "noon" } },
      400,
      "ER_INVALID_TIMESTAMP",
      "body.event.timestamp",
    ],
    [{ destination: "cio" }, 400, "ER_INVALID_JSON", "body.event"],
    [{ event: { type: "identify", userId: "u" } }, 400, "ER_ADMIN_INVALID_REQUEST", "body.destination"],
    [
      { destination: "nowhere", event: { type: "identify", userId: "u" } },
      404,
      "ER_ADMIN_NOT_FOUND",
      "body.destination",
    ],
  ])("refuses %o", async (payload, status, code, path) => {
    const response = await call("previewEvent", { payload });
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, path });
  });
});

describe("GET /admin/api/openapi.json", () => {
  it("serves the generated document", async () => {
    const { status, body } = await call("getOpenApi");
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it("answers 404 with the error format for an unknown route", async () => {
    const response = await fx.app.inject({
      url: "/admin/api/nope",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect([response.statusCode, response.json()]).toEqual([
      404,
      { error: { code: "ER_NOT_FOUND", message: "no such route" } },
    ]);
  });
});

describe("a failing store", () => {
  it("answers 500 with the error format and logs the code, never a value", async () => {
    await fx.store.close();
    const { status, body } = await call("listDeadLetters");
    expect([status, body]).toEqual([
      500,
      { error: { code: "ER_INTERNAL", message: "unexpected error; the log has details" } },
    ]);
    const logged = fx.logLines.map((line) => JSON.parse(line)).find((line) => line.event === "admin.error");
    expect(logged).toMatchObject({
      level: 50,
      route: "/admin/api/dead-letters",
      err: { code: "ER_STORE_CLOSED" },
    });
  });
});

describe("the viewer role", () => {
  it("never gets a payload value, anywhere", async () => {
    const texts: string[] = [];
    for (const [operationId, url, payload] of [
      ["getHealth", undefined, undefined],
      ["listDeliveries", undefined, undefined],
      ["traceEvent", "/admin/api/events/m-1/trace", undefined],
      ["traceEvent", "/admin/api/events/m-2/trace", undefined],
      ["listDeadLetters", undefined, undefined],
      ["getDeadLetter", "/admin/api/dead-letters/1", undefined],
      ["getDeadLetter", "/admin/api/dead-letters/3", undefined],
      [
        "previewEvent",
        undefined,
        {
          destination: "cio",
          event: { type: "identify", userId: "u-CANARY", traits: { email: "ada@example.com" } },
        },
      ],
      [
        "previewEvent",
        undefined,
        {
          destination: "cio",
          event: { type: "track", userId: "u-CANARY", event: "Order Completed", properties: { total: 42.5 } },
        },
      ],
    ] as const) {
      const response = await call(operationId, {
        token: VIEWER_TOKEN,
        ...(url ? { url } : {}),
        ...(payload ? { payload } : {}),
      });
      expect(response.status).toBe(200);
      texts.push(response.text);
    }
    const all = texts.join("\n");
    for (const canary of [...CANARIES, "42.5"]) expect(all).not.toContain(canary);
    // Masked, not dropped: the structure is still there.
    const preview = JSON.parse(texts.at(-2) ?? "{}");
    expect(preview.valuesMasked).toBe(true);
    expect(JSON.parse(preview.requests[0].body)).toEqual({
      batch: [
        {
          type: "<text, 6 chars>",
          action: "<text, 8 chars>",
          identifiers: { id: "<text, 8 chars>" },
          attributes: { email: "<text, 15 chars>" },
          timestamp: "<number, 10 chars>",
        },
      ],
    });
    expect(JSON.parse(texts[5] ?? "{}").payload).toEqual({ state: "masked", value: MASKED_ORDER });
  });
});

describe("the audit trail of admin actions", () => {
  it("records payload views, replays and every denial in the hash-chained audit log, without values or tokens", async () => {
    await call("getDeadLetter", { url: "/admin/api/dead-letters/1?reveal=true" });
    await call("replayDeadLetters", { payload: { deliveryIds: [1] } });
    await call("replayDeadLetters", { payload: { all: true, dryRun: true } }); // a dry run changes nothing: not audited
    await call("getDeadLetter", { url: "/admin/api/dead-letters/1?reveal=true", token: VIEWER_TOKEN });
    await call("getHealth", { token: "wrong-token-0123456789" });
    const entries = await fx.store.listAudit({});
    expect(entries.map((entry) => [entry.actor, entry.action, entry.outcome, entry.target ?? null])).toEqual([
      ["token:admin", "payload.view", "ok", "delivery:1"],
      ["token:admin", "dlq.replay", "ok", null],
      ["token:viewer", "admin.denied", "denied", "/admin/api/dead-letters/:deliveryId"],
      ["anonymous", "admin.denied", "denied", "/admin/api/health"],
    ]);
    expect(entries[1]?.detail).toMatchObject({ deliveryIds: [1], replayed: 1 });
    const text = JSON.stringify(entries);
    for (const secret of [...CANARIES, ADMIN_TOKEN, VIEWER_TOKEN, "wrong-token-0123456789"]) {
      expect(text).not.toContain(secret);
    }
  });
});
