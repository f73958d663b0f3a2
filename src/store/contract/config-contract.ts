import { describe, expect, it } from "vitest";
import type { ConfigDraftRecord, PublishConfigInput } from "../port.js";
import { type CurrentStore, T0 } from "./fixtures.js";

/** Configuration versions (immutable, numbered without gaps, compare-and-set) and the one draft. */
export function describeConfigContract(current: CurrentStore): void {
  const doc = (n: number) => JSON.stringify({ sources: [{ name: `s${n}`, writeKey: `wk_${n}` }] });
  const publish = (overrides: Partial<PublishConfigInput> = {}): PublishConfigInput => ({
    publishedAtMs: T0,
    publishedBy: "user:ada",
    note: null,
    document: doc(1),
    expectedLatest: null,
    ...overrides,
  });
  const draft = (overrides: Partial<ConfigDraftRecord> = {}): ConfigDraftRecord => ({
    basedOn: null,
    updatedAtMs: T0,
    updatedBy: "user:ada",
    document: doc(9),
    ...overrides,
  });

  describe("configuration versions and draft", () => {
    it("start empty", async () => {
      const store = current();
      expect(await store.latestConfigVersion()).toBeNull();
      expect(await store.latestConfigVersionNumber()).toBeNull();
      expect(await store.getConfigVersion(1)).toBeNull();
      expect(await store.listConfigVersions({ limit: 10 })).toEqual([]);
      expect(await store.getConfigDraft()).toBeNull();
      expect(await store.deleteConfigDraft()).toBe(false);
    });

    it("numbers versions from 1 without gaps and reads them back exactly", async () => {
      const store = current();
      // Text is stored exactly: non-ASCII, emoji, long documents.
      const unicode = JSON.stringify({ note: "Zoë 🩺 日本", big: "x".repeat(100_000) });
      expect(await store.publishConfigVersion(publish({ note: "first" }))).toBe(1);
      expect(
        await store.publishConfigVersion(
          publish({
            expectedLatest: 1,
            document: unicode,
            publishedAtMs: T0 + 5,
            publishedBy: "token:admin",
          }),
        ),
      ).toBe(2);
      expect(await store.getConfigVersion(1)).toEqual({
        version: 1,
        publishedAtMs: T0,
        publishedBy: "user:ada",
        note: "first",
        document: doc(1),
      });
      const second = {
        version: 2,
        publishedAtMs: T0 + 5,
        publishedBy: "token:admin",
        note: null,
        document: unicode,
      };
      expect(await store.getConfigVersion(2)).toEqual(second);
      expect(await store.latestConfigVersion()).toEqual(second);
      expect(await store.latestConfigVersionNumber()).toBe(2);
      expect(await store.getConfigVersion(3)).toBeNull();
    });

    it("lists versions newest first, without documents, paged with before", async () => {
      const store = current();
      for (let n = 1; n <= 5; n++) {
        await store.publishConfigVersion(
          publish({ expectedLatest: n === 1 ? null : n - 1, publishedAtMs: T0 + n }),
        );
      }
      const listed = await store.listConfigVersions({ limit: 2 });
      expect(listed).toEqual([
        { version: 5, publishedAtMs: T0 + 5, publishedBy: "user:ada", note: null },
        { version: 4, publishedAtMs: T0 + 4, publishedBy: "user:ada", note: null },
      ]);
      expect(listed[0]).not.toHaveProperty("document");
      const page = await store.listConfigVersions({ limit: 10, before: 4 });
      expect(page.map((entry) => entry.version)).toEqual([3, 2, 1]);
    });

    it("refuses a publish whose expected latest version is stale (ER_STORE_CONFLICT), writing nothing", async () => {
      const store = current();
      await store.publishConfigVersion(publish());
      await store.publishConfigVersion(publish({ expectedLatest: 1, document: doc(2) }));
      await store.saveConfigDraft(draft());
      for (const expectedLatest of [null, 1, 3]) {
        await expect(
          store.publishConfigVersion(publish({ expectedLatest, document: doc(7), clearDraft: true })),
          String(expectedLatest),
        ).rejects.toMatchObject({ code: "ER_STORE_CONFLICT" });
      }
      expect(await store.latestConfigVersionNumber()).toBe(2);
      expect((await store.getConfigVersion(2))?.document).toBe(doc(2));
      // The draft a refused publish named stays.
      expect(await store.getConfigDraft()).toEqual(draft());
    });

    it("lets exactly one of several concurrent publishes on the same base win", async () => {
      const store = current();
      await store.publishConfigVersion(publish());
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, n) =>
          store.publishConfigVersion(publish({ expectedLatest: 1, document: doc(n + 10) })),
        ),
      );
      const won = results.filter((result) => result.status === "fulfilled");
      expect(won).toEqual([{ status: "fulfilled", value: 2 }]);
      for (const result of results) {
        if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "ER_STORE_CONFLICT" });
      }
      expect(await store.latestConfigVersionNumber()).toBe(2);
    });

    it("never changes a published version: later publishes, drafts and conflicts leave it as it was", async () => {
      const store = current();
      await store.publishConfigVersion(publish({ note: "v1" }));
      const first = await store.getConfigVersion(1);
      await store.saveConfigDraft(draft({ basedOn: 1 }));
      await store.publishConfigVersion(publish({ expectedLatest: 1, document: doc(2), clearDraft: true }));
      await store.publishConfigVersion(publish({ expectedLatest: null, document: doc(3) })).catch(() => null);
      // A rollback publishes a copy: a new number, the old one untouched.
      await store.publishConfigVersion(publish({ expectedLatest: 2, document: first?.document ?? "" }));
      expect(await store.getConfigVersion(1)).toEqual(first);
      expect((await store.listConfigVersions({ limit: 10 })).map((entry) => entry.version)).toEqual([
        3, 2, 1,
      ]);
      expect((await store.getConfigVersion(3))?.document).toBe(doc(1));
    });

    it("keeps one draft: saved, replaced, read, deleted; a publish with clearDraft deletes it", async () => {
      const store = current();
      await store.saveConfigDraft(draft());
      expect(await store.getConfigDraft()).toEqual(draft());
      const replaced = draft({ basedOn: 3, updatedAtMs: T0 + 9, updatedBy: "user:bob", document: doc(5) });
      await store.saveConfigDraft(replaced);
      expect(await store.getConfigDraft()).toEqual(replaced);
      await store.publishConfigVersion(publish({ document: doc(5) }));
      expect(await store.getConfigDraft()).toEqual(replaced);
      await store.publishConfigVersion(publish({ expectedLatest: 1, document: doc(5), clearDraft: true }));
      expect(await store.getConfigDraft()).toBeNull();
      await store.saveConfigDraft(draft());
      expect(await store.deleteConfigDraft()).toBe(true);
      expect(await store.deleteConfigDraft()).toBe(false);
      expect(await store.getConfigDraft()).toBeNull();
    });

    it("refuses malformed input with ER_STORE_INVALID_INPUT, naming the field and never the value", async () => {
      const store = current();
      const secret = "SECRET-config-value-77";
      const bad: [() => Promise<unknown>, string][] = [
        [() => store.publishConfigVersion(publish({ publishedAtMs: -1 })), "publishedAtMs"],
        [() => store.publishConfigVersion(publish({ publishedBy: "" })), "publishedBy"],
        [() => store.publishConfigVersion(publish({ document: "" })), "document"],
        [() => store.publishConfigVersion(publish({ expectedLatest: 0 })), "expectedLatest"],
        [() => store.publishConfigVersion(publish({ note: `${secret}${"x".repeat(1000)}` })), "note"],
        [() => store.saveConfigDraft(draft({ basedOn: 1.5 })), "basedOn"],
        [() => store.saveConfigDraft(draft({ updatedBy: "x".repeat(201) })), "updatedBy"],
        [() => store.listConfigVersions({ limit: 0 }), "limit"],
        [() => store.listConfigVersions({ limit: 1001 }), "limit"],
        [() => store.getConfigVersion(0), "version"],
      ];
      for (const [call, field] of bad) {
        const error = await call().then(
          () => null,
          (caught: { code?: string; message: string }) => caught,
        );
        expect(error, field).toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
        expect(error?.message, field).toContain(field);
        expect(error?.message).not.toContain(secret);
      }
      expect(await store.latestConfigVersionNumber()).toBeNull();
      expect(await store.getConfigDraft()).toBeNull();
    });

    it("rejects every configuration method with ER_STORE_CLOSED once closed", async () => {
      const store = current();
      await store.close();
      const calls = [
        () => store.publishConfigVersion(publish()),
        () => store.latestConfigVersion(),
        () => store.latestConfigVersionNumber(),
        () => store.getConfigVersion(1),
        () => store.listConfigVersions({ limit: 1 }),
        () => store.getConfigDraft(),
        () => store.saveConfigDraft(draft()),
        () => store.deleteConfigDraft(),
      ];
      for (const call of calls) await expect(call()).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
    });
  });
}
