import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built CLI: end-to-end tests run Sluice as users do, not through its TypeScript sources. */
export const CLI_PATH = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Where the repository root is: child processes run there, as `npx sluice …` does. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Throws, saying what to do, when the CLI was not built (`npm test` builds it first). */
export function requireBuiltCli(): string {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`npm run build\` first (\`npm test\` does it for you)`);
  }
  return CLI_PATH;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One pino line from a child's stdout. */
export interface LogLine {
  level: number;
  msg: string;
  event?: string;
  [key: string]: unknown;
}

export interface CliProcess {
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** The stdout lines that are JSON objects (Sluice's pino logs), in order. */
  logs(): LogLine[];
  /** Resolves once, when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** The exit status, or null while running. */
  exitStatus(): ExitStatus | null;
  /** Resolves with the first match of `pattern` in stdout; rejects on timeout or if the process exits first. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit status; rejects (after killing the process) when it takes longer than `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<ExitStatus>;
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<CliProcess>();

/**
 * Run `node dist/cli/main.js ...args` with a clean environment (PATH and HOME plus `env`), so a
 * developer's own SLUICE_* variables cannot leak into a test. The process is tracked until it exits;
 * {@link killRunningCliProcesses} ends the stragglers of a failed test.
 *
 * @example
 * const cli = runCliProcess(["validate-config", "sluice.yaml"], { env: { CIO_API_KEY: "k" } });
 * const { code } = await cli.waitForExit(10_000); // 0
 */
export function runCliProcess(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): CliProcess {
  const cli = requireBuiltCli();
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${cli}`);
  let out = "";
  let err = "";
  let status: ExitStatus | null = null;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    changed();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    changed();
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    // "close" (not "exit"): stdout and stderr are fully read by then.
    child.on("close", (code, signal) => {
      status = { code, signal };
      running.delete(handle);
      changed();
      resolve(status);
    });
  });
  const pid = child.pid;

  const handle: CliProcess = {
    pid,
    stdout: () => out,
    stderr: () => err,
    logs: () => parseLogLines(out),
    exited,
    exitStatus: () => status,
    waitForStdout(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern);
          if (match) return finish(() => resolve(match));
          if (status) {
            finish(() =>
              reject(
                new Error(
                  `process exited (${JSON.stringify(status)}) before printing ${pattern}\n${describe()}`,
                ),
              ),
            );
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms\n${describe()}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          handle.kill("SIGKILL");
          reject(new Error(`process ${pid} did not exit within ${timeoutMs} ms (killed)\n${describe()}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill(signal) {
      if (status === null) child.kill(signal);
    },
  };
  const describe = () => `--- stdout (last 2000 chars)\n${out.slice(-2000)}\n--- stderr\n${err.slice(-2000)}`;
  running.add(handle);
  return handle;
}

/** SIGKILL every CLI process a test started that is still running, and wait for them to exit. */
export async function killRunningCliProcesses(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.kill("SIGKILL");
  await Promise.all(left.map((cli) => cli.exited));
}

function parseLogLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (parsed !== null && typeof parsed === "object" && typeof (parsed as LogLine).msg === "string") {
        lines.push(parsed as LogLine);
      }
    } catch {
      // A line cut short by kill -9 is not a log line.
    }
  }
  return lines;
}

export interface SluiceProcessOptions {
  dataDir: string;
  /** SLUICE_CONFIG; none starts Sluice unconfigured. */
  configPath?: string;
  /** Default 0: a free port (read back from the "listening" log line). */
  port?: number;
  /** More environment (secrets referenced as ${VAR} by the config, SLUICE_LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /** How long start-up may take. Default 15,000 ms. */
  startTimeoutMs?: number;
}

export interface SluiceProcess {
  process: CliProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
}

/**
 * Start `sluice start` as a child process on 127.0.0.1 and wait for its "listening" log line.
 *
 * @example
 * const sluice = await startSluiceProcess({ dataDir, configPath });
 * await fetch(`${sluice.url}/v1/track`, { ... });
 * sluice.process.kill("SIGTERM");
 * await sluice.process.waitForExit(10_000); // { code: 0, signal: null }
 */
export async function startSluiceProcess(options: SluiceProcessOptions): Promise<SluiceProcess> {
  const cli = runCliProcess(["start"], {
    env: {
      PORT: String(options.port ?? 0),
      HOST: "127.0.0.1",
      // A free port: with a fixed PORT the admin API would default to 8081, shared by parallel tests.
      SLUICE_ADMIN_PORT: "0",
      SLUICE_DATA_DIR: options.dataDir,
      ...(options.configPath ? { SLUICE_CONFIG: options.configPath } : {}),
      ...options.env,
    },
  });
  try {
    const match = await cli.waitForStdout(
      /Sluice is listening on (http:\/\/127\.0\.0\.1:(\d+))/,
      options.startTimeoutMs ?? 15_000,
    );
    return { process: cli, url: match[1]!, port: Number(match[2]) };
  } catch (error) {
    cli.kill("SIGKILL");
    await cli.exited;
    throw error;
  }
}
