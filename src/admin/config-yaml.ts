import { diffLines } from "diff";
import { Document, LineCounter, parseDocument } from "yaml";
import { type ConfigIssue, formatPath } from "../contracts/config.js";
import {
  type ConfigDocument,
  ConfigDocumentSchema,
  isEnvReference,
  MASKED_SECRET,
  secretVariable,
} from "../contracts/config-document.js";
import { parseConfigText } from "../contracts/config-file.js";
import { destinationConfigIssues } from "../destinations/validate-destinations.js";

/**
 * Configuration documents as YAML: the text the diff compares, the file an export writes, and the
 * reading of a file an import brings in.
 */

/**
 * A document as YAML, the way the configuration file is written.
 *
 * @example
 * documentYaml({ sources: [], destinations: [] }) // "sources: []\ndestinations: []\n"
 */
export function documentYaml(doc: ConfigDocument, header?: string): string {
  const yaml = new Document(doc);
  if (header !== undefined) yaml.commentBefore = header;
  return yaml.toString({ lineWidth: 0 });
}

/** One line of a diff: in both (` `), only in the new text (`+`), only in the old one (`-`). */
export interface DiffLine {
  op: " " | "+" | "-";
  text: string;
}

/**
 * A line diff of two texts (the `diff` package's `diffLines`).
 *
 * @example
 * lineDiff("a\nb\n", "a\nc\n") // [{op:" ",text:"a"}, {op:"-",text:"b"}, {op:"+",text:"c"}]
 */
export function lineDiff(from: string, to: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const change of diffLines(from, to)) {
    const op = change.added ? "+" : change.removed ? "-" : " ";
    const texts = change.value.split("\n");
    if (texts.at(-1) === "") texts.pop();
    for (const text of texts) lines.push({ op, text });
  }
  return lines;
}

/**
 * `to` with each masked secret that differs from the same destination's secret in `from` shown as
 * changed, so that a diff of masked documents still shows a new key (never its value). Both
 * documents must hold the real secrets; mask them afterwards.
 */
export function markChangedSecrets(
  from: ConfigDocument,
  to: ConfigDocument,
): { from: ConfigDocument; to: ConfigDocument } {
  const marked = structuredClone(to);
  for (const destination of marked.destinations) {
    const before = from.destinations.find((candidate) => candidate.name === destination.name);
    if (before === undefined) continue;
    for (const key of ["apiKey", "hashSalt"] as const) {
      const value = destination.settings[key];
      const old = before.settings[key];
      if (value !== undefined && old !== undefined && value !== old && !isEnvReference(value)) {
        destination.settings[key] = CHANGED_SECRET;
      }
    }
  }
  return { from, to: marked };
}

/** What a changed secret shows in a diff. */
export const CHANGED_SECRET = `${MASKED_SECRET} (changed)`;

/** The export's variables: which environment variable holds which secret. */
export interface ExportVariable {
  variable: string;
  destination: string;
  field: "settings.apiKey" | "settings.hashSalt";
}

/**
 * A document as a configuration file with every secret replaced by an environment reference
 * (`${SLUICE_CUSTOMERIO_MAIN_API_KEY}`; a secret that already is a reference stays as it is), and a
 * header comment saying which variables to set. Write keys stay (editors see them anyway).
 *
 * @example
 * exportYaml(doc, "version 3").yaml.includes("apiKey: ${SLUICE_CIO_API_KEY}") // true
 */
export function exportYaml(
  doc: ConfigDocument,
  label: string,
): { yaml: string; variables: ExportVariable[] } {
  const out = structuredClone(doc);
  const variables: ExportVariable[] = [];
  const used = new Set<string>();
  for (const destination of out.destinations) {
    for (const key of ["apiKey", "hashSalt"] as const) {
      const value = destination.settings[key];
      if (value === undefined) continue;
      if (isEnvReference(value)) {
        variables.push({
          variable: value.slice(2, -1),
          destination: destination.name,
          field: `settings.${key}`,
        });
        continue;
      }
      let variable = secretVariable(destination.name, key);
      for (let n = 2; used.has(variable); n++) variable = `${secretVariable(destination.name, key)}_${n}`;
      used.add(variable);
      destination.settings[key] = `\${${variable}}`;
      variables.push({ variable, destination: destination.name, field: `settings.${key}` });
    }
  }
  const width = Math.max(0, ...variables.map((entry) => entry.variable.length));
  const header = [
    ` Sluice configuration: ${label}.`,
    " Secrets are not in this file: they are environment references (${VAR}).",
    ...(variables.length === 0
      ? []
      : [
          " Set these variables before starting Sluice with this file:",
          ...variables.map(
            (entry) =>
              `   ${entry.variable.padEnd(width)}  destination "${entry.destination}": ${entry.field}`,
          ),
        ]),
  ].join("\n");
  return { yaml: documentYaml(out, header), variables };
}

export type ImportResult = { ok: true; doc: ConfigDocument } | { ok: false; issues: ConfigIssue[] };

/**
 * Read a configuration file into a document for the draft. The file must parse as YAML and have the
 * shape of a configuration (else its issues, with line and column, the same as `sluice
 * validate-config` gives). A secret written as `${VAR}` becomes the variable's value when `env` has
 * it, else the current secret of the destination of the same name in `current`, else it stays a
 * reference (and the draft's issues say which variable is missing). Other `${VAR}` stay as written.
 *
 * @example
 * importYaml("sources: []\n", process.env, liveDoc) // { ok: true, doc: { sources: [], destinations: [] } }
 */
export function importYaml(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  current: ConfigDocument | null,
): ImportResult {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (parsed.errors.length > 0) return { ok: false, issues: positioned(text, env) };
  const shaped = ConfigDocumentSchema.safeParse(parsed.toJS({ maxAliasCount: 100 }) ?? {});
  if (!shaped.success) {
    // The file validation's issues carry line and column; shape problems it does not see are added.
    const issues = positioned(text, env);
    const paths = new Set(issues.map((issue) => issue.path));
    for (const issue of shaped.error.issues) {
      const path =
        issue.code === "unrecognized_keys"
          ? formatPath([...issue.path, issue.keys[0] ?? ""])
          : formatPath(issue.path);
      if (!paths.has(path)) issues.push({ path, message: issue.message });
    }
    return { ok: false, issues };
  }
  const doc = shaped.data;
  for (const destination of doc.destinations) {
    const stored = current?.destinations.find((candidate) => candidate.name === destination.name);
    for (const key of ["apiKey", "hashSalt"] as const) {
      const value = destination.settings[key];
      if (value === undefined || !isEnvReference(value)) continue;
      const fromEnv = env[value.slice(2, -1)];
      const kept = stored?.settings[key];
      if (fromEnv !== undefined) destination.settings[key] = fromEnv.replaceAll("${", () => "$${");
      else if (kept !== undefined) destination.settings[key] = kept;
    }
  }
  return { ok: true, doc };
}

/** The file validation's issues (with line and column) for a text that is not a configuration. */
function positioned(text: string, env: Readonly<Record<string, string | undefined>>): ConfigIssue[] {
  const result = parseConfigText(text, env, { check: destinationConfigIssues });
  return result.ok ? [] : result.issues;
}
