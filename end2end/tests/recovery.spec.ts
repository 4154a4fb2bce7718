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
  expectProblems,
  at,
  mailingTo,
  type Page,
} from "./fixtures";
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
  await expect(page.getByRole("status").filter({ hasText: "a link to reset its password is on its way" })).toBeVisible();
}

/** Sets the new password on the page the link opens. */
async function resetThroughLink(page: Page, link: string, scripted: boolean) {
  await page.goto(link);
  if (scripted) await live(page);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(at("/account\\?done=password"));
  await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
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
      await expect(page).toHaveURL(at("/login"));

      await askForReset(page, email, scripted);
      if (!scripted) await expect(page).toHaveURL(at("/forgot-password\\?sent=1"));
      const mail = await smtp.mailAbout("Reset your Sessions password");
      expect(mail.to).toBe(email);
      await resetThroughLink(page, linkTo(mail, "/reset-password"), scripted);
      // Logged in by the reset.
      await expect(page.getByRole("button", { name: "Logout" })).toBeVisible();
      await smtp.mailAbout("Your Sessions password was changed");

      await page.getByRole("button", { name: "Logout" }).click();
      await expect(page).toHaveURL(at("/login"));
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
    await expect(page).toHaveURL(at("/login"));
    await askForReset(page, email, true);
    const link = linkTo(await smtp.mailAbout("Reset your Sessions password"), "/reset-password");
    await resetThroughLink(page, link, true);

    await page.goto(link);
    await live(page);
    await page.getByLabel("New password").fill("another passphrase");
    await page.getByRole("button", { name: "Set new password" }).click();
    await expectProblems(page, ["This link is invalid or has expired"]);
    await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();
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
    await expect(page.getByRole("region", { name: "Email address" })).toContainText("Verified.");
  });

  test("Send again mails a new link", async ({ page, smtp }) => {
    await registerThroughForm(page, "Impatient", uniqueEmail("again"));
    await smtp.mailAbout("Confirm your email address");
    await page.goto("/account");
    await live(page);
    const emailSection = page.getByRole("region", { name: "Email address" });
    await emailSection.getByRole("button", { name: "Send again" }).click();
    await expect(emailSection.getByRole("status").filter({ hasText: "A new link" })).toHaveText(
      "A new link is on its way. It works for 24 hours.",
    );
  });
});
