import { describe, expect, it } from "vitest";
import { parseKeyFile, readKeyring } from "../store/keyring.js";
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

function cliIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env: {}, cwd: "/", stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

describe("sluice keygen", () => {
  it("prints only a fresh key-file line on stdout, with a dated id, and how to use it on stderr", async () => {
    const first = cliIo();
    const second = cliIo();
    expect(await runCli(["keygen"], first)).toBe(0);
    expect(await runCli(["keygen"], second)).toBe(0);
    expect(first.out).toHaveLength(1);
    expect(first.out[0]).toMatch(/^k\d{8}-[0-9a-f]{4} [A-Za-z0-9+/]{43}=\n$/);
    expect(first.out[0]).not.toBe(second.out[0]);
    expect(first.err).toEqual([
      "put this line first in SLUICE_ENCRYPTION_KEY_FILE, keep older keys below it, restart Sluice, then run `sluice rotate-key` (docs/privacy.md)\n",
    ]);
    const [key] = parseKeyFile(first.out[0] ?? "", "stdout");
    expect(key?.key).toHaveLength(32);
  });

  it("prints <id>:<base64> with --env, which SLUICE_ENCRYPTION_KEY accepts", async () => {
    const io = cliIo();
    expect(await runCli(["keygen", "--id", "prod-2", "--env"], io)).toBe(0);
    expect(io.out[0]).toMatch(/^prod-2:[A-Za-z0-9+/]{43}=\n$/);
    const keyring = readKeyring({ SLUICE_ENCRYPTION_KEY: (io.out[0] ?? "").trim() }, "/");
    expect(keyring?.currentKeyId).toBe("prod-2");
  });

  it("refuses a malformed id and unknown arguments (exit 2, nothing on stdout)", async () => {
    const io = cliIo();
    expect(await runCli(["keygen", "--id", "has space"], io)).toBe(2);
    expect(await runCli(["keygen", "--bits", "128"], io)).toBe(2);
    expect(io.out).toEqual([]);
    expect(io.err[0]).toBe(
      "--id must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit\n",
    );
    expect(io.err[1]).toMatch(/^unknown or incomplete argument: --bits\n\nusage: sluice keygen/);
  });
});
