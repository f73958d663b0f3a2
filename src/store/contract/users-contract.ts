import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SessionRecord, UserRecord } from "../port.js";
import { type CurrentStore, T0 } from "./fixtures.js";

/** Admin user accounts and their sign-in sessions: accounts, the last-admin rule, sessions, expiry. */
export function describeUsersContract(current: CurrentStore): void {
  const user = (name: string, overrides: Partial<UserRecord> = {}): UserRecord => ({
    name,
    role: "admin",
    passwordHash: `scrypt$15$8$1$c2FsdA==$${name}-hash`,
    createdAtMs: T0,
    lastSignInAtMs: null,
    ...overrides,
  });
  const idHash = (n: number) => createHash("sha256").update(`session-${n}`).digest("hex");
  const session = (n: number, userName: string, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
    idHash: idHash(n),
    userName,
    csrfToken: `csrf-${n}`,
    createdAtMs: T0 + n,
    lastSeenAtMs: T0 + n,
    expiresAtMs: T0 + 1000 + n,
    ...overrides,
  });

  describe("users and sessions", () => {
    it("starts with no account", async () => {
      expect(await current().countUsers()).toBe(0);
      expect(await current().listUsers()).toEqual([]);
      expect(await current().getUser("ada")).toBeNull();
    });

    it("creates accounts, lists them by name and refuses a taken name", async () => {
      const store = current();
      expect(await store.createUser(user("grace", { role: "editor" }))).toEqual({
        ok: true,
        user: user("grace", { role: "editor" }),
      });
      expect(await store.createUser(user("Ada", { role: "viewer", createdAtMs: T0 + 5 }))).toMatchObject({
        ok: true,
      });
      expect(await store.createUser(user("ada"))).toMatchObject({ ok: true });
      expect(await store.createUser(user("grace", { role: "admin" }))).toEqual({
        ok: false,
        reason: "exists",
      });
      expect(await store.countUsers()).toBe(3);
      expect((await store.listUsers()).map((u) => [u.name, u.role])).toEqual([
        ["Ada", "viewer"],
        ["ada", "admin"],
        ["grace", "editor"],
      ]);
      expect(await store.getUser("Ada")).toEqual(user("Ada", { role: "viewer", createdAtMs: T0 + 5 }));
      expect(await store.getUser("ADA")).toBeNull();
    });

    it("creates the first account only once, even when two ask at the same time", async () => {
      const store = current();
      const results = await Promise.all(
        ["first", "second", "third"].map((name) => store.createUser(user(name), { onlyIfNoUsers: true })),
      );
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok)).toEqual([
        { ok: false, reason: "users_exist" },
        { ok: false, reason: "users_exist" },
      ]);
      expect(await store.countUsers()).toBe(1);
    });

    it("changes roles and passwords, and never demotes or deletes the last admin", async () => {
      const store = current();
      await store.createUser(user("ada"));
      await store.createUser(user("grace", { role: "editor" }));
      expect(await store.updateUser("ada", { role: "editor" })).toEqual({ ok: false, reason: "last_admin" });
      expect(await store.deleteUser("ada")).toEqual({ ok: false, reason: "last_admin" });
      expect(await store.updateUser("nobody", { role: "viewer" })).toEqual({
        ok: false,
        reason: "not_found",
      });
      expect(await store.deleteUser("nobody")).toEqual({ ok: false, reason: "not_found" });
      expect(await store.updateUser("ada", { passwordHash: "scrypt$new" })).toEqual({
        ok: true,
        user: user("ada", { passwordHash: "scrypt$new" }),
      });
      expect(await store.updateUser("grace", { role: "admin" })).toMatchObject({
        ok: true,
        user: { name: "grace", role: "admin" },
      });
      expect(await store.updateUser("ada", { role: "viewer" })).toMatchObject({ ok: true });
      expect(await store.deleteUser("grace")).toEqual({ ok: false, reason: "last_admin" });
      expect(await store.deleteUser("ada")).toEqual({ ok: true });
      expect((await store.listUsers()).map((u) => [u.name, u.role])).toEqual([["grace", "admin"]]);
    });

    it("keeps one admin when two admins are demoted or deleted at the same time", async () => {
      const store = current();
      await store.createUser(user("ada"));
      await store.createUser(user("grace"));
      const demotions = await Promise.all([
        store.updateUser("ada", { role: "viewer" }),
        store.updateUser("grace", { role: "viewer" }),
      ]);
      expect(demotions.filter((result) => result.ok)).toHaveLength(1);
      await store.createUser(user("linus"));
      const admins = (await store.listUsers()).filter((u) => u.role === "admin").map((u) => u.name);
      expect(admins).toHaveLength(2);
      const deletions = await Promise.all(admins.map((name) => store.deleteUser(name)));
      expect(deletions).toContainEqual({ ok: false, reason: "last_admin" });
      expect((await store.listUsers()).filter((u) => u.role === "admin")).toHaveLength(1);
    });

    it("records a session as a sign-in and reads it back with the user's current role", async () => {
      const store = current();
      await store.createUser(user("ada"));
      await store.createUser(user("grace", { role: "editor" }));
      expect(await store.createSession(session(1, "grace"))).toBe(true);
      expect(await store.getUser("grace")).toMatchObject({ lastSignInAtMs: T0 + 1 });
      expect(await store.getSession(idHash(1))).toEqual({ ...session(1, "grace"), role: "editor" });
      await store.updateUser("grace", { role: "viewer" });
      expect(await store.getSession(idHash(1))).toMatchObject({ role: "viewer", csrfToken: "csrf-1" });
      expect(await store.getSession(idHash(2))).toBeNull();
      expect(await store.createSession(session(2, "nobody"))).toBe(false);
      expect(await store.getSession(idHash(2))).toBeNull();
    });

    it("slides, deletes and expires sessions", async () => {
      const store = current();
      await store.createUser(user("ada"));
      for (const n of [1, 2, 3]) await store.createSession(session(n, "ada"));
      await store.touchSession(idHash(1), T0 + 500, T0 + 5000);
      await store.touchSession(idHash(9), T0 + 500, T0 + 5000); // unknown: nothing happens
      expect(await store.getSession(idHash(1))).toMatchObject({
        lastSeenAtMs: T0 + 500,
        expiresAtMs: T0 + 5000,
      });
      expect(await store.deleteSession(idHash(2))).toBe(true);
      expect(await store.deleteSession(idHash(2))).toBe(false);
      // Session 3 expires at T0 + 1003: over at that very instant.
      expect(await store.deleteExpiredSessions(T0 + 1002)).toBe(0);
      expect(await store.deleteExpiredSessions(T0 + 1003)).toBe(1);
      expect(await store.getSession(idHash(3))).toBeNull();
      expect(await store.getSession(idHash(1))).not.toBeNull();
    });

    it("ends a user's sessions when the password changes or the account goes, not on a role change", async () => {
      const store = current();
      await store.createUser(user("ada"));
      await store.createUser(user("grace"));
      await store.createSession(session(1, "ada"));
      await store.createSession(session(2, "ada"));
      await store.createSession(session(3, "grace"));
      await store.updateUser("ada", { role: "editor" });
      expect(await store.getSession(idHash(1))).not.toBeNull();
      await store.updateUser("ada", { passwordHash: "scrypt$changed" });
      expect(await store.getSession(idHash(1))).toBeNull();
      expect(await store.getSession(idHash(2))).toBeNull();
      await store.createSession(session(4, "ada"));
      expect(await store.deleteUser("ada")).toEqual({ ok: true });
      expect(await store.getSession(idHash(4))).toBeNull();
      expect(await store.getSession(idHash(3))).toMatchObject({ userName: "grace" });
      expect(await store.deleteExpiredSessions(T0 + 10_000)).toBe(1);
    });

    it("refuses malformed input, naming the field and never the value", async () => {
      const store = current();
      const attempts: [() => Promise<unknown>, string][] = [
        [() => store.createUser(user("")), "user.name"],
        [() => store.createUser(user("ada", { role: "owner" as "admin" })), "user.role"],
        [() => store.createUser(user("ada", { passwordHash: "secret-hash\u0000" })), "user.passwordHash"],
        [() => store.updateUser("ada", {}), "changes"],
        [() => store.getSession("secret-session-id"), "idHash"],
        [() => store.createSession(session(1, "ada", { expiresAtMs: -1 })), "session.expiresAtMs"],
      ];
      for (const [call, field] of attempts) {
        const attempt = call();
        await expect(attempt, field).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
        const message = await attempt.catch((error: Error) => error.message);
        expect(message, field).toContain(field);
        expect(message).not.toContain("secret");
      }
      expect(await store.countUsers()).toBe(0);
    });
  });
}
