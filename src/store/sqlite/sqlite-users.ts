import Database from "better-sqlite3";
import type { SessionRecord, SessionWithUser, UserChanges, UserRecord, UserWriteResult } from "../port.js";
import { StoreError } from "../store-error.js";
import { requireEpochMs } from "../validate-input.js";
import {
  validateIdHash,
  validateSessionRecord,
  validateUserChanges,
  validateUserName,
  validateUserRecord,
} from "../validate-users.js";
import { applyMigrations, MIGRATIONS } from "./migrations.js";

/**
 * Admin user accounts and sign-in sessions on SQLite (tables `users` and `sessions`, migration 6),
 * as functions of a connection: the store uses its own, and `sluice users` opens one beside a
 * running Sluice (`withUsersBeside`). Every write is one IMMEDIATE transaction, so "is this the last
 * admin?" and "is this the first account?" are decided under SQLite's write lock, whichever process asks.
 */

const USER_COLUMNS = `name, role, password_hash AS passwordHash, created_at_ms AS createdAtMs,
  last_sign_in_at_ms AS lastSignInAtMs`;

const SESSION_COLUMNS = `s.id_hash AS idHash, s.user_name AS userName, s.csrf_token AS csrfToken,
  s.created_at_ms AS createdAtMs, s.last_seen_at_ms AS lastSeenAtMs, s.expires_at_ms AS expiresAtMs`;

function immediate<T>(db: Database.Database, operation: string, work: () => T): T {
  try {
    return db.transaction(work).immediate();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: string }).code ?? "unknown";
    throw new StoreError("ER_STORE_WRITE_FAILED", `${operation} failed (${code}); nothing was changed`, {
      cause: error,
    });
  }
}

