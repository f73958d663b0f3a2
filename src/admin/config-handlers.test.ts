import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../contracts/config.js";
import { type ConfigDocument, MASKED_SECRET } from "../contracts/config-document.js";
import { ROTATION_GRACE_MS } from "./config-handlers.js";
import { type ConfigFixture, configFixture } from "./test-support/config-fixture.js";

const API_KEY = "cio-api-key-SECRET-4242";
const SALT = "hash-salt-SECRET-9191";
const NEW_KEY = "cio-api-key-SECRET-NEW-7777";
const P = "/admin/api";

const DOC: ConfigDocument = {
  sources: [{ name: "web", writeKey: "wk_live_web_0001", testWriteKey: "wk_test_web_0001" }],
  destinations: [
    {
      name: "cio",
      type: "customerio",
      settings: { siteId: "site-1", apiKey: API_KEY, hashSalt: SALT, trackUrl: "http://127.0.0.1:4010" },
      allow: { events: ["Order Completed"], traits: ["email"], properties: ["total"] },
    },
  ],
};

let fx: ConfigFixture;
afterEach(async () => {
  await fx?.close();
});

/** The stored (unmasked) document of a version or the draft. */
async function storedVersion(version: number): Promise<ConfigDocument> {
  const record = await fx.store.getConfigVersion(version);
  if (record === null) throw new Error(`no version ${version}`);
  return JSON.parse(record.document) as ConfigDocument;
}
async function storedDraft(): Promise<ConfigDocument> {
  const record = await fx.store.getConfigDraft();
  if (record === null) throw new Error("no draft");
  return JSON.parse(record.document) as ConfigDocument;
}

const noSecretInAnswers = () => {
  for (const answer of fx.answers) {
    expect(answer).not.toContain(API_KEY);
    expect(answer).not.toContain(SALT);
    expect(answer).not.toContain(NEW_KEY);
  }
};

