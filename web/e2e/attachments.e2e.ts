import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, chooseLanguage, launch, openPage, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

describe("attachments", () => {
  test("a file attached to an account is listed, downloadable and in its timeline", async () => {
    const page = await openPage(browser);
    await signIn(page, "admin@example.com");
    await chooseLanguage(page, "en");
    await page.goto("/o/account");
    await page.locator(".ant-table-row a").first().click();
    await page.getByRole("tab", { name: "Attachments" }).click();
    const tab = page.getByTestId("attachments");
    await tab.getByText("Click or drag files here to attach them").waitFor();
    await tab.getByText("No attachments yet.").waitFor();

    await tab.locator('input[type="file"]').setInputFiles({
      name: "合同扫描件.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4 signed contract"),
    });
    const link = tab.getByRole("link", { name: "合同扫描件.pdf" });
    await link.waitFor();
    expect(await link.getAttribute("href")).toMatch(/^\/api\/v1\/files\/[0-9a-f-]{36}$/);
    expect(await tab.textContent()).toContain("24 B");
    const timeline = page.getByTestId("timeline");
    await expect.poll(() => timeline.textContent()).toContain("attached a file");
    const downloaded = await page.request.get((await link.getAttribute("href")) ?? "");
    expect(await downloaded.text()).toBe("%PDF-1.4 signed contract");
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "attachments");

    // Put the shared demo data back: remove it again (the timeline keeps that too).
    await tab.getByRole("button", { name: "Remove 合同扫描件.pdf" }).click();
    await page.locator(".ant-popconfirm").getByRole("button", { name: "Remove" }).click();
    await tab.getByText("No attachments yet.").waitFor();
    await expect.poll(() => timeline.textContent()).toContain("removed a file");
    await page.context().close();
  });
});
