import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * Where `npm run build` puts the web UI (`vite build --config ui/vite.config.ts`): `dist/ui` at the
 * repository root. This module lives two folders below the root both as source (`src/admin`) and
 * built (`dist/admin`), so the same relative URL finds it from either.
 */
export const UI_DIST_DIR = fileURLToPath(new URL("../../dist/ui/", import.meta.url));

/**
 * The console's Content-Security-Policy: everything from Sluice itself, nothing inline, no frames.
 * The UI has no inline script or style and talks only to `/admin/api` on the same origin.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** Sent with every UI answer, files and errors alike. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": UI_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

/** Hashed file names change with their content, so a browser may keep them for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";

export const UI_NOT_BUILT_MESSAGE = "the web UI is not built: run npm run build\n";

export interface UiStaticOptions {
  /** The built UI's folder (holding `index.html` and `assets/`). Default `UI_DIST_DIR`. */
  dir?: string;
}

/**
 * Serve the built web console from the admin server: `GET /` (and `/index.html`) answers
 * `index.html` (never cached: it names the current hashed bundles), `GET /assets/<file>` the hashed
 * files (cached as immutable). Files are read on each request from `dir`, so a rebuild is picked up
 * without a restart and a missing build answers `503` with a plain explanation. A path holding `..`,
 * a backslash or a NUL is refused with 400; every answer carries the console's strict CSP,
 * `nosniff` and `no-referrer`. These URLs need no authentication: they hold no data (the admin API
 * under `/admin/api` does, and stays guarded).
 *
 * @example
 * const app = createAdminApp(deps);
 * registerUiStatic(app);                      // dist/ui
 * registerUiStatic(app, { dir: "/tmp/ui" });  // tests
 */
export function registerUiStatic(app: FastifyInstance, options: UiStaticOptions = {}): void {
  const root = resolve(options.dir ?? UI_DIST_DIR);
  const assets = join(root, "assets");

  const sendIndex = async (reply: FastifyReply) => {
    const html = await readRegularFile(join(root, "index.html"));
    if (html === null) return sendText(reply, 503, UI_NOT_BUILT_MESSAGE);
    return withSecurityHeaders(reply)
      .code(200)
      .header("content-type", CONTENT_TYPES[".html"])
      .header("cache-control", "no-store")
      .send(html);
  };

  app.get("/", (_request, reply) => sendIndex(reply));
  app.get("/index.html", (_request, reply) => sendIndex(reply));
  app.get("/assets/*", async (request, reply) => {
    const relative = (request.params as { "*"?: string })["*"] ?? "";
    if (!isSafeRelativePath(relative)) return sendText(reply, 400, "bad path\n");
    const file = resolve(assets, relative);
    if (!file.startsWith(assets + sep)) return sendText(reply, 400, "bad path\n");
    const content = await readRegularFile(file);
    if (content === null) {
      const built = (await readRegularFile(join(root, "index.html"))) !== null;
      return built ? sendText(reply, 404, "not found\n") : sendText(reply, 503, UI_NOT_BUILT_MESSAGE);
    }
    return withSecurityHeaders(reply)
      .code(200)
      .header("content-type", CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream")
      .header("cache-control", IMMUTABLE)
      .send(content);
  });
}

/** A relative path under assets/: no `..` anywhere, not absolute, no empty or `.` segment, no `\\` or NUL. */
function isSafeRelativePath(path: string): boolean {
  if (path === "" || path.includes("..") || /[\\\0]/.test(path)) return false;
  return !path.split("/").some((segment) => segment === "." || segment === "");
}

/** The file's bytes, or null when it is missing or not a regular file. */
async function readRegularFile(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return withSecurityHeaders(reply)
    .code(status)
    .header("content-type", CONTENT_TYPES[".txt"])
    .header("cache-control", "no-store")
    .send(text);
}
