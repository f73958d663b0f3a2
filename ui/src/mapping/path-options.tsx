import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api.js";
import { mappingPathOf } from "./field-model.js";

/**
 * Path autocompletion: the paths Sluice has actually seen in events of this type and name (GET
 * /events/paths: names and types only, never values), plus the Segment spec's common fields, offered
 * through one <datalist> that every path input of the editor points at.
 */

export interface SeenPath {
  path: string;
  types: string[];
  count: number;
  lastSeenMs: number;
}

const SPEC_PATHS = [
  "type",
  "event",
  "userId",
  "anonymousId",
  "messageId",
  "timestamp",
  "originalTimestamp",
  "receivedAt",
  "name",
  "groupId",
  "previousId",
  "traits",
  "traits.email",
  "properties",
  "context.traits.email",
  "context.page.url",
  "context.page.path",
  "context.page.title",
  "context.page.referrer",
  "context.ip",
  "context.userAgent",
  "context.locale",
  "context.device.token",
  "context.device.type",
];

/** The seen paths for an action's events; `null` while loading, `[]` when none or unavailable. */
export function useSeenPaths(filter: { type: string | null; name: string | null }): {
  paths: SeenPath[] | null;
  error: string | null;
} {
  const [paths, setPaths] = useState<SeenPath[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    api
      .get<{ paths: SeenPath[] }>(`/events/paths${query({ type: filter.type, name: filter.name })}`)
      .then((answer) => {
        if (!cancelled) setPaths(answer.paths);
      })
      .catch((cause: Error) => {
        if (cancelled) return;
        setPaths([]);
        setError(cause.message);
      });
    return () => {
      cancelled = true;
    };
  }, [filter.type, filter.name]);
  return { paths, error };
}

/** One <datalist> of mapping paths: seen ones first (with their types and how often), then the spec's. */
export function PathDatalist(props: { id: string; paths: readonly SeenPath[] }) {
  const seen = new Set<string>();
  const options: { value: string; label: string }[] = [];
  for (const path of props.paths) {
    const value = mappingPathOf(path.path);
    if (seen.has(value)) continue;
    seen.add(value);
    options.push({ value, label: `${path.types.join(" | ")} · seen ${path.count}×` });
  }
  for (const path of SPEC_PATHS) {
    const value = mappingPathOf(path);
    if (seen.has(value)) continue;
    seen.add(value);
    options.push({ value, label: "Segment spec" });
  }
  return (
    <datalist id={props.id}>
      {options.map((option) => (
        <option key={option.value} value={option.value} label={option.label} />
      ))}
    </datalist>
  );
}
