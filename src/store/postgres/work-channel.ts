import { Client, type ClientConfig, escapeIdentifier, type Notification } from "pg";

/** Called with a destination that has new work. */
export type WorkListener = (destination: string) => void;

export interface WorkListenerOptions {
  /** Connection settings of the dedicated LISTEN connection (not taken from the pool). */
  connection: ClientConfig;
  channel: string;
  /**
   * Destinations with waiting work, announced after every (re)connect: a notification sent while no
   * connection listened is lost, and work committed before LISTEN took effect was never announced.
   */
  waitingDestinations: () => Promise<string[]>;
  /** Connection failures and listener exceptions; the listener keeps reconnecting regardless. */
  onError: (error: unknown) => void;
  /** First delay before reconnecting, doubled after each failure up to `maxReconnectDelayMs`. Default 100. */
  reconnectDelayMs?: number;
  /** Default 5000. */
  maxReconnectDelayMs?: number;
}

/**
 * The NOTIFY side of the queue: one dedicated connection that LISTENs on the store's channel and
 * calls every subscriber with the destination named in each notification. When the connection drops
 * (server restart, failover, an idle-killing proxy) it reconnects with exponential backoff and then
 * announces every destination that has waiting work, so nothing committed meanwhile waits for a poll.
 *
 * @example
 * const work = new WorkChannel({ connection: { connectionString: url }, channel: "sluice_work",
 *   waitingDestinations: async () => [], onError: console.error });
 * const stop = work.subscribe((destination) => workers.get(destination)?.notify());
 */
export class WorkChannel {
  private readonly listeners = new Set<WorkListener>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private closed = false;
  private listeningNow = false;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: WorkListenerOptions) {
    this.delayMs = options.reconnectDelayMs ?? 100;
  }

  /** Start listening (on the first subscriber) and add `listener`; returns its unsubscribe. */
  subscribe(listener: WorkListener): () => void {
    this.listeners.add(listener);
    if (this.client === undefined && this.connecting === undefined && this.reconnectTimer === undefined) {
      this.connect();
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Resolves once LISTEN is in effect and the destinations waiting at that point were announced
   * (immediately when that is already the case, or after `close`).
   */
  listening(): Promise<void> {
    if (this.listeningNow || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.listeningNow = false;
    for (const resolve of this.waiters.splice(0)) resolve();
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    const client = new Client(this.options.connection);
    client.on("notification", (message: Notification) => {
      if (message.channel === this.options.channel && message.payload !== undefined)
        this.emit(message.payload);
    });
    const dropped = (error?: unknown) => {
      if (error !== undefined) this.options.onError(error);
      if (this.client !== client) return;
      this.client = undefined;
      this.listeningNow = false;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on("error", dropped);
    client.on("end", () => dropped());
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${escapeIdentifier(this.options.channel)}`);
      } catch (error) {
        this.options.onError(error);
        client.end().catch(() => undefined);
        if (!this.closed) this.scheduleReconnect();
        return;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.delayMs = this.options.reconnectDelayMs ?? 100;
      try {
        for (const destination of await this.options.waitingDestinations()) this.emit(destination);
      } catch (error) {
        this.options.onError(error);
      }
      if (this.client !== client) return; // dropped meanwhile: the reconnect will announce again
      this.listeningNow = true;
      for (const resolve of this.waiters.splice(0)) resolve();
    })().finally(() => {
      this.connecting = undefined;
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxReconnectDelayMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private emit(destination: string): void {
    for (const listener of this.listeners) {
      try {
        listener(destination);
      } catch (error) {
        this.options.onError(error);
      }
    }
  }
}
