import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, chooseLanguage, DESKTOP, launch, openPage, PHONE, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

interface Row {
  id: string;
  version: number;
  [field: string]: unknown;
}

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(page: Page, method: "GET" | "POST" | "PATCH", path: string, data?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf, ...headers } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Nothing still loading (a skeleton's shimmer never ends), and animations finished. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector(".ant-skeleton-active, .ant-spin-spinning"), undefined, { timeout: 15_000 });
  await animationsSettled(page);
}

async function signedIn(language: "en" | "zh-CN", viewport = DESKTOP): Promise<Page> {
  const page = await openPage(browser, { viewport, language });
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, language);
  return page;
}

/** A new deal in prospecting, moved over the API to qualification and then proposal. */
async function movedDeal(page: Page, name: string): Promise<Row> {
  let deal = await call<Row>(page, "POST", "/records/opportunity", { name, amount: "88000", stage: "prospecting" });
  for (const stage of ["qualification", "proposal"]) {
    deal = await call<Row>(page, "PATCH", `/records/opportunity/${deal.id}`, { stage }, { "If-Match": `"${String(deal.version)}"` });
    expect(deal.stage).toBe(stage);
  }
  return deal;
}

const history = (page: Page) => page.getByTestId("stage-history");

describe("stage history (阶段历史) on the deal's page", () => {
  test("the stages a deal went through, oldest first, with the current one marked", async () => {
    const page = await signedIn("en");
    const { name: admin } = (await (await page.request.get("/api/v1/auth/me")).json()) as { name: string };
    const deal = await movedDeal(page, "Guanxi E2E stage history deal");

    await page.goto(`/o/opportunity/${deal.id}`);
    await page.getByRole("tab", { name: "Stage history" }).click();
    await history(page).waitFor();
    await settled(page);

    const rows = history(page).locator("tbody tr");
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-stage")))).toEqual(["prospecting", "qualification", "proposal"]);
    // Labels from the stage picklist, in the interface's language.
    expect(await rows.locator("th").allTextContents()).toEqual(["Prospecting", "Qualification", "ProposalCurrent"]);
    // Only the last is current: it has not been left and counts its days so far.
    expect(await history(page).getByTestId("current-stage").count()).toBe(1);
    expect(await rows.nth(2).getAttribute("data-current")).toBe("true");
    expect(await rows.nth(2).getByTestId("stage-days").textContent()).toBe("0.0 d so far");
    expect(await rows.nth(2).locator("td").nth(1).textContent()).toBe("—");
    for (const index of [0, 1]) {
      expect(await rows.nth(index).getAttribute("data-current")).toBeNull();
      expect(await rows.nth(index).getByTestId("stage-days").textContent()).toBe("0.0 d");
      // Left when the next was entered, shown as "YYYY-MM-DD HH:mm".
      const left = await rows.nth(index).locator("td").nth(1).textContent();
      expect(left).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(await rows.nth(index + 1).locator("td").nth(0).textContent()).toBe(left);
    }
    // Who moved it: the admin created the deal and moved it twice.
    expect(await rows.locator(".gx-user").allTextContents()).toEqual(Array(3).fill(expect.stringContaining(admin) as unknown));

    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "stages/history-en");
    await page.screenshot({ path: "/tmp/stages-en-desktop.png", fullPage: true });
    await page.close();
  });

  test("in Chinese on a phone: 阶段历史 with 当前 and the days so far", async () => {
    const page = await signedIn("zh-CN", PHONE);
    const deal = await movedDeal(page, "关系 E2E 阶段历史商机");

    await page.goto(`/o/opportunity/${deal.id}`);
    await page.getByRole("tab", { name: "阶段历史" }).click();
    await history(page).waitFor();
    await settled(page);

    const rows = history(page).locator("tbody tr");
    expect(await rows.locator("th").allTextContents()).toEqual(["初步接洽", "需求确认", "方案报价当前"]);
    expect(await rows.nth(2).getByTestId("stage-days").textContent()).toBe("已停留 0.0 天");
    expect(await rows.nth(0).getByTestId("stage-days").textContent()).toBe("0.0 天");
    // Readable at phone width: the table does not run off the screen.
    const width = await history(page).evaluate((table) => table.getBoundingClientRect().right);
    expect(width).toBeLessThanOrEqual(PHONE.width);

    expect(await accessibilityProblems(page)).toEqual([]);
    await history(page).scrollIntoViewIfNeeded();
    await screenshot(page, "stages/history-zh-phone");
    await page.screenshot({ path: "/tmp/stages-zh-phone.png", fullPage: true });
    await page.close();
  });
});
