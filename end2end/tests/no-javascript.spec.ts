import { test, expect, PASSWORD, uniqueEmail, at, expectProblems, expectBanner } from "./fixtures";

test.use({ javaScriptEnabled: false });

test("register, browse, logout and login all work with plain form posts", async ({ page }) => {
  const email = uniqueEmail("nojs");
  await page.goto("/register");
  await page.getByLabel("Name").fill("Plain Forms");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Plain Forms");

  await page.getByRole("main").getByRole("link", { name: "Plain Forms" }).first().click();
  await expect(page).toHaveURL(at("/users/\\d+"));
  await expect(page.getByText("Member since")).toBeVisible();

  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));

  await page.goto("/users");
  await expect(page).toHaveURL(at("/login\\?redirect=/users"));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Login" }).click();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Plain Forms");
});

test("a failed login without JavaScript shows the error and keeps the email", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Login" }).click();
  await expectProblems(page, ["Invalid email or password"]);
  await expect(page.getByLabel("Email")).toHaveValue("nobody@example.com");
  await expect(page.getByLabel("Password")).toHaveValue("");
});

test("the account page works with plain form posts", async ({ page }) => {
  await page.goto("/register");
  await page.getByLabel("Name").fill("Plain Account");
  await page.getByLabel("Email").fill(uniqueEmail("nojs-account"));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/users"));

  await page.getByRole("link", { name: "Account", exact: true }).click();
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  // A form that GETs a page without fields: the browser adds an empty query.
  await expect(page).toHaveURL(at("/account/log-out-everywhere\\?"));
  await page.getByRole("button", { name: "Log out everywhere else" }).click();
  await expect(page).toHaveURL(at("/account\\?done=logout-everywhere"));
  await expectBanner(page, "Every other session has been logged out.");

  // A problem, then a success: the banner alone, at the top, focused.
  await page.getByLabel("Current password").fill("not the password");
  await page.getByLabel("New password").fill("a brand new passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expectProblems(page, ["Current password is incorrect"]);
  await expect(page.locator(".notification-banner")).toHaveCount(0);
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("a brand new passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(at("/account\\?done=password"));
  await expectBanner(page, "Your password has been changed.");

  // Ending this browser's session asks first, and says it logs out.
  const sessions = page.getByRole("region", { name: "Sessions" }).getByRole("listitem");
  await sessions.first().getByRole("button", { name: "End" }).click();
  await expect(page).toHaveURL(/\/account\/end-session\?session=[0-9a-f]{32}$/);
  await expect(page.getByRole("heading", { name: "End this browser’s session?" })).toBeVisible();
  await page.getByRole("button", { name: "End session and log out" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  await expect(page.getByRole("status")).toHaveText("You have logged out.");
});

test("a dead reset link says so when opened, and leads to a new one", async ({ page }) => {
  await page.goto("/reset-password?token=0123456789abcdef");
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
  await expect(page.getByLabel("New password")).toHaveCount(0);
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page).toHaveURL(at("/forgot-password\\?"));
  await page.getByLabel("Email").fill(uniqueEmail("dead-link"));
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
});

test("passkey buttons say they need JavaScript, and the password forms still work", async ({ page }) => {
  for (const [path, button] of [
    ["/login", "Sign in with a passkey"],
    ["/register", "Create account with a passkey"],
  ]) {
    await page.goto(path);
    await expect(page.getByText("Passkeys need JavaScript")).toBeVisible();
    await expect(page.getByRole("button", { name: button })).toBeDisabled();
  }
  const email = uniqueEmail("nojs-passkey");
  await page.getByLabel("Name").fill("No Script");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/users"));
  await page.goto("/account");
  const adding = page.getByRole("form", { name: "Add a passkey" });
  await expect(adding.getByText("Passkeys need JavaScript")).toBeVisible();
  await expect(adding.getByRole("button", { name: "Add a passkey" })).toBeDisabled();
});

test("a page fetches none of the app's code when it cannot run it", async ({ page }) => {
  const fetched: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/pkg/")) fetched.push(path.slice("/pkg/".length));
  });
  await page.goto("/register");
  await page.waitForLoadState("networkidle");
  await expect(page.locator('head link[rel="preload"][href$=".wasm"]')).toHaveCount(1);
  expect(fetched).toEqual([expect.stringMatching(/^app\.[\w-]+\.css$/)]);
});
