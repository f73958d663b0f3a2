import type { AttemptResponse } from "../../delivery/retry.js";
import { basicAuth, type HttpRequestSpec, SLUICE_USER_AGENT, trackBaseUrl } from "./request-builder.js";
import type { CustomerioSettings } from "./settings.js";

/**
 * The credential check Customer.io offers: `GET /api/v1/accounts/region` answers 200 with the
 * workspace's region for valid credentials on either host, 401 otherwise (track-api.md §1). Pure:
 * the request and the reading of its answer; the caller sends it.
 */

export type CredentialsCheck =
  | { result: "ok"; region: "us" | "eu"; message: string }
  | { result: "region-mismatch"; region: "us" | "eu"; message: string }
  | { result: "unauthorized" | "unreachable" | "unexpected"; message: string };

/**
 * The exact request; `revealKey: false` masks the credentials (logs, preview).
 *
 * @example
 * regionCheckRequest(settings, { revealKey: false }).url // "https://track.customer.io/api/v1/accounts/region"
 */
export function regionCheckRequest(
  settings: CustomerioSettings,
  options: { revealKey: boolean },
): HttpRequestSpec {
  return {
    method: "GET",
    url: `${trackBaseUrl(settings)}/api/v1/accounts/region`,
    headers: {
      authorization: options.revealKey
        ? basicAuth(settings.siteId, settings.apiKey.reveal())
        : "Basic [redacted]",
      "user-agent": SLUICE_USER_AGENT,
    },
  };
}

/**
 * What the answer means, in words a user can act on. Never echoes the credentials.
 *
 * @example
 * readRegionCheck({ status: 200, headers: {}, body: { region: "eu" } }, { region: "us" }).result // "region-mismatch"
 */
export function readRegionCheck(
  response: AttemptResponse | { networkError: string },
  settings: Pick<CustomerioSettings, "region">,
): CredentialsCheck {
  if ("networkError" in response) {
    return {
      result: "unreachable",
      message: `could not reach Customer.io (${response.networkError}); check the network or trackUrl`,
    };
  }
  if (response.status === 401 || response.status === 403) {
    return {
      result: "unauthorized",
      message: `Customer.io refused the Site ID and API key (${response.status}): copy both again from Settings → API Credentials (Tracking API keys)`,
    };
  }
  const region = (response.body as { region?: unknown } | undefined)?.region;
  if (response.status !== 200 || (region !== "us" && region !== "eu")) {
    return { result: "unexpected", message: `unexpected answer from Customer.io (HTTP ${response.status})` };
  }
  if (region !== settings.region) {
    return {
      result: "region-mismatch",
      region,
      message: `the credentials are valid, but the workspace is in the ${region.toUpperCase()} region and this destination is set to ${settings.region.toUpperCase()}: set settings.region to "${region}"`,
    };
  }
  return { result: "ok", region, message: `credentials valid; workspace region ${region.toUpperCase()}` };
}
