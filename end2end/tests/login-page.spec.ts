// /login is the server's page with a small script of its own, not the app
// (see app/src/pages/login.rs): the app's links and redirects to it load it
// from the server, and what a person does there works without the wasm.
import {
  test,
  expect,
  live,
  at,
  documentsLoaded,
  urlsShown,
  registerThroughForm,
  uniqueEmail,
} from "./fixtures";

test("the app's link to /login loads the server's page, and Back returns to the app", async ({ page }) => {
  await page.goto("/");
  await live(page);
  const loaded = documentsLoaded(page);
  const shown = urlsShown(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Login" }).click();
  await expect(page).toHaveURL(at("/login"));
  // Its own script has taken the passkey button over.
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeEnabled();
  await expect(page.getByRole("heading", { level: 1, name: "Login" })).toBeVisible();
  expect(loaded).toEqual(["/login"]);
  // Loaded at once, not shown by the app's router first and then loaded.
  expect(shown).toEqual(["/login"]);

  // Back to the app's own page, which the browser may keep (no "load" then).
  await page.goBack({ waitUntil: "commit" });
  await expect(page).toHaveURL(at("/"));
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Login" })).toBeVisible();
});

test("a browser without passkeys is told so at the button", async ({ page }) => {
  await page.addInitScript(() => {
    delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  });
  await page.goto("/login");
  await live(page);
  const section = page.getByRole("region", { name: "Or use a passkey" });
  await expect(section.getByText("This browser cannot use passkeys.")).toBeVisible();
  await expect(section.getByText("Passkeys need JavaScript")).toHaveCount(0);
  await expect(section.getByRole("button", { name: "Sign in with a passkey" })).toBeDisabled();
});

test("logging out loads /login once, so what the person does next is not cut short", async ({ page }) => {
  await registerThroughForm(page, "Leaving Soon", uniqueEmail("leave"));
  const loaded = documentsLoaded(page);
  const shown = urlsShown(page);
  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  // A navigation started now is the last one: no second load of /login
  // comes after it (a router navigation that the page then replaced did).
  await page.goto("/register");
  await live(page);
  await expect(page).toHaveURL(at("/register"));
  expect(shown).toEqual(["/login?done=logged-out", "/register"]);
  expect(loaded).toEqual(["/login?done=logged-out", "/register"]);
});

test.describe("an answer that is not the API's", () => {
  test.use({ expectedHttpErrors: [502] });

  test("keeps the passkey button busy while it is awaited, then says the server is out of reach", async ({ page }) => {
    // Only the button asks: no request waits in the email field's suggestions.
    await page.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // A proxy's error page, with no `code`: the page says its own words, not the proxy's.
    await page.route("**/api/auth/passkey/login/options", async (route) => {
      await answered;
      await route.fulfill({ status: 502, contentType: "text/html", body: "<h1>Bad Gateway</h1>" });
    });
    await page.goto("/login");
    await live(page);
    const button = page.getByRole("button", { name: "Sign in with a passkey" });
    await button.click();
    await expect(button).toHaveAttribute("aria-disabled", "true");
    answer();
    await expect(page.getByRole("alert")).toHaveText("Service temporarily unavailable, try again shortly");
    await expect(button).not.toHaveAttribute("aria-disabled");
    await expect(page).toHaveURL(at("/login"));
  });
});
