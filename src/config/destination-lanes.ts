import { createHash } from "node:crypto";
import type { CustomerioDestinationConfig } from "../contracts/config.js";
import { Secret } from "../contracts/secret.js";
import { CustomerioSink } from "../delivery/customerio-sink.js";
import type { CheckedCredentials } from "../delivery/destinations-health.js";
import { DEFAULT_BACKOFF } from "../delivery/retry.js";
import { DestinationWorker, type WorkerOptions } from "../delivery/worker.js";
import { readRegionCheck, regionCheckRequest } from "../destinations/customerio/credentials-check.js";
import { HttpService } from "../destinations/customerio/service.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import type { SluiceMetrics } from "../observability/metrics.js";
import type { Store } from "../store/port.js";

export interface DestinationLanesDeps {
  store: Store;
  logger: Logger;
  clock: () => number;
  metrics: SluiceMetrics;
  /** Options of every lane (the store's lease, tests' short polls). */
  workerOptions: Partial<WorkerOptions>;
  /** `SLUICE_DELIVERY=paused`: no lane runs (credential checks still do). */
  deliveryPaused: boolean;
  /** Check new and changed destinations' credentials (`GET /api/v1/accounts/region`). */
  checkCredentials: boolean;
}

interface Lane {
  destination: CustomerioDestinationConfig;
  /** The whole destination configuration, canonical (secrets hashed): "changed" compares these. */
  fingerprint: string;
  worker: DestinationWorker | null;
}

/**
 * One delivery lane per configured destination, following the live configuration: `apply` starts a
 * lane for each added destination, stops the lane of each removed one (its queued events stay
 * queued; health still shows them), and restarts the lane of each changed one (settings, actions,
 * delivery, privacy, match) with its new configuration. A stopping lane releases what it claimed
 * and did not send, so the new lane delivers it: nothing queued is lost. New and changed
 * credentials are checked in the background (delivery never waits for a check).
 *
 * @example
 * const lanes = new DestinationLanes(deps);
 * await lanes.apply(config.destinations);
 * lanes.notifyAll(); // events were committed
 * await lanes.stop();
 */
export class DestinationLanes {
  readonly #deps: DestinationLanesDeps;
  readonly #lanes = new Map<string, Lane>();
  readonly #checks = new Map<string, CheckedCredentials>();
  /** Settings last sent to a credential check, per destination: a mapping change does not check again. */
  readonly #checked = new Map<string, string>();
  /** Credential checks in flight, each with the HTTP service it uses (destroyed on stop). */
  readonly #pendingChecks = new Set<{ service: HttpService; done: Promise<void> }>();
  #stopped = false;

  constructor(deps: DestinationLanesDeps) {
    this.#deps = deps;
  }

