/**
 * The longest prefix of `text` whose UTF-8 encoding is at most `maxBytes` bytes. It cuts between code
 * points only, so a surrogate pair (an emoji) is kept or dropped whole; a lone surrogate counts as
 * the 3 bytes of U+FFFD that `TextEncoder` writes for it.
 *
 * @example
 * truncateUtf8("héllo", 2) // "h" ("é" is 2 bytes and would make 3)
 * truncateUtf8("a😀b", 4) // "a" (the emoji is 4 bytes)
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) as number;
    const size = code <= 0x7f ? 1 : code <= 0x7ff ? 2 : code <= 0xffff ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += code > 0xffff ? 2 : 1;
  }
  return text.slice(0, i);
}

/**
 * The UTF-8 length of `text` in bytes (lone surrogates count 3, as `TextEncoder` encodes them).
 *
 * @example
 * utf8ByteLength("😀") // 4
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.codePointAt(i) as number;
    bytes += code <= 0x7f ? 1 : code <= 0x7ff ? 2 : code <= 0xffff ? 3 : 4;
    if (code > 0xffff) i += 1;
  }
  return bytes;
}
