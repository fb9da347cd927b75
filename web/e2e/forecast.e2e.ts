/**
 * The sales forecast and target attainment pages against the real server and its demo
 * data: the figures on screen are the ones the API gives for the same period and the same
 * user, whatever the demo's random deals are.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatMoney } from "../src/lib/format";
import type { Attainment, Forecast } from "../src/modules/sales/forecast/api";
import { periodOf, periodText, shiftPeriod, today } from "../src/modules/sales/forecast/period";
import { accessibilityProblems, animationsSettled, chooseLanguage, DESKTOP, launch, openPage, PHONE, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

const MEASURES = ["closed", "commit", "best_case", "pipeline", "weighted"] as const;
// expect.poll gives up after 1 s by default; a loaded machine (or the slow answer below)
// takes longer to draw what the server sent.
const WAIT = { timeout: 10_000 };

async function get<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(`/api/v1${path}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
}

async function signedIn(email: string, language: "en" | "zh-CN", viewport = DESKTOP): Promise<Page> {
  const page = await openPage(browser, { viewport, language });
  await signIn(page, email);
  await chooseLanguage(page, language);
  return page;
}

/** The quarter it is now for the signed-in user (their time zone, as the page reckons). */
async function currentQuarter(page: Page): Promise<string> {
  const me = await get<{ time_zone: string }>(page, "/auth/me");
  return periodText(periodOf("quarter", today(me.time_zone)));
}

/** Screenshots show screens at rest. */
async function settled(page: Page, name: string): Promise<void> {
  await animationsSettled(page);
  await screenshot(page, name);
}

/** The totals row's five amounts, as shown. */
async function shownTotals(row: Locator): Promise<string[]> {
  return Promise.all(MEASURES.map((m) => row.locator(`[data-measure=${m}]`).innerText()));
}

/** Wait until the page shows the forecast of `period` grouped by `groupBy`, then compare
 * its totals and rows with what the API answers this user. */
async function expectForecast(page: Page, period: string, groupBy: "owner" | "department"): Promise<Forecast> {
  const api = await get<Forecast>(page, `/sales/forecast?period=${period}&group_by=${groupBy}`);
  await expect.poll(() => page.getByTestId("forecast-range").innerText(), WAIT).toContain(`${api.start} `);
  const totals = page.getByTestId("forecast-totals");
  const expected = MEASURES.map((m) => formatMoney(api.totals[m], api.currency));
  await expect.poll(() => shownTotals(totals), WAIT).toEqual(expected);
  const rows = page.getByTestId("forecast-table").locator("tbody tr.ant-table-row");
  await expect.poll(() => rows.count(), WAIT).toBe(api.groups.length);
  for (const [index, group] of api.groups.entries()) {
    const row = rows.nth(index);
    expect(await row.innerText()).toContain(group.label ?? "");
    expect(await row.innerText()).toContain(formatMoney(group.closed, api.currency));
    expect(await row.innerText()).toContain(formatMoney(group.weighted, api.currency));
  }
  return api;
}

describe("the sales forecast", () => {
  test("an administrator opens it from the navigation; totals, grouping and periods match the API", async () => {
    const page = await signedIn("admin@example.com", "en");
    const quarter = await currentQuarter(page);
    await page.locator("nav").getByRole("link", { name: "Forecast", exact: true }).click();
    await page.waitForURL("**/sales/forecast");
    await page.getByRole("heading", { name: "Forecast" }).waitFor();
    // The current quarter by default, named as such.
    await expect.poll(() => page.getByTestId("period-select").innerText(), WAIT).toContain("This quarter");
    const byOwner = await expectForecast(page, quarter, "owner");
    expect(byOwner.groups.length).toBeGreaterThan(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "forecast");

    // By department: other rows, the same totals.
    await page.getByTestId("group-by").getByText("By department").click();
    await page.waitForURL(/group_by=department/);
    const byDepartment = await expectForecast(page, quarter, "department");
    expect(byDepartment.totals).toEqual(byOwner.totals);
    expect(await page.getByRole("columnheader", { name: "Department" }).count()).toBe(1);

    // The previous quarter, by keyboard, then the current month.
    await page.getByRole("button", { name: "Previous period" }).focus();
    await page.keyboard.press("Enter");
    const previous = periodText(shiftPeriod(periodOf("quarter", today((await get<{ time_zone: string }>(page, "/auth/me")).time_zone)), -1));
    await page.waitForURL(new RegExp(`period=${previous}`));
    await expectForecast(page, previous, "department");
    await page.getByRole("radiogroup", { name: "Period type" }).getByText("Month").click();
    const month = periodText(periodOf("month", today((await get<{ time_zone: string }>(page, "/auth/me")).time_zone)));
    // Switching to months from a past quarter shows that quarter's first month.
    await page.waitForURL(/period=\d{4}-\d{2}(&|$)/);
    const shown = new URL(page.url()).searchParams.get("period") ?? "";
    expect(shown).not.toBe(month);
    expect(shown.startsWith(previous.slice(0, 4))).toBe(true);
    await expectForecast(page, shown, "department");
    await page.getByRole("button", { name: "This month" }).click();
    await page.waitForURL(new RegExp(`period=${month}`));
    await expectForecast(page, month, "department");
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.context().close();
  });

  test("a slow answer shows a skeleton; a refusal an error with a retry that loads the forecast", async () => {
    const page = await signedIn("admin@example.com", "en");
    await page.route(
      "**/api/v1/sales/forecast?*",
      (route) =>
        route.fulfill({
          status: 422,
          contentType: "application/problem+json",
          json: { status: 422, code: "validation_failed", detail: "The forecast is resting" },
        }),
      { times: 1 },
    );
    await page.goto("/sales/forecast");
    await page.getByText("The forecast is resting").waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole("button", { name: "Try again" }).click();
    await expectForecast(page, await currentQuarter(page), "owner");
    // While a slow answer is on its way, the page shows its shape, not a blank.
    await page.route(
      "**/api/v1/sales/forecast?*",
      async (route) => {
        await new Promise((done) => setTimeout(done, 1500));
        await route.continue();
      },
      { times: 1 },
    );
    await page.reload();
    await page.locator("[aria-busy=true] .ant-skeleton").first().waitFor();
    await expectForecast(page, await currentQuarter(page), "owner");
    await page.context().close();
  });

  test("a rep sees their own deals only, on a phone too", async () => {
    const page = await signedIn("rep.zhang@example.com", "zh-CN");
    const me = await get<{ id: string; name: string }>(page, "/auth/me");
    await page.locator("nav").getByRole("link", { name: "销售预测", exact: true }).click();
    await page.waitForURL("**/sales/forecast");
    const quarter = await currentQuarter(page);
    const api = await expectForecast(page, quarter, "owner");
    expect(api.groups.map((g) => g.key)).toEqual([me.id]);
    expect(await page.getByTestId("forecast-table").innerText()).toContain(me.name);
    // What the rep is shown is less than the administrator's whole company.
    const admin = await signedIn("admin@example.com", "en");
    const all = await get<Forecast>(admin, `/sales/forecast?period=${quarter}`);
    expect(all.groups.length).toBeGreaterThan(api.groups.length);
    await admin.context().close();
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.setViewportSize(PHONE);
    const card = page.getByTestId("forecast-totals");
    await expect.poll(() => shownTotals(card), WAIT).toEqual(MEASURES.map((m) => formatMoney(api.totals[m], api.currency)));
    // The phone's cards fit its width: nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "forecast-zh-CN");
    await page.context().close();
  });
});

