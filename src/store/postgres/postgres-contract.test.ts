import { beforeAll } from "vitest";
import { describeStoreContract } from "../store-contract.js";
import { openPostgresStore } from "./postgres-store.js";
import {
  dropSchema,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "./test-support/test-database.js";

// No PostgreSQL: every test of this file fails with how to start it (never a skip, in CI or not).
beforeAll(requirePostgres);

describeStoreContract("postgres", async () => {
  const schema = freshSchemaName();
  const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});
