import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, baseUrl, chooseLanguage, DESKTOP, launch, openPage, PHONE, screenshot, signIn } from "./browser";

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
  owner_id: string | null;
}

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(page: Page, method: "GET" | "POST" | "PATCH", path: string, data?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf, ...headers } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Screenshots show screens at rest, not a dialog halfway through opening. */
async function settled(page: Page, name: string): Promise<void> {
  await animationsSettled(page);
  await screenshot(page, name);
}

async function signedIn(email: string, language: "en" | "zh-CN", viewport = DESKTOP): Promise<Page> {
  // The language is chosen on a desktop screen, where the switch is in the top bar.
  const page = await openPage(browser, { viewport: DESKTOP, language });
  await signIn(page, email);
  await chooseLanguage(page, language);
  if (viewport !== DESKTOP) await page.setViewportSize(viewport);
  return page;
}

/** Put the shared admin user's language back (saved on the user), on a desktop screen. */
async function restoreLanguage(page: Page): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await chooseLanguage(page, "en");
}

async function pick(page: Page, text: string | RegExp): Promise<void> {
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: text }).click();
}

const POOL = "E2E 华东公海 East pool";
// What waits on a server round trip and the refetch after it, on a machine shared by many.
const SERVER = { timeout: 10_000 };
const ADMIN = "admin@example.com";
const REP = "rep.zhang@example.com";

