import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { destinationConfigIssues } from "../destinations/validate-destinations.js";
import type { SluiceConfig } from "./config.js";
import {
  type ConfigDocument,
  ConfigDocumentSchema,
  configFromDocument,
  documentFromConfig,
  MASKED_SECRET,
  maskDocument,
  mergeSecrets,
  secretVariable,
} from "./config-document.js";
import { parseConfigText } from "./config-file.js";
import { Secret } from "./secret.js";

const repoFile = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), "utf8");

/** Any `${VAR}` resolves, to a value naming the variable. */
const ANY_ENV = new Proxy({} as Record<string, string>, {
  get: (_target, name) => (typeof name === "string" ? `env-${name}` : undefined),
});

/** The configuration with every Secret as `{ secret: value }`, so that deep equality compares values. */
function comparable(config: SluiceConfig): unknown {
  return JSON.parse(
    JSON.stringify(config, (_key, value: unknown) =>
      value instanceof Secret ? { secret: value.reveal() } : value,
    ),
  );
}

/** Every example configuration in the repository: full files in the docs, and the preview fixtures. */
function exampleConfigs(): [string, string][] {
  const examples: [string, string][] = [];
  for (const path of ["README.md", "docs/privacy.md", "docs/postgres.md", "docs/mapping.md"]) {
    const text = repoFile(path);
    for (const match of text.matchAll(/```ya?ml[^\n]*\n(.*?)```/gs)) {
      const body = match[1] ?? "";
      if (/^(sources|destinations|retention):/.test(body)) examples.push([`${path} block`, body]);
    }
    for (const match of text.matchAll(/<<'YAML'\n(.*?)\nYAML/gs)) {
      examples.push([`${path} heredoc`, match[1] ?? ""]);
    }
  }
  const rows = parse(repoFile("src/destinations/customerio/fixtures/preview.yaml")) as {
    label: string;
    destination: { settings?: Record<string, unknown> } & Record<string, unknown>;
  }[];
  for (const row of rows) {
    const { settings, ...rest } = row.destination;
    const destination = {
      name: "cio",
      type: "customerio",
      settings: { siteId: "site-1", apiKey: "k", ...settings },
      ...rest,
    };
    examples.push([`preview.yaml: ${row.label}`, JSON.stringify({ destinations: [destination] })]);
  }
  return examples;
}

describe("configFromDocument(documentFromConfig(config))", () => {
  const examples = exampleConfigs();

  it("finds the repository's example configurations", () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  // Fragments (a destination without its settings, to show one key) are not configurations.
  const complete = examples.filter(
    ([, text]) => parseConfigText(text, ANY_ENV, { check: destinationConfigIssues }).ok,
  );

  it("finds complete ones among them", () => {
    expect(complete.length).toBeGreaterThanOrEqual(9);
  });

  it.each(complete)("round-trips %s", (_label, text) => {
    const parsed = parseConfigText(text, ANY_ENV, { check: destinationConfigIssues });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    // Through JSON and the document schema, as a stored version is read back.
    const doc = ConfigDocumentSchema.parse(JSON.parse(JSON.stringify(documentFromConfig(parsed.config))));
    const again = configFromDocument(doc);
    if (!again.ok) throw new Error(JSON.stringify(again.issues));
    expect(comparable(again.config)).toEqual(comparable(parsed.config));
  });

  it("keeps `${` in values literal (written `$${` in the document) and leaves defaults out", () => {
    const parsed = parseConfigText(
      "sources:\n  - { name: web, writeKey: 'a$${b}c' }\ndestinations:\n  - name: cio\n    type: customerio\n    settings: { siteId: s, apiKey: k }\n",
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.config.sources[0]?.writeKey.reveal()).toBe("a${b}c");
    const doc = documentFromConfig(parsed.config);
    expect(doc.sources[0]).toEqual({ name: "web", writeKey: "a$${b}c" });
    expect(doc.destinations[0]).toEqual({
      name: "cio",
      type: "customerio",
      settings: { siteId: "s", apiKey: "k", region: "us" },
    });
    const again = configFromDocument(doc);
    expect(again.ok && again.config.sources[0]?.writeKey.reveal()).toBe("a${b}c");
  });
});

const DOC: ConfigDocument = {
  sources: [{ name: "web", writeKey: "wk_live_1", testWriteKey: "wk_test_1" }],
  destinations: [
    {
      name: "cio",
      type: "customerio",
      settings: { siteId: "s", apiKey: "api-SECRET", hashSalt: "salt-SECRET" },
    },
  ],
};

describe("configFromDocument", () => {
  it("runs the file validation: schema issues, then the destinations' checks, by path", () => {
    const schema = configFromDocument({
      ...DOC,
      sources: [{ name: "bad name!", writeKey: "k" }],
    });
    expect(schema.ok ? [] : schema.issues.map((issue) => issue.path)).toEqual(["sources[0].name"]);
    const actions = configFromDocument({
      ...DOC,
      destinations: [
        {
          ...(DOC.destinations[0] as ConfigDocument["destinations"][0]),
          actions: [{ name: "a", type: "nope" }],
        },
      ],
    });
    expect(actions.ok ? [] : actions.issues.map((issue) => issue.path)).toEqual([
      "destinations[0].actions[0].type",
    ]);
  });

  it("resolves ${VAR} from env and reports a missing variable", () => {
    const doc = { ...DOC, sources: [{ name: "web", writeKey: "${WK}" }] };
    const ok = configFromDocument(doc, { WK: "from-env" });
    expect(ok.ok && ok.config.sources[0]?.writeKey.reveal()).toBe("from-env");
    const missing = configFromDocument(doc, {});
    expect(missing.ok ? [] : missing.issues).toEqual([
      { path: "sources[0].writeKey", message: "environment variable WK is not set (referenced as ${WK})" },
    ]);
  });

  it("reports an empty key as an issue (it used to throw inside the duplicate-key check)", () => {
    const result = configFromDocument({
      sources: [
        { name: "web", writeKey: "" },
        { name: "app", writeKey: "k" },
      ],
      destinations: [],
    });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: "sources[0].writeKey", message: "must not be empty" },
    ]);
  });

  it("reports a secret still masked (the UI sent MASKED_SECRET for something nothing stores)", () => {
    const result = configFromDocument({
      ...DOC,
      destinations: [
        {
          ...(DOC.destinations[0] as ConfigDocument["destinations"][0]),
          settings: { siteId: "s", apiKey: MASKED_SECRET },
        },
      ],
    });
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toEqual([
      "destinations[0].settings.apiKey",
    ]);
  });

  it("checks test and previous keys: unique across sources, previous key and expiry together", () => {
    const result = configFromDocument({
      sources: [
        { name: "a", writeKey: "k1", testWriteKey: "k2" },
        { name: "b", writeKey: "k2", previousWriteKey: "k1" },
        { name: "c", writeKey: "k3", previousWriteKey: "k4" },
      ],
      destinations: [],
    });
    expect(result.ok ? [] : result.issues.map((issue) => issue.path).sort()).toEqual([
      "sources[1].previousWriteKey",
      "sources[1].previousWriteKey",
      "sources[1].writeKey",
      "sources[2].previousWriteKey",
    ]);
    const fine = configFromDocument({
      sources: [
        {
          name: "a",
          writeKey: "k1",
          testWriteKey: "k2",
          previousWriteKey: "k0",
          previousWriteKeyExpiresAtMs: 5,
        },
      ],
      destinations: [],
    });
    expect(fine.ok && fine.config.sources[0]?.previousWriteKeyExpiresAtMs).toBe(5);
  });
});

