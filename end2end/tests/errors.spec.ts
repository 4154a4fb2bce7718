// The GOV.UK error pattern on every form, with and without JavaScript: every
// problem at once in a focused summary whose links lead to the fields, each
// message above its field and tied to it, "Error: " in the title. With
// JavaScript nothing is sent until the fields pass the domain's rules (except
// on /login, which runs no wasm: its form is a plain post either way); without,
// the page comes back from the server with the same problems and what was
// typed (never the password), and nothing typed lands in the URL.
import {
  test,
  expect,
  uniqueEmail,
  live,
  expectProblems,
  expectBanner,
  registerThroughForm,
  PASSWORD,
  at,
  type Page,
} from "./fixtures";
import { SITE_NAME } from "../server";

/** The field's message stands between its label (and hint) and its input, and describes the input. */
async function expectMessageAt(page: Page, field: string, message: string) {
  const input = page.locator(`input#${field}`);
  await expect(input).toHaveAttribute("aria-invalid", "true");
  const parts = await page.locator(`.field:has(#${field}) > *`).evaluateAll((nodes) =>
    nodes.map((node) => node.className || node.tagName.toLowerCase()),
  );
  expect(parts.indexOf("error-message"), parts.join(" ")).toBe(parts.length - 2);
  await expect(page.locator(`#${field}-error`)).toHaveText(`Error: ${message}`);
  await expect(input).toHaveAttribute("aria-describedby", new RegExp(`(^| )${field}-error$`));
}

