import { describe, expect, it } from "vitest";
import { dedupeRounds } from "./enqueue-group.js";

const key = (sourceName: string, messageId: string) => ({ sourceName, messageId });

describe("dedupeRounds", () => {
  it("is one round, sorted by key, when no key repeats", () => {
    expect(dedupeRounds([key("web", "b"), key("web", "a"), key("app", "z")])).toEqual([[2, 1, 0]]);
  });

  it("puts the k-th copy of a key in round k, keeping copies in input order", () => {
    const events = [key("web", "m"), key("web", "n"), key("web", "m"), key("ios", "m"), key("web", "m")];
    expect(dedupeRounds(events)).toEqual([[3, 0, 1], [2], [4]]);
  });

  it("has no rounds for no events", () => {
    expect(dedupeRounds([])).toEqual([]);
  });
});
