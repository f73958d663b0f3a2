// Sign-in, sessions, CSRF, the login rate limit, first-run setup and user accounts, through the
// admin app (fastify inject) over a real SQLite store.
import Database from "better-sqlite3";
import type { LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { hashPassword } from "../auth/passwords.js";
import { hashSessionId, SESSION_TIMING } from "../auth/sessions.js";
import { ADMIN_ROUTES, type AdminOperationId } from "../contracts/admin.js";
import type { UserRole } from "../store/port.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import {
  ADMIN_TOKEN,
  type AdminFixture,
  adminFixture,
  CANARIES,
  NOW,
  VIEWER_TOKEN,
} from "./test-support/admin-fixture.js";
import { openApiChecker } from "./test-support/openapi-check.js";

const check = openApiChecker(buildOpenApiDocument());
const PASSWORD = "Correct-Horse-Battery-7";
const OTHER_PASSWORD = "Another-Long-Passphrase-9";
const COOKIE_PATTERN =
  /^sluice_session=([A-Za-z0-9_-]{43}); HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/;

let fx: AdminFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** A fixture (tokens configured unless `auth` says otherwise) with a clock the test moves. */
async function setUp(auth?: Parameters<typeof adminFixture>[0]) {
  let nowMs = NOW;
  fx = await adminFixture(auth, { clock: () => nowMs });
  return {
    fx,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

async function addUser(name: string, role: UserRole, password = PASSWORD): Promise<void> {
  const result = await fx?.store.createUser({
    name,
    role,
    passwordHash: await hashPassword(password),
    createdAtMs: NOW,
    lastSignInAtMs: null,
  });
  if (!result?.ok) throw new Error(`could not add ${name}`);
}

interface Call {
  url?: string;
  payload?: unknown;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

/** One request; its answer must match the schema the OpenAPI document declares for its status. */
async function call(operationId: AdminOperationId, options: Call = {}) {
  const route = ADMIN_ROUTES[operationId];
  const response = await (fx as AdminFixture).app.inject({
    method: route.method,
    url: options.url ?? route.path,
    headers: options.headers ?? {},
    ...(options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }),
    ...(options.payload === undefined ? {} : { payload: options.payload as string }),
  });
  const body = response.json();
  expect(check(operationId, response.statusCode, body), `${operationId} ${response.statusCode}`).toEqual([]);
  return { status: response.statusCode, body, response };
}

function setCookie(response: LightMyRequestResponse): string | undefined {
  const header = response.headers["set-cookie"];
  return Array.isArray(header) ? header[0] : header;
}

/** A signed-in browser: its cookie and CSRF token, as headers. */
interface Browser {
  cookie: string;
  csrfToken: string;
  /** Headers of a read (cookie only). */
  read: Record<string, string>;
  /** Headers of a change (cookie and x-csrf-token). */
  write: Record<string, string>;
}

async function signIn(
  name: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<Browser> {
  const { status, body, response } = await call("signIn", { payload: { name, password }, headers });
  if (status !== 200) throw new Error(`sign-in as ${name} answered ${status}: ${JSON.stringify(body)}`);
  const match = COOKIE_PATTERN.exec(setCookie(response) ?? "");
  if (match === null) throw new Error(`unexpected cookie ${setCookie(response)}`);
  const cookie = `sluice_session=${match[1]}`;
  return {
    cookie,
    csrfToken: body.csrfToken,
    read: { cookie },
    write: { cookie, "x-csrf-token": body.csrfToken },
  };
}

const REPLAY = { deliveryIds: [1], dryRun: true };
const PREVIEW = {
  destination: "cio",
  event: { type: "identify", userId: "u-CANARY", traits: { email: "ada@example.com" } },
};

describe("sign-in", () => {
  it("sets an HttpOnly, SameSite=Strict cookie and answers the user and CSRF token; GET /session tells who", async () => {
    await setUp();
    await addUser("ada", "editor");
    const { status, body, response } = await call("signIn", { payload: { name: "ada", password: PASSWORD } });
    expect(status).toBe(200);
    expect(body).toEqual({
      user: { name: "ada", role: "editor" },
      csrfToken: expect.stringMatching(/^[\w-]{43}$/),
    });
    const cookie = setCookie(response) ?? "";
    expect(cookie).toMatch(COOKIE_PATTERN);
    const id = COOKIE_PATTERN.exec(cookie)?.[1] ?? "";
    const session = await call("getSession", { headers: { cookie: `theme=dark; sluice_session=${id}` } });
    expect(session.body).toEqual({
      authenticated: true,
      user: { name: "ada", role: "editor" },
      via: "session",
      csrfToken: body.csrfToken,
      setupRequired: false,
    });
    expect((await fx?.store.getUser("ada"))?.lastSignInAtMs).toBe(NOW);
    // The database keeps only the id's SHA-256: the cookie value is nowhere in it.
    const db = new Database(`${fx?.dataDir}/sluice.db`, { readonly: true });
    try {
      const rows = db.prepare("SELECT * FROM sessions").all();
      expect(rows).toEqual([expect.objectContaining({ id_hash: hashSessionId(id), user_name: "ada" })]);
      expect(JSON.stringify(rows)).not.toContain(id);
    } finally {
      db.close();
    }
  });

  it("adds Secure when the request came over https", async () => {
    await setUp();
    await addUser("ada", "admin");
    const { response } = await call("signIn", {
      payload: { name: "ada", password: PASSWORD },
      headers: { "x-forwarded-proto": "https" },
    });
    expect(setCookie(response)).toMatch(
      /^sluice_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800; Secure$/,
    );
  });

  it("answers a wrong password and an unknown user identically, sets no cookie, and audits both", async () => {
    await setUp();
    await addUser("ada", "admin");
    const wrong = await call("signIn", { payload: { name: "ada", password: OTHER_PASSWORD } });
    const unknown = await call("signIn", { payload: { name: "nobody", password: PASSWORD } });
    for (const answer of [wrong, unknown]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        error: { code: "ER_ADMIN_LOGIN_FAILED", message: "wrong user name or password" },
      });
      expect(setCookie(answer.response)).toBeUndefined();
    }
    const { date: _a, ...wrongHeaders } = wrong.response.headers;
    const { date: _b, ...unknownHeaders } = unknown.response.headers;
    expect(wrongHeaders).toEqual(unknownHeaders);
    const entries = await fx?.store.listAudit({});
    expect(entries?.map((entry) => [entry.actor, entry.action, entry.outcome, entry.target])).toEqual([
      ["anonymous", "auth.sign_in", "denied", "user:ada"],
      ["anonymous", "auth.sign_in", "denied", "user:nobody"],
    ]);
  });

  it("refuses the 6th failure within 15 minutes with 429 and Retry-After, without checking the password, and audits it", async () => {
    const { advance } = await setUp();
    await addUser("ada", "admin");
    for (let n = 1; n <= 5; n++) {
      expect(
        (await call("signIn", { payload: { name: "ada", password: `${OTHER_PASSWORD}${n}` } })).status,
      ).toBe(401);
      advance(1000);
    }
    // Even the right password: the name is locked until the first failure leaves the window.
    const limited = await call("signIn", { payload: { name: "ada", password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("ER_ADMIN_LOGIN_RATE_LIMITED");
    expect(limited.response.headers["retry-after"]).toBe(String(15 * 60 - 5));
    expect(setCookie(limited.response)).toBeUndefined();
    const last = (await fx?.store.listAudit({ newestFirst: true, limit: 1 }))?.[0];
    expect(last).toMatchObject({
      actor: "anonymous",
      action: "auth.sign_in_limited",
      outcome: "denied",
      target: "user:ada",
      detail: { by: "name", retryAfterSeconds: 895 },
    });
    advance(15 * 60 * 1000 - 5000);
    expect((await call("signIn", { payload: { name: "ada", password: PASSWORD } })).status).toBe(200);
  });

  it("counts failures per address too, and a success clears only the name's count", async () => {
    await setUp();
    await addUser("ada", "admin");
    for (let n = 1; n <= 4; n++) await call("signIn", { payload: { name: "ada", password: OTHER_PASSWORD } });
    await signIn("ada");
    for (let n = 1; n <= 5; n++) {
      expect((await call("signIn", { payload: { name: "ada", password: OTHER_PASSWORD } })).status).toBe(401);
    }
    expect((await call("signIn", { payload: { name: "ada", password: OTHER_PASSWORD } })).status).toBe(429);
    // 9 failures from 127.0.0.1 so far; 11 more names, then the address is locked for every name.
    for (let n = 1; n <= 11; n++) {
      expect(
        (await call("signIn", { payload: { name: `guess${n}`, password: OTHER_PASSWORD } })).status,
      ).toBe(401);
    }
    const byAddress = await call("signIn", { payload: { name: "someone-else", password: OTHER_PASSWORD } });
    expect(byAddress.status).toBe(429);
    const elsewhere = await call("signIn", {
      payload: { name: "someone-else", password: OTHER_PASSWORD },
      remoteAddress: "10.0.0.9",
    });
    expect(elsewhere.status).toBe(401);
  });
});

describe("CSRF protection of cookie sessions", () => {
  it("needs x-csrf-token on changes, audits a refusal, and lets reads through without it", async () => {
    await setUp();
    await addUser("ada", "editor");
    const browser = await signIn("ada");
    expect((await call("getHealth", { headers: browser.read })).status).toBe(200);
    const missing = await call("replayDeadLetters", { payload: REPLAY, headers: browser.read });
    const wrong = await call("replayDeadLetters", {
      payload: REPLAY,
      headers: { ...browser.read, "x-csrf-token": `${browser.csrfToken.slice(0, -1)}x` },
    });
    for (const answer of [missing, wrong]) {
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: {
          code: "ER_ADMIN_CSRF",
          message: "send the session's csrfToken (from GET /admin/api/session) in the x-csrf-token header",
        },
      });
    }
    expect((await call("replayDeadLetters", { payload: REPLAY, headers: browser.write })).body).toEqual({
      matched: 1,
      replayed: 0,
      dryRun: true,
    });
    const denials = (await fx?.store.listAudit({}))?.filter((entry) => entry.action === "admin.denied");
    expect(denials?.map((entry) => [entry.actor, entry.outcome, entry.detail])).toEqual([
      [
        "user:ada",
        "denied",
        { status: 403, route: "/admin/api/dead-letters/replay", method: "POST", reason: "token" },
      ],
      [
        "user:ada",
        "denied",
        { status: 403, route: "/admin/api/dead-letters/replay", method: "POST", reason: "token" },
      ],
    ]);
    expect(JSON.stringify(await fx?.store.listAudit({}))).not.toContain(browser.csrfToken);
  });

  it("refuses a change whose Origin is another host, even with the token", async () => {
    await setUp();
    await addUser("ada", "editor");
    const browser = await signIn("ada");
    const host = { host: "sluice.internal:8081" };
    const foreign = await call("replayDeadLetters", {
      payload: REPLAY,
      headers: { ...browser.write, ...host, origin: "https://evil.example" },
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([403, "ER_ADMIN_CSRF"]);
    const same = await call("replayDeadLetters", {
      payload: REPLAY,
      headers: { ...browser.write, ...host, origin: "http://sluice.internal:8081" },
    });
    expect(same.status).toBe(200);
    // A sign-in posted from another site is refused too (no login CSRF), before the password is checked.
    const crossSiteSignIn = await call("signIn", {
      payload: { name: "ada", password: PASSWORD },
      headers: { ...host, origin: "https://evil.example" },
    });
    expect([crossSiteSignIn.status, crossSiteSignIn.body.error.code]).toEqual([403, "ER_ADMIN_CSRF"]);
    // Bearer tokens are not sent by browsers on their own: no CSRF rules for them.
    const token = await call("replayDeadLetters", {
      payload: REPLAY,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...host, origin: "https://tool.example" },
    });
    expect(token.status).toBe(200);
  });

  it("signs out with the token: the session ends, the cookie is cleared, and it is audited", async () => {
    await setUp();
    await addUser("ada", "viewer");
    const browser = await signIn("ada");
    expect((await call("signOut", { headers: browser.read })).status).toBe(403);
    const out = await call("signOut", { headers: browser.write });
    expect(out.body).toEqual({ signedOut: true });
    expect(setCookie(out.response)).toBe("sluice_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    const after = await call("getHealth", { headers: browser.read });
    expect(after.status).toBe(401);
    expect(setCookie(after.response)).toBe("sluice_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    expect((await call("getSession", { headers: browser.read })).body).toMatchObject({
      authenticated: false,
    });
    // Signing out without a session answers the same.
    expect((await call("signOut")).body).toEqual({ signedOut: true });
    const actions = (await fx?.store.listAudit({}))?.map((entry) => [entry.actor, entry.action]);
    expect(actions).toContainEqual(["user:ada", "auth.sign_out"]);
  });
});

describe("roles of signed-in users", () => {
  it("viewer / editor / admin on replay, preview and users", async () => {
    await setUp();
    await addUser("vera", "viewer");
    await addUser("ed", "editor");
    await addUser("ada", "admin");
    const statuses: Record<string, number[]> = {};
    const masked: Record<string, boolean> = {};
    for (const name of ["vera", "ed", "ada"]) {
      const browser = await signIn(name);
      const replay = await call("replayDeadLetters", { payload: REPLAY, headers: browser.write });
      const preview = await call("previewEvent", { payload: PREVIEW, headers: browser.write });
      const users = await call("listUsers", { headers: browser.read });
      const reveal = await call("getDeadLetter", {
        url: "/admin/api/dead-letters/1?reveal=true",
        headers: browser.read,
      });
      statuses[name] = [replay.status, preview.status, users.status, reveal.status];
      masked[name] = preview.body.valuesMasked;
      if (name === "vera") {
        expect(replay.body.error).toEqual({
          code: "ER_ADMIN_FORBIDDEN",
          message: "the viewer role may not do this; it needs the admin or editor role",
        });
        for (const canary of CANARIES) expect(JSON.stringify(preview.body)).not.toContain(canary);
      }
    }
    expect(statuses).toEqual({
      vera: [403, 200, 403, 403],
      ed: [200, 200, 403, 403],
      ada: [200, 200, 200, 200],
    });
    expect(masked).toEqual({ vera: true, ed: false, ada: false });
    const revealed = (await fx?.store.listAudit({}))?.find((entry) => entry.action === "payload.view");
    expect(revealed?.actor).toBe("user:ada");
  });

  it("tells a token caller who they are, without a CSRF token", async () => {
    await setUp();
    const asViewer = await call("getSession", { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect(asViewer.body).toEqual({
      authenticated: true,
      user: { name: "token:viewer", role: "viewer" },
      via: "token",
      csrfToken: null,
      setupRequired: true,
    });
    expect((await call("getSession")).body).toEqual({
      authenticated: false,
      user: null,
      via: null,
      csrfToken: null,
      setupRequired: true,
    });
  });

  it("refuses a wrong bearer token even alongside a valid session cookie", async () => {
    await setUp();
    await addUser("ada", "admin");
    const browser = await signIn("ada");
    const mixed = await call("getHealth", {
      headers: { ...browser.read, authorization: "Bearer wrong-0123456789abcdef" },
    });
    expect([mixed.status, mixed.body.error.code]).toEqual([401, "ER_ADMIN_UNAUTHORIZED"]);
  });

  it("guards only /admin/api: other URLs pass the hook untouched", async () => {
    await setUp();
    const response = await fx?.app.inject({ url: "/not-the-api/index.html" });
    expect([response?.statusCode, response?.json().error.code]).toEqual([404, "ER_NOT_FOUND"]);
    const api = await fx?.app.inject({ url: "/admin/api/no-such-route" });
    expect(api?.statusCode).toBe(401);
  });
});

describe("first-run setup and loopback without a token", () => {
  const noTokens = { adminToken: null, viewerToken: null, allowLoopbackWithoutToken: true };

  it("lets this machine in as admin until the first account exists, then requires sign-in", async () => {
    await setUp(noTokens);
    const local = { remoteAddress: "127.0.0.1" };
    expect((await call("getHealth", local)).status).toBe(200);
    expect((await call("getSession", local)).body).toEqual({
      authenticated: true,
      user: { name: "loopback", role: "admin" },
      via: "loopback",
      csrfToken: null,
      setupRequired: true,
    });
    const setup = await call("setup", { ...local, payload: { name: "ada", password: PASSWORD } });
    expect(setup.status).toBe(200);
    expect(setup.body).toEqual({ user: { name: "ada", role: "admin" }, csrfToken: expect.any(String) });
    expect(setCookie(setup.response)).toMatch(COOKIE_PATTERN);
    const cookie = `sluice_session=${COOKIE_PATTERN.exec(setCookie(setup.response) ?? "")?.[1]}`;

    const refused = await call("getHealth", local);
    expect([refused.status, refused.body.error]).toEqual([
      401,
      {
        code: "ER_ADMIN_UNAUTHORIZED",
        message:
          "a user account exists, so requests from this machine need to sign in too (POST /admin/api/session)",
      },
    ]);
    expect((await call("getHealth", { ...local, headers: { cookie } })).status).toBe(200);
    // Setup is over: even the signed-in admin gets 409.
    const again = await call("setup", {
      ...local,
      payload: { name: "mallory", password: PASSWORD },
      headers: { cookie, "x-csrf-token": setup.body.csrfToken },
    });
    expect([again.status, again.body.error.code]).toEqual([409, "ER_ADMIN_SETUP_DONE"]);
    expect((await fx?.store.listUsers())?.map((user) => user.name)).toEqual(["ada"]);
    const setupEntry = (await fx?.store.listAudit({}))?.find((entry) => entry.action === "auth.setup");
    expect(setupEntry).toMatchObject({ actor: "loopback", target: "user:ada", outcome: "ok" });
  });

  it("never lets another machine in without a token", async () => {
    await setUp(noTokens);
    const remote = await call("getHealth", { remoteAddress: "10.0.0.5" });
    expect(remote.status).toBe(401);
    const setup = await call("setup", {
      remoteAddress: "10.0.0.5",
      payload: { name: "ada", password: PASSWORD },
    });
    expect(setup.status).toBe(401);
  });

  it("with tokens: the admin token may set up once (409 after), the viewer token never", async () => {
    await setUp();
    const payload = { name: "ada", password: PASSWORD };
    const viewer = await call("setup", { payload, headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect(viewer.status).toBe(403);
    const first = await call("setup", { payload, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(first.status).toBe(200);
    const second = await call("setup", {
      payload: { name: "bob", password: PASSWORD },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(second.body).toEqual({
      error: {
        code: "ER_ADMIN_SETUP_DONE",
        message: "the first account exists already: sign in, and add users as an admin",
      },
    });
    expect(second.status).toBe(409);
  });
});

describe("user accounts", () => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  it("adds, lists, changes and deletes accounts; a taken name or a short password is refused", async () => {
    await setUp();
    const created = await call("createUser", {
      headers: admin,
      payload: { name: "grace@example.com", role: "editor", password: PASSWORD },
    });
    expect(created.body).toEqual({
      user: { name: "grace@example.com", role: "editor", createdAtMs: NOW, lastSignInAtMs: null },
    });
    const taken = await call("createUser", {
      headers: admin,
      payload: { name: "grace@example.com", role: "viewer", password: PASSWORD },
    });
    expect([taken.status, taken.body.error.code]).toEqual([409, "ER_ADMIN_USER_EXISTS"]);
    // 11 characters, though 22 UTF-16 units: counted as characters.
    const short = await call("createUser", {
      headers: admin,
      payload: { name: "linus", role: "viewer", password: "🔑".repeat(11) },
    });
    expect(short.body.error).toEqual({
      code: "ER_ADMIN_INVALID_REQUEST",
      message: "body.password: must be at least 12 characters",
      path: "body.password",
    });
    const badName = await call("createUser", {
      headers: admin,
      payload: { name: "../ada", role: "viewer", password: PASSWORD },
    });
    expect([badName.status, badName.body.error.path]).toEqual([400, "body.name"]);
    const changed = await call("updateUser", {
      url: "/admin/api/users/grace@example.com",
      headers: admin,
      payload: { role: "admin" },
    });
    expect(changed.body.user).toMatchObject({ name: "grace@example.com", role: "admin" });
    const empty = await call("updateUser", {
      url: "/admin/api/users/grace@example.com",
      headers: admin,
      payload: {},
    });
    expect(empty.status).toBe(400);
    const missing = await call("updateUser", {
      url: "/admin/api/users/nobody",
      headers: admin,
      payload: { role: "viewer" },
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, "ER_ADMIN_NOT_FOUND"]);
    expect((await call("listUsers", { headers: admin })).body).toEqual({
      users: [{ name: "grace@example.com", role: "admin", createdAtMs: NOW, lastSignInAtMs: null }],
    });
    const entries = (await fx?.store.listAudit({}))?.filter((entry) => entry.action.startsWith("user."));
    expect(entries?.map((entry) => [entry.actor, entry.action, entry.target, entry.detail])).toEqual([
      ["token:admin", "user.create", "user:grace@example.com", { role: "editor" }],
      ["token:admin", "user.update", "user:grace@example.com", { role: "admin", passwordChanged: false }],
    ]);
  });

  it("never deletes or demotes the last admin", async () => {
    await setUp();
    await addUser("ada", "admin");
    await addUser("grace", "editor");
    const browser = await signIn("ada");
    const demote = await call("updateUser", {
      url: "/admin/api/users/ada",
      headers: browser.write,
      payload: { role: "editor" },
    });
    const remove = await call("deleteUser", { url: "/admin/api/users/ada", headers: browser.write });
    for (const answer of [demote, remove]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({ code: "ER_ADMIN_LAST_ADMIN", path: "params.name" });
    }
    expect((await fx?.store.getUser("ada"))?.role).toBe("admin");
    // With a second admin, the first may go.
    await call("updateUser", {
      url: "/admin/api/users/grace",
      headers: browser.write,
      payload: { role: "admin" },
    });
    expect((await call("deleteUser", { url: "/admin/api/users/ada", headers: browser.write })).body).toEqual({
      deleted: true,
    });
  });

  it("ends a user's sessions when the account is deleted or its password changes", async () => {
    await setUp();
    await addUser("grace", "editor");
    await addUser("linus", "viewer");
    const grace = await signIn("grace");
    const linus = await signIn("linus");
    expect((await call("getHealth", { headers: grace.read })).status).toBe(200);
    await call("deleteUser", { url: "/admin/api/users/grace", headers: admin });
    const gone = await call("getHealth", { headers: grace.read });
    expect([gone.status, gone.body.error.code]).toEqual([401, "ER_ADMIN_UNAUTHORIZED"]);

    await call("updateUser", {
      url: "/admin/api/users/linus",
      headers: admin,
      payload: { password: OTHER_PASSWORD },
    });
    expect((await call("getHealth", { headers: linus.read })).status).toBe(401);
    await expect(signIn("linus")).rejects.toThrow("answered 401");
    expect((await signIn("linus", OTHER_PASSWORD)).cookie).not.toBe(linus.cookie);
  });
});

describe("session lifetime", () => {
  it("ends a session 12 h after its last use, sliding, and 7 days after sign-in at the latest", async () => {
    const { advance } = await setUp();
    await addUser("ada", "viewer");
    const idle = await signIn("ada");
    advance(SESSION_TIMING.idleMs + 1);
    const expired = await call("getHealth", { headers: idle.read });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toContain("your session is over");

    const busy = await signIn("ada");
    // Used every 11 h: it stays alive past 12 h...
    for (let elapsedHours = 11; elapsedHours < 7 * 24; elapsedHours += 11) {
      advance(11 * 60 * 60 * 1000);
      expect((await call("getHealth", { headers: busy.read })).status, `${elapsedHours} h`).toBe(200);
    }
    // ...but not past 7 days after sign-in.
    advance(11 * 60 * 60 * 1000);
    expect((await call("getHealth", { headers: busy.read })).status).toBe(401);
  });
});

describe("passwords stay secret", () => {
  it("appear in no log line, audit entry or answer", async () => {
    await setUp({ adminToken: null, viewerToken: null, allowLoopbackWithoutToken: true });
    const secrets = [
      "Setup-Secret-Passphrase-1",
      "Wrong-Secret-Passphrase-2",
      "Grace-Secret-Passphrase-3",
      "New-Secret-Passphrase-4",
    ];
    const answers: string[] = [];
    const setup = await call("setup", { payload: { name: "ada", password: secrets[0] } });
    answers.push(setup.response.body);
    const ada = {
      cookie: `sluice_session=${COOKIE_PATTERN.exec(setCookie(setup.response) ?? "")?.[1]}`,
      "x-csrf-token": setup.body.csrfToken,
    };
    answers.push((await call("signIn", { payload: { name: "ada", password: secrets[1] } })).response.body);
    answers.push(
      (
        await call("createUser", {
          headers: ada,
          payload: { name: "grace", role: "editor", password: secrets[2] },
        })
      ).response.body,
    );
    answers.push(
      (
        await call("updateUser", {
          url: "/admin/api/users/grace",
          headers: ada,
          payload: { password: secrets[3] },
        })
      ).response.body,
    );
    answers.push(
      (
        await call("createUser", {
          headers: ada,
          payload: { name: "x", role: "viewer", password: "short-Secret" },
        })
      ).response.body,
    );
    answers.push((await call("signIn", { payload: { name: "grace", password: secrets[3] } })).response.body);
    answers.push((await call("listUsers", { headers: ada })).response.body);
    const audit = JSON.stringify(await fx?.store.listAudit({}));
    const log = fx?.logLines.join("\n") ?? "";
    expect(log).toContain("admin.sign_in_failed");
    expect(audit).toContain("auth.sign_in");
    for (const secret of [...secrets, "short-Secret"]) {
      expect(log).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(answers.join("\n")).not.toContain(secret);
    }
    expect(answers.join("\n")).not.toContain("scrypt$");
    expect(audit).not.toContain("scrypt$");
  });
});
