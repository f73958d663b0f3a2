import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { type ActiveSession, readCookie, SESSION_COOKIE, type SessionManager } from "../auth/sessions.js";
import type { AdminRole } from "../contracts/admin.js";
import type { Secret } from "../contracts/secret.js";
import type { Store } from "../store/port.js";

/** The admin API's credentials (`SLUICE_ADMIN_TOKEN`, `SLUICE_VIEWER_TOKEN`); null when not set. */
export interface AdminTokens {
  adminToken: Secret | null;
  viewerToken: Secret | null;
}

export interface AdminAuthOptions extends AdminTokens {
  /**
   * With no token configured, accept requests without credentials, as the admin role, when they come
   * from a loopback address and no user account exists yet (`createRequestAuthenticator` checks the
   * accounts). `startSluice` sets it only when the admin API is bound to a loopback address (it
   * refuses to start on another address without a token). Default false.
   */
  allowLoopbackWithoutToken?: boolean;
}

export type AuthResult =
  | { ok: true; role: AdminRole; via: "token" | "loopback" }
  | { ok: false; reason: "missing token" | "wrong token" | "not loopback" };

/**
 * Whether a listen address only accepts connections from this machine: `localhost`, `127.0.0.0/8`,
 * `::1` (and its IPv4-mapped form). `0.0.0.0` and `::` listen everywhere, so they are not.
 *
 * @example
 * isLoopbackHost("127.0.0.1") // true
 * isLoopbackHost("0.0.0.0")   // false
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./.test(bare) || bare === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * Why the admin API must not start with these settings, or null when it may: on an address other
 * than loopback it must require authentication, a token or a user account to sign in with
 * (`userCount`: how many accounts the store holds; the default 0 asks "without counting them").
 *
 * @example
 * adminExposureProblem({ adminHost: "0.0.0.0", adminToken: null, viewerToken: null })
 * // "SLUICE_ADMIN_HOST is 0.0.0.0, which is not a loopback address, ... sluice users add <name> --role admin ..."
 * adminExposureProblem({ adminHost: "0.0.0.0", adminToken: null, viewerToken: null }, 1) // null
 */
export function adminExposureProblem(env: AdminTokens & { adminHost: string }, userCount = 0): string | null {
  if (isLoopbackHost(env.adminHost) || env.adminToken !== null || env.viewerToken !== null) return null;
  if (userCount > 0) return null;
  return `SLUICE_ADMIN_HOST is ${env.adminHost}, which is not a loopback address, and the admin API has no way to authenticate: create a user account (sluice users add <name> --role admin) to sign in with, or set SLUICE_ADMIN_TOKEN (and optionally SLUICE_VIEWER_TOKEN), or bind it to 127.0.0.1`;
}

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens in constant time (both sides
 * are hashed to fixed-length digests first, and both tokens are always compared), and tells the role.
 *
 * @example
 * const authenticate = createAdminAuthenticator({ adminToken: new Secret(t), viewerToken: null });
 * authenticate(`Bearer ${t}`, "10.0.0.5") // { ok: true, role: "admin", via: "token" }
 */
export function createAdminAuthenticator(
  options: AdminAuthOptions,
): (authorization: string | undefined, remoteAddress: string | undefined) => AuthResult {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  const expected: { role: AdminRole; digest: Buffer }[] = [];
  if (options.adminToken) expected.push({ role: "admin", digest: digest(options.adminToken.reveal()) });
  if (options.viewerToken) expected.push({ role: "viewer", digest: digest(options.viewerToken.reveal()) });
  return (authorization, remoteAddress) => {
    if (expected.length === 0) {
      // No token configured: only a loopback-bound admin API gets here (see adminExposureProblem);
      // the remote address is checked too, so that a mis-wired server still refuses the network.
      const local = options.allowLoopbackWithoutToken === true && isLoopbackHost(remoteAddress ?? "");
      return local ? { ok: true, role: "admin", via: "loopback" } : { ok: false, reason: "not loopback" };
    }
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
    if (!match) return { ok: false, reason: "missing token" };
    const given = digest(match[1] ?? "");
    let role: AdminRole | null = null;
    for (const candidate of expected) {
      // No early exit: the time taken does not tell which token (if any) matched.
      if (timingSafeEqual(given, candidate.digest) && role === null) role = candidate.role;
    }
    return role === null ? { ok: false, reason: "wrong token" } : { ok: true, role, via: "token" };
  };
}

