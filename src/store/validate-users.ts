import type { SessionRecord, UserChanges, UserRecord, UserRole } from "./port.js";
import { StoreError } from "./store-error.js";
import { requireEpochMs } from "./validate-input.js";

/**
 * Input checks of the user and session methods, shared by every adapter (`ER_STORE_INVALID_INPUT`,
 * naming the field, never the value: a password hash or a session token must not reach a log).
 * The user-facing rules (which names, which passwords) are the admin API's; the store only refuses
 * what it cannot store faithfully.
 */

const ROLES: ReadonlySet<string> = new Set<UserRole>(["admin", "editor", "viewer"]);
const MAX_NAME = 200;
const MAX_TOKEN = 500;
/** NUL (PostgreSQL text cannot hold it), other control characters, and lone surrogates. */
const UNSTORABLE = /[\p{Cc}\p{Cs}]/u;

function invalid(message: string): never {
  throw new StoreError("ER_STORE_INVALID_INPUT", message);
}

function requireText(value: unknown, name: string, max: number): asserts value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > max || UNSTORABLE.test(value)) {
    invalid(`${name} must be 1-${max} characters without control characters`);
  }
}

/** Check a user name argument. */
export function validateUserName(name: unknown, field = "name"): asserts name is string {
  requireText(name, field, MAX_NAME);
}

function validateRole(role: unknown, field: string): asserts role is UserRole {
  if (typeof role !== "string" || !ROLES.has(role)) invalid(`${field} must be admin, editor or viewer`);
}

/** Check a new account. */
export function validateUserRecord(user: UserRecord): void {
  if (typeof user !== "object" || user === null) invalid("user must be an object");
  validateUserName(user.name, "user.name");
  validateRole(user.role, "user.role");
  requireText(user.passwordHash, "user.passwordHash", MAX_TOKEN);
  requireEpochMs(user.createdAtMs, "user.createdAtMs");
  if (user.lastSignInAtMs !== null) requireEpochMs(user.lastSignInAtMs, "user.lastSignInAtMs");
}

/** Check `updateUser`'s changes (at least one). */
export function validateUserChanges(changes: UserChanges): void {
  if (typeof changes !== "object" || changes === null) invalid("changes must be an object");
  if (changes.role === undefined && changes.passwordHash === undefined) {
    invalid("changes must name a role or a passwordHash");
  }
  if (changes.role !== undefined) validateRole(changes.role, "changes.role");
  if (changes.passwordHash !== undefined)
    requireText(changes.passwordHash, "changes.passwordHash", MAX_TOKEN);
}

/** Check a session id hash argument. */
export function validateIdHash(idHash: unknown, field = "idHash"): asserts idHash is string {
  if (typeof idHash !== "string" || !/^[0-9a-f]{64}$/.test(idHash)) {
    invalid(`${field} must be 64 lower-case hex digits (a SHA-256)`);
  }
}

/** Check a new session. */
export function validateSessionRecord(session: SessionRecord): void {
  if (typeof session !== "object" || session === null) invalid("session must be an object");
  validateIdHash(session.idHash, "session.idHash");
  validateUserName(session.userName, "session.userName");
  requireText(session.csrfToken, "session.csrfToken", MAX_TOKEN);
  requireEpochMs(session.createdAtMs, "session.createdAtMs");
  requireEpochMs(session.lastSeenAtMs, "session.lastSeenAtMs");
  requireEpochMs(session.expiresAtMs, "session.expiresAtMs");
}
