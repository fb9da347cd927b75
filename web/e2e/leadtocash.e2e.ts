/**
 * Leads to cash (线索到回款) in the browser, as issue #15's "done when" tells it: a website
 * enquiry is handed out by round-robin, its duplicate check finds the customer the rep
 * already has, it is converted onto that customer, the deal is dragged to won on the
 * kanban, the quote prints with its Chinese text, the contract is made and collected in
 * two instalments, and the customer's page shows it all with totals that agree.
 * The website's post and the quote's lines are made over the API (that is how they
 * arrive); everything a rep does is done on the screens.
 */
import type { Browser, Page } from "playwright-core";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, baseUrl, chooseLanguage, DESKTOP, drag, launch, openPage, screenshot, signIn } from "./browser";

const CUSTOMER = "北京字节跳动科技有限公司";

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

async function call<T>(page: Page, method: "GET" | "POST" | "PATCH", path: string, data?: unknown, version?: number): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const headers: Record<string, string> = { "X-CSRF-Token": csrf };
  if (version !== undefined) headers["If-Match"] = `"${String(version)}"`;
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

async function signedIn(email: string): Promise<Page> {
  const page = await openPage(browser, { viewport: DESKTOP, language: "zh-CN" });
  await signIn(page, email);
  await chooseLanguage(page, "zh-CN");
  return page;
}

async function userId(page: Page, name: string): Promise<string> {
  const found = await call<{ users: { id: string; name: string }[] }>(page, "GET", `/directory/users?q=${encodeURIComponent(name)}`);
  const user = found.users.find((u) => u.name.startsWith(name));
  if (!user) throw new Error(`no user ${name}`);
  return user.id;
}

/** The texts a PDF's fonts can show: the Unicode code points of its ToUnicode maps. */
function pdfCodePoints(pdf: Buffer): Set<number> {
  const points = new Set<number>();
  let at = 0;
  for (;;) {
    const start = pdf.indexOf("stream", at);
    if (start === -1) break;
    let body = start + "stream".length;
    if (pdf[body] === 0x0d) body += 1;
    if (pdf[body] === 0x0a) body += 1;
    const end = pdf.indexOf("endstream", body);
    if (end === -1) break;
    const raw = pdf.subarray(body, end);
    let text: string;
    try {
      text = inflateSync(raw).toString("latin1");
    } catch {
      text = raw.toString("latin1"); // stored as it is (fpdf2 leaves ToUnicode maps plain)
    }
    if (text.includes("begincmap")) {
      for (const match of text.matchAll(/<[0-9A-Fa-f]{4}>\s*<([0-9A-Fa-f]{4,8})>/g)) points.add(parseInt(match[1] ?? "0", 16));
    }
    at = end + "endstream".length;
  }
  return points;
}

