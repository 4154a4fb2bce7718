import {
  test,
  expect,
  PASSWORD,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  at,
  expectProblems,
  expectBanner,
  expectNoViolations,
  type Page,
} from "./fixtures";

// The tests' own browser says it is Chrome on Windows (Playwright's "Desktop Chrome").
const FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/** A second browser logged in to `email`, with `userAgent` when given. */
async function secondBrowser(page: Page, email: string, userAgent?: string) {
  const context = await page.context().browser()!.newContext(userAgent ? { userAgent } : {});
  const other = await context.newPage();
  await other.goto("/login");
  await loginThroughForm(other, email);
  await expect(other).toHaveURL(at("/users"));
  return { other, close: () => context.close() };
}

const sessionsOf = (page: Page) => page.getByRole("region", { name: "Sessions" }).getByRole("listitem");

test("logging out everywhere asks first, then ends the other browser's session and keeps this one", async ({ page }) => {
  const email = uniqueEmail("everywhere");
  await registerThroughForm(page, "Many Devices", email);
  const { other, close } = await secondBrowser(page, email);

  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Account", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await expect(page).toHaveURL(at("/account/log-out-everywhere"));
  await expect(page.getByRole("heading", { name: "Log out everywhere else?" })).toBeFocused();
  await expectNoViolations(page);
  // Going back does nothing.
  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(at("/account"));
  await other.goto("/users");
  await expect(other).toHaveURL(at("/users"));

  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await expect(page).toHaveURL(at("/account\\?done=logout-everywhere"));
  await expectBanner(page, "Every other session has been logged out.");
  await expect(sessionsOf(page)).toHaveCount(1);

  await page.reload();
  await expect(page).toHaveURL(at("/account\\?done=logout-everywhere"));
  await other.goto("/users");
  await expect(other).toHaveURL(at("/login\\?redirect=/users"));
  await close();
});

test("sessions are named by browser and system, this one first, and each End says which it ends", async ({ page }) => {
  const email = uniqueEmail("listed");
  await registerThroughForm(page, "Listed Sessions", email);
  const linux = await secondBrowser(page, email, FIREFOX_ON_LINUX);
  const unknown = await secondBrowser(page, email, "Other Browser/1.0");

  await page.goto("/account");
  await live(page);
  const sessions = sessionsOf(page);
  await expect(sessions).toHaveCount(3);
  await expect(sessions.first()).toContainText("This browser");
  await expect(sessions.filter({ hasText: "This browser" })).toHaveCount(1);
  await expect(sessions.first()).toContainText("Chrome on Windows");
  // The raw user agent is there on request only.
  const linuxItem = sessions.filter({ hasText: "Firefox on Linux" });
  await expect(linuxItem.getByText(FIREFOX_ON_LINUX)).toBeHidden();
  await linuxItem.getByText("Details").click();
  await expect(linuxItem.getByText(FIREFOX_ON_LINUX)).toBeVisible();

  // A screen reader's list of buttons tells them apart.
  await expect(sessions.first().getByRole("button")).toHaveAccessibleName("End this browser’s session");
  await expect(linuxItem.getByRole("button")).toHaveAccessibleName("End the session of Firefox on Linux");
  await expect(sessions.filter({ hasText: "Other Browser" }).getByRole("button")).toHaveAccessibleName(
    "End the session of Other Browser",
  );
  await expect(linuxItem.getByRole("button")).toHaveAccessibleDescription(/^Last active .+ Logged in .+\.$/);
  // No two buttons of the page sound alike.
  const names = await page
    .locator("main button")
    .evaluateAll((buttons) => buttons.map((button) => (button.textContent ?? "").replace(/\s+/g, " ").trim()));
  expect(names.length).toBeGreaterThan(8);
  expect(new Set(names).size, names.join(" | ")).toBe(names.length);
  await expectNoViolations(page);

  await linuxItem.getByRole("button", { name: "End" }).click();
  await expect(page.getByRole("heading", { name: "End this session?" })).toBeVisible();
  await expect(page.locator("main dl")).toContainText("Firefox on Linux");
  await expectNoViolations(page);
  await page.getByRole("button", { name: "End session" }).click();
  await expectBanner(page, "The session has been ended.");
  await expect(sessions).toHaveCount(2);

  await linux.other.goto("/users");
  await expect(linux.other).toHaveURL(at("/login\\?redirect=/users"));
  await unknown.other.goto("/users");
  await expect(unknown.other).toHaveURL(at("/users"));
  await linux.close();
  await unknown.close();
});

test("a second Enter on End only reaches the question; ending this browser's session says it logs out", async ({
  page,
}) => {
  const email = uniqueEmail("double-enter");
  await registerThroughForm(page, "Double Enter", email);
  const { other, close } = await secondBrowser(page, email);
  await page.goto("/account");
  await live(page);

  const end = sessionsOf(page).first().getByRole("button", { name: "End" });
  await end.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "End this browser’s session?" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/account\/end-session\?session=/);
  await expect(page.getByText("This is the browser you are using. Ending its session logs you out here.")).toBeVisible();

  await page.getByRole("button", { name: "End session and log out" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  await expect(page.getByRole("status")).toHaveText("You have logged out.");
  await other.goto("/users");
  await expect(other).toHaveURL(at("/users"));
  await close();
});

test("a session already ended says so, with the way back", async ({ page }) => {
  await registerThroughForm(page, "Already Ended", uniqueEmail("gone"));
  await page.goto("/account/end-session?session=0123456789abcdef0123456789abcdef");
  await expect(page.getByRole("heading", { name: "This session has already ended" })).toBeVisible();
  await page.getByRole("link", { name: "Back to your account" }).click();
  await expect(page).toHaveURL(at("/account"));
});

test("the account shows its name and address, and whether the address is verified", async ({ page }) => {
  const email = uniqueEmail("details");
  await registerThroughForm(page, "Ada Lovelace", email);
  await page.goto("/account");
  const details = page.getByRole("region", { name: "Your details" });
  await expect(details).toContainText("Ada Lovelace");
  await expect(details).toContainText(email);
  await expect(details).toContainText("Not verified");
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

    // The success replaces the problem: one banner, no summary, no "Error:".
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expectBanner(page, "Your password has been changed.");
    await expect(page.getByLabel("Current password")).toHaveValue("");

    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
    await expect(page.getByRole("status")).toHaveText("You have logged out.");
    await loginThroughForm(page, email, newPassword);
    await expect(page).toHaveURL(at("/users"));
  });
});
