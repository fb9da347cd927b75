import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { accessibilityProblems, chooseLanguage, DESKTOP, launch, openPage, PHONE, screenshot, signIn } from "./browser";

let browser: Browser;
let page: Page;

interface LayoutBody {
  sections: { key: string; title: Record<string, string>; fields: string[] }[];
  related_lists: { object: string; field: string }[];
  highlights: string[];
  version: number;
  is_default: boolean;
}

beforeAll(async () => {
  browser = await launch();
  page = await openPage(browser);
  await signIn(page, "admin@example.com");
  await chooseLanguage(page, "en");
});

afterAll(async () => {
  await browser.close();
});

/** Call the API as the signed-in browser does: session cookie plus the CSRF token. */
async function call<T>(method: "GET" | "POST" | "PUT", path: string, data?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const me = await page.request.get("/api/v1/auth/me");
  const { csrf_token: csrf } = (await me.json()) as { csrf_token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers: { "X-CSRF-Token": csrf, ...headers } });
  expect(response.status(), await response.text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Drag with the mouse in small steps: dnd-kit starts only past its activation distance. */
async function drag(from: string, to: string): Promise<void> {
  const source = await page.locator(from).boundingBox();
  const target = await page.locator(to).boundingBox();
  if (!source || !target) throw new Error(`nothing to drag from ${from} to ${to}`);
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(source.x + source.width / 2 + 10, source.y + source.height / 2 + 10, { steps: 5 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 20 });
  await page.mouse.move(target.x + target.width / 2 + 2, target.y + target.height / 2 + 2, { steps: 2 });
  await page.mouse.up();
}

describe("the layout designer", () => {
  test("an administrator moves a field into a new section and publishes it for everyone", async () => {
    await call("POST", "/meta/objects", { name: "campaign", label: { en: "Campaign", "zh-CN": "市场活动" }, plural_label: { en: "Campaigns", "zh-CN": "市场活动" } });
    await call("POST", "/meta/objects/campaign/fields", { name: "title", type: "text", label: { en: "Campaign name", "zh-CN": "活动名称" } });
    await call("POST", "/meta/objects/campaign/fields", { name: "attendees", type: "integer", label: { en: "Attendees", "zh-CN": "参会人数" } });
    await call("POST", "/meta/objects/campaign/fields", { name: "starts_on", type: "date", label: { en: "Starts on", "zh-CN": "开始日期" } });
    // Another object linking here: what the palette offers as a related list.
    await call("POST", "/meta/objects", { name: "booth", label: { en: "Booth", "zh-CN": "展位" }, plural_label: { en: "Booths", "zh-CN": "展位" } });
    await call("POST", "/meta/objects/booth/fields", { name: "title", type: "text", label: { en: "Booth", "zh-CN": "展位" } });
    await call("POST", "/meta/objects/booth/fields", { name: "campaign", type: "lookup", target: "campaign", label: { en: "Campaign", "zh-CN": "市场活动" } });

    await page.goto("/admin/objects/campaign");
    await page.getByRole("tab", { name: "Layout" }).click();
    const field = (name: string) => `[data-testid=layout-field][data-field=${name}]`;
    await page.locator(field("starts_on")).waitFor();

    await page.getByRole("button", { name: "Add section" }).click();
    const properties = page.getByTestId("section-properties");
    await properties.getByLabel("Title (English)").fill("Schedule");
    await properties.getByLabel("Title (Chinese)").fill("日程");
    await properties.locator("label.ant-segmented-item").first().click();

    await drag(`${field("starts_on")} button[aria-label^=Move]`, "[data-section=section_1] [data-testid=layout-section-body]");
    await expect.poll(() => page.locator(`[data-section=section_1] ${field("starts_on")}`).count()).toBe(1);
    await page.getByTestId("unpublished").waitFor();

    // A date is a default highlight: unpin it from its tile, and undo brings it back.
    const tile = page.locator(field("starts_on"));
    await tile.getByRole("button", { name: "Remove “Starts on” from the header" }).click();
    await tile.getByRole("button", { name: "Show “Starts on” in the header" }).waitFor();
    await page.getByRole("button", { name: "Undo" }).click();
    await tile.getByRole("button", { name: "Remove “Starts on” from the header" }).waitFor();
    await expect.poll(() => page.locator(`[data-section=section_1] ${field("starts_on")}`).count()).toBe(1);

    expect(await accessibilityProblems(page)).toEqual([]);
    await page.mouse.move(0, 0); // no tooltip in the picture
    await page.locator("[data-section=section_1]").scrollIntoViewIfNeeded();
    await screenshot(page, "layout-designer");

    // A refusal marks the item it names (the server's own checks are tested server-side;
    // here it answers as it would for a field it does not know).
    const layoutUrl = "**/api/v1/meta/objects/campaign/layouts/detail";
    await page.route(layoutUrl, (route) =>
      route.request().method() === "PUT"
        ? route.fulfill({
            status: 422,
            contentType: "application/problem+json",
            body: JSON.stringify({
              status: 422,
              code: "validation_failed",
              detail: "the layout is not valid",
              errors: [{ field: "sections[2].fields[0]", code: "unknown_field", message: "campaign has no field 'starts_on'" }],
            }),
          })
        : route.fallback(),
    );
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByText("The layout was not published: 1 problem is marked.").waitFor();
    expect(await page.locator(`${field("starts_on")} [data-testid=layout-problem]`).textContent()).toBe("campaign has no field 'starts_on'");
    await page.unroute(layoutUrl);

    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByText("Layout published").waitFor();
    expect(await page.getByTestId("layout-problem").count()).toBe(0);

    const saved = await call<LayoutBody>("GET", "/meta/objects/campaign/layouts/detail");
    expect(saved.is_default).toBe(false);
    expect(saved.sections.find((s) => s.key === "section_1")).toMatchObject({ title: { en: "Schedule", "zh-CN": "日程" }, fields: ["starts_on"] });
    expect(saved.related_lists).toMatchObject([{ object: "booth", field: "campaign" }]);

    await page.reload();
    await page.getByRole("tab", { name: "Layout" }).click();
    await page.locator(`[data-section=section_1] ${field("starts_on")}`).waitFor();
    expect(await page.locator("[data-section=section_1]").textContent()).toContain("Schedule");

    await page.setViewportSize(PHONE);
    await page.locator(`[data-section=section_1] ${field("starts_on")}`).scrollIntoViewIfNeeded();
    await screenshot(page, "layout-designer");
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.setViewportSize(DESKTOP);

    // Someone else publishes meanwhile: publishing over it is refused, reloading shows theirs.
    const { sections, related_lists, highlights } = saved;
    const theirs = await call<LayoutBody>("PUT", "/meta/objects/campaign/layouts/detail", { sections, related_lists, highlights }, { "If-Match": `"${String(saved.version)}"` });
    await page.getByRole("button", { name: "Add section" }).click();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByText("Someone else published this layout meanwhile.").waitFor();
    await page.getByRole("button", { name: "Reload", exact: true }).click();
    await page.getByText(`Published version ${String(theirs.version)}`).waitFor();
    expect(await page.locator("[data-section=section_2]").count()).toBe(0);
    expect(await page.getByTestId("unpublished").count()).toBe(0);

    // Reset to default forgets the saved layout.
    await page.getByRole("button", { name: "Reset to default" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Reset to default" }).click();
    await page.getByText("The layout is back to the default.").waitFor();
    expect((await call<LayoutBody>("GET", "/meta/objects/campaign/layouts/detail")).is_default).toBe(true);
    expect(await page.locator("[data-section=section_1]").count()).toBe(0);

    // The form: no highlights or related lists, and no system fields but the owner.
    await page.getByText("Form", { exact: true }).click();
    await page.locator(field("title")).waitFor();
    expect(await page.getByTestId("layout-palette").textContent()).not.toContain("Created by");
    expect(await page.getByRole("region", { name: "Related lists" }).count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, "layout-designer-form");
  });
});
