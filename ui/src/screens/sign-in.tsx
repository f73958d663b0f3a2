import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, type Role, setCsrfToken } from "../api.js";
import type { ScreenProps } from "../app.js";
import { ErrorBanner, Field, fieldError } from "../components.js";

interface SignedIn {
  user: { name: string; role: Role };
  csrfToken: string;
}

/**
 * Sign in with a name and password; or, while no account exists, create the first admin account
 * (POST /setup, which the server allows only from this machine or with the admin token). A rate
 * limit shows how long to wait, counting down, and the button stays off until then.
 */
export function SignInScreen(props: ScreenProps) {
  const setup = props.session.setupRequired;
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [waitUntilMs, setWaitUntilMs] = useState<number | null>(null);
  const secondsLeft = useCountdown(waitUntilMs);

  const mismatch = setup && confirm !== "" && confirm !== password;

  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || secondsLeft > 0 || mismatch) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<SignedIn>(setup ? "/setup" : "/session", { name, password });
      setCsrfToken(answer.csrfToken);
      setPassword("");
      setConfirm("");
      await props.refreshSession();
    } catch (cause) {
      if (cause instanceof ApiError && cause.retryAfterSeconds !== null) {
        setWaitUntilMs(Date.now() + cause.retryAfterSeconds * 1000);
      }
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  // Setup without the rights to do it (tokens are configured, or the admin API is not on loopback):
  // a browser cannot send the admin token, so say how to create the first account instead.
  if (setup && !props.session.authenticated) {
    return (
      <main class="center" id="main">
        <section class="sign-in" aria-labelledby="sign-in-title">
          <span class="brand">Sluice</span>
          <h1 id="sign-in-title">No user account yet</h1>
          <p>
            The first admin account can only be created from this machine (when no admin token is set) or with
            the admin token: send <code>POST /admin/api/setup</code> with <code>Authorization: Bearer</code>{" "}
            and the token, then sign in here.
          </p>
        </section>
      </main>
    );
  }

  const rateLimited = secondsLeft > 0;
  const topError = error instanceof ApiError && (fieldError(error, "name") || fieldError(error, "password"));
  return (
    <main class="center" id="main">
      <form class="sign-in" onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <span class="brand">Sluice</span>
        <h1 id="sign-in-title">{setup ? "Create the first admin account" : "Sign in"}</h1>
        {setup && (
          <p class="muted">
            No user account exists yet. The account you create now is an admin; add the others (editors,
            viewers) under Users.
          </p>
        )}
        {rateLimited ? (
          <div class="banner banner-warn" role="alert">
            <p>
              Too many sign-in attempts. Try again in {secondsLeft} {secondsLeft === 1 ? "second" : "seconds"}
              .
            </p>
          </div>
        ) : (
          !topError && <ErrorBanner error={error} />
        )}
        <Field label="Name" error={fieldError(error, "name")}>
          {(input) => (
            <input
              {...input}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellcheck={false}
              required
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Password"
          error={fieldError(error, "password")}
          {...(setup ? { hint: "At least 12 characters; a passphrase is best." } : {})}
        >
          {(input) => (
            <input
              {...input}
              type="password"
              name="password"
              autoComplete={setup ? "new-password" : "current-password"}
              required
              value={password}
              onInput={(event) => setPassword(event.currentTarget.value)}
            />
          )}
        </Field>
        {setup && (
          <Field label="Repeat the password" error={mismatch ? "the two passwords differ" : null}>
            {(input) => (
              <input
                {...input}
                type="password"
                name="password-repeat"
                autoComplete="new-password"
                required
                value={confirm}
                onInput={(event) => setConfirm(event.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <button
          type="submit"
          class="primary"
          disabled={busy || rateLimited || name === "" || password === "" || (setup && confirm !== password)}
        >
          {busy ? "Working…" : setup ? "Create account and sign in" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

/** Whole seconds left until `untilMs` (0 when null or past), updated every second. */
function useCountdown(untilMs: number | null): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (untilMs === null) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      const current = Date.now();
      setNow(current);
      if (current >= untilMs) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [untilMs]);
  return untilMs === null ? 0 : Math.max(0, Math.ceil((untilMs - now) / 1000));
}
