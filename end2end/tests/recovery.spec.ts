// Password reset, email verification and the sessions list, as a person uses
// them: mail read from a real SMTP server, links followed in real Chromium.
import {
  test,
  expect,
  PASSWORD,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  expectBanner,
  expectNoViolations,
  at,
  mailingTo,
  type Page,
} from "./fixtures";
import { SITE_NAME } from "../server";
import { linkTo } from "../smtp";

const NEW_PASSWORD = "a brand new passphrase";

/** Asks for a reset link through the forgot-password page. */
async function askForReset(page: Page, email: string, scripted: boolean) {
  await page.goto("/login");
  if (scripted) await live(page);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(at("/forgot-password"));
  if (scripted) await live(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
  await expect(page).toHaveTitle(/^Check your email/);
  // The address typed is shown where the page knows it (it is kept out of the URL).
  if (scripted) await expect(page.locator("main")).toContainText(`If an account uses ${email}, we have sent it a link`);
  await expect(page.getByRole("link", { name: "try another address" })).toBeVisible();
}

/** Sets the new password on the page the link opens. */
async function resetThroughLink(page: Page, link: string, scripted: boolean) {
  await page.goto(link);
  if (scripted) await live(page);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(at("/account\\?done=password"));
  await expectBanner(page, "Your password has been changed.");
}

test.describe("password reset", () => {
  test.use(mailingTo);

  for (const scripted of [true, false]) {
    test(`through the mailed link, ${scripted ? "with" : "without"} JavaScript`, async ({ browser, smtp }) => {
      const context = await browser.newContext({ javaScriptEnabled: scripted });
      const page = await context.newPage();
      const email = uniqueEmail("reset");
      await registerThroughForm(page, "Forgetful", email, PASSWORD, "", scripted);
      await expect(page).toHaveURL(at("/users"));
      await page.getByRole("button", { name: "Logout" }).click();
      await expect(page).toHaveURL(at("/login\\?done=logged-out"));

      await askForReset(page, email, scripted);
      if (!scripted) await expect(page).toHaveURL(at("/forgot-password\\?sent=1"));
      const mail = await smtp.mailAbout(`Reset your ${SITE_NAME} password`);
      expect(mail.to).toBe(email);
      await resetThroughLink(page, linkTo(mail, "/reset-password"), scripted);
      // Logged in by the reset.
      await expect(page.getByRole("button", { name: "Logout" })).toBeVisible();
      await smtp.mailAbout(`Your ${SITE_NAME} password was changed`);

      await page.getByRole("button", { name: "Logout" }).click();
      await expect(page).toHaveURL(at("/login\\?done=logged-out"));
      if (scripted) await loginThroughForm(page, email, NEW_PASSWORD);
      else {
        await page.getByLabel("Email").fill(email);
        await page.getByLabel("Password").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Login" }).click();
      }
      await expect(page).toHaveURL(at("/users"));
      await context.close();
    });
  }
});

test.describe("a spent reset link", () => {
  test.use({ ...mailingTo, expectedHttpErrors: [400] });

  test("says it is invalid and offers a new one", async ({ page, smtp }) => {
    const email = uniqueEmail("spent");
    await registerThroughForm(page, "Twice", email);
    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
    await askForReset(page, email, true);
    const link = linkTo(await smtp.mailAbout(`Reset your ${SITE_NAME} password`), "/reset-password");
    await resetThroughLink(page, link, true);

    // Opened again, the spent link says so at once, with the way to a new one.
    await page.goto(link);
    await live(page);
    await expect(page.getByRole("heading", { level: 1, name: "This link no longer works" })).toBeVisible();
    await expect(page.getByLabel("New password")).toHaveCount(0);
    await expectNoViolations(page);
    await page.getByRole("button", { name: "Send a new link" }).click();
    await expect(page).toHaveURL(at("/forgot-password"));
    await expect(page.getByRole("heading", { level: 1, name: "Forgot your password?" })).toBeFocused();
  });
});

test.describe("email verification", () => {
  test.use(mailingTo);

  test("the mailed link verifies the address, as the account page then shows", async ({ page, smtp }) => {
    const email = uniqueEmail("verify");
    await registerThroughForm(page, "Verifier", email);
    await page.goto("/account");
    await live(page);
    const emailSection = page.getByRole("region", { name: "Email address" });
    await expect(emailSection).toContainText("Not verified yet");

    const link = linkTo(await smtp.mailAbout("Confirm your email address"), "/verify-email");
    await page.goto(link);
    await live(page);
    await page.getByRole("button", { name: "Verify email" }).click();
    await expect(page.getByRole("status")).toHaveText("Your email address is verified.");
    await page.getByRole("link", { name: "Go to your account" }).click();
    await expect(page.getByRole("region", { name: "Your details" }).locator(".tag")).toHaveText("Verified");
    await expect(page.getByRole("region", { name: "Email address" })).not.toContainText("Not verified");

    // Followed again, the link says it no longer works, and how to have a new one.
    await page.goto(link);
    await expect(page.getByRole("heading", { level: 1, name: "This link no longer works" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Send again" })).toBeVisible();
  });

  test("Send again mails a new link", async ({ page, smtp }) => {
    await registerThroughForm(page, "Impatient", uniqueEmail("again"));
    await smtp.mailAbout("Confirm your email address");
    await page.goto("/account");
    await live(page);
    const emailSection = page.getByRole("region", { name: "Email address" });
    await emailSection.getByRole("button", { name: "Send again" }).click();
    await expectBanner(page, "A new verification link is on its way. It works for 24 hours.");
  });
});