function readUser(db: Database.Database, name: string): UserRecord | null {
  return (
    db.prepare<[string], UserRecord>(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`).get(name) ?? null
  );
}

function adminCount(db: Database.Database): number {
  return db.prepare<[], number>("SELECT COUNT(*) FROM users WHERE role = 'admin'").pluck().get() ?? 0;
}

/** How many accounts exist. */
export function countUsers(db: Database.Database): number {
  return db.prepare<[], number>("SELECT COUNT(*) FROM users").pluck().get() ?? 0;
}

/** One account, or null. */
export function getUser(db: Database.Database, name: string): UserRecord | null {
  validateUserName(name);
  return readUser(db, name);
}

/** Every account, by name. */
export function listUsers(db: Database.Database): UserRecord[] {
  return db.prepare<[], UserRecord>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`).all();
}

/**
 * Add an account (see `Store.createUser`).
 *
 * @example
 * createUser(db, { name: "ada", role: "admin", passwordHash, createdAtMs: Date.now(), lastSignInAtMs: null });
 */
export function createUser(
  db: Database.Database,
  user: UserRecord,
  options: { onlyIfNoUsers?: boolean } = {},
): UserWriteResult {
  validateUserRecord(user);
  const row = {
    name: user.name,
    role: user.role,
    passwordHash: user.passwordHash,
    createdAtMs: user.createdAtMs,
    lastSignInAtMs: user.lastSignInAtMs,
  };
  return immediate(db, "createUser", (): UserWriteResult => {
    if (options.onlyIfNoUsers === true && countUsers(db) > 0) return { ok: false, reason: "users_exist" };
    if (readUser(db, user.name) !== null) return { ok: false, reason: "exists" };
    db.prepare(
      `INSERT INTO users (name, role, password_hash, created_at_ms, last_sign_in_at_ms)
       VALUES (@name, @role, @passwordHash, @createdAtMs, @lastSignInAtMs)`,
    ).run(row);
    return { ok: true, user: row };
  });
}

/** Change a role and/or password hash (see `Store.updateUser`). */
export function updateUser(db: Database.Database, name: string, changes: UserChanges): UserWriteResult {
  validateUserName(name);
  validateUserChanges(changes);
  return immediate(db, "updateUser", (): UserWriteResult => {
    const current = readUser(db, name);
    if (current === null) return { ok: false, reason: "not_found" };
    const role = changes.role ?? current.role;
    if (current.role === "admin" && role !== "admin" && adminCount(db) <= 1) {
      return { ok: false, reason: "last_admin" };
    }
    const passwordHash = changes.passwordHash ?? current.passwordHash;
    db.prepare("UPDATE users SET role = ?, password_hash = ? WHERE name = ?").run(role, passwordHash, name);
    if (changes.passwordHash !== undefined) db.prepare("DELETE FROM sessions WHERE user_name = ?").run(name);
    return { ok: true, user: { ...current, role, passwordHash } };
  });
}

/** Delete an account and its sessions (see `Store.deleteUser`). */
export function deleteUser(
  db: Database.Database,
  name: string,
): { ok: true } | { ok: false; reason: "not_found" | "last_admin" } {
  validateUserName(name);
  return immediate(db, "deleteUser", () => {
    const current = readUser(db, name);
    if (current === null) return { ok: false as const, reason: "not_found" as const };
    if (current.role === "admin" && adminCount(db) <= 1) {
      return { ok: false as const, reason: "last_admin" as const };
    }
    // The foreign key cascades too; explicit, so a connection without foreign_keys=ON is just as safe.
    db.prepare("DELETE FROM sessions WHERE user_name = ?").run(name);
    db.prepare("DELETE FROM users WHERE name = ?").run(name);
    return { ok: true as const };
  });
}

/** Record a session and the sign-in it is (see `Store.createSession`). */
export function createSession(db: Database.Database, session: SessionRecord): boolean {
  validateSessionRecord(session);
  return immediate(db, "createSession", () => {
    const signedIn = db
      .prepare("UPDATE users SET last_sign_in_at_ms = ? WHERE name = ?")
      .run(session.createdAtMs, session.userName);
    if (signedIn.changes === 0) return false;
    db.prepare(
      `INSERT INTO sessions (id_hash, user_name, csrf_token, created_at_ms, last_seen_at_ms, expires_at_ms)
       VALUES (@idHash, @userName, @csrfToken, @createdAtMs, @lastSeenAtMs, @expiresAtMs)`,
    ).run({ ...session });
    return true;
  });
}

/** A session with its user's role, or null. */
export function getSession(db: Database.Database, idHash: string): SessionWithUser | null {
  validateIdHash(idHash);
  return (
    db
      .prepare<[string], SessionWithUser>(
        `SELECT ${SESSION_COLUMNS}, u.role AS role
         FROM sessions AS s JOIN users AS u ON u.name = s.user_name WHERE s.id_hash = ?`,
      )
      .get(idHash) ?? null
  );
}

/** Slide a session's last-seen and expiry times. */
export function touchSession(
  db: Database.Database,
  idHash: string,
  lastSeenAtMs: number,
  expiresAtMs: number,
): void {
  validateIdHash(idHash);
  requireEpochMs(lastSeenAtMs, "lastSeenAtMs");
  requireEpochMs(expiresAtMs, "expiresAtMs");
  immediate(db, "touchSession", () =>
    db
      .prepare("UPDATE sessions SET last_seen_at_ms = ?, expires_at_ms = ? WHERE id_hash = ?")
      .run(lastSeenAtMs, expiresAtMs, idHash),
  );
}

/** Delete one session; false when there was none. */
export function deleteSession(db: Database.Database, idHash: string): boolean {
  validateIdHash(idHash);
  return immediate(
    db,
    "deleteSession",
    () => db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(idHash).changes > 0,
  );
}

/** Delete the sessions over at `nowMs`; returns how many. */
export function deleteExpiredSessions(db: Database.Database, nowMs: number): number {
  requireEpochMs(nowMs, "nowMs");
  return immediate(
    db,
    "deleteExpiredSessions",
    () => db.prepare("DELETE FROM sessions WHERE expires_at_ms <= ?").run(nowMs).changes,
  );
}

/**
 * Run `work` on a connection of its own to the SQLite database at `path`, beside a running Sluice
 * (no writer thread, no lease clearing, unlike `openSqliteStore`): foreign keys on, every commit
 * fsync'd, the schema brought up to date when it predates the users table, and up to
 * `busyTimeoutMs` (default 5000) waited for the write lock.
 *
 * @example
 * const users = withUsersBeside(".sluice/sluice.db", (db) => listUsers(db));
 */
export function withUsersBeside<T>(
  path: string,
  work: (db: Database.Database) => T,
  busyTimeoutMs = 5000,
): T {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new StoreError(
      "ER_STORE_CLOSED",
      `no Sluice database at ${path} (${code}); start Sluice once or set SLUICE_DATA_DIR`,
    );
  }
  try {
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = FULL");
    const hasUsers =
      db
        .prepare<[], number>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'")
        .pluck()
        .get() === 1;
    if (!hasUsers) applyMigrations(db, MIGRATIONS, Date.now());
    return work(db);
  } finally {
    db.close();
  }
}
