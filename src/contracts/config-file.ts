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
  const interpolated = interpolateEnv(document.toJS({ maxAliasCount: 100 }), env);
  const validated = validateConfig(interpolated.value);
  // A missing ${VAR} also fails validation at the same path ("must not be empty"): report the cause only.
  const envPaths = new Set(interpolated.issues.map((issue) => issue.path));
  const issues = [
    ...interpolated.issues,
    ...(validated.ok ? [] : validated.issues.filter((issue) => !envPaths.has(issue.path))),
  ];
  if (issues.length === 0 && validated.ok) return validated;
  return {
    ok: false,
    issues: issues.map((issue) => {
      const node = document.getIn(splitPath(issue.path), true) as
        | { range?: [number, number, number] }
        | undefined;
      const offset = node?.range?.[0];
      return offset === undefined ? issue : { ...issue, ...toPosition(lineCounter.linePos(offset)) };
    }),
  };
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
