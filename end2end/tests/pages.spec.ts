// The list of users a page at a time: Previous and Next links, the position
// on the page and in its title, the same with and without JavaScript.
import { SITE_NAME } from "../server";
import { test, expect, uniqueEmail, live, PASSWORD, at, type Page } from "./fixtures";

test.use({ serverEnv: { REGISTER_MAX_PER_ADDRESS: "1000" } });

/** Registers `count` users by the API; the page's browser is logged in as the last. */
async function registerMany(page: Page, count: number) {
  for (let n = 1; n <= count; n++) {
    const response = await page.request.post("/api/register", {
      form: { name: `Member ${String(n).padStart(2, "0")}`, email: uniqueEmail("pages"), password: PASSWORD },
    });
    expect(response.status()).toBe(200);
  }
}

async function expectPage(page: Page, number: number, first: string, last: string) {
  await expect(page).toHaveTitle(number === 1 ? `Users – ${SITE_NAME}` : `Users (page ${number}) – ${SITE_NAME}`);
  await expect(page.locator(".position")).toHaveText(`Page ${number}`);
  const names = page.locator("ul.users a");
  await expect(names.first()).toHaveText(first);
  await expect(names.last()).toHaveText(last);
}

for (const javaScriptEnabled of [true, false]) {
  test(`users are listed 20 to a page with Previous and Next ${javaScriptEnabled ? "with" : "without"} JavaScript`, async ({
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled, baseURL });
    const page = await context.newPage();
    await registerMany(page, 45);
    await page.goto("/users");
    if (javaScriptEnabled) await live(page);
    const pages = page.getByRole("navigation", { name: "Pages" });
    await expectPage(page, 1, "Member 01", "Member 20");
    await expect(pages.getByRole("link", { name: "Previous page" })).toHaveCount(0);

    await pages.getByRole("link", { name: "Next page" }).click();
    await expect(page).toHaveURL(at("/users\\?after=\\d+&page=2"));
    await expectPage(page, 2, "Member 21", "Member 40");
    await pages.getByRole("link", { name: "Next page" }).click();
    await expectPage(page, 3, "Member 41", "Member 45");
    await expect(pages.getByRole("link", { name: "Next page" })).toHaveCount(0);

    await pages.getByRole("link", { name: "Previous page" }).click();
    await expect(page).toHaveURL(at("/users\\?before=\\d+&page=2"));
    await expectPage(page, 2, "Member 21", "Member 40");
    await pages.getByRole("link", { name: "Previous page" }).click();
    await expect(page).toHaveURL(at("/users"));
    await expectPage(page, 1, "Member 01", "Member 20");
    await context.close();
  });
}
