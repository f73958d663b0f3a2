import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { API, api, type Session, setCsrfToken, setUnauthorizedHandler } from "./api.js";
import { href, useRoute } from "./router.js";
import { ActionsScreen } from "./screens/actions.js";
import { AuditScreen } from "./screens/audit.js";
import { DashboardScreen } from "./screens/dashboard.js";
import { DeadLettersScreen } from "./screens/dead-letters.js";
import { DeliveriesScreen } from "./screens/deliveries.js";
import { DestinationsScreen } from "./screens/destinations.js";
import { DraftBar } from "./screens/draft-bar.js";
import { MappingScreen } from "./screens/mapping.js";
import { SignInScreen } from "./screens/sign-in.js";
import { SourcesScreen } from "./screens/sources.js";
import { UsersScreen } from "./screens/users.js";
import { VersionsScreen } from "./screens/versions.js";

/** What every screen gets: who is signed in, and a way to refresh the session (after sign-out etc.). */
export interface ScreenProps {
  session: Session;
  refreshSession: () => Promise<void>;
}

const NAV: { path: string; label: string; roles?: readonly string[] }[] = [
  { path: "", label: "Dashboard" },
  { path: "events", label: "Live events" },
  { path: "dead-letters", label: "Dead letters" },
  { path: "sources", label: "Sources" },
  { path: "destinations", label: "Destinations" },
  { path: "versions", label: "Versions" },
  { path: "audit", label: "Audit log", roles: ["admin"] },
  { path: "users", label: "Users", roles: ["admin"] },
];

/** The console: the session first (sign-in or first-run setup), then the navigation and one screen. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refreshSession = useCallback(async () => {
    try {
      const next = await api.get<Session>("/session");
      setCsrfToken(next.csrfToken);
      setSession(next);
      setError(null);
    } catch (cause) {
      setError((cause as Error).message);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => void refreshSession());
    void refreshSession();
  }, [refreshSession]);

  if (error !== null && session === null) {
    return (
      <main class="center" id="main">
        <p role="alert">
          Cannot reach the admin API ({API}): {error}
        </p>
      </main>
    );
  }
  if (session === null) {
    return (
      <main class="center" id="main" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (!session.authenticated || session.setupRequired) {
    return <SignInScreen session={session} refreshSession={refreshSession} />;
  }
  return (
    <Shell session={session} refreshSession={refreshSession}>
      <Screen session={session} refreshSession={refreshSession} />
    </Shell>
  );
}

function Shell(props: ScreenProps & { children: ComponentChildren }) {
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const current = route[0] ?? "";
  const signOut = async () => {
    await api.delete("/session").catch(() => undefined);
    await props.refreshSession();
  };
  return (
    <div class="shell">
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href={href()}>
          Sluice
        </a>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <span class="who">
          {props.session.user ? `${props.session.user.name} (${props.session.user.role})` : props.session.via}
        </span>
        {props.session.via === "session" && (
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        )}
      </header>
      <nav id="nav" aria-label="Main" class={menuOpen ? "open" : ""}>
        <ul>
          {NAV.filter((item) => !item.roles || item.roles.includes(props.session.user?.role ?? "admin")).map(
            (item) => (
              <li key={item.path}>
                <a
                  href={href(...(item.path === "" ? [] : [item.path]))}
                  aria-current={current === item.path ? "page" : undefined}
                  onClick={() => setMenuOpen(false)}
                >
                  {item.label}
                </a>
              </li>
            ),
          )}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <DraftBar session={props.session} refreshSession={props.refreshSession} />
        {props.children}
      </main>
    </div>
  );
}

function Screen(props: ScreenProps) {
  const route = useRoute();
  const [first, second, third, fourth] = route;
  switch (first) {
    case undefined:
      return <DashboardScreen {...props} />;
    case "events":
      return <DeliveriesScreen {...props} messageId={second ?? null} />;
    case "dead-letters":
      return <DeadLettersScreen {...props} />;
    case "sources":
      return <SourcesScreen {...props} />;
    case "destinations":
      if (second !== undefined && third === "actions" && fourth !== undefined) {
        return <MappingScreen {...props} destination={second} action={fourth} />;
      }
      if (second !== undefined && third === "actions")
        return <ActionsScreen {...props} destination={second} />;
      return <DestinationsScreen {...props} destination={second ?? null} />;
    case "versions":
      return <VersionsScreen {...props} />;
    case "audit":
      return <AuditScreen {...props} />;
    case "users":
      return <UsersScreen {...props} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No such page. <a href={href()}>Go to the dashboard</a>.
          </p>
        </section>
      );
  }
}
