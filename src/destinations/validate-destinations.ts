import type { ConfigIssue, SluiceConfig } from "../contracts/config.js";
import { customerioConfigIssues } from "./customerio/compile-actions.js";

/**
 * The configuration checks that need the destinations' own knowledge (their actions, fields and
 * options), on top of the schema: pass it as `check` to `parseConfigText`.
 *
 * @example
 * parseConfigText(text, process.env, { check: destinationConfigIssues });
 */
export function destinationConfigIssues(config: SluiceConfig): ConfigIssue[] {
  return customerioConfigIssues(config.destinations);
}
