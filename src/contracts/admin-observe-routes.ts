import type { AdminRouteSpec } from "./admin-common.js";

/** Dashboards, audit log, event samples and seen paths: part of `ADMIN_ROUTES`. */
export const OBSERVE_ROUTES = {} as const satisfies Record<string, AdminRouteSpec>;
