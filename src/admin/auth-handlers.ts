import type { AUTH_ROUTES } from "../contracts/admin-auth-routes.js";
import type { AdminDeps, AreaHandlers } from "./admin-handlers.js";

/** The handlers of `AUTH_ROUTES`. */
export function createAuthHandlers(_deps: AdminDeps): AreaHandlers<typeof AUTH_ROUTES> {
  return {};
}