  /** The running lanes' workers (progress reports). */
  workers(): DestinationWorker[] {
    return [...this.#lanes.values()].flatMap((lane) => (lane.worker ? [lane.worker] : []));
  }

  /** The latest credential check of a configured destination, or null before one finished. */
  credentialsCheck(name: string): CheckedCredentials | null {
    return this.#checks.get(name) ?? null;
  }

  /** Wake one destination's lane (events another node committed). */
  notify(destination: string): void {
    this.#lanes.get(destination)?.worker?.notify();
  }

  /** Wake every lane (events were committed, dead letters replayed). */
  notifyAll(): void {
    for (const lane of this.#lanes.values()) lane.worker?.notify();
  }

  /**
   * Make the running lanes match `destinations`. Idempotent: applying the same list again changes
   * nothing, so a failed apply can simply be run again.
   */
  async apply(destinations: readonly CustomerioDestinationConfig[]): Promise<void> {
    if (this.#stopped) return;
    const next = new Map(destinations.map((destination) => [destination.name, destination]));
    const fingerprints = new Map(destinations.map((d) => [d.name, destinationFingerprint(d)]));
    const stopping: Promise<void>[] = [];
    for (const [name, lane] of this.#lanes) {
      if (fingerprints.get(name) === lane.fingerprint) continue;
      this.#lanes.delete(name);
      if (!next.has(name)) this.#checks.delete(name);
      if (lane.worker) stopping.push(this.#stopLane(lane, next.has(name) ? "changed" : "removed"));
    }
    // A changed lane's old worker finishes (or releases) its requests before the new one claims:
    // one person's events never go out from two lanes at once.
    await Promise.all(stopping);
    // New credentials (a new destination, or changed settings) are checked; a mapping change is not.
    const check = destinations.filter((d) => this.#checked.get(d.name) !== settingsFingerprint(d));
    for (const destination of check) {
      this.#checked.set(destination.name, settingsFingerprint(destination));
      // The old result was about other credentials: none until the new check answers.
      this.#checks.delete(destination.name);
    }
    for (const name of [...this.#checked.keys()]) if (!next.has(name)) this.#checked.delete(name);
    if (check.length > 0 && this.#deps.checkCredentials) this.#checkCredentials(check);
    for (const destination of destinations) {
      if (this.#lanes.has(destination.name)) continue;
      // Recorded once its worker runs: a start that failed (the store) is tried again by the next apply.
      const worker = this.#deps.deliveryPaused ? null : await this.#startWorker(destination);
      this.#lanes.set(destination.name, {
        destination,
        fingerprint: fingerprints.get(destination.name) ?? "",
        worker,
      });
      if (worker) {
        this.#deps.logger.info(
          { event: LOG.laneStarted, destination: destination.name },
          `delivery lane started: ${destination.name}`,
        );
      }
    }
  }

  /** Stop every lane (requests in flight may finish) and abandon credential checks still waiting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const pending of this.#pendingChecks) await pending.service.destroy().catch(() => undefined);
    await Promise.all([...this.#pendingChecks].map((pending) => pending.done));
    await Promise.all(this.workers().map((worker) => worker.stop()));
  }

  async #stopLane(lane: Lane, why: "changed" | "removed"): Promise<void> {
    await lane.worker?.stop();
    this.#deps.logger.info(
      { event: LOG.laneStopped, destination: lane.destination.name, why },
      why === "removed"
        ? `delivery lane stopped: ${lane.destination.name} was removed (its queued events stay queued)`
        : `delivery lane restarting: ${lane.destination.name} changed`,
    );
  }

  /**
   * Check credentials once (`GET /api/v1/accounts/region`), in the background: a wrong key or region
   * is reported in the log and on the health endpoints before the first event needs it. A result
   * for settings changed again meanwhile is dropped.
   */
  #checkCredentials(destinations: readonly CustomerioDestinationConfig[]): void {
    const { logger, clock } = this.#deps;
    const service = new HttpService({ timeoutMs: 5000 });
    const done = (async () => {
      try {
        await Promise.all(
          destinations.map(async (destination) => {
            const settings = settingsFingerprint(destination);
            const response = await service.send(
              regionCheckRequest(destination.settings, { revealKey: true }),
            );
            if (this.#checked.get(destination.name) !== settings) return;
            const check = readRegionCheck(response, destination.settings);
            this.#checks.set(destination.name, { ...check, checkedAtMs: clock() });
            const level = check.result === "ok" ? "info" : check.result === "unreachable" ? "warn" : "error";
            logger[level](
              { event: LOG.credentialsChecked, destination: destination.name, result: check.result },
              check.message,
            );
          }),
        );
      } finally {
        await service.close().catch(() => undefined); // already destroyed by stop()
      }
    })();
    const pending = { service, done };
    this.#pendingChecks.add(pending);
    void done.finally(() => this.#pendingChecks.delete(pending));
  }

  async #startWorker(destination: CustomerioDestinationConfig): Promise<DestinationWorker> {
    const { store, logger, clock, metrics } = this.#deps;
    const fingerprint = credentialsFingerprint(destination);
    const state = await store.getDestinationState(destination.name);
    let paused = false;
    if (state?.status === "unauthorized") {
      if (state.credentialsFingerprint === fingerprint) {
        paused = true;
        logger.error(
          { event: LOG.destinationUnauthorized, destination: destination.name, reason: state.reason },
          "destination is paused: Customer.io refused these credentials; events wait until siteId/apiKey change",
        );
      } else {
        await store.setDestinationState({ ...state, status: "active", reason: null, updatedAtMs: clock() });
        logger.info(
          { event: LOG.destinationResumed, destination: destination.name },
          "credentials changed: delivery resumes",
        );
      }
    }
    const worker = new DestinationWorker(
      {
        store,
        sink: new CustomerioSink(destination),
        service: new HttpService(),
        logger,
        clock,
        random: Math.random,
        metrics,
        onUnauthorized: (reason) =>
          store.setDestinationState({
            name: destination.name,
            status: "unauthorized",
            reason,
            credentialsFingerprint: fingerprint,
            updatedAtMs: clock(),
          }),
      },
      {
        requestsPerSecond: destination.delivery.requestsPerSecond,
        backoff: { ...DEFAULT_BACKOFF, maxRetryAgeMs: destination.delivery.retryForHours * 3_600_000 },
        ...this.#deps.workerOptions,
      },
    );
    worker.start(paused);
    return worker;
  }
}

/** Keyed hash of a destination's credentials: tells "credentials changed" without storing them. */
function credentialsFingerprint(destination: CustomerioDestinationConfig): string {
  return createHash("sha256")
    .update(`sluice-credentials-v1\0${destination.settings.siteId}\0${destination.settings.apiKey.reveal()}`)
    .digest("hex")
    .slice(0, 32);
}

/** What a credential check depends on: site id, key, region and URL. */
function settingsFingerprint(destination: CustomerioDestinationConfig): string {
  return canonical(destination.settings);
}

/** The destination's whole configuration as canonical JSON (keys sorted, secrets hashed). */
export function destinationFingerprint(destination: CustomerioDestinationConfig): string {
  return canonical(destination);
}

function canonical(value: unknown): string {
  const walk = (node: unknown): unknown => {
    if (node instanceof Secret) {
      return { secret: createHash("sha256").update(`sluice-config-v1\0${node.reveal()}`).digest("hex") };
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.keys(node)
          .sort()
          .map((key) => [key, walk((node as Record<string, unknown>)[key])]),
      );
    }
    return node;
  };
  return JSON.stringify(walk(value));
}
