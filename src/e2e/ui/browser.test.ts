import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type StartedBrowser } from "./browser.js";

describe("Chromium for the web UI tests", () => {
  let started: StartedBrowser;
  beforeAll(async () => {
    started = await launchChromium();
  });
  afterAll(async () => {
    await started?.close();
  });

  it("starts, renders a local page and runs its script", async () => {
    const server = createServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end("<!doctype html><button id=b onclick=\"this.textContent='clicked'\">press</button>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const page = await started.browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.getByRole("button", { name: "press" }).click();
      expect(await page.locator("#b").textContent()).toBe("clicked");
      await page.close();
    } finally {
      server.close();
    }
  });
});