describe("target attainment", () => {
  test("targets of the quarter show the API's figures; an empty period says how targets are set", async () => {
    const page = await signedIn("admin@example.com", "en");
    const quarter = await currentQuarter(page);
    await page.locator("nav").getByRole("link", { name: "Target attainment", exact: true }).click();
    await page.waitForURL("**/sales/targets");
    const api = await get<Attainment>(page, `/sales/targets/attainment?period=${quarter}`);
    const target = api.targets.find((t) => t.assignee && t.attainment !== null);
    if (!target || target.actual === null || target.target === null) throw new Error("the demo has no target of a person this quarter");
    const rows = page.getByTestId("targets-table").locator("tbody tr.ant-table-row");
    await expect.poll(() => rows.count(), WAIT).toBe(api.targets.length);
    const row = rows.filter({ hasText: target.assignee?.name ?? "" }).first();
    const text = await row.innerText();
    expect(text).toContain(formatMoney(target.target, target.currency));
    expect(text).toContain(formatMoney(target.actual, target.currency));
    expect(await row.getByTestId("attainment").innerText()).toBe(`${target.attainment ?? ""}%`);
    expect(text).toMatch(/Met|On track|Behind|Missed/);
    // The people's total is the exact sum of their targets.
    const totals = page.getByTestId("targets-total");
    expect(await totals.count()).toBeGreaterThan(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "targets");

    // The demo sets quarterly targets only: a month has none, and the page says how to set one.
    await page.getByRole("radiogroup", { name: "Period type" }).getByText("Month").click();
    await page.waitForURL(/period=\d{4}-\d{2}(&|$)/);
    const month = new URL(page.url()).searchParams.get("period") ?? "";
    const none = await get<Attainment>(page, `/sales/targets/attainment?period=${month}`);
    expect(none.targets).toEqual([]);
    await page.getByText(/No sales targets for/).waitFor();
    const create = page.getByRole("link", { name: "New sales target" });
    expect(await create.getAttribute("href")).toBe("/o/sales_target/new");
    expect(await accessibilityProblems(page)).toEqual([]);
    await create.click();
    await page.waitForURL("**/o/sales_target/new");
    await page.context().close();
  });

  test("a rep's own targets of the year, on a phone, in Chinese", async () => {
    const page = await signedIn("rep.zhang@example.com", "zh-CN", PHONE);
    const year = String(today((await get<{ time_zone: string }>(page, "/auth/me")).time_zone).year);
    await page.goto(`/sales/targets?period=${year}`);
    const api = await get<Attainment>(page, `/sales/targets/attainment?period=${year}`);
    const me = await get<{ id: string }>(page, "/auth/me");
    expect(api.targets.length).toBeGreaterThan(0);
    expect(api.targets.every((t) => t.assignee?.id === me.id)).toBe(true);
    const cards = page.getByTestId("target-card");
    await expect.poll(() => cards.count(), WAIT).toBe(api.targets.length);
    const first = api.targets[0];
    expect(await cards.first().getByTestId("attainment").innerText()).toBe(`${first?.attainment ?? ""}%`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "targets-zh-CN");
    await page.context().close();
  });
});
