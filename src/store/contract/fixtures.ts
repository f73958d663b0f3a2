import type { ClaimedDelivery, EnqueueEvent, Store } from "../port.js";

/** A fixed clock origin: contract tests pass times explicitly and never read the real clock. */
export const T0 = 1_700_000_000_000;

/** The dedupe window the contract assumes: the adapters' default, 24 h. */
export const CONTRACT_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Default lease of contract claims. */
export const LEASE_MS = 30_000;

/** The store of the running test; tests get it through a function because each test opens a fresh one. */
export type CurrentStore = () => Store;

/**
 * An event with defaults that tests override: source "web", type "track", received at T0, one
 * destination "cio", and a body that names the messageId so a mixed-up body is visible.
 *
 * @example
 * await store.enqueue([event("m1", { destinations: ["a", "b"] })]);
 */
export function event(messageId: string, overrides: Partial<EnqueueEvent> = {}): EnqueueEvent {
  return {
    sourceName: "web",
    messageId,
    eventType: "track",
    receivedAtMs: T0,
    body: JSON.stringify({ messageId, type: "track", event: "Viewed", properties: { n: 1 } }),
    destinations: ["cio"],
    ...overrides,
  };
}

/**
 * Claim everything ready for a destination at `nowMs` (limit 10 000).
 *
 * @example
 * const [first] = await claimAll(store, "cio", T0);
 */
export function claimAll(store: Store, destination: string, nowMs: number): Promise<ClaimedDelivery[]> {
  return store.claim(destination, { limit: 10_000, nowMs, leaseMs: LEASE_MS });
}

/**
 * Claim exactly one delivery and return it; throws when there is not exactly one, so a test's setup
 * fails loudly instead of settling the wrong thing.
 *
 * @example
 * const delivery = await claimOne(store, "cio", T0);
 */
export async function claimOne(store: Store, destination: string, nowMs: number): Promise<ClaimedDelivery> {
  const claimed = await claimAll(store, destination, nowMs);
  const [only] = claimed;
  if (only === undefined || claimed.length !== 1) {
    throw new Error(`expected one claimable delivery for ${destination}, got ${claimed.length}`);
  }
  return only;
}

/** The messageIds of claimed deliveries, in claim order. */
export function messageIds(deliveries: readonly { messageId: string }[]): string[] {
  return deliveries.map((delivery) => delivery.messageId);
}
