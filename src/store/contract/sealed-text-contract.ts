import { describe, expect, it } from "vitest";
import type {
  ConfigDocumentReplacement,
  NewEventSample,
  PublishConfigInput,
  SampleBodyReplacement,
  Store,
  StoredConfigDocument,
  StoredSampleBody,
} from "../port.js";
import { type CurrentStore, T0 } from "./fixtures.js";

/** Key rotation's stored-text methods for configuration documents and samples; every adapter has them. */
type SealedTextMethods = {
  listConfigDocuments(afterVersion: number, limit: number): Promise<StoredConfigDocument[]>;
  replaceConfigDocuments(rows: readonly ConfigDocumentReplacement[]): Promise<number>;
  listSampleBodies(afterId: number, limit: number): Promise<StoredSampleBody[]>;
  replaceSampleBodies(rows: readonly SampleBodyReplacement[]): Promise<number>;
};

function sealedText(store: Store): SealedTextMethods {
  const { listConfigDocuments, replaceConfigDocuments, listSampleBodies, replaceSampleBodies } = store;
  if (
    listConfigDocuments === undefined ||
    replaceConfigDocuments === undefined ||
    listSampleBodies === undefined ||
    replaceSampleBodies === undefined
  ) {
    throw new Error("this adapter does not implement the stored-text methods of key rotation");
  }
  return {
    listConfigDocuments: (after, limit) => listConfigDocuments.call(store, after, limit),
    replaceConfigDocuments: (rows) => replaceConfigDocuments.call(store, rows),
    listSampleBodies: (after, limit) => listSampleBodies.call(store, after, limit),
    replaceSampleBodies: (rows) => replaceSampleBodies.call(store, rows),
  };
}

/**
 * `listConfigDocuments`/`replaceConfigDocuments` and `listSampleBodies`/`replaceSampleBodies` (key
 * rotation). As in the bodies contract, stored text is compared as listed, never as written, so the
 * suite also passes through the encryption decorator; replacements are plaintext JSON, which every
 * store reads back as it is.
 */
