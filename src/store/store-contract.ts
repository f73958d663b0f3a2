import { afterEach, beforeEach, describe } from "vitest";
import { describeAuditContract } from "./contract/audit-contract.js";
import { describeBodiesContract } from "./contract/bodies-contract.js";
import { describeConfigContract } from "./contract/config-contract.js";
import { describeDeadLetterContract } from "./contract/dead-letter-contract.js";
import { describeLogContract } from "./contract/log-contract.js";
import { describeObserveContract } from "./contract/observe-contract.js";
import { describeOrderingContract } from "./contract/ordering-contract.js";
import { describeQueueContract } from "./contract/queue-contract.js";
import { describeRetentionContract } from "./contract/retention-contract.js";
import { describeSealedTextContract } from "./contract/sealed-text-contract.js";
import { describeSettleContract } from "./contract/settle-contract.js";
import { describeUsersContract } from "./contract/users-contract.js";
import type { Store } from "./port.js";

export { CONTRACT_DEDUPE_WINDOW_MS } from "./contract/fixtures.js";

/** What the contract needs from an adapter's test: a fresh, empty store, and a way to dispose of it. */
export interface StoreUnderTest {
  store: Store;
  /** Release everything the store used (files, schemas). Must also work when the test already closed it. */
  cleanup: () => Promise<void>;
}

/**
 * The one behaviour suite every store adapter passes. It reaches the store through the `Store` port
 * only, so the PostgreSQL adapter runs exactly the same tests as SQLite.
 *
 * `factory` is called before every test and must return a new, empty, migrated store using the
 * default dedupe window (24 h, `CONTRACT_DEDUPE_WINDOW_MS`). Tests pass their own clock values
 * (around 2023-11-14) and never read the real clock.
 *
 * @example
 * // src/store/postgres/postgres-store.test.ts
 * describeStoreContract("postgres", async () => {
 *   const schema = `test_${randomUUID().replaceAll("-", "")}`;
 *   const store = await openPostgresStore({ url: process.env.SLUICE_TEST_PG_URL!, schema });
 *   return { store, cleanup: async () => { await store.close(); await dropSchema(schema); } };
 * });
 */
export function describeStoreContract(label: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${label}`, () => {
    let underTest: StoreUnderTest | undefined;

    beforeEach(async () => {
      underTest = await factory();
    });

    afterEach(async () => {
      await underTest?.cleanup();
      underTest = undefined;
    });

    const current = (): Store => {
      if (underTest === undefined) throw new Error("the store factory has not run for this test");
      return underTest.store;
    };

    describeQueueContract(current);
    describeSettleContract(current);
    describeLogContract(current);
    describeOrderingContract(current);
    describeDeadLetterContract(current);
    describeBodiesContract(current);
    describeSealedTextContract(current);
    describeAuditContract(current);
    describeRetentionContract(current);
    describeObserveContract(current);
    describeConfigContract(current);
    describeUsersContract(current);
  });
}
