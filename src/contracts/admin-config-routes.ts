import type { AdminRouteSpec } from "./admin-common.js";

/** Configuration: sources, destinations, actions, drafts, versions, export/import, test send: part of `ADMIN_ROUTES`. */
export const CONFIG_ROUTES = {} as const satisfies Record<string, AdminRouteSpec>;
