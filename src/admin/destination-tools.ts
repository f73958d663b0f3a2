import type { CustomerioDestinationConfig } from "../contracts/config.js";
import type { SegmentEvent } from "../contracts/event.js";
import type { CredentialsCheck } from "../destinations/customerio/credentials-check.js";
import type { CustomerioSettings } from "../destinations/customerio/settings.js";

/**
 * What the admin API's "Check credentials" and "Send test" do over the network; implemented by
 * `createDestinationTools` (src/admin/customerio-destination-tools.ts) and wired in `startSluice`.
 */
export interface DestinationTools {
  /** `GET /api/v1/accounts/region` with these settings; the result in plain words. */
  checkCredentials(
    settings: CustomerioSettings,
  ): Promise<{ result: CredentialsCheck["result"]; message: string; region?: string }>;
  /**
   * Send the exact requests the preview shows for `event` (the stored form the preview takes; a
   * missing `messageId`/`receivedAt` is filled in): to Sluice's own strict simulator (`sandbox`) or
   * to the destination's workspace, and answer what came back (URLs without credentials).
   */
  testSend(input: {
    destination: CustomerioDestinationConfig;
    event: SegmentEvent;
    target: "sandbox" | "workspace";
  }): Promise<{
    responses: { method: string; url: string; status: number | null; body: unknown; latencyMs: number }[];
  }>;
}
