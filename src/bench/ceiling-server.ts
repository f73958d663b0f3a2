import Fastify from "fastify";

/**
 * The ceiling for the ingest benchmark: the same HTTP framework parsing the same JSON body and
 * answering 200, with no validation and no storage. Durable ingest is compared against it.
 */
const app = Fastify({ logger: false, bodyLimit: 512 * 1024 });
app.post("/v1/track", async (request) => {
  void request.body;
  return { success: true };
});
const port = Number(process.env["PORT"] ?? 0);
await app.listen({ port, host: "127.0.0.1" });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ listening: typeof address === "object" && address ? address.port : port })}\n`,
);
process.once("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
