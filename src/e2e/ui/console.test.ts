import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTrackOpenApi } from "../../destinations/customerio/simulator/openapi-validator.js";
import { type Simulator, startSimulator } from "../../destinations/customerio/simulator/simulator.js";
import { type RunningSluice, readEnv, startSluice } from "../../main.js";
import { memoryLogger } from "../../test-support/silent-logger.js";
import { tempDir } from "../../test-support/temp-dir.js";
import { launchChromium, type StartedBrowser } from "./browser.js";

/**
 * The web console end to end, in Debian's Chromium: first-run setup and sign-in, Customer.io set up
 * against the strict simulator, an Event action for "Order Completed" mapped in the editor, the
 * example pane's exact request (compared with the server's own preview), a test send, publish, a real
 * event through the ingest API seen delivered in the live events, and a viewer who never sees values.
 *
 * Screenshots of the main screens are taken along the way: into docs/screenshots/ (the README shows
 * them) when SLUICE_UPDATE_SCREENSHOTS=1, else into a temporary directory.
 */

const SITE_ID = "site-e2e";
const API_KEY = "key-e2e-0001";
const ADMIN = { name: "alice", password: "correct horse battery staple" };
const VIEWER = { name: "victor", password: "viewer passphrase 4 agency" };
/** A value only the event carries: it must never reach a viewer's screen. */
const CANARY = "canary-plan-5521";

const SHOTS = process.env["SLUICE_UPDATE_SCREENSHOTS"] === "1" ? resolve("docs/screenshots") : null;

