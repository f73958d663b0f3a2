import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { stringify } from "yaml";
import { AllowSchema } from "../contracts/config.js";
import { parseConfigText } from "../contracts/config-file.js";
import { presetActions } from "../destinations/customerio/compile-actions.js";
import type { Command } from "./command.js";
import { parseFlags } from "./preview.js";

const USAGE = `sluice presets customerio [--config FILE --destination NAME]

Prints the preset actions (what a Customer.io destination without "actions:" runs) as
configuration you can paste under the destination and edit. With --config and --destination,
the destination's allow lists are baked in; otherwise the defaults (nothing allowed).`;

/** `sluice presets customerio`: the presets as editable `actions:` YAML. */
export const presetsCommand: Command = {
  name: "presets",
  summary: "Print a destination's preset actions as editable configuration",
  usage: USAGE,
  async run(args, io) {
    const [kind, ...rest] = args;
    const flags = parseFlags(rest, ["--config", "--destination"], []);
    if (kind !== "customerio" || !flags.ok) {
      io.stderr(
        `${flags.ok ? "the only destination type is customerio" : flags.message}\n\nusage: ${USAGE}\n`,
      );
      return 2;
    }
    let allow = AllowSchema.parse({});
    const configPath = flags.values["--config"];
    if (configPath !== undefined) {
      const name = flags.values["--destination"];
      let text: string;
      try {
        text = readFileSync(resolve(io.cwd, configPath), "utf8");
      } catch (error) {
        io.stderr(`${configPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})\n`);
        return 1;
      }
      const result = parseConfigText(text, io.env);
      if (!result.ok) {
        io.stderr(`${configPath} is not valid; run: sluice validate-config ${configPath}\n`);
        return 1;
      }
      const destination = result.config.destinations.find((candidate) => candidate.name === name);
      if (!destination) {
        io.stderr(`no destination "${name ?? ""}" in ${configPath} (use --destination NAME)\n`);
        return 1;
      }
      allow = destination.allow;
    }
    const header = [
      "# Preset actions of a Customer.io destination, as configuration: paste under the destination",
      "# and edit. Order is priority; with match: first (the default) an event runs the first enabled",
      "# action whose trigger matches. Track calls are also filtered by allow.events while no",
      "# actions: are configured; once you configure actions, their triggers decide.",
    ];
    io.stdout(
      `${header.join("\n")}\n${stringify({ actions: presetActions({ allow }) }, { lineWidth: 0, aliasDuplicateObjects: false })}`,
    );
    return 0;
  },
};
