import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, chooseLanguage, launch, openPage, screenshot, signIn } from "./browser";

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  page = await openPage(browser);
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, "en");
});

afterAll(async () => {
  await browser.close();
});

async function addField(type: string, zh: string, en: string, extra?: () => Promise<void>): Promise<void> {
  await page.getByRole("button", { name: "New field" }).first().click();
  const drawer = page.getByRole("dialog");
  await drawer.getByLabel("Field type").click();
  await page.keyboard.type(type); // the list is virtual: only what fits is rendered
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: type }).first().click();
  await drawer.getByLabel("Label (Chinese)").fill(zh);
  await drawer.getByLabel("Label (English)").fill(en);
  if (extra) await extra();
  await drawer.getByRole("button", { name: "Save" }).click();
  await page.getByRole("cell", { name: en, exact: true }).waitFor();
}

describe("the no-code builder", () => {
  test("an administrator creates an object with three fields and uses it at once", async () => {
    await page.goto("/admin/objects");
    await page.getByRole("button", { name: "New object" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Label (Chinese)").first().fill("项目");
    await dialog.getByLabel("Label (English)").first().fill("Project");
    await dialog.getByLabel("Plural (English)").fill("Projects");
    expect(await dialog.getByLabel("API name").inputValue()).toBe("project");
    await dialog.locator("label[title=rocket]").click();
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.waitForURL("**/admin/objects/project");

    await addField("Text", "项目名称", "Project name");
    await addField("Currency", "预算", "Budget");
    await addField("Picklist", "阶段", "Stage", async () => {
      const drawer = page.getByRole("dialog");
      for (const [zh, en] of [["规划", "Planning"], ["执行", "Running"], ["完成", "Done"]] as const) {
        await drawer.getByRole("button", { name: "Add option" }).click();
        const row = drawer.getByTestId("picklist-option").last();
        await row.getByLabel("Label (Chinese)").fill(zh);
        await row.getByLabel("Label (English)").fill(en);
      }
    });
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "builder-fields");

    // A formula's error shows as one types, and goes when it is right.
    await page.getByRole("button", { name: "New field" }).first().click();
    const drawer = page.getByRole("dialog");
    await drawer.getByLabel("Field type").click();
    await page.keyboard.type("Formula");
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Formula" }).first().click();
    await drawer.getByLabel("Formula").fill("budget * ");
    await drawer.getByTestId("formula-error").waitFor();
    await drawer.getByLabel("Formula").fill("budget * 2");
    await drawer.getByTestId("formula-ok").waitFor();
    await drawer.getByRole("button", { name: "Cancel" }).click();

    // The new object is in everyone's navigation and works like any other.
    await page.getByRole("link", { name: "Projects" }).first().click();
    await page.waitForURL("**/o/project");
    await page.getByRole("button", { name: /^(plus )?New$/ }).click();
    await page.getByRole("heading", { name: "New Project" }).waitFor();
    await page.getByLabel("Project name").fill("华东仓储系统升级");
    await page.getByLabel("Budget").fill("1250000");
    await page.getByLabel("Stage").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Planning" }).click();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name: "华东仓储系统升级" }).waitFor();
    expect(await page.locator(".ant-layout-content").textContent()).toContain("¥1,250,000.00");

    await page.getByRole("button", { name: /^(edit )?Edit$/ }).click();
    await page.getByLabel("Stage").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Running" }).click();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: /^(edit )?Edit$/ }).waitFor();
    expect(await page.locator(".ant-layout-content").textContent()).toContain("Running");

    await page.getByRole("link", { name: "Projects" }).first().click();
    await page.getByRole("searchbox", { name: "Quick search" }).fill("仓储");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("total").textContent()).toBe("1 record");
    expect(await page.locator(".ant-table-row").first().textContent()).toContain("Running");
  });
});
