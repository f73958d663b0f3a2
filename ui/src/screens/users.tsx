import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, type Role } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  ConfirmDialog,
  ErrorBanner,
  Field,
  fieldError,
  isAdmin,
  Loading,
  PageHeader,
  Panel,
  StatusMessage,
  Table,
  Time,
  useLoad,
} from "../components.js";
import type { UserAccount } from "../ops-types.js";

const ROLES: { role: Role; label: string; what: string }[] = [
  { role: "admin", label: "Admin", what: "everything: users, the audit log, revealing stored payloads" },
  {
    role: "editor",
    label: "Editor",
    what: "changes configuration, sees values in previews, sends tests, replays",
  },
  { role: "viewer", label: "Viewer", what: "reads everything except payload values (for agencies)" },
];

const PASSWORD_HINT = "At least 12 characters; a passphrase is best.";

type Pending =
  | { kind: "role"; user: UserAccount; role: Role }
  | { kind: "password"; user: UserAccount }
  | { kind: "delete"; user: UserAccount }
  | null;

/**
 * User accounts (admin only): list them, add one with a role and a password, change a role, set a
 * new password, delete one. The server refuses to delete or demote the last admin and says so.
 */
export function UsersScreen(props: ScreenProps) {
  if (!isAdmin(props.session)) {
    return (
      <section>
        <PageHeader title="Users" />
        <p class="banner banner-info">Only an admin can manage user accounts.</p>
      </section>
    );
  }
  return <Users {...props} />;
}

