import { describe, expect, it } from "vitest";
import { chooseClaim, extraCandidates, type KeyRunRow, type WindowRow } from "./claim-order.js";

const w = (id: number, orderingKey: string | null = null): WindowRow => ({ id, orderingKey });
const k = (key: string, id: number, ready = true): KeyRunRow => ({ key, id, ready });

describe("chooseClaim", () => {
  it("takes unkeyed rows in window order, up to the limit", () => {
    expect(chooseClaim([w(1), w(2), w(3)], [], new Set(), 2)).toEqual([1, 2]);
  });

  it("brings a key's whole run at its first window row, contiguous, continuing past the window", () => {
    const window = [w(1, "p"), w(2), w(3, "p"), w(4, "q")];
    const runs = [k("p", 1), k("p", 3), k("p", 7), k("q", 4), k("q", 8)];
    expect(chooseClaim(window, runs, new Set([7, 8]), 10)).toEqual([1, 3, 7, 2, 4, 8]);
    expect(chooseClaim(window, runs, new Set([7, 8]), 4)).toEqual([1, 3, 7, 2]);
  });

  it("blocks a key whose first waiting row is not in hand (leased, not due, or another node's)", () => {
    const window = [w(5, "p"), w(6)];
    expect(chooseClaim(window, [k("p", 2, false), k("p", 5)], new Set(), 10)).toEqual([6]);
    // Ready but locked by another claimer: extraCandidates offered it, the lock failed.
    expect(chooseClaim(window, [k("p", 2), k("p", 5)], new Set(), 10)).toEqual([6]);
    expect(chooseClaim(window, [k("p", 2), k("p", 5)], new Set([2]), 10)).toEqual([2, 5, 6]);
  });

  it("ends a run at a hole another node's claim left in the window", () => {
    // Rows 1 and 3 are ours; row 2 (same person) was locked by another claimer while we scanned.
    const window = [w(1, "p"), w(3, "p"), w(4)];
    expect(chooseClaim(window, [k("p", 1), k("p", 2), k("p", 3)], new Set(), 10)).toEqual([1, 4]);
  });
});

describe("extraCandidates", () => {
  it("offers the ready rows of the window's keys that the window does not hold, up to the run's end", () => {
    const window = [w(1, "p"), w(3, "p")];
    // 4 is not ready: the run ends there, so 5 could never be taken and is not worth a lock.
    expect(
      extraCandidates(window, [k("p", 1), k("p", 2), k("p", 3), k("p", 4, false), k("p", 5)], 10),
    ).toEqual([2]);
  });

  it("offers no more than the claim can take: long runs of many people cost the limit, not the backlog", () => {
    const window = Array.from({ length: 4 }, (_, i) => w(i + 1, `p${i}`));
    // Every person has 40 waiting deliveries: the first in the window, 39 after it.
    const runs = window.flatMap((row, i) =>
      Array.from({ length: 40 }, (_, n) => k(`p${i}`, n === 0 ? row.id : 100 * (i + 1) + n)),
    );
    const candidates = extraCandidates(window, runs, 50);
    // p0: its window row and 39 candidates (40); p1: its window row and 9 candidates (50 in all).
    expect(candidates).toHaveLength(48);
    const locked = new Set(candidates);
    expect(chooseClaim(window, runs, locked, 50)).toHaveLength(50);
  });
});
