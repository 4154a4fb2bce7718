// An account's life as its owner meets it: changing its email address
// through the mailed link (and taking it back from the old address), the
// recent activity, and "Delete account" with a confirmation page that says
// what goes, then the home page logged out; with and without JavaScript.
import {
  test,
  expect,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  at,
  expectNoViolations,
  mailingTo,
  PASSWORD,
  expectBanner,
} from "./fixtures";
import { SITE_NAME } from "../server";
import { linkTo } from "../smtp";

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
  await expect(page).toHaveURL(at("/account/delete"));
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

test.describe("changing the email address", () => {
  test.use(mailingTo);

  for (const scripted of [true, false]) {
    test(`takes the mailed link, then the old address can take it back, ${scripted ? "with" : "without"} JavaScript`, async ({
      browser,
      smtp,
    }) => {
      const context = await browser.newContext({ javaScriptEnabled: scripted });
      const page = await context.newPage();
      const email = uniqueEmail("moving");
      const newEmail = uniqueEmail("moved");
      await registerThroughForm(page, "Moving Ada", email, PASSWORD, "", scripted);
      await page.goto("/account");
      if (scripted) await live(page);
      const section = page.getByRole("region", { name: "Email address" });
      await section.getByLabel("New email address").fill(newEmail);
      await section.getByRole("button", { name: "Change email" }).click();
      await expectBanner(page, "We sent a link to the new address.");
      if (scripted) await expectNoViolations(page);
      expect((await smtp.mailAbout(`A change of your ${SITE_NAME} email address was asked for`)).to).toBe(email);

      const link = await smtp.mailAbout(`Confirm your new email address for ${SITE_NAME}`);
      expect(link.to).toBe(newEmail);
      await page.goto(linkTo(link, "/confirm-email"));
      if (scripted) await live(page);
      await page.getByRole("button", { name: "Confirm new email" }).click();
      await expect(page.getByRole("status")).toHaveText("Your new email address is confirmed: log in with it from now on.");

      await page.getByRole("link", { name: "Go to your account" }).click();
      const activity = page.getByRole("region", { name: "Recent activity" });
      await expect(activity.getByRole("listitem").first()).toContainText("Email address changed");

      const undo = await smtp.mailAbout(`Your ${SITE_NAME} email address was changed`);
      expect(undo.to).toBe(email);
      await page.goto(linkTo(undo, "/undo-email-change"));
      if (scripted) await live(page);
      await page.getByRole("button", { name: "Undo the change" }).click();
      await expect(page.getByRole("status")).toHaveText(
        "Your email address is back, and every session of your account has ended.",
      );
      await expect(page.getByText("We sent a link to set a new password to your address.")).toBeVisible();
      expect((await smtp.mailAbout(`Reset your ${SITE_NAME} password`)).to).toBe(email);
      await page.goto("/account");
      await expect(page).toHaveURL(at("/login\\?redirect=/account"));
      await context.close();
    });
  }
});
