// What a first visit downloads, and how long the browser may keep it: the
// built files carry a hash of their content in their names and are kept for
// good; pages never are; /login runs a small script of its own and no wasm;
// each page beyond `/` comes in a wasm chunk of its own, fetched when the app
// first shows it.
import { test, expect, live, uniqueEmail, at, PASSWORD, type Page } from "./fixtures";
import type { Response } from "@playwright/test";

/**
 * Most bytes (as sent, compressed) of script that a first load of /login may
 * cost. It runs no wasm: its own script, about 1.7 KB with brotli, does what
 * needs one there (passkeys). Nuxt's original sends 67 KB of JavaScript.
 */
const LOGIN_SCRIPT_BUDGET = 8 * 1024;

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

test("/login runs its own small script and no wasm; the next page brings the app", async ({ page }) => {
  const files = builtFiles(page);
  await page.goto("/login");
  await live(page);
  await page.waitForLoadState("networkidle");
  const scripts = files.filter((file) => /\.(js|wasm)$/.test(fileName(file)));
  expect(scripts.map(fileName)).toEqual([expect.stringMatching(/^login\.[\w-]{16}\.js$/)]);
  let sent = 0;
  for (const file of scripts) sent += (await file.request().sizes()).responseBodySize;
  console.log(`/login: js and wasm ${sent} bytes as sent`);
  expect(sent).toBeGreaterThan(0);
  expect(sent).toBeLessThanOrEqual(LOGIN_SCRIPT_BUDGET);

  await page.getByRole("link", { name: "Register" }).first().click();
  await expect(page).toHaveURL(at("/register"));
  await live(page);
  expect(files.map(fileName)).toContainEqual(expect.stringMatching(/^app\.[\w-]{22}\.wasm$/));
});

test("a page in a chunk of its own is fetched when first shown, and works", async ({ page }) => {
  const files = builtFiles(page);
  await page.goto("/");
  await live(page);
  const chunks = () => files.map(fileName).filter((name) => name.startsWith("split_"));
  expect(chunks()).toEqual([]);

  await page.getByRole("link", { name: "Register" }).first().click();
  await expect(page).toHaveURL(at("/register"));
  await expect(page.getByRole("heading", { level: 1, name: "Register" })).toBeVisible();
  expect(chunks()).toEqual([expect.stringMatching(/^split___register_route_view_/)]);

  // Registering takes the app to /users, whose chunk comes then.
  await page.getByLabel("Name").fill("Chunk Visitor");
  await page.getByLabel("Email").fill(uniqueEmail("chunks"));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("link", { name: "Chunk Visitor" })).toBeVisible();
  expect(chunks()).toContainEqual(expect.stringMatching(/^split___users_route_view_/));
});

test("a first load of a page in a chunk asks for its chunks with the main wasm, once", async ({ page }) => {
  const registered = await page.request.post("/api/register", {
    form: { name: "Preload Visitor", email: uniqueEmail("preload"), password: PASSWORD },
  });
  expect(registered.status()).toBe(200);
  const files = builtFiles(page);
  const document = await page.goto("/users");
  await live(page);
  await expect(page.getByRole("link", { name: "Preload Visitor" })).toBeVisible();

  const hinted = await page.locator('head link[rel="preload"][type="application/wasm"]').evaluateAll((links) =>
    links.map((link) => new URL((link as HTMLLinkElement).href).pathname.slice("/pkg/".length)),
  );
  expect(hinted).toContainEqual(expect.stringMatching(/^split___users_route_view_/));
  expect(hinted.filter((name) => name.startsWith("split___") && !name.startsWith("split___users_"))).toEqual([]);
  // Each chunk is fetched once: the hint's fetch is the one hydration uses.
  const fetched = files.map(fileName).filter((name) => hinted.includes(name));
  expect(fetched.sort()).toEqual([...hinted].sort());
  expect(document?.status()).toBe(200);
});
