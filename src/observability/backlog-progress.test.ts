import { describe, expect, it } from "vitest";
import { BacklogProgress } from "./backlog-progress.js";

describe("BacklogProgress", () => {
  it("says nothing for a small queue, then done/total, rate and time left, then a final line", () => {
    const progress = new BacklogProgress(500, 0);
    expect(progress.update({ settled: 600, waiting: 40 }, 1000)).toBeNull();
    // The backlog appears at t = 2 s with 600 settled so far.
    expect(progress.update({ settled: 600, waiting: 200_000 }, 2000)?.line).toBe(
      "0/200,000 delivered (0/s, starting)",
    );
    expect(progress.update({ settled: 40_600, waiting: 160_000 }, 3000)?.line).toBe(
      "40,000/200,000 delivered (40,000/s, ~4 s left)",
    );
    const last = progress.update({ settled: 200_600, waiting: 0 }, 7000);
    expect(last).toMatchObject({ finished: true, done: 200_000, total: 200_000 });
    expect(last?.line).toBe("200,000/200,000 delivered in 5 s (40,000/s): backlog drained");
    expect(progress.update({ settled: 200_600, waiting: 0 }, 8000)).toBeNull();
  });

  it("counts events that keep arriving into the total", () => {
    const progress = new BacklogProgress(0, 0);
    progress.update({ settled: 0, waiting: 5000 }, 0);
    expect(progress.update({ settled: 3000, waiting: 4000 }, 60_000)).toMatchObject({
      done: 3000,
      total: 7000,
      perSecond: 50,
    });
    expect(progress.update({ settled: 3000, waiting: 4000 }, 60_000)?.line).toContain("~80 s left");
  });
});
