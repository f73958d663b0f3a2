import { ADMIN_API_PREFIX } from "../contracts/admin.js";
import { LOG } from "../observability/log-events.js";
import { type AdminDeps, createAdminApp } from "./admin-app.js";
import { isLoopbackHost } from "./admin-auth.js";
import type { AdminEnv } from "./admin-env.js";
import { registerUiStatic } from "./ui-static.js";

export interface RunningAdmin {
  /** `http://host:port`; the API is under `${url}/admin/api`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Start the admin API on its own address (`SLUICE_ADMIN_HOST:SLUICE_ADMIN_PORT`). The caller has
 * already refused a non-loopback address with neither a token nor a user account
 * (`adminExposureProblem`). Requests sign in (session cookie) or send a token; without either they are
 * accepted, as admin, only while no token and no account exist and they come from loopback.
 *
 * @example
 * const admin = await startAdminServer(deps, readAdminEnv(process.env, 8080));
 * // ... later
 * await admin.close();
 */
export async function startAdminServer(deps: AdminDeps, env: AdminEnv): Promise<RunningAdmin> {
  const noToken = env.adminToken === null && env.viewerToken === null;
  const app = createAdminApp({
    ...deps,
    auth: {
      adminToken: env.adminToken,
      viewerToken: env.viewerToken,
      allowLoopbackWithoutToken: noToken && isLoopbackHost(env.adminHost),
    },
  });
  registerUiStatic(app);
  try {
    await app.listen({ port: env.adminPort, host: env.adminHost });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : env.adminPort;
  const host = env.adminHost.includes(":") ? `[${env.adminHost}]` : env.adminHost;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  deps.logger.info(
    {
      event: LOG.adminStarted,
      port,
      host: env.adminHost,
      auth: [
        "user accounts",
        ...(noToken ? [] : [env.adminToken && "admin token", env.viewerToken && "viewer token"]),
      ].filter(Boolean),
    },
    `admin API on ${url}${ADMIN_API_PREFIX}`,
  );
  return { url, port, close: () => app.close() };
}
