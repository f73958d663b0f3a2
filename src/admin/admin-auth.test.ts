import { afterEach, describe, expect, it } from "vitest";
import { ADMIN_ROUTES, type AdminOperationId } from "../contracts/admin.js";
import { Secret } from "../contracts/secret.js";
import { createLogger } from "../observability/logger.js";
import { adminExposureProblem, createAdminAuthenticator, isLoopbackHost } from "./admin-auth.js";
import { readAdminEnv } from "./admin-env.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import { ADMIN_TOKEN, type AdminFixture, adminFixture, VIEWER_TOKEN } from "./test-support/admin-fixture.js";
import { openApiChecker } from "./test-support/openapi-check.js";

const WRONG_TOKEN = "wrong_0123456789abcdef_TOKEN";

describe("isLoopbackHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["LOCALHOST", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["192.168.1.10", false],
    ["128.0.0.1", false],
    ["example.com", false],
    ["", false],
  ])("%s → %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe("adminExposureProblem", () => {
  const none = { adminToken: null, viewerToken: null };
  it("allows loopback without a token and any address with one", () => {
    expect(adminExposureProblem({ adminHost: "127.0.0.1", ...none })).toBeNull();
    expect(
      adminExposureProblem({ adminHost: "0.0.0.0", ...none, adminToken: new Secret(ADMIN_TOKEN) }),
    ).toBeNull();
    expect(
      adminExposureProblem({ adminHost: "10.0.0.5", ...none, viewerToken: new Secret(VIEWER_TOKEN) }),
    ).toBeNull();
  });
  it("refuses another address with neither a token nor a user account, naming both ways out", () => {
    const refusal =
      "SLUICE_ADMIN_HOST is 0.0.0.0, which is not a loopback address, and the admin API has no way to authenticate: create a user account (sluice users add <name> --role admin) to sign in with, or set SLUICE_ADMIN_TOKEN (and optionally SLUICE_VIEWER_TOKEN), or bind it to 127.0.0.1";
    expect(adminExposureProblem({ adminHost: "0.0.0.0", ...none })).toBe(refusal);
    expect(adminExposureProblem({ adminHost: "0.0.0.0", ...none }, 0)).toBe(refusal);
  });
  it("allows another address without a token once a user account exists (sign-in is authentication)", () => {
    expect(adminExposureProblem({ adminHost: "0.0.0.0", ...none }, 1)).toBeNull();
    expect(adminExposureProblem({ adminHost: "10.0.0.5", ...none }, 3)).toBeNull();
  });
});

describe("readAdminEnv", () => {
  it.each([
    [{}, 8080, { adminPort: 8081, adminHost: "127.0.0.1", admin: false, viewer: false }],
    [{}, 0, { adminPort: 0, adminHost: "127.0.0.1", admin: false, viewer: false }],
    [
      { SLUICE_ADMIN_PORT: "9000", SLUICE_ADMIN_HOST: "0.0.0.0", SLUICE_ADMIN_TOKEN: ADMIN_TOKEN },
      8080,
      { adminPort: 9000, adminHost: "0.0.0.0", admin: true, viewer: false },
    ],
    [
      { SLUICE_ADMIN_TOKEN: "", SLUICE_VIEWER_TOKEN: VIEWER_TOKEN, SLUICE_ADMIN_HOST: "" },
      8080,
      { adminPort: 8081, adminHost: "127.0.0.1", admin: false, viewer: true },
    ],
  ])("%o with PORT %i", (env, port, expected) => {
    const result = readAdminEnv(env, port);
    if ("problem" in result) throw new Error(result.problem);
    expect({
      adminPort: result.adminPort,
      adminHost: result.adminHost,
      admin: result.adminToken?.reveal() === ADMIN_TOKEN,
      viewer: result.viewerToken?.reveal() === VIEWER_TOKEN,
    }).toEqual(expected);
    expect(JSON.stringify(result)).not.toContain("TOKEN");
  });

  it.each([
    [{ SLUICE_ADMIN_PORT: "80800" }, 8080, "SLUICE_ADMIN_PORT must be 0-65535"],
    [{ SLUICE_ADMIN_PORT: "admin" }, 8080, "SLUICE_ADMIN_PORT must be 0-65535"],
    [{ SLUICE_ADMIN_PORT: "8080" }, 8080, "SLUICE_ADMIN_PORT must differ from PORT (both are 8080)"],
    [{}, 8081, "SLUICE_ADMIN_PORT must differ from PORT (both are 8081)"],
    [
      { SLUICE_ADMIN_TOKEN: "short-secret" },
      8080,
      "SLUICE_ADMIN_TOKEN must be at least 16 characters without spaces (e.g. the output of `openssl rand -hex 32`)",
    ],
    [
      { SLUICE_VIEWER_TOKEN: "has spaces in the middle" },
      8080,
      "SLUICE_VIEWER_TOKEN must be at least 16 characters without spaces (e.g. the output of `openssl rand -hex 32`)",
    ],
    [
      { SLUICE_ADMIN_TOKEN: ADMIN_TOKEN, SLUICE_VIEWER_TOKEN: ADMIN_TOKEN },
      8080,
      "SLUICE_VIEWER_TOKEN must differ from SLUICE_ADMIN_TOKEN",
    ],
  ])("refuses %o", (env, port, problem) => {
    expect(readAdminEnv(env, port)).toEqual({ problem });
  });
});

