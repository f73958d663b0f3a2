import { Agent, request } from "undici";
import type { AttemptResponse } from "../../delivery/retry.js";
import type { HttpRequestSpec } from "./request-builder.js";

export interface HttpServiceOptions {
  /** Most concurrent connections per origin. Default 32. */
  connections?: number;
  /** Time to wait for response headers, and between body chunks. Default 10,000 ms (Customer.io's clients use 10 s). */
  timeoutMs?: number;
}

/**
 * The I/O edge of the Customer.io sink: sends one request over a keep-alive undici pool and reports
 * what came back. It never throws for HTTP or network failures; the retry logic decides.
 */
export class HttpService {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: HttpServiceOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#agent = new Agent({
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  async send(spec: HttpRequestSpec): Promise<AttemptResponse | { networkError: string }> {
    try {
      const response = await request(spec.url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body ?? null,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#timeoutMs + 1000),
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, body: parseJson(text) };
    } catch (error) {
      // Error codes/names only: undici messages can include the URL, never payloads, but stay terse.
      const { code, name } = error as { code?: string; name?: string };
      return { networkError: code ?? name ?? "request failed" };
    }
  }

  /** Close once requests in flight have finished. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Abort requests in flight and close. */
  async destroy(): Promise<void> {
    await this.#agent.destroy();
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