/** Loads `path`, and waits for hydration when scripts run. */
async function open(page: Page, path: string, scripted: boolean) {
  await page.goto(path);
  if (scripted) await live(page);
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled, expectedHttpErrors: [401, 409, 422] });

    test("registering reports every problem at once, each at its field", async ({ page }) => {
      const sent: string[] = [];
      page.on("request", (request) => {
        if (request.url().includes("/api/")) sent.push(request.url());
      });
      await open(page, "/register", javaScriptEnabled);
      await expect(page.locator("form")).toHaveAttribute("novalidate", "");
      await page.getByLabel("Email").fill("not an email");
      await page.getByLabel("Password").fill("short");
      await page.getByRole("button", { name: "Register" }).click();
      await expectProblems(page, [
        "Enter your name",
        "Enter an email address in the correct format, like name@example.com",
        "Password must be at least 8 characters",
      ]);
      await expect(page).toHaveTitle(`Error: Register – ${SITE_NAME}`);
      await expect(page).toHaveURL(at("/register"));
      await expectMessageAt(page, "name", "Enter your name");
      await expectMessageAt(page, "email", "Enter an email address in the correct format, like name@example.com");
      await expectMessageAt(page, "password", "Password must be at least 8 characters");
      await expect(page.getByLabel("Password")).toHaveAccessibleDescription(
        "Use 8 to 128 characters, not a common password or your name or email. Error: Password must be at least 8 characters",
      );
      await expect(page.getByLabel("Email")).toHaveValue("not an email");
      await expect(page.getByLabel("Password")).toHaveValue("");
      // Checked in the browser by the domain's own rules: nothing was sent.
      expect(sent).toEqual(javaScriptEnabled ? [] : [expect.stringContaining("/api/register")]);

      if (javaScriptEnabled) {
        await page.locator(".error-summary").getByRole("link", { name: "Enter an email address in the correct format, like name@example.com" }).click();
        await expect(page.getByLabel("Email")).toBeFocused();
      }

      // Put right, the form goes through.
      await page.getByLabel("Name").fill("Put Right");
      await page.getByLabel("Email").fill(uniqueEmail("errors"));
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Register" }).click();
      await expect(page).toHaveURL(at("/users"));
      await expect(page).toHaveTitle(`Users – ${SITE_NAME}`);
    });

    test("the server refuses a common password and one made of the person's own name, at the password", async ({
      page,
    }) => {
      await open(page, "/register", javaScriptEnabled);
      await page.getByLabel("Name").fill("Grace Hopper");
      await page.getByLabel("Email").fill(uniqueEmail("screened"));
      for (const [password, message] of [
        ["football1", "This is one of the most common passwords, which are tried first: choose one that is harder to guess"],
        ["Hopper1906!", "Password must not be made of your name, your email address or the site's name"],
      ]) {
        await page.getByLabel("Password").fill(password);
        await page.getByRole("button", { name: "Register" }).click();
        await expectProblems(page, [message]);
        await expectMessageAt(page, "password", message);
        await expect(page.getByLabel("Password")).toHaveValue("");
        await expect(page.getByLabel("Name")).toHaveValue("Grace Hopper");
      }
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Register" }).click();
      await expect(page).toHaveURL(at("/users"));
    });

    test("a taken email is reported at the email, keeping the password", async ({ page, browser }) => {
      const email = uniqueEmail("taken");
      const first = await browser.newContext();
      await registerThroughForm(await first.newPage(), "First Owner", email, PASSWORD, "", javaScriptEnabled);
      await first.close();
      await open(page, "/register", javaScriptEnabled);
      await page.getByLabel("Name").fill("Second Comer");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("a generated passphrase");
      await page.getByRole("button", { name: "Register" }).click();
      await expectProblems(page, ["This email address is already registered: log in, or reset your password if you have forgotten it"]);
      await expectMessageAt(page, "email", "This email address is already registered: log in, or reset your password if you have forgotten it");
      await expect(page.getByLabel("Name")).toHaveValue("Second Comer");
      // Without JavaScript a password never comes back from the server.
      await expect(page.getByLabel("Password")).toHaveValue(javaScriptEnabled ? "a generated passphrase" : "");
    });

    test("logging in reports empty fields, then a wrong password at the email", async ({ page }) => {
      await open(page, "/login?redirect=/account", javaScriptEnabled);
      await page.getByRole("button", { name: "Login" }).click();
      await expectProblems(page, ["Enter your email address", "Enter your password"]);
      await expect(page).toHaveTitle(`Error: Login – ${SITE_NAME}`);
      await expectMessageAt(page, "email", "Enter your email address");
      await expectMessageAt(page, "password", "Enter your password");
      await expect(page).toHaveURL(at("/login\\?redirect=/account"));

      await page.getByLabel("Email").fill("nobody@example.com");
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Login" }).click();
      await expectProblems(page, ["Invalid email or password"]);
      await expectMessageAt(page, "email", "Invalid email or password");
      // Both fields are marked; the password's description is the message at the email.
      await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
      await expect(page.getByLabel("Password")).toHaveAccessibleDescription("Error: Invalid email or password");
      await expect(page.getByLabel("Email")).toHaveValue("nobody@example.com");
      await expect(page.getByLabel("Password")).toHaveValue("");
      await expect(page).toHaveURL(at("/login\\?redirect=/account"));
    });

    test("changing the password reports every problem at once", async ({ page }) => {
      await registerThroughForm(page, "Changing Mind", uniqueEmail("change"), PASSWORD, "", javaScriptEnabled);
      await open(page, "/account", javaScriptEnabled);
      await page.getByLabel("New password").fill("short");
      await page.getByRole("button", { name: "Change password" }).click();
      await expectProblems(page, ["Enter your current password", "Password must be at least 8 characters"]);
      await expect(page).toHaveTitle(`Error: Account – ${SITE_NAME}`);
      await expectMessageAt(page, "current_password", "Enter your current password");
      await expectMessageAt(page, "new_password", "Password must be at least 8 characters");

      await page.getByLabel("Current password").fill("not the password");
      await page.getByLabel("New password").fill("a brand new passphrase");
      await page.getByRole("button", { name: "Change password" }).click();
      await expectProblems(page, ["Current password is incorrect"]);
      await expectMessageAt(page, "current_password", "Current password is incorrect");
      await expect(page.getByLabel("New password")).not.toHaveAttribute("aria-invalid");

      // Put right, the problems go.
      await page.getByLabel("Current password").fill(PASSWORD);
      await page.getByLabel("New password").fill("a brand new passphrase");
      await page.getByRole("button", { name: "Change password" }).click();
      await expectBanner(page, "Your password has been changed.");
      await expect(page).toHaveTitle(`Account – ${SITE_NAME}`);
    });
  });
}

test.describe("a plain form's failure", () => {
  test.use({ javaScriptEnabled: false, expectedHttpErrors: [401] });

  test("is shown once: a reload shows a clean form", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Login" }).click();
    await expectProblems(page, ["Invalid email or password"]);
    await page.reload();
    await expect(page.locator(".error-summary")).toHaveCount(0);
    await expect(page).toHaveTitle(`Login – ${SITE_NAME}`);
    await expect(page.getByLabel("Email")).toHaveValue("");
  });
});
