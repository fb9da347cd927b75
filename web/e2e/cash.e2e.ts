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

/** Nothing still loading: a skeleton's shimmer and a busy button's spinner never end, and
 * the checks below wait for every animation to finish. */
async function loaded(page: Page): Promise<void> {
  const busy = ".ant-skeleton-active, .ant-spin-spinning, .ant-btn-loading, .anticon-spin";
  await page.waitForFunction((selector) => !document.querySelector(selector), busy, { timeout: 15_000 }).catch(async (error: unknown) => {
    const still = await page.evaluate((selector) => [...document.querySelectorAll(selector)].map((e) => (e.closest("button, .ant-card, .ant-modal, section, div[data-testid]") ?? e).outerHTML.slice(0, 400)), busy);
    throw new Error(`${String(error)}\n${page.url()}\n${still.join("\n")}`);
  });
}

async function a11y(page: Page): Promise<string[]> {
  await loaded(page);
  return accessibilityProblems(page);
}

/** Screenshots show screens at rest, not a dialog halfway through opening. */
async function settled(page: Page, name: string): Promise<void> {
  await loaded(page);
  await animationsSettled(page);
  await screenshot(page, name);
  const size = page.viewportSize();
  await page.screenshot({ path: `/tmp/${name}-${String(size?.width ?? 0)}.png`, fullPage: true });
}

async function signedIn(language: "en" | "zh-CN", viewport = DESKTOP): Promise<Page> {
  const page = await openPage(browser, { viewport, language });
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, language);
  return page;
}

/** "1234567.5" → "¥1,234,567.50", as the screens format yuan. */
function yuan(amount: string): string {
  const [whole = "0", fraction = ""] = amount.split(".");
  return `¥${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fraction.padEnd(2, "0")}`;
}

/** The text of one statistic tile's value. */
async function tile(page: Page, panel: string, key: string): Promise<string> {
  return (await page.getByTestId(panel).locator(`[data-tile=${key}] dd`).first().textContent()) ?? "";
}

/** Whole days since ``due`` as the app counts them for a user in Shanghai (UTC+8, no
 * daylight saving): the suite runs on the real clock, so the figure grows by the day. */
function daysLateInShanghai(due: string): number {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  return Math.round((Date.parse(today) - Date.parse(due)) / 86_400_000);
}

async function pickedDate(page: Page, field: ReturnType<Page["getByLabel"]>, date: string): Promise<void> {
  await field.fill(date);
  await field.press("Enter");
  await page.locator(".ant-picker-dropdown:visible").waitFor({ state: "hidden" }).catch(() => undefined);
}

