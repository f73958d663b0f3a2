import type { OutcomeCounts } from "../store/port.js";

export type HealthStatus = "healthy" | "degraded" | "unhealthy" | "no_data";

/** The health window: the last 24 hours of terminal outcomes. */
export const HEALTH_WINDOW_MS = 24 * 3_600_000;

export interface DestinationHealth {
  destination: string;
  status: HealthStatus;
  /** delivered / (delivered + failed), or null with no data. Stopped events are intentional and not counted. */
  successRate: number | null;
  delivered: number;
  failed: number;
  stopped: number;
}

/**
 * Health from the window's counts: healthy at ≥ 95 % success, degraded from 50 % to under 95 %,
 * unhealthy under 50 %, no_data when nothing was delivered or failed. Pure.
 *
 * @example
 * classifyHealth("cio", { delivered: 96, failed: 4, stopped: 10 })
 * // { destination: "cio", status: "healthy", successRate: 0.96, delivered: 96, failed: 4, stopped: 10 }
 */
export function classifyHealth(
  destination: string,
  counts: Pick<OutcomeCounts, "delivered" | "failed" | "stopped"> | undefined,
): DestinationHealth {
  const delivered = counts?.delivered ?? 0;
  const failed = counts?.failed ?? 0;
  const stopped = counts?.stopped ?? 0;
  const attempted = delivered + failed;
  if (attempted === 0)
    return { destination, status: "no_data", successRate: null, delivered, failed, stopped };
  const successRate = delivered / attempted;
  const status: HealthStatus =
    successRate >= 0.95 ? "healthy" : successRate >= 0.5 ? "degraded" : "unhealthy";
  return { destination, status, successRate, delivered, failed, stopped };
}
