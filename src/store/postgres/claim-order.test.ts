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
  it("offers the ready rows of the window's keys that the window does not hold", () => {
    const window = [w(1, "p"), w(3, "p")];
    expect(extraCandidates(window, [k("p", 1), k("p", 2), k("p", 3), k("p", 4, false), k("p", 5)])).toEqual([
      2, 5,
    ]);
  });
});
