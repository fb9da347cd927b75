import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, chooseLanguage, launch, openPage, PHONE, screenshot, signIn } from "./browser";

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

async function chooseScope(target: Page, object: string, scope: string): Promise<void> {
  await target.getByLabel(`Scope of ${object}`).click();
  await target.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${scope}"]`).click();
}

async function openSalesRep(target: Page): Promise<void> {
  await target.goto("/admin/roles");
  await target.getByRole("link", { name: "Sales rep" }).click();
  await target.getByTestId("role-matrix").waitFor();
}

describe("administration", () => {
  test("a role's scope changes in the matrix, stays after a reload and shows in the audit log", async () => {
    await page.getByRole("link", { name: "Roles" }).click();
    await page.getByRole("link", { name: "Sales rep" }).click();
    const matrix = page.getByTestId("role-matrix");
    await matrix.waitFor();
    expect(await page.getByLabel("Contacts: Export").isChecked()).toBe(true);
    expect(await page.getByLabel("Contacts: Delete").isChecked()).toBe(false);

    await chooseScope(page, "Contacts", "Department");
    await page.getByText("Unsaved changes").waitFor();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Role saved.").waitFor();
    await page.reload();
    await matrix.waitFor();
    expect(await matrix.getByRole("row", { name: /Contacts/ }).textContent()).toContain("Department");
    expect(await matrix.getByRole("row", { name: /Accounts/ }).textContent()).toContain("Own and subordinates'");

    // The fields drawer shows the role's rules for one object.
    await page.getByRole("button", { name: /Field access for Accounts/ }).click();
    const drawer = page.getByRole("dialog");
    expect(await drawer.getByRole("radiogroup", { name: "Access to Level" }).getByRole("radio", { name: "Read-only" }).isChecked()).toBe(true);
    await drawer.getByRole("button", { name: "Close" }).click();
    await drawer.waitFor({ state: "hidden" });
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "roles-matrix");

    const phone = await openPage(browser, { viewport: PHONE });
    await signIn(phone, "admin@example.com");
    await openSalesRep(phone);
    await screenshot(phone, "roles-matrix");
    await phone.context().close();

    await page.goto("/admin/audit");
    await page.getByLabel("Action").fill("role.*");
    await page.keyboard.press("Enter");
    const entry = page.getByRole("row", { name: /role\.update/ }).first();
    await entry.waitFor();
    expect(await entry.textContent()).toContain("Sales rep");
    expect(await entry.textContent()).toContain("department");

    // Put the scope back: the other e2e files sign in as reps.
    await openSalesRep(page);
    await chooseScope(page, "Contacts", "Own and subordinates'");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Role saved.").waitFor();
  });

  test("an administrator deactivates and reactivates a user, and invites one", async () => {
    await page.goto("/admin/users");
    await page.getByRole("row", { name: /Ma Chao/ }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "admin-users");

    await page.getByLabel("Name or e-mail").fill("marketer");
    await page.keyboard.press("Enter");
    const row = page.getByRole("row", { name: /Ma Chao/ });
    await expect.poll(() => page.locator(".ant-table-row").count()).toBe(1);
    await row.getByRole("button", { name: "Deactivate" }).click();
    await page.locator(".ant-popconfirm").getByRole("button", { name: "Deactivate" }).click();
    await page.getByText("马超 Ma Chao was deactivated.").waitFor();
    await expect.poll(() => row.textContent()).toContain("Inactive");

    await row.getByRole("button", { name: "Reactivate" }).click();
    await page.getByText("马超 Ma Chao was reactivated.").waitFor();
    await expect.poll(() => row.textContent()).toContain("Active");
    expect(await row.textContent()).not.toContain("Inactive");

    // Inviting someone whose e-mail is taken puts the server's refusal on the field.
    await page.getByRole("button", { name: "Invite user" }).first().click();
    const drawer = page.getByRole("dialog");
    await drawer.getByLabel("Name").fill("钱文员 Qian");
    await drawer.getByLabel("E-mail").fill("rep.liu@example.com");
    await drawer.getByLabel("Roles").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Service agent" }).click();
    await drawer.getByRole("button", { name: "Invite user" }).click();
    await drawer.getByText("is already taken").waitFor();
    await drawer.getByLabel("E-mail").fill("clerk.qian@example.com");
    await drawer.getByRole("button", { name: "Invite user" }).click();
    await page.getByText("User invited.").waitFor();
    await page.getByLabel("Name or e-mail").fill("clerk.qian");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".ant-table-row").first().textContent()).toContain("Service agent");
  });

  test("a department is added under another and the audit log pages", async () => {
    await page.getByRole("link", { name: "Departments" }).click();
    await page.getByRole("tree").getByText("销售中心 Sales").click();
    await page.getByRole("button", { name: "Add sub-department" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Department name").fill("西南销售部 Southwest sales");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByText("Department created.").waitFor();
    await page.getByRole("tree").getByText("西南销售部 Southwest sales").waitFor();
    await dialog.waitFor({ state: "hidden" });
    // Messages from the steps before fade out first; they are not part of the screen.
    await page.waitForFunction(() => !document.querySelector(".ant-message-notice"), undefined, { timeout: 10_000 });
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "admin-departments");

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("row", { name: /department\.create/ }).first().waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "admin-audit");

    const phone = await openPage(browser, { viewport: PHONE });
    await signIn(phone, "admin@example.com");
    await phone.goto("/admin/users");
    await phone.getByRole("row", { name: /Ma Chao/ }).waitFor();
    await screenshot(phone, "admin-users");
    await phone.goto("/admin/departments");
    await phone.getByRole("tree").waitFor();
    await screenshot(phone, "admin-departments");
    await phone.context().close();
  });
});