describe("leads to cash", () => {
  test("a web enquiry becomes a collected contract on the customer's page", async () => {
    const admin = await signedIn("admin@example.com");
    const zhang = await signedIn("rep.zhang@example.com");
    const customer = await call<Row>(zhang, "POST", "/records/account", { name: CUSTOMER });

    // The website's form, handing enquiries to Zhang and Wang in turn.
    const reps = [await userId(admin, "张伟"), await userId(admin, "王芳")];
    const rule = await call<Row>(admin, "POST", "/assignment-rules", {
      object: "lead",
      name: { en: "E2E website leads", "zh-CN": "E2E 官网线索" },
      strategy: "round_robin",
      members: { type: "users", ids: reps },
    });
    const form = await call<{ submit_url: string }>(admin, "POST", "/sales/forms", {
      name: "E2E 官网咨询",
      fields: ["company", "name", "mobile"],
      assignment_rule_id: rule.id,
    });
    const leadName = `李雷 ${String(Date.now())}`;
    for (const [company, name] of [
      ["字节跳动（北京）", leadName],
      ["上海某贸易公司", `韩梅梅 ${String(Date.now())}`],
    ]) {
      const posted = await fetch(`${baseUrl()}${form.submit_url}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ company: company ?? "", name: name ?? "", mobile: "13800138000" }),
      });
      expect(posted.status).toBe(201);
    }
    const [lead] = (await call<{ records: Row[] }>(zhang, "POST", "/records/lead/query", { filter: { field: "name", op: "eq", value: leadName } })).records;
    if (!lead) throw new Error("the enquiry was not handed to Zhang");
    expect(lead.owner_id).toBe(reps[0]);

    // Zhang opens the lead: its duplicate check suggests the customer he already has.
    await zhang.goto(`/o/lead/${lead.id}`);
    await zhang.locator("[data-action=convert]").click();
    const dialog = zhang.getByRole("dialog");
    const suggestion = dialog.getByTestId("duplicate-account").first();
    await suggestion.waitFor();
    expect(await suggestion.isChecked()).toBe(true);
    await dialog.getByText(CUSTOMER).first().waitFor();
    await dialog.getByLabel("商机名称").fill("字节跳动 CRM 采购");
    await dialog.getByLabel("金额").fill("120000");
    await dialog.getByLabel("预计成交日期").fill("2026-12-31");
    await dialog.getByLabel("预计成交日期").press("Tab");
    await dialog.getByRole("button", { name: "转化" }).click();
    await zhang.waitForURL(/\/o\/opportunity\/[0-9a-f-]{36}$/);
    const dealId = zhang.url().split("/").pop() ?? "";
    const deal = await call<Row>(zhang, "GET", `/records/opportunity/${dealId}`);
    expect(deal.account).toBe(customer.id);

    // On the kanban by stage, the deal is dragged to won.
    await zhang.goto("/o/opportunity");
    await zhang.locator(".ant-table-row").first().waitFor();
    await zhang.getByText("看板", { exact: true }).click();
    await zhang.getByLabel("分列字段").click();
    await zhang.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^销售阶段$/ }).click();
    const card = (column: string) => zhang.getByTestId(`kanban-column-${column}`).getByTestId("kanban-card").filter({ hasText: "字节跳动 CRM 采购" });
    await card("prospecting").waitFor();
    const stages = ["prospecting", "qualification", "proposal", "negotiation", "won"];
    for (const [from, to] of stages.slice(0, -1).map((stage, i) => [stage, stages[i + 1] ?? ""])) {
      // The next column in sight beside this one (the board scrolls sideways).
      await zhang.getByTestId(`kanban-column-${to ?? ""}`).evaluate((column) => column.scrollIntoView({ inline: "end", block: "nearest" }));
      await drag(zhang, card(from ?? ""), zhang.getByTestId(`kanban-column-${to ?? ""}`));
      await card(to ?? "").waitFor();
    }
    await expect.poll(async () => (await call<Row>(zhang, "GET", `/records/opportunity/${dealId}`)).stage).toBe("won");
    await screenshot(zhang, "leadtocash-kanban-won");

    // The quote prints with the customer's Chinese name in an embedded font.
    const contactId = (await call<Row>(zhang, "GET", `/records/lead/${lead.id}`)).converted_contact as string;
    const quote = await call<Row>(zhang, "POST", "/records/quote", { name: "CRM 企业版报价", account: customer.id, contact: contactId, opportunity: dealId, tax_rate: "13" });
    for (const [name, quantity, price] of [
      ["关系 CRM 企业版授权", "50", "1800"],
      ["实施服务", "1", "16194.69"],
    ]) {
      await call<Row>(zhang, "POST", "/records/quote_line", { quote: quote.id, name, quantity, unit_price: price });
    }
    await zhang.goto(`/o/quote/${quote.id}`);
    const pdfLink = zhang.locator("[data-action=pdf]");
    const href = await pdfLink.getAttribute("href");
    if (!href) throw new Error("the quote offers no PDF");
    const pdf = await zhang.request.get(href);
    expect(pdf.headers()["content-type"]).toBe("application/pdf");
    const body = await pdf.body();
    expect(body.subarray(0, 5).toString()).toBe("%PDF-");
    expect(body.includes("/FontFile2")).toBe(true); // the font travels with the PDF
    const printed = pdfCodePoints(body);
    for (const char of `${CUSTOMER}报价单关系企业版授权`) expect(printed.has(char.codePointAt(0) ?? 0), char).toBe(true);

    // The contract, from the won deal; signed; collected in two instalments.
    await zhang.goto(`/o/opportunity/${dealId}`);
    await zhang.locator("[data-action=create-contract]").click();
    const made = zhang.getByRole("dialog");
    await made.getByText("¥120,000.00").waitFor();
    await made.getByRole("button", { name: "新建合同" }).click();
    await zhang.waitForURL(/\/o\/contract\/[0-9a-f-]{36}$/);
    const contractId = zhang.url().split("/").pop() ?? "";
    await zhang.getByTestId("contract-tiles").waitFor();
    await zhang.getByTestId("stage-path").getByRole("button", { name: "执行中" }).click();
    await expect.poll(() => zhang.getByTestId("stage-path").locator("[aria-current=step]").textContent()).toContain("执行中");
    await zhang.getByRole("button", { name: "制定回款计划" }).click();
    const plan = zhang.getByRole("dialog");
    await plan.getByLabel("期数").fill("2");
    await plan.getByRole("button", { name: "平均拆分" }).click();
    await expect.poll(() => plan.getByTestId("plan-totals").textContent()).toContain("¥120,000.00");
    await plan.getByRole("button", { name: "保存回款计划" }).click();
    await plan.waitFor({ state: "hidden" });
    const rows = zhang.getByTestId("instalments").locator("tbody tr[data-instalment]");
    await expect.poll(() => rows.count()).toBe(2);
    for (const n of [0, 1]) {
      await rows.nth(n).getByRole("button", { name: /登记回款/ }).click();
      const pay = zhang.getByRole("dialog");
      await expect.poll(() => pay.getByLabel("金额").inputValue()).toBe("60,000.00");
      await pay.getByRole("button", { name: "登记回款" }).click();
      await pay.waitFor({ state: "hidden" });
    }
    const tile = async (panel: string, key: string) => (await zhang.getByTestId(panel).locator(`[data-tile=${key}] dd`).first().textContent()) ?? "";
    await expect.poll(() => tile("contract-tiles", "collected")).toBe("¥120,000.00");
    expect(await tile("contract-tiles", "outstanding")).toBe("¥0.00");

    // The customer's page: the same totals, and every step on its timeline.
    await zhang.goto(`/o/account/${customer.id}`);
    await expect.poll(() => tile("account-summary", "contracted")).toBe("¥120,000.00");
    expect(await tile("account-summary", "collected")).toBe("¥120,000.00");
    expect(await tile("account-summary", "outstanding")).toBe("¥0.00");
    expect(await tile("account-summary", "won_this_year")).toBe("¥120,000.00");
    const timeline = zhang.getByTestId("timeline");
    const payments = await call<{ records: Row[] }>(zhang, "POST", "/records/payment/query", { filter: { field: "contract", op: "eq", value: contractId } });
    expect(payments.records).toHaveLength(2);
    const contract = await call<Row>(zhang, "GET", `/records/contract/${contractId}`);
    // Each named as its object's name field names it: payments by number, the rest by name.
    for (const label of [...payments.records.map((p) => String(p.payment_no)), String(contract.name), "CRM 企业版报价", "字节跳动 CRM 采购"]) {
      await timeline.getByRole("link", { name: label }).first().waitFor();
    }
    expect(await accessibilityProblems(zhang)).toEqual([]);
    await screenshot(zhang, "leadtocash-account");
    await admin.context().close();
    await zhang.context().close();
  });
});