describe("customer pools (公海)", () => {
  test("an administrator opens a pool to reps, releases an account into it, and a rep claims it up to the limit", async () => {
    // How many accounts the rep owns now: the pool lets them claim exactly one more.
    const rep = await signedIn(REP, "en");
    const repId = ((await call<{ id: string }>(rep, "GET", "/auth/me")) as { id: string }).id;
    const owned = await call<{ total: number }>(rep, "POST", "/records/account/query", { filter: { field: "owner_id", op: "eq", value: repId }, limit: 1, with_total: true });

    const admin = await signedIn(ADMIN, "en");
    // Two accounts of another rep, from the end of the alphabet (other files use the first).
    const wang = (await call<{ users: { id: string }[] }>(admin, "GET", "/directory/users?q=Wang%20Fang")).users[0]?.id ?? "";
    const { records } = await call<{ records: Row[] }>(admin, "POST", "/records/account/query", {
      filter: { field: "owner_id", op: "eq", value: wang },
      sort: ["-name"],
      limit: 2,
      fields: ["name", "owner_id"],
    });
    const [first, second] = records;
    if (!first || !second) throw new Error("the demo gives 王芳 fewer than two accounts");

    // The pool, made in its settings page; a missing claim limit is said on the field.
    await admin.goto("/sales/pools/settings");
    await admin.getByRole("heading", { name: "Pool settings" }).waitFor();
    await admin.getByRole("button", { name: "New pool" }).first().click();
    const drawer = admin.getByRole("dialog");
    await drawer.getByLabel("Pool name").fill(POOL);
    await drawer.getByLabel("Member roles").click();
    await pick(admin, /^Sales rep$/);
    await admin.keyboard.press("Escape");
    await drawer.getByLabel("Claim limit").fill("");
    await drawer.getByRole("button", { name: "Create" }).click();
    await drawer.getByText("Enter a whole number").waitFor();
    await drawer.getByLabel("Claim limit").fill(String(owned.total + 1));
    await drawer.getByRole("switch", { name: "Reclaim rules" }).click();
    await drawer.getByLabel("No follow-up for").fill("60");
    await drawer.getByLabel("Warn the owner").fill("5");
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "pools-settings-drawer");
    await drawer.getByRole("button", { name: "Create" }).click();
    await admin.getByText(`Pool “${POOL}” created`).waitFor();
    const row = admin.locator(".ant-table-row", { hasText: POOL });
    await expect.poll(() => row.textContent(), SERVER).toContain("Sales rep");
    expect(await row.textContent()).toContain("60 days without follow-up");
    // Reclaim now: nothing here is idle for 60 days; the answer says so.
    await row.getByRole("button", { name: `Reclaim now: ${POOL}` }).click();
    await admin.getByText(`${POOL}: 0 accounts returned to the pool, 0 owners warned`).waitFor();
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "pools-settings");
    const pool = (await call<{ pools: { id: string; name: string }[] }>(admin, "GET", "/sales/pools")).pools.find((p) => p.name === POOL);
    if (!pool) throw new Error("the pool was not made");

    // Released from the account page, with a reason; the page then says it is in the pool.
    await admin.goto(`/o/account/${first.id}`);
    await admin.getByRole("heading", { name: first.name }).waitFor();
    await admin.locator("[data-action=release]").click();
    const release = admin.getByRole("dialog");
    await release.getByLabel("Pool").click();
    await pick(admin, POOL);
    await release.getByRole("button", { name: "No need at present" }).click();
    expect(await release.getByRole("textbox", { name: "Reason" }).inputValue()).toBe("No need at present");
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "pools-release");
    await release.getByRole("button", { name: "Release" }).click();
    await admin.getByText(`“${first.name}” returned to ${POOL}`).waitFor();
    await admin.getByTestId("pool-notice").getByText(`In the customer pool “${POOL}” since`).waitFor();
    expect(await admin.locator("[data-action=release]").count()).toBe(0);
    await admin.getByRole("tab", { name: "Pool log" }).click();
    const history = admin.getByRole("region", { name: "Pool log" });
    await expect.poll(() => history.textContent(), SERVER).toContain("Returned");
    expect(await history.textContent()).toContain("No need at present");
    expect(await history.textContent()).toContain("王芳");
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "pools-account-history");
    // The second one through the API: the screen is the same.
    await call(admin, "POST", `/sales/accounts/${second.id}/release`, { pool_id: pool.id, reason: "联系不上" });

    // The rep sees both in the pool, with their count against the limit, and claims one.
    await rep.goto("/sales/pools");
    await rep.getByRole("heading", { name: "Customer pools" }).waitFor();
    const tab = rep.getByRole("tab", { name: POOL });
    if (await tab.count()) await tab.click();
    const holding = rep.getByTestId("pool-holding");
    await expect.poll(() => holding.textContent(), SERVER).toBe(`You own ${String(owned.total)} of at most ${String(owned.total + 1)} accounts`);
    const firstRow = rep.locator(".ant-table-row", { hasText: first.name });
    await expect.poll(() => firstRow.textContent(), SERVER).toContain("王芳"); // the previous owner's name follows the row
    await rep.locator(".ant-table-row", { hasText: second.name }).waitFor();
    expect(await accessibilityProblems(rep)).toEqual([]);
    await settled(rep, "pools-page");
    await firstRow.getByRole("button", { name: `Claim ${first.name}` }).click();
    await rep.getByText(`“${first.name}” is now yours`).waitFor();
    await expect.poll(() => firstRow.count(), SERVER).toBe(0);
    await expect.poll(() => holding.textContent(), SERVER).toBe(`You own ${String(owned.total + 1)} of at most ${String(owned.total + 1)} accounts — limit reached`);

    // One more is beyond the limit: refused, in words, with the numbers.
    await rep.locator(".ant-table-row", { hasText: second.name }).getByRole("button", { name: `Claim ${second.name}` }).click();
    const refusal = rep.getByTestId("claim-refusal");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(`“${second.name}” was not claimed`);
    expect(await refusal.textContent()).toContain(`You own ${String(owned.total + 1)} accounts and this pool lets a member own at most ${String(owned.total + 1)}.`);
    expect(await accessibilityProblems(rep)).toEqual([]);
    await settled(rep, "pools-refused");

    // Returned by the rep from its page, it cools down: claiming it again says from when.
    await rep.goto(`/o/account/${first.id}`);
    await rep.locator("[data-action=release]").click();
    await rep.getByRole("dialog").getByRole("textbox", { name: "Reason" }).fill("客户暂停采购");
    await rep.getByRole("dialog").getByRole("button", { name: "Release" }).click();
    // Out of the rep's sight now: they land on the pool, where it waits.
    await rep.waitForURL(`**/sales/pools?pool=${pool.id}`);
    const back = rep.locator(".ant-table-row", { hasText: first.name });
    await back.getByRole("button", { name: `Claim ${first.name}` }).click();
    await expect.poll(() => refusal.textContent(), SERVER).toMatch(/You returned this account recently\. You may claim it again from \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(a 30-day cool-down\)\./);

    // Put back what other files may read: both accounts to their owner.
    for (const account of [first, second]) {
      const now = await call<Row>(admin, "GET", `/records/account/${account.id}?fields=name`);
      await call(admin, "PATCH", `/records/account/${account.id}`, { owner_id: wang, pool_state: "owned" }, { "If-Match": `"${String(now.version)}"` });
    }
    await rep.context().close();
    await admin.context().close();
  }, 150_000); // a long story through several screens, on a loaded machine too

  test("the pool page on a phone, in Chinese", async () => {
    const admin = await signedIn(ADMIN, "zh-CN", PHONE);
    const pool = (await call<{ pools: { id: string; name: string }[] }>(admin, "GET", "/sales/pools")).pools.find((p) => p.name === POOL);
    if (!pool) throw new Error("the pool of the first test is missing");
    // A 60-character company waits in the pool.
    const long = "北京字节跳动科技有限公司华北大区渠道合作伙伴与企业数字化转型服务中心公海测试分公司";
    const made = await call<Row>(admin, "POST", "/records/account", { name: long, industry: "it", address: { country: "CN", province: "北京市", city: "北京市", district: "海淀区" } });
    await call(admin, "POST", `/sales/accounts/${made.id}/release`, { pool_id: pool.id, reason: "暂无需求" });
    await admin.goto(`/sales/pools?pool=${pool.id}`);
    await admin.getByRole("heading", { name: "公海", exact: true }).waitFor();
    const row = admin.locator(".ant-table-row", { hasText: long });
    await row.waitFor();
    expect(await row.getByRole("button", { name: `领取 ${long}` }).isVisible()).toBe(true);
    // Nothing wider than the screen but the table's own scroller.
    expect(await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "pools-page-zh-CN");
    await restoreLanguage(admin);
    await admin.context().close();
  });
});

