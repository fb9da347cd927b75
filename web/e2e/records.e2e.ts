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
    // The demo's 200 accounts, those its converted leads made, and any other tests made.
    await expect.poll(() => page.getByTestId("total").textContent()).toMatch(/^2\d\d records$/);
    const everything = await page.getByTestId("total").textContent();
    await page.locator(".ant-table-row").first().waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "list");
    // A column is resized by dragging its header's edge.
    const header = page.locator(".ant-table-thead th", { hasText: "Account name" });
    const before = (await header.boundingBox())?.width ?? 0;
    const handle = (await header.getByRole("separator").boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
    await page.mouse.move(handle.x + 4, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 60, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.move(handle.x + 104, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await header.boundingBox())?.width ?? 0).toBeGreaterThan(before + 40);
    await page.getByRole("searchbox", { name: "Quick search" }).fill("青岛");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("total").textContent()).not.toBe(everything);
    const names = await page.locator(".ant-table-row > .ant-table-cell:nth-child(2)").allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toContain("青岛");
    await page.context().close();
  });

  test("works on a phone: list, kanban and record page", async () => {
    const page = await admin(PHONE);
    await page.goto("/o/account");
    await page.locator(".ant-table-row").first().waitFor();
    await screenshot(page, "list");
    await page.getByText("Kanban", { exact: true }).click();
    await page.getByTestId("kanban-card").first().waitFor();
    await expect.poll(() => page.getByTestId("kanban-count").first().textContent()).not.toBe("…");
    await screenshot(page, "kanban");
    await page.getByTestId("kanban-card").first().locator("a").click();
    await page.locator(".ant-descriptions-item").first().waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "record-page");
    // Nothing is wider than the screen but the tables, which scroll inside themselves.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.context().close();
  });
});

