import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { inspect } from "node:util";
import { StoreError } from "./store-error.js";

/** A key id: a short label stored in front of every ciphertext (never secret, never key material). */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** Standard or URL-safe base64, padding optional. */
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;
/** AES-256 keys are 32 bytes. */
const KEY_BYTES = 32;
/** The id `SLUICE_ENCRYPTION_KEY` gets when it is given as bare base64. */
export const DEFAULT_KEY_ID = "k1";

/** One decoded key, as `Keyring.fromKeys` takes it. */
export interface KeyMaterial {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/**
 * The encryption keys of data at rest: the current key (new writes) and older ones (kept to read data
 * written before a rotation). Keys are held as `KeyObject`s; the keyring prints, logs and serialises as
 * `[redacted]`, so key material cannot reach a log line by accident.
 *
 * @example
 * const keyring = Keyring.fromKeys([{ id: "k2", key: newKey }, { id: "k1", key: oldKey }]);
 * keyring.currentKeyId; // "k2"
 * String(keyring); // "[redacted]"
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #ids: readonly string[];

  private constructor(keys: ReadonlyMap<string, KeyObject>) {
    this.#keys = keys;
    this.#ids = [...keys.keys()];
  }

  /**
   * A keyring of `keys`, the first being the current one. Throws `ER_STORE_KEY_INVALID` for no key, a
   * malformed or duplicate id, or a key that is not 32 bytes.
   */
  static fromKeys(keys: readonly KeyMaterial[]): Keyring {
    if (keys.length === 0) keyInvalid("the keyring needs at least one key");
    const map = new Map<string, KeyObject>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) keyInvalid(`key id "${printableId(id)}" ${KEY_ID_RULE}`);
      if (map.has(id)) keyInvalid(`key id "${id}" appears twice; every key needs its own id`);
      if (key.length !== KEY_BYTES) keyInvalid(`key "${id}" is ${key.length} bytes; AES-256 needs 32`);
      // The KeyObject holds its own copy: callers may zero `key` afterwards.
      map.set(id, createSecretKey(key));
    }
    return new Keyring(map);
  }

  /** The id of the key new data is encrypted with (the first key). */
  get currentKeyId(): string {
    return this.#ids[0] as string;
  }

  /** Every key id, the current one first. */
  get keyIds(): readonly string[] {
    return this.#ids;
  }

  /** The key with this id, or undefined when the keyring lacks it. For the encryption code only. */
  secretKey(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [inspect.custom](): string {
    return "[redacted]";
  }
}

const KEY_ID_RULE = "must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit";

/**
 * The keyring the environment configures, or null when neither variable is set:
 * - `SLUICE_ENCRYPTION_KEY`: one key, `<id>:<base64 of 32 bytes>`, or the bare base64 (id `k1`);
 * - `SLUICE_ENCRYPTION_KEY_FILE`: a file (relative to `cwd`) of `<id> <base64>` lines; the first is the
 *   current key, the others are kept to read older data. Blank lines and `#` comments are ignored.
 *
 * Throws `ER_STORE_KEY_INVALID` (naming the variable, file and line, never key material) when both are
 * set, the file cannot be read, or a key is malformed, of the wrong length or a duplicate id.
 *
 * @example
 * readKeyring({ SLUICE_ENCRYPTION_KEY: "k1:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=" }, "/srv")?.currentKeyId // "k1"
 * readKeyring({}, "/srv") // null
 */
export function readKeyring(env: Readonly<Record<string, string | undefined>>, cwd: string): Keyring | null {
  const single = env["SLUICE_ENCRYPTION_KEY"] || undefined;
  const file = env["SLUICE_ENCRYPTION_KEY_FILE"] || undefined;
  if (single !== undefined && file !== undefined) {
    keyInvalid(
      "set SLUICE_ENCRYPTION_KEY or SLUICE_ENCRYPTION_KEY_FILE, not both (with a key file, put every key in it)",
    );
  }
  if (single !== undefined) return keyringOf([parseKeyValue(single)]);
  if (file === undefined) return null;
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    keyInvalid(`cannot read SLUICE_ENCRYPTION_KEY_FILE ${path} (${code})`);
  }
  return keyringOf(parseKeyFile(text, path));
}

