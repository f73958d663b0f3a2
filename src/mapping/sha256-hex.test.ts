import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./sha256-hex.js";

describe("sha256Hex", () => {
  it("matches the FIPS 180-2 test vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("prepends the salt", () => {
    expect(sha256Hex("bc", "a")).toBe(sha256Hex("abc"));
    expect(sha256Hex("u_123", "s1")).toBe("2b16b3d2094f63fdb066f00f4216f0c7645fe1ef7b5f7dc321994c83a04e6acc");
  });

  it("hashes UTF-8 like node:crypto", () => {
    for (const text of ["héllo", "日本語", "😀 emoji", "a\u0000b"]) {
      expect(sha256Hex(text, "sält")).toBe(createHash("sha256").update(`sält${text}`, "utf8").digest("hex"));
    }
  });
});