describe("record page and form", () => {
  test("create an account, find it, edit it in place", async () => {
    const page = await admin();
    await page.goto("/o/account/new");
    await page.getByLabel("Account name").fill("Guanxi E2E 测试有限公司");
    await page.getByLabel("Employees").fill("120");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL(/\/o\/account\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: "Guanxi E2E 测试有限公司" }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "record-page");

    await page.goto("/o/account");
    await page.getByRole("searchbox", { name: "Quick search" }).fill("E2E 测试");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("total").textContent()).toMatch(/^1 record$/);
    await page.getByRole("link", { name: "Guanxi E2E 测试有限公司" }).click();

    await page.getByRole("button", { name: /^(edit )?Edit$/ }).click();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "form");
    await page.getByLabel("Employees").fill("150");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: /^(edit )?Edit$/ }).waitFor();
    await expect.poll(() => page.locator("main, .ant-layout-content").first().textContent()).toContain("150");

    // Unsaved changes are guarded when leaving.
    await page.getByRole("button", { name: /^(edit )?Edit$/ }).click();
    await page.getByLabel("Employees").fill("151");
    await page.getByRole("navigation").first().getByRole("link", { name: "Contacts" }).click();
    const leave = page.getByRole("dialog", { name: "Leave without saving?" });
    await leave.getByRole("button", { name: "Keep editing" }).click();
    expect(await page.getByLabel("Employees").inputValue()).toBe("151");
    await page.getByRole("navigation").first().getByRole("link", { name: "Contacts" }).click();
    await page.getByRole("dialog", { name: "Leave without saving?" }).getByRole("button", { name: "Leave" }).click();
    await page.waitForURL("**/o/contact");
    await page.context().close();
  });

  test("a field edited in place shows in its history; a contact added from the related list comes back linked", async () => {
    const page = await admin();
    await page.goto("/o/account");
    const link = page.locator(".ant-table-row a").nth(3);
    const name = ((await link.textContent()) ?? "").trim();
    await link.click();
    await page.getByRole("heading", { name }).waitFor();

    await page.getByRole("button", { name: "Edit Employees" }).click();
    const editor = page.getByTestId("inline-editor");
    await editor.locator("input").fill("2468");
    await page.keyboard.press("Enter");
    await editor.waitFor({ state: "detached" });
    await expect.poll(() => page.locator(".ant-descriptions").first().textContent()).toContain("2,468");

    await page.getByRole("tab", { name: "History" }).click();
    const history = page.getByRole("tabpanel", { name: "History" });
    await expect.poll(() => history.locator(".ant-table-row").first().textContent()).toContain("2,468");
    expect(await history.locator(".ant-table-row").first().textContent()).toContain("Employees");
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole("tab", { name: "Related" }).click();
    await page.getByRole("tabpanel", { name: "Related" }).getByRole("button", { name: /New Contact/ }).click();
    await page.waitForURL("**/o/contact/new");
    // The form starts linked to the account it was opened from.
    await expect.poll(() => page.locator(".ant-select-content", { has: page.locator("#account") }).getAttribute("title")).toBe(name);
    await page.getByLabel("Name", { exact: true }).fill("E2E 关联联系人");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name }).waitFor();
    await page.getByRole("tab", { name: "Related" }).click();
    await page.getByRole("tabpanel", { name: "Related" }).getByRole("link", { name: "E2E 关联联系人" }).waitFor();
    await page.context().close();
  });

  test("a conflicting edit is reported and the user's change re-applied", async () => {
    const mine = await admin();
    const theirs = await admin();
    await mine.goto("/o/account");
    const first = mine.locator(".ant-table-row a").first();
    const href = (await first.getAttribute("href")) ?? "";
    await mine.goto(href);
    await mine.getByRole("button", { name: /^(edit )?Edit$/ }).click();
    await mine.getByLabel("Employees").fill("777");

    // Someone else saves the same record meanwhile.
    await theirs.goto(href);
    await theirs.getByRole("button", { name: /^(edit )?Edit$/ }).click();
    await theirs.getByLabel("Website").fill("https://changed-meanwhile.example.com");
    await theirs.getByRole("button", { name: "Save", exact: true }).click();
    await theirs.getByRole("button", { name: /^(edit )?Edit$/ }).waitFor();

    await mine.getByRole("button", { name: "Save", exact: true }).click();
    const dialog = mine.getByRole("dialog", { name: "Someone else changed this record" });
    await dialog.waitFor();
    expect(await dialog.getByTestId("conflict-fields").textContent()).toContain("Website");
    await dialog.getByRole("button", { name: "Reload and re-apply my changes" }).click();
    expect(await mine.getByLabel("Employees").inputValue()).toBe("777");
    expect(await mine.getByLabel("Website").inputValue()).toBe("https://changed-meanwhile.example.com");
    await mine.getByRole("button", { name: "Save", exact: true }).click();
    await mine.getByRole("button", { name: /^(edit )?Edit$/ }).waitFor();
    const text = (await mine.locator(".ant-layout-content").textContent()) ?? "";
    expect(text).toContain("777");
    expect(text).toContain("changed-meanwhile.example.com");
    await mine.context().close();
    await theirs.context().close();
  });
});

describe("languages", () => {
  test("switching to Chinese shows the screens in Chinese, and it is remembered", async () => {
    const page = await admin();
    await page.goto("/o/account");
    await chooseLanguage(page, "zh-CN");
    await page.getByRole("heading", { name: "客户" }).waitFor();
    const headers = await page.locator(".ant-table-thead th").allTextContents();
    expect(headers.join(" ")).toContain("客户名称");
    const chrome = [
      ...(await page.locator("nav").first().allTextContents()),
      ...(await page.locator("button").allTextContents()),
      ...headers,
    ].join(" ");
    for (const english of ["Home", "Filter", "Columns", "Export", "New", "Accounts", "Account name", "Owner", "Search"]) {
      expect(chrome).not.toContain(english);
    }
    await page.locator(".ant-dropdown:not(.ant-dropdown-hidden)").waitFor({ state: "detached" }).catch(() => undefined);
    await page.waitForTimeout(300); // the menu's closing animation
    await screenshot(page, "list-zh");
    // Saved on the user: a new sign-in elsewhere opens in Chinese.
    const again = await openPage(browser, { language: "en" });
    await signIn(again, "admin@example.com");
    await again.waitForFunction(() => document.documentElement.lang === "zh-CN");
    await chooseLanguage(again, "en");
    await page.context().close();
    await again.context().close();
  });
});

