import { hashPassword, passwordProblem } from "../auth/passwords.js";
import { USER_NAME_PATTERN } from "../contracts/admin-auth-routes.js";
import { AUDIT_ACTIONS } from "../observability/audit.js";
import { readDatabaseEnv } from "../store/open-store.js";
import type { UserChanges, UserRecord, UserRole, UserWriteResult } from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import * as sqliteUsers from "../store/sqlite/sqlite-users.js";
import { StoreError } from "../store/store-error.js";
import { auditFromCli } from "./audit-store.js";
import type { CliIo, Command } from "./command.js";
import { databasePath } from "./log-store.js";

const USAGE = `sluice users add NAME --role admin|editor|viewer [--password-stdin]
       sluice users list [--json]
       sluice users remove NAME
       sluice users set-password NAME [--password-stdin]

User accounts of the admin API and web console. add and set-password ask for the password twice
without echo, or read it from standard input with --password-stdin (one line; e.g. from a secret
manager). A password has 12 to 1024 characters; only its scrypt hash is stored. set-password and
remove end the account's sessions. The last admin can be neither removed nor demoted.
Works beside a running Sluice on SLUICE_DATA_DIR (default ./.sluice), or on PostgreSQL when
SLUICE_DATABASE_URL is set. Changes are audited as SLUICE_ACTOR or the OS user.`;

const ROLES: readonly UserRole[] = ["admin", "editor", "viewer"];

/** Where a password comes from: injected so that tests need no terminal. */
export interface PasswordInput {
  /** All of standard input. */
  readStdin(): Promise<string>;
  /** Ask on the terminal without echoing what is typed; rejects when there is no terminal. */
  promptHidden(question: string): Promise<string>;
}

/** The accounts, on whichever database Sluice uses. */
interface CliUsers {
  list(): Promise<UserRecord[]>;
  create(user: UserRecord): Promise<UserWriteResult>;
  update(name: string, changes: UserChanges): Promise<UserWriteResult>;
  remove(name: string): Promise<{ ok: true } | { ok: false; reason: "not_found" | "last_admin" }>;
}

/**
 * `sluice users` reading passwords from `input`.
 *
 * @example
 * const command = createUsersCommand({ readStdin: async () => "a long passphrase\n", promptHidden });
 * await command.run(["add", "ada", "--role", "admin", "--password-stdin"], io);
 */
export function createUsersCommand(input: PasswordInput): Command {
  return {
    name: "users",
    summary: "Add, list, remove admin users and set their passwords",
    usage: USAGE,
    async run(args, io) {
      const [subcommand, ...rest] = args;
      try {
        switch (subcommand) {
          case "add":
            return await add(rest, io, input);
          case "list":
            return await list(rest, io);
          case "remove":
            return await remove(rest, io);
          case "set-password":
            return await setPassword(rest, io, input);
          default:
            return usageError(
              io,
              subcommand === undefined ? "missing subcommand" : `unknown subcommand "${subcommand}"`,
            );
        }
      } catch (error) {
        io.stderr(`sluice: ${(error as Error).message}\n`);
        return 1;
      }
    },
  };
}

/** `sluice users`, reading passwords from this process's terminal or standard input. */
export const usersCommand: Command = createUsersCommand({ readStdin, promptHidden });

interface Parsed {
  name: string | undefined;
  role: string | undefined;
  passwordStdin: boolean;
  json: boolean;
}

function parse(args: readonly string[], allowed: readonly string[]): Parsed | string {
  const parsed: Parsed = { name: undefined, role: undefined, passwordStdin: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg.startsWith("--") && !allowed.includes(arg)) return `unknown argument: ${arg}`;
    if (arg === "--role") {
      const value = args[++i];
      if (value === undefined) return "--role needs a value";
      parsed.role = value;
    } else if (arg === "--password-stdin") parsed.passwordStdin = true;
    else if (arg === "--json") parsed.json = true;
    else if (parsed.name === undefined && allowed.includes("NAME")) parsed.name = arg;
    else return `unexpected argument: ${arg}`;
  }
  return parsed;
}

