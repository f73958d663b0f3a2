import type { FastifyInstance } from "fastify";
import { hashPassword } from "../../auth/passwords.js";
import type { ConfigRuntime } from "../../config/config-runtime.js";
import { ADMIN_ROUTES, type AdminOperationId } from "../../contracts/admin.js";
import { emptyConfig, type SluiceConfig } from "../../contracts/config.js";
import { configFromDocument } from "../../contracts/config-document.js";
import { Secret } from "../../contracts/secret.js";
import type { Store } from "../../store/port.js";
import { openSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../../test-support/silent-logger.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { createAdminApp } from "../admin-app.js";
import type { DestinationTools } from "../destination-tools.js";
import { buildOpenApiDocument } from "../openapi-document.js";
import { openApiChecker } from "./openapi-check.js";

export const ADMIN_TOKEN = "adm_config_0123456789_TOKEN";
export const VIEWER_TOKEN = "vwr_config_0123456789_TOKEN";
const EDITOR_PASSWORD = "editor-password-0123";
/** Hashed once per test file: scrypt is slow on purpose. */
let editorHash: Promise<string> | undefined;
function editorPasswordHash(): Promise<string> {
  editorHash ??= hashPassword(EDITOR_PASSWORD);
  return editorHash;
}

/**
 * A `ConfigRuntime` as `startSluice` has one, without the lanes: `reload()` reads the latest version
 * from the store and counts its calls; file mode serves a fixed configuration.
 */
export class FakeConfigRuntime implements ConfigRuntime {
  reloads = 0;
  private applied: { version: number | null; config: SluiceConfig } = {
    version: null,
    config: emptyConfig(),
  };

  constructor(
    private readonly store: Store,
    readonly mode: "database" | "file",
    readonly filePath: string | null = null,
    fileConfig: SluiceConfig = emptyConfig(),
    private readonly env: Record<string, string> = {},
  ) {
    if (mode === "file") this.applied = { version: null, config: fileConfig };
  }

  current() {
    return this.applied;
  }

  async reload(): Promise<void> {
    this.reloads += 1;
    const latest = await this.store.latestConfigVersion();
    if (latest === null) return;
    const result = configFromDocument(JSON.parse(latest.document), this.env);
    if (!result.ok) throw new Error(`version ${latest.version} does not apply`);
    this.applied = { version: latest.version, config: result.config };
  }
}

/** A `DestinationTools` that records what it was asked and answers like Customer.io would. */
export function fakeDestinationTools(acceptedKey: string) {
  const calls: { checked: string[]; sent: Parameters<DestinationTools["testSend"]>[0][] } = {
    checked: [],
    sent: [],
  };
  const tools: DestinationTools = {
    async checkCredentials(settings) {
      calls.checked.push(settings.apiKey.reveal());
      return settings.apiKey.reveal() === acceptedKey
        ? { result: "ok", region: "us", message: "credentials valid; workspace region US" }
        : { result: "unauthorized", message: "Customer.io refused the Site ID and API key (401)" };
    },
    async testSend(input) {
      calls.sent.push(input);
      return {
        responses: [
          { method: "POST", url: "http://127.0.0.1:4010/api/v2/batch", status: 200, body: {}, latencyMs: 3 },
        ],
      };
    },
  };
  return { tools, calls };
}

export interface ConfigFixture {
  store: Store;
  app: FastifyInstance;
  runtime: FakeConfigRuntime;
  calls: ReturnType<typeof fakeDestinationTools>["calls"];
  logLines: string[];
  /** Every answer body so far (for "no secret in any answer"). */
  answers: string[];
  clock: { nowMs: number };
  /** One request as admin (default), viewer, editor (signed in) or nobody; the answer must match the OpenAPI document. */
  call(
    operationId: AdminOperationId,
    options?: { url?: string; as?: "admin" | "viewer" | "editor" | null; payload?: unknown },
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field (checked against the OpenAPI document)
  ): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

const check = openApiChecker(buildOpenApiDocument());

/**
 * The admin app over a fresh SQLite store with a fake configuration runtime (database mode unless
 * `file` is given) and fake destination tools accepting `acceptedKey`.
 */
export async function configFixture(
  options: {
    file?: { path: string; config: SluiceConfig };
    env?: Record<string, string>;
    acceptedKey?: string;
    tools?: boolean;
  } = {},
): Promise<ConfigFixture> {
  const dir = tempDir("sluice-config-");
  const store = openSqliteStore({ path: `${dir.path}/sluice.db` });
  const env = options.env ?? {};
  const runtime =
    options.file === undefined
      ? new FakeConfigRuntime(store, "database", null, emptyConfig(), env)
      : new FakeConfigRuntime(store, "file", options.file.path, options.file.config, env);
  const { tools, calls } = fakeDestinationTools(options.acceptedKey ?? "");
  const log = memoryLogger();
  const clock = { nowMs: 1_800_000_000_000 };
  const app = createAdminApp({
    store,
    destinations: () =>
      runtime.current().config.destinations.filter((destination) => destination.type === "customerio"),
    logger: log.logger,
    clock: () => clock.nowMs,
    configRuntime: runtime,
    ...(options.tools === false ? {} : { destinationTools: tools }),
    configEnv: env,
    auth: { adminToken: new Secret(ADMIN_TOKEN), viewerToken: new Secret(VIEWER_TOKEN) },
  });
  await store.createUser({
    name: "eddie",
    role: "editor",
    passwordHash: await editorPasswordHash(),
    createdAtMs: clock.nowMs,
    lastSignInAtMs: null,
  });
  let editor: { cookie: string; csrf: string } | undefined;
  const signInEditor = async () => {
    const response = await app.inject({
      method: "POST",
      url: "/admin/api/session",
      payload: { name: "eddie", password: EDITOR_PASSWORD },
    });
    if (response.statusCode !== 200) throw new Error(`editor sign-in failed: ${response.body}`);
    const cookie = String(response.headers["set-cookie"]).split(";")[0] ?? "";
    return { cookie, csrf: (response.json() as { csrfToken: string }).csrfToken };
  };
  const answers: string[] = [];
  return {
    store,
    app,
    runtime,
    calls,
    logLines: log.lines,
    answers,
    clock,
    async call(operationId, callOptions = {}) {
      const route = ADMIN_ROUTES[operationId];
      const as = callOptions.as === undefined ? "admin" : callOptions.as;
      const headers: Record<string, string> = {};
      if (as === "admin") headers["authorization"] = `Bearer ${ADMIN_TOKEN}`;
      if (as === "viewer") headers["authorization"] = `Bearer ${VIEWER_TOKEN}`;
      if (as === "editor") {
        editor ??= await signInEditor();
        headers["cookie"] = editor.cookie;
        headers["x-csrf-token"] = editor.csrf;
      }
      const response = await app.inject({
        method: route.method,
        url: callOptions.url ?? route.path,
        headers,
        ...(callOptions.payload === undefined ? {} : { payload: callOptions.payload as string }),
      });
      answers.push(response.body);
      const body = response.json();
      const problems = check(operationId, response.statusCode, body);
      if (problems.length > 0) {
        throw new Error(
          `${operationId} ${response.statusCode} does not match the OpenAPI document: ${problems.join("; ")}\n${response.body}`,
        );
      }
      return { status: response.statusCode, body, text: response.body };
    },
    async close() {
      await app.close();
      await store.close();
      dir.remove();
    },
  };
}
