import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, chooseLanguage, DESKTOP, launch, openPage, PASSWORD, PHONE, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(page: Page, method: "GET" | "PATCH" | "POST", path: string, data?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf, ...headers } });
  return { status: response.status(), body: (await response.json()) as T };
}

async function ok<T>(page: Page, method: "GET" | "PATCH" | "POST", path: string, data?: unknown): Promise<T> {
  const answer = await call<T>(page, method, path, data);
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
  return answer.body;
}

async function choose(page: Page, select: Locator, typed: string, shown: string): Promise<void> {
  await select.click();
  if (typed) await page.keyboard.type(typed);
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: shown }).first().click();
}

interface Process {
  id: string;
  version: number;
  steps: { name: { en?: string; "zh-CN"?: string }; condition?: unknown; approvers: { type: string; id?: string; levels?: number }[]; mode: string }[];
  on_approve: { type: string; values: Record<string, unknown> }[];
  entry_condition: unknown;
}

const PROCESS = "E2E contract approval";
const SERVER = { timeout: 10_000 };
// A small PDF-like file with non-ASCII bytes, to compare what comes back byte for byte.
const FILE = Buffer.from("%PDF-1.4 付款条件\n", "utf8");

describe("approvals (审批)", () => {
  test("an administrator designs manager-then-finance on contracts; a rep submits, the approvers decide from My approvals", async () => {
    const admin = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(admin, "admin@example.com");
    await chooseLanguage(admin, "en");
    // Finance: 钱财务, who signs in; and someone who leaves before the process is published.
    const qian = (await ok<{ id: string }>(admin, "POST", "/admin/users", { email: "qian.finance@example.com", name: "钱财务 Qian Cai", password: PASSWORD, locale: "zh-CN" })).id;
    const leaver = (await ok<{ id: string }>(admin, "POST", "/admin/users", { email: "e2e.leaver@example.com", name: "E2E 离职员工" })).id;

    await admin.getByRole("navigation").first().getByRole("link", { name: "Approval processes" }).click();
    await admin.getByRole("heading", { name: "Approval processes" }).waitFor();
    expect(new URL(admin.url()).pathname).toBe("/settings/approval-processes");
    await admin.getByRole("button", { name: "New process" }).first().click();
    const processPane = admin.getByRole("complementary", { name: "Process" });
    await choose(admin, processPane.locator("#process-object"), "Contract", "Contract");
    await processPane.getByLabel("Name (Chinese)").fill("E2E 合同审批");
    await processPane.getByLabel("Name (English)").fill(PROCESS);

    // Only drafts may be submitted: the list view's filter builder.
    await processPane.getByRole("button", { name: "Add condition" }).click();
    await choose(admin, processPane.getByRole("combobox", { name: "Field" }), "Status", "Status");
    await choose(admin, processPane.getByRole("combobox", { name: "Value" }), "", "Draft");
    await admin.keyboard.press("Escape");

    // The first step starts as the submitter's manager; it is named.
    const canvas = admin.getByRole("region", { name: "Approval flow" });
    await canvas.locator("[data-step='0']").click();
    const first = admin.getByRole("complementary", { name: "Step 1" });
    await first.getByLabel("Name (Chinese)").fill("直属经理");
    await first.getByLabel("Name (English)").fill("Manager");
    expect(await canvas.locator("[data-step='0']").textContent()).toContain("Submitter’s manager");

    // "+" below it adds the second step; publishing without an approver is stopped on it.
    await canvas.getByRole("button", { name: "Add a step as step 2" }).click();
    const second = admin.getByRole("complementary", { name: "Step 2" });
    await second.getByLabel("Name (Chinese)").fill("财务审批");
    await second.getByLabel("Name (English)").fill("Finance");
    // Finance decides large contracts only.
    await second.getByRole("button", { name: "Add condition" }).click();
    await choose(admin, second.getByRole("combobox", { name: "Field" }), "Contract amount", "Contract amount");
    await choose(admin, second.getByRole("combobox", { name: "Operator" }), "", "greater than");
    await second.getByRole("spinbutton", { name: "Value" }).fill("1000000");
    await expect.poll(() => canvas.locator("[data-step='1']").textContent()).toContain("When Contract amount greater than 1,000,000");
    await admin.getByRole("button", { name: "Publish" }).click();
    await second.getByText("Add at least one approver.").waitFor();
    await canvas.getByRole("img", { name: "1 problem" }).waitFor();

    // A named user who leaves meanwhile: the server's 422 lands on step 2's approvers.
    await second.getByRole("button", { name: "Add approver" }).click();
    await choose(admin, second.getByRole("combobox", { name: "Approver 1 of step 2" }), "离职", "E2E 离职员工");
    await ok(admin, "PATCH", `/admin/users/${leaver}`, { active: false });
    await admin.getByRole("button", { name: "Publish" }).click();
    await second.getByText("no active user with this id").waitFor();
    expect(await canvas.locator("[data-step='1']").getAttribute("class")).toMatch(/stepInvalid/);
    expect(await canvas.locator("[data-step='0']").getAttribute("class")).not.toMatch(/stepInvalid/);
    await animationsSettled(admin);
    await admin.screenshot({ path: "/tmp/approvals-designer-422.png" });

    // The order is the list's: a node dragged above the first becomes the first; ↓ moves it back.
    const dragged = canvas.locator("[data-step='1']");
    const box = await dragged.boundingBox();
    if (!box) throw new Error("step 2 is not on the canvas");
    await admin.mouse.move(box.x + box.width / 2, box.y + 12);
    await admin.mouse.down();
    for (let i = 1; i <= 10; i += 1) await admin.mouse.move(box.x + box.width / 2, box.y + 12 - i * 16);
    await admin.mouse.up();
    await expect.poll(() => canvas.locator("[data-step='0']").textContent()).toContain("Finance");
    await canvas.getByRole("button", { name: "Move step 1 down" }).click();
    await expect.poll(() => canvas.locator("[data-step='0']").textContent()).toContain("Manager");

    // Finance instead; approved contracts become active.
    await choose(admin, second.getByRole("combobox", { name: "Approver 1 of step 2" }), "Qian", "钱财务 Qian Cai");
    await processPane.getByRole("button", { name: "Set a field" }).first().click();
    await choose(admin, processPane.getByRole("combobox", { name: "When approved, set: field 1" }), "Status", "Status");
    await choose(admin, processPane.getByRole("group", { name: "When approved, set: value 1" }).getByRole("combobox"), "", "Active");
    expect(await accessibilityProblems(admin)).toEqual([]);
    await admin.getByRole("button", { name: "Publish" }).click();
    await admin.getByText(`“${PROCESS}” published as version 1`).waitFor();
    const processes = (await ok<{ processes: (Process & { name: { en: string } })[] }>(admin, "GET", "/approvals/processes?object=contract")).processes;
    const made = processes.find((p) => p.name.en === PROCESS);
    expect(made?.steps).toEqual([
      { name: { en: "Manager", "zh-CN": "直属经理" }, approvers: [{ type: "manager", levels: 1 }], mode: "sequential" },
      { name: { en: "Finance", "zh-CN": "财务审批" }, condition: { field: "amount", op: "gt", value: "1000000" }, approvers: [{ type: "user", id: qian }], mode: "sequential" },
    ]);
    expect(made?.on_approve).toEqual([{ type: "update_fields", values: { status: "active" } }]);
    expect(made?.entry_condition).toEqual({ field: "status", op: "in", value: ["draft"] });

    // The designer in Chinese, as the list opens it.
    await chooseLanguage(admin, "zh-CN");
    await admin.goto(`/settings/approval-processes?process=${made?.id ?? ""}`);
    await admin.getByRole("region", { name: "审批流程图" }).locator("[data-step='1']").click();
    await admin.getByRole("complementary", { name: "步骤 2" }).getByText("钱财务 Qian Cai").waitFor();
    await animationsSettled(admin);
    await screenshot(admin, "approvals-designer-zh");
    await admin.setViewportSize(PHONE);
    await animationsSettled(admin);
    await admin.screenshot({ path: "/tmp/approvals-designer-phone.png", fullPage: true });
    await admin.setViewportSize(DESKTOP);
    await chooseLanguage(admin, "en");
    await admin.close();

    // Zhang Wei submits a contract of his; it goes to his manager and is locked.
    const zhang = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(zhang, "rep.zhang@example.com");
    await chooseLanguage(zhang, "en");
    const account = await ok<{ id: string }>(zhang, "POST", "/records/account", { name: "E2E 杭州审批测试有限公司" });
    const contract = await ok<{ id: string }>(zhang, "POST", "/records/contract", { name: "E2E 年度框架合同", account: account.id, amount: "1500000" });
    await zhang.goto(`/o/contract/${contract.id}`);
    await zhang.getByRole("button", { name: "Submit for approval" }).click();
    const dialog = zhang.getByRole("dialog");
    await dialog.getByText(PROCESS).waitFor();
    await dialog.getByLabel("Comment").fill("请审批");
    await dialog.getByRole("button", { name: "Submit" }).click();
    const banner = zhang.getByRole("status").filter({ hasText: "Awaiting approval" });
    await expect.poll(() => banner.textContent(), SERVER).toContain("“Manager” by 周经理 Zhou Qiang");
    // The banner and the button follow separate queries: the button goes once its own refetch answers.
    await expect.poll(() => zhang.getByRole("button", { name: "Submit for approval" }).count(), SERVER).toBe(0);
    await animationsSettled(zhang);
    await zhang.screenshot({ path: "/tmp/approvals-record-pending.png" });
    // Saving now is refused in words, not as the server's detail.
    await zhang.getByRole("button", { name: "Edit" }).click();
    await zhang.getByLabel("Contract name").fill("E2E 年度框架合同（改）");
    await zhang.getByRole("button", { name: "Save", exact: true }).click();
    await zhang.getByText("This record is awaiting approval and cannot be changed until the request is approved, rejected or recalled.").waitFor();
    await zhang.getByRole("button", { name: "Cancel" }).click();

    // 周经理 approves from My approvals.
    const zhou = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(zhou, "manager.zhou@example.com");
    await chooseLanguage(zhou, "en");
    await zhou.getByRole("navigation").first().getByRole("link", { name: "My approvals" }).click();
    const row = zhou.locator(".ant-table-row", { hasText: "E2E 年度框架合同" });
    await expect.poll(() => row.textContent(), SERVER).toContain("张伟 Zhang Wei");
    expect(await row.textContent()).toContain("Manager");
    await row.getByRole("button", { name: "Open the request for E2E 年度框架合同" }).click();
    const drawer = zhou.getByRole("dialog");
    await drawer.getByRole("button", { name: "Approve" }).click();
    const approve = zhou.getByRole("dialog", { name: "Approve" });
    await approve.getByLabel("Comment").fill("同意,金额合理");
    await approve.getByRole("button", { name: "Approve" }).click();
    await zhou.getByText("Approved", { exact: true }).first().waitFor();
    await expect.poll(() => row.count(), SERVER).toBe(0);
    await zhou.close();

    // 钱财务 (who reads Chinese) decides the last step.
    const finance = await openPage(browser, { viewport: DESKTOP, language: "zh-CN" });
    await signIn(finance, "qian.finance@example.com");
    await finance.getByRole("navigation").first().getByRole("link", { name: "我的审批" }).click();
    const mine = finance.locator(".ant-table-row", { hasText: "E2E 年度框架合同" });
    await expect.poll(() => mine.textContent(), SERVER).toContain("财务审批");
    expect(await accessibilityProblems(finance)).toEqual([]);
    await animationsSettled(finance);
    await screenshot(finance, "approvals-inbox-zh");
    await finance.setViewportSize(PHONE);
    await mine.waitFor();
    await animationsSettled(finance);
    await screenshot(finance, "approvals-inbox-zh");
    await finance.setViewportSize(DESKTOP);
    await mine.getByRole("button", { name: "查看" }).click();
    const request = finance.getByRole("dialog");
    await request.locator("[data-trail=approved]").getByText("周经理 Zhou Qiang 同意了“直属经理”").waitFor();
    await animationsSettled(finance);
    await screenshot(finance, "approvals-request-zh");
    // With a file of his: uploaded as it is chosen, sent with the decision, then listed on
    // the trail with a link that downloads it.
    await request.getByRole("button", { name: "同意" }).click();
    const decide = finance.getByRole("dialog", { name: "同意" });
    await decide.locator('input[type="file"]').setInputFiles({ name: "付款条件审核.pdf", mimeType: "application/pdf", buffer: FILE });
    await decide.locator(".ant-upload-list-item-done", { hasText: "付款条件审核.pdf" }).waitFor(SERVER);
    await animationsSettled(finance);
    await finance.screenshot({ path: "/tmp/approvals-decide-file-zh.png" });
    expect(await accessibilityProblems(finance)).toEqual([]);
    await decide.getByRole("button", { name: "同意" }).click();
    await expect.poll(() => mine.count(), SERVER).toBe(0);
    const filed = request.locator("[data-trail=approved]", { hasText: "钱财务 Qian Cai" }).getByRole("link", { name: "付款条件审核.pdf" });
    await filed.waitFor(SERVER);
    expect(await request.locator("[data-trail=approved]", { hasText: "钱财务 Qian Cai" }).textContent()).toContain("付款条件审核.pdf 22 B");
    const href = (await filed.getAttribute("href")) ?? "";
    expect(Buffer.from(await (await finance.request.get(href)).body()).equals(FILE)).toBe(true);
    await animationsSettled(finance);
    await finance.screenshot({ path: "/tmp/approvals-trail-file-zh.png" });
    expect(await accessibilityProblems(finance)).toEqual([]);
    await finance.close();

    // Zhang sees the contract approved, active and his to change again, with the trail.
    await zhang.reload();
    const done = zhang.getByRole("status").filter({ hasText: "Approved" });
    await done.waitFor();
    // Active now, it no longer meets the entry condition: nothing to submit.
    expect((await ok<{ processes: unknown[] }>(zhang, "GET", `/records/contract/${contract.id}/approval/processes`)).processes).toEqual([]);
    expect(await zhang.getByRole("button", { name: "Submit for approval" }).count()).toBe(0);
    await animationsSettled(zhang);
    await zhang.screenshot({ path: "/tmp/approvals-record-approved.png" });
    await done.getByRole("button", { name: "Trail" }).click();
    const trail = zhang.getByRole("dialog", { name: "Approval request" });
    await expect.poll(async () => (await trail.locator("[data-trail]").allTextContents()).map((t) => t.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/, "").trim()), SERVER).toEqual([
      "张伟 Zhang Wei submitted it“请审批”",
      "周经理 Zhou Qiang approved “Manager”“同意,金额合理”",
      "钱财务 Qian Cai approved “Finance” 付款条件审核.pdf 22 B",
      "The request was approved",
    ]);
    // The file is the contract's attachment now: its owner downloads it from the trail too.
    const attached = trail.getByRole("link", { name: "付款条件审核.pdf" });
    expect(Buffer.from(await (await zhang.request.get((await attached.getAttribute("href")) ?? "")).body()).equals(FILE)).toBe(true);
    const stored = await ok<{ status: string; version: number }>(zhang, "GET", `/records/contract/${contract.id}`);
    expect(stored.status).toBe("active");
    const changed = await call(zhang, "PATCH", `/records/contract/${contract.id}`, { name: "E2E 年度框架合同（已审批）", version: stored.version });
    expect(changed.status).toBe(200);
    await zhang.getByRole("button", { name: "Close", exact: true }).click();

    // A second contract: 周经理 hands it to 李总监, who rejects it (a reason is required)
    // for him, and it returns to Zhang; submitted again, Zhang recalls it from the banner.
    const addendum = await ok<{ id: string }>(zhang, "POST", "/records/contract", { name: "E2E 补充协议", account: account.id, amount: "80000" });
    const submitted = await ok<{ id: string }>(zhang, "POST", `/records/contract/${addendum.id}/approval`, {});
    const manager = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(manager, "manager.zhou@example.com");
    await manager.goto(`/approvals?request=${submitted.id}`);
    await manager.getByRole("dialog", { name: "Approval request" }).getByRole("button", { name: "Reassign" }).click();
    const reassign = manager.getByRole("dialog", { name: "Hand your decision to someone else" });
    await choose(manager, reassign.getByRole("combobox", { name: "Reassign to" }), "Li Na", "李总监 Li Na");
    await reassign.getByLabel("Comment").fill("出差中,请李总监代审");
    await reassign.getByRole("button", { name: "Reassign" }).click();
    await manager.getByText("Reassigned", { exact: true }).first().waitFor();
    // 周经理 will be away: on My approvals he names 李总监 to decide for him, then stops.
    await manager.goto("/approvals");
    const away = manager.getByRole("region", { name: "Delegate while away" });
    await away.getByText("While you are away, nobody decides for you.").waitFor();
    await away.getByRole("button", { name: "Set a delegate" }).click();
    const delegating = manager.getByRole("dialog", { name: "Delegate while away" });
    await delegating.getByRole("button", { name: "Save" }).click();
    await delegating.getByText("Choose who decides for you.").waitFor();
    await choose(manager, delegating.getByRole("combobox", { name: "Delegate" }), "Li Na", "李总监 Li Na");
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString("sv");
    await delegating.getByPlaceholder("First day").fill(day(0));
    await delegating.getByPlaceholder("Last day").fill(day(7));
    await delegating.getByPlaceholder("Last day").press("Enter");
    await delegating.getByRole("button", { name: "Save" }).click();
    await away.getByText(/^李总监 Li Na \(East\) decides for you from /).waitFor();
    await away.getByText("In effect").waitFor();
    const set = await ok<{ delegation: { delegate: { name: string }; active: boolean } }>(manager, "GET", "/approvals/delegation");
    expect([set.delegation.delegate.name, set.delegation.active]).toEqual(["李总监 Li Na (East)", true]);
    expect(await accessibilityProblems(manager)).toEqual([]);
    await away.getByRole("button", { name: "Stop delegating" }).click();
    await away.getByText("While you are away, nobody decides for you.").waitFor();
    await manager.close();
    const director = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(director, "director.li@example.com");
    await chooseLanguage(director, "en");
    await director.goto(`/approvals?request=${submitted.id}`);
    const handed = director.getByRole("dialog", { name: "Approval request" });
    await handed.locator("[data-trail=reassigned]").getByText("周经理 Zhou Qiang handed “Manager” to 李总监 Li Na (East)").waitFor();
    await handed.getByRole("button", { name: "Reject" }).click();
    const reject = director.getByRole("dialog", { name: "Reject" });
    await reject.getByRole("button", { name: "Reject" }).click();
    await reject.getByText("Say why you reject it.").waitFor();
    await reject.getByLabel("Comment").fill("请补充付款条款");
    await reject.getByRole("button", { name: "Reject" }).click();
    await handed.locator("[data-trail=rejected]").getByText("李总监 Li Na (East) rejected “Manager” for 周经理 Zhou Qiang").waitFor();
    await director.close();
    await zhang.goto(`/o/contract/${addendum.id}`);
    await zhang.getByRole("status").filter({ hasText: "Rejected" }).waitFor();
    await zhang.getByRole("button", { name: "Submit for approval" }).click();
    await zhang.getByRole("dialog").getByRole("button", { name: "Submit" }).click();
    const pending = zhang.getByRole("status").filter({ hasText: "Awaiting approval" });
    await pending.getByRole("button", { name: "Recall" }).click();
    await zhang.getByRole("dialog", { name: "Recall your request" }).getByRole("button", { name: "Recall" }).click();
    await zhang.getByRole("status").filter({ hasText: "Approval request recalled" }).waitFor();
    const states = (await ok<{ approvals: { record: { id: string }; state: string }[] }>(zhang, "GET", "/approvals/inbox?view=submitted")).approvals.filter((a) => a.record.id === addendum.id);
    expect(states.map((a) => a.state)).toEqual(["recalled", "rejected"]);
    await zhang.goto("/approvals?tab=submitted");
    await zhang.locator(".ant-table-row", { hasText: "E2E 补充协议" }).first().waitFor();
    expect(await accessibilityProblems(zhang)).toEqual([]);
    await zhang.close();
  }, 90_000);
});
