import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import {
  type HttpRequestSpec,
  type PackedItem,
  trackBaseUrl,
} from "../destinations/customerio/request-builder.js";
import type { HttpService } from "../destinations/customerio/service.js";
import type { CustomerioSettings } from "../destinations/customerio/settings.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import { type SluiceMetrics, statusClass } from "../observability/metrics.js";
import type { ClaimedDelivery, DeliveryOutcome, Store } from "../store/port.js";
import { AdaptiveRate } from "./adaptive-rate.js";
import type { CustomerioSink, DeliveryRef } from "./customerio-sink.js";
import { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF, decideRetry } from "./retry.js";
import { TokenBucket } from "./token-bucket.js";

export interface WorkerOptions {
  /** Deliveries claimed at a time. Default 2000. */
  claimLimit: number;
  /** How long a quiet lane waits after new events arrive, so they go out together. Default 50 ms. */
  lingerMs: number;
  /** Requests in flight at once per destination. Default 24 (100 req/s at 200 ms latency needs 20). */
  concurrency: number;
  /**
   * Events claimed and not yet settled, per destination: bounds memory whatever the backlog. Default
   * 8,000: 40,000 events/s at 200 ms round trips needs 8,000, and twice that only added memory
   * (peak RSS 270–300 MB instead of 245–257 MB on a 100,000-event drain, at the same rate).
   */
  maxEventsInFlight: number;
  /**
   * Claim lease. With SQLite it only matters when the process dies (leases are cleared at start);
   * with PostgreSQL it is how soon other nodes take over a dead node's deliveries. A lane sends from
   * a claim for at most half of it and releases the rest. Default 120,000 ms.
   */
  leaseMs: number;
  /** Track API requests per second per destination (workspace). Default 100. */
  requestsPerSecond: number;
  /** Largest request body. Default 500,000 bytes (Customer.io's documented batch limit). */
  maxBatchBytes: number;
  /** How often an idle lane re-checks the store (retries that came due). Default 1000 ms. */
  idlePollMs: number;
  backoff: BackoffPolicy;
  /** On stop, how long requests in flight may finish before they are aborted. Default 15,000 ms. */
  shutdownGraceMs: number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  claimLimit: 2000,
  lingerMs: 50,
  concurrency: 24,
  maxEventsInFlight: 8_000,
  leaseMs: 120_000,
  requestsPerSecond: 100,
  maxBatchBytes: 500_000,
  idlePollMs: 1000,
  backoff: DEFAULT_BACKOFF,
  shutdownGraceMs: 15_000,
};

export interface WorkerDeps {
  store: Store;
  sink: CustomerioSink;
  service: HttpService;
  logger: Logger;
  clock: () => number;
  random: () => number;
  /** Called when Customer.io refuses the credentials (the destination is paused). */
  onUnauthorized: (reason: string) => Promise<void>;
  metrics: SluiceMetrics;
}

/**
 * One delivery lane: claims a destination's ready deliveries, sends them in byte-packed batches with
 * bounded concurrency and a token bucket, and records every outcome. A delivery leaves the queue
 * only when Customer.io accepted it, rejected it for good, or Sluice stopped it with a reason.
 */
