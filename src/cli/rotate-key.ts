import { AUDIT_ACTIONS } from "../observability/audit.js";
import {
  type BodyIdentity,
  configDocumentIdentity,
  openBody,
  sealBody,
  sealedKeyId,
} from "../store/encrypted-store.js";
import { type Keyring, readKeyring } from "../store/keyring.js";
import { readDatabaseEnv } from "../store/open-store.js";
import type {
  BodyReplacement,
  ConfigDocumentReplacement,
  SampleBodyReplacement,
  StoredBody,
  StoredConfigDocument,
  StoredSampleBody,
} from "../store/port.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import { openSqliteBodies } from "../store/sqlite/stored-bodies.js";
import { StoreError } from "../store/store-error.js";
import { auditFromCli } from "./audit-store.js";
import type { CliIo, Command } from "./command.js";
import { databasePath } from "./log-store.js";
import { createProgress } from "./progress.js";

const USAGE = `sluice rotate-key [--dry-run] [--chunk-size N]

Re-encrypts everything Sluice keeps sealed that is not under the current key (the first line of
SLUICE_ENCRYPTION_KEY_FILE): queued event bodies, configuration documents (every published version
and the draft: they hold destination API keys) and event samples — under an older key, or plaintext
stored before encryption was enabled. Safe while Sluice runs: it works in chunks of N rows (default
500), each a short transaction that leaves alone any row Sluice delivered, pruned or changed
meanwhile. Every node must already run with the new key file (new writes under the new key, old keys
still listed to read old rows). --dry-run only counts. Reads SLUICE_DATA_DIR (SQLite) or
SLUICE_DATABASE_URL/SLUICE_DATABASE_SCHEMA (PostgreSQL, from any node). Exit 1 when some row could not
be read or is still under another key.
Procedure: docs/privacy.md, "Encryption at rest and key rotation".`;

const DEFAULT_CHUNK = 500;

/** What rotation needs from a store for event bodies: the two stored-body methods of the port. */
export interface BodyStore {
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
}

/** Everything rotation re-seals: the port's stored-text methods for bodies, configuration and samples. */
export interface SealedStore extends BodyStore {
  listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]>;
  replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number>;
  listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]>;
  replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number>;
}

/** One stored sealed text, as rotation sees it: which row, its stored text, and what it is bound to. */
interface SealedRow {
  /** The row's key in its kind: event seq, version (null: the draft) or sample id. */
  key: number | null;
  stored: string;
  identity: BodyIdentity;
  /** Names the row in a decryption error (never data). */
  where: string;
}

/** A kind of sealed data: how to page through it and compare-and-swap its rows. */
export interface SealedKind {
  /** Plural, for messages: `event bodies`, `configuration documents`, `event samples`. */
  noun: string;
  /** What may have happened to a row rotation left alone, for the summary. */
  leftAloneBecause: string;
  /** One page of rows after `after` (0: the first), and the `after` of the next page (null: this was the last). */
  page(after: number, limit: number): Promise<{ rows: SealedRow[]; next: number | null }>;
  /** Replace each row's stored text with `sealed` where it is still `expected`; how many were replaced. */
  replace(rows: readonly { key: number | null; sealed: string; expected: string }[]): Promise<number>;
}

/**
 * Queued event bodies as a sealed kind (bound to their event's source and messageId).
 *
 * @example
 * await scanSealed(bodiesKind(store), keyring) // { stored: 1200, pending: 1150 }
 */
export function bodiesKind(store: BodyStore): SealedKind {
  return {
    noun: "event bodies",
    leftAloneBecause: "delivered or changed meanwhile",
    async page(after, limit) {
      const rows = await store.listBodies(after, limit);
      return {
        rows: rows.map((row) => ({
          key: row.eventSeq,
          stored: row.body,
          identity: row,
          where: `the body of event ${row.eventSeq}`,
        })),
        next: rows.length < limit ? null : (rows.at(-1)?.eventSeq ?? null),
      };
    },
    replace: (rows) =>
      store.replaceBodies(
        rows.map((row) => ({ eventSeq: row.key ?? 0, body: row.sealed, expectedBody: row.expected })),
      ),
  };
}

/**
 * Configuration documents (every published version and the draft) as a sealed kind, bound as
 * `encryptStore` binds them (`configDocumentIdentity`).
 *
 * @example
 * await reencryptSealed(configKind(store), keyring)
 */
export function configKind(store: SealedStore): SealedKind {
  return {
    noun: "configuration documents",
    leftAloneBecause: "changed meanwhile (a draft saved or published)",
    async page(after, limit) {
      const rows = await store.listConfigDocuments(after, limit);
      const last = rows.at(-1);
      return {
        rows: rows.map((row) => ({
          key: row.version,
          stored: row.document,
          identity: configDocumentIdentity(row.version),
          where: row.version === null ? "the configuration draft" : `configuration version ${row.version}`,
        })),
        // The draft comes last, on the page where the versions run out.
        next: last === undefined || last.version === null || rows.length < limit ? null : last.version,
      };
    },
    replace: (rows) =>
      store.replaceConfigDocuments(
        rows.map((row) => ({ version: row.key, document: row.sealed, expectedDocument: row.expected })),
      ),
  };
}