describe("a sales rep", () => {
  test("sees only their own accounts and never the hidden revenue", async () => {
    const page = await openPage(browser);
    await signIn(page, "rep.zhang@example.com");
    await chooseLanguage(page, "en");
    const me = await page.evaluate(async () => (await (await fetch("/api/v1/auth/me")).json()) as { id: string; name: string });
    await page.goto("/o/account");
    await page.locator(".ant-table-row").first().waitFor();
    const total = Number(((await page.getByTestId("total").textContent()) ?? "").replace(/\D/g, ""));
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(200);
    // Every row is theirs: the owner column shows only their name.
    const owners = async () => [...new Set(await page.locator(".ant-table-row > .ant-table-cell:last-child").allTextContents())];
    await expect.poll(owners).toEqual([expect.stringContaining(me.name)]);

    await page.getByRole("button", { name: "Columns" }).click();
    const choices = await page.locator(".ant-popover .ant-checkbox-wrapper").allTextContents();
    expect(choices).toContain("Industry");
    expect(choices).not.toContain("Annual revenue");
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByTestId("filter-condition").first().waitFor();
    await page.getByLabel("Field").click();
    const options = await page.locator(".ant-select-dropdown .ant-select-item-option").allTextContents();
    expect(options.length).toBeGreaterThan(3);
    expect(options.join("|")).not.toContain("Annual revenue");
    await page.keyboard.press("Escape");

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export" }).click();
    await page.getByRole("menuitem", { name: /CSV/ }).click();
    const file = await (await download).path();
    const { readFileSync } = await import("node:fs");
    const csv = readFileSync(file, "utf8");
    expect(csv).not.toContain("annual_revenue");
    expect(csv.split("\n").filter((l) => l.trim()).length - 1).toBe(total);
    const workbook = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export" }).click();
    await page.getByRole("menuitem", { name: /Excel/ }).click();
    expect((await workbook).suggestedFilename()).toMatch(/^account-.*\.xlsx$/);

    await page.locator(".ant-table-row a").first().click();
    await page.getByRole("tab", { name: "Details" }).waitFor();
    expect(await page.locator(".ant-layout-content").textContent()).not.toContain("Annual revenue");
    expect(me.id).toBeTruthy();
    await page.context().close();
  });
});

describe("saved views", () => {
  test("build a filtered view, save it, and reopen it later", async () => {
    const page = await admin();
    await page.goto("/o/account");
    await expect.poll(() => page.getByTestId("total").textContent()).toMatch(/records/);
    const all = (await page.getByTestId("total").textContent()) ?? "";

    await page.getByRole("button", { name: /Filter/ }).click();
    await page.getByRole("button", { name: "Add condition" }).click();
    const condition = page.getByTestId("filter-condition").first();
    await condition.getByLabel("Field").click();
    await page.keyboard.type("Industry");
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Industry$/ }).click();
    await condition.getByLabel("Value").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "IT & software" }).click();
    await page.keyboard.press("Escape");
    await page.locator("h2").click(); // close the filter popover
    await expect.poll(() => page.getByTestId("total").textContent()).not.toBe(all);
    const filtered = (await page.getByTestId("total").textContent()) ?? "";

    await page.getByRole("button", { name: /Save as new view/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name (Chinese)").fill("IT 行业客户");
    await dialog.getByLabel("Name (English)").fill("IT accounts");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/view=/);
    await page.getByRole("heading", { name: /IT accounts/ }).waitFor();
    const link = page.url();

    // Later: the list opens on all records; the view is one choice away.
    await page.goto("/");
    await page.goto("/o/account");
    await expect.poll(() => page.getByTestId("total").textContent()).toBe(all);
    await page.getByLabel("List view").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "IT accounts" }).click();
    await expect.poll(() => page.getByTestId("total").textContent()).toBe(filtered);
    expect(await page.locator(".ant-tag", { hasText: "Industry" }).count()).toBe(1);

    // And a link to it opens it directly.
    await page.goto(link);
    await expect.poll(() => page.getByTestId("total").textContent()).toBe(filtered);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.context().close();
  });
});

