// What the configuration switches off, as a person meets it: with
// registration closed no page offers an account, and with passkeys off no
// page offers a passkey, whether the server rendered the page or the app
// did after a navigation (the fixtures fail a test on any console error, as a
// hydration mismatch gives).
import { at, expect, live, registerThroughForm, test, uniqueEmail } from "./fixtures";

test.describe("with REGISTRATION=closed", () => {
  test.use({ serverEnv: { REGISTRATION: "closed" } });

  test("no page offers an account, and /register says it is closed", async ({ page }) => {
    await page.goto("/");
    await live(page);
    await expect(page.getByRole("heading", { name: "Welcome" })).toBeVisible();
    await expect(page.getByText("Log in to see who else is here.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Register" })).toHaveCount(0);

    await page.goto("/register");
    await live(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registration is closed");
    await expect(page).toHaveTitle(/^Registration is closed/);
    await expect(page.getByRole("textbox")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Register" })).toHaveCount(0);

    await page.getByRole("link", { name: "Login" }).first().click();
    await expect(page).toHaveURL(at("/login"));
    await live(page);
    await expect(page.getByRole("link", { name: "Register" })).toHaveCount(0);
  });
});

test.describe("with PASSKEYS=false", () => {
  test.use({ serverEnv: { PASSKEYS: "false" } });

  test("no page offers a passkey", async ({ page }) => {
    await page.goto("/login");
    await live(page);
    await expect(page.getByLabel("Email")).toHaveAttribute("autocomplete", "username");
    await expect(page.getByRole("button", { name: /passkey/ })).toHaveCount(0);

    await page.goto("/register");
    await live(page);
    await expect(page.getByRole("button", { name: /passkey/ })).toHaveCount(0);

    await registerThroughForm(page, "Ada", uniqueEmail("no-passkeys"));
    // The account page, drawn by the app after a navigation.
    await page.getByRole("link", { name: "Account" }).click();
    await expect(page).toHaveURL(at("/account"));
    await expect(page.getByRole("heading", { name: "Your details" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Password" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Passkeys" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /passkey/i })).toHaveCount(0);
  });
});
