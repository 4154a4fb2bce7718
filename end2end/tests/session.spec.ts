import {
  test,
  expect,
  PASSWORD,
  uniqueEmail,
  live,
  registerThroughForm,
  loginThroughForm,
  at,
  expectProblems,
  documentsLoaded,
  urlsShown,
} from "./fixtures";

test("registering through the form lands on /users with the user's name listed and in the nav", async ({ page }) => {
  const email = uniqueEmail("register");
  await registerThroughForm(page, "Ada Lovelace", email);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.getByRole("main").getByRole("link", { name: "Ada Lovelace" }).first()).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Ada Lovelace");
});

test("a reload keeps the session and the server's HTML already shows the user", async ({ page }) => {
  await registerThroughForm(page, "Reload Tester", uniqueEmail("reload"));
  const html = await (await page.request.get("/users")).text();
  expect(html).toContain("Reload Tester");
  expect(html).toContain("Logout");
  await page.reload();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Reload Tester");
  await expect(page.getByRole("link", { name: "Login" })).toHaveCount(0);
});

test("navigation inside the app never reloads the page", async ({ page }) => {
  await registerThroughForm(page, "Navigator", uniqueEmail("spa"));
  await live(page);
  const documents: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "document") documents.push(request.url());
  });
  await page.evaluate(() => ((window as any).__stillHere = true));

  await page.getByRole("main").getByRole("link", { name: "Navigator" }).first().click();
  await expect(page).toHaveURL(at("/users/\\d+"));
  await expect(page.getByRole("heading", { name: "Navigator" })).toBeVisible();
  await expect(page.getByText("Member since")).toBeVisible();

  await page.goBack();
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  await page.getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Navigator" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
  expect(documents).toEqual([]);
});

test("logout lands on /login; /users then asks to log in and comes back", async ({ page }) => {
  const email = uniqueEmail("logout");
  await registerThroughForm(page, "Leaving Soon", email);
  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  await expect(page.getByRole("navigation", { name: "Main" })).not.toContainText("Leaving Soon");

  await page.goto("/users");
  await expect(page).toHaveURL(at("/login\\?redirect=/users"));
  await loginThroughForm(page, email);
  await expect(page).toHaveURL(at("/users"));
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Leaving Soon");
});

test.describe("form errors", () => {
  test.use({ expectedHttpErrors: [401, 409] });

  test("a wrong password is announced, the password cleared and the email kept", async ({ page }) => {
    const email = uniqueEmail("wrong");
    await registerThroughForm(page, "Careful Typist", email);
    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
    await loginThroughForm(page, email, "not the password");
    await expectProblems(page, ["Invalid email or password"]);
    await expect(page.getByLabel("Password")).toHaveValue("");
    await expect(page.getByLabel("Email")).toHaveValue(email);
    // Back where it was posted from; the failure replaces the word of the logout.
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
    await expect(page.getByText("You have logged out.")).toHaveCount(0);
  });

  test("a taken email is announced on the register form", async ({ page, browser }) => {
    const email = uniqueEmail("taken");
    const other = await browser.newContext();
    await registerThroughForm(await other.newPage(), "First Owner", email);
    await other.close();

    await page.goto("/register");
    await live(page);
    await page.getByLabel("Name").fill("Second Owner");
    await page.getByLabel("Email").fill(email.toUpperCase());
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Register" }).click();
    await expectProblems(page, ["This email address is already registered: log in, or reset your password if you have forgotten it"]);
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Name")).toHaveValue("Second Owner");
    await expect(page).toHaveURL(at("/register"));
  });
});

test("the client guard sends a logged-out visitor to /login without fetching protected data", async ({ page }) => {
  const protectedData: number[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/api/user")) protectedData.push(response.status());
  });
  await page.goto("/");
  await live(page);
  const documents = documentsLoaded(page);
  const shown = urlsShown(page);
  // An in-app link to a protected page, followed by the client-side router.
  await page.evaluate(() => {
    const link = document.createElement("a");
    link.href = "/users/1";
    link.textContent = "to a protected page";
    document.querySelector("main")!.append(link);
  });
  await page.getByRole("link", { name: "to a protected page" }).click();
  await expect(page).toHaveURL(at("/login\\?redirect=/users/1"));
  await live(page);
  // The app decided: the server was asked for /login (which runs no wasm), never for /users/1.
  expect(documents).toEqual(["/login?redirect=/users/1"]);
  expect(shown).toEqual(["/users/1", "/login?redirect=/users/1"]);
  expect(protectedData).toEqual([]);
});

