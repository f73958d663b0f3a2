import { randomBytes } from "node:crypto";
import { generateKeyLine, isKeyId } from "../store/keyring.js";
import type { Command } from "./command.js";

const USAGE = `sluice keygen [--id ID] [--env]

Prints a new random AES-256 key for encryption at rest, as a key-file line "<id> <base64>" (for
SLUICE_ENCRYPTION_KEY_FILE: the first line is the current key), or with --env as "<id>:<base64>"
(the value of SLUICE_ENCRYPTION_KEY). The id defaults to k<date>-<4 hex digits>, e.g. k20260128-3fa9.
Only the key goes to stdout; keep it secret: whoever has it can read the stored events.`;

/**
 * `sluice keygen`: a new random key line on stdout, so nobody hand-rolls a key.
 *
 * @example
 * // sluice keygen --id k2
 * // k2 3q2+7w...=
 */
export const keygenCommand: Command = {
  name: "keygen",
  summary: "Print a new random encryption key for SLUICE_ENCRYPTION_KEY(_FILE)",
  usage: USAGE,
  async run(args, io) {
    let id: string | undefined;
    let env = false;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === "--env") env = true;
      else if (arg === "--id" && args[i + 1] !== undefined) id = args[++i];
      else {
        io.stderr(`unknown or incomplete argument: ${arg}\n\nusage: ${USAGE}\n`);
        return 2;
      }
    }
    const keyId = id ?? defaultKeyId(new Date());
    if (!isKeyId(keyId)) {
      io.stderr("--id must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit\n");
      return 2;
    }
    const line = generateKeyLine(keyId);
    io.stdout(`${env ? line.replace(" ", ":") : line}\n`);
    io.stderr(
      env
        ? "set it as SLUICE_ENCRYPTION_KEY (a secret: never commit it); to rotate later, move to SLUICE_ENCRYPTION_KEY_FILE\n"
        : "put this line first in SLUICE_ENCRYPTION_KEY_FILE, keep older keys below it, restart Sluice, then run `sluice rotate-key` (docs/privacy.md)\n",
    );
    return 0;
  },
};

/** `k<yyyymmdd>-<4 hex>`: sortable by creation day, and two keys made the same day still differ. */
function defaultKeyId(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "");
  return `k${day}-${randomBytes(2).toString("hex")}`;
}
