import type { CONFIG_ROUTES } from "../contracts/admin-config-routes.js";
import type { AdminDeps, AreaHandlers } from "./admin-handlers.js";

/** The handlers of `CONFIG_ROUTES`. */
export function createConfigHandlers(_deps: AdminDeps): AreaHandlers<typeof CONFIG_ROUTES> {
  return {};
}
