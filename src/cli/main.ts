#!/usr/bin/env node
import type { CliIo } from "./command.js";
import { runCli } from "./run-cli.js";

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    // Exit even if a failed shutdown left handles open; stdout/stderr are synchronous for files and pipes.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`sluice: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
