import { createLoginLimiter, type LoginLimiter } from "../auth/login-limiter.js";
import { hashPassword, passwordProblem, verifyNobody, verifyPassword } from "../auth/passwords.js";
import {
  clearedSessionCookie,
  createSessionManager,
  type SessionManager,
  sessionCookie,
} from "../auth/sessions.js";
import { type AUTH_ROUTES, USER_NAME_PATTERN } from "../contracts/admin-auth-routes.js";
import { AUDIT_ACTIONS, type AuditInput, audit } from "../observability/audit.js";
import { LOG } from "../observability/log-events.js";
import type { UserRecord } from "../store/port.js";
import type { AdminHttpContext } from "./admin-auth.js";
import { type AdminDeps, AdminHttpError, type AreaHandlers } from "./admin-handlers.js";

/**
 * The handlers of `AUTH_ROUTES`: sign-in and sign-out, the session's state, first-run setup and
 * user accounts. Passwords go only to scrypt (`src/auth/passwords.ts`): never to a log line, an
 * audit entry, an error or an answer.
 */
export function createAuthHandlers(deps: AdminDeps): AreaHandlers<typeof AUTH_ROUTES> {
  const { store, logger } = deps;
  const sessions: SessionManager = createSessionManager(store, deps.clock);
  const limiter: LoginLimiter = createLoginLimiter(deps.clock);

  const record = async (entry: Omit<AuditInput, "atMs">) => {
    await audit(store, entry, deps.clock);
  };

  /** Start a session for `name`, set its cookie, and answer what sign-in and setup answer. */
  const signInAs = async (user: Pick<UserRecord, "name" | "role">, http: AdminHttpContext) => {
    // A session cookie the browser already had is replaced, not kept alongside (no session fixation).
    if (http.sessionId !== null) await sessions.end(http.sessionId);
    const started = await sessions.start(user.name);
    if (started === null) throw loginFailed();
    http.setHeader("set-cookie", sessionCookie(started.id, { secure: http.secure }));
    return { user: { name: user.name, role: user.role }, csrfToken: started.csrfToken };
  };

  return {
    async getSession({ http }) {
      const caller = requireHttp(http).caller;
      const setupRequired = (await store.countUsers()) === 0;
      if (caller === null) {
        return { authenticated: false, user: null, via: null, csrfToken: null, setupRequired };
      }
      return {
        authenticated: true,
        user: {
          name: caller.session?.userName ?? caller.actor,
          role: caller.role,
        },
        via: caller.via,
        csrfToken: caller.session?.csrfToken ?? null,
        setupRequired,
      };
    },

    async signIn({ body, http }) {
      const context = requireHttp(http);
      const address = context.clientAddress;
      const verdict = limiter.check(body.name, address);
      if (!verdict.ok) {
        context.setHeader("retry-after", String(verdict.retryAfterSeconds));
        logger.warn(
          { event: LOG.adminSignInLimited, by: verdict.by, retryAfterSeconds: verdict.retryAfterSeconds },
          "sign-in refused: too many failed attempts",
        );
        await record({
          actor: "anonymous",
          action: AUDIT_ACTIONS.signInLimited,
          target: nameTarget(body.name),
          outcome: "denied",
          detail: { by: verdict.by, address, retryAfterSeconds: verdict.retryAfterSeconds },
        });
        throw new AdminHttpError(429, {
          code: "ER_ADMIN_LOGIN_RATE_LIMITED",
          message: `too many failed sign-ins; try again in ${verdict.retryAfterSeconds} s`,
        });
      }
      // An impossible name is looked up nowhere, but costs the same scrypt time as a real one.
      const user = USER_NAME_PATTERN.test(body.name) ? await store.getUser(body.name) : null;
      const ok =
        user === null
          ? await verifyNobody(body.password)
          : await verifyPassword(body.password, user.passwordHash);
      if (!ok || user === null) {
        limiter.fail(body.name, address);
        logger.info({ event: LOG.adminSignInFailed }, "sign-in refused: wrong user name or password");
        await record({
          actor: "anonymous",
          action: AUDIT_ACTIONS.signIn,
          target: nameTarget(body.name),
          outcome: "denied",
          detail: { reason: "wrong user name or password", address },
        });
        throw loginFailed();
      }
      limiter.succeed(body.name);
      const answer = await signInAs(user, context);
      logger.info({ event: LOG.adminSignIn, role: user.role }, "signed in");
      await record({
        actor: `user:${user.name}`,
        action: AUDIT_ACTIONS.signIn,
        target: `user:${user.name}`,
        outcome: "ok",
        detail: { address },
      });
      return answer;
    },

    async signOut({ http }) {
      const context = requireHttp(http);
      const session = context.caller?.session ?? null;
      if (context.sessionId !== null) await sessions.end(context.sessionId);
      context.setHeader("set-cookie", clearedSessionCookie({ secure: context.secure }));
      if (session !== null) {
        logger.info({ event: LOG.adminSignOut }, "signed out");
        await record({
          actor: `user:${session.userName}`,
          action: AUDIT_ACTIONS.signOut,
          target: `user:${session.userName}`,
          outcome: "ok",
        });
      }
      return { signedOut: true as const };
    },

    async setup({ body, actor, http }) {
      const context = requireHttp(http);
      checkPassword(body.password);
      const user: UserRecord = {
        name: body.name,
        role: "admin",
        passwordHash: await hashPassword(body.password),
        createdAtMs: deps.clock(),
        lastSignInAtMs: null,
      };
      const created = await store.createUser(user, { onlyIfNoUsers: true });
      if (!created.ok) {
        throw new AdminHttpError(409, {
          code: "ER_ADMIN_SETUP_DONE",
          message: "the first account exists already: sign in, and add users as an admin",
        });
      }
      logger.info({ event: LOG.adminUserChanged, change: "setup" }, "the first admin account was created");
      await record({
        actor,
        action: AUDIT_ACTIONS.setup,
        target: `user:${user.name}`,
        outcome: "ok",
        detail: { role: "admin" },
      });
      return signInAs(user, context);
    },

    async listUsers() {
      return { users: (await store.listUsers()).map(publicUser) };
    },

    async createUser({ body, actor }) {
      checkPassword(body.password);
      const created = await store.createUser({
        name: body.name,
        role: body.role,
        passwordHash: await hashPassword(body.password),
        createdAtMs: deps.clock(),
        lastSignInAtMs: null,
      });
      if (!created.ok) {
        throw new AdminHttpError(409, {
          code: "ER_ADMIN_USER_EXISTS",
          message: "a user with this name exists already",
          path: "body.name",
        });
      }
      logger.info(
        { event: LOG.adminUserChanged, change: "create", role: body.role },
        "a user account was added",
      );
      await record({
        actor,
        action: AUDIT_ACTIONS.userCreate,
        target: `user:${body.name}`,
        outcome: "ok",
        detail: { role: body.role },
      });
      return { user: publicUser(created.user) };
    },

    async updateUser({ params, body, actor }) {
      if (body.password !== undefined) checkPassword(body.password);
      const updated = await store.updateUser(params.name, {
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.password === undefined ? {} : { passwordHash: await hashPassword(body.password) }),
      });
      if (!updated.ok) throw userWriteError(updated.reason, "demote");
      const detail = {
        ...(body.role === undefined ? {} : { role: body.role }),
        passwordChanged: body.password !== undefined,
      };
      logger.info({ event: LOG.adminUserChanged, change: "update", ...detail }, "a user account was changed");
      await record({
        actor,
        action: AUDIT_ACTIONS.userUpdate,
        target: `user:${params.name}`,
        outcome: "ok",
        detail,
      });
      return { user: publicUser(updated.user) };
    },

    async deleteUser({ params, actor }) {
      const deleted = await store.deleteUser(params.name);
      if (!deleted.ok) throw userWriteError(deleted.reason, "delete");
      logger.info({ event: LOG.adminUserChanged, change: "delete" }, "a user account was deleted");
      await record({ actor, action: AUDIT_ACTIONS.userDelete, target: `user:${params.name}`, outcome: "ok" });
      return { deleted: true as const };
    },
  };
}

