// What a first visit downloads, and how long the browser may keep it: the
// built files carry a hash of their content in their names and are kept for
// good; pages never are; /login runs a small script of its own and no wasm,
// and fetches the app's files ahead of the page after a login; every other
// page's first load brings the app in a few files, so that a navigation
// among the pages most visits see fetches no code; the account area comes in
// one chunk of its own, fetched when a link to it shows the intent to follow.
import { test, expect, live, uniqueEmail, at, PASSWORD, type Page } from "./fixtures";
import type { Response } from "@playwright/test";

/**
 * Most bytes (as sent, compressed) of script that a first load of /login may
 * cost. It runs no wasm: its own script, about 1.7 KB with brotli, does what
 * needs one there (passkeys). Nuxt's original sends 67 KB of JavaScript.
 */
const LOGIN_SCRIPT_BUDGET = 8 * 1024;

/**
 * Most bytes of wasm (as sent, with brotli) a first load of a page most
 * visits see may bring: about 270 KB now, the account area (100 KB) being in
 * a chunk of its own. The budget is there to catch a dependency the browser
 * need not carry, such as the full email rules' Unicode tables (126 KB), or
 * a page of the area reaching the main wasm.
 */
const WASM_BUDGET = 290 * 1024;

/** Records every response for a built file (`/pkg/...`) the page receives. */
function builtFiles(page: Page): Response[] {
  const seen: Response[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) seen.push(response);
  });
  return seen;
}

const fileName = (response: Response) => new URL(response.url()).pathname.slice("/pkg/".length);

test("built files are named by their content and kept for good; pages are not", async ({ page }) => {
  const files = builtFiles(page);
  const home = await page.goto("/");
  await live(page);
  const login = await page.goto("/login");
  await live(page);
  for (const document of [home, login]) {
    expect(document?.headers()["cache-control"] ?? "").not.toContain("immutable");
  }

  expect(files.map(fileName).sort()).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^app\.[\w-]{22}\.js$/),
      expect.stringMatching(/^app\.[\w-]{22}\.wasm$/),
      expect.stringMatching(/^login\.[\w-]{16}\.js$/),
    ]),
  );
  for (const file of files) {
    expect(fileName(file), "a content hash in the name").toMatch(/\.([\w-]{22}|[\w-]{16})\.(js|wasm|css)$/);
    expect(file.status(), fileName(file)).toBe(200);
    expect(file.headers()["cache-control"], fileName(file)).toBe("public, max-age=31536000, immutable");
    expect(file.headers()["content-encoding"], fileName(file)).toBe("br");
    expect(file.headers()["vary"], fileName(file)).toContain("accept-encoding");
  }
});

test("the app's wasm stays within its budget as sent", async ({ page }) => {
  const files = builtFiles(page);
  await page.goto("/");
  await live(page);
  const wasm = files.find((file) => fileName(file).endsWith(".wasm"));
  expect(wasm, "the app's wasm").toBeDefined();
  const { responseBodySize } = await wasm!.request().sizes();
  expect(responseBodySize).toBeGreaterThan(0);
  expect(responseBodySize).toBeLessThanOrEqual(WASM_BUDGET);
});

/** Most requests for code (js, wasm, css) a first load of a page may make. */
const CODE_REQUESTS_BUDGET = 8;

const isCode = (name: string) => /\.(js|wasm|css)$/.test(name);

/** The app's js and wasm as the page's resource timing lists them: by whom and how they were fetched. */
async function appFilesFetched(page: Page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((entry) => entry as PerformanceResourceTiming)
      .filter((entry) => /^\/pkg\/(app|__wasm_split)\..*\.(js|wasm)$/.test(new URL(entry.name).pathname))
      .map(({ name, initiatorType, transferSize }) => ({
        name: new URL(name).pathname.slice("/pkg/".length),
        initiatorType,
        transferSize,
      })),
  );
}

/** The built files the head's `links` name. */
async function hintedFiles(page: Page, links: string) {
  return page
    .locator(links)
    .evaluateAll((found) => found.map((link) => new URL((link as HTMLLinkElement).href).pathname.slice("/pkg/".length)));
}

