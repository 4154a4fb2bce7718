import { test, expect, PASSWORD, uniqueEmail, live, registerThroughForm, loginThroughForm, at, expectProblems } from "./fixtures";

test("logging out everywhere ends the other browser's session and keeps this one", async ({ page, browser }) => {
  const email = uniqueEmail("everywhere");
  await registerThroughForm(page, "Many Devices", email);
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto("/login");
  await loginThroughForm(other, email);
  await expect(other).toHaveURL(at("/users"));

  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Account", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Every other session" })).toBeVisible();

  await page.reload();
  await expect(page).toHaveURL(at("/account"));
  await other.goto("/users");
  await expect(other).toHaveURL(at("/login\\?redirect=/users"));
  await otherContext.close();
});

test("ending a listed session logs that browser out", async ({ page, browser }) => {
  const email = uniqueEmail("listed");
  await registerThroughForm(page, "Listed Sessions", email);
  const otherContext = await browser.newContext({ userAgent: "Other Browser/1.0" });
  const other = await otherContext.newPage();
  await other.goto("/login");
  await loginThroughForm(other, email);
  await expect(other).toHaveURL(at("/users"));

  await page.goto("/account");
  await live(page);
  const sessions = page.getByRole("region", { name: "Sessions" }).getByRole("listitem");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: "(this browser)" })).toHaveCount(1);
  const theOther = sessions.filter({ hasText: "Other Browser/1.0" });
  // Each "End" says which session it ends.
  await expect(theOther.getByRole("button", { name: "End" })).toHaveAccessibleDescription("Other Browser/1.0");
  await theOther.getByRole("button", { name: "End" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The session has been ended." })).toBeVisible();
  await expect(sessions).toHaveCount(1);

  await other.goto("/users");
  await expect(other).toHaveURL(at("/login\\?redirect=/users"));
  await page.goto("/users");
  await expect(page).toHaveURL(at("/users"));
  await otherContext.close();
});

test.describe("password change", () => {
  test.use({ expectedHttpErrors: [422] });

  test("needs the current password, then the new one is the only one that works", async ({ page }) => {
    const email = uniqueEmail("password");
    const newPassword = "a brand new passphrase";
    await registerThroughForm(page, "Password Changer", email);
    await page.goto("/account");
    await live(page);

    await page.getByLabel("Current password").fill("not the password");
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expectProblems(page, ["Current password is incorrect"]);
    await expect(page.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");

    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
    await expect(page.getByLabel("Current password")).toHaveValue("");

    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login"));
    await loginThroughForm(page, email, newPassword);
    await expect(page).toHaveURL(at("/users"));
  });
});
