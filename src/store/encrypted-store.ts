import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { isKeyId, type Keyring } from "./keyring.js";
import { validateSamples } from "./observe-input.js";
import type {
  ClaimedDelivery,
  ConfigDraftRecord,
  ConfigVersionRecord,
  EnqueueEvent,
  EnqueueResult,
  ForgetOptions,
  ForgetResult,
  Store,
} from "./port.js";
import { StoreError } from "./store-error.js";
import { validateEnqueueEvents } from "./validate-input.js";

/**
 * Encryption at rest of event bodies: AES-256-GCM, a fresh random 96-bit IV per body, stored as
 * `sluice:v1:<keyId>:<base64url(iv | ciphertext | tag)>`. The key id travels with the body, so bodies
 * written under an older key stay readable after a rotation (the keyring keeps the old key). The GCM
 * additional data binds a body to its key id and its event's `(sourceName, messageId)`: a body copied
 * onto another event fails authentication instead of being delivered as that event.
 *
 * Text that does not start with `sluice:` (JSON bodies written before encryption was enabled) is read
 * as plaintext; `sluice:` is reserved, so a damaged prefix fails rather than passing as plaintext.
 */

/** The prefix of every sealed body of this format version. */
export const SEALED_PREFIX = "sluice:v1:";
/** Any Sluice format, of this version or a later one. */
const RESERVED_PREFIX = "sluice:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The event a body belongs to: bound into the ciphertext as additional data. */
export interface BodyIdentity {
  sourceName: string;
  messageId: string;
}

/**
 * Encrypt `body` under the keyring's current key, bound to `identity`.
 *
 * @example
 * sealBody(keyring, '{"type":"track"}', { sourceName: "web", messageId: "m1" }) // "sluice:v1:k1:3q2-..."
 */
