import { describe, expect, it } from "vitest";
import { classifyHealth } from "./health.js";

describe("classifyHealth", () => {
  it.each([
    [{ delivered: 0, failed: 0, stopped: 7 }, "no_data", null],
    [{ delivered: 95, failed: 5, stopped: 0 }, "healthy", 0.95],
    [{ delivered: 94, failed: 6, stopped: 0 }, "degraded", 0.94],
    [{ delivered: 50, failed: 50, stopped: 0 }, "degraded", 0.5],
    [{ delivered: 49, failed: 51, stopped: 0 }, "unhealthy", 0.49],
    [{ delivered: 0, failed: 3, stopped: 0 }, "unhealthy", 0],
    [{ delivered: 1, failed: 0, stopped: 1000 }, "healthy", 1],
  ])("%j → %s", (counts, status, successRate) => {
    expect(classifyHealth("cio", counts)).toEqual({ destination: "cio", status, successRate, ...counts });
  });

  it("reports no_data for a destination without counts", () => {
    expect(classifyHealth("cio", undefined).status).toBe("no_data");
  });
});