function requireName(parsed: Parsed): string {
  if (parsed.name === undefined) throw new UsageError("missing the user name");
  if (!USER_NAME_PATTERN.test(parsed.name)) {
    throw new UsageError(
      "a user name is 1-64 characters: a letter or digit, then letters, digits and . _ @ + -",
    );
  }
  return parsed.name;
}

class UsageError extends Error {}

async function add(args: readonly string[], io: CliIo, input: PasswordInput): Promise<number> {
  const parsed = parse(args, ["NAME", "--role", "--password-stdin"]);
  if (typeof parsed === "string") return usageError(io, parsed);
  try {
    const name = requireName(parsed);
    const role = parsed.role as UserRole | undefined;
    if (role === undefined || !ROLES.includes(role))
      throw new UsageError("--role must be admin, editor or viewer");
    const password = await readNewPassword(io, input, parsed.passwordStdin, name);
    if (password === null) return 1;
    const user: UserRecord = {
      name,
      role,
      passwordHash: await hashPassword(password),
      createdAtMs: Date.now(),
      lastSignInAtMs: null,
    };
    const result = await withCliUsers(io, (users) => users.create(user));
    if (!result.ok) {
      io.stderr(`sluice: a user named ${name} exists already (ER_ADMIN_USER_EXISTS)\n`);
      return 1;
    }
    await auditFromCli(io, {
      action: AUDIT_ACTIONS.userCreate,
      target: `user:${name}`,
      outcome: "ok",
      detail: { role, via: "cli" },
    });
    io.stdout(`added ${name} (${role})\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    throw error;
  }
}

async function list(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parse(args, ["--json"]);
  if (typeof parsed === "string") return usageError(io, parsed);
  const users = await withCliUsers(io, (store) => store.list());
  if (parsed.json) {
    for (const user of users) {
      io.stdout(
        `${JSON.stringify({ name: user.name, role: user.role, createdAtMs: user.createdAtMs, lastSignInAtMs: user.lastSignInAtMs })}\n`,
      );
    }
    return 0;
  }
  if (users.length === 0) {
    io.stdout("no user accounts yet: add one with sluice users add NAME --role admin\n");
    return 0;
  }
  const rows = [
    ["name", "role", "created", "last sign-in"],
    ...users.map((user) => [
      user.name,
      user.role,
      new Date(user.createdAtMs).toISOString(),
      user.lastSignInAtMs === null ? "never" : new Date(user.lastSignInAtMs).toISOString(),
    ]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  for (const row of rows) {
    io.stdout(
      `${row.map((cell, column) => (column === 3 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ")}\n`,
    );
  }
  return 0;
}

async function remove(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parse(args, ["NAME"]);
  if (typeof parsed === "string") return usageError(io, parsed);
  try {
    const name = requireName(parsed);
    const result = await withCliUsers(io, (users) => users.remove(name));
    if (!result.ok) return refused(io, name, result.reason);
    await auditFromCli(io, {
      action: AUDIT_ACTIONS.userDelete,
      target: `user:${name}`,
      outcome: "ok",
      detail: { via: "cli" },
    });
    io.stdout(`removed ${name}; their sessions are over\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    throw error;
  }
}

async function setPassword(args: readonly string[], io: CliIo, input: PasswordInput): Promise<number> {
  const parsed = parse(args, ["NAME", "--password-stdin"]);
  if (typeof parsed === "string") return usageError(io, parsed);
  try {
    const name = requireName(parsed);
    const password = await readNewPassword(io, input, parsed.passwordStdin, name);
    if (password === null) return 1;
    const passwordHash = await hashPassword(password);
    const result = await withCliUsers(io, (users) => users.update(name, { passwordHash }));
    if (!result.ok) return refused(io, name, result.reason);
    await auditFromCli(io, {
      action: AUDIT_ACTIONS.userUpdate,
      target: `user:${name}`,
      outcome: "ok",
      detail: { passwordChanged: true, via: "cli" },
    });
    io.stdout(`set the password of ${name}; their sessions are over\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    throw error;
  }
}

function refused(
  io: CliIo,
  name: string,
  reason: "exists" | "users_exist" | "not_found" | "last_admin",
): number {
  const messages: Record<typeof reason, string> = {
    not_found: `no user named ${name}`,
    last_admin: `${name} is the last admin: make another account admin first (ER_ADMIN_LAST_ADMIN)`,
    exists: `a user named ${name} exists already (ER_ADMIN_USER_EXISTS)`,
    users_exist: "user accounts exist already",
  };
  io.stderr(`sluice: ${messages[reason]}\n`);
  return 1;
}

/**
 * A new password from standard input (one line: the trailing newline is dropped) or asked twice on
 * the terminal; null (after saying why) when it breaks the rules or the two differ.
 */
async function readNewPassword(
  io: CliIo,
  input: PasswordInput,
  fromStdin: boolean,
  name: string,
): Promise<string | null> {
  let password: string;
  if (fromStdin) {
    password = (await input.readStdin()).replace(/\r?\n$/, "");
  } else {
    password = await input.promptHidden(`password for ${name}: `);
    const again = await input.promptHidden("the same again: ");
    if (again !== password) {
      io.stderr("sluice: the two passwords differ; nothing was changed\n");
      return null;
    }
  }
  const problem = passwordProblem(password);
  if (problem !== null) {
    io.stderr(`sluice: ${problem}; nothing was changed\n`);
    return null;
  }
  return password;
}

/** Open the accounts of `io.env`'s database, run `work`, close. */
async function withCliUsers<T>(io: CliIo, work: (users: CliUsers) => Promise<T>): Promise<T> {
  const database = readDatabaseEnv(io.env);
  if ("problem" in database) throw new StoreError("ER_STORE_INVALID_OPTION", database.problem);
  if (database.databaseUrl === null) {
    const path = databasePath(io);
    // A connection of its own per call, beside the running Sluice (see withUsersBeside).
    return work({
      list: async () => sqliteUsers.withUsersBeside(path, (db) => sqliteUsers.listUsers(db)),
      create: async (user) => sqliteUsers.withUsersBeside(path, (db) => sqliteUsers.createUser(db, user)),
      update: async (name, changes) =>
        sqliteUsers.withUsersBeside(path, (db) => sqliteUsers.updateUser(db, name, changes)),
      remove: async (name) => sqliteUsers.withUsersBeside(path, (db) => sqliteUsers.deleteUser(db, name)),
    });
  }
  const store = await openPostgresStore({
    url: database.databaseUrl,
    schema: database.databaseSchema,
    poolSize: 2,
    applicationName: "sluice-cli",
  });
  try {
    return await work({
      list: () => store.listUsers(),
      create: (user) => store.createUser(user),
      update: (name, changes) => store.updateUser(name, changes),
      remove: (name) => store.deleteUser(name),
    });
  } finally {
    await store.close();
  }
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`${message}\n\nusage: ${USAGE}\n`);
  return 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

/** What was typed after the line a prompt read (typed ahead, or pasted): the next prompt's start. */
let typedAhead = "";

/** Read a line from the terminal in raw mode, echoing nothing. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(new Error("no terminal to ask for the password: pipe it in with --password-stdin"));
  }
  // Raw mode before the question, so that nothing typed after it is echoed.
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    /** Consume `text`; true once the line is complete (the rest is kept for the next prompt). */
    const take = (text: string): boolean => {
      const chars = [...text];
      for (let i = 0; i < chars.length; i++) {
        const char = chars[i] ?? "";
        if (char === "\u0003") {
          typedAhead = "";
          finish(new Error("cancelled; nothing was changed"));
          return true;
        }
        if (char === "\r" || char === "\n" || char === "\u0004") {
          // A CRLF's LF belongs to this line, not to the next one.
          const rest = chars.slice(char === "\r" && chars[i + 1] === "\n" ? i + 2 : i + 1).join("");
          typedAhead = rest;
          finish();
          return true;
        }
        if (char === "\u007f" || char === "\b") value = [...value].slice(0, -1).join("");
        else value += char;
      }
      return false;
    };
    const onData = (chunk: string) => {
      take(chunk);
    };
    const pending = typedAhead;
    typedAhead = "";
    if (take(pending)) return;
    stdin.on("data", onData);
    stdin.resume();
  });
}
