import { describe, expect, it } from "vitest";
import type { DeliveryLogEntry } from "../store/port.js";
import { deliveryStages, type StageStatus } from "./event-trace.js";

describe("deliveryStages", () => {
  const P = "passed";
  const N = "not reached";
  const W = "pending";
  // ingest, allowlist, consent, mapping, privacy, limits, delivery
  const cases: [Pick<DeliveryLogEntry, "state" | "stage">, StageStatus[]][] = [
    [{ state: "delivered", stage: null }, [P, P, P, P, P, P, P]],
    [{ state: "stopped", stage: "ingest" }, ["stopped", N, N, N, N, N, N]],
    [{ state: "stopped", stage: "allowlist" }, [P, "stopped", N, N, N, N, N]],
    [{ state: "stopped", stage: "consent" }, [P, P, "stopped", N, N, N, N]],
    [{ state: "stopped", stage: "mapping" }, [P, P, P, "stopped", N, N, N]],
    [{ state: "stopped", stage: "privacy" }, [P, P, P, P, "stopped", N, N]],
    [{ state: "stopped", stage: "limits" }, [P, P, P, P, P, "stopped", N]],
    [{ state: "failed", stage: "limits" }, [P, P, P, P, P, "failed", N]],
    [{ state: "failed", stage: "delivery" }, [P, P, P, P, P, P, "failed"]],
    [{ state: "failed", stage: null }, [P, P, P, P, P, P, "failed"]],
    [{ state: "retrying", stage: null }, [P, P, P, P, P, P, "retrying"]],
    [{ state: "queued", stage: null }, [P, W, W, W, W, W, W]],
  ];
  it.each(cases)("%o", (entry, statuses) => {
    expect(deliveryStages(entry)).toEqual(
      ["ingest", "allowlist", "consent", "mapping", "privacy", "limits", "delivery"].map((stage, i) => ({
        stage,
        status: statuses[i],
      })),
    );
  });
});
