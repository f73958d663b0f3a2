import type { SourceConfig } from "../contracts/config.js";

/** The sources ingest accepts: a fixed list, or a getter read on every request (live configuration). */
export type SourcesInput = readonly SourceConfig[] | (() => readonly SourceConfig[]);

/**
 * Write key → source, following the live configuration: the index is rebuilt only when the list of
 * sources is a different array (a new configuration version). For 24 h after a key rotation was
 * published, a source's `previousWriteKey` is accepted too, until `previousWriteKeyExpiresAtMs`
 * (checked against `clock` at each lookup), so clients can move to the new key without losing events.
 *
 * @example
 * const keys = sourceKeys(() => live.current().config.sources, Date.now);
 * keys.get("wk_live_0123")?.name // "website"
 */
export function sourceKeys(
  sources: SourcesInput,
  clock: () => number,
): { get(key: string): SourceConfig | undefined } {
  const read = typeof sources === "function" ? sources : () => sources;
  let indexed: readonly SourceConfig[] | null = null;
  let current = new Map<string, SourceConfig>();
  let previous = new Map<string, { source: SourceConfig; expiresAtMs: number }>();
  return {
    get(key) {
      const list = read();
      if (list !== indexed) {
        current = new Map(list.map((source) => [source.writeKey.reveal(), source]));
        previous = new Map();
        for (const source of list) {
          const old = source.previousWriteKey?.reveal();
          const expiresAtMs = source.previousWriteKeyExpiresAtMs;
          if (old !== undefined && expiresAtMs !== undefined) previous.set(old, { source, expiresAtMs });
        }
        indexed = list;
      }
      const found = current.get(key);
      if (found) return found;
      const rotated = previous.get(key);
      return rotated && clock() < rotated.expiresAtMs ? rotated.source : undefined;
    },
  };
}
