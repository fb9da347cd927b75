import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, animationsSettled, callApi, chooseLanguage, launch, openPage, screenshot, signIn } from "./browser";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
});

describe("the notification bell", () => {
  for (const language of ["en", "zh-CN"] as const) {
    test(`shows a new notification live and marks it read (${language})`, async () => {
      const page = await openPage(browser, { language });
      await signIn(page, "admin@example.com");
      await chooseLanguage(page, language);
      const bell = page.getByRole("button", { name: language === "en" ? /^Notifications/ : /^通知/ });
      await bell.waitFor();
      await callApi(page, "POST", "/notifications/read-all");
      const me = await callApi<{ id: string }>(page, "GET", "/auth/me");
      const accounts = await callApi<{ records: { id: string }[] }>(page, "GET", "/records/account?limit=1");
      // Each run's title is its own: the demo server keeps earlier runs' notifications.
      const run = String(Date.now() % 100_000);
      const title = { en: `Contract ${run} approved: Huawei`, "zh-CN": `合同 ${run} 已批准：华为` };
      await callApi(page, "POST", "/notifications", {
        user_ids: [me.id],
        kind: "approval",
        title,
        body: { en: "Finance signed it off.", "zh-CN": "财务已审批通过。" },
        link: { object: "account", record_id: accounts.records[0]?.id },
      });

      // The stream brings the count to the badge without a reload.
      const badge = page.locator(".ant-badge-count").filter({ hasText: "1" });
      await expect.poll(() => badge.count(), { timeout: 10_000 }).toBe(1);
      await bell.click();
      const item = page.getByRole("dialog").getByText(title[language]);
      await item.waitFor();
      await animationsSettled(page);
      await screenshot(page, `notifications/bell-${language}`);
      expect(await accessibilityProblems(page)).toEqual([]);

      await page.getByRole("button", { name: language === "en" ? "Mark read" : "标为已读" }).click();
      await expect.poll(() => badge.count(), { timeout: 10_000 }).toBe(0);

      // A click leads to the record.
      await item.click();
      await page.waitForURL((url) => url.pathname === `/o/account/${accounts.records[0]?.id ?? ""}`);
      await page.close();
    });
  }

  test("preferences choose the channels per kind", async () => {
    const page = await openPage(browser, { language: "zh-CN" });
    await signIn(page, "admin@example.com");
    await chooseLanguage(page, "zh-CN");
    await page.getByRole("button", { name: /管理员 Admin/ }).click();
    await page.getByRole("menuitem", { name: "偏好设置" }).click();
    const email = page.getByRole("checkbox", { name: "审批 · 邮件" });
    await email.waitFor();
    const before = await email.isChecked();
    await email.click();
    await expect
      .poll(async () => (await callApi<{ kinds: Record<string, { email: boolean }> }>(page, "GET", "/notifications/preferences")).kinds.approval?.email)
      .toBe(!before);
    await email.click(); // back as it was, for the next run
    await expect.poll(() => email.isChecked()).toBe(before);
    await animationsSettled(page);
    await screenshot(page, "notifications/preferences-zh-CN");
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });
});
