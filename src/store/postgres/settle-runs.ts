import type { DeliveryOutcome } from "../port.js";

/** One run of outcomes with distinct delivery ids, as the parallel arrays `settleRun` binds. */
export interface SettleRun {
  ids: number[];
  states: string[];
  stages: (string | null)[];
  reasons: (string | null)[];
  fields: (string | null)[];
  attempts: (number | null)[];
  statuses: (number | null)[];
  nextAttemptAtMs: (number | null)[];
  latencyMs: (number | null)[];
  leaseTokens: string[];
}

/**
 * Split outcomes into consecutive runs whose delivery ids are distinct, in input order, each as
 * `settleRun` parameters sorted by id. One UPDATE cannot apply two outcomes to one row in order, so a
 * call naming a delivery twice (rare) becomes several runs; sorting makes every settle lock rows in
 * the same order, so concurrent settles of overlapping deliveries cannot deadlock.
 *
 * @example
 * settleRuns([
 *   { deliveryId: 2, leaseToken: "t", state: "delivered", attempts: 1 },
 *   { deliveryId: 1, leaseToken: "t", state: "released" },
 * ]);
 * // one run: ids [1, 2], states ["released", "delivered"]
 */
export function settleRuns(outcomes: readonly DeliveryOutcome[]): SettleRun[] {
  const runs: DeliveryOutcome[][] = [];
  let current: DeliveryOutcome[] = [];
  let ids = new Set<number>();
  for (const outcome of outcomes) {
    if (ids.has(outcome.deliveryId)) {
      runs.push(current);
      current = [];
      ids = new Set();
    }
    ids.add(outcome.deliveryId);
    current.push(outcome);
  }
  if (current.length > 0) runs.push(current);
  return runs.map((run) => toColumns([...run].sort((a, b) => a.deliveryId - b.deliveryId)));
}

function toColumns(run: readonly DeliveryOutcome[]): SettleRun {
  const columns: SettleRun = {
    ids: [],
    states: [],
    stages: [],
    reasons: [],
    fields: [],
    attempts: [],
    statuses: [],
    nextAttemptAtMs: [],
    latencyMs: [],
    leaseTokens: [],
  };
  for (const outcome of run) {
    columns.ids.push(outcome.deliveryId);
    columns.states.push(outcome.state);
    columns.leaseTokens.push(outcome.leaseToken);
    if (outcome.state === "released") {
      columns.stages.push(null);
      columns.reasons.push(null);
      columns.fields.push(null);
      columns.attempts.push(null);
      columns.statuses.push(null);
      columns.nextAttemptAtMs.push(outcome.nextAttemptAtMs ?? null);
      columns.latencyMs.push(null);
      continue;
    }
    const failure = outcome.state === "failed" || outcome.state === "stopped";
    columns.stages.push(failure ? outcome.stage : null);
    columns.reasons.push(outcome.state === "delivered" ? null : outcome.reason);
    columns.fields.push(failure ? (outcome.field ?? null) : null);
    columns.attempts.push(outcome.attempts);
    columns.statuses.push(outcome.status ?? null);
    columns.nextAttemptAtMs.push(outcome.state === "retrying" ? outcome.nextAttemptAtMs : null);
    columns.latencyMs.push(outcome.attempt?.latencyMs ?? null);
  }
  return columns;
}

/**
 * The parameters of `settleRun` for `run` at `nowMs`.
 *
 * @example
 * await client.query(sql.settleRun, settleRunParameters(run, nowMs));
 */
export function settleRunParameters(run: SettleRun, nowMs: number): unknown[] {
  return [
    run.ids,
    run.states,
    run.stages,
    run.reasons,
    run.fields,
    run.attempts,
    run.statuses,
    run.nextAttemptAtMs,
    run.latencyMs,
    nowMs,
    run.leaseTokens,
  ];
}
