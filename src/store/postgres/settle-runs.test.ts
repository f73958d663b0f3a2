import { describe, expect, it } from "vitest";
import { settleRunParameters, settleRuns } from "./settle-runs.js";

describe("settleRuns", () => {
  it("turns distinct outcomes into one run of columns sorted by id", () => {
    const runs = settleRuns([
      {
        deliveryId: 9,
        leaseToken: "t9",
        state: "delivered",
        attempts: 1,
        status: 200,
        attempt: { latencyMs: 12 },
      },
      { deliveryId: 3, leaseToken: "t3", state: "released", nextAttemptAtMs: 50 },
      {
        deliveryId: 5,
        leaseToken: "t5",
        state: "failed",
        attempts: 2,
        stage: "delivery",
        reason: "HTTP 400",
        field: "traits.email",
      },
      {
        deliveryId: 4,
        leaseToken: "t4",
        state: "retrying",
        attempts: 1,
        nextAttemptAtMs: 70,
        reason: "HTTP 503",
      },
    ]);
    expect(runs).toEqual([
      {
        ids: [3, 4, 5, 9],
        states: ["released", "retrying", "failed", "delivered"],
        stages: [null, null, "delivery", null],
        reasons: [null, "HTTP 503", "HTTP 400", null],
        fields: [null, null, "traits.email", null],
        attempts: [null, 1, 2, 1],
        statuses: [null, null, null, 200],
        nextAttemptAtMs: [50, 70, null, null],
        latencyMs: [null, null, null, 12],
        leaseTokens: ["t3", "t4", "t5", "t9"],
      },
    ]);
    // $10 is the clock, $11 the lease tokens (see `settleRun`).
    expect(settleRunParameters(runs[0]!, 77)).toHaveLength(11);
    expect(settleRunParameters(runs[0]!, 77).slice(-2)).toEqual([77, ["t3", "t4", "t5", "t9"]]);
  });

  it("starts a new run where a delivery repeats, so outcomes for it apply in order", () => {
    const runs = settleRuns([
      { deliveryId: 1, leaseToken: "t1", state: "retrying", attempts: 1, nextAttemptAtMs: 5, reason: "x" },
      { deliveryId: 2, leaseToken: "t2", state: "delivered", attempts: 1 },
      { deliveryId: 1, leaseToken: "t1", state: "delivered", attempts: 2 },
      { deliveryId: 1, leaseToken: "t1", state: "released" },
    ]);
    expect(runs.map((run) => [run.ids, run.states])).toEqual([
      [
        [1, 2],
        ["retrying", "delivered"],
      ],
      [[1], ["delivered"]],
      [[1], ["released"]],
    ]);
  });
});
