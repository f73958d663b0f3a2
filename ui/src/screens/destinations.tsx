import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  canEdit,
  type DestinationDoc,
  notifyConfigChanged,
  roleOf,
  useConfigChanged,
} from "../config-state.js";
import { errorMessage, Notice, ReadOnlyNote, takeFlash } from "../config-widgets.js";
import { DestinationForm } from "../destination-form.js";
import { href } from "../router.js";

/**
 * Destinations: the list, and the Customer.io setup form (`#/destinations/<name>`), with a credentials
 * check against the unsaved form and a link to each destination's actions.
 */
export function DestinationsScreen(props: ScreenProps & { destination: string | null }) {
  const editor = canEdit(roleOf(props.session));
  const [destinations, setDestinations] = useState<DestinationDoc[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [flash] = useState(takeFlash);

  const load = useCallback(async () => {
    try {
      setDestinations((await api.get<{ destinations: DestinationDoc[] }>("/destinations")).destinations);
      setLoadError(null);
    } catch (cause) {
      setLoadError(errorMessage(cause));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useConfigChanged(load);

  if (props.destination !== null) {
    const found = destinations?.find((candidate) => candidate.name === props.destination);
    return (
      <section class="cfg-screen">
        <p class="cfg-crumbs">
          <a href={href("destinations")}>Destinations</a> › {props.destination}
        </p>
        <h1>{props.destination}</h1>
        {loadError && <Notice kind="error">Could not load the destination: {loadError}</Notice>}
        {destinations === null && !loadError && <p aria-busy="true">Loading…</p>}
        {destinations !== null && !found && (
          <Notice kind="error">
            No destination named {props.destination} in the configuration.{" "}
            <a href={href("destinations")}>Back to the list</a>
          </Notice>
        )}
        {flash && <Notice kind="ok">{flash}</Notice>}
        {found && (
          <>
            <p>
              <a class="cfg-button-link" href={href("destinations", found.name, "actions")}>
                Actions and mappings ({found.actions === undefined ? "presets" : found.actions.length})
              </a>
            </p>
            {!editor && <ReadOnlyNote />}
            <DestinationForm key={found.name} original={found} editor={editor} />
          </>
        )}
      </section>
    );
  }

  return (
    <section class="cfg-screen">
      <h1>Destinations</h1>
      <p class="cfg-lead">
        Where Sluice delivers events. Each Customer.io destination needs its workspace's Site ID and Track API
        key (Customer.io → Settings → API Credentials). Changes go to the draft until published.
      </p>
      {!editor && <ReadOnlyNote />}
      {loadError && <Notice kind="error">Could not load the destinations: {loadError}</Notice>}
      {destinations === null && !loadError && <p aria-busy="true">Loading…</p>}
      {destinations?.length === 0 && <p>No destinations yet.</p>}
      {destinations && destinations.length > 0 && (
        <div class="cfg-table-wrap">
          <table>
            <caption class="cfg-visually-hidden">Configured destinations</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Site ID</th>
                <th scope="col">Region</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {destinations.map((destination) => (
                <tr key={destination.name}>
                  <th scope="row">
                    <a href={href("destinations", destination.name)}>{destination.name}</a>
                  </th>
                  <td>
                    <code>{destination.settings.siteId}</code>
                  </td>
                  <td>
                    {destination.settings.trackUrl
                      ? `custom URL (${destination.settings.trackUrl})`
                      : (destination.settings.region ?? "us").toUpperCase()}
                  </td>
                  <td>
                    <a href={href("destinations", destination.name, "actions")}>
                      {destination.actions === undefined
                        ? "Presets (Identify, Event)"
                        : `${destination.actions.length} ${destination.actions.length === 1 ? "action" : "actions"}`}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editor &&
        (adding ? (
          <div class="cfg-card">
            <h2>Add a Customer.io destination</h2>
            <DestinationForm
              original={null}
              editor={editor}
              onCreated={() => {
                setAdding(false);
                notifyConfigChanged();
              }}
              onCancel={() => setAdding(false)}
            />
          </div>
        ) : (
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add a Customer.io destination
          </button>
        ))}
    </section>
  );
}
