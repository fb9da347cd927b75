import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, chooseLanguage, DESKTOP, launch, openPage, PHONE, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

async function admin(viewport = DESKTOP): Promise<Page> {
  const page = await openPage(browser, { viewport });
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, "en");
  return page;
}

describe("sign-in", () => {
  test("a wrong password is refused with a message and the form stays", async () => {
    const page = await openPage(browser);
    await page.goto("/login");
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "sign-in");
    await page.locator("#email").fill("admin@example.com");
    await page.locator("#password").fill("not the password");
    await page.locator("button[type=submit]").click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not right");
    await page.context().close();
  });

  test("a deep link survives signing in", async () => {
    const page = await openPage(browser);
    await page.goto("/o/contact");
    await page.waitForURL("**/login");
    await page.locator("#email").fill("admin@example.com");
    await page.locator("#password").fill("guanxi-demo");
    await page.locator("button[type=submit]").click();
    await page.waitForURL("**/o/contact");
    await page.context().close();
  });
});

describe("list view", () => {
  test("shows the accounts with their total, sorts and searches", async () => {
    const page = await admin();
    await page.goto("/o/account");
    await expect.poll(() => page.getByTestId("total").textContent()).toMatch(/200 records/);
    await page.locator(".ant-table-row").first().waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "list");
    await page.getByRole("searchbox", { name: "Quick search" }).fill("青岛");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("total").textContent()).not.toMatch(/200 records/);
    const names = await page.locator(".ant-table-row td:nth-child(2)").allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toContain("青岛");
    await page.context().close();
  });

  test("works on a phone", async () => {
    const page = await admin(PHONE);
    await page.goto("/o/account");
    await page.locator(".ant-table-row").first().waitFor();
    await screenshot(page, "list");
    await page.context().close();
  });
});
