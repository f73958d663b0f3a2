import { z } from "zod";
import {
  ADMIN_API_PREFIX,
  ADMIN_ONLY,
  ADMIN_ROLES,
  type AdminRouteSpec,
  ALL_ROLES,
  adminRequestSchemas,
  adminResponseSchemas,
} from "./admin-common.js";

/**
 * Sign-in, sessions and user accounts: part of `ADMIN_ROUTES`.
 *
 * A browser signs in with `POST /session` and gets an HttpOnly, SameSite=Strict cookie
 * (`sluice_session`) and a CSRF token to send as `x-csrf-token` with every change. Bearer tokens
 * (`SLUICE_ADMIN_TOKEN`, `SLUICE_VIEWER_TOKEN`) keep working; with neither configured, requests from
 * this machine count as admin only until the first account exists (`POST /setup`).
 */

/**
 * A user name: a letter or digit, then letters, digits and `. _ @ + -`, at most 64 characters (an
 * e-mail address fits). Case-sensitive.
 */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

const USER_NAME_MESSAGE =
  "must be 1-64 characters: a letter or digit, then letters, digits and . _ @ + - (an e-mail address fits)";

const UserNameSchema = z
  .string()
  .regex(USER_NAME_PATTERN, { error: USER_NAME_MESSAGE })
  .meta({ description: "The user name (case-sensitive)." });

/** 12 to 1024 characters (zod counts code points, as `passwordProblem` does). */
const PasswordSchema = z
  .string()
  .min(12, { error: "must be at least 12 characters" })
  .max(1024, { error: "must be at most 1024 characters" })
  .meta({
    description: "12 to 1024 characters. Never stored, logged or shown: only its scrypt hash is kept.",
  });

const RoleSchema = z.enum(ADMIN_ROLES, { error: "must be admin, editor or viewer" }).meta({
  description:
    "admin: everything, including users and revealing payloads; editor: configuration, previews with values, test sends, replay; viewer: reads, never payload values.",
});

const EpochMs = z.number().int().min(0);

export const SessionUserSchema = z
  .strictObject({ name: z.string(), role: RoleSchema })
  .register(adminResponseSchemas, {
    id: "SessionUser",
    description:
      "Who the caller is: a user account, or for a token `token:admin` / `token:viewer`, for the local operator `loopback`.",
  });

export const SessionStateSchema = z
  .strictObject({
    authenticated: z.boolean(),
    user: SessionUserSchema.nullable(),
    via: z.enum(["session", "token", "loopback"]).nullable(),
    csrfToken: z
      .string()
      .nullable()
      .meta({ description: "The token to send as `x-csrf-token` with every change (sessions only)." }),
    setupRequired: z.boolean().meta({ description: "True while no user account exists (see POST /setup)." }),
  })
  .register(adminResponseSchemas, {
    id: "SessionState",
    description:
      "Whether and how the caller is signed in, and whether the first account is still to be made.",
  });

export const SignInRequestSchema = z
  .strictObject({
    name: z.string().min(1).max(200).meta({ description: "The user name." }),
    password: z.string().min(1).max(4096).meta({ description: "The password." }),
  })
  .register(adminRequestSchemas, { id: "SignInRequest" });

export const SignedInSchema = z
  .strictObject({ user: SessionUserSchema, csrfToken: z.string() })
  .register(adminResponseSchemas, {
    id: "SignedIn",
    description:
      "Signed in: the session cookie is set (HttpOnly; SameSite=Strict; Path=/; Secure over https); send `csrfToken` as `x-csrf-token` with every change.",
  });

export const SignedOutSchema = z.strictObject({ signedOut: z.literal(true) }).register(adminResponseSchemas, {
  id: "SignedOut",
  description: "The session is over and its cookie cleared.",
});

export const SetupRequestSchema = z
  .strictObject({ name: UserNameSchema, password: PasswordSchema })
  .register(adminRequestSchemas, {
    id: "SetupRequest",
    description: "The first account, which is an admin.",
  });

export const UserSchema = z
  .strictObject({
    name: z.string(),
    role: RoleSchema,
    createdAtMs: EpochMs,
    lastSignInAtMs: EpochMs.nullable(),
  })
  .register(adminResponseSchemas, { id: "User", description: "A user account (never its password)." });

