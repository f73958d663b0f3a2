import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../../contracts/config.js";
import { parseConfigText } from "../../contracts/config-file.js";
import { destinationConfigIssues } from "../validate-destinations.js";
import { compileDestinationActions, presetActions } from "./compile-actions.js";

interface Row {
  label: string;
  actions: unknown[];
  errors: { path: string; message: string }[];
}

const rows = parse(
  readFileSync(new URL("./fixtures/invalid-actions.yaml", import.meta.url), "utf8"),
) as Row[];

function destination(actions: unknown[]) {
  return {
    name: "cio",
    type: "customerio",
    settings: { siteId: "s", apiKey: "k" },
    ...(actions.length > 0 ? { actions } : {}),
  };
}

describe("actions are checked when the configuration is loaded", () => {
  it.each(rows.map((row) => [row.label, row] as const))("%s", (_label, row) => {
    const result = validateConfig({ destinations: [destination(row.actions)] });
    if (!result.ok) throw new Error(`schema rejected: ${JSON.stringify(result.issues)}`);
    const issues = destinationConfigIssues(result.config);
    expect(issues.map((issue) => issue.path)).toEqual(row.errors.map((error) => error.path));
    row.errors.forEach((error, index) => {
      expect(issues[index]?.message).toContain(error.message);
    });
  });

  it("points every problem at its line and column in the file", () => {
    const text = [
      "destinations:",
      "  - name: cio",
      "    type: customerio",
      "    settings: { siteId: s, apiKey: k }",
      "    actions:",
      "      - name: Order",
      "        type: event",
      "        fields:",
      "          name: { path: $.event, transforms: [lowercse] }",
    ].join("\n");
    const result = parseConfigText(text, {}, { check: destinationConfigIssues });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: "destinations[0].actions[0].fields.name.transforms[0]",
          message: 'unknown transform "lowercse"; did you mean "lowercase"?',
          line: 9,
          column: 47,
        },
      ],
    });
  });

  it("accepts a valid set of actions and compiles it once", () => {
    const result = validateConfig({
      destinations: [
        destination([{ name: "Order", type: "event", trigger: { path: "$.event", equals: "Order" } }]),
      ],
    });
    if (!result.ok) throw new Error("invalid");
    const [cio] = result.config.destinations;
    const compiled = compileDestinationActions(cio!, 0);
    expect(compiled.ok && compiled.actions.map((action) => action.name)).toEqual(["Order"]);
    expect(compileDestinationActions(cio!, 0)).toBe(compiled);
  });

  it("bakes the allow lists into the presets", () => {
    const presets = presetActions({ allow: { events: ["*"], traits: ["plan"], properties: [] } });
    expect(presets.map((preset) => [preset.name, preset.type, preset.fields["attributes"]])).toEqual([
      ["Identify", "identify", { path: "$.traits", transforms: [{ pick: ["plan"] }] }],
      ["Event", "event", null],
    ]);
  });
});
