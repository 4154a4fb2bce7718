// Passkeys in real Chromium, with a CDP virtual authenticator (a fresh one
// per test) standing in for the device's own. WebAuthn works only on a
// secure context with a domain name, so these tests use
// http://localhost:<port>, never 127.0.0.1.
import type { CDPSession } from "@playwright/test";
import {
  test as base,
  expect,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  at,
  expectNoViolations,
  expectBanner,
  screenshot,
  mailingTo,
  verifyEmailThroughMail,
  type Page,
} from "./fixtures";

type Authenticator = {
  cdp: CDPSession;
  id: string;
  /** Swaps this authenticator for a fresh one: another device. */
  replace(): Promise<void>;
  /** The passkeys it holds. */
  credentials(): Promise<{ credentialId: string; signCount: number }[]>;
};

const test = base.extend<{ authenticator: Authenticator }>({
  baseURL: async ({ baseURL }, use) => use(baseURL!.replace("://127.0.0.1:", "://localhost:")),
  authenticator: async ({ page }, use) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const add = async () =>
      (
        await cdp.send("WebAuthn.addVirtualAuthenticator", {
          options: {
            protocol: "ctap2",
            transport: "internal",
            hasResidentKey: true,
            hasUserVerification: true,
            isUserVerified: true,
            automaticPresenceSimulation: true,
          },
        })
      ).authenticatorId;
    const authenticator: Authenticator = {
      cdp,
      id: await add(),
      credentials: async () =>
        (await cdp.send("WebAuthn.getCredentials", { authenticatorId: authenticator.id })).credentials,
      replace: async () => {
        await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: authenticator.id });
        authenticator.id = await add();
      },
    };
    await use(authenticator);
  },
});

/** A browser without passkey autofill: only the button signs in. */
async function withoutAutofill(page: Page) {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

async function createAccountWithPasskey(page: Page, name: string, email: string) {
  await page.goto("/register");
  await live(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Create account with a passkey" }).click();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText(name);
  // The list's request has been answered: a test that then clears the
  // cookies does not have it refused (401) on the way out.
  await expect(page.getByRole("main").getByRole("link", { name })).toBeVisible();
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
}

test("an account made with a passkey signs in again with the passkey button", async ({ page, authenticator }) => {
  await withoutAutofill(page);
  await createAccountWithPasskey(page, "Passkey Person", uniqueEmail("passkey"));
  expect(await authenticator.credentials()).toHaveLength(1);
  await logOut(page);

  await live(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Passkey Person");

  // The account has no password to change: it can set one.
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Password" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Set password" })).toBeVisible();
  await expect(page.getByLabel("Current password")).toHaveCount(0);
});

test("passkey autofill on the login form signs in by itself once chosen", async ({ page, authenticator }) => {
  await page.goto("/login");
  await expect(page.getByLabel("Email")).toHaveAttribute("autocomplete", "username webauthn");
  await createAccountWithPasskey(page, "Autofill Person", uniqueEmail("autofill"));
  await page.context().clearCookies();
  // The virtual authenticator picks its passkey for the waiting request, as a
  // person would from the email field's suggestions.
  await page.goto("/login?redirect=/account");
  await expect(page).toHaveURL(at("/account"));
  await expect(page.getByRole("heading", { name: "Account", exact: true })).toBeVisible();
  const [passkey] = await authenticator.credentials();
  expect(passkey.signCount).toBeGreaterThan(0);
});

test.describe("a removed passkey", () => {
  test.use({ ...mailingTo, expectedHttpErrors: [401] });

test("a password account adds a named passkey, signs in with it, and removes it", async ({ page, authenticator, smtp }) => {
  await withoutAutofill(page);
  const email = uniqueEmail("addpasskey");
  await registerThroughForm(page, "Two Ways", email);
  await verifyEmailThroughMail(page, smtp);
  await page.goto("/account");
  await live(page);
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  const adding = page.getByRole("form", { name: "Add a passkey" });
  await expect(passkeys.getByText("No passkeys yet.")).toBeVisible();
  await adding.getByLabel("Name").fill("Work laptop");
  await adding.getByRole("button", { name: "Add a passkey" }).click();
  await expectBanner(page, "The passkey has been added.");
  // A new way in: the page offers to end every other session.
  const offer = page.getByRole("region", { name: "Log out everywhere else?" });
  await expect(offer).toBeVisible();
  await offer.getByRole("button", { name: "Log out every other session" }).click();
  await expectBanner(page, "Every other session has been logged out.");
  await expect(offer).toBeHidden();
  const item = passkeys.getByRole("listitem").filter({ hasText: "Work laptop" });
  await expect(item).toContainText("never used to sign in");
  // A screen reader's list of buttons says which passkey each removes.
  await expect(item.getByRole("button")).toHaveAccessibleName("Remove the passkey Work laptop");
  await expect(item.getByRole("button")).toHaveAccessibleDescription(/^Added .+, never used to sign in\.$/);
  expect(await authenticator.credentials()).toHaveLength(1);

  await logOut(page);
  await live(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(at("/users"));
  await page.goto("/account");
  await expect(item).toContainText("last used");

  await item.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("heading", { name: "Remove this passkey?" })).toBeVisible();
  await expect(page.locator("main dl")).toContainText("Work laptop");
  await expectNoViolations(page);
  await page.getByRole("button", { name: "Remove passkey" }).click();
  await expectBanner(page, "The passkey has been removed.");
  await expect(passkeys.getByText("No passkeys yet.")).toBeVisible();

  // The authenticator still holds it, but the site no longer accepts it.
  await logOut(page);
  await live(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "This passkey was not accepted" })).toBeVisible();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  await loginThroughForm(page, email);
  await expect(page).toHaveURL(at("/users"));
});
});

