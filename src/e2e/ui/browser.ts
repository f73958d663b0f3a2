import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium, driven by playwright-core (no browser download). `SLUICE_CHROMIUM` overrides the
 * path. There is no "skip when missing": the web UI's tests fail loudly when Chromium is absent or
 * cannot start, with the way to fix it (`.ci/run` installs it with apt-get).
 */
export const CHROMIUM_PATH = process.env["SLUICE_CHROMIUM"] ?? "/usr/bin/chromium";

/**
 * The flags a root sandbox needs: no setuid sandbox, no GPU, and no background connections to Google's
 * hosts (the machine's network refuses them, many at a time).
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface StartedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launch Chromium (playwright gives it a fresh, temporary profile).
 *
 * @example
 * const { browser, close } = await launchChromium();
 * const page = await browser.newPage();
 */
export async function launchChromium(): Promise<StartedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set SLUICE_CHROMIUM; the web UI tests cannot run without it`,
    );
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, timeout: 30_000 });
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM_PATH} could not start: ${(error as Error).message}`);
  }
  return {
    browser,
    close: () => browser.close().catch(() => undefined),
  };
}
