import { resolve } from "node:path";
import type { CustomerioDestinationConfig } from "../contracts/config.js";
import {
  type ErasureAnswer,
  type ErasureMode,
  localErasure,
  type PersonIdentifier,
  personAuditTarget,
  requestErasure,
} from "../delivery/erasure.js";
import { trackBaseUrl } from "../destinations/customerio/request-builder.js";
import { HttpService } from "../destinations/customerio/service.js";
import { loadConfigFile, withoutCredentials } from "../main.js";
import { AUDIT_ACTIONS, auditActor } from "../observability/audit.js";
import { openBody, sealedKeyId } from "../store/encrypted-store.js";
import { readKeyring } from "../store/keyring.js";
import type { ForgetResult } from "../store/port.js";
import { openCliAuditStore } from "./audit-store.js";
import type { CliIo, Command } from "./command.js";

const USAGE = `sluice forget (--user-id ID | --email ADDRESS) [--suppress] [--destination NAME]
                     [--config FILE] [--yes]

Erasure (right to be forgotten) of one person:
  1. removes their queued and logged data from Sluice's database: every delivery and event with
     their ordering key (their userId; for --email, the address used as a userId) and, for --email,
     every stored event whose body names the address (delivered bodies are already gone);
  2. asks every Customer.io destination of the configuration (or only --destination) to delete the
     person (--suppress: delete and suppress, so later events naming them are ignored);
  3. records the request in the audit log under a hash of the identifier, never the identifier.
Without --yes it only prints what it would do, and exits 2. The configuration is --config or
SLUICE_CONFIG (without one, nothing is sent to Customer.io). Safe while Sluice runs. With
SLUICE_DATABASE_URL set, works on PostgreSQL. Set SLUICE_ENCRYPTION_KEY(_FILE) as for sluice start
when bodies are encrypted at rest, so --email can read them. The actor is SLUICE_ACTOR or the OS user.`;

/** `sluice forget`: erase one person locally and at Customer.io, and audit it. */
export const forgetCommand: Command = {
  name: "forget",
  summary: "Erase one person: local data, a Customer.io delete or suppress, an audit entry",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseArgs(args);
    if (typeof parsed === "string") {
      io.stderr(`${parsed}\n\nusage: ${USAGE}\n`);
      return 2;
    }
    try {
      return await forget(parsed, io);
    } catch (error) {
      io.stderr(`sluice: ${(error as Error).message}\n`);
      return 1;
    }
  },
};

interface ForgetArgs {
  person: PersonIdentifier;
  mode: ErasureMode;
  destination: string | undefined;
  config: string | undefined;
  yes: boolean;
}

function parseArgs(args: readonly string[]): ForgetArgs | string {
  const values = new Map<string, string>();
  let mode: ErasureMode = "delete";
  let yes = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? "";
    if (flag === "--suppress") mode = "suppress";
    else if (flag === "--yes") yes = true;
    else if (["--user-id", "--email", "--destination", "--config"].includes(flag)) {
      const value = args[++i];
      if (value === undefined || value.trim() === "") return `${flag} needs a value`;
      if (values.has(flag)) return `${flag} is given twice`;
      values.set(flag, value);
    } else return `unknown argument: ${flag}`;
  }
  const userId = values.get("--user-id");
  const email = values.get("--email")?.trim();
  if ((userId === undefined) === (email === undefined)) return "give exactly one of --user-id and --email";
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) return "--email must be an email address";
  return {
    person: userId !== undefined ? { userId } : { email: email as string },
    mode,
    destination: values.get("--destination"),
    config: values.get("--config"),
    yes,
  };
}

/** The Customer.io destinations to ask, from the configuration (none without one). */
function destinationsOf(args: ForgetArgs, io: CliIo): CustomerioDestinationConfig[] {
  const path = args.config ?? io.env["SLUICE_CONFIG"];
  if (path === undefined || path === "") {
    if (args.destination !== undefined) {
      throw new Error(
        `--destination ${args.destination} needs the configuration: give --config or set SLUICE_CONFIG`,
      );
    }
    return [];
  }
  const all = loadConfigFile(resolve(io.cwd, path), io.env).destinations;
  if (args.destination === undefined) return all;
  const chosen = all.filter((destination) => destination.name === args.destination);
  if (chosen.length === 0) {
    throw new Error(
      `no destination "${args.destination}" in ${path}; it has ${all.map((d) => d.name).join(", ") || "none"}`,
    );
  }
  return chosen;
}

