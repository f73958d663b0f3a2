import { describe, expect, it } from "vitest";
import { type SourceConfig, validateConfig } from "../contracts/config.js";
import { sourceKeys } from "./source-keys.js";

function sources(raw: unknown[]): readonly SourceConfig[] {
  const parsed = validateConfig({ sources: raw });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config.sources;
}

describe("sourceKeys", () => {
  it("finds a source by its write key, in a fixed list", () => {
    const keys = sourceKeys(sources([{ name: "web", writeKey: "wk_web" }]), () => 0);
    expect(keys.get("wk_web")?.name).toBe("web");
    expect(keys.get("wk_other")).toBeUndefined();
  });

  it("follows a getter: a new list is indexed again, the same list is not", () => {
    let list = sources([{ name: "web", writeKey: "wk_web" }]);
    let reads = 0;
    const keys = sourceKeys(
      () => {
        reads += 1;
        return list;
      },
      () => 0,
    );
    expect(keys.get("wk_web")?.name).toBe("web");
    list = sources([{ name: "app", writeKey: "wk_app" }]);
    expect(keys.get("wk_web")).toBeUndefined();
    expect(keys.get("wk_app")?.name).toBe("app");
    expect(reads).toBe(3);
  });

  it("accepts a rotated-out key until it expires, then refuses it", () => {
    let now = 1000;
    const keys = sourceKeys(
      sources([
        { name: "web", writeKey: "wk_new", previousWriteKey: "wk_old", previousWriteKeyExpiresAtMs: 5000 },
      ]),
      () => now,
    );
    expect(keys.get("wk_new")?.name).toBe("web");
    expect(keys.get("wk_old")?.name).toBe("web");
    now = 4999;
    expect(keys.get("wk_old")?.name).toBe("web");
    now = 5000;
    expect(keys.get("wk_old")).toBeUndefined();
    expect(keys.get("wk_new")?.name).toBe("web");
  });
});
