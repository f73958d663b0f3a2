import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../test-support/temp-dir.js";
import { generateKeyLine, Keyring, parseKeyFile, parseKeyValue, readKeyring } from "./keyring.js";

/** A fixed 32-byte key (0x00..0x1f) and its base64. */
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const KEY_B64 = KEY.toString("base64"); // "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
const OTHER_B64 = Buffer.alloc(32, 7).toString("base64");

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

function keyFile(text: string): { dir: string; path: string } {
  const dir = tempDir();
  cleanup.push(dir.remove);
  const path = join(dir.path, "keys.txt");
  writeFileSync(path, text);
  return { dir: dir.path, path };
}

/** The error `work` throws, for asserting its code and message. */
function thrown(work: () => unknown): { code?: string; message: string } {
  try {
    work();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected an error");
}

describe("readKeyring", () => {
  it("is null when neither variable is set (or both are empty)", () => {
    expect(readKeyring({}, "/srv")).toBeNull();
    expect(readKeyring({ SLUICE_ENCRYPTION_KEY: "", SLUICE_ENCRYPTION_KEY_FILE: "" }, "/srv")).toBeNull();
  });

  it("reads SLUICE_ENCRYPTION_KEY as <id>:<base64>, or bare base64 with id k1", () => {
    expect(readKeyring({ SLUICE_ENCRYPTION_KEY: `prod-2026:${KEY_B64}` }, "/srv")?.keyIds).toEqual([
      "prod-2026",
    ]);
    const bare = readKeyring({ SLUICE_ENCRYPTION_KEY: KEY_B64 }, "/srv");
    expect(bare?.currentKeyId).toBe("k1");
    expect(bare?.secretKey("k1")?.export()).toEqual(KEY);
    // URL-safe base64 without padding is the same key.
    const urlSafe = readKeyring({ SLUICE_ENCRYPTION_KEY: `k1:${KEY.toString("base64url")}` }, "/srv");
    expect(urlSafe?.secretKey("k1")?.export()).toEqual(KEY);
  });

  it("reads a key file relative to cwd: the first line is current, comments and blank lines ignored", () => {
    const { dir } = keyFile(`# newest first\n\nk2 ${OTHER_B64}\r\n  k1\t${KEY_B64}  \n`);
    const keyring = readKeyring({ SLUICE_ENCRYPTION_KEY_FILE: "keys.txt" }, dir);
    expect(keyring?.currentKeyId).toBe("k2");
    expect(keyring?.keyIds).toEqual(["k2", "k1"]);
    expect(keyring?.secretKey("k1")?.export()).toEqual(KEY);
    expect(keyring?.secretKey("k3")).toBeUndefined();
  });

  it.each([
    [
      { SLUICE_ENCRYPTION_KEY: KEY_B64, SLUICE_ENCRYPTION_KEY_FILE: "keys.txt" },
      "ER_STORE_KEY_INVALID: set SLUICE_ENCRYPTION_KEY or SLUICE_ENCRYPTION_KEY_FILE, not both (with a key file, put every key in it)",
    ],
    [
      { SLUICE_ENCRYPTION_KEY: Buffer.alloc(16, 1).toString("base64") },
      'ER_STORE_KEY_INVALID: SLUICE_ENCRYPTION_KEY (key "k1") decodes to 16 bytes; AES-256 needs exactly 32 (generate one with `sluice keygen`)',
    ],
    [
      { SLUICE_ENCRYPTION_KEY: "k1:not*base64!" },
      'ER_STORE_KEY_INVALID: SLUICE_ENCRYPTION_KEY (key "k1") is not valid base64 (generate a key with `sluice keygen`)',
    ],
    [
      { SLUICE_ENCRYPTION_KEY: `bad id:${KEY_B64}` },
      "ER_STORE_KEY_INVALID: SLUICE_ENCRYPTION_KEY: the key id before ':' must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
    ],
    [
      { SLUICE_ENCRYPTION_KEY_FILE: "/nonexistent/keys.txt" },
      "ER_STORE_KEY_INVALID: cannot read SLUICE_ENCRYPTION_KEY_FILE /nonexistent/keys.txt (ENOENT)",
    ],
  ])("refuses %j with a clear message", (env, message) => {
    const error = thrown(() => readKeyring(env, "/srv"));
    expect(error).toMatchObject({ code: "ER_STORE_KEY_INVALID", message });
  });

  it.each([
    [`k1 ${KEY_B64}\nk1 ${OTHER_B64}\n`, 'keys.txt:2: key id "k1" appears twice; every key needs its own id'],
    [`k1 ${KEY_B64} extra\n`, 'keys.txt:1: expected "<id> <base64 key>" (two fields separated by a space)'],
    [`${KEY_B64}\n`, 'keys.txt:1: expected "<id> <base64 key>" (two fields separated by a space)'],
    [
      `k1 ${KEY_B64}\nk2 ${KEY_B64.slice(0, 40)}\n`,
      'keys.txt:2 (key "k2") decodes to 30 bytes; AES-256 needs exactly 32 (generate one with `sluice keygen`)',
    ],
    ["# only a comment\n", 'keys.txt: no key in the file (expected "<id> <base64 key>" lines)'],
  ])("refuses the key file %j, naming the line, never the key", (text, message) => {
    const error = thrown(() => parseKeyFile(text, "keys.txt"));
    expect(error).toMatchObject({
      code: "ER_STORE_KEY_INVALID",
      message: `ER_STORE_KEY_INVALID: ${message}`,
    });
    expect(error.message).not.toContain(KEY_B64.slice(0, 12));
  });

  it("never shows key material in an error, even when the id and key are swapped", () => {
    const error = thrown(() => parseKeyFile(`${KEY_B64} k1\n`, "keys.txt"));
    expect(error.message).toBe(
      "ER_STORE_KEY_INVALID: keys.txt:1: the key id must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
    // Two keys pasted as "<key>:<key>": the first is no valid id, and is not echoed.
    const pasted = Buffer.alloc(32, 0xfb).toString("base64"); // "+/v7+/v7..."
    const single = thrown(() => parseKeyValue(`${pasted}:${KEY_B64}`));
    expect(single.message).toBe(
      "ER_STORE_KEY_INVALID: SLUICE_ENCRYPTION_KEY: the key id before ':' must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  });
});

describe("Keyring", () => {
  it("prints, serialises and inspects as [redacted]", () => {
    const keyring = Keyring.fromKeys([{ id: "k1", key: KEY }]);
    expect(String(keyring)).toBe("[redacted]");
    expect(`${keyring}`).toBe("[redacted]");
    expect(JSON.stringify({ keyring })).toBe('{"keyring":"[redacted]"}');
    expect(inspect(keyring)).toBe("[redacted]");
    expect(inspect({ nested: { keyring } }, { depth: 5 })).toBe("{ nested: { keyring: [redacted] } }");
  });

  it("keeps its own copy of the keys: zeroing the input changes nothing", () => {
    const key = Buffer.from(KEY);
    const keyring = Keyring.fromKeys([{ id: "k1", key }]);
    key.fill(0);
    expect(keyring.secretKey("k1")?.export()).toEqual(KEY);
  });

  it("refuses no keys, duplicate ids and wrong lengths", () => {
    expect(thrown(() => Keyring.fromKeys([])).message).toBe(
      "ER_STORE_KEY_INVALID: the keyring needs at least one key",
    );
    expect(
      thrown(() =>
        Keyring.fromKeys([
          { id: "a", key: KEY },
          { id: "a", key: KEY },
        ]),
      ).message,
    ).toBe('ER_STORE_KEY_INVALID: key id "a" appears twice; every key needs its own id');
    expect(thrown(() => Keyring.fromKeys([{ id: "a", key: randomBytes(31) }])).message).toBe(
      'ER_STORE_KEY_INVALID: key "a" is 31 bytes; AES-256 needs 32',
    );
  });
});

describe("generateKeyLine", () => {
  it("makes a fresh 32-byte key line every time, which the parser reads back", () => {
    const first = generateKeyLine("k9");
    const second = generateKeyLine("k9");
    expect(first).toMatch(/^k9 [A-Za-z0-9+/]{43}=$/);
    expect(first).not.toBe(second);
    const [key] = parseKeyFile(first, "generated");
    expect(key?.id).toBe("k9");
    expect(key?.key).toEqual(Buffer.from(first.split(" ")[1] ?? "", "base64"));
  });
});
