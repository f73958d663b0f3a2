import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./errors.js";

describe("error codes", () => {
  it("are each documented in docs/errors.md", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../docs/errors.md", import.meta.url)), "utf8");
    const undocumented = Object.keys(ERROR_CODES).filter((code) => !doc.includes(`\`${code}\``));
    expect(undocumented).toEqual([]);
  });
});
