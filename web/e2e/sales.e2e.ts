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
  name: string;
  version: number;
}

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(page: Page, method: "GET" | "POST", path: string, data?: unknown): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Screenshots show screens at rest, not a dialog halfway through opening. */
async function settled(page: Page, name: string): Promise<void> {
  await animationsSettled(page);
  await screenshot(page, name);
}

async function signedIn(language: "en" | "zh-CN", viewport = DESKTOP): Promise<Page> {
  const page = await openPage(browser, { viewport, language });
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, language);
  return page;
}

async function firstAccount(page: Page): Promise<Row> {
  const found = await call<{ records: Row[] }>(page, "POST", "/records/account/query", { limit: 1, sort: ["name"] });
  const account = found.records[0];
  if (!account) throw new Error("the demo has no accounts");
  return account;
}

async function newLead(page: Page, company: string, name: string): Promise<Row> {
  return call<Row>(page, "POST", "/records/lead", {
    name,
    company,
    title: "采购经理",
    mobile: "+8613800138000",
    email: "lilei@example.com",
    status: "working",
  });
}

describe("leads to won deals", () => {
  test("a lead is converted with a new opportunity, which moves along its stage path to won", async () => {
    const page = await signedIn("en");
    const lead = await newLead(page, "Guanxi E2E Sales Co., Ltd.", "Li Lei");
    await page.goto(`/o/lead/${lead.id}`);
    const path = page.getByTestId("stage-path");
    await expect.poll(() => path.locator("[aria-current=step]").textContent()).toContain("Working");

    await page.locator("[data-action=convert]").click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByLabel("Opportunity name").inputValue()).toBe("Guanxi E2E Sales Co., Ltd. deal");
    // No suggestions here: a new account and a new contact are made from the lead.
    expect(await dialog.getByRole("radio", { name: "Create a new account “Guanxi E2E Sales Co., Ltd.”" }).isChecked()).toBe(true);
    expect(await dialog.getByRole("radio", { name: "Create a new contact “Li Lei”" }).isChecked()).toBe(true);
    await dialog.getByLabel("Opportunity name").fill("Guanxi E2E CRM rollout");
    await dialog.getByLabel("Amount").fill("250000");
    await dialog.getByLabel("Expected close date").fill("2026-12-31");
    await dialog.getByLabel("Expected close date").press("Tab");
    // A refusal naming a field shows on that field, and the dialog stays for a retry.
    await page.route(
      "**/api/v1/sales/leads/*/convert",
      (route) =>
        route.fulfill({
          status: 422,
          contentType: "application/problem+json",
          json: { status: 422, code: "validation_failed", detail: "not valid", errors: [{ field: "opportunity.close_date", code: "invalid", message: "The close date is in a closed period" }] },
        }),
      { times: 1 },
    );
    await dialog.getByRole("button", { name: "Convert" }).click();
    await dialog.getByText("The close date is in a closed period").waitFor();
    await page.unrouteAll();
    await dialog.getByRole("button", { name: "Convert" }).click();

    await page.waitForURL(/\/o\/opportunity\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: "Guanxi E2E CRM rollout" }).waitFor();
    await page.getByText("Lead “Li Lei” converted").waitFor();
    const stage = page.getByTestId("stage-path").locator("[aria-current=step]");
    await expect.poll(() => stage.textContent()).toContain("Prospecting");
    await expect.poll(() => page.locator(".ant-descriptions").first().textContent()).toContain("250,000.00");

    // Along the path by keyboard and by mouse, to won.
    const proposal = page.getByTestId("stage-path").getByRole("button", { name: "Proposal" });
    await proposal.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => stage.textContent()).toContain("Proposal");
    await page.getByTestId("stage-path").getByRole("button", { name: "Closed won" }).click();
    await expect.poll(() => stage.textContent()).toContain("Closed won");
    expect(await page.getByTestId("stage-path").locator("li").filter({ hasText: "Proposal" }).getAttribute("class")).toMatch(/done/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "sales-stage-path");

    // The lead stays, converted and read-only, with links to what it became.
    await page.goto(`/o/lead/${lead.id}`);
    const notice = page.getByTestId("converted-notice");
    await notice.getByRole("link", { name: "Guanxi E2E CRM rollout" }).waitFor();
    await notice.getByRole("link", { name: "Guanxi E2E Sales Co., Ltd." }).waitFor();
    expect(await page.locator("[data-action=convert]").count()).toBe(0);
    expect(await page.getByRole("button", { name: /^(edit )?Edit$/ }).count()).toBe(0);
    expect(await page.getByTestId("stage-path").getByRole("button").count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "sales-converted-lead");
    await page.context().close();
  });

  test("a lead from a known company is converted onto the suggested account", async () => {
    const page = await signedIn("zh-CN");
    const account = await firstAccount(page);
    const lead = await newLead(page, account.name, "韩梅梅");
    await page.goto(`/o/lead/${lead.id}`);
    // The path's "converted" step is the conversion itself: it opens the same dialog.
    await page.getByTestId("stage-path").getByRole("button", { name: "已转化" }).click();
    const dialog = page.getByRole("dialog");
    const suggestion = dialog.getByTestId("duplicate-account").first();
    await suggestion.waitFor();
    expect(await suggestion.isChecked()).toBe(true);
    await expect.poll(() => dialog.getByLabel("商机名称").inputValue()).toBe(`${account.name} - 商机`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "sales-convert-zh-CN");
    await dialog.getByRole("checkbox", { name: "同时创建商机" }).uncheck();
    await dialog.getByRole("button", { name: "转化" }).click();
    await page.waitForURL(`**/o/account/${account.id}`);
    await page.getByText("线索“韩梅梅”已转化").waitFor();
    await chooseLanguage(page, "en"); // the language is saved on the shared admin user
    await page.context().close();
  });

  test("the convert dialog on a phone, in both languages, with a 60-character company", async () => {
    const page = await signedIn("en", PHONE);
    const long = "北京字节跳动科技有限公司华北大区渠道合作伙伴与企业数字化转型服务中心分公司";
    await call<Row>(page, "POST", "/records/account", { name: long });
    const lead = await newLead(page, long, "王小明");
    const open = async () => {
      await page.goto(`/o/lead/${lead.id}`);
      await page.locator("[data-action=convert]").click();
      await page.getByRole("dialog").getByTestId("duplicate-account").first().waitFor();
    };
    await page.setViewportSize(DESKTOP);
    await open();
    await settled(page, "sales-convert-en");
    await page.setViewportSize(PHONE);
    await open();
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "sales-convert-en");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    await chooseLanguage(page, "zh-CN");
    await open();
    await settled(page, "sales-convert-zh-CN");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    await chooseLanguage(page, "en");
    await page.context().close();
  });

  test("a step that needs more asks for exactly those fields, and a quote offers its PDF", async () => {
    const page = await signedIn("en");
    const account = await firstAccount(page);
    const deal = await call<Row>(page, "POST", "/records/opportunity", { name: "Guanxi E2E lost deal", account: account.id, stage: "proposal" });
    await page.goto(`/o/opportunity/${deal.id}`);
    await page.getByTestId("stage-path").getByRole("button", { name: "Closed lost" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("This stage needs a little more information.").waitFor();
    await dialog.getByLabel("Lost reason").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Price$/ }).click();
    expect(await accessibilityProblems(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Move" }).click();
    // The move, then the record's reload: on a loaded machine more than vitest's 1 s.
    await expect.poll(() => page.getByTestId("stage-path").locator("[aria-current=step]").textContent(), { timeout: 10_000 }).toContain("Closed lost");
    await expect.poll(() => page.locator(".ant-descriptions").first().textContent()).toContain("Price");
    // Lost is an outcome of its own: the deal is not shown as having been won first.
    expect(await page.getByTestId("stage-path").locator("li").filter({ hasText: "Closed won" }).getAttribute("class")).not.toMatch(/done/);
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByTestId("stage-path").locator("[aria-current=step]").waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "sales-stage-path");
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize(DESKTOP);

    const quote = await call<Row>(page, "POST", "/records/quote", { name: "Guanxi E2E quote", account: account.id });
    await page.goto(`/o/quote/${quote.id}`);
    const pdf = page.getByRole("link", { name: "Download PDF" });
    expect(await pdf.getAttribute("href")).toBe(`/api/v1/sales/quotes/${quote.id}/pdf?language=en`);
    const rendered = await page.request.get((await pdf.getAttribute("href")) ?? "");
    expect(rendered.status()).toBe(200);
    expect(rendered.headers()["content-type"]).toBe("application/pdf");
    await page.context().close();
  });
});
