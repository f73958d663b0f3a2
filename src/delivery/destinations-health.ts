import type { CredentialsCheck } from "../destinations/customerio/credentials-check.js";
import type { Store } from "../store/port.js";
import { classifyHealth, type DestinationHealth, HEALTH_WINDOW_MS } from "./health.js";

/** The latest start-up credential check of a destination, with when it ran. */
export type CheckedCredentials = CredentialsCheck & { checkedAtMs: number };

/** One configured destination's health, pause and credential check. */
export interface DestinationHealthReport extends DestinationHealth {
  /** Set while Customer.io refuses the credentials (401/403): delivery waits for new ones. */
  paused: { reason: string | null } | null;
  /** The start-up check (`GET /api/v1/accounts/region`), or null before one finished (or when off). */
  credentials: CheckedCredentials | null;
}

export interface DestinationsHealth {
  /** The window the counts cover (24). */
  windowHours: number;
  destinations: DestinationHealthReport[];
}

/**
 * Per configured destination, its terminal outcomes over the last 24 h classified (`classifyHealth`),
 * whether it is paused, and its credential check: what ingest's `GET /health/destinations` and the
 * admin API's `GET /admin/api/health` answer.
 *
 * @example
 * await readDestinationsHealth({ store, destinations: ["cio"], nowMs: Date.now() })
 * // { windowHours: 24, destinations: [{ destination: "cio", status: "healthy", ..., paused: null, credentials: null }] }
 */
export async function readDestinationsHealth(deps: {
  store: Pick<Store, "outcomeCounts" | "getDestinationState">;
  destinations: readonly string[];
  nowMs: number;
  credentialsCheck?: ((name: string) => CheckedCredentials | null) | undefined;
}): Promise<DestinationsHealth> {
  const counts = await deps.store.outcomeCounts(deps.nowMs - HEALTH_WINDOW_MS);
  const byName = new Map(counts.map((entry) => [entry.destination, entry]));
  const destinations = await Promise.all(
    deps.destinations.map(async (name) => {
      const state = await deps.store.getDestinationState(name);
      return {
        ...classifyHealth(name, byName.get(name)),
        paused: state?.status === "unauthorized" ? { reason: state.reason } : null,
        credentials: deps.credentialsCheck?.(name) ?? null,
      };
    }),
  );
  return { windowHours: HEALTH_WINDOW_MS / 3_600_000, destinations };
}