/** How a caller was authenticated. */
export type AdminVia = "session" | "token" | "loopback";

/** Who made an admin API request, once authenticated. */
export interface AdminCaller {
  role: AdminRole;
  via: AdminVia;
  /** The audit actor: `user:<name>`, `token:admin`, `token:viewer` or `loopback`. */
  actor: string;
  /** The session, when the caller signed in (cookie); null for a token or loopback. */
  session: ActiveSession | null;
}

/** Why a request is not authenticated. */
export type AdminAuthFailure =
  /** Neither a token, nor a session cookie, nor (with no token configured) loopback. */
  | "missing credentials"
  /** An `Authorization` header that is not a configured token. */
  | "wrong token"
  /** A session cookie whose session is over or unknown (the cookie should be cleared). */
  | "session over"
  /** No token configured, and the request came from another machine. */
  | "not loopback"
  /** No token configured, from this machine, but a user account exists: sign in. */
  | "sign-in required";

export type RequestAuthResult = { ok: true; caller: AdminCaller } | { ok: false; reason: AdminAuthFailure };

/** What the request authenticator reads from a request. */
export interface AuthRequestParts {
  authorization: string | undefined;
  cookie: string | undefined;
  remoteAddress: string | undefined;
}

/**
 * What handlers of the sign-in routes need from HTTP (other handlers ignore it): the caller (null
 * for an anonymous call to a public route), the client's address, whether the request came over
 * https, the raw session cookie, and a way to set a response header (`set-cookie`, `retry-after`).
 */
export interface AdminHttpContext {
  caller: AdminCaller | null;
  clientAddress: string;
  secure: boolean;
  /** The `sluice_session` cookie's value as sent, or null. */
  sessionId: string | null;
  setHeader(name: string, value: string): void;
}

/**
 * Authenticates an admin API request, in this order: `Authorization: Bearer <token>` (when tokens
 * are configured; a wrong one is refused rather than passed on), the `sluice_session` cookie, and,
 * with no token configured, a loopback caller while no user account exists.
 *
 * @example
 * const authenticate = createRequestAuthenticator(options, { store, sessions });
 * await authenticate({ authorization: undefined, cookie: "sluice_session=...", remoteAddress: "10.0.0.5" });
 * // { ok: true, caller: { role: "editor", via: "session", actor: "user:ada", session: {...} } }
 */
export function createRequestAuthenticator(
  options: AdminAuthOptions,
  deps: { store: Pick<Store, "countUsers">; sessions: SessionManager },
): (request: AuthRequestParts) => Promise<RequestAuthResult> {
  const checkStatic = createAdminAuthenticator(options);
  const tokensConfigured = options.adminToken !== null || options.viewerToken !== null;
  return async ({ authorization, cookie, remoteAddress }) => {
    if (tokensConfigured && authorization !== undefined) {
      const result = checkStatic(authorization, remoteAddress);
      if (!result.ok) return { ok: false, reason: "wrong token" };
      return {
        ok: true,
        caller: { role: result.role, via: "token", actor: `token:${result.role}`, session: null },
      };
    }
    const sessionId = readCookie(cookie, SESSION_COOKIE);
    if (sessionId !== null && sessionId !== "") {
      const session = await deps.sessions.resolve(sessionId);
      if (session === null) return { ok: false, reason: "session over" };
      return {
        ok: true,
        caller: { role: session.role, via: "session", actor: `user:${session.userName}`, session },
      };
    }
    // No token, and the admin API is not bound to loopback (allowed once a user account exists): sign in.
    if (tokensConfigured || options.allowLoopbackWithoutToken !== true) {
      return { ok: false, reason: "missing credentials" };
    }
    const local = checkStatic(undefined, remoteAddress);
    if (!local.ok) return { ok: false, reason: "not loopback" };
    // The local operator is admin only until the first account exists: after that, sign in.
    if ((await deps.store.countUsers()) > 0) return { ok: false, reason: "sign-in required" };
    return { ok: true, caller: { role: "admin", via: "loopback", actor: "loopback", session: null } };
  };
}
