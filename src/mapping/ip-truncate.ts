const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * Anonymise an IP address: IPv4 keeps its first three octets (`203.0.113.77` → `203.0.113.0`); IPv6
 * keeps its first 48 bits and zeroes the rest, in RFC 5952 compressed form
 * (`2001:db8:85a3:8d3:1319:8a2e:370:7348` → `2001:db8:85a3::`). An IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.77`, as dual-stack servers report IPv4 clients) is truncated as IPv4 and kept
 * mapped (`::ffff:203.0.113.0`), since its first 48 bits are always zero. Brackets and a zone
 * (`%eth0`) are dropped. Anything else gives null.
 *
 * @example
 * truncateIp("192.168.1.42") // "192.168.1.0"
 * truncateIp("2001:0db8:0000:0042:0000:8a2e:0370:7334") // "2001:db8::"
 */
export function truncateIp(text: string): string | null {
  const trimmed = text.trim();
  const v4 = truncateIpv4(trimmed);
  if (v4 !== null) return v4;
  const unbracketed = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  const groups = parseIpv6(unbracketed.replace(/%[^%]*$/, ""));
  if (groups === null) return null;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const a = groups[6] as number;
    const b = groups[7] as number;
    return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.0`;
  }
  return formatIpv6([groups[0] as number, groups[1] as number, groups[2] as number, 0, 0, 0, 0, 0]);
}

function truncateIpv4(text: string): string | null {
  const match = IPV4.exec(text);
  if (match === null) return null;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return `${octets[0]}.${octets[1]}.${octets[2]}.0`;
}

/** Eight 16-bit groups, or null. Accepts `::` and a trailing dotted IPv4 (`::ffff:192.0.2.1`). */
function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let body = text;
  let tail: number[] = [];
  if (text.includes(".")) {
    const lastColon = text.lastIndexOf(":");
    const match = IPV4.exec(text.slice(lastColon + 1));
    if (lastColon === -1 || match === null) return null;
    const [a, b, c, d] = match.slice(1, 5).map(Number) as [number, number, number, number];
    if (a > 255 || b > 255 || c > 255 || d > 255) return null;
    tail = [(a << 8) | b, (c << 8) | d];
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] as string);
  const rest = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === null || rest === null) return null;
  const needed = 8 - tail.length;
  const explicit = head.length + rest.length;
  if (halves.length === 1) return explicit === needed ? [...head, ...tail] : null;
  if (explicit > needed - 1) return null;
  return [...head, ...new Array<number>(needed - explicit).fill(0), ...rest, ...tail];
}

function parseGroups(part: string): number[] | null {
  if (part === "") return [];
  const groups: number[] = [];
  for (const group of part.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

/** RFC 5952: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, leftmost on ties. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