test("/login runs its own small script; as it loads it fetches the app's js and wasm, which the next page takes from the cache", async ({
  page,
}) => {
  const files = builtFiles(page);
  await page.goto("/login");
  await live(page);
  await page.waitForLoadState("networkidle");
  // What fetched the app's files: the page's inline script, once each, and
  // nothing ran them (the app would load its js as a module, and more).
  const fetched = await appFilesFetched(page);
  expect(fetched.map((file) => file.initiatorType)).toEqual(["fetch", "fetch", "fetch"]);
  const login = files.filter((file) => /^login\./.test(fileName(file)));
  expect(login).toHaveLength(1);
  const sent = (await login[0].request().sizes()).responseBodySize;
  console.log(`/login: its script ${sent} bytes as sent`);
  expect(sent).toBeGreaterThan(0);
  expect(sent).toBeLessThanOrEqual(LOGIN_SCRIPT_BUDGET);
  const prefetched = files.map(fileName).filter((name) => /^(app|__wasm_split)\..*\.(js|wasm)$/.test(name));
  expect(prefetched).toHaveLength(3);
  expect(prefetched).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^app\.[\w-]{22}\.js$/),
      expect.stringMatching(/^__wasm_split\.[\w-]{22}\.js$/),
      expect.stringMatching(/^app\.[\w-]{22}\.wasm$/),
    ]),
  );
  expect(fetched.map((file) => file.name).sort()).toEqual(prefetched.sort());

  // The next page's first load runs the app from what was fetched: nothing
  // of it crosses the network again (a transfer size of 0 is the cache's).
  await page.getByRole("link", { name: "Register" }).first().click();
  await expect(page).toHaveURL(at("/register"));
  await live(page);
  const transferred = await appFilesFetched(page);
  expect(transferred.map((file) => file.name).sort()).toEqual(prefetched.sort());
  for (const file of transferred) expect(file.transferSize, `${file.name} from the cache`).toBe(0);
});

test("/login asks for the app before its stylesheet has come, which a script after the stylesheet would wait for", async ({
  page,
}) => {
  // A slow stylesheet (routing also turns the cache off, so this is a test of its own).
  const STYLESHEET_DELAY_MS = 1_000;
  await page.route("**/pkg/*.css", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, STYLESHEET_DELAY_MS));
    await route.continue();
  });
  await page.goto("/login");
  await live(page);
  await page.waitForLoadState("networkidle");
  const timings = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) => ({
      name: new URL(entry.name).pathname,
      start: entry.startTime,
      end: entry.responseEnd,
    })),
  );
  const css = timings.find((entry) => entry.name.endsWith(".css"))!;
  const app = timings.filter((entry) => /\/(app|__wasm_split)\..*\.(js|wasm)$/.test(entry.name));
  expect(app).toHaveLength(3);
  for (const entry of app) expect(entry.start, entry.name).toBeLessThan(css.end - STYLESHEET_DELAY_MS / 2);
});

test("/login fetches nothing ahead on a connection that asks to save data", async ({ page }) => {
  await page.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, "connection", { get: () => ({ saveData: true }) }),
  );
  const files = builtFiles(page);
  await page.goto("/login");
  await live(page);
  await page.waitForLoadState("networkidle");
  expect(files.map(fileName).filter((name) => /\.(js|wasm)$/.test(name))).toEqual([expect.stringMatching(/^login\./)]);
});

/** The wasm chunks of the account area among the built files fetched. */
const areaChunks = (files: Response[]) =>
  files.map(fileName).filter((name) => /^split_.*\.wasm$/.test(name));