describe("createAdminAuthenticator", () => {
  const both = createAdminAuthenticator({
    adminToken: new Secret(ADMIN_TOKEN),
    viewerToken: new Secret(VIEWER_TOKEN),
  });
  it.each([
    [`Bearer ${ADMIN_TOKEN}`, { ok: true, role: "admin", via: "token" }],
    [`bearer  ${ADMIN_TOKEN}`, { ok: true, role: "admin", via: "token" }],
    [`Bearer ${VIEWER_TOKEN}`, { ok: true, role: "viewer", via: "token" }],
    [`Bearer ${WRONG_TOKEN}`, { ok: false, reason: "wrong token" }],
    [`Bearer ${ADMIN_TOKEN}x`, { ok: false, reason: "wrong token" }],
    [`Bearer ${ADMIN_TOKEN.slice(0, -1)}`, { ok: false, reason: "wrong token" }],
    [`Basic ${btoa(`${ADMIN_TOKEN}:`)}`, { ok: false, reason: "missing token" }],
    [ADMIN_TOKEN, { ok: false, reason: "missing token" }],
    ["Bearer", { ok: false, reason: "missing token" }],
    [undefined, { ok: false, reason: "missing token" }],
  ])("%s → %o", (header, expected) => {
    expect(both(header, "10.0.0.5")).toEqual(expected);
  });

  it("without tokens, admits loopback callers only, and only when allowed", () => {
    const open = createAdminAuthenticator({
      adminToken: null,
      viewerToken: null,
      allowLoopbackWithoutToken: true,
    });
    expect(open(undefined, "127.0.0.1")).toEqual({ ok: true, role: "admin", via: "loopback" });
    expect(open(undefined, "::ffff:127.0.0.1")).toEqual({ ok: true, role: "admin", via: "loopback" });
    expect(open(undefined, "10.0.0.5")).toEqual({ ok: false, reason: "not loopback" });
    const closed = createAdminAuthenticator({ adminToken: null, viewerToken: null });
    expect(closed(undefined, "127.0.0.1")).toEqual({ ok: false, reason: "not loopback" });
  });
});

