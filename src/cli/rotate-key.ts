import { AUDIT_ACTIONS } from "../observability/audit.js";
import { openBody, sealBody, sealedKeyId } from "../store/encrypted-store.js";
import { type Keyring, readKeyring } from "../store/keyring.js";
import { readDatabaseEnv } from "../store/open-store.js";
import type { BodyReplacement, StoredBody } from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import { openSqliteBodies } from "../store/sqlite/stored-bodies.js";
import { StoreError } from "../store/store-error.js";
import { auditFromCli } from "./audit-store.js";
import type { CliIo, Command } from "./command.js";
import { databasePath } from "./log-store.js";
import { createProgress } from "./progress.js";

const USAGE = `sluice rotate-key [--dry-run] [--chunk-size N]

Re-encrypts every stored event body that is not under the current key (the first line of
SLUICE_ENCRYPTION_KEY_FILE): bodies under an older key, and plaintext bodies stored before encryption
was enabled. Safe while Sluice runs: it works in chunks of N bodies (default 500), each a short
transaction that leaves alone any body Sluice delivered or changed meanwhile. Every node must already
run with the new key file (new writes under the new key, old keys still listed to read old bodies).
--dry-run only counts. Reads SLUICE_DATA_DIR (SQLite) or SLUICE_DATABASE_URL/SLUICE_DATABASE_SCHEMA
(PostgreSQL, from any node). Exit 1 when some body could not be read or is still under another key.
Procedure: docs/privacy.md, "Encryption at rest and key rotation".`;

const DEFAULT_CHUNK = 500;

/** What rotation needs from a store: the two stored-body methods of the port. */
export interface BodyStore {
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
}

/** How many bodies are stored, and how many of them are not under the keyring's current key. */
export interface BodyScan {
  stored: number;
  pending: number;
}

export interface ReencryptResult {
  /** Bodies re-encrypted under the current key. */
  reencrypted: number;
  /** Bodies delivered (deleted) or changed between listing and replacing: left alone. */
  leftAlone: number;
  /** Bodies that could not be decrypted (unknown key id, altered): left as they are. */
  unreadable: number;
  /** The first decryption error's message (names an event seq and a key id, never data). */
  firstProblem: string | null;
}

/**
 * Count stored bodies and those not under the current key, page by page.
 *
 * @example
 * await scanBodies(store, keyring) // { stored: 1200, pending: 1150 }
 */
export async function scanBodies(
  bodies: BodyStore,
  keyring: Keyring,
  chunkSize = DEFAULT_CHUNK,
): Promise<BodyScan> {
  let stored = 0;
  let pending = 0;
  for await (const page of pages(bodies, chunkSize)) {
    stored += page.length;
    for (const row of page) if (sealedKeyId(row.body) !== keyring.currentKeyId) pending += 1;
  }
  return { stored, pending };
}

/**
 * Re-encrypt every stored body that is not under the keyring's current key, `chunkSize` at a time:
 * each page is decrypted (plaintext passes as it is), sealed under the current key and written back
 * with a compare-and-swap, so a body the running Sluice deleted or changed meanwhile is left alone.
 * Between pages it pauses as long as the page took (at most 100 ms), so the running Sluice's writes
 * get the database between chunks. `onProgress` gets the number of bodies handled so far.
 *
 * @example
 * const result = await reencryptBodies(store, keyring, { onProgress: (done) => progress.update(done) });
 */
export async function reencryptBodies(
  bodies: BodyStore,
  keyring: Keyring,
  options: { chunkSize?: number; onProgress?: (done: number) => void } = {},
): Promise<ReencryptResult> {
  const result: ReencryptResult = { reencrypted: 0, leftAlone: 0, unreadable: 0, firstProblem: null };
  let done = 0;
  for await (const page of pages(bodies, options.chunkSize ?? DEFAULT_CHUNK)) {
    const startedMs = performance.now();
    const replacements: BodyReplacement[] = [];
    for (const row of page) {
      if (sealedKeyId(row.body) === keyring.currentKeyId) continue;
      done += 1;
      let plain: string;
      try {
        plain = openBody(keyring, row.body, row, `the body of event ${row.eventSeq}`);
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== "ER_STORE_DECRYPT_FAILED") throw error;
        result.unreadable += 1;
        result.firstProblem ??= error.message;
        continue;
      }
      replacements.push({
        eventSeq: row.eventSeq,
        body: sealBody(keyring, plain, row),
        expectedBody: row.body,
      });
    }
    if (replacements.length === 0) {
      options.onProgress?.(done);
      continue;
    }
    const replaced = await bodies.replaceBodies(replacements);
    result.reencrypted += replaced;
    result.leftAlone += replacements.length - replaced;
    options.onProgress?.(done);
    const pauseMs = Math.min(100, Math.max(1, Math.ceil(performance.now() - startedMs)));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return result;
}

