import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ACTIONS_REFERENCE_PATH,
  REGENERATE_REFERENCE_COMMAND,
  renderActionsReference,
} from "./actions-reference.js";
import { CUSTOMERIO_ACTIONS } from "./customerio-actions.js";

const docPath = fileURLToPath(new URL(`../../../../${ACTIONS_REFERENCE_PATH}`, import.meta.url));

/** Splits a document into its `## ` sections, keyed by heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of markdown.split(/^(?=## )/m)) {
    const heading = part.startsWith("## ") ? (part.split("\n")[0] ?? "") : "(intro)";
    out.set(heading, part);
  }
  return out;
}

describe(ACTIONS_REFERENCE_PATH, () => {
  it("is up to date with the catalogue", () => {
    const rendered = renderActionsReference();
    if (process.env["SLUICE_WRITE_DOCS"] === "1") writeFileSync(docPath, rendered);
    const current = readFileSync(docPath, "utf8");
    if (current === rendered) return;
    const want = sections(rendered);
    const have = sections(current);
    const differing = [...new Set([...want.keys(), ...have.keys()])].filter(
      (heading) => want.get(heading) !== have.get(heading),
    );
    expect.fail(
      `${ACTIONS_REFERENCE_PATH} is out of date in: ${differing.join(", ")}. Regenerate it: ${REGENERATE_REFERENCE_COMMAND}`,
    );
  });

  it("documents every action with its fields, trigger, endpoint and example body", () => {
    const rendered = renderActionsReference();
    const bySection = sections(rendered);
    for (const action of CUSTOMERIO_ACTIONS) {
      const section = bySection.get(`## ${action.type}`);
      expect(section, action.type).toBeDefined();
      expect(section).toContain(`\`${JSON.stringify(action.presetTrigger)}\``);
      expect(section).toContain("Request body:");
      for (const field of action.fields) expect(section).toContain(`| \`${field.name}\` | ${field.kind} |`);
      for (const group of action.oneOf ?? [])
        expect(section).toContain(group.map((n) => `\`${n}\``).join(", "));
    }
    expect(rendered).toContain('"name": "Identify"');
  });
});