describe("global search and the recycle bin", () => {
  test("Ctrl K finds a record by keyboard; a deleted one comes back from the bin", async () => {
    const page = await admin();
    await page.goto("/");
    await page.getByRole("heading", { name: /Hello/ }).waitFor();
    // An account of its own: a demo account with contracts may not be deleted.
    const { csrf_token: csrf } = (await (await page.request.get("/api/v1/auth/me")).json()) as { csrf_token: string };
    const made = await page.request.post("/api/v1/records/account", { data: { name: "青岛 E2E 待删除客户" }, headers: { "X-CSRF-Token": csrf } });
    expect(made.status()).toBe(201);
    await page.keyboard.press("Control+k");
    const palette = page.getByRole("dialog");
    await palette.getByRole("combobox").fill("青岛 E2E");
    // Records come first, grouped by object, once the search answers.
    await expect.poll(() => palette.getByRole("option").first().textContent()).toContain("青岛 E2E");
    const first = (await palette.getByRole("option").first().textContent()) ?? "";
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/o\/account\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: first.trim() }).waitFor();

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.waitForURL("**/o/account");

    await page.getByRole("link", { name: "Recycle bin" }).click();
    const row = page.locator(".ant-table-row", { hasText: first.trim() });
    await row.waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await row.getByRole("button", { name: "Restore" }).click();
    await row.waitFor({ state: "detached" });

    await page.keyboard.press("Control+k");
    await page.getByRole("dialog").getByRole("combobox").fill(first.trim());
    await page.getByRole("dialog").getByRole("option", { name: first.trim() }).waitFor();
    await page.context().close();
  });
});

describe("kanban", () => {
  test("dragging a card to another column changes the record and the column totals", async () => {
    const page = await admin();
    await page.goto("/o/account");
    await page.locator(".ant-table-row").first().waitFor();
    await page.getByText("Kanban", { exact: true }).click();
    await page.getByLabel("Columns by").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Status$/ }).click();
    const from = page.getByTestId("kanban-column-prospect");
    const to = page.getByTestId("kanban-column-active");
    await from.getByTestId("kanban-card").first().waitFor();
    await expect.poll(() => from.getByTestId("kanban-count").textContent()).not.toBe("…");
    const count = async (column: typeof from) => Number(((await column.getByTestId("kanban-count").textContent()) ?? "").replace(/\D/g, ""));
    const sum = async (column: typeof from) => (await column.getByTestId("kanban-sum").textContent()) ?? "";
    const before = { from: await count(from), to: await count(to), toSum: await sum(to) };
    await screenshot(page, "kanban");

    // A card with an amount, so the sums move too.
    const card = from.getByTestId("kanban-card").filter({ hasText: "¥" }).first();
    const title = ((await card.locator("a").textContent()) ?? "").trim();
    await card.scrollIntoViewIfNeeded(); // cards without an amount may come first
    const start = await card.boundingBox();
    const target = await to.boundingBox();
    if (!start || !target) throw new Error("the board is not on screen");
    // dnd-kit starts a drag after the pointer moves a few pixels, then follows it.
    await page.mouse.move(start.x + start.width / 2, start.y + start.height - 8);
    await page.mouse.down();
    for (let step = 1; step <= 12; step += 1) {
      await page.mouse.move(
        start.x + start.width / 2 + ((target.x + target.width / 2 - start.x - start.width / 2) * step) / 12,
        start.y + start.height - 8 + ((target.y + 80 - start.y - start.height + 8) * step) / 12,
      );
    }
    await page.mouse.up();
    await to.getByTestId("kanban-card").filter({ hasText: title }).waitFor();
    await expect.poll(() => count(to)).toBe(before.to + 1);
    await expect.poll(() => count(from)).toBe(before.from - 1);
    await expect.poll(() => sum(to)).not.toBe(before.toSum);

    // The change is the record's: a reload shows it in its new column.
    await page.reload();
    await page.getByText("Kanban", { exact: true }).click();
    await page.getByLabel("Columns by").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Status$/ }).click();
    await page.getByTestId("kanban-column-active").getByTestId("kanban-card").filter({ hasText: title }).waitFor();
    await page.context().close();
  });
});

