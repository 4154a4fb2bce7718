// Every field a password is typed into: masked (`type="password"`), named
// for password managers (`autocomplete` says which password it wants), and
// open to pasting, as a password manager or a person copying a long
// password does. Logged out (`/login`, `/register`) and logged in
// (`/account`, `/reauthenticate`), each page as it runs.
import { test, expect, uniqueEmail, live, PASSWORD, type Page } from "./fixtures";

/** What each password field of the page says of itself. */
async function passwordFields(page: Page) {
  return page.locator('input[name*="password" i]').evaluateAll((inputs) =>
    inputs.map((input) => {
      const field = input as HTMLInputElement;
      // A paste the page would stop is one whose default is prevented.
      const data = new DataTransfer();
      data.setData("text/plain", "pasted horse battery");
      const paste = new ClipboardEvent("paste", { bubbles: true, cancelable: true, clipboardData: data });
      field.dispatchEvent(paste);
      return {
        name: field.name,
        type: field.type,
        autocomplete: field.getAttribute("autocomplete"),
        pasteStopped: paste.defaultPrevented,
        handlers: ["onpaste", "oncopy", "ondrop"].filter((attribute) => field.hasAttribute(attribute)),
      };
    }),
  );
}

async function expectPasswordFields(page: Page, path: string, wanted: string[]) {
  const fields = await passwordFields(page);
  expect(fields.length, `${path}: password fields`).toBeGreaterThan(0);
  for (const field of fields) {
    expect(field, `${path}: ${field.name}`).toEqual({
      name: field.name,
      type: "password",
      autocomplete: expect.stringMatching(/^(current-password|new-password)$/),
      pasteStopped: false,
      handlers: [],
    });
  }
  expect(fields.map((field) => field.autocomplete).sort(), path).toEqual([...wanted].sort());
}

test("every password field is masked, says which password it wants, and takes a paste", async ({ page }) => {
  for (const [path, wanted] of [
    ["/login", ["current-password"]],
    ["/register", ["new-password"]],
  ] as const) {
    await page.goto(path);
    await live(page);
    await expectPasswordFields(page, path, [...wanted]);
  }

  // A real paste, through the clipboard, reaches the login's field.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/login");
  await live(page);
  await page.evaluate(() => navigator.clipboard.writeText("pasted horse battery"));
  const field = page.locator('input[name="password"]');
  await field.focus();
  await page.keyboard.press("Control+V");
  await expect(field).toHaveValue("pasted horse battery");

  const registered = await page.request.post("/api/register", {
    form: { name: "Field Visitor", email: uniqueEmail("fields"), password: PASSWORD },
  });
  expect(registered.status()).toBe(200);
  for (const [path, wanted] of [
    ["/account", ["current-password", "new-password"]],
    ["/reauthenticate", ["current-password"]],
  ] as const) {
    await page.goto(path);
    await live(page);
    await expectPasswordFields(page, path, [...wanted]);
  }
});
