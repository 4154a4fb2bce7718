import {
  test,
  expect,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  expectProblems,
  at,
  expectNoViolations,
  expectBanner,
  screenshot,
} from "./fixtures";

test.describe("every page", () => {
  test.use({ expectedHttpErrors: [401, 404], viewport: { width: 900, height: 560 } });

  test("passes axe at WCAG 2.2 AA, and is photographed for the README", async ({ page, browser }) => {
    test.setTimeout(60_000);
    // Fixed values (each test has a fresh database), so the pictures only
    // change when the pages do.
    const email = "ada@example.com";
    await page.goto("/");
    await live(page);
    await expectNoViolations(page);
    await screenshot(page, "home");

    await page.goto("/register");
    await live(page);
    await expectNoViolations(page);
    await screenshot(page, "register");

    // Other users, so the list shows more than one name.
    const other = await browser.newContext();
    await registerThroughForm(await other.newPage(), "Grace Hopper", "grace@example.com");
    await other.close();

    await registerThroughForm(page, "Ada Lovelace", email);
    await expectNoViolations(page);
    await screenshot(page, "users");

    await page.getByRole("main").getByRole("link", { name: "Ada Lovelace" }).first().click();
    await expect(page.getByText("Member since")).toBeVisible();
    await expectNoViolations(page);
    await screenshot(page, "user");

    // A second browser, so the account page lists two sessions.
    const phone = await browser.newContext({
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    });
    const phonePage = await phone.newPage();
    await phonePage.goto("/login");
    await loginThroughForm(phonePage, email);
    await expect(phonePage).toHaveURL(at("/users"));
    await phone.close();
    await page.goto("/account");
    await live(page);
    await expect(page.getByRole("region", { name: "Sessions" }).getByRole("listitem")).toHaveCount(2);
    await expectNoViolations(page);
    await screenshot(page, "account", true);
    await page.setViewportSize({ width: 390, height: 720 });
    await expectNoViolations(page);
    await screenshot(page, "account-phone", true);
    await page.setViewportSize({ width: 900, height: 560 });
    // The question before a session ends.
    const sessions = page.getByRole("region", { name: "Sessions" }).getByRole("listitem");
    await sessions.filter({ hasText: "Safari on iPhone" }).getByRole("button", { name: "End" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "End this session?" })).toBeFocused();
    await expectNoViolations(page);
    await screenshot(page, "end-session");

    // A phone.
    await page.setViewportSize({ width: 390, height: 720 });
    await page.goto("/users");
    await live(page);
    await expectNoViolations(page);
    await screenshot(page, "users-phone");
    await page.setViewportSize({ width: 900, height: 560 });

    for (const path of ["/forgot-password", "/reset-password?token=0", "/verify-email?token=0"]) {
      await page.goto(path);
      await live(page);
      await expectNoViolations(page);
    }
    await page.goto("/forgot-password");
    await live(page);
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
    await expectNoViolations(page);

    await page.goto("/users/999999");
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expectNoViolations(page);

    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
    await expectNoViolations(page);
    await loginThroughForm(page, email, "wrong password");
    await expect(page.getByRole("alert")).toBeVisible();
    await expectNoViolations(page);
    await screenshot(page, "login-error");
  });
});

test.describe("form errors", () => {
  test.use({ expectedHttpErrors: [422] });

  test("are announced and tied to their input", async ({ page }) => {
    await page.goto("/register");
    await live(page);
    await page.getByLabel("Name").fill("Short Password");
    await page.getByLabel("Email").fill(uniqueEmail("a11y"));
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Register" }).click();
    await expectProblems(page, ["Password must be at least 8 characters"]);
    const password = page.getByLabel("Password");
    await expect(password).toHaveAttribute("aria-invalid", "true");
    // Read with the field: its hint, then the error.
    await expect(password).toHaveAttribute("aria-describedby", "password-hint password-error");
    await expect(password).toHaveAccessibleDescription(
      "Use 8 to 128 characters, not a common password or your name or email. Error: Password must be at least 8 characters",
    );
    await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", "true");
    await expectNoViolations(page);
    await screenshot(page, "register-errors");
  });
});

test("the password hint sits between its label and its input, and is read with the input", async ({ page }) => {
  await page.goto("/register");
  await live(page);
  const order = await page.locator(".field:has(#password) > *").evaluateAll((nodes) =>
    nodes.map((node) => node.tagName.toLowerCase()),
  );
  expect(order).toEqual(["label", "p", "input"]);
  await expect(page.getByLabel("Password")).toHaveAccessibleDescription(
    "Use 8 to 128 characters, not a common password or your name or email.",
  );
});

