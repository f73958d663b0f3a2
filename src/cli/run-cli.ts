import { auditCommand } from "./audit.js";
import type { CliIo, Command } from "./command.js";
import { deliveriesCommand } from "./deliveries.js";
import { dlqCommand } from "./dlq.js";
import { forgetCommand } from "./forget.js";
import { keygenCommand } from "./keygen.js";
import { presetsCommand } from "./presets.js";
import { previewCommand } from "./preview.js";
import { rotateKeyCommand } from "./rotate-key.js";
import { sandboxCommand } from "./sandbox.js";
import { startCommand } from "./start.js";
import { traceCommand } from "./trace.js";
import { usersCommand } from "./users.js";
import { validateConfigCommand } from "./validate-config.js";

const COMMANDS: readonly Command[] = [
  startCommand,
  validateConfigCommand,
  previewCommand,
  presetsCommand,
  sandboxCommand,
  deliveriesCommand,
  dlqCommand,
  traceCommand,
  auditCommand,
  forgetCommand,
  keygenCommand,
  rotateKeyCommand,
  usersCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Sluice: a privacy-first event router (Segment-compatible ingest → Customer.io)

Usage: sluice <command> [options]

Commands:
${lines.join("\n")}

Run "sluice <command> --help" for a command's options.
`;
}

/** Dispatch argv to a command; returns the exit code. Exported for in-process tests. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  return command.run(rest, io);
}
