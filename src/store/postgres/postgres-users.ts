import { escapeIdentifier, type PoolClient } from "pg";
import type { SessionRecord, SessionWithUser, UserChanges, UserRecord, UserWriteResult } from "../port.js";
import { requireEpochMs } from "../validate-input.js";
import {
  validateIdHash,
  validateSessionRecord,
  validateUserChanges,
  validateUserName,
  validateUserRecord,
} from "../validate-users.js";
import type { PostgresRunner } from "./postgres-audit.js";

/**
 * Admin user accounts and sign-in sessions on PostgreSQL (tables `users` and `sessions`, migration
 * 5). Writes that must see every account at once — the first account (setup), demoting or deleting
 * an admin — lock the `users` table in EXCLUSIVE mode for their short transaction: plain reads go
 * on, and two nodes can never both remove "the other" last admin.
 */

/**
 * The statements for one schema.
 *
 * @example
 * await pool.query(usersStatements("sluice").count);
 */
export function usersStatements(schema: string) {
  const s = escapeIdentifier(schema);
  const userColumns = `name, role, password_hash AS "passwordHash", created_at_ms AS "createdAtMs",
    last_sign_in_at_ms AS "lastSignInAtMs"`;
  return {
    count: `SELECT count(*) AS n FROM ${s}.users`,
    countAdmins: `SELECT count(*) AS n FROM ${s}.users WHERE role = 'admin'`,
    lockUsers: `LOCK TABLE ${s}.users IN EXCLUSIVE MODE`,
    get: `SELECT ${userColumns} FROM ${s}.users WHERE name = $1`,
    list: `SELECT ${userColumns} FROM ${s}.users ORDER BY name`,
    insert: `INSERT INTO ${s}.users (name, role, password_hash, created_at_ms, last_sign_in_at_ms)
      VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
    update: `UPDATE ${s}.users SET role = $2, password_hash = $3 WHERE name = $1`,
    delete: `DELETE FROM ${s}.users WHERE name = $1`,
    deleteSessionsOf: `DELETE FROM ${s}.sessions WHERE user_name = $1`,
    signedIn: `UPDATE ${s}.users SET last_sign_in_at_ms = $2 WHERE name = $1`,
    insertSession: `INSERT INTO ${s}.sessions
      (id_hash, user_name, csrf_token, created_at_ms, last_seen_at_ms, expires_at_ms)
      VALUES ($1, $2, $3, $4, $5, $6)`,
    getSession: `SELECT s.id_hash AS "idHash", s.user_name AS "userName", s.csrf_token AS "csrfToken",
      s.created_at_ms AS "createdAtMs", s.last_seen_at_ms AS "lastSeenAtMs", s.expires_at_ms AS "expiresAtMs",
      u.role AS role
      FROM ${s}.sessions AS s JOIN ${s}.users AS u ON u.name = s.user_name WHERE s.id_hash = $1`,
    touchSession: `UPDATE ${s}.sessions SET last_seen_at_ms = $2, expires_at_ms = $3 WHERE id_hash = $1`,
    deleteSession: `DELETE FROM ${s}.sessions WHERE id_hash = $1`,
    deleteExpired: `DELETE FROM ${s}.sessions WHERE expires_at_ms <= $1`,
  };
}

async function readUser(client: PoolClient, schema: string, name: string): Promise<UserRecord | null> {
  return (await client.query<UserRecord>(usersStatements(schema).get, [name])).rows[0] ?? null;
}

async function count(client: PoolClient, sql: string): Promise<number> {
  return (await client.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
}

/** How many accounts exist. */
export async function countUsersPostgres(runner: PostgresRunner): Promise<number> {
  const rows = await runner.query<{ n: number }>("countUsers", usersStatements(runner.schema).count, []);
  return rows[0]?.n ?? 0;
}

/** One account, or null. */
export async function getUserPostgres(runner: PostgresRunner, name: string): Promise<UserRecord | null> {
  validateUserName(name);
  const rows = await runner.query<UserRecord>("getUser", usersStatements(runner.schema).get, [name]);
  return rows[0] ?? null;
}

/** Every account, by name (byte order, as on SQLite). */
export async function listUsersPostgres(runner: PostgresRunner): Promise<UserRecord[]> {
  return runner.query<UserRecord>("listUsers", usersStatements(runner.schema).list, []);
}

/** Add an account (see `Store.createUser`). */
export async function createUserPostgres(
  runner: PostgresRunner,
  user: UserRecord,
  options: { onlyIfNoUsers?: boolean } = {},
): Promise<UserWriteResult> {
  validateUserRecord(user);
  const sql = usersStatements(runner.schema);
  const row: UserRecord = {
    name: user.name,
    role: user.role,
    passwordHash: user.passwordHash,
    createdAtMs: user.createdAtMs,
    lastSignInAtMs: user.lastSignInAtMs,
  };
  return runner.transaction("createUser", async (client): Promise<UserWriteResult> => {
    if (options.onlyIfNoUsers === true) {
      await client.query(sql.lockUsers);
      if ((await count(client, sql.count)) > 0) return { ok: false, reason: "users_exist" };
    }
    const inserted = await client.query(sql.insert, [
      row.name,
      row.role,
      row.passwordHash,
      row.createdAtMs,
      row.lastSignInAtMs,
    ]);
    return inserted.rowCount === 1 ? { ok: true, user: row } : { ok: false, reason: "exists" };
  });
}

/** Change a role and/or password hash (see `Store.updateUser`). */
export async function updateUserPostgres(
  runner: PostgresRunner,
  name: string,
  changes: UserChanges,
): Promise<UserWriteResult> {
  validateUserName(name);
  validateUserChanges(changes);
  const sql = usersStatements(runner.schema);
  return runner.transaction("updateUser", async (client): Promise<UserWriteResult> => {
    await client.query(sql.lockUsers);
    const current = await readUser(client, runner.schema, name);
    if (current === null) return { ok: false, reason: "not_found" };
    const role = changes.role ?? current.role;
    if (current.role === "admin" && role !== "admin" && (await count(client, sql.countAdmins)) <= 1) {
      return { ok: false, reason: "last_admin" };
    }
    const passwordHash = changes.passwordHash ?? current.passwordHash;
    await client.query(sql.update, [name, role, passwordHash]);
    if (changes.passwordHash !== undefined) await client.query(sql.deleteSessionsOf, [name]);
    return { ok: true, user: { ...current, role, passwordHash } };
  });
}

/** Delete an account and its sessions (see `Store.deleteUser`). */
export async function deleteUserPostgres(
  runner: PostgresRunner,
  name: string,
): Promise<{ ok: true } | { ok: false; reason: "not_found" | "last_admin" }> {
  validateUserName(name);
  const sql = usersStatements(runner.schema);
  return runner.transaction("deleteUser", async (client) => {
    await client.query(sql.lockUsers);
    const current = await readUser(client, runner.schema, name);
    if (current === null) return { ok: false as const, reason: "not_found" as const };
    if (current.role === "admin" && (await count(client, sql.countAdmins)) <= 1) {
      return { ok: false as const, reason: "last_admin" as const };
    }
    await client.query(sql.delete, [name]);
    return { ok: true as const };
  });
}

/** Record a session and the sign-in it is (see `Store.createSession`). */
export async function createSessionPostgres(
  runner: PostgresRunner,
  session: SessionRecord,
): Promise<boolean> {
  validateSessionRecord(session);
  const sql = usersStatements(runner.schema);
  return runner.transaction("createSession", async (client) => {
    const signedIn = await client.query(sql.signedIn, [session.userName, session.createdAtMs]);
    if (signedIn.rowCount !== 1) return false;
    await client.query(sql.insertSession, [
      session.idHash,
      session.userName,
      session.csrfToken,
      session.createdAtMs,
      session.lastSeenAtMs,
      session.expiresAtMs,
    ]);
    return true;
  });
}

/** A session with its user's role, or null. */
export async function getSessionPostgres(
  runner: PostgresRunner,
  idHash: string,
): Promise<SessionWithUser | null> {
  validateIdHash(idHash);
  const rows = await runner.query<SessionWithUser>("getSession", usersStatements(runner.schema).getSession, [
    idHash,
  ]);
  return rows[0] ?? null;
}

/** Slide a session's last-seen and expiry times. */
export async function touchSessionPostgres(
  runner: PostgresRunner,
  idHash: string,
  lastSeenAtMs: number,
  expiresAtMs: number,
): Promise<void> {
  validateIdHash(idHash);
  requireEpochMs(lastSeenAtMs, "lastSeenAtMs");
  requireEpochMs(expiresAtMs, "expiresAtMs");
  await runner.query("touchSession", usersStatements(runner.schema).touchSession, [
    idHash,
    lastSeenAtMs,
    expiresAtMs,
  ]);
}

/** Delete one session; false when there was none. */
export async function deleteSessionPostgres(runner: PostgresRunner, idHash: string): Promise<boolean> {
  validateIdHash(idHash);
  const sql = usersStatements(runner.schema);
  return runner.transaction(
    "deleteSession",
    async (client) => ((await client.query(sql.deleteSession, [idHash])).rowCount ?? 0) > 0,
  );
}

/** Delete the sessions over at `nowMs`; returns how many. */
export async function deleteExpiredSessionsPostgres(runner: PostgresRunner, nowMs: number): Promise<number> {
  requireEpochMs(nowMs, "nowMs");
  const sql = usersStatements(runner.schema);
  return runner.transaction(
    "deleteExpiredSessions",
    async (client) => (await client.query(sql.deleteExpired, [nowMs])).rowCount ?? 0,
  );
}
