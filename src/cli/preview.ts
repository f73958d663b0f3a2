import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CustomerioDestinationConfig } from "../contracts/config.js";
import { parseConfigText } from "../contracts/config-file.js";
import { parseSegmentEvent, type StoredEvent } from "../contracts/event.js";
import type { ActionReport } from "../destinations/customerio/map-event.js";
import { type Preview, previewEvent } from "../destinations/customerio/preview.js";
import { destinationConfigIssues } from "../destinations/validate-destinations.js";
import type { FieldTrace } from "../mapping/index.js";
import type { CliIo, Command } from "./command.js";

const USAGE = `sluice preview --config FILE --event FILE [--destination NAME] [--json]

"Example mapping": shows, for one event, the exact request(s) Sluice would send to each
destination (method, URL, headers with the API key masked, body), which action matched and why
the others did not, where every field came from and which transforms ran, or the rule that
would stop the event. Nothing is sent. The event file holds one Segment call (JSON).`;

/** `sluice preview`: the same pure function the delivery lane and the admin API use. */
export const previewCommand: Command = {
  name: "preview",
  summary: "Show the exact request an event would produce (nothing is sent)",
  usage: USAGE,
  async run(args, io) {
    const flags = parseFlags(args, ["--config", "--event", "--destination"], ["--json"]);
    if (!flags.ok || !flags.values["--config"] || !flags.values["--event"]) {
      io.stderr(`${flags.ok ? "--config and --event are required" : flags.message}\n\nusage: ${USAGE}\n`);
      return 2;
    }
    const configPath = flags.values["--config"];
    const loaded = loadConfig(configPath, io);
    if (!loaded) return 1;
    const event = loadEvent(flags.values["--event"], io);
    if (!event) return 1;
    const wanted = flags.values["--destination"];
    const destinations = loaded.filter((destination) => wanted === undefined || destination.name === wanted);
    if (destinations.length === 0) {
      io.stderr(
        wanted === undefined
          ? `${configPath} has no destinations\n`
          : `no destination "${wanted}" in ${configPath}; it has ${loaded.map((d) => d.name).join(", ")}\n`,
      );
      return 1;
    }
    const previews = destinations.map((destination) => previewEvent(event, destination));
    if (flags.switches.has("--json")) {
      io.stdout(`${JSON.stringify(previews, null, 2)}\n`);
      return 0;
    }
    io.stdout(previews.map(formatPreview).join("\n"));
    return 0;
  },
};

function loadConfig(path: string, io: CliIo): CustomerioDestinationConfig[] | null {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), "utf8");
  } catch (error) {
    io.stderr(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})\n`);
    return null;
  }
  const result = parseConfigText(text, io.env, { check: destinationConfigIssues });
  if (result.ok) return result.config.destinations;
  for (const issue of result.issues) {
    const place = issue.line ? `${path}:${issue.line}:${issue.column}` : path;
    io.stderr(`${place}  ${issue.path || "(file)"}: ${issue.message}\n`);
  }
  return null;
}

/** The event as ingest would store it: validated, with a messageId and receivedAt when missing. */
function loadEvent(path: string, io: CliIo): StoredEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(io.cwd, path), "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(`${path}: ${code ? `cannot read (${code})` : "not valid JSON"}\n`);
    return null;
  }
  const parsed = parseSegmentEvent(raw);
  if (!parsed.ok) {
    io.stderr(`${path}: ${parsed.error.message}${parsed.error.path ? ` (at ${parsed.error.path})` : ""}\n`);
    return null;
  }
  return {
    ...parsed.event,
    messageId: parsed.event.messageId ?? "preview-message-id",
    receivedAt: new Date().toISOString(),
  } as StoredEvent;
}

/** A preview as text: actions, fields with their source, then the request(s) or the stop. */
export function formatPreview(preview: Preview): string {
  const lines = [`destination ${preview.destination}`];
  for (const action of preview.actions) lines.push(...formatAction(action));
  if (preview.outcome.kind === "stop") {
    const { stage, reason, field } = preview.outcome;
    lines.push(
      "",
      `stopped at ${stage}: ${reason}${field ? ` (field ${field})` : ""}; nothing would be sent`,
    );
  }
  for (const request of preview.requests) {
    lines.push("", `${request.method} ${request.url}`);
    for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
    if (request.body !== undefined) lines.push("", JSON.stringify(JSON.parse(request.body), null, 2));
  }
  return `${lines.join("\n")}\n`;
}

function formatAction(action: ActionReport): string[] {
  const head = `  ${action.matched ? "✓" : "·"} ${action.name} (${action.type}): ${action.matched ? "ran" : "did not run"} — ${action.why}`;
  const width = Math.max(0, ...action.fields.map((field) => field.name.length));
  const fields = action.fields.map(
    (field) =>
      `      ${field.name.padEnd(width)}  ${field.present ? "←" : "✗"} ${describeTrace(field.trace)}${field.source === "default" ? "  (default)" : ""}`,
  );
  const result =
    action.result?.kind === "stop"
      ? [
          `      → stopped: ${action.result.reason}${action.result.field ? ` (field ${action.result.field})` : ""}`,
        ]
      : [];
  return [head, ...fields, ...result];
}

function describeTrace(trace: FieldTrace): string {
  const source = trace.kind === "literal" ? "literal" : `${trace.kind} ${trace.paths.join(", ")}`.trim();
  const transforms = trace.transforms.map((t) => (t.note ? `${t.name} (${t.note})` : t.name));
  const chain = transforms.length > 0 ? ` | ${transforms.join(" | ")}` : "";
  return `${source}${chain}${trace.missing ? ` — missing: ${trace.missing}` : ""}`;
}

/** `--flag value` pairs and bare switches; anything else is an error. */
export function parseFlags(
  args: readonly string[],
  withValue: readonly string[],
  switches: readonly string[],
): { ok: true; values: Record<string, string>; switches: Set<string> } | { ok: false; message: string } {
  const values: Record<string, string> = {};
  const on = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (switches.includes(arg)) on.add(arg);
    else if (withValue.includes(arg)) {
      const value = args[i + 1];
      if (value === undefined) return { ok: false, message: `${arg} needs a value` };
      values[arg] = value;
      i += 1;
    } else return { ok: false, message: `unknown argument: ${arg}` };
  }
  return { ok: true, values, switches: on };
}