export class DestinationWorker {
  readonly #deps: WorkerDeps;
  readonly #options: WorkerOptions;
  readonly #bucket: TokenBucket;
  readonly #rate: AdaptiveRate;
  /** The workspace's key in the store's shared bucket, when the store has one (PostgreSQL). */
  readonly #sharedBucketKey: string;
  #running = false;
  #paused = false;
  #pausedUntilMs = 0;
  #inFlight = 0;
  #eventsInFlight = 0;
  #settled = 0;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(deps: WorkerDeps, options: Partial<WorkerOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...DEFAULT_WORKER_OPTIONS, ...options };
    this.#bucket = new TokenBucket(
      // A tenth of a second's worth of burst: no one-second window holds more than 1.1 × the rate.
      {
        ratePerSecond: this.#options.requestsPerSecond,
        burst: Math.max(1, this.#options.requestsPerSecond / 10),
      },
      deps.clock(),
    );
    this.#rate = new AdaptiveRate({ maxPerSecond: this.#options.requestsPerSecond }, deps.clock());
    this.#sharedBucketKey = workspaceRateKey(deps.sink.destination.settings);
  }

  get destination(): string {
    return this.#deps.sink.destination.name;
  }

  /** Start delivering; `paused` starts the lane paused (credentials known to be refused). */
  start(paused = false): void {
    if (this.#running) return;
    this.#running = true;
    this.#paused = paused;
    this.#loop = this.#run();
  }

  /** New events were committed for this destination. */
  notify(): void {
    this.#wake?.();
  }

  /** Stop claiming, wait for requests in flight (at most `shutdownGraceMs`), and return. */
  async stop(graceMs = this.#options.shutdownGraceMs): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    // The grace timer is cleared once the requests settle: left running, it would keep the process
    // alive for the whole grace period after "stopped cleanly".
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    const settled = await Promise.race([
      Promise.allSettled([...this.#pending]).then(() => true),
      grace.then(() => false),
    ]);
    clearTimeout(graceTimer);
    // Past the grace period, abort what is still in flight: those deliveries stay leased and go out
    // again (under the same event id) after the restart.
    await (settled ? this.#deps.service.close() : this.#deps.service.destroy());
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        const now = this.#deps.clock();
        if (this.#paused) {
          await this.#sleep(this.#options.idlePollMs * 30);
          continue;
        }
        if (now < this.#pausedUntilMs) {
          await this.#sleep(this.#pausedUntilMs - now);
          continue;
        }
        const room = this.#options.maxEventsInFlight - this.#eventsInFlight;
        if (this.#inFlight >= this.#options.concurrency || room <= 0) {
          await this.#sleep(this.#options.idlePollMs);
          continue;
        }
        const claimed = await this.#deps.store.claim(this.destination, {
          limit: Math.min(this.#options.claimLimit, room),
          nowMs: now,
          leaseMs: this.#options.leaseMs,
        });
        if (claimed.length === 0) {
          const next = await this.#deps.store.nextWakeMs(this.destination);
          const wait =
            next === null ? this.#options.idlePollMs : Math.min(this.#options.idlePollMs, next - now);
          // Woken by new events after an empty claim: linger so a trickle goes out as one batch.
          if ((await this.#sleep(Math.max(1, wait))) === "woken")
            await this.#sleep(this.#options.lingerMs, false);
          continue;
        }
        await this.#dispatch(claimed, now);
      } catch (error) {
        this.#deps.logger.error(
          {
            event: LOG.workerError,
            destination: this.destination,
            err: { message: (error as Error).message },
          },
          "delivery lane error; retrying in a second",
        );
        await this.#sleep(1000);
      }
    }
  }

  async #dispatch(claimed: readonly ClaimedDelivery[], claimedAtMs: number): Promise<void> {
    const outcomes: DeliveryOutcome[] = [];
    const items: PackedItem<DeliveryRef>[] = [];
    const direct: Extract<ReturnType<CustomerioSink["prepare"]>, { kind: "direct" }>[] = [];
    for (const delivery of claimed) {
      const prepared = this.#deps.sink.prepare(delivery);
      this.#countPrivacy(prepared, delivery.deliveryId);
      if (prepared.kind === "items") {
        for (const item of prepared.items) items.push(item);
      } else if (prepared.kind === "direct") {
        direct.push(prepared);
      } else {
        outcomes.push({
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          state: "stopped",
          stage: prepared.stage,
          reason: prepared.reason,
          ...(prepared.field ? { field: prepared.field } : {}),
          attempts: delivery.attempts,
        });
      }
    }
    if (outcomes.length > 0) {
      await this.#settle(outcomes, this.#deps.clock());
      this.#deps.metrics.deliveries.inc(
        { destination: this.destination, outcome: "stopped" },
        outcomes.length,
      );
    }
    // Deliveries with a v1 call (anonymous events, delivery metrics) go one by one, beside the batches.
    for (const { ref, requests } of direct) {
      while (this.#inFlight >= this.#options.concurrency && this.#running) await this.#sleep(5, false);
      if (!this.#running || this.#paused) {
        await this.#settle(
          [{ deliveryId: ref.deliveryId, leaseToken: ref.leaseToken, state: "released" }],
          this.#deps.clock(),
        );
        continue;
      }
      this.#track(this.#sendDirect(ref, requests), 1);
    }
    // Batches of one claim hold different people, except when one person's run is larger than a
    // batch: those parts go one after the other, and stop at the first part that did not finish.
    let previous: Promise<SendResult> = Promise.resolve("done");
    for (const { items: batch, continuesPrevious } of this.#deps.sink.pack(
      items,
      this.#options.maxBatchBytes,
    )) {
      while (this.#inFlight >= this.#options.concurrency && this.#running) await this.#sleep(5, false);
      if (
        !this.#running ||
        this.#paused ||
        this.#leaseRunningOut(claimedAtMs) ||
        (continuesPrevious && (await previous) !== "done")
      ) {
        await this.#release(batch);
        previous = Promise.resolve("pending");
        continue;
      }
      const now = this.#deps.clock();
      this.#bucket.setRate(this.#rate.current(now), now);
      const wait = Math.max(this.#bucket.take(now), await this.#takeSharedToken(now));
      if (wait > 0) await sleep(wait);
      if (this.#leaseRunningOut(claimedAtMs)) {
        await this.#release(batch);
        previous = Promise.resolve("pending");
        continue;
      }
      previous = this.#send(batch);
      this.#track(previous, batch.length);
    }
  }

  /**
   * Whether a claim made at `claimedAtMs` is too old to send from: past half its lease, the rest of
   * the claim is released rather than sent. Once a lease runs out another node may claim the same
   * deliveries (that is how a dead node's work is recovered), and a batch this node sent that late
   * could reach Customer.io after the other node's newer events for the same person: a stale
   * identify would overwrite newer attributes. The other half of the lease covers the request in
   * flight. (A claim held that long means the lane claimed more than the rate limit let it send.)
   * The store fences settles by the claim's lease token, so this lane's late outcomes could not undo
   * the other node's work; but a request already sent cannot be recalled, hence this rule.
   */
  #leaseRunningOut(claimedAtMs: number): boolean {
    return this.#deps.clock() - claimedAtMs >= this.#options.leaseMs / 2;
  }

  /**
   * With several nodes on one database, the workspace's limit holds for all of them together: every
   * request also takes a token from the store's shared bucket, at the configured rate. The local
   * bucket still applies this node's adaptive rate after a 429. When the shared bucket cannot be
   * reached (the database is down) the local bucket alone decides; claims and settles fail soon anyway.
   */
  async #takeSharedToken(nowMs: number): Promise<number> {
    const { store } = this.#deps;
    if (store.takeRequestTokens === undefined) return 0;
    const rate = this.#options.requestsPerSecond;
    try {
      return await store.takeRequestTokens(this.#sharedBucketKey, rate, Math.max(1, rate / 10), nowMs);
    } catch (error) {
      this.#deps.logger.warn(
        {
          event: LOG.workerError,
          destination: this.destination,
          err: { message: (error as Error).message },
        },
        "shared rate limit unavailable; this node's own limit applies",
      );
      return 0;
    }
  }

  #track(work: Promise<unknown>, events: number): void {
    this.#inFlight += 1;
    this.#eventsInFlight += events;
    const tracked = work
      .catch((error: unknown) => {
        this.#deps.logger.error(
          {
            event: LOG.workerError,
            destination: this.destination,
            err: { message: (error as Error).message },
          },
          "failed to record a batch outcome",
        );
      })
      .finally(() => {
        this.#inFlight -= 1;
        this.#eventsInFlight -= events;
        this.#pending.delete(tracked);
        this.#wake?.();
      });
    this.#pending.add(tracked);
  }

  /** Send one batch and record its outcomes; "pending" when some of it will go again (retry, pause). */
  async #send(batch: readonly PackedItem<DeliveryRef>[]): Promise<SendResult> {
    const { clock, logger, service, sink } = this.#deps;
    const started = clock();
    const response = await service.send(sink.request(batch));
    const now = clock();
    const decision = decideRetry(response, now);
    const status = "status" in response ? response.status : undefined;
    this.#observe(batch, status, now - started);
    const withStatus = { ...(status === undefined ? {} : { status }), attempt: { latencyMs: now - started } };
    logger.debug(
      {
        event: LOG.deliveryBatch,
        destination: this.destination,
        items: batch.length,
        ms: now - started,
        status,
      },
      "batch sent",
    );
    const attempt = (item: PackedItem<DeliveryRef>) => item.tag.attempts + 1;
    switch (decision.kind) {
      case "successful":
        this.#count("delivered", batch.length);
        await this.#settle(
          batch.map((item) => ({
            deliveryId: item.tag.deliveryId,
            leaseToken: item.tag.leaseToken,
            state: "delivered",
            attempts: attempt(item),
            ...withStatus,
          })),
          now,
        );
        return "done";
      case "partial": {
        const failed = new Map(decision.failed.map((error) => [error.index, error]));
        const outcomes: DeliveryOutcome[] = batch.map((item, index) => {
          const error = failed.get(index);
          if (!error)
            return {
              deliveryId: item.tag.deliveryId,
              leaseToken: item.tag.leaseToken,
              state: "delivered",
              attempts: attempt(item),
              ...withStatus,
            };
          return {
            deliveryId: item.tag.deliveryId,
            leaseToken: item.tag.leaseToken,
            state: "failed",
            stage: "delivery",
            reason: `Customer.io rejected it: ${error.reason}${error.message ? ` (${truncate(error.message)})` : ""}`,
            ...(error.field ? { field: error.field } : {}),
            attempts: attempt(item),
            ...withStatus,
          };
        });
        logger.warn(
          {
            event: LOG.deliveryFailed,
            destination: this.destination,
            failed: failed.size,
            items: batch.length,
          },
          "Customer.io rejected some items of a batch (207)",
        );
        this.#count("delivered", batch.length - failed.size);
        this.#count("failed", failed.size);
        await this.#settle(worstPerDelivery(outcomes), now);
        return "done";
      }
      case "split": {
        if (batch.length === 1) {
          const item = batch[0]!;
          this.#count("failed", 1);
          await this.#settle(
            [
              {
                deliveryId: item.tag.deliveryId,
                leaseToken: item.tag.leaseToken,
                state: "failed",
                stage: "delivery",
                reason: truncate(decision.reason),
                attempts: attempt(item),
                ...withStatus,
              },
            ],
            now,
          );
          return "done";
        }
        // Bisect so one bad item cannot sink the good ones sharing its request. The halves go one
        // after the other (a person's run may span them); if the first does not finish, the second waits.
        const middle = Math.ceil(batch.length / 2);
        if ((await this.#send(batch.slice(0, middle))) !== "done") {
          await this.#release(batch.slice(middle));
          return "pending";
        }
        return this.#send(batch.slice(middle));
      }
      case "unauthorized":
        if (!this.#paused) {
          this.#paused = true;
          logger.error(
            { event: LOG.destinationUnauthorized, destination: this.destination, status },
            "Customer.io refused the credentials; deliveries wait until siteId/apiKey change",
          );
          await this.#deps.onUnauthorized(decision.reason);
        }
        await this.#release(batch);
        return "pending";
      case "retry": {
        this.#deps.metrics.retries.inc({ destination: this.destination, cause: retryCause(status) });
        if (decision.rateLimited) {
          this.#deps.metrics.rateLimited.inc({ destination: this.destination });
          const rate = this.#rate.onRateLimited(now);
          this.#bucket.setRate(rate, now);
          // A short pause (Retry-After, else about a second) while the halved rate takes over: the
          // rate, not an ever longer pause, is what adapts, so full speed returns within seconds.
          const pause = backoffDelayMs(1, this.#options.backoff, decision.retryAfterMs, this.#deps.random);
          this.#pausedUntilMs = Math.max(this.#pausedUntilMs, now + pause);
          logger.warn(
            {
              event: LOG.destinationRateLimited,
              destination: this.destination,
              pauseMs: pause,
              requestsPerSecond: Math.round(rate * 10) / 10,
            },
            "rate limited by Customer.io; pausing the lane",
          );
        }
        // One retry time for the whole batch (one draw of jitter, from its most-tried item): a
        // person's events in it come due together and stay in order.
        const batchDelay = decision.rateLimited
          ? this.#pausedUntilMs - now
          : backoffDelayMs(
              Math.max(...batch.map(attempt)),
              this.#options.backoff,
              decision.retryAfterMs,
              this.#deps.random,
            );
        const outcomes: DeliveryOutcome[] = batch.map((item) => {
          const attempts = attempt(item);
          const firstAttempt = item.tag.firstAttemptAtMs ?? started;
          if (now - firstAttempt >= this.#options.backoff.maxRetryAgeMs) {
            return {
              deliveryId: item.tag.deliveryId,
              leaseToken: item.tag.leaseToken,
              state: "failed",
              stage: "delivery",
              reason: `gave up after retrying for ${Math.round(this.#options.backoff.maxRetryAgeMs / 3_600_000)} h: ${decision.reason}`,
              attempts,
              ...withStatus,
            };
          }
          // Rate-limited items are not at fault: they go again when the lane resumes.
          const delay = batchDelay;
          return {
            deliveryId: item.tag.deliveryId,
            leaseToken: item.tag.leaseToken,
            state: "retrying",
            nextAttemptAtMs: now + delay,
            reason: decision.reason,
            attempts,
            ...withStatus,
          };
        });
        for (const outcome of outcomes) this.#count(outcome.state === "failed" ? "failed" : "retrying", 1);
        logger.warn(
          {
            event: LOG.deliveryRetry,
            destination: this.destination,
            items: batch.length,
            status,
            reason: decision.reason,
          },
          "batch will be retried",
        );
        await this.#settle(outcomes, now);
        return outcomes.every((outcome) => outcome.state === "failed") ? "done" : "pending";
      }
    }
  }

  /** Events this lane settled for good (delivered or failed) since start: drives the progress line. */
  get settledCount(): number {
    return this.#settled;
  }

  /**
   * Send a delivery's own requests in order (a v1 call, and its v2 items as one batch when the
   * action set produced both). Delivered when every request was accepted; the first request that is
   * not ends the delivery's attempt with that request's outcome.
   */
  async #sendDirect(ref: DeliveryRef, requests: readonly HttpRequestSpec[]): Promise<SendResult> {
    const { clock, service } = this.#deps;
    const started = clock();
    let status: number | undefined;
    for (const request of requests) {
      const now = clock();
      this.#bucket.setRate(this.#rate.current(now), now);
      const wait = Math.max(this.#bucket.take(now), await this.#takeSharedToken(now));
      if (wait > 0) await sleep(wait);
      const sentAt = clock();
      const response = await service.send(request);
      const answeredAt = clock();
      status = "status" in response ? response.status : undefined;
      this.#deps.metrics.requestDuration.observe(
        { destination: this.destination, status_class: statusClass(status) },
        (answeredAt - sentAt) / 1000,
      );
      const decision = decideRetry(response, answeredAt);
      if (decision.kind === "successful") continue;
      const base = {
        deliveryId: ref.deliveryId,
        leaseToken: ref.leaseToken,
        attempts: ref.attempts + 1,
        ...(status === undefined ? {} : { status }),
        attempt: { latencyMs: answeredAt - started },
      };
      if (decision.kind === "unauthorized") {
        if (!this.#paused) {
          this.#paused = true;
          await this.#deps.onUnauthorized(decision.reason);
        }
        await this.#settle(
          [{ deliveryId: ref.deliveryId, leaseToken: ref.leaseToken, state: "released" }],
          answeredAt,
        );
        return "pending";
      }
      if (decision.kind === "retry") {
        if (decision.rateLimited) {
          this.#deps.metrics.rateLimited.inc({ destination: this.destination });
          this.#bucket.setRate(this.#rate.onRateLimited(answeredAt), answeredAt);
        }
        const firstAttempt = ref.firstAttemptAtMs ?? started;
        const giveUp = answeredAt - firstAttempt >= this.#options.backoff.maxRetryAgeMs;
        const delay = backoffDelayMs(
          base.attempts,
          this.#options.backoff,
          decision.retryAfterMs,
          this.#deps.random,
        );
        this.#count(giveUp ? "failed" : "retrying", 1);
        await this.#settle(
          [
            giveUp
              ? { ...base, state: "failed", stage: "delivery", reason: `gave up: ${decision.reason}` }
              : { ...base, state: "retrying", nextAttemptAtMs: answeredAt + delay, reason: decision.reason },
          ],
          answeredAt,
        );
        return giveUp ? "done" : "pending";
      }
      const reason =
        decision.kind === "partial"
          ? `Customer.io rejected it: ${decision.failed[0]?.reason ?? "invalid"}`
          : decision.reason;
      this.#count("failed", 1);
      await this.#settle(
        [{ ...base, state: "failed", stage: "delivery", reason: truncate(reason) }],
        answeredAt,
      );
      return "done";
    }
    const now = clock();
    this.#count("delivered", 1);
    await this.#settle(
      [
        {
          deliveryId: ref.deliveryId,
          leaseToken: ref.leaseToken,
          state: "delivered",
          attempts: ref.attempts + 1,
          ...(status === undefined ? {} : { status }),
          attempt: { latencyMs: now - started },
        },
      ],
      now,
    );
    return "done";
  }

  /** Privacy decisions and stops as metrics: detector, action, stage and a reason kind — never values. */
  #countPrivacy(prepared: ReturnType<CustomerioSink["prepare"]>, deliveryId: number): void {
    const destination = this.destination;
    const decisions = prepared.privacy ?? [];
    for (const decision of decisions) {
      this.#deps.metrics.privacyDecisions.inc({
        destination,
        detector: decision.detector,
        action: decision.action,
      });
    }
    if (decisions.length > 0) {
      // The record of each detection: detector, field path and action — never the value.
      this.#deps.logger.info(
        { event: LOG.privacyDecisions, destination, deliveryId, decisions },
        "PHI/PII found in what would leave; the destination's policy applied",
      );
    }
    if (prepared.kind === "stop" && (prepared.stage === "consent" || prepared.stage === "privacy")) {
      const reason =
        prepared.stage === "privacy"
          ? "phi"
          : prepared.reason.startsWith("Global Privacy Control")
            ? "gpc"
            : prepared.reason.includes("withdrawn")
              ? "withdrawn"
              : "not_given";
      this.#deps.metrics.privacyStops.inc({ destination, stage: prepared.stage, reason });
    }
  }

  #count(outcome: "delivered" | "failed" | "retrying", count: number): void {
    if (outcome !== "retrying") this.#settled += count;
    if (count > 0) this.#deps.metrics.deliveries.inc({ destination: this.destination, outcome }, count);
  }

  #observe(batch: readonly PackedItem<DeliveryRef>[], status: number | undefined, ms: number): void {
    const { metrics } = this.#deps;
    const destination = this.destination;
    metrics.batchItems.observe({ destination }, batch.length);
    metrics.batchBytes.observe(
      { destination },
      batch.reduce((sum, item) => sum + item.bytes + 1, 11),
    );
    metrics.requestDuration.observe({ destination, status_class: statusClass(status) }, ms / 1000);
  }

  async #release(batch: readonly PackedItem<DeliveryRef>[]): Promise<void> {
    await this.#settle(
      batch.map((item) => ({
        deliveryId: item.tag.deliveryId,
        leaseToken: item.tag.leaseToken,
        state: "released",
      })),
      this.#deps.clock(),
    );
  }

  /**
   * Record outcomes. The store ignores those that come too late — this lane's lease ran out (a stall
   * longer than the lease) and another claim took the deliveries, or they were settled meanwhile — so
   * the other claimer's work stands; they are reported as one warning line with their count.
   */
  async #settle(outcomes: readonly DeliveryOutcome[], nowMs: number): Promise<void> {
    const { stale } = await this.#deps.store.settle(outcomes, nowMs);
    if (stale > 0) {
      this.#deps.logger.warn(
        { event: LOG.deliveryStale, destination: this.destination, stale, outcomes: outcomes.length },
        "outcomes ignored: the lease ran out and another claim took these deliveries",
      );
    }
  }

  /** Sleep until woken or `ms` pass; `wakeable: false` ignores notifications (linger). */
  #sleep(ms: number, wakeable = true): Promise<"woken" | "timeout"> {
    // stop() may have called #wake while the loop was awaiting the store (nothing to wake then):
    // a stopped lane must not start a sleep of up to idlePollMs × 30.
    if (wakeable && !this.#running) return Promise.resolve("woken");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (wakeable) this.#wake = null;
        resolve("timeout");
      }, ms);
      if (wakeable) {
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve("woken");
        };
      }
    });
  }
}

