import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The web UI: a Preact app built into dist/ui and served by the admin server at `/`. It imports the
 * server's own pure modules (mapping, preview, privacy, contracts) from ../src, so the example pane runs
 * exactly the code the delivery lane runs. No request ever leaves for a third-party host: fonts, icons
 * and scripts are all bundled.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // The UI runs in current browsers only (it is an admin tool); no legacy bundle.
    target: "es2022",
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` for UI work: API calls go to a running Sluice's admin port.
    proxy: { "/admin/api": "http://127.0.0.1:8081" },
  },
});
