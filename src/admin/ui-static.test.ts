import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { join, sep } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Secret } from "../contracts/secret.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import { memoryLogger } from "../test-support/silent-logger.js";
import { tempDir } from "../test-support/temp-dir.js";
import { startAdminServer } from "./start-admin-server.js";
import { ADMIN_TOKEN, adminFixture } from "./test-support/admin-fixture.js";
import { registerUiStatic, UI_CONTENT_SECURITY_POLICY, UI_DIST_DIR } from "./ui-static.js";

const INDEX = '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = "console.log('sluice');";
const STYLE = "body{color:#111}";

let dir: { path: string; remove: () => void };
let app: FastifyInstance;

/** A built UI in a temporary folder, plus a secret file next to it that must never be served. */
function writeBuiltUi(root: string): void {
  mkdirSync(join(root, "assets", "nested"), { recursive: true });
  writeFileSync(join(root, "index.html"), INDEX);
  writeFileSync(join(root, "assets", "index-abc123.js"), SCRIPT);
  writeFileSync(join(root, "assets", "index-abc123.css"), STYLE);
  writeFileSync(join(root, "assets", "index-abc123.js.map"), "{}");
  writeFileSync(join(root, "assets", "logo-1.svg"), "<svg/>");
  writeFileSync(join(root, "assets", "data.bin"), "x");
  writeFileSync(join(root, "assets", "nested", "a.js"), "1");
  writeFileSync(join(root, "secret.txt"), "TOP-SECRET");
}

/** A GET with the path sent exactly as given (no client-side normalisation of `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers["content-security-policy"]).toBe(UI_CONTENT_SECURITY_POLICY);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
}

beforeEach(() => {
  dir = tempDir("sluice-ui-");
  app = Fastify({ logger: false });
});
afterEach(async () => {
  await app.close();
  dir.remove();
});

describe("registerUiStatic", () => {
  it("serves index.html at / (and /index.html), never cached, with the security headers", async () => {
    writeBuiltUi(dir.path);
    registerUiStatic(app, { dir: dir.path });
    for (const url of ["/", "/index.html"]) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(INDEX);
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["cache-control"]).toBe("no-store");
      expectSecurityHeaders(response.headers);
    }
  });

  it("serves hashed assets with their content type, cached as immutable", async () => {
    writeBuiltUi(dir.path);
    registerUiStatic(app, { dir: dir.path });
    const cases: [string, string, string][] = [
      ["/assets/index-abc123.js", "text/javascript; charset=utf-8", SCRIPT],
      ["/assets/index-abc123.css", "text/css; charset=utf-8", STYLE],
      ["/assets/index-abc123.js.map", "application/json; charset=utf-8", "{}"],
      ["/assets/logo-1.svg", "image/svg+xml", "<svg/>"],
      ["/assets/data.bin", "application/octet-stream", "x"],
      ["/assets/nested/a.js", "text/javascript; charset=utf-8", "1"],
    ];
    for (const [url, type, body] of cases) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"], url).toBe(type);
      expect(response.body, url).toBe(body);
      expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expectSecurityHeaders(response.headers);
    }
    const head = await app.inject({ method: "HEAD", url: "/assets/index-abc123.js" });
    expect(head.statusCode).toBe(200);
    expect(head.headers["content-type"]).toBe("text/javascript; charset=utf-8");
  });

  it("refuses any path with .. (also encoded), and never serves a file outside assets/", async () => {
    writeBuiltUi(dir.path);
    registerUiStatic(app, { dir: dir.path });
    for (const url of [
      "/assets/..%2fsecret.txt",
      "/assets/nested/..%2f..%2fsecret.txt",
      "/assets/%2e%2e%5csecret.txt",
      "/assets/x..js",
      "/assets/%2fetc%2fpasswd",
      "/assets/nested%00.js",
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(400);
      expect(response.body, url).toBe("bad path\n");
      expectSecurityHeaders(response.headers);
    }
    expect((await app.inject({ url: "/secret.txt" })).statusCode).toBe(404);
  });

  it("refuses a raw ../ sent over HTTP as it is (inject would normalise it away)", async () => {
    writeBuiltUi(dir.path);
    registerUiStatic(app, { dir: dir.path });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    for (const path of [
      "/assets/../secret.txt",
      "/assets/nested/../../secret.txt",
      "/assets/%2e%2e/secret.txt",
    ]) {
      const { status, body } = await rawGet(port, path);
      expect(body, path).not.toContain("TOP-SECRET");
      expect(status, path).toBe(400);
    }
    expect((await rawGet(port, "/assets/index-abc123.js")).body).toBe(SCRIPT);
  });

  it("answers 404 for a missing asset and for a folder", async () => {
    writeBuiltUi(dir.path);
    registerUiStatic(app, { dir: dir.path });
    for (const url of ["/assets/missing-1.js", "/assets/nested"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers["cache-control"]).toBe("no-store");
      expectSecurityHeaders(response.headers);
    }
  });

  it("answers 503 with a plain explanation when the UI is not built", async () => {
    registerUiStatic(app, { dir: join(dir.path, "nothing-here") });
    for (const url of ["/", "/assets/index-abc123.js"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(503);
      expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(response.body).toBe("the web UI is not built: run npm run build\n");
      expectSecurityHeaders(response.headers);
    }
  });

  it("picks up a rebuild without a restart", async () => {
    registerUiStatic(app, { dir: dir.path });
    expect((await app.inject({ url: "/" })).statusCode).toBe(503);
    writeBuiltUi(dir.path);
    expect((await app.inject({ url: "/" })).statusCode).toBe(200);
  });

  it("defaults to dist/ui at the repository root", () => {
    // vitest runs from the repository root
    expect(UI_DIST_DIR).toBe(join(process.cwd(), "dist", "ui") + sep);
  });
});

describe("the UI on the admin app", () => {
  it("needs no token, while the admin API under /admin/api still does", async () => {
    writeBuiltUi(dir.path);
    const fx = await adminFixture();
    try {
      registerUiStatic(fx.app, { dir: dir.path });
      const page = await fx.app.inject({ url: "/" });
      expect(page.statusCode).toBe(200);
      expect(page.body).toBe(INDEX);
      expectSecurityHeaders(page.headers);
      const asset = await fx.app.inject({ url: "/assets/index-abc123.js" });
      expect(asset.statusCode).toBe(200);
      const api = await fx.app.inject({ url: "/admin/api/health" });
      expect(api.statusCode).toBe(401);
    } finally {
      await fx.close();
    }
  });
});

describe("startAdminServer", () => {
  it("serves the web UI (built or not) at / beside the guarded admin API", async () => {
    const store = openSqliteStore({ path: join(dir.path, "sluice.db") });
    const admin = await startAdminServer(
      { store, destinations: () => [], logger: memoryLogger().logger, clock: Date.now },
      { adminPort: 0, adminHost: "127.0.0.1", adminToken: new Secret(ADMIN_TOKEN), viewerToken: null },
    );
    try {
      // dist/ui exists after `npm run build` (200) and not before it (503): both are the UI's answer.
      const page = await fetch(`${admin.url}/`);
      expect([200, 503]).toContain(page.status);
      expect(page.headers.get("content-security-policy")).toBe(UI_CONTENT_SECURITY_POLICY);
      expect((await fetch(`${admin.url}/admin/api/health`)).status).toBe(401);
    } finally {
      await admin.close();
      await store.close();
    }
  });
});