describe("maskDocument and mergeSecrets", () => {
  it("masks API keys and hash salts for everyone, write keys for viewers only, and leaves ${VAR} visible", () => {
    const withRef: ConfigDocument = {
      ...DOC,
      destinations: [
        ...DOC.destinations,
        { name: "eu", type: "customerio", settings: { siteId: "s", apiKey: "${EU_KEY}" } },
      ],
    };
    const editor = maskDocument(withRef, "editor");
    expect(editor.destinations.map((d) => d.settings)).toEqual([
      { siteId: "s", apiKey: MASKED_SECRET, hashSalt: MASKED_SECRET },
      { siteId: "s", apiKey: "${EU_KEY}" },
    ]);
    expect(editor.sources[0]).toEqual(DOC.sources[0]);
    expect(JSON.stringify(maskDocument(withRef, "admin"))).not.toContain("SECRET");
    const viewer = maskDocument(withRef, "viewer");
    expect(viewer.sources[0]).toEqual({ name: "web", writeKey: MASKED_SECRET, testWriteKey: MASKED_SECRET });
    // The input is not changed.
    expect(withRef.destinations[0]?.settings.apiKey).toBe("api-SECRET");
  });

  it("keeps the stored value for a masked secret, by name, from the first document that has it", () => {
    const incoming: ConfigDocument = {
      sources: [{ name: "web", writeKey: MASKED_SECRET, testWriteKey: "new-test" }],
      destinations: [
        {
          name: "cio",
          type: "customerio",
          settings: { siteId: "s2", apiKey: MASKED_SECRET, hashSalt: MASKED_SECRET },
        },
        { name: "new", type: "customerio", settings: { siteId: "s", apiKey: MASKED_SECRET } },
      ],
    };
    const live: ConfigDocument = {
      sources: [],
      destinations: [{ name: "new", type: "customerio", settings: { siteId: "s", apiKey: "live-key" } }],
    };
    const merged = mergeSecrets(incoming, DOC, live);
    expect(merged.sources[0]).toEqual({ name: "web", writeKey: "wk_live_1", testWriteKey: "new-test" });
    expect(merged.destinations.map((d) => d.settings)).toEqual([
      { siteId: "s2", apiKey: "api-SECRET", hashSalt: "salt-SECRET" },
      { siteId: "s", apiKey: "live-key" },
    ]);
    const nothingStored = mergeSecrets(incoming, null);
    expect(nothingStored.destinations[0]?.settings.apiKey).toBe(MASKED_SECRET);
  });

  it("names secret variables after the destination", () => {
    expect(secretVariable("customerio-main", "apiKey")).toBe("SLUICE_CUSTOMERIO_MAIN_API_KEY");
    expect(secretVariable("cio.eu_2", "hashSalt")).toBe("SLUICE_CIO_EU_2_HASH_SALT");
  });
});
