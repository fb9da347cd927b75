// The web app in real Chromium (playwright-core from web/node_modules): the compressed
// size of the first load, and how long the accounts list, its next page and a record
// page take to show after a click. Prints JSON; bench/web.py runs it and writes the report.
import { createRequire } from "node:module";

const require = createRequire(new URL("../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const base = process.env.BENCH_BASE_URL;
const email = process.env.BENCH_EMAIL;
const password = process.env.BENCH_PASSWORD;
const runs = Number(process.env.BENCH_RUNS ?? "7");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** JS and CSS bytes as they crossed the wire (compressed) while `url` loaded. */
async function firstLoad(context, url) {
  const page = await context.newPage();
  const bytes = { js: 0, css: 0, files: 0 };
  const pending = [];
  page.on("requestfinished", (request) => {
    const type = request.resourceType();
    if (type !== "script" && type !== "stylesheet") return;
    pending.push(
      request.sizes().then((sizes) => {
        bytes[type === "script" ? "js" : "css"] += Math.max(0, sizes.responseBodySize);
        bytes.files += 1;
      }),
    );
  });
  await page.goto(url, { waitUntil: "networkidle" });
  await Promise.all(pending);
  await page.close();
  return bytes;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const context = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
const signIn = await firstLoad(context, "/login");
const login = await context.request.post("/api/v1/auth/login", { data: { email, password } });
if (!login.ok()) throw new Error(`sign-in failed: ${login.status()}`);
// Signed in, in a fresh browser profile: nothing cached, as for someone's first visit.
const cold = await browser.newContext({ baseURL: base, storageState: await context.storageState(), locale: "zh-CN" });
const home = await firstLoad(cold, "/");
await cold.close();

const page = await context.newPage();
const list = [];
const next = [];
const record = [];
for (let run = 0; run < runs + 1; run += 1) {
  // A full load of the home page each time: nothing of the list is cached in the app.
  await page.goto("/", { waitUntil: "networkidle" });
  await page.locator('nav a[href="/o/account"]').first().waitFor();
  let start = Date.now();
  await page.locator('nav a[href="/o/account"]').first().click();
  // The list draws only the rows in sight (a virtual table): the first page is shown when
  // the screen is full of rows, ten of them at 1440×900.
  await page.locator('.ant-table-row[data-index="9"]').waitFor();
  const listMs = Date.now() - start;

  start = Date.now();
  // CSS locators: Playwright's role queries compute accessible names over the whole page,
  // work that would be counted against the app.
  await page.locator("[data-testid=load-more]").click();
  // "Load more" scrolls to the first row of the new page.
  await page.locator('.ant-table-row[data-index="50"]').waitFor();
  const nextMs = Date.now() - start;

  const link = page.locator(".ant-table-row a").nth(run);
  const title = (await link.textContent()).trim();
  start = Date.now();
  await link.click();
  await page.locator("h2", { hasText: title }).waitFor();
  await page.locator(".ant-descriptions-item").first().waitFor();
  const recordMs = Date.now() - start;
  if (run > 0) {
    // The first round warms the server's caches and the browser's code cache.
    list.push(listMs);
    next.push(nextMs);
    record.push(recordMs);
  }
}
await browser.close();
console.log(
  JSON.stringify({
    runs,
    first_load: { sign_in: signIn, home },
    list_ms: { median: median(list), all: list },
    next_page_ms: { median: median(next), all: next },
    record_ms: { median: median(record), all: record },
  }),
);