export const UserListSchema = z
  .strictObject({ users: z.array(UserSchema) })
  .register(adminResponseSchemas, { id: "UserList", description: "Every account, by name." });

export const UserResultSchema = z
  .strictObject({ user: UserSchema })
  .register(adminResponseSchemas, { id: "UserResult" });

export const UserDeletedSchema = z.strictObject({ deleted: z.literal(true) }).register(adminResponseSchemas, {
  id: "UserDeleted",
  description: "The account and its sessions are gone.",
});

export const CreateUserRequestSchema = z
  .strictObject({ name: UserNameSchema, role: RoleSchema, password: PasswordSchema })
  .register(adminRequestSchemas, { id: "CreateUserRequest" });

export const UpdateUserRequestSchema = z
  .strictObject({ role: RoleSchema.optional(), password: PasswordSchema.optional() })
  .refine((body) => body.role !== undefined || body.password !== undefined, {
    error: "give a role, a password or both",
  })
  .register(adminRequestSchemas, {
    id: "UpdateUserRequest",
    description: "A new role and/or password. A new password ends every session of the account.",
  });

export const UserParamsSchema = z.strictObject({ name: UserNameSchema });

export const AUTH_ROUTES = {
  getSession: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/session`,
    summary: "Who is signed in",
    description:
      "Whether the caller is authenticated, as whom and how (session cookie, token or loopback), the CSRF token of a session, and whether the first account is still to be made.",
    roles: ALL_ROLES,
    public: true,
    response: SessionStateSchema,
    errors: [],
  },
  signIn: {
    method: "POST",
    path: `${ADMIN_API_PREFIX}/session`,
    summary: "Sign in",
    description:
      "Check a user name and password and start a session (cookie `sluice_session`). A wrong password and an unknown name get the same 401. More than 5 failures for a name, or 20 from an address, within 15 minutes get 429 with Retry-After.",
    roles: ALL_ROLES,
    public: true,
    body: SignInRequestSchema,
    response: SignedInSchema,
    errors: [400, 413, 415, 429],
  },
  signOut: {
    method: "DELETE",
    path: `${ADMIN_API_PREFIX}/session`,
    summary: "Sign out",
    description:
      "End the caller's session and clear its cookie (a signed-in browser sends its `x-csrf-token`). Answers the same when there was no session.",
    roles: ALL_ROLES,
    public: true,
    response: SignedOutSchema,
    errors: [],
  },
  setup: {
    method: "POST",
    path: `${ADMIN_API_PREFIX}/setup`,
    summary: "Create the first account",
    description:
      "While no account exists: create the first one, as admin, and sign it in. Reachable with the admin token, or from this machine when no token is configured. 409 once an account exists.",
    roles: ADMIN_ONLY,
    body: SetupRequestSchema,
    response: SignedInSchema,
    errors: [400, 409, 413, 415],
  },
  listUsers: {
    method: "GET",
    path: `${ADMIN_API_PREFIX}/users`,
    summary: "User accounts",
    description: "Every account with its role, creation and last sign-in time.",
    roles: ADMIN_ONLY,
    response: UserListSchema,
    errors: [],
  },
  createUser: {
    method: "POST",
    path: `${ADMIN_API_PREFIX}/users`,
    summary: "Add a user account",
    description:
      "A new account with a role and a password (12 to 1024 characters). 409 when the name is taken.",
    roles: ADMIN_ONLY,
    body: CreateUserRequestSchema,
    response: UserResultSchema,
    errors: [400, 409, 413, 415],
  },
  updateUser: {
    method: "PATCH",
    path: `${ADMIN_API_PREFIX}/users/{name}`,
    summary: "Change a user's role or password",
    description:
      "A new role and/or password; a new password ends the account's sessions. The last admin cannot be demoted (409).",
    roles: ADMIN_ONLY,
    params: UserParamsSchema,
    body: UpdateUserRequestSchema,
    response: UserResultSchema,
    errors: [400, 404, 409, 413, 415],
  },
  deleteUser: {
    method: "DELETE",
    path: `${ADMIN_API_PREFIX}/users/{name}`,
    summary: "Delete a user account",
    description: "The account and its sessions. The last admin cannot be deleted (409).",
    roles: ADMIN_ONLY,
    params: UserParamsSchema,
    response: UserDeletedSchema,
    errors: [400, 404, 409],
  },
} as const satisfies Record<string, AdminRouteSpec>;