export function describeSealedTextContract(current: CurrentStore): void {
  const doc = (n: number) => JSON.stringify({ sources: [{ name: `s${n}`, writeKey: `wk_${n}` }] });
  const publish = (expectedLatest: number | null, overrides: Partial<PublishConfigInput> = {}) =>
    current().publishConfigVersion({
      publishedAtMs: T0 + (expectedLatest ?? 0),
      publishedBy: "user:ada",
      note: `v${(expectedLatest ?? 0) + 1}`,
      document: doc((expectedLatest ?? 0) + 1),
      expectedLatest,
      ...overrides,
    });
  const saveDraft = (n: number) =>
    current().saveConfigDraft({ basedOn: 1, updatedAtMs: T0 + 50, updatedBy: "user:bo", document: doc(n) });
  const sample = (n: number, overrides: Partial<NewEventSample> = {}): NewEventSample => ({
    sourceName: "web",
    eventType: "track",
    eventName: "Viewed",
    messageId: `s${n}`,
    receivedAtMs: T0 + n,
    test: false,
    body: JSON.stringify({ type: "track", event: "Viewed", messageId: `s${n}` }),
    ...overrides,
  });

  /** Every stored configuration document, page by page (the page ending with the draft is the last). */
  async function allDocuments(pageSize = 1000): Promise<StoredConfigDocument[]> {
    const all: StoredConfigDocument[] = [];
    for (let after = 0; ; ) {
      const page = await sealedText(current()).listConfigDocuments(after, pageSize);
      all.push(...page);
      const last = page.at(-1);
      if (last === undefined || last.version === null || page.length < pageSize) return all;
      after = last.version;
    }
  }

  async function allSamples(pageSize = 1000): Promise<StoredSampleBody[]> {
    const all: StoredSampleBody[] = [];
    for (let after = 0; ; ) {
      const page = await sealedText(current()).listSampleBodies(after, pageSize);
      all.push(...page);
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return all;
      after = last.id;
    }
  }

  describe("stored configuration documents (key rotation)", () => {
    it("lists versions in order page by page, then the draft on the page where the versions run out", async () => {
      const store = sealedText(current());
      expect(await store.listConfigDocuments(0, 10)).toEqual([]);
      await publish(null);
      await publish(1);
      await publish(2);
      expect((await store.listConfigDocuments(0, 10)).map((row) => row.version)).toEqual([1, 2, 3]);
      await saveDraft(9);
      expect((await store.listConfigDocuments(0, 2)).map((row) => row.version)).toEqual([1, 2]);
      expect((await store.listConfigDocuments(2, 2)).map((row) => row.version)).toEqual([3, null]);
      expect((await store.listConfigDocuments(3, 2)).map((row) => row.version)).toEqual([null]);
      expect((await store.listConfigDocuments(0, 3)).map((row) => row.version)).toEqual([1, 2, 3]);
      const all = await allDocuments(1);
      expect(all.map((row) => row.version)).toEqual([1, 2, 3, null]);
      for (const row of all) {
        expect(Object.keys(row).sort()).toEqual(["document", "version"]);
        expect(typeof row.document).toBe("string");
        expect(row.document.length).toBeGreaterThan(0);
      }
      expect(new Set(all.map((row) => row.document)).size).toBe(4);
    });

    it("replaces a version's and the draft's stored text where it is still the expected one, nothing else", async () => {
      await publish(null);
      await publish(1);
      await saveDraft(9);
      const before = {
        v1: await current().getConfigVersion(1),
        draft: await current().getConfigDraft(),
      };
      const [v1, v2, draft] = await allDocuments();
      if (v1 === undefined || v2 === undefined || draft === undefined) throw new Error("expected three");
      const replaced = await sealedText(current()).replaceConfigDocuments([
        { version: null, document: doc(90), expectedDocument: draft.document },
        { version: 2, document: doc(20), expectedDocument: `${v2.document}-stale` },
        { version: 1, document: doc(10), expectedDocument: v1.document },
        { version: 7, document: doc(70), expectedDocument: v1.document },
      ]);
      expect(replaced).toBe(2);
      expect(await allDocuments()).toEqual([
        { version: 1, document: doc(10) },
        v2,
        { version: null, document: doc(90) },
      ]);
      expect(await current().getConfigVersion(1)).toEqual({ ...before.v1, document: doc(10) });
      expect(await current().getConfigDraft()).toEqual({ ...before.draft, document: doc(90) });
      expect(await current().latestConfigVersionNumber()).toBe(2);
    });

    it("never replaces a draft saved, or brings back one published, after it was listed", async () => {
      await publish(null);
      await saveDraft(8);
      const [, listedDraft] = await allDocuments();
      if (listedDraft === undefined) throw new Error("expected the draft");
      await saveDraft(9); // an editor saves meanwhile
      const replace = { version: null, document: doc(80), expectedDocument: listedDraft.document };
      expect(await sealedText(current()).replaceConfigDocuments([replace])).toBe(0);
      expect((await current().getConfigDraft())?.document).toBe(doc(9));

      const [, draftNow] = await allDocuments();
      if (draftNow === undefined) throw new Error("expected the draft");
      await publish(1, { clearDraft: true }); // published meanwhile: the draft is gone
      const again = { version: null, document: doc(90), expectedDocument: draftNow.document };
      expect(await sealedText(current()).replaceConfigDocuments([again])).toBe(0);
      expect(await current().getConfigDraft()).toBeNull();
      expect((await allDocuments()).map((row) => row.version)).toEqual([1, 2]);
    });

    it("rejects invalid arguments with ER_STORE_INVALID_INPUT, changing nothing", async () => {
      await publish(null);
      const [row] = await allDocuments();
      if (row === undefined) throw new Error("expected a version");
      const store = sealedText(current());
      for (const call of [
        () => store.listConfigDocuments(-1, 10),
        () => store.listConfigDocuments(0, 0),
        () => store.listConfigDocuments(0, 10_001),
        () => store.listConfigDocuments(0.5, 10),
        () =>
          store.replaceConfigDocuments([
            { version: 1, document: "{}", expectedDocument: row.document },
            { version: 1, document: "[]", expectedDocument: row.document },
          ]),
        () =>
          store.replaceConfigDocuments([
            { version: null, document: "{}", expectedDocument: row.document },
            { version: null, document: "[]", expectedDocument: row.document },
          ]),
        () => store.replaceConfigDocuments([{ version: 0, document: "{}", expectedDocument: row.document }]),
        () =>
          store.replaceConfigDocuments([
            { version: 1, document: 7 as unknown as string, expectedDocument: row.document },
          ]),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      }
      await expect(store.replaceConfigDocuments([])).resolves.toBe(0);
      expect(await allDocuments()).toEqual([row]);
      expect((await current().getConfigVersion(1))?.document).toBe(doc(1));
    });
  });

  describe("stored sample bodies (key rotation)", () => {
    it("lists sample bodies in id order, page by page, with their source and messageId", async () => {
      await current().recordSamples([sample(1), sample(2), sample(3, { sourceName: "app" })]);
      await current().recordSamples([sample(4)]);
      const store = sealedText(current());
      const first = await store.listSampleBodies(0, 2);
      expect(first.map((row) => [row.sourceName, row.messageId])).toEqual([
        ["web", "s1"],
        ["web", "s2"],
      ]);
      const rest = await store.listSampleBodies(first[1]?.id ?? -1, 10);
      expect(rest.map((row) => [row.sourceName, row.messageId])).toEqual([
        ["app", "s3"],
        ["web", "s4"],
      ]);
      const ids = [...first, ...rest].map((row) => row.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      for (const row of [...first, ...rest]) {
        expect(Object.keys(row).sort()).toEqual(["body", "id", "messageId", "sourceName"]);
        expect(row.body.length).toBeGreaterThan(0);
      }
      expect(await store.listSampleBodies(rest.at(-1)?.id ?? 0, 10)).toEqual([]);
    });

    it("replaces a body still the expected one (getSample reads it), leaving changed and forgotten ones alone", async () => {
      await current().recordSamples([sample(1), sample(2, { orderingKey: "person-2" }), sample(3)]);
      const [s1, s2, s3] = await allSamples();
      if (s1 === undefined || s2 === undefined || s3 === undefined) throw new Error("expected three");
      await current().forgetPerson("person-2", { nowMs: T0 + 10 }); // erased after it was listed
      const replaced = await sealedText(current()).replaceSampleBodies([
        { id: s3.id, body: '{"n":3}', expectedBody: `${s3.body}-stale` },
        { id: s2.id, body: '{"n":2}', expectedBody: s2.body },
        { id: s1.id, body: '{"n":1}', expectedBody: s1.body },
      ]);
      expect(replaced).toBe(1);
      expect(await allSamples()).toEqual([{ ...s1, body: '{"n":1}' }, s3]);
      expect((await current().getSample(s1.id))?.body).toBe('{"n":1}');
      expect(await current().getSample(s2.id)).toBeNull();
      expect((await current().listSamples({})).map((row) => row.messageId)).toEqual(["s3", "s1"]);
    });

    it("rejects invalid arguments with ER_STORE_INVALID_INPUT, and every method once closed", async () => {
      await current().recordSamples([sample(1)]);
      const [row] = await allSamples();
      if (row === undefined) throw new Error("expected a sample");
      const store = sealedText(current());
      for (const call of [
        () => store.listSampleBodies(-1, 10),
        () => store.listSampleBodies(0, 0),
        () => store.listSampleBodies(0, 10_001),
        () =>
          store.replaceSampleBodies([
            { id: row.id, body: "{}", expectedBody: row.body },
            { id: row.id, body: "[]", expectedBody: row.body },
          ]),
        () => store.replaceSampleBodies([{ id: 0, body: "{}", expectedBody: row.body }]),
        () => store.replaceSampleBodies([{ id: row.id, body: null as unknown as string, expectedBody: "" }]),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      }
      await expect(store.replaceSampleBodies([])).resolves.toBe(0);
      expect(await allSamples()).toEqual([row]);

      await current().close();
      await expect(store.listSampleBodies(0, 10)).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
      await expect(store.replaceSampleBodies([])).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
      await expect(store.listConfigDocuments(0, 10)).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
      await expect(store.replaceConfigDocuments([])).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
    });
  });
}