export function sealBody(keyring: Keyring, body: string, identity: BodyIdentity): string {
  const keyId = keyring.currentKeyId;
  const key = keyring.secretKey(keyId);
  if (key === undefined) throw new Error("the keyring has no current key");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, identity));
  const sealed = Buffer.concat([iv, cipher.update(body, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_PREFIX}${keyId}:${sealed.toString("base64url")}`;
}

/**
 * The key id a stored body is sealed under, or null for plaintext (no `sluice:` prefix). A body with
 * the reserved prefix but no valid key id gives `"?"`, which no keyring holds.
 *
 * @example
 * sealedKeyId("sluice:v1:k2:AAAA") // "k2"
 * sealedKeyId('{"type":"track"}') // null
 */
export function sealedKeyId(stored: string): string | null {
  if (!stored.startsWith(RESERVED_PREFIX)) return null;
  if (!stored.startsWith(SEALED_PREFIX)) return "?";
  const end = stored.indexOf(":", SEALED_PREFIX.length);
  const keyId = end === -1 ? "" : stored.slice(SEALED_PREFIX.length, end);
  return isKeyId(keyId) ? keyId : "?";
}

/**
 * The plaintext of a stored body: decrypted when sealed, returned as it is when plaintext. Throws
 * `ER_STORE_DECRYPT_FAILED` — naming `where` and the key id, never the data — when the body was
 * altered, is bound to another event, is malformed, or is under a key id the keyring lacks.
 *
 * @example
 * openBody(keyring, sealBody(keyring, "{}", event), event, "delivery 7") // "{}"
 */
export function openBody(
  keyring: Keyring,
  stored: string,
  identity: BodyIdentity,
  where = "a stored body",
): string {
  if (!stored.startsWith(RESERVED_PREFIX)) return stored;
  if (!stored.startsWith(SEALED_PREFIX)) {
    decryptFailed(`${where} is in an encryption format this Sluice does not know (a newer Sluice wrote it?)`);
  }
  const keyId = sealedKeyId(stored);
  if (keyId === null || keyId === "?") decryptFailed(`${where} is damaged: its key id is malformed`);
  const key = keyring.secretKey(keyId);
  if (key === undefined) {
    decryptFailed(
      `${where} is encrypted under key id "${keyId}", which is not in the keyring ` +
        `(keys: ${keyring.keyIds.join(", ")}); add that key back to SLUICE_ENCRYPTION_KEY_FILE below the current one`,
    );
  }
  const encoded = stored.slice(SEALED_PREFIX.length + keyId.length + 1);
  const sealed = BASE64URL.test(encoded) ? Buffer.from(encoded, "base64url") : Buffer.alloc(0);
  if (sealed.length < IV_BYTES + TAG_BYTES) decryptFailed(`${where} is damaged: truncated or not base64url`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(keyId, identity));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString("utf8");
  } catch (error) {
    throw new StoreError(
      "ER_STORE_DECRYPT_FAILED",
      `${where} failed authentication under key "${keyId}": it was altered, or it belongs to another event; it is not used`,
      { cause: error },
    );
  }
}

/**
 * Wrap a store so that event bodies are encrypted on `enqueue` and decrypted on `claim`,
 * `eventBody` and for `forgetPerson`'s `matchBody` (which sees plaintext), and configuration
 * documents (versions and the draft: they hold secrets) and event samples on the way in and out; every
 * other method, including adapter-specific ones (`onWork`, `pragmas`, ...), reaches `inner` unchanged.
 * Key rotation's stored-text methods (`listBodies`/`replaceBodies`, `listConfigDocuments`/
 * `replaceConfigDocuments`, `listSampleBodies`/`replaceSampleBodies`) also pass through: they work on
 * the stored text (ciphertext), which is what key rotation needs. User accounts and sessions pass through unsealed on
 * purpose: a password is stored only as its scrypt hash and a session only as the SHA-256 of its id,
 * neither of which reveals the secret, and `sluice users` and sign-in keep working without the keyring.
 *
 * A body that cannot be decrypted (altered, swapped between events, unknown key id) makes `claim` or
 * `eventBody` reject with `ER_STORE_DECRYPT_FAILED`; nothing is returned for it.
 *
 * @example
 * const store = encryptStore(openSqliteStore({ path }), readKeyring(process.env, process.cwd())!);
 * await store.enqueue([event]); // stored as "sluice:v1:k1:..."
 */
export function encryptStore<S extends Store>(inner: S, keyring: Keyring): S {
  const overrides: Pick<
    Store,
    "enqueue" | "claim" | "eventBody" | "forgetPerson" | SealedConfigMethods | SealedSampleMethods
  > = {
    ...sealedConfigMethods(inner, keyring),
    ...sealedSampleMethods(inner, keyring),
    async enqueue(events: readonly EnqueueEvent[]): Promise<EnqueueResult[]> {
      // Validate first, so invalid input is refused exactly as the adapter refuses it.
      const sealed = validateEnqueueEvents(events).map((event) => ({
        ...event,
        body: sealBody(keyring, event.body, event),
      }));
      return inner.enqueue(sealed);
    },
    async claim(destination, options): Promise<ClaimedDelivery[]> {
      const claimed = await inner.claim(destination, options);
      return claimed.map((delivery) => ({
        ...delivery,
        body: openBody(keyring, delivery.body, delivery, `the body of delivery ${delivery.deliveryId}`),
      }));
    },
    async eventBody(deliveryId: number): Promise<string | null> {
      const stored = await inner.eventBody(deliveryId);
      if (stored === null || sealedKeyId(stored) === null) return stored;
      // The log row names the event the body is bound to (the newest row below id + 1 is this one).
      const [entry] = await inner.listDeliveries({ beforeId: deliveryId + 1, limit: 1 });
      const where = `the body of delivery ${deliveryId}`;
      if (entry?.deliveryId !== deliveryId)
        decryptFailed(`${where} has no delivery-log row to check it against`);
      return openBody(keyring, stored, entry, where);
    },
    async forgetPerson(orderingKey: string, options: ForgetOptions): Promise<ForgetResult> {
      const { matchBody } = options;
      if (matchBody === undefined) return inner.forgetPerson(orderingKey, options);
      // The matcher looks for the person in the plaintext; a body that cannot be decrypted stops the
      // erasure loudly rather than being skipped (it might be theirs).
      return inner.forgetPerson(orderingKey, {
        ...options,
        matchBody: (body, event) =>
          matchBody(openBody(keyring, body, event, "a stored body (forget)"), event),
      });
    },
  };
  return new Proxy(inner, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof typeof overrides];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

type SealedSampleMethods = "recordSamples" | "getSample";

/**
 * Event samples are payloads: sealed like the event bodies they copy, bound to the same
 * (source, messageId), so `forgetPerson`'s decrypting `matchBody` reads them too.
 */
function sealedSampleMethods(inner: Store, keyring: Keyring): Pick<Store, SealedSampleMethods> {
  return {
    async recordSamples(samples) {
      // Validate first, so invalid input is refused exactly as the adapter refuses it.
      const sealed = validateSamples(samples).map((sample) => ({
        ...sample,
        body: sealBody(keyring, sample.body, sample),
      }));
      return inner.recordSamples(sealed);
    },
    async getSample(id) {
      const sample = await inner.getSample(id);
      if (sample === null) return null;
      return { ...sample, body: openBody(keyring, sample.body, sample, `the body of sample ${id}`) };
    },
  };
}

type SealedConfigMethods =
  | "publishConfigVersion"
  | "latestConfigVersion"
  | "getConfigVersion"
  | "getConfigDraft"
  | "saveConfigDraft";

/**
 * Configuration documents hold destination secrets (API keys, hash salts) and write keys, so they are
 * sealed like bodies: a version bound to its number, the draft to its slot, so that neither can be
 * moved onto the other. A version's number is known before it is written: a publish that succeeds
 * writes `expectedLatest + 1`.
 */
function sealedConfigMethods(inner: Store, keyring: Keyring): Pick<Store, SealedConfigMethods> {
  const versionIdentity = (version: number): BodyIdentity => configDocumentIdentity(version);
  const draftIdentity = configDocumentIdentity(null);
  const openVersion = (record: ConfigVersionRecord | null): ConfigVersionRecord | null =>
    record === null
      ? null
      : {
          ...record,
          document: openBody(
            keyring,
            record.document,
            versionIdentity(record.version),
            `configuration version ${record.version}`,
          ),
        };
  return {
    async publishConfigVersion(input) {
      const version = (input.expectedLatest ?? 0) + 1;
      // A non-string document is left to the adapter's input check.
      const document =
        typeof input.document === "string" && input.document.length > 0
          ? sealBody(keyring, input.document, versionIdentity(version))
          : input.document;
      return inner.publishConfigVersion({ ...input, document });
    },
    async latestConfigVersion() {
      return openVersion(await inner.latestConfigVersion());
    },
    async getConfigVersion(version) {
      return openVersion(await inner.getConfigVersion(version));
    },
    async getConfigDraft(): Promise<ConfigDraftRecord | null> {
      const draft = await inner.getConfigDraft();
      if (draft === null) return null;
      return {
        ...draft,
        document: openBody(keyring, draft.document, draftIdentity, "the configuration draft"),
      };
    },
    async saveConfigDraft(draft) {
      const document =
        typeof draft.document === "string" && draft.document.length > 0
          ? sealBody(keyring, draft.document, draftIdentity)
          : draft.document;
      return inner.saveConfigDraft({ ...draft, document });
    },
  };
}

/** The `sourceName` configuration documents are bound to (no source can have it: names have no `:`). */
const CONFIG_IDENTITY_SOURCE = "sluice:config";

/**
 * What a configuration document is sealed bound to: its version number, or the draft slot (null).
 * Key rotation re-seals documents with it.
 *
 * @example
 * sealBody(keyring, document, configDocumentIdentity(3)) // as publishConfigVersion stores version 3
 */
export function configDocumentIdentity(version: number | null): BodyIdentity {
  return {
    sourceName: CONFIG_IDENTITY_SOURCE,
    messageId: version === null ? "draft" : `version:${version}`,
  };
}

/**
 * GCM additional data: the format version, key id, source and messageId, each length-prefixed so no
 * two different tuples encode alike. UTF-8 turns lone surrogates into U+FFFD, as the stores do, so
 * the identity read back from either database gives the same bytes.
 */
function additionalData(keyId: string, identity: BodyIdentity): Buffer {
  const parts = ["sluice:v1", keyId, identity.sourceName, identity.messageId].map((part) =>
    Buffer.from(part, "utf8"),
  );
  const out: Buffer[] = [];
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    out.push(length, part);
  }
  return Buffer.concat(out);
}

function decryptFailed(message: string): never {
  throw new StoreError("ER_STORE_DECRYPT_FAILED", message);
}
