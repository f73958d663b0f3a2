// Child process of the kill -9 durability test (sqlite-store.test.ts).
// Usage: node enqueue-until-killed.mjs <compiled sqlite-store.js> <database path>
// Enqueues events from many concurrent writers, and prints each messageId on its own line only after
// its enqueue resolved (= was acknowledged). It also claims and settles, as the delivery workers would.
// It runs until the parent kills it with SIGKILL.
import { pathToFileURL } from "node:url";

const [storeModule, dbPath] = process.argv.slice(2);
const { openSqliteStore } = await import(pathToFileURL(storeModule).href);
const store = openSqliteStore({ path: dbPath });
const body = JSON.stringify({ type: "track", event: "Viewed", properties: { padding: "p".repeat(800) } });
let next = 0;

async function writer() {
  for (;;) {
    const count = 1 + (next % 3);
    const ids = Array.from({ length: count }, () => `k${next++}`);
    await store.enqueue(
      ids.map((messageId) => ({
        sourceName: "web",
        messageId,
        eventType: "track",
        receivedAtMs: Date.now(),
        body,
        destinations: ["cio", "other"],
      })),
    );
    process.stdout.write(ids.map((id) => `${id}\n`).join(""));
  }
}

async function deliverer() {
  for (;;) {
    const nowMs = Date.now();
    const claimed = await store.claim("cio", { limit: 200, nowMs, leaseMs: 60_000 });
    await store.settle(
      claimed.map((d) => ({
        deliveryId: d.deliveryId,
        leaseToken: d.leaseToken,
        state: "delivered",
        attempts: 1,
        status: 200,
      })),
      nowMs,
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

process.stdout.write("ready\n");
for (let i = 0; i < 32; i += 1) void writer();
void deliverer();
