const REDACTED = "[redacted]";

/**
 * A secret (API key, write key) that never prints: `String()`, JSON and `util.inspect` all show
 * `[redacted]`. Only `reveal()` returns the value, so every place that needs it is greppable.
 *
 * @example
 * const key = new Secret("sk_live_123");
 * `${key}`;            // "[redacted]"
 * JSON.stringify(key); // "\"[redacted]\""
 * key.reveal();        // "sk_live_123"
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Last four characters for humans telling keys apart (`…0123`); empty when the key is too short to hint at. */
  hint(): string {
    return this.#value.length >= 12 ? `…${this.#value.slice(-4)}` : "";
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/**
 * A URL as it may be logged or shown: `user:password@` (a proxy's credentials) is masked. Pure (the
 * WHATWG `URL` global), so the preview and the UI use it too.
 *
 * @example
 * withoutCredentials("https://u:s3cret@proxy.example/track") // "https://redacted@proxy.example/track"
 */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "redacted";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "[unparseable URL]";
  }
}
