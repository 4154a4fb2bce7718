// Pages a person reaches on a phone or by keyboard: nothing scrolls sideways
// at 320 px (WCAG 1.4.10 Reflow) or at 200% zoom of 1280 px, with a 100-character
// name without a break point; a skip link comes first; after a navigation
// inside the app, focus lands on the new page's heading.
import { test, expect, uniqueEmail, live, registerThroughForm, at, type Page } from "./fixtures";
import { SITE_NAME } from "../server";

/** The longest name allowed, without anywhere to break it. */
const LONG_NAME = "W".repeat(100);

async function expectNoSidewaysScroll(page: Page, where: string) {
  const widths = await page.evaluate(() => ({
    document: document.documentElement.scrollWidth,
    viewport: document.documentElement.clientWidth,
  }));
  expect(widths.document, `${where}: ${JSON.stringify(widths)}`).toBeLessThanOrEqual(widths.viewport);
}

test.describe("reflow", () => {
  test.use({ expectedHttpErrors: [404] });

  // 640 px: a 1280 px window at 200% zoom.
  for (const width of [320, 640]) {
    test(`no page scrolls sideways at ${width} px, logged out or in with a long name`, async ({ page }) => {
      await page.setViewportSize({ width, height: 720 });
      for (const path of ["/", "/login", "/register", "/no-such-page"]) {
        await page.goto(path);
        await live(page);
        await expectNoSidewaysScroll(page, `${path}, logged out`);
      }
      // A form's problems, with an email as long as allowed and without a break point.
      await page.goto("/register");
      await live(page);
      await page.getByLabel("Email").fill(`${"e".repeat(240)}@example.com`);
      await page.getByRole("button", { name: "Register" }).click();
      await expect(page.locator(".error-summary")).toBeFocused();
      await expectNoSidewaysScroll(page, "/register with problems");
      await registerThroughForm(page, LONG_NAME, uniqueEmail("reflow"));
      const own = page.getByRole("main").getByRole("link", { name: LONG_NAME });
      const id = (await own.getAttribute("href"))!.split("/").pop();
      for (const path of ["/", "/users", "/account", `/users/${id}`]) {
        await page.goto(path);
        await live(page);
        await expect(page.getByRole("button", { name: "Logout" })).toBeInViewport();
        await expectNoSidewaysScroll(page, `${path}, logged in`);
      }
    });
  }
});

test("a skip link comes first, and focus follows a navigation inside the app", async ({ page }) => {
  await page.goto("/");
  await live(page);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/register"));
  await expect(page.getByRole("heading", { level: 1, name: "Register" })).toBeFocused();
  await expect(page).toHaveTitle(`Register – ${SITE_NAME}`);
});
