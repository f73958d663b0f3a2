import { useCallback, useEffect, useState } from "preact/hooks";
import type { z } from "zod";
import type { ActionsAnswerSchema, ConfigStateSchema } from "../../src/contracts/admin-config-routes.js";
import type {
  ActionDocument,
  ConfigDocument,
  DestinationDocument,
  SourceDocument,
} from "../../src/contracts/config-document.js";
import { api, type Role } from "./api.js";

/**
 * The configuration screens' shared state: the types of the configuration API (the JSON form of the
 * config file, as the admin API answers it) and one tiny event, `sluice:config-changed`, that every
 * screen sending an edit fires and every screen showing configuration listens to, so the draft bar,
 * the lists and the editors stay in step without a global store.
 */

/** A secret in every answer, and "keep the stored value" in a request (MASKED_SECRET on the server). */
export const MASKED = "••••••••";

/** The configuration document types, as the server declares them. */
export type SourceDoc = SourceDocument;
export type ActionDoc = ActionDocument;
export type DestinationDoc = DestinationDocument;
export type ConfigDoc = ConfigDocument;

export type ConfigIssue = { path: string; message: string };
export type ConfigState = z.output<typeof ConfigStateSchema>;
export type ActionsAnswer = z.output<typeof ActionsAnswerSchema>;
/** One entry of GET /destinations/{name}/actions' catalogue. */
export type CatalogueAction = ActionsAnswer["catalogue"][number];

const CHANGED = "sluice:config-changed";

/** Tell every screen that the draft (or the live version) changed: they reload what they show. */
export function notifyConfigChanged(): void {
  dispatchEvent(new Event(CHANGED));
}

/** Run `callback` whenever some screen changed the configuration. */
export function useConfigChanged(callback: () => void): void {
  useEffect(() => {
    addEventListener(CHANGED, callback);
    return () => removeEventListener(CHANGED, callback);
  }, [callback]);
}

/** GET /config, reloaded whenever the configuration changes. */
export function useConfigState(): {
  state: ConfigState | null;
  error: Error | null;
  reload: () => Promise<void>;
} {
  const [state, setState] = useState<ConfigState | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const reload = useCallback(async () => {
    try {
      setState(await api.get<ConfigState>("/config"));
      setError(null);
    } catch (cause) {
      setError(cause as Error);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  useConfigChanged(reload);
  return { state, error, reload };
}

/** The configuration being edited: the draft when there is one, else the live version. */
export function editedConfig(state: ConfigState): ConfigDoc {
  return state.draft?.config ?? state.live.config;
}

/** Admins and editors change configuration; viewers read. */
export function canEdit(role: Role | undefined): boolean {
  return role === "admin" || role === "editor";
}

/** The role of the signed-in user (token and loopback sessions have none: they act as admin). */
export function roleOf(session: { user: { role: Role } | null }): Role {
  return session.user?.role ?? "admin";
}