test.describe("a session that ends behind the app's back", () => {
  test.use({ expectedHttpErrors: [401] });

  test("losing the cookie sends the next protected navigation to /login, with no data served", async ({ page, context }) => {
    await registerThroughForm(page, "Cookie Loser", uniqueEmail("lost"));
    await live(page);
    const link = page.getByRole("main").getByRole("link", { name: "Cookie Loser" }).first();
    await expect(link).toBeVisible();
    const served: number[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname.startsWith("/api/user")) served.push(response.status());
    });
    await context.clearCookies();
    await link.click();
    await expect(page).toHaveURL(at("/login\\?redirect=/users/\\d+"));
    expect(served.every((status) => status === 401)).toBe(true);
  });
});

test("two browser contexts hold two users independently", async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const ada = await first.newPage();
  const grace = await second.newPage();
  await registerThroughForm(ada, "Ada Two", uniqueEmail("ctx-a"));
  await registerThroughForm(grace, "Grace Two", uniqueEmail("ctx-b"));
  await ada.reload();
  await grace.reload();
  await expect(ada.getByRole("navigation", { name: "Main" })).toContainText("Ada Two");
  await expect(ada.getByRole("navigation", { name: "Main" })).not.toContainText("Grace Two");
  await expect(grace.getByRole("navigation", { name: "Main" })).toContainText("Grace Two");
  await expect(grace.getByRole("navigation", { name: "Main" })).not.toContainText("Ada Two");
  await first.close();
  await second.close();
});

test("the cookie is HttpOnly, SameSite=Lax and invisible to scripts", async ({ page, context }) => {
  await registerThroughForm(page, "Cookie Checker", uniqueEmail("cookie"));
  const cookies = await context.cookies();
  // `session`, or `<app>-session` in an app made from the template.
  const session = cookies.find((cookie) => /^([\w-]+-)?session$/.test(cookie.name));
  expect(session).toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");
  expect(session!.path).toBe("/");
  expect(await page.evaluate(() => document.cookie)).not.toContain("session");
});

test("logging out in one tab logs out the other tab", async ({ context }) => {
  const first = await context.newPage();
  await registerThroughForm(first, "Two Tabs", uniqueEmail("tabs"));
  const second = await context.newPage();
  await second.goto("/");
  await live(second);
  await expect(second.getByRole("heading", { name: "Welcome, Two Tabs" })).toBeVisible();
  await first.getByRole("button", { name: "Logout" }).click();
  await expect(first).toHaveURL(at("/login\\?done=logged-out"));
  await expect(second.getByRole("heading", { name: "Welcome", exact: true })).toBeVisible();
  await expect(second.getByRole("navigation", { name: "Main" })).toContainText("Login");
});

test("a tab re-reads the session when it regains focus", async ({ page, context }) => {
  await registerThroughForm(page, "Focus Tester", uniqueEmail("focus"));
  await page.getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Focus Tester" })).toBeVisible();
  // The session ends outside this tab's knowledge...
  await context.clearCookies();
  await expect(page.getByRole("heading", { name: "Welcome, Focus Tester" })).toBeVisible();
  // ...and the tab notices when the user comes back to it.
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  await expect(page.getByRole("heading", { name: "Welcome", exact: true })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("Login");
});

test("a redirect that resolves to another host is dropped and the app keeps working", async ({ page }) => {
  const email = uniqueEmail("dot-segments");
  await registerThroughForm(page, "Dot Segments", email);
  // The list has loaded: no request of the page is still in flight when the
  // logout ends the session (it would get a 401, logged as a console error).
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByRole("button", { name: "Logout" }).click();
  await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  // `/.//evil.invalid` is `//evil.invalid` once its dot segment is resolved:
  // another host, which the router's pushState would refuse with an exception.
  for (const sneaky of ["/.//evil.invalid", "/..//evil.invalid", "/%2e//evil.invalid"]) {
    await page.goto(`/login?redirect=${encodeURIComponent(sneaky)}`);
    await loginThroughForm(page, email);
    await expect(page).toHaveURL(at("/users"));
    await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
    await page.getByRole("button", { name: "Logout" }).click();
    await expect(page).toHaveURL(at("/login\\?done=logged-out"));
  }
});