/**
 * Event samples as a sealed kind (bound, like event bodies, to their source and messageId).
 *
 * @example
 * await reencryptSealed(samplesKind(store), keyring)
 */
export function samplesKind(store: SealedStore): SealedKind {
  return {
    noun: "event samples",
    leftAloneBecause: "pruned or changed meanwhile",
    async page(after, limit) {
      const rows = await store.listSampleBodies(after, limit);
      return {
        rows: rows.map((row) => ({
          key: row.id,
          stored: row.body,
          identity: row,
          where: `the body of sample ${row.id}`,
        })),
        next: rows.length < limit ? null : (rows.at(-1)?.id ?? null),
      };
    },
    replace: (rows) =>
      store.replaceSampleBodies(
        rows.map((row) => ({ id: row.key ?? 0, body: row.sealed, expectedBody: row.expected })),
      ),
  };
}

/** Every kind rotation re-seals, in the order it does them. */
export function sealedKinds(store: SealedStore): SealedKind[] {
  return [bodiesKind(store), configKind(store), samplesKind(store)];
}

/** How many rows of a kind are stored, and how many of them are not under the keyring's current key. */
export interface SealedScan {
  stored: number;
  pending: number;
}

export interface ReencryptResult {
  /** Rows re-encrypted under the current key. */
  reencrypted: number;
  /** Rows deleted or changed between listing and replacing: left alone. */
  leftAlone: number;
  /** Rows that could not be decrypted (unknown key id, altered): left as they are. */
  unreadable: number;
  /** The first decryption error's message (names a row and a key id, never data). */
  firstProblem: string | null;
}

/**
 * Count a kind's stored rows and those not under the current key, page by page.
 *
 * @example
 * await scanSealed(configKind(store), keyring) // { stored: 4, pending: 4 }
 */
export async function scanSealed(
  kind: SealedKind,
  keyring: Keyring,
  chunkSize = DEFAULT_CHUNK,
): Promise<SealedScan> {
  let stored = 0;
  let pending = 0;
  for await (const page of pages(kind, chunkSize)) {
    stored += page.length;
    for (const row of page) if (sealedKeyId(row.stored) !== keyring.currentKeyId) pending += 1;
  }
  return { stored, pending };
}

/**
 * Count stored bodies and those not under the current key (`scanSealed` of `bodiesKind`).
 *
 * @example
 * await scanBodies(store, keyring) // { stored: 1200, pending: 1150 }
 */
export function scanBodies(
  bodies: BodyStore,
  keyring: Keyring,
  chunkSize = DEFAULT_CHUNK,
): Promise<SealedScan> {
  return scanSealed(bodiesKind(bodies), keyring, chunkSize);
}

/**
 * Re-encrypt every row of a kind that is not under the keyring's current key, `chunkSize` at a time:
 * each page is decrypted (plaintext passes as it is), sealed under the current key and written back
 * with a compare-and-swap, so a row the running Sluice deleted or changed meanwhile is left alone.
 * Between pages it pauses as long as the page took (at most 100 ms), so the running Sluice's writes
 * get the database between chunks. `onProgress` gets the number of rows handled so far.
 *
 * @example
 * const result = await reencryptSealed(samplesKind(store), keyring, { onProgress: (done) => progress.update(done) });
 */
export async function reencryptSealed(
  kind: SealedKind,
  keyring: Keyring,
  options: { chunkSize?: number; onProgress?: (done: number) => void } = {},
): Promise<ReencryptResult> {
  const result: ReencryptResult = { reencrypted: 0, leftAlone: 0, unreadable: 0, firstProblem: null };
  let done = 0;
  for await (const page of pages(kind, options.chunkSize ?? DEFAULT_CHUNK)) {
    const startedMs = performance.now();
    const replacements: { key: number | null; sealed: string; expected: string }[] = [];
    for (const row of page) {
      if (sealedKeyId(row.stored) === keyring.currentKeyId) continue;
      done += 1;
      let plain: string;
      try {
        plain = openBody(keyring, row.stored, row.identity, row.where);
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== "ER_STORE_DECRYPT_FAILED") throw error;
        result.unreadable += 1;
        result.firstProblem ??= error.message;
        continue;
      }
      replacements.push({
        key: row.key,
        sealed: sealBody(keyring, plain, row.identity),
        expected: row.stored,
      });
    }
    if (replacements.length === 0) {
      options.onProgress?.(done);
      continue;
    }
    const replaced = await kind.replace(replacements);
    result.reencrypted += replaced;
    result.leftAlone += replacements.length - replaced;
    options.onProgress?.(done);
    const pauseMs = Math.min(100, Math.max(1, Math.ceil(performance.now() - startedMs)));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return result;
}

/**
 * Re-encrypt stored event bodies (`reencryptSealed` of `bodiesKind`).
 *
 * @example
 * const result = await reencryptBodies(store, keyring, { onProgress: (done) => progress.update(done) });
 */
