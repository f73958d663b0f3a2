import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import type { AuditEntry, AuditRecord, Store } from "../store/port.js";

/**
 * Recording audited actions: the action names in one place, the actor of a CLI command, and the
 * `audit` helper the server, the CLI and the admin API call. An entry names who did what to what —
 * never a payload value, a secret or a person's identifier (`personAuditTarget` in
 * `src/delivery/erasure.ts` hashes it).
 */

/** Every audited action, by name (docs/privacy.md#audit-trail lists what each entry's detail holds). */
export const AUDIT_ACTIONS = {
  /** Sluice started: the configuration file's fingerprint, the store kind. */
  sluiceStart: "sluice.start",
  /** Dead letters put back in the queue: the filter and how many. */
  dlqReplay: "dlq.replay",
  /** Payload values viewed (`sluice dlq show --reveal`, admin reveal): which delivery. */
  payloadView: "payload.view",
  /** An erasure request (`sluice forget`): the person's hash, what was removed, Customer.io's answers. */
  personForget: "person.forget",
  /** The encryption key was rotated. */
  keyRotate: "key.rotate",
  /** The retention purge removed rows: counts and cut-offs. */
  retentionPurge: "retention.purge",
  /** An admin API request refused (401/403): route, method and why — never a token. */
  adminDenied: "admin.denied",
  /** The configuration draft saved (an edit through the admin API): what changed, never a secret. */
  configDraftSave: "config.draft_save",
  /** The configuration draft discarded. */
  configDraftDiscard: "config.draft_discard",
  /** The draft published as a new version: its number and note. */
  configPublish: "config.publish",
  /** An earlier version published again as a new one: both numbers. */
  configRollback: "config.rollback",
  /** A YAML file imported into the draft: how many issues. */
  configImport: "config.import",
  /** A source's write key or test write key replaced in the draft (never a key). */
  sourceKeyRotate: "source.key_rotate",
  /** A test event sent to a destination's real workspace (not the sandbox): the HTTP statuses. */
  destinationTestSend: "destination.test_send",
  /** A sign-in: `ok`, or `denied` for a wrong name or password (the name, never the password). */
  signIn: "auth.sign_in",
  /** A sign-in refused by the rate limit without checking the password: by name or by address. */
  signInLimited: "auth.sign_in_limited",
  /** A session ended by its user. */
  signOut: "auth.sign_out",
  /** The first account made through `POST /admin/api/setup`. */
  setup: "auth.setup",
  /** A user account added (its role; never the password). */
  userCreate: "user.create",
  /** A user's role and/or password changed (which, never the password). */
  userUpdate: "user.update",
  /** A user account deleted. */
  userDelete: "user.delete",
} as const;

/** The actor of what Sluice does by itself (start, retention). */
export const SYSTEM_ACTOR = "sluice";

/** An entry to record; `atMs` defaults to the clock. */
export type AuditInput = Omit<AuditEntry, "atMs"> & { atMs?: number };

/**
 * Append an audited action to the store's hash-chained audit log and return the stored record. It
 * rejects when the entry could not be recorded: callers that show payload values record first and
 * show nothing when this fails.
 *
 * @example
 * await audit(store, { actor: "ops", action: AUDIT_ACTIONS.dlqReplay, outcome: "ok",
 *   detail: { filter: { destination: "cio" }, replayed: 12 } });
 */
export function audit(
  store: Pick<Store, "appendAudit">,
  entry: AuditInput,
  clock: () => number = Date.now,
): Promise<AuditRecord> {
  const { atMs, ...rest } = entry;
  return store.appendAudit({ ...rest, atMs: atMs ?? clock() });
}

/**
 * Who runs a CLI command: `SLUICE_ACTOR` when set (e.g. an operator's name behind a shared account),
 * else the OS user name, else `unknown`.
 *
 * @example
 * auditActor({ SLUICE_ACTOR: "ada.ops" }) // "ada.ops"
 */
export function auditActor(env: Readonly<Record<string, string | undefined>>): string {
  const named = env["SLUICE_ACTOR"]?.trim();
  if (named) return named.slice(0, 200);
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The fingerprint of a configuration file: `sha256:` and the hex SHA-256 of its bytes (never its
 * content, which holds `${VAR}` references and possibly secrets). Null without a file or when it
 * cannot be read.
 *
 * @example
 * fileFingerprint("sluice.yaml") // "sha256:9f86d0..."
 */
export function fileFingerprint(path: string | null): string | null {
  if (path === null) return null;
  try {
    return `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
  } catch {
    return null;
  }
}