describe("web-to-lead forms", () => {
  test("an administrator makes a form; a website posts to its public address and the lead arrives, assigned", async () => {
    const admin = await signedIn(ADMIN, "en");
    const zhang = (await call<{ users: { id: string }[] }>(admin, "GET", "/directory/users?q=Zhang%20Wei")).users[0]?.id ?? "";
    await call(admin, "POST", "/assignment-rules", {
      object: "lead",
      name: { en: "E2E web leads to Zhang", "zh-CN": "E2E 官网线索分给张伟" },
      strategy: "round_robin",
      members: { type: "users", ids: [zhang] },
    });

    await admin.goto("/sales/forms");
    await admin.getByRole("heading", { name: "Web-to-lead forms" }).waitFor();
    await admin.getByRole("button", { name: "New form" }).first().click();
    const drawer = admin.getByRole("dialog");
    // Saved without a name: said on the field.
    await drawer.getByRole("button", { name: "Create" }).click();
    await drawer.getByText("Give the form a name").waitFor();
    await drawer.getByLabel("Form name").fill("E2E 官网咨询表单");
    // The lead's name is always asked; company and mobile come ticked; add Industry, make
    // Company required and put it first.
    const picker = drawer.getByRole("group", { name: "Fields on the form" });
    expect(await picker.getByRole("checkbox", { name: "Name", exact: true }).isDisabled()).toBe(true);
    await picker.getByRole("checkbox", { name: "Industry", exact: true }).check();
    await picker.getByRole("checkbox", { name: "Company required" }).check();
    await picker.getByRole("button", { name: "Move Company up" }).click();
    await drawer.getByLabel("Consent text").fill("我同意按<隐私政策>处理我的信息。I agree.");
    await drawer.getByLabel("Assignment rule").click();
    await pick(admin, "E2E web leads to Zhang");
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "web-form-editor");
    await drawer.getByRole("button", { name: "Create" }).click();
    await admin.getByText("Form “E2E 官网咨询表单” created — paste its snippet into your website").waitFor();

    // The drawer stays, now with the public address and the snippet.
    const publish = drawer.getByTestId("web-form-publish");
    await publish.waitFor();
    const url = (await publish.getByTestId("web-form-url").textContent()) ?? "";
    expect(url).toMatch(new RegExp(`^${baseUrl()}/api/v1/public/forms/[\\w-]{16}$`));
    const snippet = await publish.getByTestId("web-form-snippet").inputValue();
    expect(snippet).toContain(`action="${url}"`);
    expect(snippet).toContain('name="homepage"');
    expect(snippet).toContain("我同意按&lt;隐私政策&gt;处理我的信息。I agree.");
    expect(snippet.indexOf('name="company"')).toBeLessThan(snippet.indexOf('name="name"'));
    expect(snippet).toContain('<input id="gx-company" name="company" type="text" required>');
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "web-form-publish");

    // A website posts the plain HTML form's fields (no sign-in) …
    const key = url.split("/").pop() ?? "";
    const company = `E2E 表单客户 ${key.slice(0, 6)}`;
    const posted = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ company, name: "韩梅梅", mobile: "+8613800138000", industry: "it", consent: "yes", homepage: "", utm_source: "baidu" }),
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toEqual({ status: "received" });
    // … a bot filling the honeypot is answered the same and makes nothing …
    const bot = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ company: "Bot Ltd", name: "Bot", consent: "yes", homepage: "https://spam.example" }),
    });
    expect(bot.status).toBe(201);
    // … and one without consent is refused, naming it.
    const refused = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ company: "No consent Ltd", name: "X" }) });
    expect(refused.status).toBe(422);

    const leads = await call<{ records: (Row & Record<string, unknown>)[] }>(admin, "POST", "/records/lead/query", {
      filter: { field: "web_form", op: "eq", value: key },
      fields: ["name", "company", "source", "utm_source", "consent_text", "owner_id", "industry"],
    });
    expect(leads.records).toHaveLength(1);
    expect(leads.records[0]).toMatchObject({ name: "韩梅梅", company, source: "web_form", utm_source: "baidu", industry: "it", owner_id: zhang, consent_text: "我同意按<隐私政策>处理我的信息。I agree." });

    // The list counts the form's lead; turning it off (confirmed) makes the address refuse.
    await drawer.getByRole("button", { name: "Done" }).click();
    const row = admin.locator(".ant-table-row", { hasText: "E2E 官网咨询表单" });
    await expect.poll(() => row.textContent(), SERVER).toContain("E2E web leads to Zhang");
    await expect.poll(() => row.locator("td").nth(3).textContent(), SERVER).toBe("1");
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "web-forms");
    await row.getByRole("button", { name: "Turn off E2E 官网咨询表单" }).click();
    await admin.getByRole("dialog", { name: "Turn off “E2E 官网咨询表单”?" }).getByRole("button", { name: "Turn off" }).click();
    await admin.getByText("“E2E 官网咨询表单” no longer takes submissions").waitFor();
    await expect.poll(() => row.textContent(), SERVER).toContain("Off");
    expect((await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status).toBe(404);

    // Deleting asks first.
    await row.getByRole("button", { name: "Delete E2E 官网咨询表单" }).click();
    const confirm = admin.getByRole("dialog", { name: "Delete “E2E 官网咨询表单”?" });
    await confirm.getByText("Its leads stay.", { exact: false }).waitFor();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await admin.getByText("“E2E 官网咨询表单” deleted").waitFor();
    await expect.poll(() => row.count(), SERVER).toBe(0);
    await admin.context().close();
  });

  test("the form editor on a phone, in Chinese", async () => {
    const admin = await signedIn(ADMIN, "zh-CN", PHONE);
    const made = await call<{ id: string; name: string }>(admin, "POST", "/sales/forms", {
      name: "展会报名表 2026 春季新品发布会",
      fields: ["name", "company", "mobile", "email", "industry"],
      required: ["company", "mobile"],
      consent_text: "我同意按隐私政策处理我的信息。",
    });
    await admin.goto("/sales/forms");
    await admin.locator(".ant-table-row", { hasText: made.name }).getByRole("button", { name: `编辑 ${made.name}` }).click();
    const drawer = admin.getByRole("dialog");
    await drawer.getByLabel("表单名称").waitFor();
    expect(await drawer.getByRole("checkbox", { name: "公司名称 必填" }).isChecked()).toBe(true);
    expect(await drawer.getByRole("checkbox", { name: "邮箱 必填" }).isChecked()).toBe(false);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "web-form-editor-zh-CN");
    await drawer.getByRole("tab", { name: "嵌入网站" }).click();
    const snippet = drawer.getByTestId("web-form-snippet");
    await expect.poll(() => snippet.inputValue(), SERVER).toContain('<label for="gx-company">公司名称 *</label>');
    await drawer.locator(".ant-segmented-item", { hasText: "English" }).click();
    await expect.poll(() => snippet.inputValue(), SERVER).toContain('<label for="gx-company">Company *</label>');
    expect(await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await accessibilityProblems(admin)).toEqual([]);
    await settled(admin, "web-form-publish-zh-CN");
    await admin.keyboard.press("Escape");
    await restoreLanguage(admin);
    await admin.context().close();
  });
});
