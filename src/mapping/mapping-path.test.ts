import { describe, expect, it } from "vitest";
import { formatMappingPath } from "./format-mapping-path.js";
import { formatPathText, parseMappingPath, readMappingPath } from "./mapping-path.js";

function parsed(text: string) {
  const result = parseMappingPath(text);
  if (!result.ok) throw new Error(result.message);
  return result.path;
}

describe("parseMappingPath", () => {
  it.each([
    ["$", "$", []],
    ["@", "@", []],
    ["$.traits.email", "$", ["traits", "email"]],
    ["$.context.user-agent", "$", ["context", "user-agent"]],
    ["$.traits.prénom", "$", ["traits", "prénom"]],
    ['$["first name"]', "$", ["first name"]],
    ["$['first name']", "$", ["first name"]],
    ['$["a\\"b"]', "$", ['a"b']],
    ['$["a.b"][0]', "$", ["a.b", 0]],
    ["$.items[-1].sku", "$", ["items", -1, "sku"]],
    ['$[""]', "$", [""]],
    ["@.sku", "@", ["sku"]],
    ["@[0]", "@", [0]],
  ])("%s", (text, root, segments) => {
    expect(parsed(text)).toMatchObject({ root, segments });
  });

  it("gives a canonical text", () => {
    expect(parsed("$['traits'][\"email\"]").text).toBe("$.traits.email");
    expect(parsed('$["first name"][0]').text).toBe('$["first name"][0]');
    expect(formatPathText("$", ["*", "", "a.b"])).toBe('$["*"][""]["a.b"]');
  });

  it.each([
    ["traits.email", "starts with $"],
    ["$.", 'after "."'],
    ["$..a", "recursive descent"],
    ["$[*]", "wildcards"],
    ["$.*", "wildcards"],
    ["$.a b", "spaces"],
    ['$["a', "unclosed quote"],
    ['$["a"x', 'expected "]"'],
    ["$[a]", "neither an index"],
    ["$[1.5]", "neither an index"],
    ["$[99999999999999999999]", "neither an index"],
    ["$[0", "unclosed"],
    ["$a", 'unexpected "a"'],
  ])("rejects %s with a message about %s", (text, fragment) => {
    const result = parseMappingPath(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(fragment);
  });
});

describe("readMappingPath", () => {
  const event = { a: { b: [1, { c: "x" }] }, list: ["p", "q"] };
  it("reads keys and indexes", () => {
    expect(readMappingPath(parsed("$.a.b[1].c"), event, undefined)).toBe("x");
    expect(readMappingPath(parsed("$.a.b[-2]"), event, undefined)).toBe(1);
    expect(readMappingPath(parsed("$.list.1"), event, undefined)).toBe("q");
    expect(readMappingPath(parsed("@.c"), event, { c: 3 })).toBe(3);
    expect(readMappingPath(parsed("$"), event, undefined)).toBe(event);
  });

  it("reads only own properties", () => {
    expect(readMappingPath(parsed("$.constructor"), {}, undefined)).toBeUndefined();
    expect(readMappingPath(parsed("$.list.length"), event, undefined)).toBeUndefined();
    expect(readMappingPath(parsed('$["__proto__"]'), {}, undefined)).toBeUndefined();
    expect(readMappingPath(parsed('$["__proto__"]'), JSON.parse('{"__proto__":1}'), undefined)).toBe(1);
    expect(readMappingPath(parsed("$.length"), "text", undefined)).toBeUndefined();
    expect(readMappingPath(parsed("$[0]"), "text", undefined)).toBeUndefined();
    expect(readMappingPath(parsed("$.list.01"), event, undefined)).toBeUndefined();
  });
});

describe("formatMappingPath", () => {
  it("formats issue locations", () => {
    expect(formatMappingPath(["actions", 0, "fields", "email", "transforms", 1])).toBe(
      "actions[0].fields.email.transforms[1]",
    );
    expect(formatMappingPath(["fields", "full name", "template"])).toBe('fields["full name"].template');
    expect(formatMappingPath([0, "a"])).toBe("[0].a");
    expect(formatMappingPath([])).toBe("");
  });
});