/**
 * One outcome per delivery: a delivery whose action set produced several items (`match: all`) is
 * failed if any of its items was rejected.
 */
function worstPerDelivery(outcomes: readonly DeliveryOutcome[]): DeliveryOutcome[] {
  const byId = new Map<number, DeliveryOutcome>();
  for (const outcome of outcomes) {
    const seen = byId.get(outcome.deliveryId);
    if (seen === undefined || (seen.state === "delivered" && outcome.state !== "delivered")) {
      byId.set(outcome.deliveryId, outcome);
    }
  }
  return [...byId.values()];
}

/** Whether every item of a batch reached a final state ("done") or some will be tried again. */
type SendResult = "done" | "pending";

function retryCause(status: number | undefined): string {
  if (status === undefined) return "network";
  if (status === 429) return "429";
  return status >= 500 ? "5xx" : "other";
}

/**
 * The shared rate-limit bucket of a Customer.io workspace: a hash of its site id and Track API base
 * URL (region or trackUrl), so destinations on one workspace share one budget, and neither the site
 * id nor any key is stored in the database.
 *
 * @example
 * workspaceRateKey({ siteId: "abc", region: "us" }); // "cio:" followed by 32 hex digits
 */
export function workspaceRateKey(
  settings: Pick<CustomerioSettings, "siteId" | "region" | "trackUrl">,
): string {
  const text = `sluice-rate-v1\0${settings.siteId}\0${trackBaseUrl(settings)}`;
  return `cio:${bytesToHex(sha256(utf8ToBytes(text))).slice(0, 32)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
