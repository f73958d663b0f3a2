import { createHash } from "node:crypto";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../auth/passwords.js";
import type { Store } from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import {
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "../store/postgres/test-support/test-database.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { tempDir } from "../test-support/temp-dir.js";
import type { CliIo } from "./command.js";
import { createUsersCommand, type PasswordInput } from "./users.js";

// `sluice users` beside a running Sluice (its store stays open), on SQLite and on PostgreSQL.

const PASSWORD = "Stdin-Secret-Passphrase-1";
const TYPED = "Typed-Secret-Passphrase-2";

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Run `sluice users ...` with `stdin` as standard input and `typed` as the terminal's answers. */
async function users(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
  terminal: { stdin?: string; typed?: string[] } = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const typed = [...(terminal.typed ?? [])];
  const input: PasswordInput = {
    readStdin: async () => terminal.stdin ?? "",
    promptHidden: async (question) => {
      // As the real prompt: without a terminal it refuses before asking anything.
      const answer = typed.shift();
      if (answer === undefined)
        throw new Error("no terminal to ask for the password: pipe it in with --password-stdin");
      err.push(question);
      return answer;
    },
  };
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { SLUICE_ACTOR: "ops.ada", ...env },
    cwd,
  };
  const code = await createUsersCommand(input).run(args, io);
  return { code, out: out.join(""), err: err.join("") };
}

const sessionHash = (n: number) => createHash("sha256").update(`s${n}`).digest("hex");

