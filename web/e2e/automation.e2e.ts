import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, callApi, chooseLanguage, DESKTOP, launch, PHONE, openPage, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

const NAME = "E2E Key account follow-up";
const NAME_ZH = "E2E 重点客户跟进";
const SERVER = { timeout: 10_000 };

/** Choose an option of the Ant Design select labelled `name` inside `scope`. */
async function choose(page: Page, scope: Locator, name: string, option: string | RegExp): Promise<void> {
  await scope.getByLabel(name, { exact: true }).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: option }).first().click();
}

interface AccountPage {
  records: { id: string; name: string; owner_id: string }[];
}

describe("automation rules (自动化规则)", () => {
  test("an administrator builds 'when an account becomes key, a task for its owner and a note to the manager', and sees it run", async () => {
    const page = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(page, "admin@example.com");
    await chooseLanguage(page, "en");

    await page.getByRole("navigation").first().getByRole("link", { name: "Automation rules" }).click();
    await page.getByRole("heading", { name: "Automation rules" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings/automation-rules");

    await page.getByRole("button", { name: "New rule" }).first().click();
    const drawer = page.getByRole("dialog");
    // Checked before anything is sent: the name, the watched field, the task's subject.
    await drawer.getByRole("button", { name: "Create" }).click();
    for (const said of ["Give the rule a name", "Choose a field", "Write a subject"]) await drawer.getByText(said).first().waitFor();
    await drawer.getByLabel("Name (Chinese)").fill(NAME_ZH);
    await drawer.getByLabel("Name (English)").fill(NAME);
    // Accounts and "a field changes" are where a new rule starts.
    expect(await drawer.locator(".ant-form-item", { hasText: "Object" }).first().textContent()).toContain("Account");
    await choose(page, drawer, "Field", "Level");
    await drawer.locator("label.ant-radio-button-wrapper", { hasText: "A value" }).nth(1).click();
    await choose(page, drawer, "To value", "Key account");

    // Action 1 (a task, for the owner by default): its subject with the name inserted.
    await drawer.getByLabel("Task subject", { exact: true }).fill("Visit key account ");
    await choose(page, drawer, "Insert field into Task subject", "· {{name}}");
    expect(await drawer.getByLabel("Task subject", { exact: true }).inputValue()).toBe("Visit key account {{name}}");
    // Action 2: notify the owner's manager.
    await drawer.getByRole("button", { name: "Add action" }).click();
    const notify = drawer.getByTestId("automation-action").nth(1);
    await notify.getByRole("button", { name: "The record's owner" }).click();
    await notify.getByRole("button", { name: "The owner's manager" }).click();
    await notify.getByLabel("Title", { exact: true }).fill("{{name}} is a key account now");
    await drawer.getByRole("button", { name: "Create" }).click();
    await page.getByText(`${NAME} created (version 1)`).waitFor(SERVER);
    const row = page.locator(".ant-table-row", { hasText: NAME });
    expect(await row.textContent()).toContain("Level becomes Key account");
    expect(await row.textContent()).toContain("Not run yet");

    // A sales rep's account (the rep has a manager) becomes key on its record page.
    const zhang = (await callApi<{ users: { id: string }[] }>(page, "GET", "/directory/users?q=Zhang%20Wei")).users[0]?.id ?? "";
    const filter = JSON.stringify({ and: [{ field: "owner_id", op: "eq", value: zhang }, { field: "level", op: "in", value: ["normal", "important"] }] });
    const account = (await callApi<AccountPage>(page, "GET", `/records/account?limit=1&filter=${encodeURIComponent(filter)}`)).records[0];
    if (!account) throw new Error("the demo data has no account of Zhang Wei's that is not key");
    await page.goto(`/o/account/${account.id}`);
    await page.getByRole("heading", { name: account.name }).waitFor();
    await page.getByRole("button", { name: "Edit Level" }).click();
    const editor = page.getByTestId("inline-editor");
    await editor.locator(".ant-select").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Key account" }).click();
    await editor.getByRole("button", { name: "Save" }).click();
    await editor.waitFor({ state: "detached" });

    // The run shows in the list and in the rule's history, with the task it made.
    await page.goto("/settings/automation-rules");
    await expect.poll(() => row.textContent(), SERVER).toContain("Succeeded");
    await row.getByRole("button", { name: `Edit ${NAME}` }).click();
    await drawer.getByRole("tab", { name: "Run history" }).click();
    const run = drawer.locator(".ant-table-row").first();
    await run.waitFor(SERVER);
    expect(await run.textContent()).toContain("1. Create a task · done");
    expect(await run.textContent()).toContain("2. Notify · done");
    expect(await run.textContent()).toContain("Version 1");
    await run.getByRole("link", { name: account.name }).waitFor(SERVER);
    expect(await accessibilityProblems(page)).toEqual([]);
    await run.getByRole("link", { name: "Open", exact: true }).click();
    await page.getByRole("heading", { name: `Visit key account ${account.name}` }).waitFor(SERVER);
    expect(new URL(page.url()).pathname).toMatch(/^\/o\/task\//);

    // A merge field the account does not have: the server's refusal is said on the subject.
    await page.goto("/settings/automation-rules");
    await row.getByRole("button", { name: `Edit ${NAME}` }).click();
    await drawer.getByLabel("Task subject", { exact: true }).fill("Visit {{nickname}}");
    await drawer.getByRole("button", { name: "Publish" }).click();
    const subject = drawer.locator(".ant-form-item", { has: page.getByLabel("Task subject", { exact: true }) }).first();
    await expect.poll(() => subject.locator(".ant-form-item-explain-error").textContent(), SERVER).toContain("nickname");
    // Put right, it publishes version 2; the list says so.
    await drawer.getByLabel("Task subject", { exact: true }).fill("Visit {{name}} this week");
    await drawer.getByRole("button", { name: "Publish" }).click();
    await page.getByText(`${NAME}: version 2 published`).waitFor(SERVER);
    expect(await row.textContent()).toContain("v2");

    // The editor in Chinese, for the eye.
    await chooseLanguage(page, "zh-CN");
    await page.getByRole("heading", { name: "自动化规则" }).waitFor();
    await page.locator(".ant-table-row", { hasText: NAME_ZH }).getByRole("button", { name: `编辑 ${NAME_ZH}` }).click();
    await drawer.getByText("版本 2").first().waitFor();
    await animationsSettled(page);
    await page.screenshot({ path: "/tmp/automation-editor-zh.png" });
    await drawer.getByTestId("automation-action").nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: "/tmp/automation-actions-zh.png" });
    await drawer.getByRole("tab", { name: "运行记录" }).click();
    await drawer.locator(".ant-table-row").first().waitFor();
    await page.screenshot({ path: "/tmp/automation-runs-zh.png" });
    await page.setViewportSize(PHONE);
    await drawer.getByRole("tab", { name: "规则" }).click();
    await animationsSettled(page);
    await page.screenshot({ path: "/tmp/automation-editor-zh-phone.png" });
    await page.close();
  });
});
