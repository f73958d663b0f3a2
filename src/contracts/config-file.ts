import { LineCounter, parseDocument } from "yaml";
import { type ConfigIssue, interpolateEnv, type SluiceConfig, validateConfig } from "./config.js";

export type ConfigParseResult = { ok: true; config: SluiceConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Parse configuration text (YAML, of which JSON is a subset), resolve `${VAR}`, validate, and attach
 * line/column to every issue so a user can jump to it. Pure: the caller reads the file and passes env.
 *
 * @example
 * const result = parseConfigText("sources: []\ndestinations: []\n", {});
 * if (!result.ok) for (const i of result.issues) console.error(`${i.line}:${i.column} ${i.path}: ${i.message}`);
 */
export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  options: {
    /** Checks that need more than the schema (e.g. actions against the destination's catalogue). */
    check?: (config: SluiceConfig) => ConfigIssue[];
  } = {},
): ConfigParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { path: "", message: error.message.split("\n")[0] ?? error.message, ...toPosition(position) };
      }),
    };
  }
  const result = validateConfigDocument(document.toJS({ maxAliasCount: 100 }), env, options);
  if (result.ok) return result;
  return {
    ok: false,
    issues: result.issues.map((issue) => {
      const offset = issuePosition(document, splitPath(issue.path), issue.message.startsWith("unknown key"));
      return offset === undefined ? issue : { ...issue, ...toPosition(lineCounter.linePos(offset)) };
    }),
  };
}

/**
 * The checks of `parseConfigText` on an already-parsed document (a YAML file's content, or a
 * configuration document of the admin API): resolve `${VAR}`, validate against the schema, then run
 * `check`. Issues carry paths, not positions.
 *
 * @example
 * validateConfigDocument({ sources: [{ name: "web", writeKey: "${WK}" }] }, { WK: "k" }).ok // true
 */
export function validateConfigDocument(
  document: unknown,
  env: Readonly<Record<string, string | undefined>>,
  options: { check?: (config: SluiceConfig) => ConfigIssue[] } = {},
): ConfigParseResult {
  const interpolated = interpolateEnv(document, env);
  const validated = validateConfig(interpolated.value);
  // A missing ${VAR} also fails validation at the same path ("must not be empty"): report the cause only.
  const envPaths = new Set(interpolated.issues.map((issue) => issue.path));
  const issues = [
    ...interpolated.issues,
    ...(validated.ok ? [] : validated.issues.filter((issue) => !envPaths.has(issue.path))),
    ...(validated.ok && interpolated.issues.length === 0 && options.check
      ? options.check(validated.config)
      : []),
  ];
  if (issues.length === 0 && validated.ok) return validated;
  return { ok: false, issues };
}

type Ranged = { range?: [number, number, number] | null };

/** Offset of the node an issue is about: the key itself for unknown keys, else the value. */
function issuePosition(
  document: ReturnType<typeof parseDocument>,
  path: (string | number)[],
  atKey: boolean,
): number | undefined {
  if (atKey && path.length > 0) {
    const parent = document.getIn(path.slice(0, -1), true) as { items?: { key?: unknown }[] } | undefined;
    const last = path.at(-1);
    const pair = parent?.items?.find((item) => (item.key as { value?: unknown } | undefined)?.value === last);
    const keyOffset = (pair?.key as Ranged | undefined)?.range?.[0];
    if (keyOffset !== undefined) return keyOffset;
  }
  return (document.getIn(path, true) as Ranged | undefined)?.range?.[0];
}

function toPosition(position: { line: number; col: number }): { line: number; column: number } {
  return { line: position.line, column: position.col };
}

/** `destinations[0].settings.region` → `["destinations", 0, "settings", "region"]`. */
function splitPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) parts.push(Number(match[2]));
    else if (match[1] !== undefined) parts.push(match[1]);
  }
  return parts;
}