/** The keyring of decoded keys, whose buffers are zeroed afterwards (the keyring keeps its own copies). */
function keyringOf(keys: readonly KeyMaterial[]): Keyring {
  try {
    return Keyring.fromKeys(keys);
  } finally {
    for (const { key } of keys) key.fill(0);
  }
}

/**
 * `SLUICE_ENCRYPTION_KEY`'s value: `<id>:<base64>` or bare base64 (id `k1`).
 *
 * @example
 * parseKeyValue("k7:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=").id // "k7"
 */
export function parseKeyValue(value: string): KeyMaterial {
  const text = value.trim();
  const colon = text.indexOf(":");
  const id = colon === -1 ? DEFAULT_KEY_ID : text.slice(0, colon);
  const where = "SLUICE_ENCRYPTION_KEY";
  if (!KEY_ID.test(id)) keyInvalid(`${where}: the key id before ':' ${KEY_ID_RULE}`);
  return { id, key: decodeKey(colon === -1 ? text : text.slice(colon + 1), `${where} (key "${id}")`) };
}

/**
 * The keys of a key file's text, in file order (the first is the current key). `source` names the file
 * in messages.
 *
 * @example
 * parseKeyFile("# newest first\nk2 <base64>\nk1 <base64>\n", "keys.txt").map((k) => k.id) // ["k2", "k1"]
 */
export function parseKeyFile(text: string, source: string): KeyMaterial[] {
  const keys: KeyMaterial[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${source}:${index + 1}`;
    const parts = line.split(/\s+/);
    const [id, base64] = parts;
    if (parts.length !== 2 || id === undefined || base64 === undefined) {
      keyInvalid(`${where}: expected "<id> <base64 key>" (two fields separated by a space)`);
    }
    if (!KEY_ID.test(id)) keyInvalid(`${where}: the key id ${KEY_ID_RULE}`);
    if (seen.has(id)) keyInvalid(`${where}: key id "${id}" appears twice; every key needs its own id`);
    seen.add(id);
    keys.push({ id, key: decodeKey(base64, `${where} (key "${id}")`) });
  });
  if (keys.length === 0) keyInvalid(`${source}: no key in the file (expected "<id> <base64 key>" lines)`);
  return keys;
}

/**
 * A new random key as a key-file line, `<id> <base64 of 32 bytes>`, for `sluice keygen`.
 *
 * @example
 * generateKeyLine("k2") // "k2 9f1Q...=" (44 base64 characters)
 */
export function generateKeyLine(id: string): string {
  if (!KEY_ID.test(id)) keyInvalid(`key id "${printableId(id)}" ${KEY_ID_RULE}`);
  return `${id} ${randomBytes(KEY_BYTES).toString("base64")}`;
}

/**
 * True when `id` is a valid key id: 1 to 32 letters, digits, `.`, `_` or `-`, starting with a letter or digit.
 *
 * @example
 * isKeyId("k2026-01"); // true
 * isKeyId("has space"); // false
 */
export function isKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

function decodeKey(base64: string, where: string): Uint8Array {
  if (!BASE64.test(base64) || base64.replace(/=+$/, "").length % 4 === 1) {
    keyInvalid(`${where} is not valid base64 (generate a key with \`sluice keygen\`)`);
  }
  const key = Buffer.from(base64, base64.includes("-") || base64.includes("_") ? "base64url" : "base64");
  if (key.length !== KEY_BYTES) {
    const length = key.length;
    key.fill(0);
    keyInvalid(
      `${where} decodes to ${length} bytes; AES-256 needs exactly 32 (generate one with \`sluice keygen\`)`,
    );
  }
  return key;
}

/** An id from the user, shortened and stripped to safe characters for a message (it is not secret). */
function printableId(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "?").slice(0, 40);
}

function keyInvalid(message: string): never {
  throw new StoreError("ER_STORE_KEY_INVALID", message);
}
