/** What a CLI command may touch: injected so commands run in-process in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/**
 * One `sluice` sub-command; each lives in its own file under `src/cli/`.
 * `run` resolves with the process exit code (long-running commands resolve when they stop).
 *
 * @example
 * const hello: Command = { name: "hello", summary: "Say hello", usage: "sluice hello",
 *   async run(_args, io) { io.stdout("hello\n"); return 0; } };
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}
