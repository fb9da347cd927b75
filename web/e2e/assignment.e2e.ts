import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, chooseLanguage, DESKTOP, launch, openPage, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

interface Rule {
  id: string;
  name: { en: string; "zh-CN": string };
  strategy: string;
  members: { type: string; ids?: string[] } | null;
  open_condition: unknown;
  criteria: unknown[];
  fallback: unknown;
  active: boolean;
  version: number;
}

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(page: Page, method: "GET" | "PATCH" | "POST" | "DELETE", path: string, data?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf, ...headers } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (response.status() === 204 ? undefined : await response.json()) as T;
}

/** Screenshots show screens at rest, not a drawer halfway through opening. */
async function settled(page: Page, name: string): Promise<void> {
  await animationsSettled(page);
  await page.screenshot({ path: `/tmp/${name}.png` });
}

async function pickUser(page: Page, drawer: Locator, typed: string, shown: string): Promise<void> {
  await drawer.getByRole("combobox", { name: "Users" }).fill(typed);
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: shown }).click();
}

async function ruleNamed(page: Page, name: string): Promise<Rule> {
  const rule = (await call<{ rules: Rule[] }>(page, "GET", "/assignment-rules?object=lead")).rules.find((r) => r.name.en === name);
  if (!rule) throw new Error(`no rule named ${name}`);
  return rule;
}

const NAME = "E2E East leads";
const NAME_ZH = "E2E 华东线索轮流";
const SERVER = { timeout: 10_000 };
const CRITERIA = "E2E Leads by region";
const CRITERIA_ZH = "E2E 按区域分配";
const TEAM = "重点客户小组 Key accounts";

