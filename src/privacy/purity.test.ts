import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const here = new URL(".", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("privacy core purity", () => {
  it("imports no node:* module and reads no environment or clock, so the browser runs the same code", () => {
    const files = [...sources(here), join(here, "../contracts/privacy.ts")];
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const code = readFileSync(file, "utf8");
      expect(code, file).not.toMatch(/from "node:|require\(|process\.|Date\.now|new Date\(|performance\.now/);
      const imports = [...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
      for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^(\.{1,2}\/.*\.js|zod)$/);
    }
  });
});
