import { Secret } from "../contracts/secret.js";
import type { AdminTokens } from "./admin-auth.js";

/** The admin API's environment, read once by the composition root. */
export interface AdminEnv extends AdminTokens {
  /**
   * `SLUICE_ADMIN_PORT`: the admin API's own port, so that ingest can be public and admin private.
   * Default 8081; when `PORT` is 0 (a free port: tests, embedding) the default is 0 too.
   */
  adminPort: number;
  /** `SLUICE_ADMIN_HOST`: the admin API's listen address. Default 127.0.0.1 (this machine only). */
  adminHost: string;
}

/** The shortest token accepted: a short token can be guessed over the network. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Read `SLUICE_ADMIN_PORT`, `SLUICE_ADMIN_HOST`, `SLUICE_ADMIN_TOKEN` and `SLUICE_VIEWER_TOKEN`; a
 * problem names the variable and never repeats a token. An empty token counts as not set.
 *
 * @example
 * readAdminEnv({ SLUICE_ADMIN_TOKEN: "0123456789abcdef0123" }, 8080)
 * // { adminPort: 8081, adminHost: "127.0.0.1", adminToken: Secret, viewerToken: null }
 */
export function readAdminEnv(
  env: Readonly<Record<string, string | undefined>>,
  ingestPort: number,
): AdminEnv | { problem: string } {
  const portText = env["SLUICE_ADMIN_PORT"];
  const adminPort =
    portText === undefined || portText === "" ? (ingestPort === 0 ? 0 : 8081) : Number(portText);
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) {
    return { problem: "SLUICE_ADMIN_PORT must be 0-65535" };
  }
  if (adminPort !== 0 && adminPort === ingestPort) {
    return { problem: `SLUICE_ADMIN_PORT must differ from PORT (both are ${adminPort})` };
  }
  const tokens: AdminTokens = { adminToken: null, viewerToken: null };
  for (const [name, key] of [
    ["SLUICE_ADMIN_TOKEN", "adminToken"],
    ["SLUICE_VIEWER_TOKEN", "viewerToken"],
  ] as const) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (value.length < MIN_TOKEN_LENGTH || /\s/.test(value)) {
      return {
        problem: `${name} must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. the output of \`openssl rand -hex 32\`)`,
      };
    }
    tokens[key] = new Secret(value);
  }
  if (tokens.adminToken && tokens.viewerToken?.reveal() === tokens.adminToken.reveal()) {
    return { problem: "SLUICE_VIEWER_TOKEN must differ from SLUICE_ADMIN_TOKEN" };
  }
  const adminHost = env["SLUICE_ADMIN_HOST"] || "127.0.0.1";
  return { adminPort, adminHost, ...tokens };
}
