import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launch, openPage } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

describe("API reference", () => {
  test("/api/docs shows the API with nothing loaded from another host", async () => {
    const page = await openPage(browser);
    const elsewhere: string[] = [];
    // A private deployment has no internet: any request leaving the server fails here.
    await page.route(
      (url) => url.hostname !== "127.0.0.1" && url.hostname !== "localhost",
      async (route) => {
        elsewhere.push(route.request().url());
        await route.abort();
      },
    );
    await page.goto("/api/docs");
    await expect.poll(() => page.locator(".swagger-ui .info .title").textContent()).toContain("Guanxi");
    await page.locator(".swagger-ui .opblock").first().waitFor();
    expect(elsewhere).toEqual([]);
    await page.context().close();
  });
});