// Long flows through several screens: on a loaded two-core machine they take a while.
describe("quotes, contracts and payments (回款)", () => {
  test("a won deal becomes a contract, paid in two instalments; the account shows it all", async () => {
    const page = await signedIn("en");
    const account = await call<Row>(page, "POST", "/records/account", { name: "Guanxi E2E Cash Co., Ltd." });
    await call<Row>(page, "POST", "/records/opportunity", { name: "Guanxi E2E upsell", account: account.id, amount: "30000", stage: "negotiation" });
    const deal = await call<Row>(page, "POST", "/records/opportunity", { name: "Guanxi E2E CRM licences", account: account.id, amount: "120000", stage: "won" });

    // 新建合同 on the won deal, straight to the new contract.
    await page.goto(`/o/opportunity/${deal.id}`);
    await page.locator("[data-action=create-contract]").click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByLabel("Contract name").inputValue()).toBe("Guanxi E2E CRM licences");
    await dialog.getByText("¥120,000.00").waitFor();
    await pickedDate(page, dialog.getByLabel("Start date"), "2026-12-01");
    await pickedDate(page, dialog.getByLabel("End date"), "2027-11-30");
    expect(await a11y(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Create contract" }).click();
    await page.waitForURL(/\/o\/contract\/[0-9a-f-]{36}$/);
    const contractId = page.url().split("/").pop() ?? "";
    // (The deal's page has the same title: wait for the contract's own tab.)
    await page.getByTestId("contract-tiles").waitFor();

    // The Payments tab comes first and is open; nothing planned yet.
    expect(await page.getByRole("tab", { selected: true }).textContent()).toBe("Payments");
    await expect.poll(() => tile(page, "contract-tiles", "contracted")).toBe("¥120,000.00");
    expect(await tile(page, "contract-tiles", "collected")).toBe("¥0.00");
    await page.getByText("No payment plan yet").waitFor();

    // Signed: the stage path moves it to active, so the account counts it as contracted.
    await page.getByTestId("stage-path").getByRole("button", { name: "Active" }).click();
    await expect.poll(() => page.getByTestId("stage-path").locator("[aria-current=step]").textContent()).toContain("Active");

    // The plan: two instalments by percentage, 40% and 60%.
    await page.getByRole("button", { name: "Set up payment plan" }).click();
    const plan = page.getByRole("dialog");
    await plan.getByText("By percentage").click();
    await plan.getByLabel("Number of instalments").fill("2");
    await plan.getByRole("button", { name: "Split evenly" }).click();
    const percents = plan.getByLabel("% of contract");
    await expect.poll(() => percents.count()).toBe(2);
    await percents.nth(0).fill("40");
    await percents.nth(1).fill("70");
    await plan.getByText("¥84,000.00").waitFor(); // 70% shown as an amount as one types
    await plan.getByRole("button", { name: "Save plan" }).click();
    await plan.getByText("The percentages add up to 110%, more than 100%").waitFor();
    await percents.nth(1).fill("60");
    // A refusal naming a row's field shows on that field, and the dialog stays for a retry.
    await page.route(
      "**/api/v1/sales/contracts/*/payment-plan",
      (route) =>
        route.fulfill({
          status: 422,
          contentType: "application/problem+json",
          json: { status: 422, code: "validation_failed", detail: "not valid", errors: [{ index: 0, field: "due_date", code: "invalid", message: "The due date is in a closed period" }] },
        }),
      { times: 1 },
    );
    await plan.getByRole("button", { name: "Save plan" }).click();
    await plan.locator("[data-plan-row='0']").getByText("The due date is in a closed period").waitFor();
    await page.unrouteAll();
    await expect.poll(() => plan.getByTestId("plan-totals").textContent()).toContain("¥120,000.00");
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-payment-plan");
    await plan.getByRole("button", { name: "Save plan" }).click();
    await plan.waitFor({ state: "hidden" });

    const instalments = page.getByTestId("instalments");
    await expect.poll(() => instalments.locator("tbody tr[data-instalment]").count()).toBe(2);
    const first = instalments.locator("tbody tr[data-instalment]").nth(0);
    const second = instalments.locator("tbody tr[data-instalment]").nth(1);
    expect(await first.textContent()).toContain("¥48,000.00");
    expect(await second.textContent()).toContain("¥72,000.00");

    // 登记回款 for the first: what remains is offered; more than that is refused at the amount.
    await first.getByRole("button", { name: /Record payment/ }).click();
    const pay = page.getByRole("dialog");
    const amount = pay.getByLabel("Amount");
    await expect.poll(() => amount.inputValue()).toBe("48,000.00");
    await amount.fill("48000.01");
    await pay.getByLabel("Reference").fill("CMB20261207001");
    await pay.getByRole("button", { name: "Record payment" }).click();
    await pay.getByText("exceeds what remains of the instalment: 48000.00 CNY").waitFor();
    expect(await a11y(page)).toEqual([]);
    await amount.fill("48000");
    await pay.getByRole("button", { name: "Record payment" }).click();
    await pay.waitFor({ state: "hidden" });
    await expect.poll(() => first.textContent()).toContain("Paid");
    await expect.poll(() => tile(page, "contract-tiles", "collected")).toBe("¥48,000.00");

    // The second, for its whole amount as offered.
    await second.getByRole("button", { name: /Record payment/ }).click();
    await expect.poll(() => page.getByRole("dialog").getByLabel("Amount").inputValue()).toBe("72,000.00");
    await page.getByRole("dialog").getByRole("button", { name: "Record payment" }).click();
    await page.getByRole("dialog").waitFor({ state: "hidden" });

    await expect.poll(() => tile(page, "contract-tiles", "collected")).toBe("¥120,000.00");
    expect(await tile(page, "contract-tiles", "contracted")).toBe("¥120,000.00");
    expect(await tile(page, "contract-tiles", "outstanding")).toBe("¥0.00");
    expect(await tile(page, "contract-tiles", "overdue")).toBe("¥0.00");
    await expect.poll(() => page.getByTestId("payments").locator("tbody tr[data-row-key]").count()).toBe(2);
    expect(await second.textContent()).toContain("Paid");
    expect(await page.getByRole("button", { name: /Record payment/ }).count()).toBe(0);
    // The record itself moved too: its outstanding field in the details.
    const contract = await call<Row>(page, "GET", `/records/contract/${contractId}`);
    expect(contract.outstanding).toEqual({ amount: "0.00", currency: "CNY" });
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-contract-payments");
    await page.setViewportSize(PHONE);
    await page.getByTestId("instalments").locator("li").first().waitFor();
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-contract-payments");
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize(DESKTOP);

    // The account: its totals above the tabs, the payments in its timeline.
    await page.goto(`/o/account/${account.id}`);
    await expect.poll(() => tile(page, "account-summary", "contracted")).toBe("¥120,000.00");
    expect(await tile(page, "account-summary", "collected")).toBe("¥120,000.00");
    expect(await tile(page, "account-summary", "outstanding")).toBe("¥0.00");
    expect(await tile(page, "account-summary", "overdue")).toBe("¥0.00");
    expect(await tile(page, "account-summary", "open_pipeline")).toBe("¥30,000.00");
    expect(await tile(page, "account-summary", "won_this_year")).toBe("¥120,000.00");
    expect(await page.getByTestId("account-summary").locator("[data-tile=open_pipeline]").textContent()).toContain("1 deal");
    const payments = await call<{ records: Row[] }>(page, "POST", "/records/payment/query", { filter: { field: "contract", op: "eq", value: contractId } });
    expect(payments.records).toHaveLength(2);
    const timeline = page.getByTestId("timeline");
    for (const p of payments.records) await timeline.getByRole("link", { name: String(p.payment_no) }).waitFor();
    expect(await timeline.textContent()).toContain("added Payment");
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-account-summary");
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByTestId("account-summary").waitFor();
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-account-summary");
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.context().close();
  }, 150_000);

  test("the same screens in Chinese, with a 60-character account name", async () => {
    const page = await signedIn("zh-CN");
    const long = "北京字节跳动科技有限公司华北大区渠道合作伙伴与企业数字化转型回款中心分公司";
    const account = await call<Row>(page, "POST", "/records/account", { name: long });
    const contract = await call<Row>(page, "POST", "/records/contract", { name: `${long}年度合同`, account: account.id, amount: "5796.87", status: "active" });
    // One instalment already late, one partly paid, one open: every state of a row.
    await call(page, "POST", `/sales/contracts/${contract.id}/payment-plan`, {
      instalments: [
        { due_date: "2026-11-30", amount: "2000.00" },
        { due_date: "2027-01-31", amount: "2000.00" },
        { due_date: "2027-03-31", amount: "1796.87" },
      ],
    });
    const plans = await call<{ records: Row[] }>(page, "POST", "/records/payment_plan/query", { filter: { field: "contract", op: "eq", value: contract.id }, sort: ["instalment"] });
    await call(page, "POST", "/records/payment", { payment_plan: plans.records[1]?.id, amount: "500.00", paid_on: "2026-12-05" });
    await page.goto(`/o/contract/${contract.id}`);
    await expect.poll(() => tile(page, "contract-tiles", "overdue")).toBe("¥2,000.00");
    expect(await page.getByTestId("contract-tiles").locator("[data-tile=overdue]").textContent()).toContain("1 期逾期");
    expect(await tile(page, "contract-tiles", "outstanding")).toBe("¥5,296.87");
    const rows = page.getByTestId("instalments").locator("tbody tr[data-instalment]");
    expect(await rows.nth(0).textContent()).toContain(`逾期 ${daysLateInShanghai("2026-11-30")} 天`);
    expect(await rows.nth(1).textContent()).toContain("部分回款");
    expect(await rows.nth(2).textContent()).toContain("未回款");
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-contract-payments-zh-CN");
    await rows.nth(0).getByRole("button", { name: "登记回款" }).click();
    await expect.poll(() => page.getByRole("dialog").getByLabel("回款金额").inputValue()).toBe("2,000.00");
    await settled(page, "cash-record-payment-zh-CN");
    await page.keyboard.press("Escape");
    await page.setViewportSize(PHONE);
    await page.getByTestId("instalments").locator("li").first().waitFor();
    await settled(page, "cash-contract-payments-zh-CN");
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.goto(`/o/account/${account.id}`);
    await expect.poll(() => tile(page, "account-summary", "overdue")).toBe("¥2,000.00");
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-account-summary-zh-CN");
    await page.setViewportSize(DESKTOP);
    await page.reload();
    await page.getByTestId("account-summary").waitFor();
    await settled(page, "cash-account-summary-zh-CN");

    // A demo account with signed contracts, deals and follow-ups: the tiles show the
    // server's figures as they are, formatted.
    const signed = await call<{ records: Row[] }>(page, "POST", "/records/contract/query", { filter: { field: "status", op: "eq", value: "active" }, sort: ["created_at"], limit: 1 });
    const demo = String(signed.records[0]?.account ?? "");
    const totals = await call<Record<string, string>>(page, "GET", `/sales/accounts/${demo}/summary`);
    await page.goto(`/o/account/${demo}`);
    for (const key of ["contracted", "collected", "outstanding", "overdue", "open_pipeline", "won_this_year"]) {
      await expect.poll(() => tile(page, "account-summary", key)).toBe(yuan(totals[key] ?? ""));
    }
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-account-summary-demo-zh-CN");
    await chooseLanguage(page, "en"); // the language is saved on the shared admin user
    await page.context().close();
  }, 150_000);

  test("a quote is revised into its next version, and an accepted quote becomes a contract once", async () => {
    const page = await signedIn("en");
    const found = await call<{ records: Row[] }>(page, "POST", "/records/account/query", { limit: 1, sort: ["name"] });
    const account = found.records[0];
    if (!account) throw new Error("the demo has no accounts");
    const quote = await call<Row>(page, "POST", "/records/quote", { name: "Guanxi E2E cash quote", account: account.id, tax_rate: "13" });
    await call(page, "POST", "/records/quote_line", { quote: quote.id, name: "关系 CRM 企业版授权", quantity: "3", unit_price: "1999.99" });

    await page.goto(`/o/quote/${quote.id}`);
    expect(await page.locator("[data-action=create-contract]").count()).toBe(0); // a draft is not a deal yet
    await page.locator("[data-action=revise]").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Create version 2?").waitFor();
    expect(await a11y(page)).toEqual([]);
    await dialog.getByRole("button", { name: "New version" }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/o/quote/") && !url.pathname.endsWith(quote.id));
    const revisedId = page.url().split("/").pop() ?? "";
    const revised = await call<Row>(page, "GET", `/records/quote/${revisedId}`);
    expect(revised.quote_version).toBe(2);
    expect(revised.previous_version).toBe(quote.id);
    expect(revised.total).toEqual({ amount: "6779.97", currency: "CNY" });
    expect((await call<Row>(page, "GET", `/records/quote/${quote.id}`)).status).toBe("superseded");
    await page.getByRole("link", { name: "Download PDF" }).waitFor(); // the PDF stays

    // Accepted: the next step is the contract, for the quote's total; a second one is refused.
    await call(page, "PATCH", `/records/quote/${revisedId}`, { status: "accepted" }, { "If-Match": `"${String(revised.version)}"` });
    await page.reload();
    expect(await page.locator("[data-action=revise]").count()).toBe(0);
    await page.locator("[data-action=create-contract]").click();
    await page.getByRole("dialog").getByText("¥6,779.97").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Create contract" }).click();
    await page.waitForURL(/\/o\/contract\/[0-9a-f-]{36}$/);
    const contractUrl = new URL(page.url()).pathname;
    await expect.poll(() => tile(page, "contract-tiles", "contracted")).toBe("¥6,779.97");

    await page.goto(`/o/quote/${revisedId}`);
    await page.locator("[data-action=create-contract]").click();
    const again = page.getByRole("dialog");
    await again.getByRole("button", { name: "Create contract" }).click();
    const refusal = again.getByTestId("contract-refusal");
    await refusal.getByText("A contract has already been made from it.").waitFor();
    const link = refusal.getByRole("link", { name: /Open contract HT-/ });
    await link.waitFor();
    expect(await a11y(page)).toEqual([]);
    await settled(page, "cash-contract-exists");
    await link.click();
    await page.waitForURL(`**${contractUrl}`);
    await page.context().close();
  }, 150_000);
});