/** Every stored body, a page at a time, in event order. */
async function* pages(bodies: BodyStore, chunkSize: number): AsyncGenerator<StoredBody[]> {
  for (let after = 0; ; ) {
    const page = await bodies.listBodies(after, chunkSize);
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (last === undefined || page.length < chunkSize) return;
    after = last.eventSeq;
  }
}

/** `sluice rotate-key`: re-encrypt stored bodies under the current key while Sluice runs. */
export const rotateKeyCommand: Command = {
  name: "rotate-key",
  summary: "Re-encrypt stored event bodies under the current encryption key (safe while Sluice runs)",
  usage: USAGE,
  async run(args, io) {
    let dryRun = false;
    let chunkSize = DEFAULT_CHUNK;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === "--dry-run") dryRun = true;
      else if (arg === "--chunk-size" && args[i + 1] !== undefined) {
        chunkSize = Number(args[++i]);
        if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 10_000) {
          io.stderr("--chunk-size must be an integer from 1 to 10000\n");
          return 2;
        }
      } else {
        io.stderr(`unknown or incomplete argument: ${arg}\n\nusage: ${USAGE}\n`);
        return 2;
      }
    }
    try {
      const keyring = readKeyring(io.env, io.cwd);
      if (keyring === null) {
        io.stderr(
          "rotate-key needs the keys: set SLUICE_ENCRYPTION_KEY_FILE (the new key on the first line, the old ones below), as for the running Sluice\n",
        );
        return 2;
      }
      const bodies = await openBodyStore(io);
      let code: number;
      try {
        code = await rotateKeyWith(bodies, keyring, { dryRun, chunkSize }, io);
      } finally {
        await bodies.close();
      }
      if (!dryRun) {
        await auditFromCli(io, {
          action: AUDIT_ACTIONS.keyRotate,
          outcome: "ok",
          detail: { keyId: keyring.currentKeyId, exitCode: code },
        });
      }
      return code;
    } catch (error) {
      io.stderr(`sluice: ${(error as Error).message}\n`);
      return 1;
    }
  },
};

/**
 * The command's work on an opened body store: count, re-encrypt with a progress line on stderr, then
 * check that nothing is left under another key. Resolves with the exit code.
 *
 * @example
 * await rotateKeyWith(store, keyring, { dryRun: false, chunkSize: 500 }, io) // 0
 */
export async function rotateKeyWith(
  bodies: BodyStore,
  keyring: Keyring,
  options: { dryRun: boolean; chunkSize: number },
  io: CliIo,
): Promise<number> {
  const keyId = keyring.currentKeyId;
  const before = await scanBodies(bodies, keyring, options.chunkSize);
  if (before.pending === 0) {
    io.stdout(`all ${before.stored} stored bodies are under key ${keyId}: nothing to do\n`);
    return 0;
  }
  if (options.dryRun) {
    io.stdout(
      `${before.pending} of ${before.stored} stored bodies would be re-encrypted to key ${keyId} (dry run: nothing changed)\n`,
    );
    return 0;
  }
  const progress = createProgress({ label: "re-encrypted", total: before.pending, write: io.stderr });
  const result = await reencryptBodies(bodies, keyring, {
    chunkSize: options.chunkSize,
    onProgress: (done) => progress.update(Math.min(done, before.pending)),
  });
  progress.finish(result.reencrypted);
  io.stdout(
    `re-encrypted ${result.reencrypted} bodies to key ${keyId}; ${result.leftAlone} were delivered or changed meanwhile and left alone\n`,
  );
  if (result.unreadable > 0) {
    io.stderr(
      `${result.unreadable} bodies could not be decrypted and were left as they are; the first: ${result.firstProblem ?? ""}\n`,
    );
    return 1;
  }
  const after = await scanBodies(bodies, keyring, options.chunkSize);
  if (after.pending > 0) {
    io.stderr(
      `${after.pending} stored bodies are still not under key ${keyId}: a node still writes with another key? ` +
        "Restart every node with the new key file first, then run sluice rotate-key again\n",
    );
    return 1;
  }
  io.stdout(`every stored body is under key ${keyId}: older keys can now be removed from the key file\n`);
  return 0;
}

/**
 * The stored bodies of the environment's database, beside a running Sluice: on SQLite a connection
 * of its own (`openSqliteBodies`, which clears no leases); on PostgreSQL the adapter, from any node.
 */
async function openBodyStore(io: CliIo): Promise<BodyStore & { close(): Promise<void> }> {
  const database = readDatabaseEnv(io.env);
  if ("problem" in database) throw new StoreError("ER_STORE_INVALID_OPTION", database.problem);
  if (database.databaseUrl === null) return openSqliteBodies(databasePath(io));
  const store = await openPostgresStore({
    url: database.databaseUrl,
    schema: database.databaseSchema,
    poolSize: 2,
    applicationName: "sluice-cli",
  });
  return {
    listBodies: (afterEventSeq, limit) => store.listBodies(afterEventSeq, limit),
    replaceBodies: (rows) => store.replaceBodies(rows),
    close: () => store.close(),
  };
}