test.describe("a failed registration", () => {
  test.use({ expectedHttpErrors: [401, 409] });

  test("keeps the password unless the error is about it", async ({ page, browser }) => {
    const email = uniqueEmail("taken");
    const first = await browser.newContext();
    await registerThroughForm(await first.newPage(), "First Owner", email);
    await first.close();

    await page.goto("/register");
    await live(page);
    await page.getByLabel("Name").fill("Second Comer");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("a generated passphrase");
    await page.getByRole("button", { name: "Register" }).click();
    await expectProblems(page, ["This email address is already registered: log in, or reset your password if you have forgotten it"]);
    await expect(page.getByLabel("Password")).toHaveValue("a generated passphrase");

    await page.goto("/login");
    await loginThroughForm(page, email, "not the password");
    await expectProblems(page, ["Invalid email or password"]);
    await expect(page.getByLabel("Password")).toHaveValue("");
  });
});

test.describe("a login being sent", () => {
  test.use({ expectedHttpErrors: [401] });

  test("says it is busy, and is sent once", async ({ page }) => {
    await page.goto("/login");
    await live(page);
    let sent = 0;
    await page.route("**/api/auth/login", async (route) => {
      sent += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByLabel("Password").fill("wrong password");
    // Two presses 300 ms apart, inside the page: the post is a page load,
    // which Playwright would otherwise wait for before the second. (Two in one
    // task make one request anyway: the browser keeps only the last.)
    const busy = await page.evaluate(async () => {
      const form = document.querySelector<HTMLFormElement>("form[action$='/auth/login']")!;
      form.requestSubmit();
      const busy = form.querySelector("button[type=submit]")!.getAttribute("aria-disabled");
      await new Promise((resolve) => setTimeout(resolve, 300));
      form.requestSubmit();
      return busy;
    });
    expect(busy).toBe("true");
    // The problem is reported (and takes focus) once, and the button is usable again.
    await expectProblems(page, ["Invalid email or password"]);
    await expect(page.getByRole("button", { name: "Login" })).not.toHaveAttribute("aria-disabled");
    expect(sent).toBe(1);
  });
});

test.describe("refusals past the limits", () => {
  test.use({ expectedHttpErrors: [401, 429] });

  test("say how long to wait", async ({ page }) => {
    await page.goto("/login");
    for (let attempt = 1; attempt <= 6; attempt++) {
      await loginThroughForm(page, "nobody@example.com", "wrong password");
      await expect(page.getByRole("alert")).toBeVisible();
      await expect(page.getByRole("button", { name: "Login" })).toBeEnabled();
    }
    // The limit's window is 15 minutes from the first failure.
    await expect(page.locator(".error-summary li")).toHaveText(/^Too many attempts\. Try again in 1[45] minutes\.$/);
  });
});

test("register, browse, manage the account and log out with the keyboard alone", async ({ page }) => {
  await page.goto("/register");
  await live(page);
  const tabTo = async (name: string, role: "textbox" | "button" | "link" = "textbox") => {
    const target = page.getByRole(role, { name, exact: true });
    // The page may still move focus once its data arrives (a navigation
    // focuses its heading): start tabbing once it is settled.
    await target.waitFor();
    await page.waitForLoadState("networkidle");
    for (let i = 0; i < 30 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await expect(target).toBeFocused();
  };
  await tabTo("Name");
  await page.keyboard.type("Keyboard User");
  await tabTo("Email");
  await page.keyboard.type(uniqueEmail("keys"));
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type("correct horse battery");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(at("/users"));
  await tabTo("Keyboard User", "link");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(at("/users/\\d+"));
  await expect(page.getByRole("heading", { level: 1, name: "Keyboard User" })).toBeFocused();
  await tabTo("Account", "link");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(at("/account"));
  await expect(page.getByRole("heading", { level: 1, name: "Account" })).toBeFocused();
  await tabTo("Log out everywhere", "button");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Log out everywhere else?" })).toBeFocused();
  await tabTo("Log out everywhere else", "button");
  await page.keyboard.press("Enter");
  await expectBanner(page, "Every other session has been logged out.");
  await tabTo("Logout", "button");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
});
