import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { SessionWithUser, Store, UserRole } from "../store/port.js";

/**
 * Sign-in sessions of the admin API. A session id is 32 random bytes (base64url in the cookie);
 * the store keeps only its SHA-256, so a copy of the database signs nobody in. Each session has its
 * own CSRF token, which the UI echoes in `x-csrf-token` on every change.
 *
 * A session ends 12 h after it was last used (sliding; the last-use time is written at most once a
 * minute, so reads do not turn into writes) and 7 days after sign-in at the latest; also at sign-out,
 * when the user's password changes and when the account is deleted.
 */

/** The session cookie's name. */
export const SESSION_COOKIE = "sluice_session";

export const SESSION_TIMING = {
  /** Idle timeout: a session unused this long is over. */
  idleMs: 12 * 60 * 60 * 1000,
  /** Absolute lifetime: a session is over this long after sign-in, however busy. */
  absoluteMs: 7 * 24 * 60 * 60 * 1000,
  /** The last-use time is written at most this often. */
  touchEveryMs: 60 * 1000,
} as const;

/** 32 bytes in base64url, without padding. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A session resolved from its cookie: who it is, and the CSRF token its changes must carry. */
export interface ActiveSession {
  idHash: string;
  userName: string;
  role: UserRole;
  csrfToken: string;
  expiresAtMs: number;
}

/** A new session: the id goes into the cookie (and nowhere else), the CSRF token to the UI. */
export interface StartedSession {
  id: string;
  csrfToken: string;
  expiresAtMs: number;
}

type SessionStore = Pick<
  Store,
  "createSession" | "getSession" | "touchSession" | "deleteSession" | "deleteExpiredSessions"
>;

export interface SessionManager {
  /** Sign `userName` in: a new session (expired ones are swept first); null when the account is gone. */
  start(userName: string): Promise<StartedSession | null>;
  /** The live session of a cookie value, sliding its idle timeout; null when unknown or over. */
  resolve(id: string): Promise<ActiveSession | null>;
  /** End a session (sign-out); false when there was none. */
  end(id: string): Promise<boolean>;
}

/**
 * The SHA-256 (hex) under which a session id is stored.
 *
 * @example
 * hashSessionId("Zm9v...") // "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
 */
export function hashSessionId(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex");
}

/**
 * Sessions kept in `store`, timed by `clock`.
 *
 * @example
 * const sessions = createSessionManager(store, Date.now);
 * const started = await sessions.start("ada"); // set-cookie: sessionCookie(started.id, { secure })
 * await sessions.resolve(started.id);          // { userName: "ada", role: "admin", csrfToken, ... }
 */
export function createSessionManager(store: SessionStore, clock: () => number): SessionManager {
  return {
    async start(userName) {
      const nowMs = clock();
      await store.deleteExpiredSessions(nowMs);
      const id = randomBytes(32).toString("base64url");
      const csrfToken = randomBytes(32).toString("base64url");
      const expiresAtMs = nowMs + Math.min(SESSION_TIMING.idleMs, SESSION_TIMING.absoluteMs);
      const created = await store.createSession({
        idHash: hashSessionId(id),
        userName,
        csrfToken,
        createdAtMs: nowMs,
        lastSeenAtMs: nowMs,
        expiresAtMs,
      });
      return created ? { id, csrfToken, expiresAtMs } : null;
    },

    async resolve(id) {
      if (!SESSION_ID.test(id)) return null;
      const idHash = hashSessionId(id);
      const session = await store.getSession(idHash);
      if (session === null) return null;
      const nowMs = clock();
      if (session.expiresAtMs <= nowMs) {
        await store.deleteSession(idHash);
        return null;
      }
      let expiresAtMs = session.expiresAtMs;
      if (nowMs - session.lastSeenAtMs >= SESSION_TIMING.touchEveryMs) {
        expiresAtMs = slidExpiry(session, nowMs);
        await store.touchSession(idHash, nowMs, expiresAtMs);
      }
      return {
        idHash,
        userName: session.userName,
        role: session.role,
        csrfToken: session.csrfToken,
        expiresAtMs,
      };
    },

    async end(id) {
      if (!SESSION_ID.test(id)) return false;
      return store.deleteSession(hashSessionId(id));
    },
  };
}

/** The expiry after a use at `nowMs`: idle timeout from now, never past the absolute lifetime. */
function slidExpiry(session: SessionWithUser, nowMs: number): number {
  return Math.min(nowMs + SESSION_TIMING.idleMs, session.createdAtMs + SESSION_TIMING.absoluteMs);
}

/**
 * The `Set-Cookie` value that carries a session: HttpOnly (no script reads it), SameSite=Strict (no
 * other site's page sends it), Path=/, Max-Age the absolute lifetime, and Secure over https.
 *
 * @example
 * sessionCookie(id, { secure: false })
 * // "sluice_session=<id>; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800"
 */
export function sessionCookie(id: string, options: { secure: boolean }): string {
  const maxAgeSeconds = Math.floor(SESSION_TIMING.absoluteMs / 1000);
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${options.secure ? "; Secure" : ""}`;
}

/**
 * The `Set-Cookie` value that removes the session cookie (sign-out, or a session that is over).
 *
 * @example
 * clearedSessionCookie({ secure: true }) // "sluice_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"
 */
export function clearedSessionCookie(options: { secure: boolean }): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${options.secure ? "; Secure" : ""}`;
}

/**
 * The value of cookie `name` in a `Cookie` header (the first one, as browsers send the most
 * specific first), or null.
 *
 * @example
 * readCookie("theme=dark; sluice_session=abc", "sluice_session") // "abc"
 */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Whether a request's `x-csrf-token` equals the session's token, compared in constant time (both
 * are hashed to fixed-length digests first).
 *
 * @example
 * csrfTokenMatches(request.headers["x-csrf-token"], session.csrfToken)
 */
export function csrfTokenMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== "string" || given.length === 0) return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}
