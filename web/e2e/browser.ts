/** Driving Debian's Chromium with playwright-core: pages, sign-in, screenshots, axe. */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { inject } from "vitest";

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };
export const PASSWORD = "guanxi-demo";

const screenshots = resolve(import.meta.dirname, "..", "..", "docs", "screenshots");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export function baseUrl(): string {
  return inject("baseUrl");
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // As root in a container, without a GPU or network beyond localhost.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; language?: "zh-CN" | "en" } = {},
): Promise<Page> {
  const language = options.language ?? "en";
  const context = await browser.newContext({
    baseURL: baseUrl(),
    viewport: options.viewport ?? DESKTOP,
    locale: language,
    timezoneId: "Asia/Shanghai",
  });
  const page = await context.newPage();
  // The app's language before anyone signs in: the browser's, unless one was chosen here.
  await page.addInitScript((lang) => {
    if (!localStorage.getItem("guanxi.language")) localStorage.setItem("guanxi.language", lang);
  }, language);
  return page;
}

/** Sign in through the form, as a person would. The user's saved language then applies. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/login");
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("button[type=submit]").click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await page.locator("nav").first().waitFor();
}

/** Set the signed-in user's language through the switch (saved on the user). */
export async function chooseLanguage(page: Page, language: "zh-CN" | "en"): Promise<void> {
  const name = language === "zh-CN" ? "简体中文" : "English";
  const current = await page.evaluate(() => document.documentElement.lang);
  if (current === language) return;
  // A click that lands while the menu is still opening (or a closing dialog's mask still
  // takes it) is lost now and then on a loaded machine: open the menu again.
  for (let attempt = 1; ; attempt += 1) {
    await page.getByRole("button", { name: /Language|语言/ }).first().click();
    await page.getByRole("menuitem", { name }).click();
    try {
      await page.waitForFunction((lang) => document.documentElement.lang === lang, language, { timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      await page.keyboard.press("Escape");
    }
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  const size = page.viewportSize();
  const file = join(screenshots, `${name}-${String(size?.width ?? 0)}x${String(size?.height ?? 0)}.png`);
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Wait for running animations to finish, two seconds at most: an animation that never
 * ends (a spinner kept running while hidden) must not hang the test. */
export async function animationsSettled(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.race([
      Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))),
      new Promise((done) => setTimeout(done, 2_000)),
    ]),
  );
}

/** axe-core's serious and critical violations on the current page. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Colours are judged at rest: a menu item or button still fading between its states
  // (Ant Design animates them) has in-between colours no one reads.
  await animationsSettled(page);
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: object, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    // Ant Design's tables keep an aria-hidden row of zero height to measure column widths;
    // it holds no content a person can reach, so it is left out of the check.
    const result = await axe.run({ exclude: [[".ant-table-measure-row"]] }, { resultTypes: ["violations"] });
    return result.violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact ?? ""}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

/** Drag a kanban card onto a column with the mouse, as a user does. */
export async function drag(page: Page, card: Locator, column: Locator): Promise<void> {
  const start = await card.boundingBox();
  const target = await column.boundingBox();
  if (!start || !target) throw new Error("the board is not on screen");
  // dnd-kit starts a drag after the pointer moves a few pixels, then follows it.
  const from = { x: start.x + start.width / 2, y: start.y + start.height - 8 };
  const to = { x: target.x + target.width / 2, y: target.y + 80 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let step = 1; step <= 12; step += 1) {
    await page.mouse.move(from.x + ((to.x - from.x) * step) / 12, from.y + ((to.y - from.y) * step) / 12);
  }
  await page.mouse.up();
}

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
export async function callApi<T>(page: Page, method: "GET" | "POST", path: string, data?: unknown): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf } });
  if (response.status() >= 300) throw new Error(`${method} ${path}: ${String(response.status())} ${await response.text()}`);
  return (await response.json()) as T;
}