function Users(props: ScreenProps) {
  const users = useLoad(() => api.get<{ users: UserAccount[] }>("/users"), "users");
  const [pending, setPending] = useState<Pending>(null);
  const [newPassword, setNewPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const me = props.session.user?.name ?? null;

  const close = () => {
    setPending(null);
    setNewPassword("");
  };

  const confirm = async () => {
    if (pending === null) return;
    setBusy(true);
    setError(null);
    const path = `/users/${encodeURIComponent(pending.user.name)}`;
    try {
      if (pending.kind === "role") {
        await api.patch(path, { role: pending.role });
        setStatus(`${pending.user.name} is now ${withArticle(pending.role)}.`);
      } else if (pending.kind === "password") {
        await api.patch(path, { password: newPassword });
        setStatus(`${pending.user.name}'s password was changed.`);
      } else {
        await api.delete(path);
        setStatus(`${pending.user.name} was deleted.`);
      }
      close();
      await users.reload();
      if (pending.user.name === me) await props.refreshSession();
    } catch (cause) {
      setError(cause);
      // A wrong new password stays in the dialog so it can be fixed there; other errors close it.
      if (!(pending.kind === "password" && fieldError(cause, "password"))) close();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="users-title">
      <PageHeader
        title="Users"
        description={
          <>
            Who may sign in to this console, and with which role.{" "}
            {ROLES.map((role, index) => (
              <span key={role.role}>
                {index > 0 && " "}
                <strong>{role.label}:</strong> {role.what}.
              </span>
            ))}
          </>
        }
      />
      <StatusMessage message={status} />
      <ErrorBanner error={pending === null ? error : null} onDismiss={() => setError(null)} />
      <ErrorBanner error={users.error} />
      {users.data === null ? (
        users.error === null && <Loading what="users" />
      ) : (
        <Table
          caption="User accounts"
          hideCaption
          rows={users.data.users}
          rowKey={(user) => user.name}
          empty="No user account yet."
          columns={[
            {
              header: "Name",
              cell: (user) => (
                <>
                  {user.name}
                  {user.name === me && <span class="muted"> (you)</span>}
                </>
              ),
            },
            {
              header: "Role",
              cell: (user) => (
                <>
                  <label class="sr-only" for={`role-${user.name}`}>
                    Role of {user.name}
                  </label>
                  <select
                    id={`role-${user.name}`}
                    value={user.role}
                    onChange={(event) => {
                      const role = event.currentTarget.value as Role;
                      // Back to the stored role until the change is confirmed.
                      event.currentTarget.value = user.role;
                      if (role !== user.role) setPending({ kind: "role", user, role });
                    }}
                  >
                    {ROLES.map((role) => (
                      <option key={role.role} value={role.role}>
                        {role.label}
                      </option>
                    ))}
                  </select>
                </>
              ),
            },
            { header: "Created", class: "nowrap", cell: (user) => <Time ms={user.createdAtMs} compact /> },
            {
              header: "Last sign-in",
              class: "nowrap",
              cell: (user) =>
                user.lastSignInAtMs === null ? (
                  <span class="muted">never</span>
                ) : (
                  <Time ms={user.lastSignInAtMs} compact />
                ),
            },
            {
              header: <span class="sr-only">Actions</span>,
              cell: (user) => (
                <div class="actions">
                  <button type="button" class="small" onClick={() => setPending({ kind: "password", user })}>
                    Set password…<span class="sr-only"> for {user.name}</span>
                  </button>
                  <button type="button" class="small" onClick={() => setPending({ kind: "delete", user })}>
                    Delete…<span class="sr-only"> {user.name}</span>
                  </button>
                </div>
              ),
            },
          ]}
        />
      )}
      <AddUser
        onAdded={async (name, role) => {
          setStatus(`${name} was added as ${withArticle(role)}.`);
          await users.reload();
        }}
      />
      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.kind === "role"
            ? `Make ${pending.user.name} ${withArticle(pending.role)}?`
            : pending?.kind === "password"
              ? `Set a password for ${pending.user.name}`
              : pending?.kind === "delete"
                ? `Delete ${pending.user.name}?`
                : ""
        }
        confirmLabel={
          pending?.kind === "role"
            ? "Change role"
            : pending?.kind === "password"
              ? "Set password"
              : "Delete user"
        }
        danger={pending?.kind === "delete" || (pending?.kind === "role" && pending.user.name === me)}
        busy={busy}
        confirmDisabled={pending?.kind === "password" && newPassword === ""}
        onConfirm={() => void confirm()}
        onCancel={close}
      >
        {pending?.kind === "role" && (
          <p>
            {ROLES.find((role) => role.role === pending.role)?.label}:{" "}
            {ROLES.find((role) => role.role === pending.role)?.what}.
            {pending.user.name === me && " This is your own account: you may lose access to this screen."}
          </p>
        )}
        {pending?.kind === "password" && (
          <>
            <ErrorBanner error={fieldError(error, "password") ? null : error} />
            <Field label="New password" hint={PASSWORD_HINT} error={fieldError(error, "password")}>
              {(input) => (
                <input
                  {...input}
                  type="password"
                  autoComplete="new-password"
                  value={newPassword}
                  onInput={(event) => setNewPassword(event.currentTarget.value)}
                />
              )}
            </Field>
          </>
        )}
        {pending?.kind === "delete" && (
          <p>
            {pending.user.name} can no longer sign in. Their entries in the audit log stay.
            {pending.user.name === me && " This is your own account: you will be signed out."}
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function AddUser(props: { onAdded: (name: string, role: Role) => Promise<void> }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post("/users", { name, role, password });
      setName("");
      setPassword("");
      await props.onAdded(name, role);
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };
  const inField = fieldError(error, "name") || fieldError(error, "password") || fieldError(error, "role");
  return (
    <Panel title="Add a user">
      <form onSubmit={submit} class="filters" noValidate>
        <Field label="Name" error={fieldError(error, "name")}>
          {(input) => (
            <input
              {...input}
              autoComplete="off"
              autoCapitalize="none"
              spellcheck={false}
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Role" error={fieldError(error, "role")}>
          {(input) => (
            <select {...input} value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
              {ROLES.map((option) => (
                <option key={option.role} value={option.role}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Password" class="wide" hint={PASSWORD_HINT} error={fieldError(error, "password")}>
          {(input) => (
            <input
              {...input}
              type="password"
              autoComplete="new-password"
              value={password}
              onInput={(event) => setPassword(event.currentTarget.value)}
            />
          )}
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || name === "" || password === ""}>
            {busy ? "Adding…" : "Add user"}
          </button>
        </div>
      </form>
      {!inField && <ErrorBanner error={error} />}
    </Panel>
  );
}

/** "an admin", "an editor", "a viewer". */
function withArticle(role: Role): string {
  return `${role === "viewer" ? "a" : "an"} ${role}`;
}
