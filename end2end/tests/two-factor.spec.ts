// Two-step verification as a person meets it: set up on the account page by
// typing the secret into an authenticator (here the test computes the codes
// from the secret shown, as an app would), then every login by password asks
// for a code on /two-factor, or for one of the recovery codes shown once.
import { createHmac } from "node:crypto";
import {
  test,
  expect,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  at,
  expectProblems,
  expectNoViolations,
  expectBanner,
  screenshot,
  type Page,
} from "./fixtures";

const STEP_MS = 30_000;

/** RFC 4648 base32, as the secret is shown. */
function fromBase32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...text.replace(/=+$/, "")].map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0")).join("");
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app with `secret` shows now (RFC 6238: SHA-1, 6 digits, 30 s). */
function codeNow(secret: string): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / STEP_MS)));
  const mac = createHmac("sha1", fromBase32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

/** Waits for the authenticator's next code: the current one was spent. */
async function nextStep(page: Page) {
  await page.waitForTimeout(STEP_MS - (Date.now() % STEP_MS) + 500);
}

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
}

test.use({ expectedHttpErrors: [401, 422] });

test("turned on with a code from the secret shown, it asks every login for a code or a recovery code", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("twostep");
  await registerThroughForm(page, "Twostep Ada", email);
  await page.goto("/account");
  await live(page);
  const section = page.locator("section", { has: page.getByRole("heading", { name: "Two-step verification" }) });
  await section.getByRole("button", { name: "Set up two-step verification" }).click();
  await expect(section.getByRole("img", { name: "QR code of the secret" }).locator("svg")).toBeVisible();
  const secret = (await section.locator("#two-factor-secret").textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await expectNoViolations(page);
  await screenshot(section, "two-factor-setup");

  await section.getByLabel("Code", { exact: true }).fill("000000" === codeNow(secret) ? "111111" : "000000");
  await section.getByRole("button", { name: "Turn on" }).click();
  await expect(page.locator(".error-summary li")).toHaveText(["Invalid code"]);
  await section.getByLabel("Code", { exact: true }).fill(codeNow(secret));
  await section.getByRole("button", { name: "Turn on" }).click();
  const codes = section.locator(".recovery-codes code");
  await expect(codes).toHaveCount(10);
  await expectBanner(page, "Two-step verification is on.");
  const recovery = (await codes.allTextContents()).map((code) => code.trim());
  await expect(section.getByRole("link", { name: "Download the recovery codes" })).toHaveAttribute(
    "download",
    "recovery-codes.txt",
  );
  await expectNoViolations(page);

  // A recovery code, typed by hand.
  await logOut(page);
  await loginThroughForm(page, email);
  await expect(page).toHaveURL(at("/two-factor\\?redirect=%2Fusers"));
  await live(page);
  const code = page.getByLabel("Code", { exact: true });
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await expect(code).toHaveAttribute("inputmode", "numeric");
  await expectNoViolations(page);
  await page.getByRole("link", { name: "Use a recovery code" }).click();
  await live(page);
  await page.getByLabel("Recovery code").fill(recovery[0].toUpperCase());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Twostep Ada");

  // The authenticator's next code; a wrong one first.
  await logOut(page);
  await loginThroughForm(page, email);
  await live(page);
  await page.getByLabel("Code", { exact: true }).fill("12345");
  await page.getByRole("button", { name: "Verify" }).click();
  await expectProblems(page, ["Invalid code"]);
  await expectNoViolations(page);
  await nextStep(page);
  await page.getByLabel("Code", { exact: true }).fill(codeNow(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(at("/users"));
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("it is set up, turned on and its codes shown once, and the second step lands where the login was going", async ({
    page,
  }) => {
    const email = uniqueEmail("twostepnojs");
    await registerThroughForm(page, "Plain Ada", email, undefined, "", false);
    await page.goto("/account");
    await page.getByRole("button", { name: "Set up two-step verification" }).click();
    await expect(page).toHaveURL(at("/account#two-factor"));
    const secret = (await page.locator("#two-factor-secret").textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel("Code", { exact: true }).fill(codeNow(secret));
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect(page).toHaveURL(at("/account\\?done=two-factor-on"));
    await expectBanner(page, "Two-step verification is on.");
    const recovery = (await page.locator(".recovery-codes code").allTextContents()).map((code) => code.trim());
    expect(recovery).toHaveLength(10);
    await page.reload();
    await expect(page.getByRole("button", { name: "Turn off" })).toBeVisible();
    await expect(page.locator(".recovery-codes code"), "shown once").toHaveCount(0);
    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));

    await page.goto("/login?redirect=/account");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Login" }).click();
    await expect(page).toHaveURL(at("/two-factor\\?redirect=%2Faccount"));
    await page.getByRole("link", { name: "Use a recovery code" }).click();
    await page.getByLabel("Recovery code").fill("not-a-code");
    await page.getByRole("button", { name: "Verify" }).click();
    await expectProblems(page, ["Invalid code"]);
    await page.getByLabel("Recovery code").fill(recovery[3]);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(at("/account"));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Account");
  });
});