async function forget(args: ForgetArgs, io: CliIo): Promise<number> {
  const destinations = destinationsOf(args, io);
  const target = personAuditTarget(args.person);
  const who = "userId" in args.person ? "this user id" : "this email address";
  const store = await openCliAuditStore(io);
  try {
    if (!args.yes) {
      io.stdout(
        [
          `sluice forget would, for the person with ${who}:`,
          `  1. remove their queued and logged data from ${store.location}: deliveries and events with their ordering key${"email" in args.person ? ", and stored events whose body names the address" : ""}`,
          destinations.length === 0
            ? "  2. send nothing to Customer.io: no destination is configured (--config or SLUICE_CONFIG)"
            : `  2. ask Customer.io to ${args.mode} them in: ${destinations.map((d) => `${d.name} (${withoutCredentials(trackBaseUrl(d.settings))})`).join(", ")}`,
          `  3. record the request in the audit log as ${target} (a hash, never the identifier)`,
          "nothing was changed: run again with --yes to do it",
          "",
        ].join("\n"),
      );
      return 2;
    }
    const keyring = readKeyring(io.env, io.cwd);
    const local = localErasure(args.person, (stored, event) => {
      if (keyring !== null) return openBody(keyring, stored, event);
      if (sealedKeyId(stored) !== null) throw new Error("encrypted at rest, and no key is set");
      return stored;
    });
    const removed = await store.forgetPerson(local.orderingKey, { nowMs: Date.now(), ...local.options });
    const service = new HttpService({ timeoutMs: 10_000 });
    let answers: ErasureAnswer[];
    try {
      answers = await requestErasure(destinations, args.person, args.mode, service);
    } finally {
      await service.close().catch(() => undefined);
    }
    const record = await store.appendAudit({
      atMs: Date.now(),
      actor: auditActor(io.env),
      action: AUDIT_ACTIONS.personForget,
      target,
      outcome: "ok",
      detail: {
        identifier: "userId" in args.person ? "user_id" : "email",
        mode: args.mode,
        local: { deliveries: removed.deliveries, events: removed.events, inFlight: removed.inFlight },
        customerio: answers.map(({ destination, result, status }) => ({ destination, result, status })),
      },
    });
    io.stdout(report(removed, local.unreadable(), answers, args.mode, store.location, record.seq, target));
    return answers.every((answer) => answer.result === "accepted") ? 0 : 1;
  } finally {
    await store.close();
  }
}

function report(
  removed: ForgetResult,
  unreadable: number,
  answers: readonly ErasureAnswer[],
  mode: ErasureMode,
  location: string,
  seq: number,
  target: string,
): string {
  const lines = [`removed from ${location}: ${removed.deliveries} deliveries and ${removed.events} events`];
  if (removed.inFlight > 0) {
    lines.push(
      `  ${removed.inFlight} deliveries were being sent at that moment: they were stopped and their bodies deleted, but a request already in flight may still reach Customer.io; run sluice forget again in a minute to repeat the ${mode} there`,
    );
  }
  if (unreadable > 0) {
    lines.push(
      `  ${unreadable} stored bodies are encrypted and could not be read, so they were not searched for the address: set SLUICE_ENCRYPTION_KEY or SLUICE_ENCRYPTION_KEY_FILE as for sluice start and run again`,
    );
  }
  if (answers.length === 0) lines.push("Customer.io: nothing sent (no destination configured)");
  for (const answer of answers) lines.push(`${answer.destination}: ${describeAnswer(answer, mode)}`);
  lines.push(`recorded in the audit log as entry ${seq} (target ${target})`, "");
  return lines.join("\n");
}

function describeAnswer(answer: ErasureAnswer, mode: ErasureMode): string {
  const status = answer.status === null ? "no response" : String(answer.status);
  switch (answer.result) {
    case "accepted":
      return `Customer.io accepted the ${mode} (${status})`;
    case "not_sent":
      return `not sent: ${answer.reason ?? "the operation could not be built"}`;
    default:
      return `${answer.result} after ${answer.attempts} attempt(s) (${status}): ${answer.reason ?? "-"}`;
  }
}