describe("editing from the list", () => {
  test("a cell is edited in place, a refusal stays on it, and a field is set on several rows at once", async () => {
    const page = await admin();
    await page.goto("/o/account");
    await page.locator(".ant-table-row").first().waitFor();
    const headers = await page.locator(".ant-table-thead th").allTextContents();
    const column = headers.indexOf("Employees") + 1;
    if (column === 0) {
      // Not among the shown columns by default: add it.
      await page.getByRole("button", { name: "Columns" }).click();
      await page.locator(".ant-popover .ant-checkbox-wrapper", { hasText: "Employees" }).click();
      await page.keyboard.press("Escape");
    }
    const index = (await page.locator(".ant-table-thead th").allTextContents()).indexOf("Employees") + 1;
    const cell = page.locator(".ant-table-row").first().locator(`> .ant-table-cell:nth-child(${String(index)})`);
    await cell.dblclick();
    const editor = page.getByTestId("inline-editor");
    await editor.locator("input").fill("-5");
    await page.keyboard.press("Enter");
    await expect.poll(() => editor.textContent()).toContain("at least 0");
    await editor.locator("input").fill("4321");
    await page.keyboard.press("Enter");
    await editor.waitFor({ state: "detached" });
    await expect.poll(() => cell.textContent()).toContain("4,321");

    // Two rows at once.
    await page.locator(".ant-table-row").nth(1).locator("input[type=checkbox]").check();
    await page.locator(".ant-table-row").nth(2).locator("input[type=checkbox]").check();
    await page.getByRole("button", { name: "Update field" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.locator("#mass-field").click();
    await page.keyboard.type("Level");
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Level$/ }).waitFor();
    await page.keyboard.press("Enter");
    await dialog.locator("#mass-value").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Key account" }).click();
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    for (const row of [1, 2]) {
      await expect.poll(() => page.locator(".ant-table-row").nth(row).textContent()).toContain("Key account");
    }
    await page.context().close();
  });
});

describe("sharing", () => {
  test("a record shared with a rep opens for them, and not after it is unshared", async () => {
    const page = await admin();
    await page.goto("/o/account/new");
    await page.getByLabel("Account name").fill("共享测试有限公司");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL(/\/o\/account\/[0-9a-f-]{36}$/);
    const url = page.url();
    const rep = await openPage(browser);
    await signIn(rep, "rep.zhang@example.com");
    await chooseLanguage(rep, "en");
    await rep.goto(url);
    await rep.getByText("This record does not exist, or you may not see it.").waitFor();

    await page.getByRole("tab", { name: "Sharing" }).click();
    await page.getByText("Not shared with anyone beyond their data scope.").waitFor();
    // Before any select opens: Ant Design leaves an unnamed listbox behind once one has.
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel("Share with").click();
    await page.keyboard.type("张伟");
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "张伟" }).click();
    await page.getByRole("button", { name: /Share$/ }).click();
    await page.locator(".ant-list-item", { hasText: "张伟" }).waitFor();

    await rep.goto(url);
    await rep.getByRole("heading", { name: "共享测试有限公司" }).waitFor();

    await page.getByRole("button", { name: "Stop sharing" }).click();
    await page.locator(".ant-list-item", { hasText: "张伟" }).waitFor({ state: "detached" });
    await rep.goto(url);
    await rep.getByText("This record does not exist, or you may not see it.").waitFor();
    await page.context().close();
    await rep.context().close();
  });
});
