import type { ActionDefinition, ActionEndpoint } from "./action-definition.js";
import { CUSTOMERIO_ACTIONS } from "./customerio-actions.js";
import { PRESET_ACTIONS_CONFIG } from "./preset-actions-config.js";

/**
 * The generated reference `docs/customerio-actions.md`: every action with its fields, one-of groups,
 * options, preset trigger, endpoint and an example request built from its example fields.
 * A test compares the file with this output; `SLUICE_WRITE_DOCS=1` makes that test rewrite it.
 */

export const ACTIONS_REFERENCE_PATH = "docs/customerio-actions.md";

/** The command that rewrites the reference (its test writes the file when the variable is set). */
export const REGENERATE_REFERENCE_COMMAND =
  "SLUICE_WRITE_DOCS=1 npx vitest run src/destinations/customerio/actions/actions-reference.test.ts";

const ENDPOINT_TEXT: Record<ActionEndpoint, string> = {
  "track-v2-batch": "`POST /api/v2/batch` (one item of `batch`; Sluice packs items by bytes)",
  "track-v1-events": "`POST /api/v1/events` (one request per event)",
  "track-v1-metrics": "`POST /api/v1/metrics` (one request per metric)",
};

const json = (value: unknown) => JSON.stringify(value);
const cell = (text: string) => text.replace(/\|/g, "\\|");

/**
 * The example request an action builds from its example fields. Throws when it stops: an example must
 * always build.
 *
 * @example
 * exampleRequest(actionByType("delete_person")!); // { type: "person", action: "delete", identifiers: { id: "u-42" } }
 */
export function exampleRequest(action: ActionDefinition): unknown {
  const result = action.build(
    action.example.fields,
    action.example.options ? { options: action.example.options } : {},
  );
  if (result.kind === "stop") throw new Error(`the example of ${action.type} stops: ${result.reason}`);
  return result.kind === "op" ? result.op : result.request.body;
}

/**
 * One action's section (from its `## type` heading up to the next section).
 *
 * @example
 * renderActionSection(actionByType("identify")!).startsWith("## identify"); // true
 */
export function renderActionSection(action: ActionDefinition): string {
  const lines = [`## ${action.type}`, "", `**${action.title}.** ${action.description}`, ""];
  lines.push(`- Endpoint: ${ENDPOINT_TEXT[action.endpoint]}`);
  lines.push(`- Preset trigger: \`${json(action.presetTrigger)}\``);
  for (const group of action.oneOf ?? []) {
    lines.push(
      `- At least one of ${group.map((name) => `\`${name}\``).join(", ")}: the first present one is sent`,
    );
  }
  for (const option of action.options ?? []) {
    const values = option.values.map((value) => `\`${String(value)}\``).join(" \\| ");
    lines.push(
      `- Option \`${option.name}\` (${values}; default \`${String(option.default)}\`): ${option.description}`,
    );
  }
  lines.push("", "| Field | Kind | Required | Default mapping | Description |", "|---|---|---|---|---|");
  for (const field of action.fields) {
    const mapping = field.default === undefined ? "" : `\`${cell(json(field.default))}\``;
    lines.push(
      `| \`${field.name}\` | ${field.kind} | ${field.required ? "yes" : ""} | ${mapping} | ${cell(field.description)} |`,
    );
  }
  lines.push(
    "",
    "Example resolved fields:",
    "",
    "```json",
    JSON.stringify(action.example.fields, null, 2),
    "```",
  );
  if (action.example.options) {
    lines.push("", "Options:", "", "```json", JSON.stringify(action.example.options, null, 2), "```");
  }
  lines.push("", "Request body:", "", "```json", JSON.stringify(exampleRequest(action), null, 2), "```", "");
  return lines.join("\n");
}

const INTRO = `# Customer.io actions

<!-- Generated from src/destinations/customerio/actions (renderActionsReference). Do not edit by hand:
     run \`${REGENERATE_REFERENCE_COMMAND}\` to regenerate. -->

Each Customer.io destination action has a \`type\` (one of the sections below), a \`trigger\` condition and
\`fields\`: a mapping per field, in the mapping syntax (\`"$.traits.email"\` is a path into the Segment event,
\`{ coalesce: [...] }\` takes the first present value, other scalars are literals). A field you do not map
takes its default mapping; map it to \`{ literal: null }\` to leave it out.

Rules every action follows:

- **One person identifier is sent**, by precedence \`cio_id\` > \`id\` > \`email\`; the others are ignored.
  Values are trimmed and blank values count as absent. With none, the event stops with
  \`no id, email or cio_id\`.
- **\`cio_id\`** may be written with the \`cio_\` prefix (as v1 paths and Segment userIds carry it): the prefix
  is removed, because Track API v2 bodies carry the bare id. The defaults read a \`userId\` starting with
  \`cio_\` as a cio_id, as the preset actions always have.
- **An email-shaped \`id\`** (containing \`@\`) follows the option \`email_shaped_id\`: \`as_id\` (default) sends
  it as \`id\`, \`as_email\` as \`email\`, \`stop\` stops the event. It is never guessed silently.
- **Timestamps** are integer Unix seconds or ISO-8601 dates (zone-less means UTC); milliseconds stop the event.
- **Attributes**: with option \`dates_to_unix\` (default true) top-level ISO-8601 string values become Unix
  seconds; \`null\` is sent (it removes the attribute in Customer.io); NaN and infinite numbers are dropped.
- **Limits**: Customer.io's documented limits (event name 100 bytes, identifier and object id 150 bytes,
  attribute names 150 bytes and values 1000 bytes, 300 attributes, event data 100,000 bytes) stop the event
  with the field at fault, before anything is sent. A stop reason names fields, never values.
- **Privacy**: the defaults map whole \`$.traits\` / \`$.properties\`; the destination's \`allow\` lists filter
  them before an action sees them (the actions themselves send whatever their fields resolve to).

## Contents

${CUSTOMERIO_ACTIONS.map((action) => `- [\`${action.type}\`](#${action.type}): ${action.title}`).join("\n")}

## Presets

A destination without \`actions:\` runs these (print them with \`sluice presets customerio\`):

\`\`\`json
${JSON.stringify(PRESET_ACTIONS_CONFIG, null, 2)}
\`\`\`
`;

/**
 * The whole reference document.
 *
 * @example
 * renderActionsReference().startsWith("# Customer.io actions"); // true
 */
export function renderActionsReference(): string {
  return [INTRO, ...CUSTOMERIO_ACTIONS.map(renderActionSection)].join("\n");
}
