// Shared test set-up: a fresh server (and database) for every test as baseURL,
// and a page that fails the test on any console error or uncaught page error.
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Locator, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../server";
import { linkTo, startSmtp, type SmtpServer } from "../smtp";

export const PASSWORD = "correct horse battery";

type Fixtures = {
  /** A real SMTP server, started for the tests that ask for it (see `mailingTo`). */
  smtp: SmtpServer;
  /** Environment for this test's server, over the defaults in server.ts. */
  serverEnv: Record<string, string>;
  /** HTTP statuses this test provokes on purpose (the browser logs them as errors). */
  expectedHttpErrors: number[];
  consoleErrors: string[];
};

export const test = base.extend<Fixtures>({
  serverEnv: [{}, { option: true }],
  smtp: async ({}, use) => {
    const smtp = await startSmtp();
    await use(smtp);
    await smtp.stop();
  },
  baseURL: async ({ serverEnv }, use) => {
    const server = await startServer({ env: serverEnv });
    await use(server.baseURL);
    await server.stop();
  },
  expectedHttpErrors: [[], { option: true }],
  consoleErrors: async ({ context, expectedHttpErrors }, use) => {
    const errors: string[] = [];
    const expected = expectedHttpErrors.map((status) => `status of ${status} `);
    const watch = (page: Page) => {
      page.on("console", (message) => {
        const text = message.text();
        const provoked = text.startsWith("Failed to load resource") && expected.some((s) => text.includes(s));
        if ((message.type() === "error" || message.type() === "warning") && !provoked) {
          errors.push(`${message.type()}: ${text}`);
        }
      });
      page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    };
    context.pages().forEach(watch);
    context.on("page", watch);
    await use(errors);
    expect(errors, "console errors, warnings or page errors").toEqual([]);
  },
  page: async ({ page, consoleErrors }, use) => {
    void consoleErrors;
    await use(page);
  },
});

export { expect };

/** `test.use` options for a server that mails to the test's SMTP server. */
export const mailingTo = {
  serverEnv: async ({ smtp }: { smtp: SmtpServer }, use: (env: Record<string, string>) => Promise<void>) =>
    use({ SMTP_URL: smtp.url, MAIL_FROM: "Sessions <no-reply@example.com>" }),
};
export type { Page } from "@playwright/test";

/** Matches a page URL whose path (and query) is exactly `path`, a regex source. */
export function at(path: string): RegExp {
  return new RegExp(`^https?://[^/?#]+${path}$`);
}

let counter = 0;
/** An email no other test uses. */
export function uniqueEmail(tag = "user"): string {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

/**
 * Waits until the page's script runs: the wasm has hydrated the page, or on
 * /login, which runs no wasm, its own script has started (either marks <body>).
 */
export async function live(page: Page) {
  await page.locator("body[data-live]").waitFor({ state: "attached" });
}

/** The path and query of every document the page loads (not the app's own navigations). */
export function documentsLoaded(page: Page): string[] {
  const loaded: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "document" && request.frame() === page.mainFrame()) {
      const url = new URL(request.url());
      loaded.push(url.pathname + url.search);
    }
  });
  return loaded;
}

/** The path and query of every URL the address bar shows: documents loaded and the app's own navigations. */
export function urlsShown(page: Page): string[] {
  const shown: string[] = [];
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) {
      const url = new URL(frame.url());
      shown.push(url.pathname + url.search);
    }
  });
  return shown;
}

/** Registers through the form, on `base` when given (a test's own server); `scripted`: JavaScript runs. */
export async function registerThroughForm(
  page: Page,
  name: string,
  email: string,
  password = PASSWORD,
  base = "",
  scripted = true,
) {
  await page.goto(`${base}/register`);
  if (scripted) await live(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(at("/users"));
}

/**
 * Follows the verification link mailed at registration in this browser,
 * signed in: the address is verified (and shown to be the account owner's),
 * as adding a passkey or linking a provider needs.
 */
export async function verifyEmailThroughMail(page: Page, smtp: SmtpServer) {
  const link = linkTo(await smtp.mailAbout("Confirm your email address"), "/verify-email");
  await page.goto(link);
  await live(page);
  await page.getByRole("button", { name: "Verify email" }).click();
  await expect(page.getByRole("status")).toHaveText("Your email address is verified.");
}

/**
 * Logs in on /login, a plain form post, and waits for the page the server
 * answers with (the next page, or /login again saying what went wrong).
 */
export async function loginThroughForm(page: Page, email: string, password = PASSWORD) {
  await live(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  const answered = page.waitForEvent("load");
  await page.getByRole("button", { name: "Login" }).click();
  await answered;
}

/**
 * The page reports exactly `messages`, in order, the GOV.UK way: a summary
 * (`role="alert"`, "There is a problem") that has focus, and a title that
 * starts "Error: ".
 */
export async function expectProblems(page: Page, messages: string[]) {
  const summary = page.locator(".error-summary");
  await expect(summary).toHaveAttribute("role", "alert");
  await expect(summary.getByRole("heading", { name: "There is a problem" })).toBeVisible();
  await expect(summary.getByRole("listitem")).toHaveText(messages);
  await expect(summary).toBeFocused();
  await expect(page).toHaveTitle(/^Error: /);
}

/**
 * The account page's one notification banner (GOV.UK's success banner) says
 * `text`, is announced (`role="alert"`) and has the focus; no error summary
 * is left beside it, and the title says no "Error: ".
 */
export async function expectBanner(page: Page, text: string) {
  const banner = page.locator(".notification-banner");
  await expect(banner).toHaveCount(1);
  await expect(banner).toHaveAttribute("role", "alert");
  await expect(banner).toContainText(text);
  await expect(banner).toBeFocused();
  await expect(page.locator(".error-summary")).toHaveCount(0);
  await expect(page).not.toHaveTitle(/^Error: /);
}

/** axe-core finds nothing at WCAG 2.2 AA. */
export async function expectNoViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

const SCREENSHOTS = join(__dirname, "..", "screenshots");

/** The README's pictures: refreshed only on request (`UPDATE_SCREENSHOTS=1`), so a test run leaves the tree as it was. */
export async function screenshot(target: Page | Locator, name: string, fullPage = false) {
  if (!process.env.UPDATE_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await ("goto" in target ? target.screenshot({ path, fullPage }) : target.screenshot({ path }));
}
