import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseConfigText } from "../contracts/config-file.js";
import { destinationConfigIssues } from "../destinations/validate-destinations.js";
import type { Command } from "./command.js";

/** `sluice validate-config <file>`: print every problem with its line and path; exit 1 if any. */
export const validateConfigCommand: Command = {
  name: "validate-config",
  summary: "Check a configuration file and list every error with its place in the file",
  usage: "sluice validate-config <file>",
  async run(args, io) {
    const file = args[0];
    if (!file || args.length > 1) {
      io.stderr(`usage: ${this.usage}\n`);
      return 2;
    }
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, file), "utf8");
    } catch (error) {
      io.stderr(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})\n`);
      return 1;
    }
    const result = parseConfigText(text, io.env, { check: destinationConfigIssues });
    if (result.ok) {
      const { sources, destinations } = result.config;
      io.stdout(`${file}: valid (${sources.length} source(s), ${destinations.length} destination(s))\n`);
      return 0;
    }
    for (const issue of result.issues) {
      const place = issue.line ? `${file}:${issue.line}:${issue.column}` : file;
      io.stderr(`${place}  ${issue.path || "(file)"}: ${issue.message}\n`);
    }
    io.stderr(`${result.issues.length} problem(s) found\n`);
    return 1;
  },
};