test.describe("refusals", () => {
  test.use({ ...mailingTo, expectedHttpErrors: [400, 401, 403, 409] });

  test("an unverified account cannot add a passkey", async ({ page, authenticator }) => {
    void authenticator;
    await registerThroughForm(page, "Unverified", uniqueEmail("unverified"));
    await page.goto("/account");
    await live(page);
    const adding = page.getByRole("form", { name: "Add a passkey" });
    await adding.getByLabel("Name").fill("Phone");
    await adding.getByRole("button", { name: "Add a passkey" }).click();
    await expect(adding.getByRole("alert").filter({ hasText: "Verify your email address to continue" })).toBeVisible();
    expect(await authenticator.credentials()).toHaveLength(0);
  });

  test("the only passkey of an account cannot be removed, nor made twice on one device", async ({
    page,
    authenticator,
    smtp,
  }) => {
    void authenticator;
    await createAccountWithPasskey(page, "Only Passkey", uniqueEmail("onlypasskey"));
    await verifyEmailThroughMail(page, smtp);
    await page.goto("/account");
    await live(page);
    const passkeys = page.getByRole("region", { name: "Passkeys" });
    const adding = page.getByRole("form", { name: "Add a passkey" });
    await adding.getByRole("button", { name: "Add a passkey" }).click();
    await expect(adding.getByRole("alert").filter({ hasText: "already has a passkey" })).toBeVisible();
    await passkeys.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("button", { name: "Remove passkey" }).click();
    await expect(page.locator(".error-summary")).toContainText(
      "This is your only way to sign in: set a password, add a passkey or link a provider first",
    );
    await page.getByRole("link", { name: "Cancel" }).click();
    await expect(passkeys.getByRole("listitem")).toHaveCount(1);
  });

  test("on /login, a refusal by the browser is said in the wasm's words", async ({ page, authenticator }) => {
    await withoutAutofill(page);
    await createAccountWithPasskey(page, "Unverified Signer", uniqueEmail("unverifiedsigner"));
    await logOut(page);
    // The device cannot verify the person: the browser refuses the request.
    await authenticator.cdp.send("WebAuthn.setUserVerified", { authenticatorId: authenticator.id, isUserVerified: false });
    await live(page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "cancelled or took too long" })).toHaveText(
      "The passkey request was cancelled or took too long. Try again when you are ready.",
    );
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
    await expect(page.getByRole("button", { name: "Sign in with a passkey" })).not.toHaveAttribute("aria-disabled");
  });

  test("passkey autofill says the server's refusal of the passkey picked", async ({ page, authenticator }) => {
    void authenticator;
    await createAccountWithPasskey(page, "Refused Pick", uniqueEmail("refusedpick"));
    await page.context().clearCookies();
    // The answer for the passkey picked names a ceremony the server never
    // started: the server refuses it, and the page says the server's words.
    await page.route("**/api/auth/passkey/login", (route) =>
      route.continue({ postData: route.request().postData()!.replace(/ceremony=[^&]*/, "ceremony=unknown") }),
    );
    await page.goto("/login");
    await expect(page.getByRole("alert").filter({ hasText: "expired" })).toHaveText(
      "The passkey request expired or was already used, try again",
    );
    await expect(page).toHaveURL(at("/login"));
  });

  test("a refused verification is said in plain words", async ({ page, authenticator }) => {
    await authenticator.cdp.send("WebAuthn.setUserVerified", { authenticatorId: authenticator.id, isUserVerified: false });
    await page.goto("/register");
    await live(page);
    await page.getByLabel("Name").fill("Cancelled");
    await page.getByLabel("Email").fill(uniqueEmail("cancelled"));
    await page.getByRole("button", { name: "Create account with a passkey" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "cancelled or took too long" })).toBeVisible();
    await expect(page).toHaveURL(at("/register"));
  });
});

test("the name and email are checked before the device is asked", async ({ page, authenticator }) => {
  await page.goto("/register");
  await live(page);
  await page.getByRole("button", { name: "Create account with a passkey" }).click();
  await expect(page.locator(".error-summary")).toContainText("Enter your name");
  expect(await authenticator.credentials()).toHaveLength(0);
});

test.describe("verified", () => {
  test.use(mailingTo);

test("the passkey UI passes axe, and the account page is photographed for the README", async ({ page, authenticator, smtp }) => {
  await withoutAutofill(page);
  await page.goto("/register");
  await live(page);
  await expectNoViolations(page);
  await createAccountWithPasskey(page, "Ada Lovelace", "ada@example.com");
  await verifyEmailThroughMail(page, smtp);
  await authenticator.replace();
  await page.goto("/account");
  await live(page);
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  const adding = page.getByRole("form", { name: "Add a passkey" });
  await adding.getByLabel("Name").fill("Phone");
  await adding.getByRole("button", { name: "Add a passkey" }).click();
  await expectBanner(page, "The passkey has been added.");
  await expectNoViolations(page);
  await screenshot(passkeys, "passkeys");
  await logOut(page);
  await live(page);
  await expectNoViolations(page);
});
});