describe("the admin API's 401/403 matrix", () => {
  let fx: AdminFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });
  const check = openApiChecker(buildOpenApiDocument());

  const requests: [string, AdminOperationId, string, unknown][] = [
    ["health", "getHealth", ADMIN_ROUTES.getHealth.path, undefined],
    ["deliveries", "listDeliveries", ADMIN_ROUTES.listDeliveries.path, undefined],
    ["trace", "traceEvent", "/admin/api/events/m-1/trace", undefined],
    ["dead letters", "listDeadLetters", ADMIN_ROUTES.listDeadLetters.path, undefined],
    ["dead letter", "getDeadLetter", "/admin/api/dead-letters/1", undefined],
    ["reveal", "getDeadLetter", "/admin/api/dead-letters/1?reveal=true", undefined],
    ["replay", "replayDeadLetters", ADMIN_ROUTES.replayDeadLetters.path, { deliveryIds: [3], dryRun: true }],
    [
      "preview",
      "previewEvent",
      ADMIN_ROUTES.previewEvent.path,
      { destination: "cio", event: { type: "identify", userId: "u1" } },
    ],
    ["openapi", "getOpenApi", ADMIN_ROUTES.getOpenApi.path, undefined],
  ];
  // Per caller, the status of each request above, in order.
  const expected: [string, string | null, number[]][] = [
    ["no token", null, [401, 401, 401, 401, 401, 401, 401, 401, 401]],
    ["a wrong token", WRONG_TOKEN, [401, 401, 401, 401, 401, 401, 401, 401, 401]],
    ["the viewer token", VIEWER_TOKEN, [200, 200, 200, 200, 200, 403, 403, 200, 200]],
    ["the admin token", ADMIN_TOKEN, [200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ];

  it.each(expected)("%s", async (_caller, token, statuses) => {
    fx = await adminFixture();
    const got: number[] = [];
    for (const [, operationId, url, payload] of requests) {
      const route = ADMIN_ROUTES[operationId];
      const response = await fx.app.inject({
        method: route.method,
        url,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      got.push(response.statusCode);
      expect(check(operationId, response.statusCode, response.json())).toEqual([]);
      if (response.statusCode === 401) {
        expect(response.json()).toEqual({
          error: {
            code: "ER_ADMIN_UNAUTHORIZED",
            message:
              "sign in (POST /admin/api/session), or send Authorization: Bearer <token> with SLUICE_ADMIN_TOKEN or SLUICE_VIEWER_TOKEN",
          },
        });
        expect(response.headers["www-authenticate"]).toBe('Bearer realm="sluice-admin"');
      }
      if (response.statusCode === 403) expect(response.json().error.code).toBe("ER_ADMIN_FORBIDDEN");
      for (const secret of [ADMIN_TOKEN, VIEWER_TOKEN, WRONG_TOKEN]) {
        expect(response.body).not.toContain(secret);
        expect(JSON.stringify(response.headers)).not.toContain(secret);
      }
    }
    expect(got).toEqual(statuses);
    const log = fx.logLines.join("");
    for (const secret of [ADMIN_TOKEN, VIEWER_TOKEN, WRONG_TOKEN]) expect(log).not.toContain(secret);
    const denials = fx.logLines
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === "admin.denied");
    expect(denials.length).toBe(statuses.filter((status) => status >= 400).length);
  });

  it("refuses a viewer's replay before reading its body, and an anonymous one before parsing it", async () => {
    fx = await adminFixture();
    const post = (token: string | null) =>
      fx?.app.inject({
        method: "POST",
        url: ADMIN_ROUTES.replayDeadLetters.path,
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        payload: "{not json",
      });
    expect((await post(VIEWER_TOKEN))?.json()).toEqual({
      error: {
        code: "ER_ADMIN_FORBIDDEN",
        message: "the viewer role may not do this; it needs the admin or editor role",
      },
    });
    expect((await post(null))?.statusCode).toBe(401);
    expect((await post(ADMIN_TOKEN))?.json().error.code).toBe("ER_INVALID_JSON");
  });

  it("tells a viewer why reveal is refused", async () => {
    fx = await adminFixture();
    const response = await fx.app.inject({
      url: "/admin/api/dead-letters/1?reveal=true",
      headers: { authorization: `Bearer ${VIEWER_TOKEN}` },
    });
    expect(response.json()).toEqual({
      error: {
        code: "ER_ADMIN_FORBIDDEN",
        message: "the viewer role never sees payload values; reveal needs the admin token",
        path: "query.reveal",
      },
    });
  });

  it("without tokens, answers loopback callers as admin and refuses everyone else", async () => {
    fx = await adminFixture({ adminToken: null, viewerToken: null, allowLoopbackWithoutToken: true });
    const local = await fx.app.inject({
      url: "/admin/api/dead-letters/1?reveal=true",
      remoteAddress: "127.0.0.1",
    });
    expect([local.statusCode, local.json().revealed]).toEqual([200, true]);
    const remote = await fx.app.inject({ url: "/admin/api/health", remoteAddress: "10.0.0.5" });
    expect([remote.statusCode, remote.json()]).toEqual([
      401,
      {
        error: {
          code: "ER_ADMIN_UNAUTHORIZED",
          message: "no admin token is configured, so the admin API only answers requests from this machine",
        },
      },
    ]);
  });

  it("without tokens and without the loopback allowance (bound off loopback, accounts exist), asks everyone to sign in", async () => {
    fx = await adminFixture({ adminToken: null, viewerToken: null });
    for (const remoteAddress of ["127.0.0.1", "10.0.0.5"]) {
      const response = await fx.app.inject({ url: "/admin/api/health", remoteAddress });
      expect([response.statusCode, response.json().error.message]).toEqual([
        401,
        "sign in (POST /admin/api/session), or send Authorization: Bearer <token> with SLUICE_ADMIN_TOKEN or SLUICE_VIEWER_TOKEN",
      ]);
    }
  });
});

describe("log redaction", () => {
  it("censors token keys wherever they appear", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => lines.push(line) } });
    logger.info(
      {
        adminToken: ADMIN_TOKEN,
        env: { viewerToken: VIEWER_TOKEN },
        req: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      },
      "x",
    );
    expect(lines.join("")).not.toContain("TOKEN");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      adminToken: "[redacted]",
      env: { viewerToken: "[redacted]" },
      req: { headers: { authorization: "[redacted]" } },
    });
  });
});