describe("configuration: draft → publish → versions → diff → rollback → export → import", () => {
  it("goes round, applies each publish once, and never answers with a secret", async () => {
    fx = await configFixture({ acceptedKey: API_KEY });
    const initial = await fx.call("getConfig");
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({
      mode: "database",
      filePath: null,
      editable: true,
      live: {
        version: null,
        publishedAtMs: null,
        publishedBy: null,
        note: null,
        config: { sources: [], destinations: [] },
      },
      draft: null,
    });
    expect(initial.body.message).toMatch(/Edits go to a draft/);

    // The draft: saved as given, answered masked.
    const saved = await fx.call("saveConfigDraft", { payload: { config: DOC } });
    expect(saved.status).toBe(200);
    expect(saved.body.issues).toEqual([]);
    expect(saved.body.draft).toMatchObject({ basedOn: null, updatedBy: "token:admin", issues: [] });
    expect(saved.body.draft.config.destinations[0].settings).toEqual({
      siteId: "site-1",
      apiKey: MASKED_SECRET,
      hashSalt: MASKED_SECRET,
      trackUrl: "http://127.0.0.1:4010",
    });
    expect((await storedDraft()).destinations[0]?.settings.apiKey).toBe(API_KEY);

    // Publish: version 1, applied once, the draft gone.
    const published = await fx.call("publishConfig", { payload: { note: "first" } });
    expect(published).toMatchObject({ status: 200, body: { version: 1 } });
    expect(fx.runtime.reloads).toBe(1);
    expect(fx.runtime.current().version).toBe(1);
    expect(fx.runtime.current().config.destinations[0]?.settings.apiKey.reveal()).toBe(API_KEY);
    const afterPublish = await fx.call("getConfig");
    expect(afterPublish.body.live).toMatchObject({ version: 1, publishedBy: "token:admin", note: "first" });
    expect(afterPublish.body.draft).toBeNull();

    // An edit through the destination route, with the masked key sent back: version 2 keeps the key.
    fx.clock.nowMs += 1000;
    const destination = (await fx.call("getDestination", { url: `${P}/destinations/cio` })).body.destination;
    const changed = await fx.call("updateDestination", {
      url: `${P}/destinations/cio`,
      payload: { destination: { ...destination, settings: { ...destination.settings, siteId: "site-2" } } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.issues).toEqual([]);
    expect((await fx.call("publishConfig", { payload: {} })).body).toEqual({ version: 2 });
    expect(fx.runtime.reloads).toBe(2);
    const v2 = await storedVersion(2);
    expect(v2.destinations[0]?.settings).toMatchObject({ siteId: "site-2", apiKey: API_KEY, hashSalt: SALT });

    const versions = await fx.call("listConfigVersions");
    expect(versions.body.versions).toEqual([
      { version: 2, publishedAtMs: fx.clock.nowMs, publishedBy: "token:admin", note: null },
      { version: 1, publishedAtMs: fx.clock.nowMs - 1000, publishedBy: "token:admin", note: "first" },
    ]);
    const one = await fx.call("getConfigVersion", { url: `${P}/config/versions/1` });
    expect(one.body).toMatchObject({ version: 1, note: "first" });
    expect(one.body.config.destinations[0].settings.apiKey).toBe(MASKED_SECRET);

    // Diff: the changed line, as YAML.
    const diff = await fx.call("diffConfig", { url: `${P}/config/diff?from=1&to=live` });
    expect(diff.body.from).toBe(1);
    expect(diff.body.to).toBe("live");
    expect(diff.body.lines.filter((line: { op: string }) => line.op !== " ")).toEqual([
      { op: "-", text: "      siteId: site-1" },
      { op: "+", text: "      siteId: site-2" },
    ]);

    // Rollback: a copy of version 1 as version 3, applied.
    const rolledBack = await fx.call("rollbackConfig", { url: `${P}/config/versions/1/rollback` });
    expect(rolledBack.body).toEqual({ version: 3 });
    expect(fx.runtime.reloads).toBe(3);
    expect(await storedVersion(3)).toEqual(await storedVersion(1));
    expect((await fx.call("listConfigVersions")).body.versions[0]).toMatchObject({
      version: 3,
      note: "rollback to version 1",
    });

    // Export: secrets as references, with the variables named in the header.
    const exported = await fx.call("exportConfig", { url: `${P}/config/export?version=live` });
    expect(exported.status).toBe(200);
    const yaml: string = exported.body.yaml;
    expect(yaml).toContain("apiKey: ${SLUICE_CIO_API_KEY}");
    expect(yaml).toContain("hashSalt: ${SLUICE_CIO_HASH_SALT}");
    expect(yaml).toMatch(/^# .*\n(# .*\n)*#\s+SLUICE_CIO_API_KEY\s+destination "cio": settings.apiKey/m);
    expect(yaml).toContain("wk_live_web_0001");
    // It is a configuration file: with the variables set, it validates.
    expect(
      validateConfig(
        JSON.parse(
          JSON.stringify(parse(yaml))
            .replace("${SLUICE_CIO_API_KEY}", "k")
            .replace("${SLUICE_CIO_HASH_SALT}", "s"),
        ),
      ).ok,
    ).toBe(true);

    // Import it back: unset variables keep the current secrets.
    const imported = await fx.call("importConfig", { payload: { yaml } });
    expect(imported.status).toBe(200);
    expect(imported.body.issues).toEqual([]);
    expect(imported.body.draft.basedOn).toBe(3);
    expect((await storedDraft()).destinations[0]?.settings).toMatchObject({
      apiKey: API_KEY,
      hashSalt: SALT,
    });

    noSecretInAnswers();
    expect(fx.logLines.join("\n")).not.toContain(API_KEY);
    expect(fx.logLines.join("\n")).not.toContain(SALT);
    const audit = await fx.store.listAudit({});
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["config.draft_save", "config.publish", "config.rollback", "config.import"]),
    );
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
  });

  it("imports a variable that is set as its value, and names a missing one in the issues", async () => {
    fx = await configFixture({ env: { SLUICE_CIO_API_KEY: NEW_KEY } });
    const yaml = [
      "destinations:",
      "  - name: cio",
      "    type: customerio",
      "    settings: { siteId: s, apiKey: '${SLUICE_CIO_API_KEY}' }",
      "  - name: other",
      "    type: customerio",
      "    settings: { siteId: s, apiKey: '${SLUICE_OTHER_API_KEY}' }",
      "",
    ].join("\n");
    const imported = await fx.call("importConfig", { payload: { yaml } });
    expect(imported.status).toBe(200);
    expect(imported.body.issues).toEqual([
      {
        path: "destinations[1].settings.apiKey",
        message:
          "environment variable SLUICE_OTHER_API_KEY is not set (referenced as ${SLUICE_OTHER_API_KEY})",
      },
    ]);
    expect((await storedDraft()).destinations[0]?.settings.apiKey).toBe(NEW_KEY);
    noSecretInAnswers();
    // A file that is no configuration: 422 with its issues and their lines; the draft is unchanged.
    const bad = await fx.call("importConfig", {
      payload: { yaml: "sources:\n  - name: web\n    writeKey: k\n    colour: red\n" },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("ER_CONFIG_INVALID");
    expect(bad.body.error.issues).toEqual([
      { path: "sources[0].colour", message: 'unknown key "colour"', line: 4, column: 5 },
    ]);
    expect((await storedDraft()).destinations).toHaveLength(2);
  });
});

describe("configuration: validation, modes and conflicts", () => {
  it("saves an invalid draft with issues by path, refuses to publish it (422), and keeps a masked secret", async () => {
    fx = await configFixture();
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    // Schema problems first (as `sluice validate-config` reports them)...
    const badNames: ConfigDocument = { ...DOC, sources: [{ name: "web site", writeKey: MASKED_SECRET }] };
    const first = await fx.call("saveConfigDraft", { payload: { config: badNames } });
    expect(first.status).toBe(200);
    expect(first.body.issues.map((issue: { path: string }) => issue.path)).toEqual([
      "sources[0].writeKey", // masked, and no source "web site" stores a key
      "sources[0].name",
    ]);
    // ...then the destinations' own checks; a masked API key keeps the stored one.
    const badAction: ConfigDocument = {
      sources: DOC.sources,
      destinations: [
        {
          ...(DOC.destinations[0] as ConfigDocument["destinations"][0]),
          settings: { siteId: "site-1", apiKey: MASKED_SECRET },
          actions: [{ name: "Order", type: "event", fields: { nope: "$.event" } }],
        },
      ],
    };
    const saved = await fx.call("saveConfigDraft", { payload: { config: badAction } });
    expect(saved.status).toBe(200);
    const paths = saved.body.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(["destinations[0].actions[0].fields.nope"]);
    expect(saved.body.draft.issues).toEqual(saved.body.issues);
    expect((await storedDraft()).destinations[0]?.settings.apiKey).toBe(API_KEY);
    const refused = await fx.call("publishConfig", { payload: {} });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("ER_CONFIG_INVALID");
    expect(refused.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(paths);
    expect(fx.runtime.reloads).toBe(0);
    expect(await fx.store.latestConfigVersionNumber()).toBeNull();
  });

  it("answers 409 ER_CONFIG_NO_DRAFT without a draft, and discards idempotently", async () => {
    fx = await configFixture();
    expect((await fx.call("publishConfig", { payload: {} })).body.error.code).toBe("ER_CONFIG_NO_DRAFT");
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    expect((await fx.call("discardConfigDraft")).body).toEqual({ discarded: true });
    expect((await fx.call("discardConfigDraft")).body).toEqual({ discarded: true });
    expect(await fx.store.getConfigDraft()).toBeNull();
    const publish = await fx.call("publishConfig", { payload: {} });
    expect(publish.status).toBe(409);
  });

  it("refuses to publish a draft started before another publish (409 ER_CONFIG_CONFLICT)", async () => {
    fx = await configFixture();
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    expect((await fx.call("publishConfig", { payload: {} })).body).toEqual({ version: 1 });
    await fx.call("createSource", { payload: { name: "app" } });
    expect((await fx.store.getConfigDraft())?.basedOn).toBe(1);
    // Another node publishes meanwhile.
    await fx.store.publishConfigVersion({
      publishedAtMs: fx.clock.nowMs,
      publishedBy: "user:other",
      note: null,
      document: JSON.stringify(DOC),
      expectedLatest: 1,
    });
    const conflict = await fx.call("publishConfig", { payload: {} });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("ER_CONFIG_CONFLICT");
    expect(conflict.body.error.message).toMatch(
      /version 2 was published after this draft was started from version 1/,
    );
    expect(fx.runtime.reloads).toBe(1);
    expect(await fx.store.latestConfigVersionNumber()).toBe(2);
    // Discard and save again: based on version 2, it publishes.
    const draft = await storedDraft();
    await fx.call("discardConfigDraft");
    await fx.call("saveConfigDraft", { payload: { config: draft } });
    expect((await fx.call("publishConfig", { payload: {} })).body).toEqual({ version: 3 });
  });

  it("in file mode keeps drafts but refuses publish and rollback (409 ER_CONFIG_FROM_FILE), and says so", async () => {
    const fileConfig = validateConfig(DOC);
    if (!fileConfig.ok) throw new Error("fixture");
    fx = await configFixture({ file: { path: "/etc/sluice/sluice.yaml", config: fileConfig.config } });
    const state = await fx.call("getConfig");
    expect(state.body).toMatchObject({ mode: "file", filePath: "/etc/sluice/sluice.yaml", editable: false });
    expect(state.body.message).toMatch(/\/etc\/sluice\/sluice\.yaml/);
    expect(state.body.message).toMatch(/export the draft as YAML/);
    expect(state.body.live.config.destinations[0].settings.apiKey).toBe(MASKED_SECRET);
    expect(state.body.live.config.sources[0].writeKey).toBe("wk_live_web_0001");
    const created = await fx.call("createSource", { payload: { name: "app" } });
    expect(created.status).toBe(200);
    expect((await storedDraft()).sources.map((source) => source.name)).toEqual(["web", "app"]);
    const publish = await fx.call("publishConfig", { payload: {} });
    expect(publish.status).toBe(409);
    expect(publish.body.error.code).toBe("ER_CONFIG_FROM_FILE");
    expect(publish.body.error.message).toMatch(/export the draft as YAML into that file and restart Sluice/);
    const rollback = await fx.call("rollbackConfig", { url: `${P}/config/versions/1/rollback` });
    expect(rollback.body.error.code).toBe("ER_CONFIG_FROM_FILE");
    expect(fx.runtime.reloads).toBe(0);
    const exported = await fx.call("exportConfig");
    expect(exported.body.yaml).toContain("name: app");
    expect(exported.body.yaml).not.toContain(API_KEY);
    noSecretInAnswers();
  });
});

describe("configuration: roles", () => {
  it("shows a viewer masked write keys and refuses every edit (403); an editor edits and publishes", async () => {
    fx = await configFixture();
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    const asViewer = await fx.call("listSources", { as: "viewer" });
    expect(asViewer.body.sources).toEqual([
      { name: "web", writeKey: MASKED_SECRET, testWriteKey: MASKED_SECRET },
    ]);
    const viewerState = await fx.call("getConfig", { as: "viewer" });
    expect(viewerState.text).not.toContain("wk_live_web_0001");
    expect(viewerState.text).not.toContain("wk_test_web_0001");
    const asAdmin = await fx.call("listSources");
    expect(asAdmin.body.sources[0].writeKey).toBe("wk_live_web_0001");
    const refused: [Parameters<ConfigFixture["call"]>[0], string | undefined, unknown][] = [
      ["saveConfigDraft", undefined, { config: DOC }],
      ["publishConfig", undefined, {}],
      ["createSource", undefined, { name: "x" }],
      ["rotateSourceKey", `${P}/sources/web/rotate-key`, { which: "live" }],
      ["putDestinationActions", `${P}/destinations/cio/actions`, { actions: [] }],
      ["importConfig", undefined, { yaml: "sources: []" }],
      ["exportConfig", undefined, undefined],
      ["discardConfigDraft", undefined, undefined],
    ];
    for (const [operationId, url, payload] of refused) {
      const answer = await fx.call(operationId, {
        as: "viewer",
        ...(url === undefined ? {} : { url }),
        ...(payload === undefined ? {} : { payload }),
      });
      expect(answer.status, operationId).toBe(403);
    }
    expect((await storedDraft()).sources).toHaveLength(1);

    const asEditor = await fx.call("listSources", { as: "editor" });
    expect(asEditor.body.sources[0].writeKey).toBe("wk_live_web_0001");
    expect((await fx.call("createSource", { as: "editor", payload: { name: "app" } })).status).toBe(200);
    expect((await fx.call("publishConfig", { as: "editor", payload: {} })).body).toEqual({ version: 1 });
    expect((await fx.store.getConfigVersion(1))?.publishedBy).toBe("user:eddie");
  });
});

describe("configuration: sources", () => {
  it("generates keys, refuses a taken name, rotates with a grace period stamped at publish", async () => {
    fx = await configFixture();
    const created = await fx.call("createSource", { payload: { name: "web", requestContext: "keep" } });
    expect(created.status).toBe(200);
    const { source } = created.body;
    expect(source.writeKey).toMatch(/^wk_live_[0-9a-f]{32}$/);
    expect(source.testWriteKey).toMatch(/^wk_test_[0-9a-f]{32}$/);
    expect(source.requestContext).toBe("keep");
    const again = await fx.call("createSource", { payload: { name: "web" } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("ER_CONFIG_NAME_TAKEN");
    await fx.call("publishConfig", { payload: {} });

    fx.clock.nowMs += 60_000;
    const rotated = await fx.call("rotateSourceKey", {
      url: `${P}/sources/web/rotate-key`,
      payload: { which: "live" },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.source.writeKey).toMatch(/^wk_live_[0-9a-f]{32}$/);
    expect(rotated.body.source.writeKey).not.toBe(source.writeKey);
    expect(rotated.body.source.previousWriteKey).toBe(source.writeKey);
    // Rotating again before publishing keeps the live key as the previous one.
    const twice = await fx.call("rotateSourceKey", {
      url: `${P}/sources/web/rotate-key`,
      payload: { which: "live" },
    });
    expect(twice.body.source.previousWriteKey).toBe(source.writeKey);
    const test = await fx.call("rotateSourceKey", {
      url: `${P}/sources/web/rotate-key`,
      payload: { which: "test" },
    });
    expect(test.body.source.testWriteKey).not.toBe(source.testWriteKey);

    fx.clock.nowMs += 3_600_000;
    expect((await fx.call("publishConfig", { payload: {} })).body).toEqual({ version: 2 });
    const [published] = (await storedVersion(2)).sources;
    expect(published).toMatchObject({
      writeKey: twice.body.source.writeKey,
      previousWriteKey: source.writeKey,
      previousWriteKeyExpiresAtMs: fx.clock.nowMs + ROTATION_GRACE_MS,
    });
    const live = fx.runtime.current().config.sources[0];
    expect(live?.previousWriteKey?.reveal()).toBe(source.writeKey);
    expect((await fx.store.listAudit({})).map((entry) => entry.action)).toContain("source.key_rotate");

    // Rename through PUT with masked keys: the keys are kept.
    const renamed = await fx.call("updateSource", {
      url: `${P}/sources/web`,
      payload: { source: { name: "website", writeKey: MASKED_SECRET, testWriteKey: MASKED_SECRET } },
    });
    expect(renamed.status).toBe(200);
    expect((await storedDraft()).sources[0]).toEqual({
      name: "website",
      writeKey: twice.body.source.writeKey,
      testWriteKey: test.body.source.testWriteKey,
    });
    expect((await fx.call("deleteSource", { url: `${P}/sources/website` })).body).toEqual({
      deleted: true,
      issues: [],
    });
    expect((await fx.call("deleteSource", { url: `${P}/sources/website` })).status).toBe(404);
  });
});

describe("configuration: destinations, actions and tools", () => {
  it("lists the preset actions with the catalogue, and saves an edited list with its issues", async () => {
    fx = await configFixture();
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    const actions = await fx.call("getDestinationActions", { url: `${P}/destinations/cio/actions` });
    expect(actions.body.preset).toBe(true);
    expect(actions.body.match).toBe("first");
    expect(actions.body.actions.map((action: { type: string }) => action.type)).toEqual([
      "identify",
      "event",
    ]);
    const identify = actions.body.catalogue.find((entry: { type: string }) => entry.type === "identify");
    expect(identify.fields.find((field: { name: string }) => field.name === "attributes")).toMatchObject({
      required: false,
      type: "object",
    });
    expect(identify.oneOf).toEqual([["cio_id", "id", "email"]]);
    expect(actions.body.catalogue.length).toBeGreaterThanOrEqual(17);

    const put = await fx.call("putDestinationActions", {
      url: `${P}/destinations/cio/actions`,
      payload: {
        actions: [
          { name: "Order", type: "event", enabled: false, fields: { name: "$.event" } },
          { name: "Bad", type: "teleport" },
        ],
        match: "all",
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.issues.map((issue: { path: string }) => issue.path)).toEqual([
      "destinations[0].actions[1].type",
    ]);
    const after = await fx.call("getDestinationActions", { url: `${P}/destinations/cio/actions` });
    expect(after.body).toMatchObject({ preset: false, match: "all" });
    expect(after.body.actions.map((action: { name: string }) => action.name)).toEqual(["Order", "Bad"]);
    expect((await fx.call("getDestinationActions", { url: `${P}/destinations/nope/actions` })).status).toBe(
      404,
    );
  });

  it("adds, renames and deletes destinations, keeping masked secrets", async () => {
    fx = await configFixture();
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    const added = await fx.call("createDestination", {
      payload: {
        destination: { name: "eu", type: "customerio", settings: { siteId: "s", apiKey: MASKED_SECRET } },
      },
    });
    expect(added.status).toBe(200);
    expect(added.body.issues).toEqual([
      {
        path: "destinations[1].settings.apiKey",
        message: "is masked and no stored value of a destination with this name exists: enter it",
      },
    ]);
    expect(
      (await fx.call("createDestination", { payload: { destination: DOC.destinations[0] } })).status,
    ).toBe(409);
    const renamed = await fx.call("updateDestination", {
      url: `${P}/destinations/cio`,
      payload: {
        destination: {
          name: "cio-us",
          type: "customerio",
          settings: { siteId: "site-1", apiKey: MASKED_SECRET, hashSalt: MASKED_SECRET },
        },
      },
    });
    expect(renamed.status).toBe(200);
    expect((await storedDraft()).destinations[0]).toEqual({
      name: "cio-us",
      type: "customerio",
      settings: { siteId: "site-1", apiKey: API_KEY, hashSalt: SALT },
    });
    const listed = await fx.call("listDestinations", { as: "viewer" });
    expect(listed.body.destinations.map((d: { name: string }) => d.name)).toEqual(["cio-us", "eu"]);
    expect((await fx.call("deleteDestination", { url: `${P}/destinations/eu` })).body).toEqual({
      deleted: true,
      issues: [],
    });
    expect((await fx.call("getDestination", { url: `${P}/destinations/eu` })).status).toBe(404);
    noSecretInAnswers();
  });

  it("checks credentials with the stored key for a masked one, or the form's new key", async () => {
    fx = await configFixture({ acceptedKey: API_KEY });
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    const stored = await fx.call("checkCredentials", {
      url: `${P}/destinations/cio/check-credentials`,
      payload: {},
    });
    expect(stored.body).toEqual({
      result: "ok",
      region: "us",
      message: "credentials valid; workspace region US",
    });
    const masked = await fx.call("checkCredentials", {
      url: `${P}/destinations/cio/check-credentials`,
      payload: { settings: { siteId: "site-1", apiKey: MASKED_SECRET } },
    });
    expect(masked.body.result).toBe("ok");
    const typed = await fx.call("checkCredentials", {
      url: `${P}/destinations/cio/check-credentials`,
      payload: { settings: { siteId: "site-1", apiKey: NEW_KEY } },
    });
    expect(typed.body.result).toBe("unauthorized");
    expect(fx.calls.checked).toEqual([API_KEY, API_KEY, NEW_KEY]);
    const unsaved = await fx.call("checkCredentials", {
      url: `${P}/destinations/new-one/check-credentials`,
      payload: { settings: { siteId: "s", apiKey: MASKED_SECRET } },
    });
    expect(unsaved.status).toBe(400);
    expect(unsaved.body.error.path).toBe("body.settings.apiKey");
    const badUrl = await fx.call("checkCredentials", {
      url: `${P}/destinations/new-one/check-credentials`,
      payload: { settings: { siteId: "s", apiKey: "k", trackUrl: "ftp://x" } },
    });
    expect(badUrl.body.error).toMatchObject({
      code: "ER_ADMIN_INVALID_REQUEST",
      path: "body.settings.trackUrl",
    });
    noSecretInAnswers();
  });

  it("sends a test to the sandbox, needs confirm for the workspace, and answers 503 without tools", async () => {
    fx = await configFixture({ acceptedKey: API_KEY });
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    const event = { type: "track", userId: "u-1", event: "Order Completed", properties: { total: 9.5 } };
    const unconfirmed = await fx.call("testSend", {
      url: `${P}/destinations/cio/test-send`,
      payload: { event, target: "workspace" },
    });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error.code).toBe("ER_CONFIRM_REQUIRED");
    expect(fx.calls.sent).toHaveLength(0);
    const sent = await fx.call("testSend", {
      url: `${P}/destinations/cio/test-send`,
      payload: { event, target: "sandbox" },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.target).toBe("sandbox");
    expect(sent.body.responses).toEqual([
      { method: "POST", url: "http://127.0.0.1:4010/api/v2/batch", status: 200, body: {}, latencyMs: 3 },
    ]);
    expect(sent.body.preview.outcome.kind).toBe("send");
    expect(sent.body.preview.requests[0].headers.authorization).toBe("Basic [redacted]");
    const [call] = fx.calls.sent;
    expect(call?.target).toBe("sandbox");
    expect(call?.destination.settings.apiKey.reveal()).toBe(API_KEY);
    expect(call?.event).toMatchObject({ event: "Order Completed", userId: "u-1" });
    const confirmed = await fx.call("testSend", {
      url: `${P}/destinations/cio/test-send`,
      payload: { event, target: "workspace", confirm: true },
    });
    expect(confirmed.status).toBe(200);
    expect((await fx.store.listAudit({})).map((entry) => entry.action)).toContain("destination.test_send");
    // The live configuration has no destination yet.
    const live = await fx.call("testSend", {
      url: `${P}/destinations/cio/test-send`,
      payload: { event, target: "sandbox", useDraft: false },
    });
    expect(live.status).toBe(404);
    noSecretInAnswers();
    await fx.close();

    fx = await configFixture({ tools: false });
    await fx.call("saveConfigDraft", { payload: { config: DOC } });
    const none = await fx.call("testSend", {
      url: `${P}/destinations/cio/test-send`,
      payload: { event, target: "sandbox" },
    });
    expect(none.status).toBe(503);
    expect(none.body.error.code).toBe("ER_CONFIG_UNAVAILABLE");
  });
});