test("a journey through the pages most visits see fetches no code after its first page; the account area's chunk comes once, on intent", async ({
  page,
}) => {
  const files = builtFiles(page);
  await page.goto("/");
  await live(page);
  await page.waitForLoadState("networkidle");
  const firstLoad = files.length;
  expect(firstLoad).toBeLessThanOrEqual(CODE_REQUESTS_BUDGET);
  expect(areaChunks(files), "the area is not in a first load of /").toEqual([]);

  await page.getByRole("link", { name: "Register" }).first().click();
  await expect(page).toHaveURL(at("/register"));
  await page.getByLabel("Name").fill("Journey Visitor");
  await page.getByLabel("Email").fill(uniqueEmail("journey"));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/users"));
  await page.getByRole("link", { name: "Journey Visitor" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Journey Visitor" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(files.slice(firstLoad).map(fileName), "no code on the way to a user").toEqual([]);

  // A pointer over the Account link fetches the area's chunk, before any click.
  const account = page.getByRole("link", { name: "Account" }).first();
  await account.hover();
  await expect.poll(() => areaChunks(files).length).toBeGreaterThan(0);
  await page.waitForLoadState("networkidle");
  const chunks = areaChunks(files);
  expect(files.slice(firstLoad).map(fileName).sort()).toEqual([...chunks].sort());
  await page.mouse.move(0, 0);
  await account.hover();
  await account.click();
  await expect(page).toHaveURL(at("/account"));
  await expect(page.getByRole("heading", { level: 1, name: "Account" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(files.slice(firstLoad).map(fileName), "the chunk once, nothing else").toEqual(chunks);
});

test("with the keyboard, a link to the account area fetches its chunk when it takes focus", async ({ page }) => {
  const registered = await page.request.post("/api/register", {
    form: { name: "Keyboard Visitor", email: uniqueEmail("keyboard"), password: PASSWORD },
  });
  expect(registered.status()).toBe(200);
  const files = builtFiles(page);
  await page.goto("/users");
  await live(page);
  await page.waitForLoadState("networkidle");
  expect(areaChunks(files)).toEqual([]);
  await page.getByRole("link", { name: "Account" }).first().focus();
  await expect.poll(() => areaChunks(files).length).toBeGreaterThan(0);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Account" })).toBeVisible();
});

test("on a connection that asks to save data, intent fetches nothing ahead; the account area still comes on the click", async ({
  page,
}) => {
  await page.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, "connection", { get: () => ({ saveData: true }) }),
  );
  const registered = await page.request.post("/api/register", {
    form: { name: "Saving Visitor", email: uniqueEmail("save-data"), password: PASSWORD },
  });
  expect(registered.status()).toBe(200);
  const files = builtFiles(page);
  await page.goto("/users");
  await live(page);
  const account = page.getByRole("link", { name: "Account" }).first();
  await account.hover();
  await account.focus();
  await page.waitForLoadState("networkidle");
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
  expect(areaChunks(files)).toEqual([]);
  await account.click();
  await expect(page.getByRole("heading", { level: 1, name: "Account" })).toBeVisible();
  expect(areaChunks(files).length).toBeGreaterThan(0);
});

test("each page's first load asks for at most a few files of code, hinted in its head, each once", async ({
  browser,
  page,
}) => {
  const registered = await page.request.post("/api/register", {
    form: { name: "First Load Visitor", email: uniqueEmail("first-load"), password: PASSWORD },
  });
  expect(registered.status()).toBe(200);
  await page.goto("/users");
  const userPath = await page.getByRole("link", { name: "First Load Visitor" }).getAttribute("href");
  const storageState = await page.context().storageState();
  for (const path of ["/", "/users", userPath!, "/account", "/forgot-password", "/reauthenticate", "/account/delete"]) {
    // A context of its own: an empty cache, as a first visit has.
    const context = await browser.newContext({ storageState });
    const visit = await context.newPage();
    const files = builtFiles(visit);
    const document = await visit.goto(new URL(path, page.url()).href);
    expect(document?.status(), path).toBe(200);
    await live(visit);
    await visit.waitForLoadState("networkidle");
    const code = files.map(fileName).filter(isCode);
    expect(code.length, `${path}: ${code.join(", ")}`).toBeLessThanOrEqual(CODE_REQUESTS_BUDGET);
    expect(new Set(code).size, `${path}: each file once`).toBe(code.length);
    const hinted = await hintedFiles(
      visit,
      'head link[rel="modulepreload"], head link[rel="preload"], head link[rel="stylesheet"]',
    );
    for (const name of code) expect(hinted, `${path}: ${name} hinted in the head`).toContain(name);
    await context.close();
  }
});
