import type { AdminRouteSpec } from "./admin-common.js";

/** Sign-in, sessions and users: part of `ADMIN_ROUTES`. */
export const AUTH_ROUTES = {} as const satisfies Record<string, AdminRouteSpec>;
