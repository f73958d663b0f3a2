import { describe, expect, it } from "vitest";
import { maskPayload } from "./mask-payload.js";

describe("maskPayload", () => {
  const cases: { name: string; input: unknown; masked: unknown }[] = [
    { name: "a text", input: "ada@example.com", masked: "<text, 15 chars>" },
    { name: "a one-character text", input: "x", masked: "<text, 1 char>" },
    { name: "an empty text", input: "", masked: "<text, 0 chars>" },
    { name: "accents count once", input: "Zoë Ångström", masked: "<text, 12 chars>" },
    { name: "CJK characters", input: "東京都", masked: "<text, 3 chars>" },
    { name: "an emoji is one character, not two UTF-16 units", input: "ok 🙂", masked: "<text, 4 chars>" },
    { name: "an integer", input: 36, masked: "<number, 2 chars>" },
    { name: "a decimal, by its JSON form", input: -42.5, masked: "<number, 5 chars>" },
    { name: "true gets no size", input: true, masked: "<boolean>" },
    { name: "false gets no size", input: false, masked: "<boolean>" },
    { name: "null stays", input: null, masked: null },
    { name: "an empty object", input: {}, masked: {} },
    { name: "an empty array", input: [], masked: [] },
    {
      name: "an array keeps its length and order",
      input: ["a", 1, null, false],
      masked: ["<text, 1 char>", "<number, 1 char>", null, "<boolean>"],
    },
    {
      name: "nested objects keep keys and structure",
      input: { traits: { email: "ada@example.com", address: { city: "Zürich", zip: 8001 } } },
      masked: {
        traits: { email: "<text, 15 chars>", address: { city: "<text, 6 chars>", zip: "<number, 4 chars>" } },
      },
    },
    {
      name: "objects inside arrays",
      input: { products: [{ sku: "A-1", price: 9.99 }, { sku: "B-22" }] },
      masked: {
        products: [{ sku: "<text, 3 chars>", price: "<number, 4 chars>" }, { sku: "<text, 4 chars>" }],
      },
    },
    {
      name: "type, event and messageId stay at the top level",
      input: { type: "track", event: "Order Completed", messageId: "m-1", userId: "u-42" },
      masked: { type: "track", event: "Order Completed", messageId: "m-1", userId: "<text, 4 chars>" },
    },
    {
      name: "the same names deeper down are masked",
      input: { properties: { type: "insulin", event: "refill", messageId: "x" } },
      masked: {
        properties: { type: "<text, 7 chars>", event: "<text, 6 chars>", messageId: "<text, 1 char>" },
      },
    },
    {
      name: "a top-level type that is not a text is masked",
      input: { type: 5, event: { name: "x" }, messageId: null },
      masked: { type: "<number, 1 char>", event: { name: "<text, 1 char>" }, messageId: null },
    },
    {
      name: "other top-level names (name, userId, context) are masked",
      input: { name: "Pricing", context: { ip: "10.0.0.1" } },
      masked: { name: "<text, 7 chars>", context: { ip: "<text, 8 chars>" } },
    },
    { name: "a top-level array", input: [{ type: "track" }], masked: [{ type: "<text, 5 chars>" }] },
  ];

  it.each(cases)("$name", ({ input, masked }) => {
    expect(maskPayload(input)).toEqual(masked);
  });

  it("does not change its input", () => {
    const input = { traits: { email: "ada@example.com" }, list: [1] };
    const copy = structuredClone(input);
    maskPayload(input);
    expect(input).toEqual(copy);
  });
});
