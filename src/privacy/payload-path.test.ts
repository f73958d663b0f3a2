import { describe, expect, it } from "vitest";
import { formatPayloadPath, type PathSegment, parsePayloadPath, resolvePayloadPath } from "./payload-path.js";

describe("payload paths", () => {
  it.each<[PathSegment[], string]>([
    [[], ""],
    [["attributes", "notes"], "attributes.notes"],
    [["attributes", "items", 2, "name"], "attributes.items[2].name"],
    [["attributes", "first name"], 'attributes["first name"]'],
    [["a", "0"], 'a["0"]'],
    [[0, "a"], "[0].a"],
    [["utm-source", "$x", "_y"], "utm-source.$x._y"],
    [["cart", { keyAt: 3 }, "qty"], "cart{3}.qty"],
    [["", 'q"uote\\', "ü"], '[""]["q\\"uote\\\\"]["ü"]'],
  ])("formats and parses %j as %s", (segments, text) => {
    expect(formatPayloadPath(segments)).toBe(text);
    expect(parsePayloadPath(text)).toEqual(segments);
  });

  it.each(["a..b", ".a", "a[", "a[01]", "a[-1]", 'a["x"', "a{x}", "a b", "a]", '["x"]x', "1a"])(
    "rejects %j",
    (text) => {
      expect(parsePayloadPath(text)).toBeNull();
    },
  );

  it("resolves keys, indexes and key positions", () => {
    const payload = { a: [{ b: 1 }], c: { "x@y.com": "v", d: "w" } };
    expect(resolvePayloadPath(payload, ["a", 0, "b"])).toEqual({
      value: 1,
      concrete: ["a", 0, "b"],
      fieldName: "b",
      parentFieldName: "a",
      endsWithKey: true,
    });
    expect(resolvePayloadPath(payload, ["c", { keyAt: 0 }])).toMatchObject({
      value: "v",
      concrete: ["c", "x@y.com"],
      fieldName: "x@y.com",
      parentFieldName: "c",
    });
    expect(resolvePayloadPath(payload, ["a", 0])).toMatchObject({ fieldName: "a", endsWithKey: false });
    expect(resolvePayloadPath(payload, [])).toMatchObject({ value: payload, concrete: [] });
  });

  it.each<PathSegment[]>([
    ["z"],
    ["a", 1],
    ["a", "0"],
    ["c", { keyAt: 2 }],
    ["a", 0, "b", "c"],
    ["toString"],
  ])("does not resolve %j", (...segments) => {
    expect(resolvePayloadPath({ a: [{ b: 1 }], c: { x: 1, y: 2 } }, segments)).toBeNull();
  });
});