/** What both databases must do the same. */
function describeUsersCli(
  label: string,
  open: () => Promise<{ store: Store; env: Record<string, string>; cwd: string; close: () => Promise<void> }>,
) {
  describe(`sluice users (${label})`, () => {
    let ctx: Awaited<ReturnType<typeof open>>;
    const run = (args: readonly string[], terminal?: { stdin?: string; typed?: string[] }) =>
      users(args, ctx.env, ctx.cwd, terminal);

    beforeEach(async () => {
      ctx = await open();
    });
    afterEach(async () => {
      await ctx.close();
    });

    it("adds accounts from stdin or the terminal, lists them, and audits without the password", async () => {
      const added = await run(["add", "ada", "--role", "admin", "--password-stdin"], {
        stdin: `${PASSWORD}\n`,
      });
      expect(added).toEqual({ code: 0, out: "added ada (admin)\n", err: "" });
      const ada = await ctx.store.getUser("ada");
      expect(ada?.role).toBe("admin");
      expect(await verifyPassword(PASSWORD, ada?.passwordHash ?? "")).toBe(true);

      const typed = await run(["add", "grace", "--role", "viewer"], { typed: [TYPED, TYPED] });
      expect(typed.code).toBe(0);
      expect(typed.err).toBe("password for grace: the same again: ");
      expect(await verifyPassword(TYPED, (await ctx.store.getUser("grace"))?.passwordHash ?? "")).toBe(true);

      const listed = await run(["list"]);
      expect(listed.code).toBe(0);
      expect(listed.out.split("\n")[0]).toMatch(/^name\s+role\s+created\s+last sign-in$/);
      expect(listed.out).toMatch(/\nada\s+admin\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+never\n/);
      const json = (await run(["list", "--json"])).out
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(json.map((user) => [user.name, user.role, user.lastSignInAtMs])).toEqual([
        ["ada", "admin", null],
        ["grace", "viewer", null],
      ]);
      expect(Object.keys(json[0]).sort()).toEqual(["createdAtMs", "lastSignInAtMs", "name", "role"]);

      const audit = await ctx.store.listAudit({});
      expect(audit.map((entry) => [entry.actor, entry.action, entry.target, entry.detail])).toEqual([
        ["ops.ada", "user.create", "user:ada", { role: "admin", via: "cli" }],
        ["ops.ada", "user.create", "user:grace", { role: "viewer", via: "cli" }],
      ]);
      const everything = JSON.stringify(audit) + added.out + added.err + typed.out + typed.err + listed.out;
      expect(everything).not.toContain(PASSWORD);
      expect(everything).not.toContain(TYPED);
    });

    it("refuses a taken name, a short or mistyped password, a bad role or name, and changes nothing", async () => {
      await run(["add", "ada", "--role", "admin", "--password-stdin"], { stdin: PASSWORD });
      expect(
        await run(["add", "ada", "--role", "viewer", "--password-stdin"], { stdin: PASSWORD }),
      ).toMatchObject({
        code: 1,
        err: "sluice: a user named ada exists already (ER_ADMIN_USER_EXISTS)\n",
      });
      expect(
        await run(["add", "bob", "--role", "viewer", "--password-stdin"], { stdin: "too-short\n" }),
      ).toMatchObject({
        code: 1,
        err: "sluice: a password needs at least 12 characters; nothing was changed\n",
      });
      const mistyped = await run(["add", "bob", "--role", "viewer"], { typed: [TYPED, `${TYPED}x`] });
      expect([
        mistyped.code,
        mistyped.err.endsWith("the two passwords differ; nothing was changed\n"),
      ]).toEqual([1, true]);
      const noTerminal = await run(["add", "bob", "--role", "viewer"]);
      expect(noTerminal).toMatchObject({
        code: 1,
        err: "sluice: no terminal to ask for the password: pipe it in with --password-stdin\n",
      });
      expect(
        (await run(["add", "bob", "--role", "owner", "--password-stdin"], { stdin: PASSWORD })).code,
      ).toBe(2);
      expect(
        (await run(["add", "../bob", "--role", "viewer", "--password-stdin"], { stdin: PASSWORD })).code,
      ).toBe(2);
      expect((await run(["add", "--role", "viewer"])).code).toBe(2);
      expect((await run(["frobnicate"])).code).toBe(2);
      expect((await ctx.store.listUsers()).map((user) => user.name)).toEqual(["ada"]);
    });

    it("sets a password and removes accounts, ending their sessions; never the last admin", async () => {
      await run(["add", "ada", "--role", "admin", "--password-stdin"], { stdin: PASSWORD });
      await run(["add", "grace", "--role", "editor", "--password-stdin"], { stdin: PASSWORD });
      const session = (n: number, userName: string) => ({
        idHash: sessionHash(n),
        userName,
        csrfToken: `c${n}`,
        createdAtMs: Date.now(),
        lastSeenAtMs: Date.now(),
        expiresAtMs: Date.now() + 60_000,
      });
      await ctx.store.createSession(session(1, "grace"));
      await ctx.store.createSession(session(2, "ada"));

      const set = await run(["set-password", "grace", "--password-stdin"], { stdin: `${TYPED}\r\n` });
      expect(set).toEqual({ code: 0, out: "set the password of grace; their sessions are over\n", err: "" });
      expect(await verifyPassword(TYPED, (await ctx.store.getUser("grace"))?.passwordHash ?? "")).toBe(true);
      expect(await ctx.store.getSession(sessionHash(1))).toBeNull();
      expect(await ctx.store.getSession(sessionHash(2))).not.toBeNull();

      expect(await run(["remove", "ada"])).toMatchObject({
        code: 1,
        err: "sluice: ada is the last admin: make another account admin first (ER_ADMIN_LAST_ADMIN)\n",
      });
      expect(await run(["remove", "nobody"])).toMatchObject({
        code: 1,
        err: "sluice: no user named nobody\n",
      });
      expect(await run(["set-password", "nobody", "--password-stdin"], { stdin: PASSWORD })).toMatchObject({
        code: 1,
      });
      await ctx.store.createSession(session(3, "grace"));
      expect((await run(["remove", "grace"])).out).toBe("removed grace; their sessions are over\n");
      expect(await ctx.store.getSession(sessionHash(3))).toBeNull();
      expect((await ctx.store.listUsers()).map((user) => user.name)).toEqual(["ada"]);
      const actions = (await ctx.store.listAudit({})).map((entry) => [entry.action, entry.target]);
      expect(actions.slice(2)).toEqual([
        ["user.update", "user:grace"],
        ["user.delete", "user:grace"],
      ]);
    });
  });
}

describeUsersCli("SQLite", async () => {
  const dir = tempDir();
  // A running Sluice: the store stays open while the commands run.
  const store = openSqliteStore({ path: `${dir.path}/data/sluice.db` });
  return {
    store,
    env: { SLUICE_DATA_DIR: "data" },
    cwd: dir.path,
    close: async () => {
      await store.close();
      dir.remove();
    },
  };
});

describe("on PostgreSQL", () => {
  beforeAll(requirePostgres);
  describeUsersCli("PostgreSQL", async () => {
    const schema = freshSchemaName();
    const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
    return {
      store,
      env: { SLUICE_DATABASE_URL: TEST_DATABASE_URL, SLUICE_DATABASE_SCHEMA: schema },
      cwd: "/",
      close: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
});

describe("sluice users on a data directory without a database", () => {
  it("says so instead of creating one", async () => {
    const dir = tempDir();
    try {
      const result = await users(["list"], { SLUICE_DATA_DIR: "nowhere" }, dir.path);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/^sluice: ER_STORE_CLOSED: no Sluice database at .*nowhere\/sluice\.db/);
    } finally {
      dir.remove();
    }
  });
});
