import type { OBSERVE_ROUTES } from "../contracts/admin-observe-routes.js";
import type { AdminDeps, AreaHandlers } from "./admin-handlers.js";

/** The handlers of `OBSERVE_ROUTES`. */
export function createObserveHandlers(_deps: AdminDeps): AreaHandlers<typeof OBSERVE_ROUTES> {
  return {};
}
