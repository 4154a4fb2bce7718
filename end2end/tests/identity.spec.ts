// Sign-in with an identity provider in real Chromium, against a real
// provider (npm's oidc-provider, its own login and consent pages). The app
// is reached at http://localhost:<port>, the provider at 127.0.0.1: two
// sites, as in production.
import type { BrowserContext } from "@playwright/test";
import { startProvider, type IdentityProvider } from "../oidc";
import { freePort } from "../smtp";
import {
  test as base,
  expect,
  live,
  registerThroughForm,
  at,
  expectNoViolations,
  expectBanner,
  screenshot,
  expectProblems,
  verifyEmailThroughMail,
  type Page,
} from "./fixtures";

const LABEL = "Test Provider";

/** The provider's development pages link a web font this machine cannot fetch: answered here, empty. */
async function answerProviderFont(target: Page | BrowserContext) {
  await target.route("https://fonts.googleapis.com/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/css", body: "" }),
  );
}

const test = base.extend<{ appPort: number; provider: IdentityProvider }>({
  appPort: async ({}, use) => use(await freePort()),
  provider: async ({ appPort }, use) => {
    const provider = await startProvider([`http://localhost:${appPort}/auth/test/callback`]);
    await use(provider);
    await provider.stop();
  },
  // Mail too: linking a provider needs a verified email, proved by the mailed link.
  serverEnv: async ({ appPort, provider, smtp }, use) =>
    use({
      LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
      SMTP_URL: smtp.url,
      MAIL_FROM: "Sessions <no-reply@example.com>",
      ...provider.env("TEST", LABEL),
    }),
  baseURL: async ({ baseURL }, use) => use(baseURL!.replace("://127.0.0.1:", "://localhost:")),
  page: async ({ page }, use) => {
    await answerProviderFont(page);
    await use(page);
  },
});

/** At the provider: logs in as `login` (see oidc/provider.mjs) and consents. */
async function logInAtProvider(page: Page, provider: IdentityProvider, login: string) {
  await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("Continue with a provider on /login signs in and lands on /users", async ({ page, provider }) => {
  await page.goto("/login");
  await live(page);
  await expectNoViolations(page);
  await screenshot(page, "login-with-provider");
  await page.getByRole("link", { name: `Continue with ${LABEL}` }).click();
  await logInAtProvider(page, provider, "Ada Lovelace <ada@example.com>");
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Ada Lovelace");
});

test("the page the user was going to survives the round trip", async ({ page, provider }) => {
  await page.goto("/account");
  await expect(page).toHaveURL(at("/login\\?redirect=/account"));
  await live(page);
  await page.getByRole("link", { name: `Continue with ${LABEL}` }).click();
  await logInAtProvider(page, provider, "ada@example.com");
  await expect(page).toHaveURL(at("/account"));
  await expect(page.getByRole("region", { name: "Sign-in providers" })).toContainText(`${LABEL}: ada@example.com`);
});

test("cancelling at the provider comes back to /login saying so", async ({ page, provider }) => {
  await page.goto("/register");
  await live(page);
  await expectNoViolations(page);
  await page.getByRole("link", { name: `Continue with ${LABEL}` }).click();
  await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/interaction/`));
  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(at("/login"));
  await expectProblems(page, ["Sign-in was cancelled at the identity provider"]);
});

test("a provider is linked from /account, signs in, and is unlinked", async ({ page, browser, provider, smtp }) => {
  await registerThroughForm(page, "Grace Hopper", "grace@example.com");
  await verifyEmailThroughMail(page, smtp);
  await page.goto("/account");
  await live(page);
  const providers = page.getByRole("region", { name: "Sign-in providers" });
  await expect(providers).toContainText("No linked providers.");
  await providers.getByRole("button", { name: `Link ${LABEL}` }).click();
  await logInAtProvider(page, provider, "grace.work@example.org");
  await expect(page).toHaveURL(at("/account\\?done=identity-linked"));
  await live(page);
  await expectBanner(page, "The provider has been linked: you can sign in with it.");
  await expect(providers).toContainText(`${LABEL}: grace.work@example.org`);
  await expectNoViolations(page);

  // Another browser signs in to the same account with it.
  const other = await browser.newContext({ baseURL: page.url().replace(/\/account.*$/, "") });
  await answerProviderFont(other);
  const otherPage = await other.newPage();
  await otherPage.goto("/login");
  await live(otherPage);
  await otherPage.getByRole("link", { name: `Continue with ${LABEL}` }).click();
  await logInAtProvider(otherPage, provider, "grace.work@example.org");
  await expect(otherPage.getByRole("navigation", { name: "Main" })).toContainText("Grace Hopper");
  await other.close();

  await expect(providers.getByRole("button", { name: "Unlink" })).toHaveAccessibleName(
    `Unlink ${LABEL}, grace.work@example.org`,
  );
  await providers.getByRole("button", { name: "Unlink" }).click();
  await expectBanner(page, "The provider has been unlinked.");
  await expect(providers).toContainText("No linked providers.");
});
