import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../store/port.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../store/sqlite/test-support/temp-dir.js";
import {
  clearedSessionCookie,
  createSessionManager,
  csrfTokenMatches,
  hashSessionId,
  readCookie,
  SESSION_TIMING,
  sessionCookie,
} from "./sessions.js";

const T0 = 1_700_000_000_000;
const HOUR = 60 * 60 * 1000;

describe("createSessionManager", () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let nowMs = T0;
  const sessions = () => createSessionManager(store, () => nowMs);

  beforeEach(async () => {
    dir = tempDir();
    store = openSqliteStore({ path: `${dir.path}/sluice.db` });
    nowMs = T0;
    await store.createUser({
      name: "ada",
      role: "editor",
      passwordHash: "scrypt$x",
      createdAtMs: T0,
      lastSignInAtMs: null,
    });
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it("starts a session under a random 32-byte id, stored only as its SHA-256", async () => {
    const started = await sessions().start("ada");
    expect(started?.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(started?.id ?? "", "base64url")).toHaveLength(32);
    expect(started?.expiresAtMs).toBe(T0 + SESSION_TIMING.idleMs);
    const stored = await store.getSession(hashSessionId(started?.id ?? ""));
    expect(stored).toMatchObject({ userName: "ada", role: "editor", csrfToken: started?.csrfToken });
    expect(stored?.idHash).not.toBe(started?.id);
    expect(await sessions().start("nobody")).toBeNull();
    const other = await sessions().start("ada");
    expect(other?.id).not.toBe(started?.id);
    expect(other?.csrfToken).not.toBe(started?.csrfToken);
  });

  it("slides the idle timeout, writing the last use at most once a minute", async () => {
    const manager = sessions();
    const started = await manager.start("ada");
    const id = started?.id ?? "";
    nowMs = T0 + 30_000;
    expect((await manager.resolve(id))?.expiresAtMs).toBe(T0 + SESSION_TIMING.idleMs);
    expect((await store.getSession(hashSessionId(id)))?.lastSeenAtMs).toBe(T0);
    nowMs = T0 + 60_000;
    expect((await manager.resolve(id))?.expiresAtMs).toBe(nowMs + SESSION_TIMING.idleMs);
    expect((await store.getSession(hashSessionId(id)))?.lastSeenAtMs).toBe(nowMs);
    nowMs += SESSION_TIMING.idleMs - 1;
    expect(await manager.resolve(id)).not.toBeNull();
    nowMs += SESSION_TIMING.idleMs;
    expect(await manager.resolve(id)).toBeNull();
    // An expired session is deleted when it is seen.
    expect(await store.getSession(hashSessionId(id))).toBeNull();
  });

  it("ends a session 7 days after sign-in however busy, and on sign-out", async () => {
    const manager = sessions();
    const busy = (await manager.start("ada"))?.id ?? "";
    for (let hours = 10; hours < 7 * 24; hours += 10) {
      nowMs = T0 + hours * HOUR;
      expect(await manager.resolve(busy), `${hours} h`).not.toBeNull();
    }
    nowMs = T0 + SESSION_TIMING.absoluteMs;
    expect(await manager.resolve(busy)).toBeNull();

    const other = (await manager.start("ada"))?.id ?? "";
    expect(await manager.end(other)).toBe(true);
    expect(await manager.end(other)).toBe(false);
    expect(await manager.resolve(other)).toBeNull();
    expect(await manager.resolve("not-a-session-id")).toBeNull();
  });

  it("sweeps expired sessions when a new one starts", async () => {
    const manager = sessions();
    const old = (await manager.start("ada"))?.id ?? "";
    nowMs = T0 + SESSION_TIMING.idleMs;
    await manager.start("ada");
    expect(await store.getSession(hashSessionId(old))).toBeNull();
  });
});

describe("cookies and CSRF tokens", () => {
  it("formats the session cookie exactly, with Secure only over https", () => {
    expect(sessionCookie("abc", { secure: false })).toBe(
      "sluice_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800",
    );
    expect(sessionCookie("abc", { secure: true })).toBe(
      "sluice_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800; Secure",
    );
    expect(clearedSessionCookie({ secure: false })).toBe(
      "sluice_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
    );
  });

  it.each([
    [undefined, null],
    ["", null],
    ["sluice_session=abc", "abc"],
    ["theme=dark; sluice_session=abc; other=1", "abc"],
    ["not_sluice_session=x; sluice_session=abc", "abc"],
    ["sluice_session=first; sluice_session=second", "first"],
    ["sluice_session", null],
  ])("readCookie(%s) → %s", (header, value) => {
    expect(readCookie(header, "sluice_session")).toBe(value);
  });

  it("compares CSRF tokens exactly", () => {
    expect(csrfTokenMatches("token-1", "token-1")).toBe(true);
    expect(csrfTokenMatches("token-2", "token-1")).toBe(false);
    expect(csrfTokenMatches("token-1x", "token-1")).toBe(false);
    expect(csrfTokenMatches("", "token-1")).toBe(false);
    expect(csrfTokenMatches(undefined, "token-1")).toBe(false);
    expect(csrfTokenMatches(["token-1", "token-1"], "token-1")).toBe(false);
  });
});
