import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const STORE_DIR = fileURLToPath(new URL("../../", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** A runnable JavaScript copy of `src/store` for child processes, which cannot run TypeScript on Node 20. */
export interface CompiledStore {
  /** Absolute path of the compiled `sqlite/sqlite-store.js`. */
  sqliteStoreModule: string;
  remove: () => void;
}

/**
 * Transpile the store's runtime files (no tests, no contract suite) into a temporary directory.
 * Only `src/store` is compiled, so the test does not depend on the rest of the project building.
 * The copy gets `"type": "module"` and a `node_modules` link to the repository's, for better-sqlite3.
 *
 * @example
 * const compiled = compileStoreForChild();
 * spawn(process.execPath, [fixture, compiled.sqliteStoreModule, dbPath]);
 */
export function compileStoreForChild(): CompiledStore {
  const outDir = mkdtempSync(join(tmpdir(), "sluice-store-js-"));
  for (const file of runtimeSources(STORE_DIR)) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const target = join(outDir, relative(STORE_DIR, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(join(REPO_ROOT, "node_modules"), join(outDir, "node_modules"), "dir");
  return {
    sqliteStoreModule: join(outDir, "sqlite", "sqlite-store.js"),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

function runtimeSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return ["test-support", "contract"].includes(entry.name) ? [] : runtimeSources(path);
    const isRuntime = entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts");
    return isRuntime && entry.name !== "store-contract.ts" ? [path] : [];
  });
}
