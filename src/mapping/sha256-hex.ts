import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * Lower-case hex SHA-256 of `salt + text` (UTF-8). With no salt (undefined or ""), the text alone.
 * Lone surrogates are encoded as U+FFFD, as `TextEncoder` does.
 *
 * @example
 * sha256Hex("abc") // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * sha256Hex("abc", "s1") // SHA-256 of "s1abc"
 */
export function sha256Hex(text: string, salt = ""): string {
  return bytesToHex(sha256(utf8ToBytes(salt + text)));
}