/** The audit target of a sign-in attempt: the name as typed when it could be an account's name. */
function nameTarget(name: string): string {
  return USER_NAME_PATTERN.test(name) ? `user:${name}` : "user:(not a valid user name)";
}

function requireHttp(http: AdminHttpContext | undefined): AdminHttpContext {
  if (http === undefined) throw new Error("the sign-in routes need the request's HTTP context");
  return http;
}

function loginFailed(): AdminHttpError {
  return new AdminHttpError(401, { code: "ER_ADMIN_LOGIN_FAILED", message: "wrong user name or password" });
}

/** The password rules, counted in characters (the schema can only bound UTF-16 units). */
function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem !== null) {
    throw new AdminHttpError(400, {
      code: "ER_ADMIN_INVALID_REQUEST",
      message: `body.password: ${problem}`,
      path: "body.password",
    });
  }
}

function userWriteError(
  reason: "exists" | "users_exist" | "not_found" | "last_admin",
  verb: string,
): AdminHttpError {
  if (reason === "not_found") {
    return new AdminHttpError(404, {
      code: "ER_ADMIN_NOT_FOUND",
      message: "no user account has this name",
      path: "params.name",
    });
  }
  if (reason === "last_admin") {
    return new AdminHttpError(409, {
      code: "ER_ADMIN_LAST_ADMIN",
      message: `this is the last admin account: make another account admin before you ${verb} it`,
      path: "params.name",
    });
  }
  return new AdminHttpError(409, {
    code: "ER_ADMIN_USER_EXISTS",
    message: "a user with this name exists already",
  });
}

/** An account as the API shows it: never its password hash. */
function publicUser(user: UserRecord) {
  return {
    name: user.name,
    role: user.role,
    createdAtMs: user.createdAtMs,
    lastSignInAtMs: user.lastSignInAtMs,
  };
}