export function reencryptBodies(
  bodies: BodyStore,
  keyring: Keyring,
  options: { chunkSize?: number; onProgress?: (done: number) => void } = {},
): Promise<ReencryptResult> {
  return reencryptSealed(bodiesKind(bodies), keyring, options);
}

/** Every row of a kind, a page at a time, in key order. */
async function* pages(kind: SealedKind, chunkSize: number): AsyncGenerator<SealedRow[]> {
  for (let after: number | null = 0; after !== null; ) {
    const page: { rows: SealedRow[]; next: number | null } = await kind.page(after, chunkSize);
    if (page.rows.length > 0) yield page.rows;
    after = page.next;
  }
}

/** `sluice rotate-key`: re-encrypt sealed data under the current key while Sluice runs. */
export const rotateKeyCommand: Command = {
  name: "rotate-key",
  summary:
    "Re-encrypt stored bodies, configuration and samples under the current key (safe while Sluice runs)",
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
      const store = await openSealedStore(io);
      let code: number;
      try {
        code = await rotateKeyWith(store, keyring, { dryRun, chunkSize }, io);
      } finally {
        await store.close();
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

/** `18 event bodies, 3 configuration documents and 5 event samples`, from a count per kind. */
function countsText(kinds: readonly SealedKind[], count: (index: number) => string): string {
  const parts = kinds.map((kind, index) => `${count(index)} ${kind.noun}`);
  return parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * The command's work on an opened store: count each kind (event bodies, configuration documents,
 * event samples), re-encrypt them with a progress line on stderr and a summary per kind on stdout,
 * then check that nothing is left under another key. Resolves with the exit code.
 *
 * @example
 * await rotateKeyWith(store, keyring, { dryRun: false, chunkSize: 500 }, io) // 0
 */
export async function rotateKeyWith(
  store: SealedStore,
  keyring: Keyring,
  options: { dryRun: boolean; chunkSize: number },
  io: CliIo,
): Promise<number> {
  const keyId = keyring.currentKeyId;
  const kinds = sealedKinds(store);
  const before: SealedScan[] = [];
  for (const kind of kinds) before.push(await scanSealed(kind, keyring, options.chunkSize));
  const stored = (index: number) => String(before[index]?.stored ?? 0);
  if (before.every((scan) => scan.pending === 0)) {
    io.stdout(`all ${countsText(kinds, stored)} are under key ${keyId}: nothing to do\n`);
    return 0;
  }
  if (options.dryRun) {
    const pending = (index: number) => `${before[index]?.pending ?? 0} of ${stored(index)}`;
    io.stdout(
      `${countsText(kinds, pending)} would be re-encrypted to key ${keyId} (dry run: nothing changed)\n`,
    );
    return 0;
  }
  let exitCode = 0;
  for (const [index, kind] of kinds.entries()) {
    const total = before[index]?.pending ?? 0;
    if (total === 0) {
      io.stdout(`re-encrypted 0 ${kind.noun}: all ${stored(index)} were under key ${keyId}\n`);
      continue;
    }
    const progress = createProgress({ label: `re-encrypted ${kind.noun}`, total, write: io.stderr });
    const result = await reencryptSealed(kind, keyring, {
      chunkSize: options.chunkSize,
      onProgress: (done) => progress.update(Math.min(done, total)),
    });
    progress.finish(result.reencrypted);
    io.stdout(
      `re-encrypted ${result.reencrypted} ${kind.noun} to key ${keyId}; ${result.leftAlone} were ${kind.leftAloneBecause} and left alone\n`,
    );
    if (result.unreadable > 0) {
      io.stderr(
        `${result.unreadable} ${kind.noun} could not be decrypted and were left as they are; the first: ${result.firstProblem ?? ""}\n`,
      );
      exitCode = 1;
    }
  }
  if (exitCode !== 0) return exitCode;
  const after: SealedScan[] = [];
  for (const kind of kinds) after.push(await scanSealed(kind, keyring, options.chunkSize));
  const left = kinds.flatMap((kind, index) => {
    const pending = after[index]?.pending ?? 0;
    return pending > 0 ? [`${pending} ${kind.noun}`] : [];
  });
  if (left.length > 0) {
    io.stderr(
      `${left.join(", ")} are still not under key ${keyId}: a node still writes with another key? ` +
        "Restart every node with the new key file first, then run sluice rotate-key again\n",
    );
    return 1;
  }
  io.stdout(
    `every stored event body, configuration document and event sample is under key ${keyId}: older keys can now be removed from the key file\n`,
  );
  return 0;
}

/**
 * The sealed data of the environment's database, beside a running Sluice: on SQLite a connection of
 * its own (`openSqliteBodies`, which clears no leases and migrates nothing); on PostgreSQL the adapter,
 * from any node.
 */
async function openSealedStore(io: CliIo): Promise<SealedStore & { close(): Promise<void> }> {
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
    listConfigDocuments: (afterVersion, limit) => store.listConfigDocuments(afterVersion, limit),
    replaceConfigDocuments: (rows) => store.replaceConfigDocuments(rows),
    listSampleBodies: (afterId, limit) => store.listSampleBodies(afterId, limit),
    replaceSampleBodies: (rows) => store.replaceSampleBodies(rows),
    close: () => store.close(),
  };
}
