// The end of an account's life as its owner meets it: "Delete account" on
// the account page, a confirmation page that says what goes, then the home
// page logged out, with and without JavaScript; the address can register
// again.
import {
  test,
  expect,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  at,
  expectNoViolations,
} from "./fixtures";

test.use({ expectedHttpErrors: [401] });

test("deleting the account asks first, then logs out every browser and frees the address", async ({
  page,
  browser,
}) => {
  const email = uniqueEmail("delete");
  await registerThroughForm(page, "Leaving Ada", email);
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto("/login");
  await loginThroughForm(other, email);
  await expect(other).toHaveURL(at("/users"));

  await page.goto("/account");
  await live(page);
  await page.getByRole("region", { name: "Delete account" }).getByRole("button", { name: "Delete account" }).click();
  await expect(page).toHaveURL(at("/account/delete\\?"));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Delete your account");
  await expect(page.getByRole("listitem")).toContainText(["your passkeys, linked sign-in providers and two-step verification"]);
  await expectNoViolations(page);
  await page.getByRole("link", { name: "Keep my account" }).click();
  await expect(page).toHaveURL(at("/account"));

  await page.goto("/account/delete");
  await live(page);
  await page.getByRole("button", { name: "Delete account" }).click();
  await expect(page).toHaveURL(at("/\\?done=account-deleted"));
  await expect(page.getByRole("status")).toHaveText("Your account was deleted. You are logged out on every device.");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome");
  await expectNoViolations(page);

  await other.goto("/users");
  await expect(other).toHaveURL(at("/login\\?redirect=/users"));
  await otherContext.close();

  await registerThroughForm(page, "Ada Again", email);
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Ada Again");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the confirmation is a plain form that lands on the home page logged out", async ({ page }) => {
    await registerThroughForm(page, "Plain Leaver", uniqueEmail("delete-nojs"), undefined, "", false);
    await page.goto("/account");
    await page.getByRole("button", { name: "Delete account" }).click();
    await expect(page).toHaveURL(at("/account/delete\\?"));
    await page.getByRole("button", { name: "Delete account" }).click();
    await expect(page).toHaveURL(at("/\\?done=account-deleted"));
    await expect(page.getByRole("status")).toContainText("Your account was deleted.");
    await page.goto("/account");
    await expect(page).toHaveURL(at("/login\\?redirect=/account"));
  });
});