describe("the web console", { timeout: 120_000 }, () => {
  let sim: Simulator;
  let sluice: RunningSluice;
  let chromium: StartedBrowser;
  let context: BrowserContext;
  let page: Page;
  const dir = tempDir("sluice-console-");
  const shotsDir = SHOTS ?? join(dir.path, "screenshots");
  const log = memoryLogger();
  const requested: string[] = [];

  const shot = async (name: string, target: Page = page) => {
    await target.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: false });
  };

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY, openApi: loadTrackOpenApi() });
    const env = readEnv({ PORT: "0", SLUICE_DATA_DIR: join(dir.path, "data") }, dir.path);
    sluice = await startSluice({ env, rawEnv: {}, logger: log.logger });
    chromium = await launchChromium();
    context = await chromium.browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    // Every request the console makes, to prove it never calls another host.
    context.on("request", (sent) => requested.push(sent.url()));
    // A missing element fails its step in 10 s, naming the locator, well before the test's own timeout.
    context.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await chromium?.close();
    await sluice?.stop();
    await sim?.close();
    dir.remove();
  });

  it("creates the first admin account, signs out and signs in again", async () => {
    await page.goto(`${sluice.adminUrl}/`);
    await expect
      .poll(() => page.getByRole("heading", { name: "Create the first admin account" }).count())
      .toBe(1);
    await page.getByLabel("Name").fill(ADMIN.name);
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByLabel("Repeat the password").fill(ADMIN.password);
    await page.getByRole("button", { name: /create/i }).click();
    await page.getByRole("button", { name: "Sign out" }).click();

    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // By keyboard only: type the name, Tab to the password, Enter submits.
    await page.getByLabel("Name").focus();
    await page.keyboard.type(ADMIN.name);
    await page.keyboard.press("Tab");
    await page.keyboard.type("not the password at all");
    await page.keyboard.press("Enter");
    await page
      .getByRole("alert")
      .filter({ hasText: /name or password/i })
      .waitFor();
    await page.getByLabel("Password").fill(ADMIN.password);
    await shot("sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`${ADMIN.name} (admin)`).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === "sluice_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  });

  let writeKey = "";

  it("sets up a source and Customer.io against the simulator, checking the credentials", async () => {
    await page.getByRole("link", { name: "Sources" }).click();
    await page.getByLabel("Source name").fill("website");
    await page.getByRole("button", { name: "Add source" }).click();
    await page.getByText("Added website").waitFor();
    writeKey =
      (await page
        .locator("code", { hasText: /^wk_live_/ })
        .first()
        .textContent()) ?? "";
    expect(writeKey).toMatch(/^wk_live_[0-9a-f]{32}$/);

    await page.getByRole("link", { name: "Destinations" }).click();
    await page.getByRole("button", { name: "Add a Customer.io destination" }).click();
    await page.getByLabel("Name").fill("cio");
    await page.getByLabel("Site ID").fill(SITE_ID);
    await page.getByLabel("API key").fill("wrong-key-0000");
    await page.getByText("Advanced: track URL").click();
    await page.getByLabel("Track URL").fill(sim.url);
    await page.getByRole("button", { name: "Check credentials" }).click();
    await expect
      .poll(() => page.getByTestId("credentials-result").textContent())
      .toMatch(/401|refused|wrong|invalid/i);
    await page.getByLabel("API key").fill(API_KEY);
    await page.getByRole("button", { name: "Check credentials" }).click();
    await expect
      .poll(() => page.getByTestId("credentials-result").textContent())
      .toMatch(/Credentials valid/);
    await shot("destination");
    await page.getByRole("button", { name: "Save to draft" }).click();
    await page.waitForURL(/#\/destinations\/cio$/);
    // Write-only: the key is not in the page once saved.
    expect(await page.content()).not.toContain(API_KEY);
  });

  it("creates an Event action for Order Completed whose example pane shows the exact request", async () => {
    await page.getByRole("link", { name: /Actions and mappings/ }).click();
    await page.getByLabel("Action type").selectOption("event");
    await page.getByLabel("Action name").fill("Order Completed");
    await page.getByRole("button", { name: "Add action" }).click();
    await page.waitForURL(/#\/destinations\/cio\/actions\/Order%20Completed$/);

    // Trigger: track calls named "Order Completed".
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Path of condition 2").fill("$.event");
    await page.getByLabel("Value of condition 2").fill("Order Completed");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(/saved/i).first().waitFor();

    // First in the list, so that "run the first matching action" picks it.
    await page.getByRole("link", { name: "Actions", exact: true }).click();
    await page.getByRole("heading", { name: "Actions of cio" }).waitFor();
    const up = page.getByRole("button", { name: /Move up\W+Order Completed/ });
    while (await up.isEnabled()) await up.click();
    await shot("actions");
    await page.getByRole("link", { name: "Order Completed" }).first().click();

    const example = {
      type: "track",
      userId: "u-example-1",
      messageId: "example-1",
      timestamp: "2026-11-28T12:00:00.000Z",
      event: "Order Completed",
      properties: { order_id: "ord_1042", total: 42.5, plan: CANARY },
    };
    await page.getByLabel("Event JSON").fill(JSON.stringify(example, null, 2));
    const pane = page.getByRole("region", { name: "Example mapping" });
    await expect.poll(() => pane.textContent()).toMatch(/Exact HTTP request/);
    await expect.poll(() => pane.textContent()).toContain(`${sim.url}/api/v2/batch`);
    const shown = await pane.locator("pre, code").allTextContents();
    const body = shown.find((text) => text.includes('"batch"'));
    expect(body, "the example pane shows the request body").toBeDefined();
    expect(await pane.textContent()).toContain("authorization: Basic [redacted]");
    await page.setViewportSize({ width: 1280, height: 1500 });
    await shot("mapping");
    await page.setViewportSize({ width: 1280, height: 860 });

    // The pane's request is the server's own preview of the same event (once the draft is live).
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByRole("button", { name: "Publish now" }).click();
    await page.getByText(/Published version 1/).waitFor();
    // Asked from the page, as the signed-in admin (session cookie + CSRF token).
    const preview = await page.evaluate(async (event) => {
      const session = (await (await fetch("/admin/api/session")).json()) as { csrfToken: string };
      const response = await fetch("/admin/api/preview", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({ destination: "cio", event }),
      });
      return { status: response.status, body: await response.json() };
    }, example);
    const answer = preview.body as { requests: { url: string; body: unknown }[] };
    expect(preview.status).toBe(200);
    expect(answer.requests).toHaveLength(1);
    const served = answer.requests[0]?.body;
    // The preview carries the body as the exact text sent; the pane pretty-prints the same JSON.
    expect(JSON.parse(body ?? "null")).toEqual(typeof served === "string" ? JSON.parse(served) : served);
    expect(answer.requests[0]?.url).toBe(`${sim.url}/api/v2/batch`);

    // Send test: the strict simulator answers, and says so in plain words.
    await page.getByRole("button", { name: "Send test" }).click();
    await expect.poll(() => page.locator(".cfg-send-test").textContent()).toMatch(/200/);
  });

  it("shows a real event sent through the ingest API as delivered in the live events", async () => {
    const response = await request(`${sluice.url}/v1/track`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`,
      },
      body: JSON.stringify({
        userId: "u-real-1",
        messageId: "msg-real-1",
        event: "Order Completed",
        properties: { order_id: "ord_2001", total: 19.99, plan: CANARY },
      }),
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    await expect
      .poll(() => sim.state.events.filter((event) => event.name === "Order Completed").length, {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(1);

    await page.getByRole("link", { name: "Live events" }).click();
    const row = page.getByRole("row").filter({ hasText: "Order Completed" }).filter({ hasText: "cio" });
    await expect.poll(() => row.first().textContent(), { timeout: 15_000 }).toMatch(/delivered/i);
    await row.first().getByRole("link", { name: "Order Completed" }).click();
    await page.getByText("msg-real-1").first().waitFor();
    await shot("live-events");
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await shot("dashboard");
  });

  it("passes an axe accessibility audit on every main screen (no serious or critical violation)", async () => {
    // axe-core runs inside the page (evaluated through the DevTools protocol, so the console's CSP,
    // which allows no inline script, stays as it is).
    const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    const screens = [
      "",
      "events",
      "events/msg-real-1",
      "dead-letters",
      "sources",
      "destinations",
      "destinations/cio",
      "destinations/cio/actions",
      "destinations/cio/actions/Order%20Completed",
      "versions",
      "audit",
      "users",
    ];
    const found: string[] = [];
    for (const screen of screens) {
      await page.goto(`${sluice.adminUrl}/#/${screen}`);
      await page.locator("main h1").first().waitFor();
      await page.waitForLoadState("networkidle");
      await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } })
          .axe;
        const result = await axe.run();
        return result.violations.map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          targets: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
        }));
      });
      for (const violation of violations) {
        if (violation.impact === "serious" || violation.impact === "critical") {
          found.push(`#/${screen}: ${violation.id} (${violation.impact}) at ${violation.targets.join(", ")}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("lets a viewer see the mapping and the live events, but never a value", async () => {
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("Name").fill(VIEWER.name);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByLabel("Password").fill(VIEWER.password);
    await page.getByRole("button", { name: /add/i }).click();
    await page.getByRole("cell", { name: VIEWER.name }).first().waitFor();

    const viewerContext = await chromium.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const viewer = await viewerContext.newPage();
      await viewer.goto(`${sluice.adminUrl}/`);
      await viewer.getByLabel("Name").fill(VIEWER.name);
      await viewer.getByLabel("Password").fill(VIEWER.password);
      await viewer.getByRole("button", { name: "Sign in" }).click();
      await viewer.getByText(`${VIEWER.name} (viewer)`).waitFor();

      await viewer.goto(`${sluice.adminUrl}/#/destinations/cio/actions/Order%20Completed`);
      await viewer.getByRole("heading", { name: "Example mapping" }).waitFor();
      await viewer.getByLabel("A real event Sluice received").check();
      // Samples are written in the background (every 2 s): refresh until the real event is listed.
      await expect
        .poll(
          async () => {
            const refresh = viewer.getByRole("button", { name: "Refresh list" });
            if ((await refresh.count()) > 0) await refresh.click();
            return viewer.getByLabel("Recent event").count();
          },
          { timeout: 15_000, interval: 500 },
        )
        .toBe(1);
      await viewer.getByText("Your role cannot see event values.").waitFor();
      await viewer.getByText("The event (values masked)").click();
      // The sample is the real event: its keys are shown, its values are not.
      expect(await viewer.locator(".cfg-sample-event pre").textContent()).toContain('"order_id"');
      expect(await viewer.content()).not.toContain(CANARY);
      expect(await viewer.content()).not.toContain("ord_2001");
      expect(await viewer.getByRole("button", { name: "Show values" }).count()).toBe(0);
      expect(await viewer.getByRole("button", { name: "Publish" }).count()).toBe(0);
      expect(await viewer.getByRole("button", { name: "Save" }).count()).toBe(0);
      await shot("viewer-mapping-phone", viewer);

      await viewer.goto(`${sluice.adminUrl}/#/events/msg-real-1`);
      await viewer.getByText("msg-real-1").first().waitFor();
      for (const screen of [viewer]) expect(await screen.content()).not.toContain(CANARY);
      // The write key is masked for viewers too.
      await viewer.goto(`${sluice.adminUrl}/#/sources`);
      await viewer.getByRole("heading", { name: "website" }).waitFor();
      expect(await viewer.content()).not.toContain(writeKey);
    } finally {
      await viewerContext.close();
    }
    // Nothing but Sluice itself was ever asked for anything: no fonts, scripts or analytics elsewhere.
    const origin = new URL(sluice.adminUrl).origin;
    const elsewhere = requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"));
    expect(requested.length).toBeGreaterThan(20);
    expect(elsewhere).toEqual([]);
    // Sluice's logs never hold the event's values or a password.
    expect(log.lines.join("\n")).not.toContain(CANARY);
    expect(log.lines.join("\n")).not.toContain(ADMIN.password);
  });
});

/** The part of an axe-core result the audit reads. */
interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}
