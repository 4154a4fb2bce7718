// What a first visit downloads, and how long the browser may keep it: the
// built files carry a hash of their content in their names and are kept for
// good; pages never are; each page beyond the first ones comes in a wasm chunk
// of its own, fetched when the app first shows it.
import { test, expect, hydrated, uniqueEmail, at, PASSWORD, type Page } from "./fixtures";
import type { Response } from "@playwright/test";

/**
 * Most bytes (as sent, compressed) of js and wasm that loading /login may
 * cost, passkey autofill's sign-in chunk included: 240 KiB until passkeys,
 * which add about 13 KB (the button and autofill in the main wasm, the
 * ceremony in a chunk of its own that autofill fetches once the page is live),
 * and 250 KiB until identity providers' links, which add about 7 KB (see
 * docs/performance.md).
 */
const LOGIN_SCRIPT_BUDGET = 256 * 1024;

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
  const document = await page.goto("/login");
  await hydrated(page);
  expect(document?.headers()["cache-control"] ?? "").not.toContain("immutable");

  expect(files.map(fileName).sort()).toEqual(
    expect.arrayContaining([expect.stringMatching(/^app\.[\w-]{22}\.js$/), expect.stringMatching(/^app\.[\w-]{22}\.wasm$/)]),
  );
  for (const file of files) {
    expect(fileName(file), "a content hash in the name").toMatch(/\.[\w-]{22}\.(js|wasm|css)$/);
    expect(file.status(), fileName(file)).toBe(200);
    expect(file.headers()["cache-control"], fileName(file)).toBe("public, max-age=31536000, immutable");
    expect(file.headers()["content-encoding"], fileName(file)).toBe("br");
    expect(file.headers()["vary"], fileName(file)).toContain("accept-encoding");
  }
});

test("/login loads no other page's code, and stays within its budget", async ({ page }) => {
  const files = builtFiles(page);
  await page.goto("/login");
  await hydrated(page);
  // Autofill's request for a passkey fetches the sign-in ceremony's chunk.
  await page.waitForLoadState("networkidle");
  // Lazy pages' chunks are `split___<route>_view…`; lazy functions' `split_<name>…`.
  expect(files.map(fileName).filter((name) => name.startsWith("split___"))).toEqual([]);

  let sent = 0;
  for (const file of files.filter((file) => /\.(js|wasm)$/.test(fileName(file)))) {
    sent += Number(file.headers()["content-length"]);
  }
  console.log(`/login: ${files.length} built files, js and wasm ${sent} bytes as sent`);
  expect(sent).toBeGreaterThan(0);
  expect(sent).toBeLessThanOrEqual(LOGIN_SCRIPT_BUDGET);
});

test("a page in a chunk of its own is fetched when first shown, and works", async ({ page }) => {
  const files = builtFiles(page);
  await page.goto("/");
  await hydrated(page);
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
  await hydrated(page);
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
