import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, chooseLanguage, DESKTOP, drag, launch, openPage, PHONE, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

interface Row {
  id: string;
  name: string;
  version: number;
}

async function admin(language: "en" | "zh-CN" = "en"): Promise<Page> {
  const page = await openPage(browser, { language });
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, language);
  return page;
}

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(page: Page, method: "GET" | "POST", path: string, data?: unknown): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Screenshots show screens at rest, not a menu or dialog halfway through its animation. */
async function settled(page: Page, name: string): Promise<void> {
  await animationsSettled(page);
  await screenshot(page, name);
}

// The sider's (on a desktop, the first navigation on the page).
const navigation = (page: Page) => page.getByRole("navigation").first();

/** The navigation's group headings and entries, top to bottom, as a person reads them. */
async function entries(page: Page): Promise<string[]> {
  const texts = await navigation(page).locator(".ant-menu-item-group-title, .ant-menu-item").allTextContents();
  return texts.map((text) => text.trim());
}

describe("the navigation", () => {
  test("groups the objects by module and leaves the child objects out", async () => {
    const page = await admin();
    await navigation(page).getByRole("link", { name: "Accounts" }).waitFor();
    const listed = await entries(page);
    // Customers, then Sales, each heading above its own objects, in the module's order.
    const order = ["Home", "Customers", "Accounts", "Contacts", "Sales", "Opportunities", "Leads", "Quotes"].map((text) => listed.indexOf(text));
    expect(order.every((index) => index >= 0), listed.join(" · ")).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const child of ["Quote lines", "Price book entries", "Payment plans"]) expect(listed).not.toContain(child);
    // The existing entries still lead where they did.
    expect(await navigation(page).getByRole("link", { name: "Contacts" }).getAttribute("href")).toBe("/o/contact");
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "nav-expanded");

    // Collapsed to icons: no headings, the same entries, the current one still marked.
    await page.goto("/o/opportunity");
    await page.getByRole("heading", { name: "Opportunities" }).waitFor();
    await page.getByRole("button", { name: "Collapse the menu" }).click();
    await page.getByRole("button", { name: "Expand the menu" }).waitFor();
    expect((await navigation(page).locator(".ant-menu-item-group-title").allTextContents()).join("")).toBe("");
    expect(await navigation(page).locator(".ant-menu-item-selected a").getAttribute("href")).toBe("/o/opportunity");
    await navigation(page).locator("a[href='/o/contact']").click();
    await page.waitForURL("**/o/contact");
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "nav-collapsed");

    // A child object is left out of the menu, not out of reach.
    await page.goto("/o/quote_line");
    await page.getByRole("heading", { name: "Quote lines" }).waitFor();
    await page.context().close();
  });

  test("reads in Chinese and works as a drawer on a phone", async () => {
    const page = await admin("zh-CN");
    await page.setViewportSize(PHONE);
    await page.getByRole("button", { name: "打开菜单" }).click();
    const drawer = page.locator(".ant-drawer-body");
    await drawer.getByRole("link", { name: "商机" }).waitFor();
    const headings = (await drawer.locator(".ant-menu-item-group-title").allTextContents()).map((h) => h.trim());
    expect(headings.slice(0, 2)).toEqual(["客户", "销售"]);
    expect(await drawer.getByRole("link", { name: "报价明细" }).count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "nav-phone-zh-CN");
    await drawer.getByRole("link", { name: "商机" }).click();
    await page.waitForURL("**/o/opportunity");
    await page.setViewportSize(DESKTOP);
    await chooseLanguage(page, "en");
    await page.context().close();
  });

  test("an administrator takes an object out of the navigation in the builder, and puts it back", async () => {
    const page = await admin();
    await page.goto("/admin/objects/sales_target");
    const toggle = page.getByRole("switch", { name: "Show in navigation" });
    await toggle.waitFor();
    expect(await toggle.getAttribute("aria-checked")).toBe("true");
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "nav-builder-switch");
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("false");
    await expect.poll(() => navigation(page).getByRole("link", { name: "Sales targets" }).count()).toBe(0);
    // Everyone's navigation, not just this page's: a fresh load agrees.
    await page.reload();
    await navigation(page).getByRole("link", { name: "Accounts" }).waitFor();
    expect(await navigation(page).getByRole("link", { name: "Sales targets" }).count()).toBe(0);
    // The files share one server: put it back.
    await page.getByRole("switch", { name: "Show in navigation" }).click();
    await navigation(page).getByRole("link", { name: "Sales targets" }).waitFor();
    await page.context().close();
  });
});

describe("the kanban", () => {
  test("a move the stage refuses without more asks for exactly those fields, then moves the card", async () => {
    const page = await admin();
    const [account] = (await call<{ records: Row[] }>(page, "POST", "/records/account/query", { limit: 1, sort: ["name"] })).records;
    if (!account) throw new Error("the demo has no accounts");
    const name = `Guanxi E2E kanban deal ${String(Date.now())}`;
    await call<Row>(page, "POST", "/records/opportunity", { name, account: account.id, stage: "proposal" });

    await page.goto("/o/opportunity");
    await page.locator(".ant-table-row").first().waitFor();
    await page.getByText("Kanban", { exact: true }).click();
    await page.getByLabel("Columns by").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Stage$/ }).click();
    const proposal = page.getByTestId("kanban-column-proposal");
    const lost = page.getByTestId("kanban-column-lost");
    const card = proposal.getByTestId("kanban-card").filter({ hasText: name });
    await card.waitFor();
    // Both columns in sight: the board scrolls sideways.
    await page.getByTestId("kanban").evaluate((board) => {
      const column = board.querySelector("[data-testid=kanban-column-lost]");
      if (column) board.scrollLeft += column.getBoundingClientRect().right - board.getBoundingClientRect().right + 16;
    });

    // Cancelled: the card stays where it was and nothing changed.
    await drag(page, card, lost);
    const dialog = page.getByRole("dialog");
    await dialog.getByText("This stage needs a little more information.").waitFor();
    await dialog.getByLabel("Lost reason").waitFor();
    expect(await dialog.locator(".ant-form-item-label").allTextContents()).toEqual(["Lost reason"]);
    await card.waitFor(); // back in its column while the dialog asks
    expect(await lost.getByTestId("kanban-card").filter({ hasText: name }).count()).toBe(0);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    await card.waitFor();

    // Answered: the move is made with the reason, and the card is in Lost.
    await drag(page, card, lost);
    await dialog.getByLabel("Lost reason").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Price$/ }).click();
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "kanban-ask-fields");
    await dialog.getByRole("button", { name: "Move" }).click();
    await lost.getByTestId("kanban-card").filter({ hasText: name }).waitFor();
    expect(await proposal.getByTestId("kanban-card").filter({ hasText: name }).count()).toBe(0);
    await dialog.waitFor({ state: "hidden" });
    const [saved] = (
      await call<{ records: (Row & { stage: string; lost_reason: string })[] }>(page, "POST", "/records/opportunity/query", {
        filter: { field: "name", op: "eq", value: name },
        fields: ["name", "stage", "lost_reason"],
      })
    ).records;
    expect([saved?.stage, saved?.lost_reason]).toEqual(["lost", "price"]);
    await page.context().close();
  });
});