describe("assignment rules (分配规则)", () => {
  test("an administrator hands new leads to two reps in turn, then changes and switches off the rule", async () => {
    const page = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(page, "admin@example.com");
    await chooseLanguage(page, "en");
    const directory = async (q: string) => (await call<{ users: { id: string }[] }>(page, "GET", `/directory/users?q=${encodeURIComponent(q)}`)).users[0]?.id ?? "";
    const zhang = await directory("Zhang Wei");
    const wang = await directory("Wang Fang");

    // From the Settings group of the navigation.
    await page.getByRole("navigation").first().getByRole("link", { name: "Assignment rules" }).click();
    await page.getByRole("heading", { name: "Assignment rules" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings/assignment-rules");

    // A new round-robin rule for leads: nobody chosen is said at the field first.
    await page.getByRole("button", { name: "New rule" }).first().click();
    const drawer = page.getByRole("dialog");
    await drawer.getByLabel("Name (Chinese)").fill(NAME_ZH);
    await drawer.getByLabel("Name (English)").fill(NAME);
    expect(await drawer.getByRole("radio", { name: /Round robin/ }).isChecked()).toBe(true);
    await drawer.getByRole("button", { name: "Create" }).click();
    await drawer.getByText("Choose who takes the records").waitFor();
    await pickUser(page, drawer, "Zhang", "Zhang Wei");
    await pickUser(page, drawer, "Wang", "Wang Fang");
    await page.keyboard.press("Escape");
    await expect.poll(() => drawer.getByText("Choose who takes the records").count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "assignment-drawer");
    await drawer.getByRole("button", { name: "Create" }).click();
    await page.getByText(`Rule “${NAME}” created`).waitFor();
    const row = page.locator(".ant-table-row", { hasText: NAME });
    await expect.poll(() => row.textContent(), SERVER).toContain("张伟 Zhang Wei, 王芳 Wang Fang");
    expect(await row.textContent()).toContain("Round robin");
    expect(await row.textContent()).toContain("Lead");
    let rule = await ruleNamed(page, NAME);
    expect(rule).toMatchObject({ strategy: "round_robin", members: { type: "users", ids: [zhang, wang] }, active: true, name: { "zh-CN": NAME_ZH } });

    // Edited: emptied members are refused at the field; then fewest-open, Wang Fang only.
    await row.getByRole("button", { name: `Edit ${NAME}` }).click();
    await drawer.getByRole("combobox", { name: "Users" }).waitFor();
    for (let i = 0; i < 2; i++) await drawer.locator(".ant-select-selection-item-remove").first().click();
    await drawer.getByRole("button", { name: "Save" }).click();
    await drawer.getByText("Choose who takes the records").waitFor();
    await pickUser(page, drawer, "Wang", "Wang Fang");
    await page.keyboard.press("Escape");
    await drawer.getByRole("radio", { name: /Fewest open/ }).check();
    // Open leads are those not yet converted or disqualified, in the list's filter builder.
    await drawer.getByText("Records that count as open").waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "assignment-fewest-open");
    await drawer.getByRole("button", { name: "Save" }).click();
    await page.getByText(`Rule “${NAME}” saved`).waitFor();
    await expect.poll(() => row.textContent(), SERVER).toContain("Fewest open");
    expect(await row.textContent()).not.toContain("Zhang Wei");
    rule = await ruleNamed(page, NAME);
    expect(rule).toMatchObject({
      strategy: "load_balanced",
      members: { type: "users", ids: [wang] },
      open_condition: { field: "status", op: "not_in", value: ["converted", "disqualified"] },
    });

    // Someone else changes it while the drawer is open: saving says so, and offers a reload.
    await row.getByRole("button", { name: `Edit ${NAME}` }).click();
    await drawer.getByLabel("Name (Chinese)").fill(`${NAME_ZH}（改）`);
    await call(page, "PATCH", `/assignment-rules/${rule.id}`, { active: true }, { "If-Match": `"${String(rule.version)}"` });
    await drawer.getByRole("button", { name: "Save" }).click();
    await drawer.getByText("Someone else changed this rule since you opened it").waitFor();
    await drawer.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    expect((await ruleNamed(page, NAME)).name["zh-CN"]).toBe(NAME_ZH);

    // Switched off from the table.
    await row.getByRole("switch", { name: `Active: ${NAME}` }).click();
    await page.getByText(`Rule “${NAME}” is off`).waitFor();
    await expect.poll(async () => (await ruleNamed(page, NAME)).active, SERVER).toBe(false);
    await expect.poll(() => row.getByRole("switch").getAttribute("aria-checked"), SERVER).toBe("false");
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "assignment-rules");

    // The same page in Chinese.
    await chooseLanguage(page, "zh-CN");
    await page.getByRole("heading", { name: "分配规则" }).waitFor();
    await expect.poll(() => page.locator(".ant-table-row", { hasText: NAME_ZH }).textContent(), SERVER).toContain("按负载分配");
    await settled(page, "assignment-rules-zh");
    await chooseLanguage(page, "en");

    // Deleted after a confirmation.
    await row.getByRole("button", { name: `Delete ${NAME}` }).click();
    await page.getByRole("tooltip").getByRole("button", { name: "Delete" }).click();
    await page.getByText(`Rule “${NAME}” deleted`).waitFor();
    await expect.poll(() => row.count(), SERVER).toBe(0);
    await page.close();
  });

  test("an administrator routes leads from East China to a team in turn and the rest to one rep", async () => {
    const page = await openPage(browser, { viewport: DESKTOP, language: "en" });
    await signIn(page, "admin@example.com");
    await chooseLanguage(page, "en");
    const teams = (await call<{ teams: { id: string; name: string; member_ids: string[] }[] }>(page, "GET", "/admin/teams")).teams;
    const team = teams.find((t) => t.name === TEAM);
    if (!team) throw new Error(`the demo has no team ${TEAM}`);
    const wang = (await call<{ users: { id: string }[] }>(page, "GET", "/directory/users?q=Wang%20Fang")).users[0]?.id;
    await call(page, "POST", "/meta/objects/lead/fields", {
      name: "e2e_route",
      type: "picklist",
      label: { en: "E2E route", "zh-CN": "E2E 路线" },
      options: [{ value: "a", label: { en: "Route A", "zh-CN": "A 线" } }],
    });

    await page.goto("/settings/assignment-rules");
    await page.getByRole("heading", { name: "Assignment rules" }).waitFor();
    await page.getByRole("button", { name: "New rule" }).first().click();
    const drawer = page.getByRole("dialog");
    await drawer.getByLabel("Name (Chinese)").fill(CRITERIA_ZH);
    await drawer.getByLabel("Name (English)").fill(CRITERIA);
    await drawer.getByRole("radio", { name: /By criteria/ }).check();

    // No criterion yet is said at the list; the first one starts on the lead's region.
    await drawer.getByRole("button", { name: "Create" }).click();
    await drawer.getByText("Add at least one criterion").waitFor();
    await drawer.getByRole("button", { name: "Add criterion" }).click();
    const first = drawer.getByRole("group", { name: "Criterion 1" });
    await first.getByText("Region", { exact: true }).waitFor();
    await drawer.getByRole("button", { name: "Create" }).click();
    await first.getByText("Choose a value for the condition").waitFor();
    await first.getByRole("combobox", { name: "Value" }).click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "East China" }).click();
    await page.keyboard.press("Escape");
    // Button-style radios hide their inputs: the label is what a user clicks.
    await first.locator("label.ant-radio-button-wrapper", { hasText: "Team" }).click();
    expect(await first.getByRole("radio", { name: "Team" }).isChecked()).toBe(true);
    await first.getByRole("combobox", { name: "Team" }).click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: TEAM }).click();

    // Whatever meets no criterion goes to Wang Fang.
    const fallback = drawer.getByRole("group", { name: "Otherwise" });
    await fallback.getByRole("switch", { name: "Hand out records meeting no criterion" }).click();
    await pickUser(page, fallback, "Wang", "Wang Fang");
    await page.keyboard.press("Escape");

    // A second criterion on a field an administrator archives meanwhile: the server's
    // refusal shows at that criterion's condition, not above the form.
    await drawer.getByRole("button", { name: "Add criterion" }).click();
    const second = drawer.getByRole("group", { name: "Criterion 2" });
    await second.getByRole("combobox", { name: "Field" }).fill("E2E route");
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "E2E route" }).click();
    await second.getByRole("combobox", { name: "Value" }).click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "Route A" }).click();
    await page.keyboard.press("Escape");
    await pickUser(page, second, "Zhao", "Zhao Min");
    await page.keyboard.press("Escape");
    await call(page, "DELETE", "/meta/objects/lead/fields/e2e_route");
    await drawer.getByRole("button", { name: "Create" }).click();
    await expect.poll(() => second.locator(".ant-form-item-explain-error").allTextContents(), SERVER).toEqual([expect.stringContaining("e2e_route")]);
    expect(await first.locator(".ant-form-item-explain-error").count()).toBe(0);
    expect(await drawer.getByRole("alert").count()).toBe(0);
    await settled(page, "assignment-criteria-refused");

    // Moved above the first and removed: the order is the user's, and the rule saves.
    await drawer.getByRole("button", { name: "Move criterion 2 up" }).click();
    expect(await drawer.getByRole("group", { name: "Criterion 2" }).getByText("East China").count()).toBe(1);
    await drawer.getByRole("button", { name: "Remove criterion 1" }).click();
    await expect.poll(() => drawer.getByRole("group", { name: /^Criterion \d$/ }).count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    await settled(page, "assignment-criteria");
    await drawer.getByRole("button", { name: "Create" }).click();
    await page.getByText(`Rule “${CRITERIA}” created`).waitFor();
    const row = page.locator(".ant-table-row", { hasText: CRITERIA });
    await expect.poll(() => row.textContent(), SERVER).toContain("1 criterion · otherwise 王芳 Wang Fang");
    expect(await row.textContent()).toContain("By criteria");
    const rule = await ruleNamed(page, CRITERIA);
    expect(rule).toMatchObject({
      strategy: "criteria",
      members: null,
      criteria: [{ condition: { field: "region", op: "in", value: ["east"] }, strategy: "round_robin", members: { type: "team", id: team.id } }],
      fallback: { strategy: "round_robin", members: { type: "users", ids: [wang] } },
    });

    // Leads from East China go to the team's members in turn (by user id), others to Wang Fang.
    const assign = async (region: string) => {
      const lead = await call<{ id: string }>(page, "POST", "/records/lead", { name: `E2E ${region}`, company: "E2E 路由测试公司", region });
      const { owner_id: owner } = await call<{ owner_id: string }>(page, "POST", `/assignment-rules/${rule.id}/assign`, { record_id: lead.id });
      const stored = await call<{ owner_id: string }>(page, "GET", `/records/lead/${lead.id}`);
      expect(stored.owner_id).toBe(owner);
      return owner;
    };
    const east = [await assign("east"), await assign("east")];
    expect(new Set(east)).toEqual(new Set(team.member_ids));
    expect(await assign("south")).toBe(wang);

    // The drawer reads the rule back, in Chinese too.
    await chooseLanguage(page, "zh-CN");
    await page.locator(".ant-table-row", { hasText: CRITERIA_ZH }).getByRole("button", { name: `编辑 ${CRITERIA_ZH}` }).click();
    const zh = page.getByRole("dialog");
    await zh.getByRole("group", { name: "条件 1" }).getByText("华东").waitFor();
    await zh.getByRole("group", { name: "兜底" }).getByText("王芳 Wang Fang").waitFor();
    await settled(page, "assignment-criteria-zh");
    await zh.getByRole("button", { name: "取消" }).click();
    await chooseLanguage(page, "en");
    await row.getByRole("button", { name: `Delete ${CRITERIA}` }).click();
    await page.getByRole("tooltip").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => row.count(), SERVER).toBe(0);
    await page.close();
  });
});
