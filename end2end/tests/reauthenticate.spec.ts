// Re-authentication as a person meets it: a change to how the account signs
// in, asked for some time after logging in, goes by "Confirm it's you" and
// comes back to where it was, with JavaScript and without. The proof is kept
// fresh for a few seconds here (REAUTHENTICATION_MAX_AGE), so that the test
// can wait past it.
import {
  test,
  expect,
  PASSWORD,
  uniqueEmail,
  live,
  registerThroughForm,
  at,
  expectProblems,
  expectNoViolations,
  expectBanner,
  screenshot,
} from "./fixtures";

const FRESH_SECONDS = 4;

test.use({ serverEnv: { REAUTHENTICATION_MAX_AGE: String(FRESH_SECONDS) }, expectedHttpErrors: [401, 403] });

async function waitTillStale(page: import("./fixtures").Page) {
  await page.waitForTimeout((FRESH_SECONDS + 1) * 1000);
}

test("a stale session confirms with its password and comes back to finish", async ({ page }) => {
  await registerThroughForm(page, "Stale Ada", uniqueEmail("stale"));
  await page.goto("/account");
  await live(page);
  await waitTillStale(page);
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await expect(page).toHaveURL(at("/reauthenticate\\?redirect=%2Faccount%2Flog%2Dout%2Deverywhere"));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confirm it's you");
  await live(page);
  await expectNoViolations(page);
  await screenshot(page, "reauthenticate");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expectProblems(page, ["Invalid password"]);
  await expectNoViolations(page);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(at("/account/log-out-everywhere"));
  await live(page);
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await expectBanner(page, "Every other session has been logged out.");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the same round trip works with plain form posts", async ({ page }) => {
    await registerThroughForm(page, "Plain Ada", uniqueEmail("stalenojs"), PASSWORD, "", false);
    // Waited away from the site's pages: a page that preloads wasm it never
    // runs (no JavaScript) has the browser warn about it after a few seconds.
    await page.goto("about:blank");
    await waitTillStale(page);
    await page.goto("/account");
    await page.getByRole("button", { name: "Log out everywhere" }).click();
    await page.getByRole("button", { name: "Log out everywhere else" }).click();
    await expect(page).toHaveURL(at("/reauthenticate\\?redirect=%2Faccount%2Flog%2Dout%2Deverywhere%3F"));
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page).toHaveURL(at("/account/log-out-everywhere\\?"));
    await page.getByRole("button", { name: "Log out everywhere else" }).click();
    await expect(page).toHaveURL(at("/account\\?done=logout-everywhere"));
    await expectBanner(page, "Every other session has been logged out.");
  });
});
